"""The controller base: reactor ordering, delayed steps, idleness, errors, watches, conflict retries (controllers/base.py)."""

import threading
import time
import types

import pytest

from tests.lab.apiserver.store import Store
from tests.lab.controllers.base import Controller, Reactor, group_of, kind_key


@pytest.fixture(name="reactor")
def reactor_fixture():
    reactor = Reactor(time_scale=0.05)
    reactor.start()
    yield reactor
    reactor.stop()


def _world(reactor, store=None):
    return types.SimpleNamespace(lab=None, reactor=reactor, store=store)


def test_tasks_run_in_order_on_one_thread(reactor):
    seen = []
    for index in range(20):
        reactor.submit(lambda value=index: seen.append((value, threading.current_thread().name)))
    assert reactor.wait_idle(5)
    assert [value for value, _thread in seen] == list(range(20))
    assert {thread for _value, thread in seen} == {"lab-reactor"}


def test_delayed_steps_follow_the_time_scale(reactor):
    seen = []
    start = time.monotonic()
    reactor.call_later(4, lambda: seen.append(("late", time.monotonic() - start)))
    reactor.call_later(1, lambda: seen.append(("early", time.monotonic() - start)))
    assert reactor.wait_idle(5)
    assert [name for name, _elapsed in seen] == ["early", "late"]
    assert seen[0][1] >= 0.05 and seen[1][1] >= 0.2


def test_cancelled_timer_does_not_run(reactor):
    seen = []
    timer = reactor.call_later(1, seen.append, "never")
    timer.cancel()
    assert reactor.wait_idle(5)
    time.sleep(0.1)
    assert not seen


def test_errors_are_kept_and_the_reactor_goes_on(reactor):
    def broken():
        raise ValueError("boom")
    seen = []
    reactor.submit(broken)
    reactor.submit(seen.append, "after")
    assert reactor.wait_idle(5)
    assert seen == ["after"]
    assert len(reactor.errors) == 1 and "ValueError: boom" in reactor.errors[0]


def test_stop_drops_pending_work():
    reactor = Reactor(time_scale=10)
    reactor.start()
    seen = []
    reactor.call_later(1, seen.append, "late")
    reactor.stop()
    reactor.submit(seen.append, "after stop")
    assert reactor.wait_idle(1)
    assert not seen and not reactor.running


def _blocking_task(reactor):
    """Submit a task that runs until the returned ``release`` event is set; returns (release, finished)."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def task():
        started.set()
        release.wait(10)
        finished.set()

    reactor.submit(task)
    assert started.wait(10)
    return release, finished


def test_stop_waits_for_the_running_task():
    reactor = Reactor()
    reactor.start()
    release, finished = _blocking_task(reactor)
    threading.Timer(0.2, release.set).start()
    reactor.stop()
    assert finished.is_set()


def test_stop_raises_when_the_running_task_outlives_the_timeout():
    reactor = Reactor()
    reactor.start()
    release, finished = _blocking_task(reactor)
    try:
        with pytest.raises(RuntimeError, match="still running"):
            reactor.stop(timeout=0.1)
    finally:
        release.set()
    assert finished.wait(10)


class Recorder(Controller):
    name = "recorder"

    def setup(self):
        self.events = []
        self.ticks = 0
        self.watch(self.world.store, self.on_configmap, kinds={("v1", "ConfigMap")})
        self.every(1, self.tick)

    def on_configmap(self, store, event_type, obj):
        self.events.append((store.name, event_type, obj["metadata"]["name"]))
        if event_type == "ADDED" and obj["metadata"]["name"] == "first":
            self.after(1, self.touch, store)

    def tick(self):
        self.ticks += 1

    def touch(self, store):
        def change(obj):
            obj.setdefault("data", {})["touched"] = "yes"
        self.mutate(store, "v1", "ConfigMap", "first", "default", change)


def _configmap(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}


def test_controller_replays_existing_objects_then_follows_events(reactor):
    store = Store("cluster1")
    store.create(_configmap("existing"))
    controller = Recorder(_world(reactor, store))
    controller.start()
    store.create(_configmap("first"))
    store.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ignored", "namespace": "default"}})
    assert reactor.wait_idle(5)
    assert controller.events == [("cluster1", "ADDED", "existing"), ("cluster1", "ADDED", "first"), ("cluster1", "MODIFIED", "first")]
    assert store.get("v1", "ConfigMap", "first", "default")["data"] == {"touched": "yes"}
    time.sleep(0.2)
    assert controller.ticks >= 2
    controller.stop()
    store.create(_configmap("after-stop"))
    assert reactor.wait_idle(5)
    assert ("cluster1", "ADDED", "after-stop") not in controller.events


def test_mutate_retries_on_conflict(reactor):
    store = Store("cluster1")
    store.create(_configmap("shared"))
    attempts = []

    def change(obj):
        attempts.append(obj["metadata"]["resourceVersion"])
        if len(attempts) == 1:  # someone else writes between our get and our update
            other = store.get("v1", "ConfigMap", "shared", "default")
            other["data"] = {"writer": "other"}
            store.update(other)
        obj.setdefault("data", {})["mine"] = "yes"

    written = Controller.mutate(store, "v1", "ConfigMap", "shared", "default", change)
    assert len(attempts) == 2
    assert written["data"] == {"writer": "other", "mine": "yes"}
    assert Controller.mutate(store, "v1", "ConfigMap", "missing", "default", change) is None
    assert Controller.mutate(store, "v1", "ConfigMap", "shared", "default", lambda obj: False) is None
    del reactor


def test_group_and_kind_helpers():
    assert group_of("v1") == ""
    assert group_of("machine.openshift.io/v1beta1") == "machine.openshift.io"
    assert kind_key({"apiVersion": "apps/v1", "kind": "Deployment"}) == ("apps", "Deployment")

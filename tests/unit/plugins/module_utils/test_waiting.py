# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest
from kubernetes.client.rest import ApiException

from ansible_collections.acm.submariner.plugins.module_utils import k8s, waiting
from ansible_collections.acm.submariner.plugins.module_utils.conditions import evaluate_addon

TARGET = waiting.Target("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1")


def addon(status, rv):
    return {"kind": "ManagedClusterAddOn", "metadata": {"name": "submariner", "namespace": "cluster1", "resourceVersion": rv},
            "status": {"conditions": [{"type": "Available", "status": status, "reason": "R" + status, "message": "m"}]}}


def blocker(obj):
    if obj is None:
        return "it does not exist"
    condition = obj["status"]["conditions"][0]
    return None if condition["status"] == "True" else "Available is {0} ({1})".format(condition["status"], condition["reason"])


class Listing:
    def __init__(self, doc):
        self.doc = doc

    def to_dict(self):
        return copy.deepcopy(self.doc)


class FakeResource:
    """resource.get(field_selector=...) answers the lists it was given, one per call."""

    def __init__(self, states):
        self.states = list(states)
        self.list_calls = []

    def get(self, **params):
        self.list_calls.append(params)
        obj, rv = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return Listing({"kind": "List", "metadata": {"resourceVersion": rv}, "items": [obj] if obj else []})


class FakeHub:
    target = 'context "hubcluster"'

    def __init__(self, resource):
        self._resource = resource

    def resource(self, api_version, kind):
        return self._resource

    retry_policy = k8s.RetryPolicy(sleep=lambda seconds: None)

    def call(self, doing, func):
        return k8s.HubClient.call(self, doing, func)

    def _explained(self, doing):
        return k8s.HubClient._explained(self, doing)


class FakeWatch:
    """Replaces kubernetes.watch: each stream() call plays the next scripted round."""

    def __init__(self, rounds):
        self.rounds = list(rounds)
        self.stream_calls = []

    def Watch(self):
        return self

    def stream(self, func, **kwargs):
        self.stream_calls.append(kwargs)
        return self._play(self.rounds.pop(0))

    @staticmethod
    def _play(round_):
        # Like kubernetes.watch.Watch.stream: a generator that fails when iterated.
        if isinstance(round_, Exception):
            raise round_
        yield from round_


class SlowWatch(FakeWatch):
    """A watch on which nothing happens: each round just uses up its timeout on the clock."""

    def __init__(self, clock):
        super().__init__([])
        self.clock = clock

    def stream(self, func, **kwargs):
        self.clock.now += kwargs["timeout_seconds"]
        return self._play([])


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def run(resource, watch, monkeypatch, timeout=30, clock=None):
    monkeypatch.setattr(waiting, "kube_watch", watch)
    clock = clock or Clock()
    return waiting.wait_until(FakeHub(resource), TARGET, blocker, timeout, clock=clock, sleep=clock.sleep), clock


def test_already_ready_needs_no_watch(monkeypatch):
    watch = FakeWatch([])
    obj, clock = run(FakeResource([(addon("True", "5"), "5")]), watch, monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "5"
    assert watch.stream_calls == [] and clock.sleeps == []


def test_watch_event_ends_the_wait_without_sleeping(monkeypatch):
    resource = FakeResource([(addon("False", "5"), "5")])
    watch = FakeWatch([[{"type": "MODIFIED", "raw_object": addon("True", "6")}]])
    obj, clock = run(resource, watch, monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "6"
    assert clock.sleeps == []
    call = watch.stream_calls[0]
    assert call["resource_version"] == "5"
    assert call["field_selector"] == "metadata.name=submariner"
    assert call["namespace"] == "cluster1"
    assert 1 <= call["timeout_seconds"] <= waiting.WATCH_ROUND_SECONDS


def test_one_watch_stream_delivers_several_changes(monkeypatch):
    resource = FakeResource([(addon("False", "5"), "5")])
    watch = FakeWatch([[{"type": "MODIFIED", "raw_object": addon("False", "6")}, {"type": "MODIFIED", "raw_object": addon("True", "7")}]])
    obj, dummy = run(resource, watch, monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "7"
    assert len(watch.stream_calls) == 1 and len(resource.list_calls) == 1


def test_bookmark_is_skipped_and_deleted_means_gone(monkeypatch):
    resource = FakeResource([(addon("True", "5"), "5")])
    watch = FakeWatch([[{"type": "BOOKMARK", "raw_object": {"metadata": {"resourceVersion": "8"}}},
                        {"type": "DELETED", "raw_object": addon("True", "9")}]])
    monkeypatch.setattr(waiting, "kube_watch", watch)
    clock = Clock()
    obj = waiting.wait_until(FakeHub(resource), TARGET, lambda o: None if o is None else "still there", 30, clock=clock, sleep=clock.sleep)
    assert obj is None


def test_gone_relists_and_keeps_watching(monkeypatch):
    resource = FakeResource([(addon("False", "5"), "5"), (addon("False", "20"), "20")])
    gone = ApiException(status=410, reason="Expired")
    watch = FakeWatch([gone, [{"type": "MODIFIED", "raw_object": addon("True", "21")}]])
    obj, clock = run(resource, watch, monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "21"
    assert watch.stream_calls[1]["resource_version"] == "20"


def test_transient_watch_failure_pauses_relists_and_keeps_watching(monkeypatch):
    resource = FakeResource([(addon("False", "5"), "5"), (addon("False", "20"), "20")])
    unavailable = ApiException(status=503, reason="ServiceUnavailable")
    watch = FakeWatch([unavailable, [{"type": "MODIFIED", "raw_object": addon("True", "21")}]])
    obj, clock = run(resource, watch, monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "21"
    assert clock.sleeps == [waiting.POLL_FIRST_DELAY]
    assert watch.stream_calls[1]["resource_version"] == "20"


def test_snapshot_retries_a_transient_list_failure(monkeypatch):
    resource = FakeResource([(addon("True", "5"), "5")])
    get = resource.get
    failures = [ApiException(status=429, reason="TooManyRequests")]

    def flaky(**params):
        if failures:
            raise failures.pop()
        return get(**params)

    resource.get = flaky
    obj, dummy = run(resource, FakeWatch([]), monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "5"
    assert len(resource.list_calls) == 1 and failures == []


def test_without_watch_polls_with_short_backoff(monkeypatch):
    not_allowed = ApiException(status=405, reason="MethodNotAllowed")
    states = [(addon("False", str(n)), str(n)) for n in range(1, 6)] + [(addon("True", "9"), "9")]
    resource = FakeResource(states)
    obj, clock = run(resource, FakeWatch([not_allowed]), monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "9"
    assert clock.sleeps and max(clock.sleeps) <= waiting.POLL_MAX_DELAY
    assert clock.sleeps[0] == waiting.POLL_FIRST_DELAY
    assert clock.sleeps == sorted(clock.sleeps)


def test_timeout_reports_the_last_blocker(monkeypatch):
    resource = FakeResource([(addon("False", "5"), "5")])
    clock = Clock()
    with pytest.raises(waiting.WaitTimeout) as info:
        run(resource, SlowWatch(clock), monkeypatch, timeout=25, clock=clock)
    message = str(info.value)
    assert "ManagedClusterAddOn cluster1/submariner was not ready after 25s" in message
    assert "Available is False (RFalse)" in message
    assert 'context "hubcluster"' in message
    assert info.value.details["last_seen"]["metadata"]["resourceVersion"] == "5"


def test_missing_object_can_be_waited_for(monkeypatch):
    resource = FakeResource([(None, "3")])
    watch = FakeWatch([[{"type": "ADDED", "raw_object": addon("True", "4")}]])
    obj, clock = run(resource, watch, monkeypatch)
    assert obj["metadata"]["resourceVersion"] == "4"


def test_evaluation_timeout_carries_conditions_and_diagnosis(monkeypatch):
    missing_broker = {"kind": "ManagedClusterAddOn", "metadata": {"name": "submariner", "namespace": "cluster1", "resourceVersion": "5",
                                                                  "managedFields": [{"manager": "x"}]},
                      "status": {"conditions": [{"type": "SubmarinerBrokerConfigApplied", "status": "False", "reason": "BrokerConfigMissing",
                                                 "message": 'Waiting for brokers.submariner.io object named "submariner-broker"'}]}}
    clock = Clock()
    monkeypatch.setattr(waiting, "kube_watch", SlowWatch(clock))
    with pytest.raises(waiting.WaitTimeout) as info:
        waiting.wait_for_evaluation(FakeHub(FakeResource([(missing_broker, "5")])), TARGET, evaluate_addon, 5, clock=clock, sleep=clock.sleep)
    assert "SubmarinerBrokerConfigApplied (BrokerConfigMissing)" in str(info.value)
    assert "likely cause: the Broker CR submariner-broker is missing" in str(info.value)
    details = info.value.details
    assert details["diagnosis"]["category"] == "broker_missing"
    assert details["blocking"]["condition"] == "SubmarinerBrokerConfigApplied"
    assert details["conditions"][0]["reason"] == "BrokerConfigMissing"
    assert "managedFields" not in details["last_seen"]["metadata"]


def test_wait_gone_names_the_finalizers(monkeypatch):
    stuck = {"metadata": {"name": "submariner", "namespace": "cluster1", "resourceVersion": "5", "finalizers": ["example.io/cleanup"]}}
    resource = FakeResource([(stuck, "5")])
    clock = Clock()
    monkeypatch.setattr(waiting, "kube_watch", SlowWatch(clock))
    with pytest.raises(waiting.WaitTimeout, match="still being deleted \\(finalizers: example.io/cleanup\\)"):
        waiting.wait_gone(FakeHub(resource), TARGET, 3, clock=clock, sleep=clock.sleep)
    monkeypatch.setattr(waiting, "kube_watch", FakeWatch([[{"type": "DELETED", "raw_object": stuck}]]))
    assert waiting.wait_gone(FakeHub(FakeResource([(stuck, "5")])), TARGET, 3, clock=clock, sleep=clock.sleep) is None


class FakeModule:
    """What readiness_after_write and delete_and_wait read of a k8s.HubModule."""

    def __init__(self, wait_requested, hub=None):
        self.wait_requested = wait_requested
        self.params = {"wait_timeout": 12}
        self.hub = hub


class Outcome:
    def __init__(self, changed):
        self.changed = changed
        self.kept = False


class DeletingHub:
    def __init__(self, changed):
        self.changed = changed
        self.deleted = []

    def ensure_absent(self, api_version, kind, name, namespace=None, owned_only=False):
        self.deleted.append((api_version, kind, name, namespace))
        return Outcome(self.changed)


@pytest.mark.parametrize("wait_requested", [True, False])
def test_readiness_after_write_waits_only_when_asked(monkeypatch, wait_requested):
    waits = []

    def wait_for_evaluation(hub, target, evaluate, timeout, guard=None):
        waits.append((target, timeout))
        assert guard is None
        return addon("True", "9"), evaluate(addon("True", "9"))

    def evaluate(obj):
        return "evaluated at resourceVersion " + obj["metadata"]["resourceVersion"]

    monkeypatch.setattr(waiting, "wait_for_evaluation", wait_for_evaluation)
    evaluation = waiting.readiness_after_write(FakeModule(wait_requested), TARGET, evaluate, addon("False", "3"))
    assert evaluation == "evaluated at resourceVersion " + ("9" if wait_requested else "3")
    assert waits == ([(TARGET, 12)] if wait_requested else [])


@pytest.mark.parametrize("changed, wait_requested, waited", [(True, True, True), (True, False, False), (False, True, False)])
def test_delete_and_wait_waits_for_what_it_deleted(monkeypatch, changed, wait_requested, waited):
    gone = []
    monkeypatch.setattr(waiting, "wait_gone", lambda hub, target, timeout: gone.append((target, timeout)))
    hub = DeletingHub(changed)
    outcome = waiting.delete_and_wait(FakeModule(wait_requested, hub), TARGET)
    assert outcome.changed is changed
    assert hub.deleted == [(TARGET.api_version, TARGET.kind, "submariner", "cluster1")]
    assert gone == ([(TARGET, 12)] if waited else [])


def managed_cluster(status, reason="ManagedClusterLeaseUpdateStopped"):
    return {"kind": "ManagedCluster", "metadata": {"name": "cluster1"},
            "status": {"conditions": [{"type": "ManagedClusterConditionAvailable", "status": status, "reason": reason,
                                       "message": "Registration agent stopped updating its lease."}]}}


def test_a_cluster_that_goes_unavailable_ends_the_wait_at_once(monkeypatch):
    """The add-on is still not Available; the cluster's Available turns Unknown in the second round: no 900 s wait."""
    resource = FakeResource([(addon("False", "3"), "3")])
    clock = Clock()
    monkeypatch.setattr(waiting, "kube_watch", SlowWatch(clock))
    states = [managed_cluster("True"), managed_cluster("Unknown")]
    guard_calls = []

    def guard():
        guard_calls.append(clock.now)
        return waiting.managed_cluster_lost(states.pop(0) if len(states) > 1 else states[0], "cluster1")

    with pytest.raises(waiting.WaitAborted) as aborted:
        waiting.wait_until(FakeHub(resource), TARGET, blocker, 900, clock=clock, sleep=clock.sleep, guard=guard)
    message = str(aborted.value)
    assert "ManagedCluster cluster1 is no longer Available (ManagedClusterConditionAvailable is Unknown" in message
    assert "ManagedClusterLeaseUpdateStopped" in message and 'context "hubcluster"' in message
    assert "wait_timed_out" not in aborted.value.details  # the action plugin must not start another round
    assert clock.now <= waiting.WATCH_ROUND_SECONDS and len(guard_calls) == 2


def test_the_guard_does_not_hold_a_ready_object(monkeypatch):
    monkeypatch.setattr(waiting, "kube_watch", FakeWatch([]))
    obj = waiting.wait_until(FakeHub(FakeResource([(addon("True", "4"), "4")])), TARGET, blocker, 30,
                             guard=lambda: waiting.managed_cluster_lost(managed_cluster("True"), "cluster1"))
    assert obj["metadata"]["resourceVersion"] == "4"


@pytest.mark.parametrize("obj, expected", [
    (None, "ManagedCluster c1 no longer exists"),
    ({"status": {"conditions": []}}, None),
    ({"status": {"conditions": [{"type": "ManagedClusterConditionAvailable", "status": "True"}]}}, None),
    ({"status": {"conditions": [{"type": "ManagedClusterConditionAvailable", "status": "False", "reason": "R", "message": "M"}]}},
     "ManagedCluster c1 is no longer Available (ManagedClusterConditionAvailable is False, reason R: M)"),
])
def test_managed_cluster_lost(obj, expected):
    assert waiting.managed_cluster_lost(obj, "c1") == expected


def test_readiness_after_write_guards_the_wait_with_the_cluster(monkeypatch):
    guards = []
    monkeypatch.setattr(waiting, "wait_for_evaluation", lambda hub, target, evaluate, timeout, guard=None: (guards.append(guard), (None, "ok"))[1])

    class Hub:
        @staticmethod
        def get(*args):
            return managed_cluster("False") if args[1:3] == ("ManagedCluster", "cluster1") else None

    assert waiting.readiness_after_write(FakeModule(True, Hub()), TARGET, None, None, cluster="cluster1") == "ok"
    assert "is no longer Available" in guards[0]()


def test_cluster_guard_reads_the_cluster_at_most_every_interval():
    reads, now = [], [100.0]

    class Hub:  # pylint: disable=too-few-public-methods
        def get(self, api_version, kind, name):
            reads.append((kind, name))
            return {"status": {"conditions": [{"type": "ManagedClusterConditionAvailable", "status": "True"}]}}

    guard = waiting.cluster_guard(Hub(), "c1", clock=lambda: now[0])
    assert guard() is None and len(reads) == 1
    now[0] += waiting.GUARD_INTERVAL_SECONDS - 0.1
    assert guard() is None and len(reads) == 1
    now[0] += 0.2
    assert guard() is None and len(reads) == 2

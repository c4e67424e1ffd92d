"""What every lab controller stands on: one reactor thread, store event subscription, delayed steps.

How it works
------------
* A :class:`Reactor` owns ONE thread that runs every controller task in order: store events and
  delayed steps alike. Controllers therefore never race each other (like a single-worker
  reconciler), and a store callback never runs controller code inside the writer's request: the
  callback only queues the event.
* :meth:`Controller.watch` subscribes to a cluster's :class:`Store` (``store.subscribe``) for some
  ``(group, kind)`` pairs and calls ``handler(store, event_type, obj)`` on the reactor thread.
  :meth:`Controller.start` also replays the objects already present as ``ADDED`` events, as an
  informer's initial list does (an object version already queued as an event is not replayed).
* :meth:`Controller.after` schedules ``fn(*args)`` after ``steps`` simulated provisioning steps:
  ``steps * lab.options.time_scale`` seconds (``time_scale == 0`` means "as soon as possible", still
  on the reactor thread, never inside the caller). Nothing ever sleeps in a request path.
* :meth:`Controller.every` runs a background tick (e.g. re-evaluating connections); ticks do not
  count as pending work for :meth:`Reactor.wait_idle`.
* An exception in a task is logged and kept in :attr:`Reactor.errors` (tests assert it is empty);
  the controller decides itself whether to retry (``self.after(1, ...)``).
* :meth:`Controller.mutate` is get → change → update with retry on 409 Conflict, the usual way a
  controller writes an object others may also be writing.

Writing a controller (lab-acm and the world use the same pattern)::

    class MachineApiController(Controller):
        name = "machine-api"

        def setup(self):
            for store in self.world.spokes.values():
                self.watch(store, self.on_machineset, kinds={("machine.openshift.io/v1beta1", "MachineSet")})

        def on_machineset(self, store, event_type, obj):
            ...
            self.after(1, self.finish_provisioning, store, machine_name)

A controller module exposes ``build(world) -> list[Controller]``; ``World.start()`` calls it for
every module of this package that defines it.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from typing import Callable

LOG = logging.getLogger("tests.lab.controllers")
CONFLICT_RETRIES = 10
MIN_TICK_SECONDS = 0.05


class Timer:
    """Handle of a delayed step; :meth:`cancel` stops it from running."""

    __slots__ = ("due", "background", "cancelled")

    def __init__(self, due: float, background: bool):
        self.due = due
        self.background = background
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Reactor:
    """One thread running queued tasks and due timers, in order."""

    def __init__(self, time_scale: float = 0.0):
        self.time_scale = max(0.0, float(time_scale))
        self.errors: list[str] = []
        self._ready: deque = deque()
        self._timers: list = []
        self._sequence = itertools.count()
        self._running = False
        self._busy = False
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._condition:
            if self._running:
                return
            self._running = True
        self._thread = threading.Thread(target=self._loop, name="lab-reactor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 120.0) -> None:
        """Stop the thread once its current task is done; queued tasks and timers are dropped.

        Waits for the thread to end: a task still running after ``stop`` would write to EC2 (moto's
        process-wide backends) or a store behind the next lab's or test's back. A task that does not
        finish in ``timeout`` seconds raises RuntimeError.
        """
        with self._condition:
            self._running = False
            self._ready.clear()
            self._timers.clear()
            self._condition.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                raise RuntimeError(f"the lab reactor is still running a task {timeout:g} s after stop()")

    @property
    def running(self) -> bool:
        return self._running

    def submit(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` on the reactor thread as soon as the tasks before it are done."""
        with self._condition:
            if not self._running:
                return
            self._ready.append((fn, args))
            self._condition.notify_all()

    def call_later(self, steps: float, fn: Callable, *args, background: bool = False) -> Timer:
        """Run ``fn(*args)`` after ``steps * time_scale`` seconds."""
        return self.call_in(steps * self.time_scale, fn, *args, background=background)

    def call_in(self, seconds: float, fn: Callable, *args, background: bool = False) -> Timer:
        """Run ``fn(*args)`` after ``seconds`` of wall-clock time."""
        timer = Timer(time.monotonic() + seconds, background)
        with self._condition:
            if self._running:
                heapq.heappush(self._timers, (timer.due, next(self._sequence), timer, fn, args))
                self._condition.notify_all()
        return timer

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no task is queued or running and no foreground timer is pending.

        Returns False on timeout. Meant for tests (with ``time_scale`` 0 or small).
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._has_work():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.05))
            return True

    def _has_work(self) -> bool:
        pending_timers = any(not entry[2].background and not entry[2].cancelled for entry in self._timers)
        return bool(self._ready) or self._busy or pending_timers

    def _loop(self) -> None:
        while True:
            with self._condition:
                task = self._next_task()
                if task is None:
                    return
                self._busy = True
            try:
                task[0](*task[1])
            except Exception as error:  # pylint: disable=broad-exception-caught
                name = getattr(task[0], "__qualname__", repr(task[0]))
                LOG.exception("lab controller task %s failed", name)
                self.errors.append(f"{name}: {type(error).__name__}: {error}")
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _next_task(self):
        """Under the lock: the next runnable task, waiting for one; None once stopped."""
        while self._running:
            self._move_due_timers()
            if self._ready:
                return self._ready.popleft()
            wait = self._timers[0][0] - time.monotonic() if self._timers else None
            self._condition.wait(wait if wait is None else max(wait, 0.0))
        return None

    def _move_due_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _due, _seq, timer, fn, args = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._ready.append((fn, args))


class Controller:
    """Base class of the lab's controllers. Subclasses override :meth:`setup`."""

    name = "controller"

    def __init__(self, world):
        self.world = world
        self.lab = world.lab
        self.reactor: Reactor = world.reactor
        self._watches: list[Callable] = []
        self._active = False

    # --------------------------------------------------------------- lifecycle
    def setup(self) -> None:
        """Declare watches (:meth:`watch`) and start ticks (:meth:`every`)."""

    def start(self) -> None:
        self._active = True
        self.setup()
        for replay in self._watches:
            self.reactor.submit(replay)

    def stop(self) -> None:
        self._active = False

    # --------------------------------------------------------------- events and time
    def watch(self, store, handler: Callable, *, kinds: set[tuple[str, str]]) -> None:
        """Call ``handler(store, event_type, obj)`` on the reactor thread for events of ``kinds``.

        ``kinds`` holds ``(apiVersion, kind)`` pairs such as ``("machine.openshift.io/v1beta1",
        "MachineSet")``; events match on group and kind whatever the version, the initial replay
        lists the given version.
        """
        wanted = {(group_of(api_version), kind) for api_version, kind in kinds}
        # Object versions already on their way as events: the initial replay must not deliver them twice.
        queued: set | None = set()
        lock = threading.Lock()

        def on_event(event_type: str, obj: dict) -> None:
            if not (self._active and kind_key(obj) in wanted):
                return
            with lock:
                if queued is not None:
                    queued.add(_version_key(obj))
            self.reactor.submit(self._dispatch, handler, store, event_type, obj)

        def replay() -> None:
            nonlocal queued
            for api_version, kind in sorted(kinds):
                for obj in store.list(api_version, kind):
                    with lock:
                        duplicate = queued is not None and _version_key(obj) in queued
                    if not duplicate:
                        self._dispatch(handler, store, "ADDED", obj)
            with lock:
                queued = None

        self._watches.append(replay)
        store.subscribe(on_event)

    def after(self, steps: float, fn: Callable, *args) -> Timer:
        """Run ``fn(*args)`` after ``steps`` simulated provisioning steps (see module doc)."""
        return self.reactor.call_later(steps, self._guarded, fn, *args)

    def every(self, steps: float, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` every ``steps`` steps, but at most every 50 ms, while the controller runs."""
        interval = max(steps * self.reactor.time_scale, MIN_TICK_SECONDS)

        def tick():
            if self._active:
                fn(*args)
                self.reactor.call_in(interval, tick, background=True)
        self.reactor.call_in(0, tick, background=True)

    # --------------------------------------------------------------- writing
    @staticmethod
    def mutate(store, api_version: str, kind: str, name: str, namespace: str | None,
               change: Callable[[dict], bool | None], *, status: bool = False) -> dict | None:
        """Get the object, let ``change(obj)`` edit it in place, write it back; retry on 409 Conflict.

        ``change`` returns False to skip the write. Returns the written object, or None when the
        object does not exist or nothing was written.
        """
        for _attempt in range(CONFLICT_RETRIES):
            current = store.get(api_version, kind, name, namespace)
            if current is None:
                return None
            edited = copy.deepcopy(current)
            if change(edited) is False or edited == current:
                return None
            try:
                return store.update_status(edited) if status else store.update(edited)
            except Exception as error:  # pylint: disable=broad-exception-caught
                if getattr(error, "code", None) != 409:
                    raise
        raise RuntimeError(f"{kind} {namespace}/{name}: still conflicting after {CONFLICT_RETRIES} attempts")

    # --------------------------------------------------------------- internals
    def _dispatch(self, handler, store, event_type, obj):
        if self._active:
            handler(store, event_type, obj)

    def _guarded(self, fn, *args):
        if self._active:
            fn(*args)


def _version_key(obj: dict) -> tuple:
    metadata = obj.get("metadata", {})
    return metadata.get("uid"), metadata.get("resourceVersion")


def group_of(api_version: str) -> str:
    """The API group of an apiVersion; the core group is ``""``."""
    return api_version.rpartition("/")[0]


def kind_key(obj: dict) -> tuple[str, str]:
    """``(group, kind)`` of an object."""
    return group_of(obj.get("apiVersion", "")), obj.get("kind", "")

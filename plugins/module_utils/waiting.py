# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wait until an object satisfies a check, reacting as soon as it changes.

A wait lists the object (by name), then watches it from that resourceVersion with a short
server-side timeout, re-evaluating on every event. If the server cannot watch, it polls with a
short backoff instead. On timeout the error carries the last thing that blocked, not a bare
"timed out".

``blocker(obj)`` is the contract: it gets the object (``None`` when it does not exist) and returns
``None`` when the wait is over, else a short sentence saying what is still missing.
"""

from __future__ import annotations

import time

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import classify_evaluation, managed_cluster_lost
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    is_transient,
    object_ref,
)
from ansible_collections.acm.submariner.plugins.module_utils.ownership import not_deleted_message

try:
    from kubernetes import watch as kube_watch
    from kubernetes.client.rest import ApiException
    from kubernetes.dynamic.exceptions import DynamicApiError
except ImportError:  # reported by AnsibleK8SModule (missing_required_lib)
    kube_watch = None

    class ApiException(Exception):  # type: ignore[no-redef]
        status = None

    DynamicApiError = ApiException  # type: ignore[misc]

try:
    from urllib3.exceptions import HTTPError as TransportError
except ImportError:
    class TransportError(Exception):  # type: ignore[no-redef]
        pass


# One watch request lasts at most this long; then we re-check the deadline and watch again.
WATCH_ROUND_SECONDS = 10
# Backoff when polling: starts short so a change is seen within a second.
POLL_FIRST_DELAY = 0.2
POLL_MAX_DELAY = 1.0
HTTP_GONE = 410
DIAGNOSIS_SEPARATOR = " (likely cause: "


def strip_bookkeeping(obj):
    if not obj:
        return obj
    metadata = {key: value for key, value in obj.get("metadata", {}).items() if key != "managedFields"}
    return dict(obj, metadata=metadata)


class WaitAborted(HubError):
    """A guard found that the wait cannot end well (its cluster went Unavailable): fail now, not at the deadline."""


class WaitTimeout(HubError):
    """The deadline passed; ``details`` hold ``waited``, the last object seen, and for a caller that waits
    in rounds (plugins/action) ``wait_timed_out``, ``waiting_for`` and ``still_missing``."""


def timeout_message(waiting_for, timeout, still_missing):
    """What a wait that ran out of time says: what it waited for, how long, and what was still missing."""
    return "{0} was not ready after {1}s: {2}".format(waiting_for, int(timeout), still_missing)


def progress_line(host, waiting_for, still_missing, elapsed, left):
    """One progress line of a wait that goes on: the host, what it waits for, the current state, elapsed and left."""
    state = still_missing.split(DIAGNOSIS_SEPARATOR)[0]  # the likely cause and fix come with the final failure
    return "[{0}] waiting for {1}: {2} ({3}s elapsed, {4}s left)".format(host, waiting_for, state, int(elapsed), int(max(left, 0)))


class Target:
    """The object a wait looks at."""

    def __init__(self, api_version, kind, name, namespace=None):
        self.api_version = api_version
        self.kind = kind
        self.name = name
        self.namespace = namespace

    def __str__(self):
        return object_ref(self.kind, self.name, self.namespace)


# How often a wait reads its ManagedCluster's availability at most. ACM marks a cluster Unknown only after its
# klusterlet missed lease renewals for minutes, so a few seconds more cost nothing, while reading the cluster at
# every change of the awaited object would double a wait's requests.
GUARD_INTERVAL_SECONDS = 5


def cluster_guard(hub, cluster, clock=time.monotonic):
    """A ``guard`` for wait_until: why ManagedCluster ``cluster`` is lost (conditions.managed_cluster_lost), else None.

    It reads the cluster at its first call and then at most every GUARD_INTERVAL_SECONDS."""
    last_read = []

    def guard():
        now = clock()
        if last_read and now - last_read[0] < GUARD_INTERVAL_SECONDS:
            return None
        last_read[:] = [now]
        return managed_cluster_lost(hub.get(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, cluster), cluster)
    return guard


def wait_until(hub, target, blocker, timeout, clock=time.monotonic, sleep=time.sleep, guard=None):
    """Return the object once ``blocker(obj)`` is ``None``; raise WaitTimeout at the deadline.

    ``hub`` is a k8s.HubClient. ``guard()``, asked before each look at the object (at least every watch round),
    returns why the wait cannot end well, which raises WaitAborted at once. ``clock`` and ``sleep`` are
    injectable for tests.
    """
    deadline = clock() + timeout
    watcher = _Watcher(hub, target)
    try:
        obj, version = watcher.snapshot()
        reason = _guarded(hub, target, guard, obj, blocker)
        while reason is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                waiting_for = "{0}: {1}".format(hub.target, target)
                raise WaitTimeout(
                    timeout_message(waiting_for, timeout, reason), waited=timeout, last_seen=strip_bookkeeping(obj),
                    wait_timed_out=True, waiting_for=waiting_for, still_missing=reason,
                )
            obj, version = watcher.next_change(obj, version, remaining, clock, sleep)
            reason = _guarded(hub, target, guard, obj, blocker)
    finally:
        watcher.close()
    return obj


def _guarded(hub, target, guard, obj, blocker):
    """``blocker(obj)``, unless ``guard`` says the wait is lost (then WaitAborted): a lost cluster's status is stale."""
    lost = guard() if guard else None
    if lost:
        raise WaitAborted("{0}: stopped waiting for {1}: {2}; it cannot become ready until the cluster is Available"
                          " again. Check the cluster and its klusterlet, then run again.".format(hub.target, target, lost),
                          cluster_lost=lost, last_seen=strip_bookkeeping(obj))
    return blocker(obj)


class _Watcher:
    """Delivers successive states of one object: by watch, else by short-backoff polling.

    A watch stream stays open across changes until its server-side timeout ends it (then the next
    change opens another): one request per round of up to WATCH_ROUND_SECONDS, not one per change.
    """

    def __init__(self, hub, target):
        self.hub = hub
        self.target = target
        self.can_watch = kube_watch is not None
        self.delay = POLL_FIRST_DELAY
        self._events = None

    def close(self):
        """Close the open watch stream, if any."""
        if self._events is not None:
            self._events.close()
            self._events = None

    def snapshot(self):
        """The object (or ``None``) and the list resourceVersion to watch from."""
        resource = self.hub.resource(self.target.api_version, self.target.kind)
        listing = self._call(lambda: resource.get(
            namespace=self.target.namespace,
            field_selector="metadata.name={0}".format(self.target.name),
        ).to_dict())
        items = listing.get("items") or []
        return (items[0] if items else None), (listing.get("metadata") or {}).get("resourceVersion")

    def next_change(self, obj, version, remaining, clock, sleep):
        """Block until the object changes or ``remaining`` seconds pass; return the new state."""
        if self.can_watch and version:
            try:
                return self._watch_round(obj, version, remaining)
            except (ApiException, DynamicApiError) as exc:
                if getattr(exc, "status", None) == HTTP_GONE:
                    return self.snapshot()
                # A throttled or briefly failing API server: pause, re-list and watch again.
                self.can_watch = is_transient(exc)
            except TransportError:
                self.can_watch = False
        pause = min(self.delay, max(remaining, 0))
        sleep(pause)
        self.delay = min(self.delay * 1.5, POLL_MAX_DELAY)
        return self.snapshot()

    def _open(self, version, remaining):
        resource = self.hub.resource(self.target.api_version, self.target.kind)
        seconds = max(1, min(int(remaining + 0.999), WATCH_ROUND_SECONDS))
        self._events = kube_watch.Watch().stream(
            resource.get,
            namespace=self.target.namespace,
            field_selector="metadata.name={0}".format(self.target.name),
            resource_version=version,
            timeout_seconds=seconds,
            _request_timeout=seconds + 5,
            serialize=False,
        )

    def _watch_round(self, obj, version, remaining):
        if self._events is None:
            self._open(version, remaining)
        try:
            for event in self._events:
                raw = event.get("raw_object") or {}
                version = (raw.get("metadata") or {}).get("resourceVersion", version)
                if event.get("type") != "BOOKMARK":
                    return (None if event.get("type") == "DELETED" else raw), version
        except BaseException:
            self.close()
            raise
        self.close()
        return obj, version

    def _call(self, func):
        return self.hub.call("waiting for {0}".format(self.target), func)


def wait_for_evaluation(hub, target, evaluate, timeout, **kwargs):
    """Wait until ``evaluate(obj)`` (a conditions.Evaluation) is ready; return ``(obj, evaluation)``.

    What blocks is described with the condition, its reason and message, and the known fix
    when conditions.classify recognises the failure. On timeout the error details carry the
    last ``conditions`` and ``diagnosis``.
    """
    seen = {}

    def blocker(obj):
        evaluation = evaluate(obj)
        seen["evaluation"] = evaluation
        if evaluation.ready:
            return None
        text = evaluation.describe()
        diagnosis = classify_evaluation(evaluation)
        if diagnosis:
            text += "{0}{1}; fix: {2})".format(DIAGNOSIS_SEPARATOR, diagnosis.summary, diagnosis.hint)
        return text

    try:
        obj = wait_until(hub, target, blocker, timeout, **kwargs)
    except WaitTimeout as exc:
        evaluation = seen["evaluation"]
        diagnosis = classify_evaluation(evaluation)
        exc.details.update(conditions=evaluation.conditions, blocking=evaluation.as_dict(),
                           diagnosis=diagnosis.as_dict() if diagnosis else None)
        raise
    return obj, seen["evaluation"]


def wait_gone(hub, target, timeout, **kwargs):
    """Wait until the object no longer exists (finalizers done); the error names the finalizers left."""

    def blocker(obj):
        if obj is None:
            return None
        finalizers = ", ".join(obj["metadata"].get("finalizers") or []) or "none"
        return "it is still being deleted (finalizers: {0})".format(finalizers)

    wait_until(hub, target, blocker, timeout, **kwargs)


def readiness_after_write(module, target, evaluate, written, cluster=None):
    """The conditions.Evaluation of ``target``: waited for with ``module.wait_requested``, else of ``written``.
    With ``cluster``, the wait fails as soon as that ManagedCluster is no longer Available (cluster_guard)."""
    if module.wait_requested:
        guard = cluster_guard(module.hub, cluster) if cluster else None
        dummy, evaluation = wait_for_evaluation(module.hub, target, evaluate, module.params["wait_timeout"], guard=guard)
        return evaluation
    return evaluate(written)


def delete_and_wait(module, target, owned_only=False):
    """Delete ``target`` if it exists (and is ours, with ``owned_only``); with ``module.wait_requested``
    wait until it is gone. Returns the k8s.Outcome."""
    outcome = module.hub.ensure_absent(target.api_version, target.kind, target.name, target.namespace, owned_only=owned_only)
    if outcome.kept:
        module.warn(not_deleted_message(object_ref(target.kind, target.name, target.namespace)))
    if outcome.changed and module.wait_requested:
        wait_gone(module.hub, target, module.params["wait_timeout"])
    return outcome

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One run at a time per ManagedClusterSet: a coordination.k8s.io/v1 Lease on the hub.

The Lease ``<set>`` lives in the namespace ``acm-submariner``, which this collection creates (with
its marker label). ``spec.holderIdentity`` names the run: ``user@host pid N``, where N is the
ansible-playbook process, so that the same run can renew and release it from any task and a later
run on the same machine can tell that the holder died (killed, crashed) and take the lease over.
A holder elsewhere is stale once ``renewTime + leaseDurationSeconds`` has passed. Writes carry the
resourceVersion they were computed from, so two runs racing for a free lease cannot both win.
"""

from __future__ import annotations

import datetime
import getpass
import os
import socket

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import ownership
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    ConflictError,
    HubError,
    object_ref,
)

LEASE_API_VERSION = "coordination.k8s.io/v1"
LEASE_KIND = "Lease"
LEASE_NAMESPACE = "acm-submariner"
DEFAULT_DURATION = 7200
RUN_ANNOTATION = "acm.submariner/run"
_MICRO_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def micro_time(moment):
    return moment.strftime(_MICRO_TIME)


def parse_time(text):
    if not text:
        return None
    for layout in (_MICRO_TIME, "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.datetime.strptime(text, layout).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            continue
    return None


def _cmdline(pid):
    try:
        with open("/proc/{0}/cmdline".format(pid), "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def _parent(pid):
    try:
        with open("/proc/{0}/stat".format(pid)) as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def playbook_pid(start=None):
    """The ansible-playbook process this module runs under (its topmost ancestor of that name), or None.

    Workers are forks of ansible-playbook with the same command line, so the topmost one is the run.
    Needs /proc (Linux); elsewhere None, and only expiry frees a lease a dead run left.
    """
    pid, found = start or os.getpid(), None
    for dummy in range(64):
        if not pid or pid <= 1:
            break
        command = _cmdline(pid)
        if command is None:
            break
        if "ansible-playbook" in command:
            found = pid
        pid = _parent(pid)
    return found


def identity(pid=None, host=None, user=None):
    """``user@host pid N`` (or ``user@host`` when the playbook process is unknown)."""
    user = user or getpass.getuser()
    host = host or socket.gethostname()
    return "{0}@{1} pid {2}".format(user, host, pid) if pid else "{0}@{1}".format(user, host)


def parse_identity(text):
    """(host, pid) from an identity made by :func:`identity`; pid None when absent."""
    text = text or ""
    head, dummy, pid = text.partition(" pid ")
    host = head.rpartition("@")[2] or None
    return host, int(pid) if pid.isdigit() else None


def process_alive(pid):
    """Whether ``pid`` is a live ansible-playbook process on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    command = _cmdline(pid)
    return command is None or "ansible" in command


def staleness(lease, moment, host, alive=process_alive):
    """Why ``lease`` no longer protects a run (None when its holder may still be running)."""
    spec = lease.get("spec") or {}
    holder = spec.get("holderIdentity")
    if not holder:
        return "it was released"
    renewed = parse_time(spec.get("renewTime") or spec.get("acquireTime"))
    duration = spec.get("leaseDurationSeconds") or DEFAULT_DURATION
    if renewed is not None and renewed + datetime.timedelta(seconds=duration) < moment:
        return "it expired at {0}".format(micro_time(renewed + datetime.timedelta(seconds=duration)))
    holder_host, pid = parse_identity(holder)
    if holder_host == host and pid and not alive(pid):
        return "its holder's process {0} on this machine has ended".format(pid)
    return None


def held_message(lease, set_name):
    spec = lease.get("spec") or {}
    meta = lease.get("metadata") or {}
    run = (meta.get("annotations") or {}).get(RUN_ANNOTATION, "a run")
    renewed = parse_time(spec.get("renewTime") or spec.get("acquireTime"))
    expires = micro_time(renewed + datetime.timedelta(seconds=spec.get("leaseDurationSeconds") or DEFAULT_DURATION)) if renewed else "unknown"
    return (
        "ManagedClusterSet {0} is in use by another run: {1} held by {2} since {3} (Lease {4}, expires {5}). Wait for that run"
        " to end and run again. If it is dead (on another machine, or killed), break the lease: kubectl delete lease -n {6}"
        " {7} on the hub, or run with -e acm_submariner_break_lease=true.".format(
            set_name, run, spec.get("holderIdentity"), spec.get("acquireTime"),
            object_ref(LEASE_KIND, meta.get("name"), meta.get("namespace")), expires, LEASE_NAMESPACE, meta.get("name")))


def build_lease(set_name, holder, run, duration, moment):
    stamp = micro_time(moment)
    return ownership.marked({
        "apiVersion": LEASE_API_VERSION,
        "kind": LEASE_KIND,
        "metadata": {"name": set_name, "namespace": LEASE_NAMESPACE, "annotations": {RUN_ANNOTATION: run}},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration, "acquireTime": stamp, "renewTime": stamp},
    })


def build_namespace():
    return ownership.marked({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LEASE_NAMESPACE}})


class LeaseClient:
    """Acquire, renew and release the Lease of a set through a k8s.HubClient."""

    def __init__(self, hub, set_name, holder, host):
        self.hub = hub
        self.set_name = set_name
        self.holder = holder
        self.host = host
        self.resource = hub.resource(LEASE_API_VERSION, LEASE_KIND)
        self.ref = object_ref(LEASE_KIND, set_name, LEASE_NAMESPACE)

    def read(self):
        return self.hub.get(LEASE_API_VERSION, LEASE_KIND, self.set_name, LEASE_NAMESPACE)

    def acquire(self, run, duration, force=False, check_mode=False):
        """``{"changed", "holder", "taken_over"}``; HubError naming the holder when another live run has it."""
        for dummy in range(3):
            lease = self.read()
            moment = now()
            desired = build_lease(self.set_name, self.holder, run, duration, moment)
            if lease is None:
                if check_mode:
                    return {"changed": True, "holder": self.holder, "taken_over": None}
                if self._create(desired):
                    return {"changed": True, "holder": self.holder, "taken_over": None}
                continue
            current = (lease.get("spec") or {}).get("holderIdentity")
            reason = None
            if current != self.holder:
                reason = staleness(lease, moment, self.host) or ("it was broken on request" if force else None)
                if reason is None:
                    raise HubError("{0}: {1}".format(self.hub.target, held_message(lease, self.set_name)),
                                   holder=current, lease=lease.get("spec"))
            if current == self.holder:
                desired["spec"]["acquireTime"] = (lease.get("spec") or {}).get("acquireTime") or desired["spec"]["acquireTime"]
            if check_mode or self._replace(lease, desired):
                taken = "{0} ({1})".format(current, reason) if reason else None
                return {"changed": True, "holder": self.holder, "taken_over": taken}
        raise HubError("{0}: {1} kept changing while taking it; run again.".format(self.hub.target, self.ref))

    def release(self, delete_namespace=False, check_mode=False):
        """Delete the lease when this run holds it; with ``delete_namespace`` also our namespace once it holds no lease."""
        lease = self.read()
        result = {"changed": False, "released": False, "holder": (lease or {}).get("spec", {}).get("holderIdentity")}
        if lease is not None and result["holder"] == self.holder:
            if not check_mode:
                self.hub.ensure_absent(LEASE_API_VERSION, LEASE_KIND, self.set_name, LEASE_NAMESPACE, owned_only=True, current=lease)
            result.update(changed=True, released=True)
        if delete_namespace and (lease is None or result["released"]) and not check_mode:
            others = [item for item in self.hub.list(LEASE_API_VERSION, LEASE_KIND, LEASE_NAMESPACE)
                      if item["metadata"]["name"] != self.set_name]
            if not others:
                outcome = self.hub.ensure_absent("v1", "Namespace", LEASE_NAMESPACE, owned_only=True)
                result["changed"] = result["changed"] or outcome.changed
        return result

    def _create(self, desired):
        """True when created; False when another run created it first (409)."""
        if self.hub.get("v1", "Namespace", LEASE_NAMESPACE) is None:
            self.hub.ensure_present(build_namespace(), owned=True, current=None)
        try:
            self.hub.call("creating {0}".format(self.ref), lambda: self.hub.client.create(
                self.resource, desired, namespace=LEASE_NAMESPACE, field_manager=C.FIELD_MANAGER))
        except ConflictError:
            return False
        return True

    def _replace(self, lease, desired):
        """True when our write won; False when the lease changed since it was read (409)."""
        patch = {"metadata": {"resourceVersion": lease["metadata"]["resourceVersion"], "annotations": desired["metadata"]["annotations"]},
                 "spec": desired["spec"]}
        try:
            self.hub.call("taking {0}".format(self.ref), lambda: self.hub.client.patch(
                self.resource, patch, name=self.set_name, namespace=LEASE_NAMESPACE,
                content_type="application/merge-patch+json", field_manager=C.FIELD_MANAGER))
        except ConflictError:
            return False
        return True

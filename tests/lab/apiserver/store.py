"""One cluster's objects: kube-apiserver's storage semantics, in memory.

Every write, whether it arrives over HTTP or from an in-process controller, goes through the same
path: admission, validation (CRD schemas), resourceVersion / generation bookkeeping, finalizers,
managed fields, then watch events delivered to subscribers after the commit.
"""

import base64
import collections
import contextlib
import copy
import json
import random
import re
import threading
import uuid

from . import defaults, managed
from .clock import now
from .errors import ApiError, already_exists, bad_request, conflict, forbidden, invalid, not_found, unsupported_media_type
from .patch import json_patch, merge_patch, strategic_merge_patch
from .resources import Registry, types_from_crd
from .schema import compile_schema
from .selectors import parse_field_selector, parse_label_selector

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
CRD_GROUP_KIND = ("apiextensions.k8s.io", "CustomResourceDefinition")
NAMESPACE_GROUP_KIND = ("", "Namespace")
CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
WATCH_HISTORY = 4096  # events kept for watches that resume from a resourceVersion (older ones get 410 Expired)
# Keys of metadata the server owns: clients cannot set or change them.
SERVER_METADATA = ("uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp",
                   "deletionGracePeriodSeconds", "managedFields", "selfLink")
# Kinds whose status a create request cannot set (their controllers own it).
STATUS_RESET_ON_CREATE = frozenset({("apps", "Deployment"), ("apps", "DaemonSet"), ("", "Pod"), ("", "Service"), ("", "ReplicationController"),
                                    ("batch", "Job"), ("batch", "CronJob"), ("apiregistration.k8s.io", "APIService")})
# Kinds whose defaulting function takes ``(obj, creating)`` (tests/lab/apiserver/defaults.py).
_KIND_DEFAULTS = {
    ("", "Pod"): defaults.pod,
    ("apps", "Deployment"): defaults.deployment,
    ("apps", "DaemonSet"): defaults.daemon_set,
    ("", "ReplicationController"): defaults.replication_controller,
    ("batch", "Job"): defaults.job,
    ("batch", "CronJob"): defaults.cron_job,
    ("apiregistration.k8s.io", "APIService"): defaults.api_service,
}
# RBAC objects are named by path segment only (kube-apiserver's ValidateRBACName), so "a:b:c" is valid.
RBAC_GROUP = "rbac.authorization.k8s.io"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


_GO_TYPES = {bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


def _undecodable(rtype, value, go_field):
    """400 as kube-apiserver answers when the JSON does not fit the Go type (e.g. ``labels: {enabled: true}``)."""
    return bad_request('%s in version "%s" cannot be handled as a %s: json: cannot unmarshal %s into Go struct field %s of type string'
                       % (rtype.kind, rtype.version, rtype.kind, _GO_TYPES.get(type(value), "value"), go_field))


def check_decodable(rtype, obj):
    """String maps must hold strings (metadata labels/annotations, ConfigMap data) and Secret data must be base64."""
    meta = obj.get("metadata") or {}
    for field in ("labels", "annotations"):
        for value in (meta.get(field) or {}).values():
            if not isinstance(value, str):
                raise _undecodable(rtype, value, "ObjectMeta.metadata.%s" % field)
    if (rtype.group, rtype.kind) == ("", "ConfigMap"):
        for value in (obj.get("data") or {}).values():
            if not isinstance(value, str):
                raise _undecodable(rtype, value, "ConfigMap.data")
    if (rtype.group, rtype.kind) == ("", "Secret"):
        for value in (obj.get("data") or {}).values():
            try:
                base64.b64decode(value, validate=True)
            except (ValueError, TypeError) as exc:
                raise bad_request('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0') from exc


class Watcher:
    """A stream of watch events for one resource, filled by the store after each commit."""

    def __init__(self, store, group, kind, namespace):
        self.store = store
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.events = collections.deque()
        self._ready = threading.Condition()

    def matches(self, group, kind, obj):
        return (group, kind) == (self.group, self.kind) and (self.namespace is None or obj["metadata"].get("namespace") == self.namespace)

    def push(self, event_type, obj, old=None):
        with self._ready:
            self.events.append((event_type, obj, old))
            self._ready.notify()

    def next(self, timeout):
        """The next ``(type, object, previous object or None)``, or None when ``timeout`` seconds pass without one."""
        with self._ready:
            if not self.events:
                self._ready.wait(timeout)
            return self.events.popleft() if self.events else None

    def close(self):
        self.store.stop_watch(self)


class Store:
    """The objects of one cluster, addressed by apiVersion/kind/namespace/name."""

    def __init__(self, name, watch_history=WATCH_HISTORY):
        self.name = name
        self.registry = Registry()
        self._objects = collections.defaultdict(dict)  # (group, kind) -> {(namespace, name): object}
        self._schemas = {}  # (group, version, kind) -> CompiledSchema
        self._revision = 0
        self._lock = threading.RLock()
        self._local = threading.local()
        self._pending = collections.deque()
        self._dispatch_lock = threading.RLock()
        self._subscribers = []
        self._watchers = []
        self._admission = []
        self._history = collections.deque(maxlen=watch_history)
        self._terminating = set()  # (group, kind, name) of namespaces and CRDs waiting for their content to go
        self._owners = {}  # uid -> (group, kind, key) of every stored object, for the garbage collector
        for namespace in INITIAL_NAMESPACES:
            self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})

    # ------------------------------------------------------------------ hooks
    def subscribe(self, callback):
        """Call ``callback(event_type, obj)`` after every committed change, in commit order.

        Callbacks run in the writer's thread once the store lock is released; they may read and write
        the store but must not block.
        """
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback):
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def add_admission(self, callback):
        """Register ``callback(operation, obj, old) -> obj`` run before every write (HTTP or in-process).

        ``operation`` is "CREATE", "UPDATE" or "DELETE"; ``obj`` is the object about to be stored (for
        DELETE, the object being deleted) and ``old`` the stored one (None on CREATE). Return the object,
        mutated or not, or raise ApiError to reject the request. Status subresource writes skip admission.
        """
        with self._lock:
            self._admission.append(callback)

    # ------------------------------------------------------------------ reads
    @property
    def resource_version(self):
        return str(self._revision)

    def commits_by_this_thread(self):
        """How many changes this thread committed itself (subscriber reactions excluded): the request log uses it."""
        return getattr(self._local, "commits", 0)

    def resource_type(self, api_version, kind):
        """The ResourceType serving ``api_version``/``kind``, or 404 like the real server."""
        rtype = self.registry.by_kind(api_version, kind)
        if rtype is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource (%s %s)" % (api_version, kind))
        return rtype

    def get(self, api_version, kind, name, namespace=None):
        with self._lock:
            rtype = self.resource_type(api_version, kind)
            stored = self._bucket(rtype).get((self._scope_namespace(rtype, namespace), name))
            return self._present(stored, rtype) if stored else None

    def list(self, api_version, kind, namespace=None, label_selector=None, field_selector=None):
        return self.list_with_version(api_version, kind, namespace, label_selector, field_selector)[0]

    def list_with_version(self, api_version, kind, namespace=None, label_selector=None, field_selector=None):
        """``(items, resourceVersion)``: the matching objects in etcd key order, and the list's revision."""
        items, metadata = self.list_page(api_version, kind, namespace, label_selector, field_selector)
        return items, metadata["resourceVersion"]

    def list_page(self, api_version, kind, namespace=None, label_selector=None, field_selector=None, limit=None, continue_token=None):
        """``(items, list metadata)`` of one page, with kube-apiserver's ``limit``/``continue`` semantics.

        As the etcd3 store does (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go, continue.go):
        keys are walked in order, a page holds up to ``limit`` matching objects, ``continue`` is set
        while keys remain after the page, ``remainingItemCount`` only without selectors, and every
        later page reads the snapshot of the first page's resourceVersion (410 Expired once the
        history no longer reaches back to it).
        """
        labels_match = parse_label_selector(label_selector)
        with self._lock:
            rtype = self.resource_type(api_version, kind)
            fields_match = parse_field_selector(field_selector, rtype.group, rtype.kind)
            namespace = namespace if rtype.namespaced else None
            revision, start = self._revision, None
            if continue_token:
                start, revision = _decode_continue(continue_token)
            objects = self._snapshot(rtype, revision)
            keyed = sorted((_etcd_key(rtype, key, namespace), stored) for key, stored in objects.items()
                           if namespace is None or key[0] == namespace)
            if start is not None:
                keyed = [(key, stored) for key, stored in keyed if key >= start]
            items, metadata = [], {"resourceVersion": str(revision)}
            for position, (key, stored) in enumerate(keyed):
                if limit and len(items) == limit:
                    metadata["continue"] = _encode_continue(keyed[position - 1][0] + "\x00", revision)
                    if labels_match is None and fields_match is None:
                        metadata["remainingItemCount"] = len(keyed) - position
                    break
                if labels_match and not labels_match(stored["metadata"].get("labels") or {}):
                    continue
                if fields_match and not fields_match(stored):
                    continue
                items.append(self._present(stored, rtype))
            return items, metadata

    def _snapshot(self, rtype, revision):
        """``{(namespace, name): object}`` of a kind as it was at ``revision``, rebuilt from the watch history."""
        objects = dict(self._bucket(rtype))
        if revision >= self._revision:
            return objects
        if not self._history or self._history[0][0] > revision + 1:
            raise ApiError(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a "
                           "new list without the continue parameter, or use the continue token in this response to retrieve the "
                           "remainder of the results. Continuing with the provided token results in an inconsistent list - objects that "
                           "were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
        for event_revision, event_type, group, kind, obj, old in reversed(self._history):
            if event_revision <= revision:
                break
            if (group, kind) != rtype.group_kind:
                continue
            key = (obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
            if event_type == "ADDED":
                objects.pop(key, None)
            elif event_type == "MODIFIED" and old is not None:
                objects[key] = old
            elif event_type == "DELETED":
                objects[key] = obj
        return objects

    def namespaces_with_content(self):
        with self._lock:
            return sorted({key[0] for bucket in self._objects.values() for key in bucket if key[0]})

    def dump(self):
        """Every object, grouped by ``apiVersion/kind``."""
        with self._lock:
            result = {}
            for (group, kind), bucket in sorted(self._objects.items()):
                for _key, stored in sorted(bucket.items()):
                    result.setdefault("%s/%s" % (group, kind) if group else kind, []).append(copy.deepcopy(stored))
            return result

    # ------------------------------------------------------------------ writes
    def create(self, obj, *, dry_run=False, field_manager=None):
        with self._writing():
            rtype = self._type_of(obj)
            obj = copy.deepcopy(obj)
            meta = obj.setdefault("metadata", {})
            namespace = self._scope_namespace(rtype, meta.get("namespace"))
            if rtype.namespaced:
                meta["namespace"] = namespace
                self._check_namespace_accepts(rtype, namespace, meta.get("name") or meta.get("generateName", ""))
            else:
                meta.pop("namespace", None)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = self._generate_name(rtype, namespace, meta["generateName"])
            for key in SERVER_METADATA:
                meta.pop(key, None)
            check_decodable(rtype, obj)
            self._default_kind_fields(rtype, obj, None)
            obj = self._admit("CREATE", obj, None)
            self._validate(rtype, obj)
            name = obj["metadata"]["name"]
            if (namespace, name) in self._bucket(rtype):
                raise already_exists(rtype.plural, rtype.group, name)
            if (rtype.custom and rtype.status_subresource) or (rtype.group, rtype.kind) in STATUS_RESET_ON_CREATE:
                obj.pop("status", None)
            meta = obj["metadata"]
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            if rtype.has_generation:
                meta["generation"] = 1
            self._after_create_defaults(rtype, obj)
            meta["managedFields"] = managed.record_update([], None, obj, field_manager, rtype, subresource=None)
            if not meta["managedFields"]:
                del meta["managedFields"]
            if dry_run:
                return self._present(obj, rtype)
            self._commit("ADDED", rtype, obj)
            return self._present(obj, rtype)

    def update(self, obj, *, dry_run=False, field_manager=None):
        """Replace an object's spec and metadata (status is kept when the kind has a status subresource)."""
        with self._writing():
            rtype = self._type_of(obj)
            old = self._existing(rtype, obj)
            new = self._prepare_update(rtype, old, obj, subresource=None)
            new = self._admit("UPDATE", new, self._present(old, rtype))
            return self._store_update(rtype, old, new, dry_run, field_manager, subresource=None)

    def update_status(self, obj, *, dry_run=False, field_manager=None):
        """Replace an object's status only (the status subresource)."""
        with self._writing():
            rtype = self._type_of(obj)
            if not rtype.status_subresource:
                raise not_found(rtype.plural + "/status", rtype.group, obj["metadata"].get("name"))
            old = self._existing(rtype, obj)
            new = self._prepare_update(rtype, old, obj, subresource="status")
            return self._store_update(rtype, old, new, dry_run, field_manager, subresource="status")

    def patch(self, api_version, kind, name, namespace, patch, patch_type="merge", *, dry_run=False,
              subresource=None, field_manager=None, force=False):
        """Patch an object: ``patch_type`` is "merge", "json", "strategic" or "apply" (server-side apply)."""
        with self._writing():
            rtype = self.resource_type(api_version, kind)
            if patch_type == "strategic" and rtype.custom:
                raise unsupported_media_type("application/strategic-merge-patch+json")
            if subresource == "status" and not rtype.status_subresource:
                raise not_found(rtype.plural + "/status", rtype.group, name)
            stored = self._bucket(rtype).get((self._scope_namespace(rtype, namespace), name))
            if patch_type == "apply":
                return self._apply(rtype, stored, name, namespace, patch, dry_run, subresource, field_manager, force)
            if stored is None:
                raise not_found(rtype.plural, rtype.group, name)
            current = self._present(stored, rtype)
            patched = self._apply_patch(current, patch, patch_type)
            if not isinstance(patched, dict):
                raise bad_request("the patch must produce an object")
            patched_rv = patched.get("metadata", {}).get("resourceVersion")
            if patched_rv != current["metadata"]["resourceVersion"] and patched_rv is not None:
                raise conflict(rtype.plural, rtype.group, name)
            patched.setdefault("metadata", {})["resourceVersion"] = current["metadata"]["resourceVersion"]
            if subresource == "status":
                new = self._prepare_update(rtype, stored, patched, subresource="status")
            else:
                new = self._prepare_update(rtype, stored, patched, subresource=None)
                new = self._admit("UPDATE", new, current)
            return self._store_update(rtype, stored, new, dry_run, field_manager, subresource)

    def delete(self, api_version, kind, name, namespace=None, *, dry_run=False, preconditions=None, propagation_policy=None):
        """Delete an object; return it while finalizers keep it (with deletionTimestamp), None once gone.

        Objects whose ownerReferences all point to deleted owners are deleted too (the garbage
        collector), unless ``propagation_policy`` is "Orphan": then they lose that ownerReference.
        """
        obj, removed = self.delete_detailed(api_version, kind, name, namespace, dry_run=dry_run, preconditions=preconditions,
                                            propagation_policy=propagation_policy)
        return None if removed else obj

    def delete_detailed(self, api_version, kind, name, namespace=None, *, dry_run=False, preconditions=None, propagation_policy=None):
        """``(object, removed)``: the object as deleted or as left terminating, and whether it is gone."""
        with self._writing():
            rtype = self.resource_type(api_version, kind)
            key = (self._scope_namespace(rtype, namespace), name)
            stored = self._bucket(rtype).get(key)
            if stored is None:
                raise not_found(rtype.plural, rtype.group, name)
            self._check_preconditions(rtype, stored, preconditions or {})
            self._admit("DELETE", self._present(stored, rtype), self._present(stored, rtype))
            if dry_run:
                return self._present(stored, rtype), not self._keeps_object(rtype, stored)
            if propagation_policy == "Orphan":
                self._orphan_dependents(stored["metadata"]["uid"])
            return self._delete_stored(rtype, key, stored)

    # ------------------------------------------------------------------ watch
    def start_watch(self, api_version, kind, namespace=None, since=None):
        """A Watcher for one resource.

        Without ``since`` (or with "0") it starts with an ADDED event per existing object, as
        kube-apiserver does; with a resourceVersion it replays the events committed after it.
        """
        with self._lock:
            rtype = self.resource_type(api_version, kind)
            watcher = Watcher(self, rtype.group, rtype.kind, namespace if rtype.namespaced else None)
            if since in (None, "", "0"):
                for obj in self.list(api_version, kind, namespace):
                    watcher.push("ADDED", obj)
            else:
                try:
                    since_revision = int(since)
                except ValueError as exc:
                    raise bad_request('invalid resource version "%s"' % since) from exc
                if self._history and since_revision < self._history[0][0] - 1 and since_revision < self._revision:
                    raise ApiError(410, "Expired", "too old resource version: %s (%s)" % (since, self._history[0][0]))
                for revision, event_type, group, event_kind, obj, old in self._history:
                    if revision > since_revision and watcher.matches(group, event_kind, obj):
                        watcher.push(event_type, copy.deepcopy(obj), old)
            self._watchers.append(watcher)
            return watcher

    def stop_watch(self, watcher):
        with self._lock:
            if watcher in self._watchers:
                self._watchers.remove(watcher)

    # ------------------------------------------------------------------ internals: lookup
    def _bucket(self, rtype):
        return self._objects[(rtype.group, rtype.kind)]

    def _type_of(self, obj):
        if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind"):
            raise bad_request("Object 'Kind' is missing in the request body" if isinstance(obj, dict) else "the body must be an object")
        return self.resource_type(obj["apiVersion"], obj["kind"])

    @staticmethod
    def _scope_namespace(rtype, namespace):
        if not rtype.namespaced:
            return ""
        if not namespace:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request"
                              if namespace == "" else "an empty namespace may not be set during creation of %s" % rtype.kind)
        return namespace

    def _existing(self, rtype, obj):
        meta = obj.get("metadata") or {}
        key = (self._scope_namespace(rtype, meta.get("namespace")), meta.get("name"))
        stored = self._bucket(rtype).get(key)
        if stored is None:
            raise not_found(rtype.plural, rtype.group, meta.get("name"))
        return stored

    def _present(self, stored, rtype):
        """A copy of a stored object as clients of ``rtype``'s version see it."""
        obj = copy.deepcopy(stored)
        obj["apiVersion"] = rtype.api_version
        return obj

    # ------------------------------------------------------------------ internals: write path
    def _writing(self):
        store = self

        class _Writing:
            def __enter__(self):
                store._lock.acquire()
                store._local.depth = getattr(store._local, "depth", 0) + 1

            def __exit__(self, *exc):
                store._local.depth -= 1
                outermost = store._local.depth == 0
                store._lock.release()
                if outermost:
                    store._dispatch()
                return False

        return _Writing()

    def _admit(self, operation, obj, old):
        for callback in list(self._admission):
            result = callback(operation, copy.deepcopy(obj), copy.deepcopy(old) if old else None)
            if operation != "DELETE" and result is not None:
                obj = result
        return obj

    def _check_namespace_accepts(self, rtype, namespace, name):
        ns = self._objects[NAMESPACE_GROUP_KIND].get(("", namespace))
        if ns is None:
            raise not_found("namespaces", "", namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise forbidden('%s "%s" is forbidden: unable to create new content in namespace %s because it is being terminated'
                            % (rtype.qualified_plural, name, namespace), name=name, group=rtype.group, plural=rtype.plural)

    def _generate_name(self, rtype, namespace, prefix):
        bucket = self._bucket(rtype)
        for _attempt in range(10):
            name = prefix[:58] + "".join(random.choice(_GENERATE_ALPHABET) for _i in range(5))
            if (namespace, name) not in bucket:
                return name
        raise already_exists(rtype.plural, rtype.group, prefix)

    def _prepare_update(self, rtype, stored, obj, subresource):
        """The object an update would store: the client's fields plus the fields the server owns."""
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        old_meta = stored["metadata"]
        self._check_update_target(rtype, stored, obj)
        if subresource == "status":
            new = copy.deepcopy(stored)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            new["metadata"]["resourceVersion"] = meta.get("resourceVersion")
            if (rtype.group, rtype.kind) == ("", "Node"):
                defaults.node(new)
            return new
        for key in SERVER_METADATA:
            if key in old_meta and key != "resourceVersion":
                meta[key] = copy.deepcopy(old_meta[key])
            elif key != "resourceVersion":
                meta.pop(key, None)
        meta["name"], meta["namespace"] = old_meta["name"], old_meta.get("namespace")
        if not rtype.namespaced:
            meta.pop("namespace")
        if rtype.status_subresource:
            if "status" in stored:
                obj["status"] = copy.deepcopy(stored["status"])
            else:
                obj.pop("status", None)
        if old_meta.get("deletionTimestamp"):
            added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
            if added:
                raise invalid(rtype.kind, rtype.group, old_meta["name"], [(
                    "FieldValueForbidden", "metadata.finalizers", "Forbidden: no new finalizers can be added if the object is being deleted, "
                    "found new finalizers %s" % sorted(added))])
        check_decodable(rtype, obj)
        self._default_kind_fields(rtype, obj, stored)
        return obj

    @staticmethod
    def _check_update_target(rtype, stored, obj):
        meta = obj["metadata"]
        name = stored["metadata"]["name"]
        if meta.get("uid") and meta["uid"] != stored["metadata"]["uid"]:
            raise conflict(rtype.plural, rtype.group, name, "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                           % (meta["uid"], stored["metadata"]["uid"]))
        if not meta.get("resourceVersion"):
            if rtype.custom:
                raise invalid(rtype.kind, rtype.group, name, [
                    ("FieldValueInvalid", "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")])
        elif meta["resourceVersion"] != stored["metadata"]["resourceVersion"]:
            raise conflict(rtype.plural, rtype.group, name)

    def _store_update(self, rtype, stored, new, dry_run, field_manager, subresource):
        self._validate(rtype, new)
        new["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        if rtype.has_generation and self._spec_changed(rtype, stored, new):
            new["metadata"]["generation"] = stored["metadata"].get("generation", 1) + 1
        fields = managed.record_update(stored["metadata"].get("managedFields") or [], stored, new, field_manager, rtype, subresource)
        if fields:
            new["metadata"]["managedFields"] = fields
        else:
            new["metadata"].pop("managedFields", None)
        if new == stored:
            return self._present(stored, rtype)
        if dry_run:
            return self._present(new, rtype)
        key = (new["metadata"].get("namespace") or "", new["metadata"]["name"])
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers") and not self._has_content(rtype, new):
            removed, _gone = self._remove(rtype, key, new)
            return removed
        self._commit("MODIFIED", rtype, new)
        return self._present(new, rtype)

    @staticmethod
    def _spec_changed(rtype, old, new):
        ignored = ("metadata", "status") if rtype.status_subresource else ("metadata",)
        return {k: v for k, v in old.items() if k not in ignored} != {k: v for k, v in new.items() if k not in ignored}

    @staticmethod
    def _apply_patch(current, patch, patch_type):
        if patch_type == "merge":
            if not isinstance(patch, dict):
                raise bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
            return merge_patch(current, patch)
        if patch_type == "json":
            return json_patch(current, patch)
        if patch_type == "strategic":
            if not isinstance(patch, dict):
                raise bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
            return strategic_merge_patch(current, patch)
        raise unsupported_media_type(patch_type)

    def _apply(self, rtype, stored, name, namespace, config, dry_run, subresource, field_manager, force):
        """Server-side apply: create the object or merge the manager's intent into it."""
        if not isinstance(config, dict):
            raise bad_request("the apply patch must be an object")
        if not field_manager:
            raise bad_request("PATCH, application/apply-patch+yaml requires fieldManager to be set")
        config = copy.deepcopy(config)
        meta = config.setdefault("metadata", {})
        if meta.get("name") not in (None, name):
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)" % (meta.get("name"), name))
        meta["name"] = name
        if rtype.namespaced:
            meta["namespace"] = namespace
        if stored is None:
            if subresource:
                raise not_found(rtype.plural, rtype.group, name)
            base = {"apiVersion": rtype.api_version, "kind": rtype.kind, "metadata": {"name": name}}
            if rtype.namespaced:
                base["metadata"]["namespace"] = namespace
            result, fields = managed.apply(base, [], config, field_manager, rtype, force, subresource)
            result["metadata"]["managedFields"] = fields
            created = self.create(result, dry_run=dry_run)
            return self._with_managed_fields(rtype, created, fields, dry_run)
        current = self._present(stored, rtype)
        result, fields = managed.apply(current, stored["metadata"].get("managedFields") or [], config, field_manager, rtype,
                                       force, subresource)
        if subresource == "status":
            new = self._prepare_update(rtype, stored, result, subresource="status")
        else:
            new = self._prepare_update(rtype, stored, result, subresource=None)
            new = self._admit("UPDATE", new, current)
        new["metadata"]["managedFields"] = fields
        self._validate(rtype, new)
        new["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        if rtype.has_generation and self._spec_changed(rtype, stored, new):
            new["metadata"]["generation"] = stored["metadata"].get("generation", 1) + 1
        if new == stored or dry_run:
            return self._present(new, rtype)
        self._commit("MODIFIED", rtype, new)
        return self._present(new, rtype)

    def _with_managed_fields(self, rtype, created, fields, dry_run):
        """Replace the Update entry ``create`` recorded with the applier's own Apply entry."""
        created["metadata"]["managedFields"] = fields
        if dry_run:
            return created
        key = (created["metadata"].get("namespace") or "", created["metadata"]["name"])
        stored = self._bucket(rtype)[key]
        stored["metadata"]["managedFields"] = copy.deepcopy(fields)
        return self._present(stored, rtype)

    @staticmethod
    def _check_preconditions(rtype, stored, preconditions):
        name = stored["metadata"]["name"]
        if preconditions.get("uid") and preconditions["uid"] != stored["metadata"]["uid"]:
            raise conflict(rtype.plural, rtype.group, name, "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                           % (preconditions["uid"], stored["metadata"]["uid"]))
        if preconditions.get("resourceVersion") and preconditions["resourceVersion"] != stored["metadata"]["resourceVersion"]:
            raise conflict(rtype.plural, rtype.group, name, "Precondition failed: ResourceVersion in precondition: %s, "
                           "ResourceVersion in object meta: %s" % (preconditions["resourceVersion"], stored["metadata"]["resourceVersion"]))

    def _keeps_object(self, rtype, stored):
        return bool(stored["metadata"].get("finalizers")) or self._is_container(rtype)

    @staticmethod
    def _is_container(rtype):
        return (rtype.group, rtype.kind) in (NAMESPACE_GROUP_KIND, CRD_GROUP_KIND)

    def _delete_stored(self, rtype, key, stored):
        if stored["metadata"].get("deletionTimestamp"):
            return self._present(stored, rtype), False
        if not self._keeps_object(rtype, stored):
            return self._remove(rtype, key, stored)
        terminating = copy.deepcopy(stored)
        terminating["metadata"]["deletionTimestamp"] = now()
        terminating["metadata"]["deletionGracePeriodSeconds"] = 0
        if rtype.has_generation:
            terminating["metadata"]["generation"] = stored["metadata"].get("generation", 1) + 1
        if self._is_container(rtype):
            self._mark_container_terminating(rtype, terminating)
        self._commit("MODIFIED", rtype, terminating)
        if self._is_container(rtype):
            self._terminating.add((rtype.group, rtype.kind, terminating["metadata"]["name"]))
            self._delete_content(rtype, terminating)
            self._reap()
            current = self._bucket(rtype).get(key)
            if current is None:
                return self._present(terminating, rtype), True
            return self._present(current, rtype), False
        return self._present(terminating, rtype), False

    @staticmethod
    def _mark_container_terminating(rtype, obj):
        if (rtype.group, rtype.kind) == NAMESPACE_GROUP_KIND:
            obj.setdefault("status", {})["phase"] = "Terminating"
        else:
            conditions = obj.setdefault("status", {}).setdefault("conditions", [])
            conditions[:] = [c for c in conditions if c.get("type") != "Terminating"]
            conditions.append({"type": "Terminating", "status": "True", "reason": "InstanceDeletionInProgress",
                               "message": "CustomResource deletion is in progress", "lastTransitionTime": now()})

    def _content_keys(self, rtype, container):
        """``[(rtype-like, key)]`` of the objects a namespace or CRD holds."""
        name = container["metadata"]["name"]
        found = []
        if (rtype.group, rtype.kind) == NAMESPACE_GROUP_KIND:
            for (group, kind), bucket in self._objects.items():
                found.extend(((group, kind), key) for key in bucket if key[0] == name)
        else:
            group_kind = (container["spec"]["group"], container["spec"]["names"]["kind"])
            found.extend((group_kind, key) for key in self._objects.get(group_kind, {}))
        return found

    def _has_content(self, rtype, obj):
        return self._is_container(rtype) and bool(self._content_keys(rtype, obj))

    def _delete_content(self, rtype, container):
        for group_kind, key in self._content_keys(rtype, container):
            stored = self._objects[group_kind].get(key)
            if stored is None:
                continue
            content_type = self._stored_type(group_kind, stored)
            self._delete_stored(content_type, key, stored)

    def _stored_type(self, group_kind, stored):
        rtype = self.registry.by_kind(stored["apiVersion"], stored["kind"])
        if rtype is None:
            rtype = next(iter(self.registry.versions_of(*group_kind)), None)
        return rtype

    def _remove(self, rtype, key, stored):
        gone = copy.deepcopy(stored)
        del self._bucket(rtype)[key]
        self._owners.pop(gone["metadata"]["uid"], None)
        self._commit("DELETED", rtype, gone, store=False)
        self._collect_garbage(gone["metadata"]["uid"])
        if (rtype.group, rtype.kind) == CRD_GROUP_KIND:
            self.registry.remove_crd(gone["metadata"]["name"])
            for version in gone["spec"].get("versions") or []:
                self._schemas.pop((gone["spec"]["group"], version["name"], gone["spec"]["names"]["kind"]), None)
        self._reap()
        return self._present(gone, rtype), True

    def _dependents(self, owner_uid):
        """``[(group_kind, key, stored)]`` of the objects with an ownerReference to ``owner_uid``."""
        return [(group_kind, key, stored) for group_kind, bucket in list(self._objects.items()) for key, stored in list(bucket.items())
                if any(ref.get("uid") == owner_uid for ref in stored["metadata"].get("ownerReferences") or [])]

    def _collect_garbage(self, owner_uid):
        """Delete the dependents left without any existing owner (background propagation)."""
        for group_kind, key, stored in self._dependents(owner_uid):
            if any(ref.get("uid") in self._owners for ref in stored["metadata"]["ownerReferences"]):
                continue
            if self._objects[group_kind].get(key) is stored:
                self._delete_stored(self._stored_type(group_kind, stored), key, stored)

    def _orphan_dependents(self, owner_uid):
        for group_kind, _key, stored in self._dependents(owner_uid):
            orphan = copy.deepcopy(stored)
            orphan["metadata"]["ownerReferences"] = [ref for ref in stored["metadata"]["ownerReferences"] if ref.get("uid") != owner_uid]
            if not orphan["metadata"]["ownerReferences"]:
                del orphan["metadata"]["ownerReferences"]
            self._commit("MODIFIED", self._stored_type(group_kind, stored), orphan)

    def _reap(self):
        """Remove terminating namespaces and CRDs whose content is gone (the namespace/CRD controllers' job)."""
        for group, kind, name in sorted(self._terminating):
            bucket = self._objects[(group, kind)]
            container = bucket.get(("", name))
            if container is None:
                self._terminating.discard((group, kind, name))
                continue
            rtype = self._stored_type((group, kind), container)
            if self._content_keys(rtype, container):
                continue
            finalizers = [f for f in container["metadata"].get("finalizers") or [] if f != CRD_CLEANUP_FINALIZER]
            if finalizers:
                continue
            self._terminating.discard((group, kind, name))
            self._remove(rtype, ("", name), container)

    def _commit(self, event_type, rtype, obj, store=True):
        if not getattr(self._local, "dispatching", 0):
            self._local.commits = getattr(self._local, "commits", 0) + 1
        self._revision += 1
        obj["metadata"]["resourceVersion"] = str(self._revision)
        key = (obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
        old = self._bucket(rtype).get(key) if event_type == "MODIFIED" else None
        if store:
            self._bucket(rtype)[key] = obj
            self._owners[obj["metadata"]["uid"]] = (rtype.group, rtype.kind, key)
            if (rtype.group, rtype.kind) == CRD_GROUP_KIND:
                self._serve_crd(obj)
        snapshot = copy.deepcopy(obj)
        self._history.append((self._revision, event_type, rtype.group, rtype.kind, snapshot, old))
        self._pending.append((event_type, rtype.group, rtype.kind, snapshot, old))

    def _dispatch(self):
        """Deliver committed events to watchers and subscribers, in commit order, outside the store lock."""
        with self._dispatch_lock:
            self._local.dispatching = getattr(self._local, "dispatching", 0) + 1
            try:
                self._deliver_pending()
            finally:
                self._local.dispatching -= 1

    def _deliver_pending(self):
        while self._pending:
            try:
                event_type, group, kind, obj, old = self._pending.popleft()
            except IndexError:
                return
            for watcher in list(self._watchers):
                if watcher.matches(group, kind, obj):
                    watcher.push(event_type, copy.deepcopy(obj), old)
            for callback in list(self._subscribers):
                callback(event_type, copy.deepcopy(obj))

    # ------------------------------------------------------------------ internals: kinds
    def _default_kind_fields(self, rtype, obj, stored):
        """Scheme defaults (create and update): the SetDefaults_* functions of the kind's API group."""
        group_kind = (rtype.group, rtype.kind)
        if group_kind == ("", "Secret"):
            obj.setdefault("type", "Opaque")
            string_data = obj.pop("stringData", None) or {}
            if string_data:
                data = obj.setdefault("data", {}) or {}
                obj["data"] = data
                for key, value in string_data.items():
                    data[key] = base64.b64encode(str(value).encode()).decode()
        elif group_kind == NAMESPACE_GROUP_KIND:
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            if stored is None:
                obj["status"] = {"phase": "Active"}
        elif group_kind == ("", "Service"):
            defaults.service(obj, stored)
        elif group_kind == ("", "Node"):
            defaults.node(obj)
        elif group_kind in _KIND_DEFAULTS:
            _KIND_DEFAULTS[group_kind](obj, False)
        if obj.get("metadata", {}).get("labels") is None:
            obj.get("metadata", {}).pop("labels", None)

    def _after_create_defaults(self, rtype, obj):
        """What create strategies add once the object has its uid: allocations, generated selectors, initial status."""
        group_kind = (rtype.group, rtype.kind)
        if group_kind == ("", "Service"):
            defaults.service(obj, None, self._allocator(rtype))
        elif group_kind in _KIND_DEFAULTS:
            _KIND_DEFAULTS[group_kind](obj, True)
        if group_kind == CRD_GROUP_KIND:
            obj["metadata"].setdefault("finalizers", [])
            if CRD_CLEANUP_FINALIZER not in obj["metadata"]["finalizers"]:
                obj["metadata"]["finalizers"].append(CRD_CLEANUP_FINALIZER)
            obj["status"] = self._crd_status(obj)

    def _allocator(self, rtype):
        """Cluster IPs from OpenShift's default service network 172.30.0.0/16 and node ports from 30000-32767, never reused while taken."""
        services = self._bucket(rtype).values()
        taken_ips = {s["spec"].get("clusterIP") for s in services}
        taken_ports = {p.get("nodePort") for s in services for p in s["spec"].get("ports") or []}

        def allocate(what):
            if what == "clusterIP":
                for index in range(1, 65534):
                    candidate = "172.30.%d.%d" % (index // 254, index % 254 + 1)
                    if candidate not in taken_ips:
                        taken_ips.add(candidate)
                        return candidate
                raise ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full")
            for port in range(defaults.NODE_PORT_RANGE[0], defaults.NODE_PORT_RANGE[1] + 1):
                if port not in taken_ports:
                    taken_ports.add(port)
                    return port
            raise ApiError(422, "Invalid", "failed to allocate a nodePort: range is full")
        return allocate

    @staticmethod
    def _crd_status(crd):
        stamp = now()
        storage = [v["name"] for v in crd["spec"].get("versions") or [] if v.get("storage")]
        return {
            "acceptedNames": copy.deepcopy(crd["spec"]["names"]),
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": stamp},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": stamp},
            ],
            "storedVersions": storage,
        }

    def _serve_crd(self, crd):
        types = types_from_crd(crd)
        for rtype in types:
            if rtype.schema is not None:
                self._schemas[(rtype.group, rtype.version, rtype.kind)] = compile_schema(rtype.schema)
        self.registry.set_crd(crd["metadata"]["name"], types)

    # ------------------------------------------------------------------ internals: validation
    def _validate(self, rtype, obj):
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        name = meta.get("name")
        if not name:
            raise invalid(rtype.kind, rtype.group, "", [("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")])
        causes = self._metadata_causes(rtype, meta)
        if (rtype.group, rtype.kind) == CRD_GROUP_KIND:
            causes.extend(self._crd_causes(obj))
        if rtype.custom:
            obj["apiVersion"] = rtype.api_version
            schema = self._schemas.get((rtype.group, rtype.version, rtype.kind))
            if schema is not None:
                unknown = []
                schema.prune_and_default(obj, unknown)
                self._check_unknown_fields(rtype, unknown)
                causes.extend(schema.errors(obj))
        if causes:
            raise invalid(rtype.kind, rtype.group, name, causes)

    def _check_unknown_fields(self, rtype, unknown):
        """fieldValidation: Strict is 400, Warn collects ``unknown field`` warnings, Ignore (in-process writes) drops them silently."""
        directive = getattr(self._local, "field_validation", None)
        if not unknown or directive in (None, "Ignore"):
            return
        messages = ['unknown field "%s"' % path for path in unknown]
        if directive == "Strict":
            raise bad_request('%s in version "%s" cannot be handled as a %s: strict decoding error: %s'
                              % (rtype.kind, rtype.version, rtype.kind, ", ".join(messages)))
        self._local.warnings.extend(messages)

    @contextlib.contextmanager
    def field_validation(self, directive):
        """Apply kube-apiserver's ``fieldValidation`` (Strict, Warn, Ignore) to the writes of this block; yields the warnings list."""
        previous = getattr(self._local, "field_validation", None), getattr(self._local, "warnings", None)
        self._local.field_validation, self._local.warnings = directive, []
        try:
            yield self._local.warnings
        finally:
            self._local.field_validation, self._local.warnings = previous

    @staticmethod
    def _metadata_causes(rtype, meta):
        causes = []
        problem = _name_problem(rtype, meta["name"])
        if problem:
            causes.append(("FieldValueInvalid", "metadata.name", "Invalid value: %s: %s" % (json.dumps(meta["name"]), problem)))
        for key, value in (meta.get("labels") or {}).items():
            if not _LABEL_KEY.fullmatch(key):
                causes.append(("FieldValueInvalid", "metadata.labels", "Invalid value: %r: name part must consist of alphanumeric characters, "
                               "'-', '_' or '.', and must start and end with an alphanumeric character" % key))
            if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
                causes.append(("FieldValueInvalid", "metadata.labels", "Invalid value: %r: a valid label must be an empty string or consist "
                               "of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character" % (value,)))
        return causes

    @staticmethod
    def _crd_causes(crd):
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        causes = []
        for field in ("group", "scope"):
            if not spec.get(field):
                causes.append(("FieldValueRequired", "spec.%s" % field, "Required value"))
        for field in ("plural", "kind"):
            if not names.get(field):
                causes.append(("FieldValueRequired", "spec.names.%s" % field, "Required value"))
        if causes:
            return causes
        expected = "%s.%s" % (names["plural"], spec["group"])
        if crd["metadata"]["name"] != expected:
            causes.append(("FieldValueInvalid", "metadata.name", 'Invalid value: "%s": must be spec.names.plural+"."+spec.group'
                           % crd["metadata"]["name"]))
        versions = spec.get("versions") or []
        if not versions:
            causes.append(("FieldValueRequired", "spec.versions", "Required value: must have exactly one version marked as storage version"))
        elif sum(1 for v in versions if v.get("storage")) != 1:
            causes.append(("FieldValueInvalid", "spec.versions", "Invalid value: must have exactly one version marked as storage version"))
        return causes


def _etcd_key(rtype, key, namespace):
    """The object's etcd key relative to the listed prefix (/registry/<resource>/[<namespace>/]): the order lists come in."""
    obj_namespace, name = key
    return name if namespace is not None or not rtype.namespaced else "%s/%s" % (obj_namespace, name)


def _encode_continue(start_key, revision):
    token = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def _decode_continue(token):
    """storage.DecodeContinue: ``(start key, revision)`` or 400 BadRequest."""
    def invalid(why):
        return bad_request("invalid continue token: %s" % why)
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError) as exc:
        raise invalid("continue key is not valid: %s" % exc) from exc
    if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
        raise invalid("continue key is not valid: server does not recognize this encoded version %s"
                      % (data.get("v") if isinstance(data, dict) else ""))
    if not isinstance(data.get("rv"), int) or not data["rv"]:
        raise invalid("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    if not data.get("start"):
        raise invalid("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")
    start = data["start"]
    if ".." in start.split("/") or start.startswith("/"):
        raise invalid("continue key is not valid: %s" % start)
    return start, data["rv"]


def _name_problem(rtype, name):
    """Why ``name`` is not a valid name for ``rtype`` (kube-apiserver's per-kind name validation), or None."""
    if not isinstance(name, str):
        return "name must be a string"
    if rtype.group == RBAC_GROUP:
        return _path_segment_problem(name)
    if (rtype.group, rtype.kind) == NAMESPACE_GROUP_KIND:
        pattern, limit, what, example = _DNS_LABEL, 63, "label", "my-name', or '123-abc"
        chars = " or '-'"
    else:
        pattern, limit, what, example = _DNS_SUBDOMAIN, 253, "subdomain", "example.com"
        chars = ", '-' or '.'"
    # apimachinery's IsDNS1123Label/Subdomain: a full match (Go's regexp has no "$ before a final newline").
    if len(name) > limit:
        return "must be no more than %d characters" % limit
    if not pattern.fullmatch(name):
        return ("a lowercase RFC 1123 %s must consist of lower case alphanumeric characters%s, and must start and end with an "
                "alphanumeric character (e.g. '%s', regex used for validation is '%s')" % (what, chars, example, pattern.pattern.strip("^$")))
    return None


def _path_segment_problem(name):
    """apimachinery's IsValidPathSegmentName: the name is used as one URL path segment."""
    if name in (".", ".."):
        return "may not be '%s'" % name
    for illegal in ("/", "%"):
        if illegal in name:
            return "may not contain '%s'" % illegal
    return None

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Glue between acm.submariner modules and kubernetes.core.

Everything that talks to an API server goes through here: the module class (auth options,
client, check mode as server-side dry run), served-version discovery, read/create/patch/delete
with a before/after diff, and error messages that name the cluster, the object and the fix.
Client construction, kubeconfig loading, dry run and diffing come from kubernetes.core.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import random
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import ownership
from ansible_collections.acm.submariner.plugins.module_utils.hub import HubFacts, hub_facts, managed_cluster_summary, preferred_version
from ansible_collections.acm.submariner.plugins.module_utils.rbac import ROLE_DIR
from ansible_collections.acm.submariner.plugins.module_utils.validation import option_problems
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import (
    AUTH_ARG_SPEC,
    WAIT_ARG_SPEC,
)
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import (
    get_api_client,
)
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import (
    AnsibleK8SModule,
)
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import (
    CoreException,
)
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.service import (
    diff_objects,
    hide_fields,
)

try:
    from kubernetes.client import Configuration as KubeConfiguration
    from kubernetes.client.rest import ApiException
    from kubernetes.dynamic.exceptions import (
        ConflictError,
        DynamicApiError,
        NotFoundError,
        ResourceNotFoundError,
        ResourceNotUniqueError,
    )
except ImportError:  # reported by AnsibleK8SModule (missing_required_lib)
    class KubeConfiguration:  # type: ignore[no-redef]
        @classmethod
        def set_default(cls, default):
            pass

    class ApiException(Exception):  # type: ignore[no-redef]
        status = None

    class DynamicApiError(Exception):  # type: ignore[no-redef]
        status = None

    class ConflictError(DynamicApiError):  # type: ignore[no-redef]
        pass

    class NotFoundError(DynamicApiError):  # type: ignore[no-redef]
        pass

    class ResourceNotFoundError(Exception):  # type: ignore[no-redef]
        pass

    class ResourceNotUniqueError(Exception):  # type: ignore[no-redef]
        pass

try:
    from urllib3.exceptions import HTTPError as TransportError
    from urllib3.exceptions import MaxRetryError, ProtocolError
    from urllib3.exceptions import TimeoutError as TransportTimeout
except ImportError:  # urllib3 comes with kubernetes
    class TransportError(Exception):  # type: ignore[no-redef]
        pass

    class MaxRetryError(TransportError):  # type: ignore[no-redef]
        reason = None

    class ProtocolError(TransportError):  # type: ignore[no-redef]
        pass

    class TransportTimeout(TransportError):  # type: ignore[no-redef]
        pass


# ``current`` of a write not given: the writer reads the object itself.
UNREAD = object()

# As client-go's retry.DefaultRetry: five attempts before a conflict is reported.
CONFLICT_RETRIES = 5

# Answers that say "try again later": throttled, or the API server (or its etcd) briefly unwell.
RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))

# Fields that change on every write or are server bookkeeping: never part of a diff.
NOISY_FIELDS = ["metadata.managedFields", "metadata.resourceVersion", "metadata.generation"]

# What a missing API group means on an ACM hub, and what to do about it.
MISSING_API_HINTS = {
    "submarineraddon.open-cluster-management.io": (
        "the submariner-addon is not installed on the hub. Enable the MultiClusterHub component"
        " 'submariner-addon' (on by default) and wait for the addon to be ready"
    ),
    "submariner.io": (
        "the Broker API (brokers.submariner.io) is not installed on the hub. The submariner-addon"
        " installs it (ACM 2.5 and later); on older hubs no Broker object is needed"
    ),
    "addon.open-cluster-management.io": (
        "the add-on framework is not installed: is this cluster an ACM / Open Cluster Management hub?"
    ),
    "cluster.open-cluster-management.io": (
        "this cluster is not an ACM / Open Cluster Management hub (no cluster.open-cluster-management.io API)"
    ),
}


class HubError(Exception):
    """A failure explained for the user; ``details`` go into the module result."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.details = details


def auth_argument_spec():
    """kubernetes.core's auth options, deep-copied (AnsibleModule mutates specs)."""
    return copy.deepcopy(AUTH_ARG_SPEC)


def hub_facts_argument_spec(managed_cluster=False):
    """``hub``: the facts acm.submariner.hub_info found, so that the module does not detect them again;
    with ``managed_cluster`` also the cluster's summary it read."""
    spec = {"hub": {"type": "dict"}}
    if managed_cluster:
        spec["managed_cluster"] = {"type": "dict"}
    return spec


def wait_argument_spec(timeout=300):
    """``wait`` and ``wait_timeout`` as kubernetes.core defines them, with our default timeout."""
    spec = {key: copy.deepcopy(WAIT_ARG_SPEC[key]) for key in ("wait", "wait_timeout")}
    spec["wait_timeout"]["default"] = timeout
    return spec


def state_argument_spec():
    """``state``: V(present) creates or updates, V(absent) deletes."""
    return {"state": {"type": "str", "choices": ["present", "absent"], "default": "present"}}


def writer_argument_spec(options, wait_timeout=300):
    """A writing module's options: ``options`` plus ``state``, ``wait`` and ``wait_timeout``."""
    spec = copy.deepcopy(options)
    spec.update(state_argument_spec())
    spec.update(wait_argument_spec(wait_timeout))
    return spec


def object_ref(kind, name, namespace=None):
    """``Kind ns/name`` or ``Kind name``: how messages name an object."""
    return "{0} {1}".format(kind, "{0}/{1}".format(namespace, name) if namespace else name)


def api_status_message(exc):
    """The ``message`` of the Status body the API server returned, else the HTTP reason."""
    body = getattr(exc, "body", None)
    if body:
        try:
            status = json.loads(to_text(body))
            if isinstance(status, dict) and status.get("message"):
                return status["message"]
        except ValueError:
            return to_text(body)
    return to_text(getattr(exc, "reason", None) or exc)


def missing_api_message(api_version, kind, target):
    group = api_version.split("/")[0] if "/" in api_version else ""
    hint = MISSING_API_HINTS.get(group, "install the operator or CRD that provides it")
    return "{0} does not serve {1} ({2}): {3}.".format(target, kind, api_version, hint)


def api_error_message(exc, target, doing):
    """Explain an API error: what was being done, where, and what to do next.

    ``doing`` reads like ``creating SubmarinerConfig cluster1/submariner``.
    """
    status = getattr(exc, "status", None)
    detail = api_status_message(exc)
    if status == 401:
        return (
            "{0} rejected the credentials (401 Unauthorized) while {1}. The token or client"
            " certificate is missing, expired or wrong: log in again (oc login) or fix api_key /"
            " the kubeconfig user of this context.".format(target, doing)
        )
    if status == 403:
        return (
            "{0} refused {1} (403 Forbidden): {2}. Use a context whose user has the RBAC for it: bind the"
            " ClusterRole of the run's mode that the collection ships in {3}/ (one per side and mode, see"
            " docs/rbac.md), or use a cluster-admin.".format(target, doing, detail, ROLE_DIR)
        )
    if status == 404:
        return "{0}: not found while {1}: {2}.".format(target, doing, detail)
    if status == 409:
        return (
            "{0}: conflict while {1}: {2}. Another client kept changing the object;"
            " run again.".format(target, doing, detail)
        )
    if status == 422:
        return "{0} rejected the object as invalid while {1}: {2}.".format(target, doing, detail)
    return "{0} answered {1} while {2}: {3}.".format(target, status, doing, detail)


def transport_error_message(exc, target, doing):
    reason = to_text(getattr(exc, "reason", None) or exc)
    if "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in type(exc).__name__:
        return (
            "cannot verify the TLS certificate of {0} while {1}: {2}. Pass ca_cert (or fix"
            " certificate-authority in the kubeconfig); validate_certs=false only for throwaway"
            " clusters.".format(target, doing, reason)
        )
    return (
        "cannot reach the API server of {0} while {1}: {2}. Check the host, the network path"
        " (VPN, proxy, firewall) and that the cluster is up.".format(target, doing, reason)
    )


def retried_message(message, attempts, elapsed):
    """``message`` plus how hard we tried, for an error that outlived the retries."""
    return (
        "{0} Tried {1} times over {2:.0f}s: the API server stayed unavailable (overloaded, restarting or"
        " unreachable); check the cluster's health and run again.".format(message, attempts, elapsed)
    )


def is_transient(exc):
    """Whether ``exc`` may succeed when sent again: 429/5xx answers and dropped or refused connections.

    TLS failures and every other 4xx are final; a 409 is handled by the writers (fresh read).
    """
    if isinstance(exc, (DynamicApiError, ApiException)):
        return getattr(exc, "status", None) in RETRYABLE_STATUSES
    if isinstance(exc, MaxRetryError):
        return exc.reason is None or is_transient(exc.reason)
    return isinstance(exc, (ProtocolError, TransportTimeout, ConnectionError))


def _retry_after(exc):
    """Seconds from a 429's ``Retry-After`` header, or ``None``."""
    headers = getattr(exc, "headers", None) or {}
    value = next((headers[key] for key in headers if key.lower() == "retry-after"), None)
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):  # an HTTP date: fall back to our own backoff
        return None


class RetryPolicy:
    """Capped exponential backoff with jitter for transient API failures.

    The defaults wait about 0.2, 0.4, 0.8, 1.6 and 3 s (each ±50 %) between six attempts, about
    6 s in all; a 429's ``Retry-After`` is honoured up to ``max_retry_after``.
    """

    def __init__(self, attempts=6, first_delay=0.2, max_delay=3.0, max_retry_after=10.0,
                 sleep=time.sleep, clock=time.monotonic, jitter=random.random):
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter

    def delay(self, retry, exc):
        """Seconds to wait before retry number ``retry`` (1-based) after ``exc``."""
        asked = _retry_after(exc) if getattr(exc, "status", None) == 429 else None
        if asked is not None:
            return min(asked, self.max_retry_after)
        backoff = min(self.first_delay * 2 ** (retry - 1), self.max_delay)
        return min(backoff * (0.5 + self.jitter()), self.max_delay)

    def call(self, func):
        """``func()``, sent again on transient failures; the last failure is raised as
        ``RetriesExhausted`` when it was retried, as itself otherwise."""
        started = self.clock()
        for attempt in range(1, self.attempts + 1):
            try:
                return func()
            except (DynamicApiError, ApiException, TransportError, ConnectionError) as exc:
                if not is_transient(exc):
                    raise
                if attempt == self.attempts:
                    raise RetriesExhausted(exc, attempt, self.clock() - started) from exc
                self.sleep(self.delay(attempt, exc))
        raise AssertionError("unreachable: attempts must be at least 1")


class RetriesExhausted(Exception):
    """A transient failure that did not go away after ``attempts`` tries."""

    def __init__(self, last, attempts, elapsed):
        super().__init__(to_text(last))
        self.last = last
        self.attempts = attempts
        self.elapsed = elapsed


def merge_patch(existing, desired):
    """The JSON merge patch (RFC 7386) that makes ``existing`` carry ``desired``.

    Only keys named in ``desired`` are touched; a ``None`` value asks for removal. Lists are
    replaced whole, as merge patch does. Returns ``{}`` when nothing needs to change.
    """
    patch = {}
    for key, want in desired.items():
        have = existing.get(key) if isinstance(existing, dict) else None
        if want is None:
            if isinstance(existing, dict) and key in existing:
                patch[key] = None
        elif isinstance(want, dict) and isinstance(have, dict):
            nested = merge_patch(have, want)
            if nested:
                patch[key] = nested
        elif have != want:
            patch[key] = _without_nulls(want)
    return patch


def _without_nulls(value):
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return value


def make_diff(before, after, hidden_fields=None):
    """kubernetes.core's diff (changed parts only), without bookkeeping or hidden fields."""
    hidden = NOISY_FIELDS + list(hidden_fields or [])
    match, diff = diff_objects(hide_fields(before or {}, hidden), hide_fields(after or {}, hidden))
    if match:
        return {"before": {}, "after": {}}
    return diff


class Outcome:
    """What a write did (or would do in check mode)."""

    def __init__(self, changed, before, after, hidden_fields=None, kept=False):
        self.changed = changed
        self.before = before
        self.after = after
        self.hidden_fields = list(hidden_fields or [])
        self.kept = kept  # a delete that left the object: it is not ours

    @property
    def result(self):
        return hide_fields(self.after or {}, NOISY_FIELDS[:1] + self.hidden_fields)

    @property
    def diff(self):
        return make_diff(self.before, self.after, self.hidden_fields)


class HubClient:
    """The API calls our modules make, over kubernetes.core's pooled dynamic client.

    In check mode kubernetes.core's client adds ``dryRun=All`` to every write, so the API server
    validates the object and answers with what it would store, and nothing is stored.

    Every request goes through ``call``, which retries transient failures (``RetryPolicy``) and
    explains the final error.
    """

    retry_policy = RetryPolicy()

    def __init__(self, module):
        self.module = module
        self.target = describe_target(module.params)
        self.client = self._connect(module)
        self._discovery = {}

    def _connect(self, module):
        try:
            with _fresh_default_configuration():
                return self.call("reading API discovery", lambda: get_api_client(module=module))
        except CoreException as exc:
            raise HubError("cannot build a client for {0}: {1}".format(self.target, exc)) from exc

    # -- discovery -------------------------------------------------------------------------

    def resource(self, api_version, kind):
        """The dynamic-client resource for ``kind``; a missing CRD is explained, not raised raw."""
        try:
            return self.call("discovering {0} {1}".format(api_version, kind), lambda: self.client.resource(kind, api_version))
        except (ResourceNotFoundError, ResourceNotUniqueError) as exc:
            raise HubError(missing_api_message(api_version, kind, self.target), missing_api=api_version) from exc

    def serves(self, api_version, kind):
        """Whether ``kind`` is served in ``api_version``, from the client's discovery (which the
        request that follows needs anyway; a miss refreshes it before answering no)."""
        try:
            self.resource(api_version, kind)
        except HubError as exc:
            if exc.details.get("missing_api"):
                return False
            raise
        return True

    def served_versions(self, group, kind):
        """Versions of ``group`` that serve ``kind``, as the API server lists them now.

        The group's versions are read fresh (hubs drop versions on upgrade, and the answer decides
        which version we write); the kinds of each version come from the client's discovery, which
        fetches a version it does not know and keeps it for the requests that follow (and for the
        next module runs, in kubernetes.core's discovery cache file).
        """
        group_doc = self._discover("/apis/{0}".format(group))
        if not group_doc:
            return []
        return [entry["version"] for entry in group_doc.get("versions") or [] if kind in self._kinds(group, entry["version"])]

    def _kinds(self, group, version):
        """The kinds ``group/version`` serves, from the client's discovery (empty when it serves none)."""
        doing = "reading API discovery /apis/{0}/{1}".format(group, version)
        try:
            found = self.call(doing, lambda: self.client.client.resources.search(prefix="apis", group=group, api_version=version))
        except ResourceNotFoundError:
            return set()
        return {getattr(item, "kind", None) for item in found}

    def _discover(self, path):
        if path not in self._discovery:
            self._discovery[path] = self._request_or_none(path, "reading API discovery {0}".format(path))
        return self._discovery[path]

    def _request_or_none(self, path, doing):
        return self.call(doing, _none_if_missing(lambda: self.client.client.request("get", path).to_dict()))

    # -- reads -----------------------------------------------------------------------------

    def get(self, api_version, kind, name, namespace=None):
        """The object as a dict, or ``None`` when it does not exist."""
        resource = self.resource(api_version, kind)
        doing = "reading {0}".format(object_ref(kind, name, namespace))
        return self.call(doing, _none_if_missing(lambda: self.client.get(resource, name=name, namespace=namespace).to_dict()))

    def list(self, api_version, kind, namespace=None, label_selector=None):
        resource = self.resource(api_version, kind)
        where = " in namespace {0}".format(namespace) if namespace else ""
        params = {"namespace": namespace}
        if label_selector:
            params["label_selector"] = label_selector
        listing = self.call("listing {0}{1}".format(kind, where), _none_if_missing(lambda: self.client.get(resource, **params).to_dict()))
        return (listing or {}).get("items") or []

    # -- writes ----------------------------------------------------------------------------

    def ensure_present(self, desired, hidden_fields=None, owned=False, current=UNREAD):
        """Create ``desired`` or merge-patch the keys it names; no request when nothing differs.

        With ``owned``, an object we create carries our marker label, and an existing object that
        lacks it is updated without being marked (ownership.desired_for): we delete only what we made.

        The patch carries the resourceVersion it was computed from, so a concurrent change
        answers 409 and we recompute from a fresh read instead of overwriting it. A write that was
        sent again after a dropped answer may find its own first attempt stored (409 on create,
        409 on the stale resourceVersion): the fresh read then shows nothing left to change, and
        ``changed`` still says whether the object needed our change when we first read it.

        ``current`` is the object as the caller just read it (``None``: it does not exist), so the
        first attempt sends no second GET of it; a conflict still re-reads.
        """
        api_version, kind = desired["apiVersion"], desired["kind"]
        name, namespace = desired["metadata"]["name"], desired["metadata"].get("namespace")
        ref = object_ref(kind, name, namespace)
        resource = self.resource(api_version, kind)
        first_read = None
        for attempt in range(CONFLICT_RETRIES):
            existing = current if attempt == 0 and current is not UNREAD else self.get(api_version, kind, name, namespace)
            if attempt == 0:
                first_read = existing
            wanted = ownership.desired_for(existing, desired) if owned else desired
            try:
                if existing is None:
                    created = self.call("creating {0}".format(ref), lambda: self.client.create(
                        resource, _without_nulls(wanted), namespace=namespace, field_manager=C.FIELD_MANAGER))
                    return Outcome(True, {}, created.to_dict(), hidden_fields)
                outcome = self._patch_if_needed(resource, existing, wanted, ref, hidden_fields)
            except ConflictError:
                continue
            if attempt and not outcome.changed:
                return Outcome(first_read is None or bool(merge_patch(first_read, desired)), first_read or {}, existing, hidden_fields)
            return outcome
        raise HubError("{0}: {1} kept changing under us ({2} conflicts in a row); run again.".format(self.target, ref, CONFLICT_RETRIES))

    def _patch_if_needed(self, resource, existing, desired, ref, hidden_fields):
        patch = merge_patch(existing, desired)
        if not patch:
            return Outcome(False, existing, existing, hidden_fields)
        patch.setdefault("metadata", {})["resourceVersion"] = existing["metadata"]["resourceVersion"]
        meta = existing["metadata"]
        patched = self.call("updating {0}".format(ref), lambda: self.client.patch(
            resource, patch, name=meta["name"], namespace=meta.get("namespace"),
            content_type="application/merge-patch+json", field_manager=C.FIELD_MANAGER,
        ))
        return Outcome(True, existing, patched.to_dict(), hidden_fields)

    def ensure_absent(self, api_version, kind, name, namespace=None, owned_only=False, current=UNREAD):
        """Delete the object if it exists; a 409 is retried from a fresh read like a write.

        With ``owned_only`` an object without our marker label is kept (``Outcome.kept``);
        ``current`` as for ``ensure_present``.
        """
        ref = object_ref(kind, name, namespace)
        for attempt in range(CONFLICT_RETRIES):
            existing = current if attempt == 0 and current is not UNREAD else self.get(api_version, kind, name, namespace)
            if existing is None:
                return Outcome(False, {}, {})
            if owned_only and not ownership.is_ours(existing):
                return Outcome(False, existing, existing, kept=True)
            try:
                deleted = self.call("deleting {0}".format(ref), self._deleter(api_version, kind, name, namespace))
            except ConflictError:
                continue
            return Outcome(True, existing, {}) if deleted else Outcome(False, {}, {})
        raise HubError("{0}: deleting {1} conflicted {2} times in a row; run again.".format(self.target, ref, CONFLICT_RETRIES))

    def _deleter(self, api_version, kind, name, namespace):
        """A delete call answering whether it deleted: a resent delete that finds the object gone
        was the one that deleted it (its first answer was lost)."""
        resource = self.resource(api_version, kind)
        sent = []

        def delete():
            sent.append(True)
            try:
                self.client.delete(resource, name=name, namespace=namespace)
            except NotFoundError:
                return len(sent) > 1
            return True
        return delete

    # -- requests and errors ---------------------------------------------------------------

    def call(self, doing, func):
        """``func()`` with transient failures retried and final API errors explained as HubError.

        ``doing`` reads like ``creating SubmarinerConfig cluster1/submariner``. A 409 passes
        through for the writer to handle.
        """
        with self._explained(doing):
            return self.retry_policy.call(func)

    def _explained(self, doing):
        return _ExplainErrors(self.target, doing)


@contextlib.contextmanager
def _fresh_default_configuration():
    """Build a client from a fresh default Configuration, and put the process default back afterwards.

    kubernetes.core starts every client from a copy of the kubernetes client's process-wide default
    Configuration, and loading a kubeconfig replaces that default (with the kubeconfig's token,
    certificates and ``refresh_api_key_hook``). A module that talks to two API servers (the hub and a
    managed cluster) would hand the first one's settings to the second: the hook then sends the
    second client's requests with the first one's credentials. Each client built here shares none.
    (kubernetes.core 6.6.0 plugins/module_utils/k8s/client.py ``_create_configuration``; kubernetes 36.0.3
    kubernetes/client/configuration.py ``get_default_copy``, kubernetes/config/kube_config.py ``load_kube_config`` and ``_set_config``.)
    """
    saved = getattr(KubeConfiguration, "_default", None)
    KubeConfiguration.set_default(None)
    try:
        yield
    finally:
        KubeConfiguration.set_default(saved)


def _none_if_missing(func):
    """``func`` answering ``None`` instead of raising 404 Not Found."""
    def call():
        try:
            return func()
        except NotFoundError:
            return None
    return call


class _ExplainErrors:
    """Turns API and transport errors raised inside the block into a HubError.

    A 409 passes through: the writer retries it from a fresh read.
    """

    def __init__(self, target, doing):
        self.target = target
        self.doing = doing

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc is None or isinstance(exc, ConflictError):
            return False
        if isinstance(exc, RetriesExhausted):
            message = self._message(exc.last)
            raise HubError(retried_message(message, exc.attempts, exc.elapsed), status=getattr(exc.last, "status", None),
                           attempts=exc.attempts) from exc.last
        if isinstance(exc, (DynamicApiError, ApiException)):
            raise HubError(api_error_message(exc, self.target, self.doing), status=exc.status) from exc
        if isinstance(exc, (TransportError, ConnectionError)):
            raise HubError(transport_error_message(exc, self.target, self.doing)) from exc
        return False

    def _message(self, exc):
        if isinstance(exc, (DynamicApiError, ApiException)):
            return api_error_message(exc, self.target, self.doing)
        return transport_error_message(exc, self.target, self.doing)


def gather_hub_facts(hub, service_exports=False):
    """hub.HubFacts for the hub behind ``hub`` (a HubClient): MultiClusterHub version, served
    API versions and whether the submariner-addon is installed.

    ServiceExport versions are only discovered when ``service_exports`` is true (hub_info): no
    hub module writes one.
    """
    mch_version = None
    if hub.served_versions(C.MCH_GROUP, C.MULTICLUSTER_HUB_KIND):
        hubs = hub.list(C.MULTICLUSTER_HUB_API_VERSION, C.MULTICLUSTER_HUB_KIND)
        versions = [(item.get("status") or {}).get("currentVersion") for item in hubs]
        mch_version = next((version for version in versions if version), None)
    addon_versions = hub.served_versions(C.ADDON_GROUP, C.MANAGED_CLUSTER_ADDON_KIND)
    cma_present = False
    cma_version = preferred_version(hub.served_versions(C.ADDON_GROUP, C.CLUSTER_MANAGEMENT_ADDON_KIND), C.MANAGED_CLUSTER_ADDON_VERSIONS)
    if cma_version:
        cma = hub.get("{0}/{1}".format(C.ADDON_GROUP, cma_version), C.CLUSTER_MANAGEMENT_ADDON_KIND, C.CLUSTER_MANAGEMENT_ADDON_NAME)
        cma_present = cma is not None
    try:
        return hub_facts(
            mch_version,
            hub.served_versions(C.CLUSTER_GROUP, C.MANAGED_CLUSTER_SET_KIND),
            addon_versions,
            hub.served_versions(C.MCS_GROUP, C.SERVICE_EXPORT_KIND) if service_exports else [],
            cluster_management_addon_present=cma_present,
            submariner_config_crd_present=bool(hub.served_versions(C.SUBMARINER_ADDON_GROUP, C.SUBMARINER_CONFIG_KIND)),
        )
    except ValueError as exc:
        raise HubError("{0}: {1}".format(hub.target, exc)) from exc


def module_hub_facts(module, client=None):
    """The hub facts of ``module`` (a HubModule): its ``hub`` option when given, else detected through
    ``client`` (default ``module.hub``)."""
    given = module.params.get("hub")
    if not given:
        return gather_hub_facts(client or module.hub)
    try:
        return HubFacts.from_dict(given)
    except ValueError as exc:
        raise HubError("the hub option: {0}. Pass the hub result of acm.submariner.hub_info, or leave it unset.".format(exc)) from exc


def module_managed_cluster(module, name):
    """The summary (hub.managed_cluster_summary) of ManagedCluster ``name``: the ``managed_cluster``
    option of ``module`` when it describes ``name``, else read from the hub."""
    given = module.params.get("managed_cluster")
    if given and given.get("name") == name:
        return given
    return managed_cluster_summary(require_managed_cluster(module.hub, name))


def require_managed_cluster(hub, name):
    """The ManagedCluster ``name``; an unknown name fails listing the clusters the hub knows."""
    cluster = hub.get(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, name)
    if cluster is None:
        known = sorted(item["metadata"]["name"] for item in hub.list(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND))
        raise HubError(
            "{0} has no ManagedCluster named {1!r}; it knows: {2}. Import the cluster into ACM first,"
            " or fix the name.".format(hub.target, name, ", ".join(known) or "none"),
            known_clusters=known,
        )
    return cluster


def require_managed_cluster_set(hub, facts, name):
    """The ManagedClusterSet ``name`` in the newest version the hub serves; fails when there is none."""
    version = facts.managed_cluster_set_version
    cluster_set = hub.get("{0}/{1}".format(C.CLUSTER_GROUP, version), C.MANAGED_CLUSTER_SET_KIND, name) if version else None
    if cluster_set is None:
        raise HubError("{0} has no ManagedClusterSet {1!r}: create it first (acm.submariner.managed_cluster_set).".format(hub.target, name))
    return cluster_set


def get_submariner_addon(hub, facts, cluster):
    """The ManagedClusterAddOn ``submariner`` of ``cluster``; ``None`` when absent or the hub serves no add-ons."""
    if not facts.managed_cluster_addon_version:
        return None
    api_version = "{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version)
    return hub.get(api_version, C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster)


def describe_target(params):
    """``context "hub" (https://...)`` or the host: how messages name the cluster we talk to, with its URL."""
    context = params.get("context") or os.environ.get("K8S_AUTH_CONTEXT")
    host = params.get("host") or os.environ.get("K8S_AUTH_HOST")
    kubeconfig = _read_kubeconfig(params.get("kubeconfig") or os.environ.get("K8S_AUTH_KUBECONFIG")) if not host else {}
    if not context and not host:
        context = kubeconfig.get("current-context")
    if context:
        server = _context_server(kubeconfig, context)
        return 'context "{0}"{1}'.format(context, " ({0})".format(server) if server else "")
    if host:
        return "API server {0}".format(host)
    return "the default Kubernetes context"


def _read_kubeconfig(kubeconfig):
    """The kubeconfig as a dict, or ``{}`` when it cannot be read."""
    if isinstance(kubeconfig, dict):
        return kubeconfig
    path = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    path = path.split(os.pathsep)[0]
    try:
        import yaml  # AnsibleK8SModule requires PyYAML before we get here

        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except (OSError, ValueError, ImportError, AttributeError):
        return {}
    return document if isinstance(document, dict) else {}


def _context_server(kubeconfig, context):
    """The server URL of ``context`` in the kubeconfig, or ``None``."""
    def named(section, name):
        return next((item.get(section[:-1]) or {} for item in kubeconfig.get(section) or []
                     if isinstance(item, dict) and item.get("name") == name), {})
    return named("clusters", named("contexts", context).get("cluster")).get("server")


class HubModule(AnsibleK8SModule):
    """An acm.submariner module: kubernetes.core's auth options, our client and error shaping.

    ``run(action)`` calls ``action(module)`` and exits with the dict it returns; a HubError
    becomes ``fail_json`` with its message and details.
    """

    def __init__(self, argument_spec, names=None, checked_by_module=(), auth_options=True, **kwargs):
        """``names``: option -> ``cluster`` or ``set``, validated as such before any request; ``checked_by_module``:
        numeric options the module's own rules check (validation.option_problems skips them); ``auth_options``: false
        for a module whose every API server has its own credentials in an option (no module-level connection)."""
        spec = auth_argument_spec() if auth_options else {}
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super().__init__(module_class=AnsibleModule, argument_spec=spec, **kwargs)
        self._hub = None
        self._names = names or {}
        self._checked_by_module = tuple(checked_by_module)

    @property
    def hub(self):
        """The HubClient, built on first use (so argument errors fail before any connection)."""
        if self._hub is None:
            self._hub = HubClient(self)
        return self._hub

    @property
    def diff_mode(self):
        return self._diff

    @property
    def no_log_values(self):
        """AnsibleModule's set of values masked in the output (for secrets that arrive inside a dict option)."""
        return self._module.no_log_values

    @property
    def wait_requested(self):
        """``wait=true`` outside check mode: in check mode nothing was stored, so nothing will happen."""
        return bool(self.params.get("wait")) and not self.check_mode

    def run(self, action):
        problems = option_problems(self.params, self._names, self._checked_by_module)
        if problems:
            self.fail_json(msg="{0}; nothing was sent to {1}.".format("; ".join(problems), describe_target(self.params)), problems=problems)
        try:
            result = action(self)
        except HubError as exc:
            self.fail_json(msg=to_text(exc), **exc.details)
        except CoreException as exc:
            self.fail_from_exception(exc)
        self.exit_json(**result)

    def with_diff(self, result, outcomes):
        """Add ``diff`` (before/after of every outcome) to ``result`` when --diff is on."""
        if self.diff_mode:
            befores, afters = {}, {}
            for label, outcome in outcomes.items():
                diff = outcome.diff
                if diff.get("before") or diff.get("after"):
                    befores[label], afters[label] = diff.get("before", {}), diff.get("after", {})
            if len(outcomes) == 1:
                befores, afters = befores.get(next(iter(outcomes)), {}), afters.get(next(iter(outcomes)), {})
            result["diff"] = {"before": befores, "after": afters}
        return result

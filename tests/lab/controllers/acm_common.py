"""Names, API versions and store helpers shared by the lab's ACM submariner-addon and Submariner controllers.

The constants are the ones ``../shared/reference/domain.md`` documents (sections 1 to 4); the helpers
are the small level-triggered building blocks the controllers reconcile with: apply an object only when
it differs, set a ``metav1.Condition`` keeping its transition time, add or drop a finalizer.
"""

from __future__ import annotations

import copy
import datetime
import ipaddress
import json

from tests.lab.apiserver.errors import ApiError
from tests.lab import profiles
from tests.lab.controllers.base import Controller

PROFILE_22 = "acm-2.2"
PROFILE_212 = "acm-2.12"

# API versions
V1 = "v1"
APPS_V1 = "apps/v1"
RBAC_V1 = "rbac.authorization.k8s.io/v1"
MANAGED_CLUSTER_V1 = "cluster.open-cluster-management.io/v1"
ADDON_V1ALPHA1 = "addon.open-cluster-management.io/v1alpha1"
WORK_V1 = "work.open-cluster-management.io/v1"
SUBMARINER_CONFIG_V1ALPHA1 = "submarineraddon.open-cluster-management.io/v1alpha1"
SUBMARINER_OPERATOR_V1ALPHA1 = "submariner.io/v1alpha1"
SUBMARINER_V1 = "submariner.io/v1"
NETWORK_CONFIG_V1 = "config.openshift.io/v1"

# Labels, annotations and finalizers
CLUSTERSET_LABEL = "cluster.open-cluster-management.io/clusterset"
SUBMARINER_AGENT_LABEL = "cluster.open-cluster-management.io/submariner-agent"
BROKER_NS_ANNOTATION = "cluster.open-cluster-management.io/submariner-broker-ns"
BROKER_NS_LABEL = "submariner.io/broker"
CLUSTER_SA_LABEL = "cluster.open-cluster-management.io/submariner-cluster-sa"
BACKUP_LABEL = "cluster.open-cluster-management.io/backup"
SET_CLEANUP_FINALIZER = "cluster.open-cluster-management.io/submariner-cleanup"
AGENT_CLEANUP_FINALIZER = "cluster.open-cluster-management.io/submariner-agent-cleanup"
ADDON_CLEANUP_FINALIZER = "submarineraddon.open-cluster-management.io/submariner-addon-cleanup"
WORK_CLEANUP_FINALIZER = "cluster.open-cluster-management.io/manifest-work-cleanup"
SKIP_CLOUD_PREPARE_ANNOTATION = "submariner.io/skip-cloud-prepare"
GATEWAY_LABEL = "submariner.io/gateway"
GATEWAY_UDP_PORT_LABEL = "gateway.submariner.io/udp-port"
RANDOM_GATEWAY_ANNOTATION = "submariner.io/random-gateway-node"
WORKER_ROLE_LABEL = "node-role.kubernetes.io/worker"
ZONE_LABEL = "topology.kubernetes.io/zone"

# Claims (status.clusterClaims of a ManagedCluster)
CLAIM_PLATFORM = "platform.open-cluster-management.io"
CLAIM_PRODUCT = "product.open-cluster-management.io"
CLAIM_REGION = "region.open-cluster-management.io"
CLAIM_INFRA = "infrastructure.openshift.io"
CLAIM_VERSION = "version.openshift.io"

# Fixed names
ADDON_NAME = "submariner"
CONFIG_NAME = "submariner"
INSTALL_NAMESPACE = "submariner-operator"
BROKER_NAME = "submariner-broker"
BROKER_ROLE = "submariner-k8s-broker-cluster"
PSK_SECRET = "submariner-ipsec-psk"
BROKER_SECRET = "submariner-broker-secret"
GLOBALNET_CONFIGMAP = "submariner-globalnet-info"
OPERATOR_WORK = "submariner-operator"
RESOURCE_WORK = "submariner-resource"
SUBMARINER_CR = "submariner"
SUBMARINER_VERSION = {PROFILE_22: "0.8.1", PROFILE_212: "0.19.0"}
SUBMARINER_CSV = {PROFILE_22: "submariner.v0.8.1", PROFILE_212: "submariner.v0.19.0"}
SUBMARINER_CHANNEL = {PROFILE_22: "alpha", PROFILE_212: "stable-0.19"}

DEFAULT_NATT_PORT = 4500
DEFAULT_IKE_PORT = 500
DEFAULT_NATT_DISCOVERY_PORT = 4900
DEFAULT_CABLE_DRIVER = "libreswan"
DEFAULT_GLOBALNET_RANGE = "242.0.0.0/8"
DEFAULT_GLOBALNET_CLUSTER_SIZE = 65536
OCP_VERSION_FOR_OVNK = (4, 11)


def now() -> str:
    """RFC 3339 timestamp, second precision, as Kubernetes writes them."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def profile_of(lab) -> str:
    profile = lab.options.profile
    if profile not in (PROFILE_22, PROFILE_212):
        raise ValueError(f"unknown lab profile {profile!r}")
    return profile


def broker_namespace_name(profile: str, cluster_set: str) -> str:
    """ACM 2.2: ``submariner-clusterset-<set>-broker``; later: ``<set>-broker`` truncated from the head to 63."""
    return profiles.get(profile).broker_namespace(cluster_set)


def labels_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("labels") or {}


def annotations_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("annotations") or {}


def is_deleting(obj: dict) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def claims_of(managed_cluster: dict) -> dict:
    """``status.clusterClaims`` as ``{name: value}``."""
    return {claim["name"]: claim.get("value", "") for claim in managed_cluster.get("status", {}).get("clusterClaims") or []}


def infra_id_of(managed_cluster: dict) -> str:
    raw = claims_of(managed_cluster).get(CLAIM_INFRA, "")
    if not raw:
        return ""
    try:
        return json.loads(raw).get("infraName", "")
    except ValueError:
        return ""


def ocp_version_of(managed_cluster: dict) -> tuple[int, ...]:
    raw = claims_of(managed_cluster).get(CLAIM_VERSION) or labels_of(managed_cluster).get("openshiftVersion", "")
    numbers = []
    for part in raw.split("-")[0].split("."):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def find_condition(obj: dict, condition_type: str) -> dict | None:
    for condition in obj.get("status", {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return condition
    return None


def set_condition(conditions: list, condition_type: str, status: str, reason: str, message: str, generation=None) -> bool:
    """Set a ``metav1.Condition`` in place; the transition time only moves when the status changes."""
    wanted = {"type": condition_type, "status": status, "reason": reason, "message": message}
    if generation is not None:
        wanted["observedGeneration"] = generation
    for index, condition in enumerate(conditions):
        if condition.get("type") != condition_type:
            continue
        if all(condition.get(key) == value for key, value in wanted.items()):
            return False
        wanted["lastTransitionTime"] = condition.get("lastTransitionTime") if condition.get("status") == status else now()
        if not wanted["lastTransitionTime"]:
            wanted["lastTransitionTime"] = now()
        conditions[index] = wanted
        return True
    wanted["lastTransitionTime"] = now()
    conditions.append(wanted)
    return True


def write_conditions(store, obj: dict, updates: list[tuple], extra_status: dict | None = None) -> dict:
    """Apply ``(type, status, reason, message)`` updates (and other status fields) through the status subresource."""
    fresh = store.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))
    if fresh is None:
        return obj
    status = fresh.setdefault("status", {})
    conditions = status.setdefault("conditions", [])
    changed = False
    generation = fresh["metadata"].get("generation")
    for condition_type, condition_status, reason, message in updates:
        changed |= set_condition(conditions, condition_type, condition_status, reason, message, generation)
    for key, value in (extra_status or {}).items():
        if status.get(key) != value:
            status[key] = value
            changed = True
    if not changed:
        return fresh
    return store.update_status(fresh)


def _same_content(existing: dict, wanted: dict) -> bool:
    """True when every field ``wanted`` sets already has that value (labels and annotations merge)."""
    for key, value in wanted.items():
        if key in ("apiVersion", "kind", "status"):
            continue
        if key == "metadata":
            current = existing.get("metadata", {})
            for meta_key in ("labels", "annotations"):
                for label, label_value in (value.get(meta_key) or {}).items():
                    if (current.get(meta_key) or {}).get(label) != label_value:
                        return False
            continue
        if existing.get(key) != value:
            return False
    return True


def apply(store, wanted: dict) -> dict:
    """Create ``wanted`` or bring the existing object to it; unchanged objects are not written."""
    meta = wanted["metadata"]
    existing = store.get(wanted["apiVersion"], wanted["kind"], meta["name"], meta.get("namespace"))
    if existing is None:
        return store.create(copy.deepcopy(wanted))
    if is_deleting(existing) or _same_content(existing, wanted):
        return existing
    merged = copy.deepcopy(existing)
    for key, value in wanted.items():
        if key in ("apiVersion", "kind", "status"):
            continue
        if key == "metadata":
            for meta_key in ("labels", "annotations"):
                if value.get(meta_key):
                    merged["metadata"].setdefault(meta_key, {}).update(value[meta_key])
            continue
        merged[key] = copy.deepcopy(value)
    return store.update(merged)


def delete_if_present(store, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
    """Delete an object; True when it is gone (or was never there)."""
    try:
        store.delete(api_version, kind, name, namespace)
    except ApiError as error:
        if error.code != 404:
            raise
    return store.get(api_version, kind, name, namespace) is None


def add_finalizer(store, obj: dict, finalizer: str) -> dict:
    finalizers = obj["metadata"].get("finalizers") or []
    if finalizer in finalizers or is_deleting(obj):
        return obj
    updated = copy.deepcopy(obj)
    updated["metadata"]["finalizers"] = finalizers + [finalizer]
    return store.update(updated)


def remove_finalizer(store, obj: dict, finalizer: str) -> dict | None:
    finalizers = obj["metadata"].get("finalizers") or []
    if finalizer not in finalizers:
        return obj
    updated = copy.deepcopy(obj)
    updated["metadata"]["finalizers"] = [item for item in finalizers if item != finalizer]
    try:
        return store.update(updated)
    except ApiError as error:
        if error.code == 404:
            return None
        raise


def network_cidrs(network_config: dict | None) -> tuple[list[str], list[str]]:
    """(cluster CIDRs, service CIDRs) from ``networks.config.openshift.io/cluster`` spec, as Submariner reads them."""
    spec = (network_config or {}).get("spec") or {}
    cluster = [entry["cidr"] for entry in spec.get("clusterNetwork") or [] if entry.get("cidr")]
    service = list(spec.get("serviceNetwork") or [])
    return cluster, service


def first_overlap(local: list[str], remote: list[str]) -> tuple[str, str] | None:
    for local_cidr in local:
        for remote_cidr in remote:
            if ipaddress.ip_network(local_cidr, strict=False).overlaps(ipaddress.ip_network(remote_cidr, strict=False)):
                return local_cidr, remote_cidr
    return None


def config_ports(config: dict | None) -> dict:
    """The ports a SubmarinerConfig asks for, with the addon's defaults."""
    spec = (config or {}).get("spec") or {}
    return {
        "natt": int(spec.get("IPSecNATTPort") or DEFAULT_NATT_PORT),
        "ike": int(spec.get("IPSecIKEPort") or DEFAULT_IKE_PORT),
        "natt_discovery": int(spec.get("NATTDiscoveryPort") or DEFAULT_NATT_DISCOVERY_PORT),
    }


def desired_gateways(config: dict | None) -> int:
    spec = (config or {}).get("spec") or {}
    gateways = (spec.get("gatewayConfig") or {}).get("gateways")
    return 1 if gateways is None else int(gateways)


class Reconciler(Controller):
    """A level-triggered controller: any watched event (or tick) queues one full :meth:`reconcile`.

    Events that arrive while a reconcile is already queued are coalesced into it, so a burst of
    writes costs one pass. ``reconcile`` must write only what differs, so the loop settles.
    """

    def __init__(self, world):
        super().__init__(world)
        self._queued = False

    def watch_kinds(self, store, kinds: set[tuple[str, str]]) -> None:
        self.watch(store, self._on_event, kinds=kinds)

    def request(self) -> None:
        if not self._queued:
            self._queued = True
            self.after(0, self._run)

    def reconcile(self) -> None:
        raise NotImplementedError

    def _on_event(self, _store, _event_type, _obj) -> None:
        self.request()

    def _run(self) -> None:
        self._queued = False
        try:
            self.reconcile()
        except ApiError as error:
            if error.code not in (404, 409):
                raise
            # Another writer got there first: the next pass sees the fresh state.
            self.after(1, self.request)

    @property
    def hub(self):
        return self.world.hub

    @property
    def profile(self) -> str:
        return profile_of(self.lab)

    @property
    def spec(self) -> profiles.Profile:
        """The profile's data (API versions, names, ports, flows)."""
        return profiles.get(self.profile)


def spoke_of(world, cluster: str):
    """The spoke Store of the managed cluster named ``cluster`` (None when the lab has no such spoke)."""
    finder = getattr(world, "spoke_for", None)
    if finder is not None:
        return finder(cluster)
    return world.spokes.get(cluster)

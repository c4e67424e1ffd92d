"""The hub half of the ACM submariner-addon, per profile (domain.md sections 1, 3 and 4).

* :class:`BrokerController`: a broker namespace per ManagedClusterSet, its Role, IPsec PSK and, on
  ACM >= 2.5, the ``submariner-globalnet-info`` ConfigMap built from the Broker CR, the annotation
  and finalizer on the set.
* :class:`HubAgentController`: joining a cluster. ACM 2.2: the two ManagedCluster labels; ACM 2.12:
  the ``submariner`` ManagedClusterAddOn (Broker CR required). Both: broker service account,
  ManifestWorks, finalizers and the clean-up when the cluster leaves.
* :class:`HubConfigController`: ``SubmarinerConfigApplied`` and ``status.managedClusterInfo``; on
  ACM 2.2 also the cloud preparation and its ``config-cleanup`` finalizer, which ran on the hub then.
* :func:`default_clusterset_admission`: OCM's mutating webhook that puts clusters lacking a set in
  ``default`` (ACM 2.12 profile).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import pathlib
import secrets

from tests.lab import profiles
from tests.lab.controllers import acm_common as c
from tests.lab.controllers import acm_cloud
from tests.lab.controllers import acm_manifests
from tests.lab.controllers.base import group_of

HUB_CONTEXT = "hubcluster"
EXCLUSIVE_SELECTOR = "ExclusiveClusterSetLabel"
DEFAULT_CLUSTER_SET = "default"
BROKER_ROLE_RULES = [
    {"apiGroups": ["submariner.io"], "resources": ["clusters", "endpoints"], "verbs": ["create", "get", "list", "watch", "patch", "update", "delete"]},
    {"apiGroups": ["multicluster.x-k8s.io"], "resources": ["serviceimports", "serviceimports/status"],
     "verbs": ["create", "get", "list", "watch", "patch", "update", "delete"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices", "endpointslices/restricted"],
     "verbs": ["create", "get", "list", "watch", "patch", "update", "delete", "deletecollection"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]},
]
PSK_BYTES = 48


def build(world) -> list:
    """The hub controllers of the profile, plus the admission plug-in on ACM 2.12 hubs."""
    if profiles.get(c.profile_of(world.lab)).default_clusterset_webhook:
        world.hub.add_admission(default_clusterset_admission)
    return [BrokerController(world), HubAgentController(world), HubConfigController(world)]


# ------------------------------------------------------------------------------------------------ admission
def default_clusterset_admission(operation: str, obj: dict, old: dict | None = None) -> dict:
    """Add ``cluster.open-cluster-management.io/clusterset=default`` to ManagedClusters lacking it.

    The DefaultClusterSet feature of OCM registration (on by default in ACM 2.12) mutates CREATE and
    UPDATE alike, so removing the label puts the cluster back in ``default``.
    """
    del old
    if operation not in ("CREATE", "UPDATE") or obj.get("kind") != "ManagedCluster":
        return obj
    if group_of(obj.get("apiVersion", "")) != "cluster.open-cluster-management.io":
        return obj
    labels = obj.setdefault("metadata", {}).get("labels") or {}
    if not labels.get(c.CLUSTERSET_LABEL):
        labels[c.CLUSTERSET_LABEL] = DEFAULT_CLUSTER_SET
        obj["metadata"]["labels"] = labels
    return obj


# ------------------------------------------------------------------------------------------------ helpers
def cluster_sets(hub, profile: str) -> dict[str, dict]:
    """Sets the addon acts on, by name: on v1beta2 only those selecting by the exclusive label."""
    sets = {}
    api_version = profiles.get(profile).cluster_set_api_version
    for cluster_set in hub.list(api_version, "ManagedClusterSet"):
        if not api_version.endswith("v1alpha1"):
            selector = (cluster_set.get("spec") or {}).get("clusterSelector") or {}
            if selector.get("selectorType", EXCLUSIVE_SELECTOR) != EXCLUSIVE_SELECTOR:
                continue
        sets[cluster_set["metadata"]["name"]] = cluster_set
    return sets


def broker_kind(spec: profiles.Profile) -> set:
    """The Broker CR kind, watched only where the profile has it (ACM >= 2.5)."""
    return {(c.SUBMARINER_OPERATOR_V1ALPHA1, "Broker")} if spec.broker_cr_required else set()


def broker_namespace_of(profile: str, cluster_set: dict) -> str:
    annotated = c.annotations_of(cluster_set).get(c.BROKER_NS_ANNOTATION)
    return annotated or c.broker_namespace_name(profile, cluster_set["metadata"]["name"])


def addon_installed(hub) -> bool:
    """Without the ClusterManagementAddOn ``submariner`` the addon's controllers do nothing."""
    return hub.get(c.ADDON_V1ALPHA1, "ClusterManagementAddOn", c.ADDON_NAME) is not None


def random_b64(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()


def broker_globalnet(broker: dict | None) -> dict:
    spec = (broker or {}).get("spec") or {}
    return {
        "enabled": bool(spec.get("globalnetEnabled", False)),
        "range": spec.get("globalnetCIDRRange") or c.DEFAULT_GLOBALNET_RANGE,
        "size": int(spec.get("defaultGlobalnetClusterSize") or c.DEFAULT_GLOBALNET_CLUSTER_SIZE),
    }


def allocate_global_cidr(allocations: dict[str, str], cluster: str, cidr_range: str, size: int, requested: str = "") -> str:
    """The cluster's Globalnet CIDR: the one it has, the one its SubmarinerConfig asks for, or the next free block."""
    if cluster in allocations:
        return allocations[cluster]
    if requested:
        return requested
    prefix = 32 - max(size - 1, 1).bit_length()
    taken = [ipaddress.ip_network(cidr) for cidr in allocations.values()]
    for block in ipaddress.ip_network(cidr_range).subnets(new_prefix=prefix):
        if not any(block.overlaps(other) for other in taken):
            return str(block)
    raise ValueError(f"no free /{prefix} left in the Globalnet range {cidr_range}")


# ------------------------------------------------------------------------------------------------ broker
class BrokerController(c.Reconciler):
    """A broker namespace per ManagedClusterSet, with what section 3.4 of domain.md lists."""

    name = "submariner-addon-broker"

    def setup(self) -> None:
        self.watch_kinds(self.hub, {
            (self.spec.cluster_set_api_version, "ManagedClusterSet"),
            (c.ADDON_V1ALPHA1, "ClusterManagementAddOn"),
            (c.V1, "Namespace"),
        } | broker_kind(self.spec))

    def reconcile(self) -> None:
        if not addon_installed(self.hub):
            return
        sets = cluster_sets(self.hub, self.profile)
        for cluster_set in sets.values():
            if c.is_deleting(cluster_set):
                self._clean_up(cluster_set)
            else:
                self._ensure(cluster_set)
        if self.spec.broker_namespace_annotation is None:
            self._remove_orphans(sets)

    def _ensure(self, cluster_set: dict) -> None:
        namespace = c.broker_namespace_name(self.profile, cluster_set["metadata"]["name"])
        if self.spec.broker_namespace_annotation:
            cluster_set = self._mark_set(cluster_set, namespace)
        existing = self.hub.get(c.V1, "Namespace", namespace)
        if existing is not None and c.is_deleting(existing):
            return  # a previous set of that name is still being removed
        c.apply(self.hub, {"apiVersion": c.V1, "kind": "Namespace",
                           "metadata": {"name": namespace, "labels": {c.BROKER_NS_LABEL: "true"}}})
        c.apply(self.hub, {"apiVersion": c.RBAC_V1, "kind": "Role",
                           "metadata": {"name": c.BROKER_ROLE, "namespace": namespace}, "rules": BROKER_ROLE_RULES})
        if self.hub.get(c.V1, "Secret", c.PSK_SECRET, namespace) is None:
            self.hub.create({"apiVersion": c.V1, "kind": "Secret", "type": "Opaque",
                             "metadata": {"name": c.PSK_SECRET, "namespace": namespace},
                             "data": {"psk": random_b64(PSK_BYTES)}})
        if self.spec.broker_cr_required:
            self._sync_globalnet_info(namespace)

    def _mark_set(self, cluster_set: dict, namespace: str) -> dict:
        def change(obj):
            obj["metadata"].setdefault("annotations", {})[c.BROKER_NS_ANNOTATION] = namespace
            finalizers = obj["metadata"].setdefault("finalizers", [])
            if c.SET_CLEANUP_FINALIZER not in finalizers:
                finalizers.append(c.SET_CLEANUP_FINALIZER)
        written = self.mutate(self.hub, cluster_set["apiVersion"], "ManagedClusterSet", cluster_set["metadata"]["name"], None, change)
        return written or cluster_set

    def _sync_globalnet_info(self, namespace: str) -> None:
        broker = self.hub.get(c.SUBMARINER_OPERATOR_V1ALPHA1, "Broker", c.BROKER_NAME, namespace)
        if broker is None:
            return
        if c.labels_of(broker).get(c.BACKUP_LABEL) != "submariner":
            self.mutate(self.hub, c.SUBMARINER_OPERATOR_V1ALPHA1, "Broker", c.BROKER_NAME, namespace,
                        lambda obj: obj["metadata"].setdefault("labels", {}).update({c.BACKUP_LABEL: "submariner"}))
        globalnet = broker_globalnet(broker)
        current = self.hub.get(c.V1, "ConfigMap", c.GLOBALNET_CONFIGMAP, namespace)
        data = dict((current or {}).get("data") or {})
        data.update({
            "globalnetEnabled": "true" if globalnet["enabled"] else "false",
            "globalnetCidrRange": globalnet["range"],
            "globalnetClusterSize": str(globalnet["size"]),
        })
        data.setdefault("clusterInfo", "[]")
        c.apply(self.hub, {"apiVersion": c.V1, "kind": "ConfigMap",
                           "metadata": {"name": c.GLOBALNET_CONFIGMAP, "namespace": namespace,
                                        "labels": {c.BACKUP_LABEL: "submariner"}},
                           "data": data})

    def _clean_up(self, cluster_set: dict) -> None:
        namespace = broker_namespace_of(self.profile, cluster_set)
        c.delete_if_present(self.hub, c.V1, "Namespace", namespace)
        c.remove_finalizer(self.hub, cluster_set, c.SET_CLEANUP_FINALIZER)

    def _remove_orphans(self, sets: dict) -> None:
        """ACM 2.2 owned the namespace through the set: no set, no broker namespace."""
        for namespace in self.hub.list(c.V1, "Namespace", label_selector=f"{c.BROKER_NS_LABEL}=true"):
            name = namespace["metadata"]["name"]
            if not (name.startswith("submariner-clusterset-") and name.endswith("-broker")) or c.is_deleting(namespace):
                continue
            set_name = name[len("submariner-clusterset-"):-len("-broker")]
            if set_name not in sets:
                c.delete_if_present(self.hub, c.V1, "Namespace", name)


# ------------------------------------------------------------------------------------------------ joining
class HubAgentController(c.Reconciler):
    """Deploys Submariner to the clusters that joined (labels on 2.2, ManagedClusterAddOn on 2.12)."""

    name = "submariner-addon-hub-agent"

    def setup(self) -> None:
        self.watch_kinds(self.hub, {
            (c.MANAGED_CLUSTER_V1, "ManagedCluster"),
            (self.spec.cluster_set_api_version, "ManagedClusterSet"),
            (c.ADDON_V1ALPHA1, "ManagedClusterAddOn"),
            (c.ADDON_V1ALPHA1, "ClusterManagementAddOn"),
            (c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig"),
            (c.V1, "Namespace"),
            (c.V1, "Secret"),
            # Upstream queues the cluster on changes of its two ManifestWorks (NewSubmarinerAgentController).
            (c.WORK_V1, "ManifestWork"),
        } | broker_kind(self.spec))

    def reconcile(self) -> None:
        if not addon_installed(self.hub):
            return
        sets = cluster_sets(self.hub, self.profile)
        if self.spec.join_flow == "labels":
            for managed_cluster in self.hub.list(c.MANAGED_CLUSTER_V1, "ManagedCluster"):
                self._sync_labelled_cluster(managed_cluster, sets)
        else:
            for addon in self.hub.list(c.ADDON_V1ALPHA1, "ManagedClusterAddOn"):
                if addon["metadata"]["name"] == c.ADDON_NAME:
                    self._sync_addon(addon, sets)

    # ---------------------------------------------------------------- ACM 2.2: labels
    def _sync_labelled_cluster(self, managed_cluster: dict, sets: dict) -> None:
        cluster = managed_cluster["metadata"]["name"]
        labels = c.labels_of(managed_cluster)
        set_name = labels.get(c.CLUSTERSET_LABEL, "")
        cluster_set = sets.get(set_name)
        joined = (c.SUBMARINER_AGENT_LABEL in labels and cluster_set is not None
                  and not c.is_deleting(cluster_set) and not c.is_deleting(managed_cluster))
        if not joined:
            if c.AGENT_CLEANUP_FINALIZER in (managed_cluster["metadata"].get("finalizers") or []):
                self._undeploy(cluster, [c.OPERATOR_WORK])
                c.remove_finalizer(self.hub, managed_cluster, c.AGENT_CLEANUP_FINALIZER)
            return
        if self.hub.get(c.V1, "Namespace", cluster) is None:
            return
        c.add_finalizer(self.hub, managed_cluster, c.AGENT_CLEANUP_FINALIZER)
        namespace = broker_namespace_of(self.profile, cluster_set)
        if self.hub.get(c.V1, "Secret", c.PSK_SECRET, namespace) is None:
            return  # the broker controller has not prepared the namespace yet
        broker = self._broker_access(cluster, namespace, None, None)
        config = single_config(self.hub, cluster, self.profile)
        manifests = acm_manifests.operator_manifests(self.profile, config)
        manifests += acm_manifests.resource_manifests(self.profile, cluster, config, broker)
        c.apply(self.hub, acm_manifests.manifest_work(c.OPERATOR_WORK, cluster, manifests))

    # ---------------------------------------------------------------- ACM 2.12: ManagedClusterAddOn
    def _sync_addon(self, addon: dict, sets: dict) -> None:
        cluster = addon["metadata"]["namespace"]
        if c.is_deleting(addon):
            self._delete_addon(addon)
            return
        managed_cluster = self.hub.get(c.MANAGED_CLUSTER_V1, "ManagedCluster", cluster)
        if managed_cluster is None:
            return
        cluster_set = sets.get(c.labels_of(managed_cluster).get(c.CLUSTERSET_LABEL, ""))
        if cluster_set is None or c.is_deleting(cluster_set):
            return
        addon = c.add_finalizer(self.hub, addon, c.ADDON_CLEANUP_FINALIZER)
        namespace = broker_namespace_of(self.profile, cluster_set)
        broker = self.hub.get(c.SUBMARINER_OPERATOR_V1ALPHA1, "Broker", c.BROKER_NAME, namespace)
        if broker is None:
            message = f'Waiting for brokers.submariner.io object named "{c.BROKER_NAME}" to be created in "{namespace}" namespace'
            c.write_conditions(self.hub, addon, [("SubmarinerBrokerConfigApplied", "False", "BrokerConfigMissing", message)])
            return
        c.write_conditions(self.hub, addon, [("SubmarinerBrokerConfigApplied", "True", "BrokerConfigApplied",
                                              "Submariner Broker configuration was applied")])
        if self.hub.get(c.V1, "Secret", c.PSK_SECRET, namespace) is None:
            return
        config = self.hub.get(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig", c.CONFIG_NAME, cluster)
        access = self._broker_access(cluster, namespace, broker, config)
        c.apply(self.hub, acm_manifests.manifest_work(c.OPERATOR_WORK, cluster, acm_manifests.operator_manifests(self.profile, config)))
        c.apply(self.hub, acm_manifests.manifest_work(
            c.RESOURCE_WORK, cluster, acm_manifests.resource_manifests(self.profile, cluster, config, access)))

    def _delete_addon(self, addon: dict) -> None:
        """Upstream's ``cleanUpSubmarinerAgent``: the finalizer goes as soon as the resource ManifestWork is gone.

        stolostron/submariner-addon release-2.12 (same since release-2.6)
        pkg/hub/submarineragent/controller.go: delete ``submariner-resource`` and wait while it is being
        deleted; once it is gone, delete ``submariner-operator`` (without waiting), the broker RBAC, and
        remove the add-on finalizer. The hub never waits for the spoke's cloud clean-up; the
        ``addon_finalizer_waits_for_spoke`` lab option restores the old lab's kindness for the tests
        that pin it. Not emulated: upstream's 2-minute give-up on a ManifestWork stuck deleting.
        """
        cluster = addon["metadata"]["namespace"]
        work = self.hub.get(c.WORK_V1, "ManifestWork", c.RESOURCE_WORK, cluster)
        if work is not None:
            if not c.is_deleting(work):
                c.delete_if_present(self.hub, c.WORK_V1, "ManifestWork", c.RESOURCE_WORK, cluster)
            return  # the ManifestWork's own events bring the next pass
        if getattr(self.world.lab.options, "addon_finalizer_waits_for_spoke", False):
            config = self.hub.get(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig", c.CONFIG_NAME, cluster)
            if config is not None and not cloud_cleaned_up(config):
                return  # legacy lab kindness: wait until the spoke agent reported its clean-up
        self._undeploy(cluster, [c.OPERATOR_WORK])
        c.remove_finalizer(self.hub, addon, c.ADDON_CLEANUP_FINALIZER)

    # ---------------------------------------------------------------- shared
    def _broker_access(self, cluster: str, namespace: str, broker: dict | None, config: dict | None) -> dict:
        """Service account, role binding and token of ``cluster`` in the broker namespace; what the agent needs."""
        c.apply(self.hub, {"apiVersion": c.V1, "kind": "ServiceAccount",
                           "metadata": {"name": cluster, "namespace": namespace, "labels": {c.CLUSTER_SA_LABEL: cluster}}})
        c.apply(self.hub, {"apiVersion": c.RBAC_V1, "kind": "RoleBinding",
                           "metadata": {"name": f"{c.BROKER_ROLE}-{cluster}", "namespace": namespace},
                           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": c.BROKER_ROLE},
                           "subjects": [{"kind": "ServiceAccount", "name": cluster, "namespace": namespace}]})
        token = self._token_secret(cluster, namespace)
        psk = self.hub.get(c.V1, "Secret", c.PSK_SECRET, namespace)["data"]["psk"]
        access = {"namespace": namespace, "psk": psk, "token": token["data"]["token"], "ca": token["data"].get("ca.crt", ""),
                  "api_server": hub_api_server(self.world)}
        if broker is not None:
            access["global_cidr"] = self._global_cidr(cluster, namespace, broker, config)
        return access

    def _token_secret(self, cluster: str, namespace: str) -> dict:
        """``<cluster>-broker``: created by the addon since OCP 4.15; the lab also plays the token controller."""
        name = f"{cluster}-broker"
        existing = self.hub.get(c.V1, "Secret", name, namespace)
        if existing is not None:
            return existing
        return self.hub.create({
            "apiVersion": c.V1, "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": name, "namespace": namespace, "annotations": {"kubernetes.io/service-account.name": cluster}},
            "data": {"token": base64.b64encode(secrets.token_urlsafe(48).encode()).decode(),
                     "ca.crt": base64.b64encode(hub_ca(self.world).encode()).decode(),
                     "namespace": base64.b64encode(namespace.encode()).decode()},
        })

    def _global_cidr(self, cluster: str, namespace: str, broker: dict, config: dict | None) -> str:
        globalnet = broker_globalnet(broker)
        if not globalnet["enabled"]:
            return ""
        info = self.hub.get(c.V1, "ConfigMap", c.GLOBALNET_CONFIGMAP, namespace)
        if info is None:
            return ""
        entries = json.loads((info.get("data") or {}).get("clusterInfo") or "[]")
        allocations = {entry["clusterID"]: entry["globalCidr"][0] for entry in entries if entry.get("globalCidr")}
        requested = ((config or {}).get("spec") or {}).get("globalCIDR", "")
        cidr = allocate_global_cidr(allocations, cluster, globalnet["range"], globalnet["size"], requested)
        if cluster not in allocations:
            entries.append({"clusterID": cluster, "globalCidr": [cidr]})
            self.mutate(self.hub, c.V1, "ConfigMap", c.GLOBALNET_CONFIGMAP, namespace,
                        lambda obj: obj.setdefault("data", {}).update({"clusterInfo": json.dumps(entries)}))
        return cidr

    def _undeploy(self, cluster: str, works: list[str]) -> None:
        for work in works:
            c.delete_if_present(self.hub, c.WORK_V1, "ManifestWork", work, cluster)
        for namespace in self.hub.list(c.V1, "Namespace", label_selector=f"{c.BROKER_NS_LABEL}=true"):
            name = namespace["metadata"]["name"]
            if c.is_deleting(namespace):
                continue
            c.delete_if_present(self.hub, c.RBAC_V1, "RoleBinding", f"{c.BROKER_ROLE}-{cluster}", name)
            c.delete_if_present(self.hub, c.V1, "Secret", f"{cluster}-broker", name)
            c.delete_if_present(self.hub, c.V1, "ServiceAccount", cluster, name)


def single_config(hub, cluster: str, profile: str) -> dict | None:
    """The SubmarinerConfig the addon reads for ``cluster``.

    ACM 2.2 listed the namespace and used the only item (none when there were several); later
    versions read the one named ``submariner`` and ignore the others.
    """
    configs = hub.list(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig", namespace=cluster)
    accepted = [config for config in configs if profiles.get(profile).accepts_config_name(config["metadata"]["name"], len(configs))]
    return accepted[0] if accepted else None


def cloud_cleaned_up(config: dict) -> bool:
    condition = c.find_condition(config, "SubmarinerGatewaysLabeled")
    return bool(condition) and condition.get("reason") == "ManagedClusterAddOnDeleted"


def hub_api_server(world) -> str:
    """``host:port`` of the hub API server the spokes' Submariner uses as broker (no scheme, as the addon writes it)."""
    server_url = getattr(world.lab, "server_url", None)
    try:
        url = server_url(HUB_CONTEXT) if callable(server_url) else ""
    except (KeyError, AttributeError):
        url = ""  # servers not started yet (the world starts before them)
    return url.split("://", 1)[-1] if url else f"api.{HUB_CONTEXT}.lab.example.com:6443"


def hub_ca(world) -> str:
    """The PEM of the CA that signed the hub's serving certificate (empty when the lab has none)."""
    ca_file = getattr(world.lab, "ca_file", None)
    try:
        return pathlib.Path(ca_file).read_text(encoding="ascii") if ca_file else ""
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------------ config
class HubConfigController(c.Reconciler):
    """Status of SubmarinerConfigs on the hub; the ACM 2.2 hub also prepared AWS and cleaned it up."""

    name = "submariner-addon-hub-config"

    def setup(self) -> None:
        self._prepared: dict[tuple, int] = {}
        self.watch_kinds(self.hub, {
            (c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig"),
            (c.MANAGED_CLUSTER_V1, "ManagedCluster"),
            (c.ADDON_V1ALPHA1, "ClusterManagementAddOn"),
            (c.V1, "Secret"),
        })

    def reconcile(self) -> None:
        if not addon_installed(self.hub):
            return
        for config in self.hub.list(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig"):
            cluster = config["metadata"]["namespace"]
            accepted = single_config(self.hub, cluster, self.profile)
            if accepted is None or accepted["metadata"]["name"] != config["metadata"]["name"]:
                continue  # ignored: wrong name (2.12) or not alone in its namespace (2.2)
            managed_cluster = self.hub.get(c.MANAGED_CLUSTER_V1, "ManagedCluster", cluster)
            if managed_cluster is None:
                continue
            if self.spec.cloud_prepare_runs_on == "hub":
                self._sync_legacy(config, managed_cluster)
            else:
                self._sync_status(config, managed_cluster)

    def _sync_status(self, config: dict, managed_cluster: dict) -> dict:
        if c.is_deleting(config):
            return config
        info = cluster_info(managed_cluster, (config.get("status") or {}).get("managedClusterInfo"))
        return c.write_conditions(self.hub, config, [("SubmarinerConfigApplied", "True", "SubmarinerConfigApplied",
                                                      "SubmarinerConfig was applied")], {"managedClusterInfo": info})

    def _sync_legacy(self, config: dict, managed_cluster: dict) -> None:
        """ACM 2.2: the hub prepares AWS for the config and cleans up through its finalizer."""
        if c.is_deleting(config):
            if self.spec.cleanup_finalizer in (config["metadata"].get("finalizers") or []):
                error = acm_cloud.clean_up(self.world, self.profile, config, managed_cluster)
                if error is not None and acm_cloud.uses_cloud(config, managed_cluster, self.profile):
                    c.write_conditions(self.hub, config, [acm_cloud.prepared_condition(error)])
                    self.after(1, self.request)
                    return
                self._prepared.pop((config["metadata"]["namespace"], config["metadata"]["uid"]), None)
                c.remove_finalizer(self.hub, config, self.spec.cleanup_finalizer)
            return
        config = c.add_finalizer(self.hub, config, self.spec.cleanup_finalizer)
        config = self._sync_status(config, managed_cluster)
        key = (config["metadata"]["namespace"], config["metadata"]["uid"])
        generation = config["metadata"].get("generation", 1)
        if self._prepared.get(key) == generation or not acm_cloud.uses_cloud(config, managed_cluster, self.profile):
            return
        error = acm_cloud.prepare(self.world, self.profile, config, managed_cluster)
        if error is None:
            self._prepared[key] = generation
        c.write_conditions(self.hub, config, [acm_cloud.prepared_condition(error)])


def cluster_info(managed_cluster: dict, current: dict | None) -> dict:
    """``status.managedClusterInfo`` from the claims; ``networkType`` comes from the spoke."""
    claims = c.claims_of(managed_cluster)
    info = {
        "clusterName": managed_cluster["metadata"]["name"],
        "vendor": claims.get(c.CLAIM_PRODUCT, ""),
        "platform": claims.get(c.CLAIM_PLATFORM, ""),
        "region": claims.get(c.CLAIM_REGION, ""),
        "infraId": c.infra_id_of(managed_cluster),
        "vendorVersion": claims.get(c.CLAIM_VERSION, ""),
    }
    if (current or {}).get("networkType"):
        info["networkType"] = current["networkType"]
    return info

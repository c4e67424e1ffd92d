"""What runs for ACM on each managed cluster: the work agent and (ACM >= 2.3) the submariner-addon agent.

* :class:`WorkAgentController` (both profiles): applies the hub's ManifestWorks of a cluster
  namespace to that cluster and removes what they applied when they are deleted. OLM is not
  simulated as an API; a ``Subscription`` to ``submariner`` installs the operator Deployment.
* :class:`AddonAgentController` (ACM 2.12 profile): the addon framework (agent Deployment,
  ``Available``) and the addon agent's controllers (domain.md 1.4, 2.1, 2.6, 2.7, 4.3): cloud
  prepare on the spoke, gateway node labels, SubmarinerConfig and ManagedClusterAddOn conditions,
  and the clean-up when the ManagedClusterAddOn is deleted while the SubmarinerConfig exists.
"""

from __future__ import annotations

import copy

from tests.lab.apiserver.errors import ApiError
from tests.lab.controllers import acm_common as c
from tests.lab.controllers import acm_cloud
from tests.lab.controllers.base import Controller, group_of

OLM_GROUP = "operators.coreos.com"
ADDON_AGENT_DEPLOYMENT = "submariner-addon"
OPERATOR_DEPLOYMENT = "submariner-operator"
ORPHAN_ANNOTATION = "addon.open-cluster-management.io/deletion-orphan"


def build(world) -> list:
    controllers = [WorkAgentController(world)]
    if c.profile_of(world.lab) == c.PROFILE_212:
        controllers.append(AddonAgentController(world))
    return controllers


def deployment(name: str, namespace: str, replicas: int = 1, labels: dict | None = None) -> dict:
    selector = {"app": name}
    return {
        "apiVersion": c.APPS_V1, "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {}, app=name)},
        "spec": {"replicas": replicas, "selector": {"matchLabels": selector},
                 "template": {"metadata": {"labels": selector},
                              "spec": {"containers": [{"name": name, "image": f"registry.redhat.io/rhacm2/{name}:lab"}]}}},
    }


def mark_available(store, obj: dict, available: bool = True) -> None:
    """Play the Deployment controller: all replicas available, or (while pods start) none yet."""
    replicas = obj["spec"].get("replicas", 1)
    ready = replicas if available else 0
    wanted = {"observedGeneration": obj["metadata"].get("generation", 1), "replicas": replicas, "readyReplicas": ready,
              "availableReplicas": ready, "updatedReplicas": replicas}
    current = obj.get("status") or {}
    if all(current.get(key) == value for key, value in wanted.items()) and current.get("conditions"):
        return
    if available:
        condition = {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."}
    else:
        condition = {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                     "message": "Deployment does not have minimum availability."}
    wanted["conditions"] = [dict(condition, lastUpdateTime=c.now(), lastTransitionTime=c.now())]
    updated = copy.deepcopy(obj)
    updated["status"] = wanted
    store.update_status(updated)


def ensure_deployment(store, name: str, namespace: str, available: bool = True) -> None:
    obj = c.apply(store, deployment(name, namespace))
    mark_available(store, obj, available)


# ------------------------------------------------------------------------------------------------ work agent
class WorkAgentController(c.Reconciler):
    """The klusterlet work agent of every spoke, for the ManifestWorks in its cluster namespace."""

    name = "work-agent"

    def setup(self) -> None:
        self.watch_kinds(self.hub, {(c.WORK_V1, "ManifestWork")})

    def reconcile(self) -> None:
        for work in self.hub.list(c.WORK_V1, "ManifestWork"):
            spoke = c.spoke_of(self.world, work["metadata"]["namespace"])
            if spoke is None:
                continue
            if c.is_deleting(work):
                self._remove(spoke, work)
            else:
                self._apply(spoke, work)

    def _apply(self, spoke, work: dict) -> None:
        work = c.add_finalizer(self.hub, work, c.WORK_CLEANUP_FINALIZER)
        previous = ((work.get("status") or {}).get("resourceStatus") or {}).get("manifests") or []
        statuses = []
        for ordinal, manifest in enumerate(manifests_of(work)):
            statuses.append(keep_transition_time(self._apply_manifest(spoke, ordinal, manifest), previous))
        applied = all(status["conditions"][0]["status"] == "True" for status in statuses)
        message = "Apply manifest work complete" if applied else "Failed to apply manifest work"
        c.write_conditions(self.hub, work, [
            ("Applied", "True" if applied else "False", "AppliedManifestWorkComplete" if applied else "AppliedManifestWorkFailed", message),
            ("Available", "True" if applied else "False", "ResourcesAvailable" if applied else "ResourcesNotAvailable",
             "All resources are available" if applied else "One or more resources are not available"),
        ], {"resourceStatus": {"manifests": statuses}})

    def _apply_manifest(self, spoke, ordinal: int, manifest: dict) -> dict:
        meta = manifest["metadata"]
        api_version = manifest["apiVersion"]
        resource_meta = {"ordinal": ordinal, "group": group_of(api_version), "version": api_version.rpartition("/")[2],
                         "kind": manifest["kind"], "name": meta["name"], "namespace": meta.get("namespace", "")}
        try:
            if group_of(api_version) == OLM_GROUP:
                self._play_olm(spoke, manifest)
            else:
                c.apply(spoke, manifest)
            condition = {"type": "Applied", "status": "True", "reason": "AppliedManifestComplete", "message": "Apply manifest complete"}
        except ApiError as error:
            condition = {"type": "Applied", "status": "False", "reason": "AppliedManifestFailed", "message": error.message}
        condition["lastTransitionTime"] = c.now()
        return {"resourceMeta": resource_meta, "conditions": [condition]}

    @staticmethod
    def _play_olm(spoke, manifest: dict) -> None:
        """OLM: a Subscription to the ``submariner`` package ends in the running operator Deployment."""
        if manifest["kind"] == "Subscription" and manifest.get("spec", {}).get("name") == "submariner":
            ensure_deployment(spoke, OPERATOR_DEPLOYMENT, manifest["metadata"]["namespace"])

    def _remove(self, spoke, work: dict) -> None:
        """Delete what the work applied; its finalizer goes only once all of it is gone (finalizers included).

        open-cluster-management-io/ocm pkg/work/spoke/controllers/finalizercontroller
        (appliedmanifestwork_finalize_controller.go requeues while resources are pending finalization;
        manifestwork_finalize_controller.go removes the ManifestWork finalizer after that).
        """
        pending = []
        for manifest in reversed(manifests_of(work)):
            meta = manifest["metadata"]
            if manifest["kind"] == "Namespace" and c.annotations_of(manifest).get(ORPHAN_ANNOTATION) == "true":
                continue
            if group_of(manifest["apiVersion"]) == OLM_GROUP:
                if manifest["kind"] == "Subscription":
                    c.delete_if_present(spoke, c.APPS_V1, "Deployment", OPERATOR_DEPLOYMENT, meta["namespace"])
                continue
            try:
                gone = c.delete_if_present(spoke, manifest["apiVersion"], manifest["kind"], meta["name"], meta.get("namespace"))
            except ApiError as error:
                if error.code != 404:
                    raise
                gone = True
            if not gone:
                pending.append(manifest)
        if pending:
            self.after(1, self.request)
            return
        c.remove_finalizer(self.hub, work, c.WORK_CLEANUP_FINALIZER)


def keep_transition_time(status: dict, previous: list[dict]) -> dict:
    """Keep a manifest condition's lastTransitionTime while its status does not change (no rewrite every pass)."""
    for old in previous:
        if old.get("resourceMeta") != status["resourceMeta"]:
            continue
        old_condition = (old.get("conditions") or [{}])[0]
        if old_condition.get("status") == status["conditions"][0]["status"]:
            status["conditions"][0]["lastTransitionTime"] = old_condition.get("lastTransitionTime", status["conditions"][0]["lastTransitionTime"])
    return status


def manifests_of(work: dict) -> list[dict]:
    return ((work.get("spec") or {}).get("workload") or {}).get("manifests") or []


# ------------------------------------------------------------------------------------------------ addon agent
class AddonAgentController(c.Reconciler):
    """The submariner-addon agent of every spoke whose cluster namespace holds the ``submariner`` addon."""

    name = "submariner-addon-agent"

    def setup(self) -> None:
        self.watch_kinds(self.hub, {
            (c.ADDON_V1ALPHA1, "ManagedClusterAddOn"),
            (c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig"),
            (c.MANAGED_CLUSTER_V1, "ManagedCluster"),
            (c.V1, "Secret"),
        })
        # The agent's add-on lister (addOnLister, an informer cache): it learns of the add-on's removal in
        # event order, so a Submariner CR deletion queued before that removal still finds the add-on deleting.
        self._addon_lister: dict[str, dict] = {}
        self.watch(self.hub, self._on_addon_event, kinds={(c.ADDON_V1ALPHA1, "ManagedClusterAddOn")})
        for spoke in self.world.spokes.values():
            self.watch(spoke, self._on_submariner_event, kinds={(c.SUBMARINER_OPERATOR_V1ALPHA1, "Submariner")})
            self.watch_kinds(spoke, {
                (c.V1, "Node"),
                (c.SUBMARINER_OPERATOR_V1ALPHA1, "Submariner"),
                (c.SUBMARINER_V1, "Gateway"),
                (c.APPS_V1, "Deployment"),
                (c.APPS_V1, "DaemonSet"),
                (c.NETWORK_CONFIG_V1, "Network"),
            })
        self._prepared: dict[tuple, int] = {}
        self._agents: set[str] = set()
        self._cleaning: set[tuple] = set()

    def reconcile(self) -> None:
        present = set()
        for addon in self.hub.list(c.ADDON_V1ALPHA1, "ManagedClusterAddOn"):
            if addon["metadata"]["name"] != c.ADDON_NAME:
                continue
            cluster = addon["metadata"]["namespace"]
            spoke = c.spoke_of(self.world, cluster)
            managed_cluster = self.hub.get(c.MANAGED_CLUSTER_V1, "ManagedCluster", cluster)
            if spoke is None or managed_cluster is None:
                continue
            present.add(cluster)
            self._agent_pass(cluster, spoke, addon, managed_cluster)
        for cluster in sorted(self._agents - present):
            # The addon framework removes its agent once the ManagedClusterAddOn is gone.
            c.delete_if_present(c.spoke_of(self.world, cluster), c.APPS_V1, "Deployment", ADDON_AGENT_DEPLOYMENT, c.INSTALL_NAMESPACE)
            self._agents.discard(cluster)

    def _on_addon_event(self, _store, event_type: str, addon: dict) -> None:
        if addon["metadata"]["name"] != c.ADDON_NAME:
            return
        if event_type == "DELETED":
            self._addon_lister.pop(addon["metadata"]["namespace"], None)
        else:
            self._addon_lister[addon["metadata"]["namespace"]] = addon

    def _on_submariner_event(self, store, event_type: str, _obj: dict) -> None:
        """The agent's Submariner informer queues its own cluster's sync at once, and the sync reads the add-on
        from its lister, not from the hub.

        stolostron/submariner-addon release-2.12 (35ede4a) pkg/spoke/submarineragent/config_controller.go:
        ``sync`` gets the add-on with ``c.addOnLister...Get`` and checks the CR with ``isSubmarinerCRPresent``
        (a lister too). The hub removes the add-on finalizer only after the ManifestWork is gone, i.e. after
        the CR deletion, so the agent's cache still holds the deleting add-on when it handles that deletion.
        A live GET here would let a hub pass queued before the deletion (the lab's one reactor runs both)
        take the add-on away first, and the agent would never clean the cloud.
        """
        if event_type != "DELETED":
            return
        for cluster, addon in sorted(self._addon_lister.items()):
            if not c.is_deleting(addon) or c.spoke_of(self.world, cluster) is not store:
                continue
            managed_cluster = self.hub.get(c.MANAGED_CLUSTER_V1, "ManagedCluster", cluster)
            if managed_cluster is not None:
                self._agent_pass(cluster, store, addon, managed_cluster)

    def _agent_pass(self, cluster: str, spoke, addon: dict, managed_cluster: dict) -> None:
        """One spoke's agent. Each spoke runs its own agent upstream, so a conflict on one cluster retries that
        cluster later and never holds back another's pass (which could miss its add-on's deletion window)."""
        try:
            if c.is_deleting(addon):
                self._on_addon_deleted(spoke, addon, managed_cluster)
            elif c.ADDON_CLEANUP_FINALIZER in (addon["metadata"].get("finalizers") or []):
                self._agents.add(cluster)
                self._sync(spoke, addon, managed_cluster)
        except ApiError as error:
            if error.code not in (404, 409):
                raise
            self.after(1, self.request)

    # ---------------------------------------------------------------- normal operation
    def _sync(self, spoke, addon: dict, managed_cluster: dict) -> None:
        c.apply(spoke, {"apiVersion": c.V1, "kind": "Namespace", "metadata": {"name": c.INSTALL_NAMESPACE}})
        ensure_deployment(spoke, ADDON_AGENT_DEPLOYMENT, c.INSTALL_NAMESPACE)
        updates = [("Available", "True", "ManagedClusterAddOnLeaseUpdated", "submariner add-on is available.")]
        config = self.hub.get(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig", c.CONFIG_NAME, addon["metadata"]["namespace"])
        network_type = acm_cloud.spoke_network_type(self.world, managed_cluster["metadata"]["name"])
        if network_type.lower() == "ovnkubernetes" and c.ocp_version_of(managed_cluster) < c.OCP_VERSION_FOR_OVNK:
            updates.append(("SubmarinerGatewayNodesLabeled", "False", "UnsupportedOCPVersion",
                            "The OCP version is not supported by Submariner when the network type is OVNKubernetes: "
                            "OpenShift 4.11 or later is required"))
            c.write_conditions(self.hub, addon, updates)
            return
        if config is not None and not c.is_deleting(config):
            self._sync_config(spoke, config, managed_cluster, network_type)
        gateways = label_gateway_nodes(spoke, c.config_ports(config)["natt"])
        updates.append(gateway_nodes_condition(gateways))
        updates.append(agent_condition(spoke))
        updates.extend(connection_conditions(spoke, addon["metadata"]["namespace"], network_type))
        c.write_conditions(self.hub, addon, updates)

    def _sync_config(self, spoke, config: dict, managed_cluster: dict, network_type: str) -> None:
        info = dict((config.get("status") or {}).get("managedClusterInfo") or {})
        if network_type:
            info["networkType"] = network_type
        updates = []
        desired = c.desired_gateways(config)
        if acm_cloud.uses_cloud(config, managed_cluster):
            updates.extend(self._prepare_cloud(config, managed_cluster))
        elif desired >= 1:
            label_workers_as_gateways(spoke, desired)
        updates.append(gateways_labeled_condition(spoke, desired))
        c.write_conditions(self.hub, config, updates, {"managedClusterInfo": info} if info else None)

    def _prepare_cloud(self, config: dict, managed_cluster: dict) -> list[tuple]:
        """Cloud prepare once per SubmarinerConfig generation; failures are retried on the next event."""
        key = (config["metadata"]["namespace"], config["metadata"]["uid"])
        generation = config["metadata"].get("generation", 1)
        if self._prepared.get(key) == generation:
            return []
        error = acm_cloud.prepare(self.world, self.profile, config, managed_cluster)
        if error is None:
            self._prepared[key] = generation
        return [acm_cloud.prepared_condition(error)]

    # ---------------------------------------------------------------- uninstall
    def _on_addon_deleted(self, spoke, addon: dict, managed_cluster: dict) -> None:
        """ACM >= 2.8: clean the cloud once the Submariner CR is gone, only if the SubmarinerConfig still exists.

        stolostron/submariner-addon release-2.12 pkg/spoke/submarineragent/config_controller.go
        (sync, "TODO: add finalizer"): nothing while the add-on is not deleting or the config is
        missing; wait for the Submariner CR to be gone (release-2.10 on); then clean up and write
        SubmarinerGatewaysLabeled False/ManagedClusterAddOnDeleted, or False/Failure with the error.
        """
        config = self.hub.get(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig", c.CONFIG_NAME, addon["metadata"]["namespace"])
        if config is None:
            return  # config_controller's sync returns early: nothing is cleaned (the >= 2.8 trap)
        if not ((config.get("status") or {}).get("managedClusterInfo") or {}).get("platform"):
            return  # sync returns early without managed cluster info
        if spoke.get(c.SUBMARINER_OPERATOR_V1ALPHA1, "Submariner", c.SUBMARINER_CR, c.INSTALL_NAMESPACE) is not None:
            return
        if cloud_cleanup_reported(config) or _config_key(config) in self._cleaning:
            return
        if acm_cloud.uses_cloud(config, managed_cluster):
            self._clean_cloud(config, managed_cluster, 0)
            return
        unlabel_random_gateways(spoke)
        self._report_cleanup(config, None)

    def _clean_cloud(self, config: dict, managed_cluster: dict, attempt: int) -> None:
        """One sync's ``CleanUpSubmarinerClusterEnv``: it holds the config it read, whatever happens on the hub meanwhile.

        submariner-io/cloud-prepare pkg/aws/securitygroups.go (deleteGatewaySG) retries the gateway
        SG's deletion inline while the terminating gateway instances still use it (DependencyViolation,
        30 backoff steps); the lab takes one step per retry. Any other error ends the sync: the next
        sync re-reads the add-on and the config, and does nothing once either is gone.
        """
        key = _config_key(config)
        error = acm_cloud.clean_up(self.world, self.profile, config, managed_cluster)
        if error is not None and "DependencyViolation" in error and attempt < SG_DELETE_RETRIES:
            self._cleaning.add(key)
            self.after(1, self._clean_cloud, config, managed_cluster, attempt + 1)
            return
        self._cleaning.discard(key)
        if error is None:
            self._prepared.pop(key, None)
        self._report_cleanup(config, error)
        if error is not None:
            self.after(1, self.request)

    def _report_cleanup(self, config: dict, error: str | None) -> None:
        """``updateSubmarinerConfigStatus``: retried on conflict (pkg/apis/submarinerconfig/update_status.go,
        RetryOnConflict); dropped when the config is gone meanwhile."""
        if error is None:
            condition = ("SubmarinerGatewaysLabeled", "False", "ManagedClusterAddOnDeleted", "There are no nodes labeled as gateways")
        else:
            condition = ("SubmarinerGatewaysLabeled", "False", "Failure", f"failed to clean up the submariner cluster environment: {error}")
        for _attempt in range(STATUS_CONFLICT_RETRIES):
            current = self.hub.get(c.SUBMARINER_CONFIG_V1ALPHA1, "SubmarinerConfig", config["metadata"]["name"], config["metadata"]["namespace"])
            if current is None or current["metadata"]["uid"] != config["metadata"]["uid"]:
                return
            try:
                c.write_conditions(self.hub, current, [condition])
                return
            except ApiError as conflict:
                if conflict.code != 409:
                    raise
        raise ApiError(409, "Conflict", f"SubmarinerConfig {config['metadata']['namespace']}/{config['metadata']['name']} kept changing")


SG_DELETE_RETRIES = 30
STATUS_CONFLICT_RETRIES = 5  # retry.DefaultBackoff's steps


def _config_key(config: dict) -> tuple:
    return (config["metadata"]["namespace"], config["metadata"]["uid"])


def cloud_cleanup_reported(config: dict) -> bool:
    """The spoke agent's word that it cleaned up for a deleted add-on (what uninstall waits for)."""
    condition = c.find_condition(config, "SubmarinerGatewaysLabeled")
    return bool(condition) and condition.get("reason") == "ManagedClusterAddOnDeleted"


# ------------------------------------------------------------------------------------------------ nodes
def gateway_nodes(spoke) -> list[dict]:
    return sorted(spoke.list(c.V1, "Node", label_selector=f"{c.GATEWAY_LABEL}=true"), key=lambda node: node["metadata"]["name"])


def label_gateway_nodes(spoke, natt_port: int) -> list[str]:
    """Put ``gateway.submariner.io/udp-port`` on every gateway node; their names."""
    names = []
    for node in gateway_nodes(spoke):
        names.append(node["metadata"]["name"])
        if c.labels_of(node).get(c.GATEWAY_UDP_PORT_LABEL) != str(natt_port):
            Controller.mutate(spoke, c.V1, "Node", node["metadata"]["name"], None,
                              lambda obj: obj["metadata"].setdefault("labels", {}).update({c.GATEWAY_UDP_PORT_LABEL: str(natt_port)}))
    return names


def label_workers_as_gateways(spoke, desired: int) -> None:
    """No cloud provider: label ``desired`` existing workers, one per zone first (``findGatewaysWithZone``)."""
    missing = desired - len(gateway_nodes(spoke))
    if missing <= 0:
        return
    candidates = [node for node in spoke.list(c.V1, "Node", label_selector=c.WORKER_ROLE_LABEL)
                  if c.labels_of(node).get(c.GATEWAY_LABEL) != "true"]
    zones_used = {c.labels_of(node).get(c.ZONE_LABEL) for node in gateway_nodes(spoke)}
    candidates.sort(key=lambda node: (c.labels_of(node).get(c.ZONE_LABEL) in zones_used, node["metadata"]["name"]))
    for node in candidates[:missing]:
        def change(obj):
            obj["metadata"].setdefault("labels", {})[c.GATEWAY_LABEL] = "true"
            obj["metadata"].setdefault("annotations", {})[c.RANDOM_GATEWAY_ANNOTATION] = "true"
        Controller.mutate(spoke, c.V1, "Node", node["metadata"]["name"], None, change)


def unlabel_random_gateways(spoke) -> None:
    """Undo :func:`label_workers_as_gateways`; nodes the user labelled keep their label (PR #965)."""
    for node in gateway_nodes(spoke):
        if c.annotations_of(node).get(c.RANDOM_GATEWAY_ANNOTATION) != "true":
            continue

        def change(obj):
            obj["metadata"]["labels"].pop(c.GATEWAY_LABEL, None)
            obj["metadata"]["labels"].pop(c.GATEWAY_UDP_PORT_LABEL, None)
            obj["metadata"]["annotations"].pop(c.RANDOM_GATEWAY_ANNOTATION, None)
        Controller.mutate(spoke, c.V1, "Node", node["metadata"]["name"], None, change)


# ------------------------------------------------------------------------------------------------ conditions
def go_quote(text: str) -> str:
    """Go's ``%q`` of a plain string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gateways_labeled_condition(spoke, desired: int) -> tuple:
    """SubmarinerConfig ``SubmarinerGatewaysLabeled`` (domain.md 1.4)."""
    if desired < 1:
        return ("SubmarinerGatewaysLabeled", "False", "InvalidInput", "the count of gateways is less than 1")
    names = [node["metadata"]["name"] for node in gateway_nodes(spoke)]
    joined = ",".join(names)
    if len(names) < desired:
        return ("SubmarinerGatewaysLabeled", "False", "InsufficientNodes",
                f"The {len(names)} worker nodes labeled as gateways ({go_quote(joined)}) does not match the desired number {desired}")
    return ("SubmarinerGatewaysLabeled", "True", "Success", f"{len(names)} node(s) ({go_quote(joined)}) are labeled as gateways")


def gateway_nodes_condition(names: list[str]) -> tuple:
    """ManagedClusterAddOn ``SubmarinerGatewayNodesLabeled`` (domain.md 4.3)."""
    if not names:
        return ("SubmarinerGatewayNodesLabeled", "False", "SubmarinerGatewayNodesUnlabeled",
                f'There are no nodes with label "{c.GATEWAY_LABEL}"')
    return ("SubmarinerGatewayNodesLabeled", "True", "SubmarinerGatewayNodesLabeled",
            f'The nodes "{",".join(names)}" are labeled with "{c.GATEWAY_LABEL}"')


AGENT_DEPLOYMENTS = (
    ("submariner-operator", "NoOperatorDeployment", "NoOperatorAvailable"),
    ("submariner-lighthouse-agent", "NoLighthouseAgentDeployment", "NoLighthouseAgentAvailable"),
    ("submariner-lighthouse-coredns", "NoLighthouseCoreDNSDeployment", "NoLighthouseCoreDNSAvailable"),
)


def agent_condition(spoke) -> tuple:
    """ManagedClusterAddOn ``SubmarinerAgentDegraded``: False/SubmarinerAgentDeployed when everything runs."""
    reasons = []
    for name, missing, unavailable in AGENT_DEPLOYMENTS:
        found = spoke.get(c.APPS_V1, "Deployment", name, c.INSTALL_NAMESPACE)
        if found is None:
            reasons.append(missing)
        elif not (found.get("status") or {}).get("availableReplicas"):
            reasons.append(unavailable)
    gateway = spoke.get(c.APPS_V1, "DaemonSet", "submariner-gateway", c.INSTALL_NAMESPACE)
    if gateway is None:
        reasons.append("NoGatewayDaemonSet")
    elif not (gateway.get("status") or {}).get("desiredNumberScheduled"):
        reasons.append("NoScheduledGateways")
    elif (gateway["status"].get("numberAvailable") or 0) < gateway["status"]["desiredNumberScheduled"]:
        reasons.append("GatewaysUnavailable")
    route_agent = spoke.get(c.APPS_V1, "DaemonSet", "submariner-routeagent", c.INSTALL_NAMESPACE)
    if route_agent is None:
        reasons.append("NoRouteAgentDaemonSet")
    elif (route_agent.get("status") or {}).get("numberAvailable", 0) < (route_agent.get("status") or {}).get("desiredNumberScheduled", 1):
        reasons.append("RouteAgentsUnavailable")
    if reasons:
        return ("SubmarinerAgentDegraded", "True", ",".join(reasons), "Submariner agent is degraded: " + ", ".join(reasons))
    return ("SubmarinerAgentDegraded", "False", "SubmarinerAgentDeployed",
            f"Submariner ({c.SUBMARINER_CSV[c.PROFILE_212]}) is deployed on managed cluster.")


def connection_conditions(spoke, cluster: str, network_type: str) -> list[tuple]:
    """``SubmarinerConnectionDegraded`` and ``RouteAgentConnectionDegraded`` from the Gateway objects."""
    connections = []
    for gateway in spoke.list(c.SUBMARINER_V1, "Gateway", namespace=c.INSTALL_NAMESPACE):
        status = gateway.get("status") or {}
        if status.get("haStatus") == "active":
            connections.extend(status.get("connections") or [])
    if not connections:
        return [("SubmarinerConnectionDegraded", "True", "ConnectionsNotEstablished", "There are no connections on gateways"),
                ("RouteAgentConnectionDegraded", "True", "ConnectionsNotEstablished", "There are no connections on gateways")]
    broken = [conn for conn in connections if conn.get("status") != "connected"]
    remote = ", ".join(go_quote(conn["endpoint"]["cluster_id"]) for conn in (broken or connections))
    if broken:
        gateway_condition = ("SubmarinerConnectionDegraded", "True", "ConnectionsDegraded",
                             f"The connection between clusters {go_quote(cluster)} and {remote} is not established "
                             f"(status={broken[0].get('status')}): {broken[0].get('statusMessage', '')}")
    else:
        gateway_condition = ("SubmarinerConnectionDegraded", "False", "ConnectionsEstablished",
                             f"The connection between clusters {go_quote(cluster)} and {remote} is established")
    return [gateway_condition, route_agent_condition(spoke, bool(broken), network_type)]


def route_agent_condition(spoke, gateways_broken: bool, network_type: str) -> tuple:
    route_agent = spoke.get(c.APPS_V1, "DaemonSet", "submariner-routeagent", c.INSTALL_NAMESPACE)
    annotations = c.annotations_of(route_agent or {})
    problem = annotations.get("lab.submariner.io/route-agent-problem", "")
    if gateways_broken or problem:
        return ("RouteAgentConnectionDegraded", "True", "ConnectionsDegraded",
                problem or "The route agents cannot reach the remote clusters: the gateway connections are not established")
    del network_type
    return ("RouteAgentConnectionDegraded", "False", "ConnectionsEstablished", "All route agent connections are established")

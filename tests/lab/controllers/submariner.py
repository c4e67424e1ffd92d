"""Submariner on the managed clusters: the operator and the gateway engine (both profiles).

* The operator turns the ``Submariner`` CR into its Deployments and DaemonSets and fills the CR's
  status (CIDRs from ``networks.config.openshift.io/cluster`` spec, as Submariner's discovery reads).
* The gateway engine writes one ``submariner.io/v1`` Gateway per gateway node (the first one
  ``active``) whose ``status.connections[]`` reach every other cluster joined to the same broker
  namespace, and publishes the cluster's ``Cluster`` and ``Endpoint`` in that namespace on the hub.

A connection is ``connected`` only when what the tunnel needs is really open in EC2 on both sides
(read from moto: UDP NAT-T, plus UDP IKE where the profile's IPsec still used it, plus ESP when NAT
is off; all from ``0.0.0.0/0``) and the clusters' CIDRs do not overlap, unless Globalnet gives both
clusters a global CIDR. An overlap gives ``error``, closed ports give ``connecting`` with the
message an IKE timeout leaves. EC2 is polled on a slow tick and on every relevant store event.

The gateway runs the cable driver and NAT-T port of the Submariner CR. The operator passes them to the gateway
DaemonSet's pod template (env ``SUBMARINER_CABLEDRIVER`` and ``CE_IPSEC_NATTPORT``, submariner-io/submariner-operator
``controllers/submariner/gateway_resources.go``, devel 393ed877), so a change rolls the gateway pods: the cluster's
tunnels drop, and its peers lose their connection to it, until the new pod published its endpoint one step later.
The active gateway stays active while its node lives (leader election); when its node goes, another gateway takes
over and the cluster's tunnels are dialled again.
A cable driver the profile's Submariner lacks makes the gateway exit at start (``unsupported cable type``,
``pkg/cable/driver.go``): it never runs, and its Gateway objects keep what the last pod wrote. Nothing compares two
clusters' drivers (``pkg/cableengine/cableengine.go`` ``InstallCable`` hands the remote endpoint to the local driver):
a libreswan gateway stays ``connecting`` to a remote of another driver (``refreshConnectionStatus``, no SA), a
wireguard one has no connection at all (``endpoint is missing public key``), and a vxlan one fails its health check.
"""

from __future__ import annotations

import copy
import hashlib

from tests.lab import profiles
from tests.lab.apiserver.errors import ApiError
from tests.lab.controllers import acm_common as c
from tests.lab.controllers import acm_spoke

POLL_SECONDS = 0.5
OPEN_WORLD = "0.0.0.0/0"
ESP_PROTOCOL = "50"
ROUTE_AGENT_PROBLEM_ANNOTATION = "lab.submariner.io/route-agent-problem"
ENDPOINT_CLUSTER_LABEL = "submariner-io/clusterID"
DAEMONSETS = ("submariner-gateway", "submariner-routeagent", "submariner-metrics-proxy")
DEPLOYMENTS = ("submariner-lighthouse-agent", "submariner-lighthouse-coredns")


def build(world) -> list:
    return [SubmarinerController(world)]


class Member:
    """One cluster running Submariner, as the gateway engine sees it."""

    def __init__(self, cluster: str, spoke, submariner: dict, network: dict | None):
        self.cluster = cluster
        self.spoke = spoke
        self.submariner = submariner
        spec = submariner["spec"]
        self.broker_namespace = spec.get("brokerK8sRemoteNamespace", "")
        self.cluster_cidrs, self.service_cidrs = c.network_cidrs(network)
        self.network_plugin = ((network or {}).get("spec") or {}).get("networkType", "")
        self.global_cidr = spec.get("globalCIDR") or ""
        self.nat_enabled = bool(spec.get("natEnabled", True))
        self.natt_port = int(spec.get("ceIPSecNATTPort") or c.DEFAULT_NATT_PORT)
        self.ike_port = int(spec.get("ceIPSecIKEPort") or c.DEFAULT_IKE_PORT)
        self.cable_driver = (spec.get("cableDriver") or c.DEFAULT_CABLE_DRIVER).lower()
        self.gateways = acm_spoke.gateway_nodes(spoke)
        self.instances: dict[str, dict] = {}      # node name -> EC2 instance (when found)

    @property
    def gateway_config(self) -> tuple:
        """What the gateway pods run with: a change rolls them."""
        return (self.cable_driver, self.natt_port)

    @property
    def active_gateway(self) -> dict | None:
        return self.gateways[0] if self.gateways else None

    @property
    def subnets(self) -> list[str]:
        return [self.global_cidr] if self.global_cidr else self.cluster_cidrs + self.service_cidrs

    def instance_of(self, node: dict | None) -> dict | None:
        return self.instances.get(node["metadata"]["name"]) if node else None

    def endpoint(self, node: dict) -> dict:
        """``status.localEndpoint`` of a gateway node (also the spec of its broker Endpoint)."""
        private_ip, public_ip = node_ips(node, self.instance_of(node))
        return {
            "cluster_id": self.cluster,
            "cable_name": f"submariner-cable-{self.cluster}-{private_ip.replace('.', '-')}",
            "hostname": node["metadata"]["name"],
            "private_ip": private_ip,
            "public_ip": public_ip,
            "nat_enabled": self.nat_enabled,
            "subnets": self.subnets,
            "backend": self.cable_driver,
            "backend_config": {"natt-discovery-port": "4490", "preferred-server": "false", "udp-port": str(self.natt_port)},
            "healthCheckIP": private_ip,
        }


def node_ips(node: dict, instance: dict | None) -> tuple[str, str]:
    """(private IP, public IP) of a node: from its EC2 instance, else from its addresses."""
    if instance:
        return instance.get("PrivateIpAddress", ""), instance.get("PublicIpAddress", "")
    addresses = {entry.get("type"): entry.get("address") for entry in (node.get("status") or {}).get("addresses") or []}
    return addresses.get("InternalIP", ""), addresses.get("ExternalIP", "")


def instance_id_of(node: dict) -> str:
    """``aws:///<az>/<instance-id>`` → the instance id."""
    provider_id = (node.get("spec") or {}).get("providerID", "")
    return provider_id.rsplit("/", 1)[-1] if provider_id.startswith("aws://") else ""


def security_group_ids(instance: dict) -> list[str]:
    """The instance's SGs, from the instance and its network interfaces (an ENI launch lists them only there)."""
    ids = [group["GroupId"] for group in instance.get("SecurityGroups") or []]
    for interface in instance.get("NetworkInterfaces") or []:
        ids.extend(group["GroupId"] for group in interface.get("Groups") or [])
    return sorted(set(ids))


def region_of(node: dict) -> str:
    provider_id = (node.get("spec") or {}).get("providerID", "")
    parts = provider_id.split("/")
    return parts[-2][:-1] if provider_id.startswith("aws://") and len(parts) >= 2 and parts[-2] else ""


def allows(groups: list[dict], protocol: str, port: int) -> bool:
    """Whether any of the SGs lets ``protocol``/``port`` in from anywhere."""
    for group in groups:
        for permission in group.get("IpPermissions") or []:
            if not any(ip_range.get("CidrIp") == OPEN_WORLD for ip_range in permission.get("IpRanges") or []):
                continue
            rule_protocol = str(permission.get("IpProtocol"))
            if rule_protocol == "-1":
                return True
            if rule_protocol != protocol:
                continue
            if protocol not in ("tcp", "udp"):
                return True
            if permission.get("FromPort", 0) <= port <= permission.get("ToPort", 65535):
                return True
    return False


def allows_internal(groups: list[dict], port: int) -> bool:
    """Whether the node's SGs let UDP ``port`` in from one of the node's own SGs (route agents to gateway)."""
    own = {group["GroupId"] for group in groups}
    for group in groups:
        for permission in group.get("IpPermissions") or []:
            if str(permission.get("IpProtocol")) not in ("udp", "-1"):
                continue
            if str(permission.get("IpProtocol")) == "udp" and not permission.get("FromPort", 0) <= port <= permission.get("ToPort", 65535):
                continue
            if any(pair.get("GroupId") in own for pair in permission.get("UserIdGroupPairs") or []):
                return True
    return False


def latency(pair: str) -> dict:
    """A stable, plausible RTT for a pair of clusters (Go duration strings, as Submariner writes them)."""
    base = 900 + int(hashlib.sha256(pair.encode()).hexdigest()[:4], 16) % 900  # µs
    values = {"last": base + 11, "min": base - 37, "average": base, "max": base + 212, "stdDev": 41}
    return {key: f"{value / 1000:.3f}ms" if key != "stdDev" else f"{value}µs" for key, value in values.items()}


class SubmarinerController(c.Reconciler):
    """Operator and gateway engine of every spoke, evaluated together so connections see both ends."""

    name = "submariner"

    def setup(self) -> None:
        self._established: set[frozenset] = set()
        self._pending: set[frozenset] = set()
        self._ec2_fingerprint = None
        self._groups: dict[str, dict] = {}
        self._group_regions: dict[str, str] = {}
        self._deployed: set[str] = set()
        self._started: set[str] = set()       # clusters whose Submariner pods finished starting
        self._gateway_config: dict[str, tuple] = {}   # cluster -> what its running gateway pods were started with
        self._rolling: set[str] = set()        # clusters whose gateway pods restart with a new config
        self._leaders: dict[str, str] = {}     # cluster -> the node of its active gateway (the leader)
        for spoke in self.world.spokes.values():
            self.watch_kinds(spoke, {
                (c.SUBMARINER_OPERATOR_V1ALPHA1, "Submariner"),
                (c.V1, "Node"),
                (c.NETWORK_CONFIG_V1, "Network"),
                (c.APPS_V1, "DaemonSet"),
            })
        self.watch_kinds(self.hub, {(c.SUBMARINER_OPERATOR_V1ALPHA1, "Broker")} if self.spec.broker_cr_required else set())
        self.reactor.call_in(POLL_SECONDS, self._poll, background=True)

    # ---------------------------------------------------------------- reconcile
    def reconcile(self) -> None:
        members = []
        for cluster, spoke in self._spokes():
            submariner = spoke.get(c.SUBMARINER_OPERATOR_V1ALPHA1, "Submariner", c.SUBMARINER_CR, c.INSTALL_NAMESPACE)
            if submariner is None or c.is_deleting(submariner):
                if cluster in self._deployed or submariner is not None:
                    self._tear_down(cluster, spoke, submariner)
                    self._deployed.discard(cluster)
                    self._started.discard(cluster)
                continue
            if cluster not in self._deployed:
                self._deployed.add(cluster)
                self.after(1, self._pods_started, cluster)
            network = spoke.get(c.NETWORK_CONFIG_V1, "Network", "cluster")
            members.append(Member(cluster, spoke, submariner, network))
            self._keep_active_gateway(members[-1])
        self._read_ec2(members)
        for member in members:
            self._roll_gateway_if_changed(member)
            self._run_operator(member)
        # The gateway pods (once started) publish the cluster to the broker and run the tunnels.
        running = [member for member in members if self._gateway_runs(member)]
        for member in running:
            self._publish(member)
            self._write_gateways(member, [peer for peer in running if peer is not member and peer.broker_namespace == member.broker_namespace])

    def _spokes(self):
        """(ManagedCluster name, spoke store) of every spoke, in cluster order."""
        return [(self.world.cluster_for(context), self.world.spokes[context]) for context in self.world.contexts()]

    # ---------------------------------------------------------------- EC2
    def _read_ec2(self, members: list[Member]) -> None:
        """One DescribeInstances and one DescribeSecurityGroups per region for every gateway node."""
        by_region: dict[str, list[tuple[Member, dict]]] = {}
        for member in members:
            for node in member.gateways:
                if instance_id_of(node):
                    by_region.setdefault(region_of(node), []).append((member, node))
        self._groups = {}
        for region, entries in by_region.items():
            ec2 = self.world.ec2(region)
            ids = sorted({instance_id_of(node) for _member, node in entries})
            instances = {}
            try:
                for reservation in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
                    for instance in reservation["Instances"]:
                        instances[instance["InstanceId"]] = instance
            except Exception:  # pylint: disable=broad-exception-caught
                instances = self._describe_one_by_one(ec2, ids)
            for member, node in entries:
                instance = instances.get(instance_id_of(node))
                if instance and instance["State"]["Name"] == "running":
                    member.instances[node["metadata"]["name"]] = instance
            group_ids = sorted({group_id for instance in instances.values() for group_id in security_group_ids(instance)})
            if group_ids:
                for group in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]:
                    self._groups[group["GroupId"]] = group
                    self._group_regions[group["GroupId"]] = region
        self._ec2_fingerprint = self._fingerprint()

    @staticmethod
    def _describe_one_by_one(ec2, ids: list[str]) -> dict:
        """A terminated or unknown id fails the batch call: look the others up one by one."""
        found = {}
        for instance_id in ids:
            try:
                for reservation in ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]:
                    for instance in reservation["Instances"]:
                        found[instance["InstanceId"]] = instance
            except Exception:  # pylint: disable=broad-exception-caught
                continue
        return found

    def _fingerprint(self):
        return repr(sorted((group_id, repr(group.get("IpPermissions"))) for group_id, group in self._groups.items()))

    def _poll(self) -> None:
        """Background tick: re-evaluate when the rules of the gateway SGs changed (someone revoked or opened a port)."""
        if not self._active:
            return
        if self._groups:
            try:
                self._refresh_groups()
            except Exception:  # pylint: disable=broad-exception-caught
                self.request()
            else:
                if self._fingerprint() != self._ec2_fingerprint:
                    self.request()
        self.reactor.call_in(max(POLL_SECONDS, self.reactor.time_scale), self._poll, background=True)

    def _refresh_groups(self) -> None:
        by_region: dict[str, list[str]] = {}
        for group_id in self._groups:
            by_region.setdefault(self._group_regions[group_id], []).append(group_id)
        groups = {}
        for region, group_ids in by_region.items():
            for group in self.world.ec2(region).describe_security_groups(GroupIds=sorted(group_ids))["SecurityGroups"]:
                groups[group["GroupId"]] = group
        self._groups = groups

    def _groups_of(self, member: Member, node: dict | None) -> list[dict]:
        instance = member.instance_of(node)
        if not instance:
            return []
        return [self._groups[group_id] for group_id in security_group_ids(instance) if group_id in self._groups]

    # ---------------------------------------------------------------- operator
    def _keep_active_gateway(self, member: Member) -> None:
        """The active gateway holds its leader lease while its node lives (submariner-io/submariner
        ``pkg/gateway/gateway.go``, leader election); when it goes, another gateway takes over and dials every
        peer again, so the cluster's tunnels drop until then."""
        cluster = member.cluster
        names = [node["metadata"]["name"] for node in member.gateways]
        active = self._leaders.get(cluster)
        if active in names:
            member.gateways.sort(key=lambda node: node["metadata"]["name"] != active)
            return
        if active is not None:
            self._forget_cluster(cluster)
        if names:
            self._leaders[cluster] = names[0]
        else:
            self._leaders.pop(cluster, None)

    def _pods_started(self, cluster: str) -> None:
        if cluster in self._deployed:
            self._started.add(cluster)
            self.request()

    def _gateway_runs(self, member: Member) -> bool:
        return (member.cluster in self._started and member.cluster not in self._rolling
                and member.cable_driver in self.spec.cable_drivers)

    def _roll_gateway_if_changed(self, member: Member) -> None:
        """A changed cable driver or NAT-T port restarts the gateway pods: its tunnels go until the new pod runs."""
        cluster = member.cluster
        if cluster not in self._started or cluster in self._rolling:
            return
        running = self._gateway_config.setdefault(cluster, member.gateway_config)
        if running == member.gateway_config:
            return
        self._rolling.add(cluster)
        self._forget_cluster(cluster)
        self.after(1, self._gateway_rolled, cluster)

    def _gateway_rolled(self, cluster: str) -> None:
        self._rolling.discard(cluster)
        self._gateway_config.pop(cluster, None)
        self.request()

    def _run_operator(self, member: Member) -> None:
        """Deployments and DaemonSets of the Submariner CR; their pods are available one step after the CR appears."""
        spoke = member.spoke
        started = member.cluster in self._started
        for name in DEPLOYMENTS:
            acm_spoke.ensure_deployment(spoke, name, c.INSTALL_NAMESPACE, available=started)
        daemonsets = list(DAEMONSETS) + (["submariner-globalnet"] if member.global_cidr else [])
        workers = len(spoke.list(c.V1, "Node"))
        for name in daemonsets:
            scheduled = len(member.gateways) if name in ("submariner-gateway", "submariner-globalnet") else workers
            annotations = {}
            if name == "submariner-routeagent":
                annotations[ROUTE_AGENT_PROBLEM_ANNOTATION] = self._route_agent_problem(member)
            ready = self._gateway_runs(member) if name == "submariner-gateway" else started
            self._ensure_daemonset(spoke, name, scheduled, annotations, ready)
        if not member.global_cidr:
            c.delete_if_present(spoke, c.APPS_V1, "DaemonSet", "submariner-globalnet", c.INSTALL_NAMESPACE)

    def _route_agent_problem(self, member: Member) -> str:
        """Route agents reach the gateway over UDP 4800 between the cluster's SGs (VXLAN), except on OVN-Kubernetes."""
        if member.network_plugin.lower() == "ovnkubernetes" or not member.active_gateway:
            return ""
        groups = self._groups_of(member, member.active_gateway)
        if not groups or allows_internal(groups, profiles.INTERNAL_ROUTE_PORT):
            return ""
        return (f"The route agents cannot reach the gateway node {member.active_gateway['metadata']['name']}: "
                f"UDP {profiles.INTERNAL_ROUTE_PORT} is not open between the worker security groups")

    @staticmethod
    def _ensure_daemonset(spoke, name: str, scheduled: int, annotations: dict, started: bool) -> None:
        selector = {"app": name}
        template_spec = {"containers": [{"name": name, "image": f"registry.redhat.io/rhacm2/{name}:lab"}]}
        if name == "submariner-gateway":
            template_spec["nodeSelector"] = {c.GATEWAY_LABEL: "true"}
        wanted = {"apiVersion": c.APPS_V1, "kind": "DaemonSet",
                  "metadata": {"name": name, "namespace": c.INSTALL_NAMESPACE, "labels": selector},
                  "spec": {"selector": {"matchLabels": selector}, "template": {"metadata": {"labels": selector}, "spec": template_spec}}}
        obj = c.apply(spoke, wanted)
        current_annotations = c.annotations_of(obj)
        if any(current_annotations.get(key, "") != value for key, value in annotations.items()):
            def change(edited):
                edited["metadata"].setdefault("annotations", {}).update(annotations)
                for key, value in annotations.items():
                    if not value:
                        edited["metadata"]["annotations"].pop(key, None)
            obj = SubmarinerController.mutate(spoke, c.APPS_V1, "DaemonSet", name, c.INSTALL_NAMESPACE, change) or obj
        ready = scheduled if started else 0
        status = {"desiredNumberScheduled": scheduled, "currentNumberScheduled": scheduled, "numberReady": ready,
                  "numberAvailable": ready, "updatedNumberScheduled": scheduled, "numberMisscheduled": 0,
                  "observedGeneration": obj["metadata"].get("generation", 1)}
        if ready < scheduled:
            status["numberUnavailable"] = scheduled - ready
        if obj.get("status") != status:
            updated = copy.deepcopy(obj)
            updated["status"] = status
            spoke.update_status(updated)

    # ---------------------------------------------------------------- hub objects
    def _publish(self, member: Member) -> None:
        """``Cluster`` and ``Endpoint`` of the cluster in its broker namespace on the hub."""
        namespace = member.broker_namespace
        if not namespace or self.hub.get(c.V1, "Namespace", namespace) is None:
            return
        c.apply(self.hub, {"apiVersion": c.SUBMARINER_V1, "kind": "Cluster",
                           "metadata": {"name": member.cluster, "namespace": namespace,
                                        "labels": {ENDPOINT_CLUSTER_LABEL: member.cluster}},
                           "spec": {"cluster_id": member.cluster, "cluster_cidr": member.cluster_cidrs,
                                    "service_cidr": member.service_cidrs,
                                    "global_cidr": [member.global_cidr] if member.global_cidr else [], "color_codes": ["blue"]}})
        wanted = set()
        if member.active_gateway is not None:
            endpoint = member.endpoint(member.active_gateway)
            name = f"{member.cluster}-{endpoint['cable_name']}"
            wanted.add(name)
            c.apply(self.hub, {"apiVersion": c.SUBMARINER_V1, "kind": "Endpoint",
                               "metadata": {"name": name, "namespace": namespace, "labels": {ENDPOINT_CLUSTER_LABEL: member.cluster}},
                               "spec": endpoint})
        for stale in self.hub.list(c.SUBMARINER_V1, "Endpoint", namespace=namespace, label_selector=f"{ENDPOINT_CLUSTER_LABEL}={member.cluster}"):
            if stale["metadata"]["name"] not in wanted:
                c.delete_if_present(self.hub, c.SUBMARINER_V1, "Endpoint", stale["metadata"]["name"], namespace)

    # ---------------------------------------------------------------- gateways and connections
    def _write_gateways(self, member: Member, peers: list[Member]) -> None:
        spoke = member.spoke
        statuses = []
        for index, node in enumerate(member.gateways):
            active = index == 0
            connections = [self._connection(member, peer) for peer in peers
                           if peer.active_gateway is not None and not (member.cable_driver == "wireguard" != peer.cable_driver)] if active else []
            status = {"haStatus": "active" if active else "passive", "localEndpoint": member.endpoint(node),
                      "connections": connections, "statusFailure": "", "version": c.SUBMARINER_VERSION[self.profile]}
            statuses.append(status)
            write_with_status(spoke, {"apiVersion": c.SUBMARINER_V1, "kind": "Gateway",
                                      "metadata": {"name": node["metadata"]["name"], "namespace": c.INSTALL_NAMESPACE},
                                      "status": status})
        names = {node["metadata"]["name"] for node in member.gateways}
        for gateway in spoke.list(c.SUBMARINER_V1, "Gateway", namespace=c.INSTALL_NAMESPACE):
            if gateway["metadata"]["name"] not in names:
                c.delete_if_present(spoke, c.SUBMARINER_V1, "Gateway", gateway["metadata"]["name"], c.INSTALL_NAMESPACE)
        self._write_cr_status(member, statuses)

    def _connection(self, member: Member, peer: Member) -> dict:
        remote = peer.endpoint(peer.active_gateway)
        pair = frozenset((member.cluster, peer.cluster))
        connection = {"endpoint": remote, "usingIP": remote["public_ip"] if member.nat_enabled else remote["private_ip"],
                      "usingNAT": member.nat_enabled}
        problem = self._overlap(member, peer)
        if problem:
            self._forget(pair)
            return dict(connection, status="error", statusMessage=problem)
        if member.cable_driver != peer.cable_driver:
            self._forget(pair)
            if member.cable_driver == "vxlan":
                # pkg/cableengine/healthchecker/pinger.go: the health check's ping gets no answer.
                return dict(connection, status="error", statusMessage=f"Failed to successfully ping the remote endpoint IP {remote['healthCheckIP']!r}")
            return dict(connection, status="connecting", statusMessage="")
        problem = self._closed_port(member, peer)
        if problem:
            self._forget(pair)
            return dict(connection, status="connecting", statusMessage=problem)
        if pair not in self._established:
            if pair not in self._pending:
                self._pending.add(pair)
                self.after(1, self._establish, pair)
            return dict(connection, status="connecting", statusMessage="Connecting to remote endpoint")
        return dict(connection, status="connected", statusMessage="", latencyRTT=latency("/".join(sorted(pair))))

    def _establish(self, pair: frozenset) -> None:
        if pair in self._pending:
            self._pending.discard(pair)
            self._established.add(pair)
            self.request()

    def _forget(self, pair: frozenset) -> None:
        self._established.discard(pair)
        self._pending.discard(pair)

    def _forget_cluster(self, cluster: str) -> None:
        """Every tunnel of ``cluster`` goes; each is dialled again from scratch."""
        for pair in [pair for pair in self._established | self._pending if cluster in pair]:
            self._forget(pair)

    @staticmethod
    def _overlap(member: Member, peer: Member) -> str:
        if member.global_cidr and peer.global_cidr:
            return ""
        found = c.first_overlap(member.cluster_cidrs + member.service_cidrs, peer.cluster_cidrs + peer.service_cidrs)
        if not found:
            return ""
        local, remote = found
        return (f"The remote cluster {peer.cluster!r} CIDR {remote} overlaps with the local cluster {member.cluster!r} CIDR {local}: "
                "the clusters need non-overlapping CIDRs or Globalnet")

    def _closed_port(self, member: Member, peer: Member) -> str:
        """What the tunnel needs and a side's gateway SGs do not let in from 0.0.0.0/0 (empty when all is open).

        Each side is reached on its own ports: libreswan's left ``ikeport`` is the local NAT-T port and its right one
        the remote endpoint's ``udp-port`` backend config (submariner-io/submariner ``pkg/cable/libreswan/libreswan.go``
        ``bidirectionalConnectToEndpoint``, devel (5b70b1e4)), so clusters may use different NAT-T ports.
        """
        for side in (member, peer):
            needed = [("udp", side.natt_port)]
            if any(rule.port_field == "IPSecIKEPort" for rule in self.spec.public_rules):
                needed.insert(0, ("udp", side.ike_port))
            if not member.nat_enabled:
                needed.append((ESP_PROTOCOL, 0))
            node = side.active_gateway
            groups = self._groups_of(side, node)
            _private, public_ip = node_ips(node, side.instance_of(node))
            for protocol, port in needed:
                if not groups or not allows(groups, protocol, port):
                    where = f"{public_ip or node['metadata']['name']}:{port}/{protocol}" if protocol in ("udp", "tcp") else f"{public_ip} (ESP)"
                    return (f"Failed to successfully establish a connection to cluster {peer.cluster!r}: "
                            f"no response from {where} on the {side.cluster!r} gateway (IKE timed out)")
        return ""

    def _write_cr_status(self, member: Member, gateways: list[dict]) -> None:
        daemonset = member.spoke.get(c.APPS_V1, "DaemonSet", "submariner-gateway", c.INSTALL_NAMESPACE)
        route_agent = member.spoke.get(c.APPS_V1, "DaemonSet", "submariner-routeagent", c.INSTALL_NAMESPACE)
        status = {
            "clusterID": member.cluster,
            "natEnabled": member.nat_enabled,
            "clusterCIDR": ",".join(member.cluster_cidrs),
            "serviceCIDR": ",".join(member.service_cidrs),
            "globalCIDR": member.global_cidr,
            "networkPlugin": member.network_plugin,
            "gateways": gateways,
            "gatewayDaemonSetStatus": {"mismatchedContainerImages": False, "status": (daemonset or {}).get("status") or {}},
            "routeAgentDaemonSetStatus": {"mismatchedContainerImages": False, "status": (route_agent or {}).get("status") or {}},
        }
        if member.submariner.get("status") == status:
            return
        self.mutate(member.spoke, c.SUBMARINER_OPERATOR_V1ALPHA1, "Submariner", c.SUBMARINER_CR, c.INSTALL_NAMESPACE,
                    lambda obj: obj.update({"status": status}), status=True)

    # ---------------------------------------------------------------- removal
    def _tear_down(self, cluster: str, spoke, submariner: dict | None) -> None:
        """No Submariner CR (or one being deleted): remove what the operator made, then the CR's finalizers go."""
        for gateway in spoke.list(c.SUBMARINER_V1, "Gateway", namespace=c.INSTALL_NAMESPACE):
            c.delete_if_present(spoke, c.SUBMARINER_V1, "Gateway", gateway["metadata"]["name"], c.INSTALL_NAMESPACE)
        if spoke.get(c.V1, "Namespace", c.INSTALL_NAMESPACE) is not None:
            for name in DAEMONSETS + ("submariner-globalnet",):
                c.delete_if_present(spoke, c.APPS_V1, "DaemonSet", name, c.INSTALL_NAMESPACE)
            for name in DEPLOYMENTS:
                c.delete_if_present(spoke, c.APPS_V1, "Deployment", name, c.INSTALL_NAMESPACE)
        for namespace in self.hub.list(c.V1, "Namespace", label_selector=f"{c.BROKER_NS_LABEL}=true"):
            name = namespace["metadata"]["name"]
            for kind in ("Endpoint", "Cluster"):
                for obj in self.hub.list(c.SUBMARINER_V1, kind, namespace=name, label_selector=f"{ENDPOINT_CLUSTER_LABEL}={cluster}"):
                    c.delete_if_present(self.hub, c.SUBMARINER_V1, kind, obj["metadata"]["name"], name)
        self._forget_cluster(cluster)
        self._gateway_config.pop(cluster, None)
        self._rolling.discard(cluster)
        self._leaders.pop(cluster, None)
        if submariner is not None:
            for finalizer in submariner["metadata"].get("finalizers") or []:
                submariner = c.remove_finalizer(spoke, submariner, finalizer) or submariner


def write_with_status(store, wanted: dict) -> dict:
    """Create or update an object whose CRD has no status subresource (status is part of the object)."""
    meta = wanted["metadata"]
    existing = store.get(wanted["apiVersion"], wanted["kind"], meta["name"], meta.get("namespace"))
    if existing is None:
        return store.create(copy.deepcopy(wanted))
    if existing.get("status") == wanted.get("status"):
        return existing
    updated = copy.deepcopy(existing)
    updated["status"] = copy.deepcopy(wanted["status"])
    try:
        return store.update(updated)
    except ApiError as error:
        if error.code != 409:
            raise
        return existing

"""The two ACM generations the lab can play, as data (``../shared/reference/domain.md`` sections 0-4).

``acm-2.2`` is the blog's ACM (v1alpha1 sets, label join, hub-side AWS prep with IKE/NAT-T and the
4800/8080 internal ports); ``acm-2.12`` is today's (v1beta2 sets, ManagedClusterAddOn join, Broker
CR, spoke-side cloud-prepare with NAT-T, NAT discovery, ESP and AH). Controllers read these values
instead of branching on the profile name.
"""

from __future__ import annotations

import dataclasses

ANY_PORT = 0
INTERNAL_ROUTE_PORT = 4800      # VXLAN between the route agents and the gateway
METRICS_PORT = 8080             # ACM <= 2.6 only
NAMESPACE_MAX_LENGTH = 63


@dataclasses.dataclass(frozen=True)
class PublicRule:
    """An ingress rule on ``<infraID>-submariner-gw-sg`` from ``0.0.0.0/0``.

    ``port_field`` names the SubmarinerConfig spec field that sets the port (``default_port``
    otherwise); IP protocols without ports (ESP 50, AH 51) have ``default_port`` 0 and no field.
    """

    protocol: str
    default_port: int
    port_field: str | None
    description: str


@dataclasses.dataclass(frozen=True)
class InternalRule:
    """An ingress rule between the cluster's own SGs: ``target`` SG from ``source`` SG (``worker``/``control_plane``)."""

    target: str
    source: str
    protocol: str
    port: int
    description: str


@dataclasses.dataclass(frozen=True)
class Rule:
    """A resolved ingress rule: protocol, port (0 when the protocol has none) and description."""

    protocol: str
    port: int
    description: str


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    mch_version: str                         # MultiClusterHub status.currentVersion
    cluster_set_api_version: str
    config_name: str | None                  # None: any name, if it is the only SubmarinerConfig of the namespace
    broker_namespace_template: str           # formatted with set=<ManagedClusterSet name>
    broker_namespace_annotation: str | None  # ManagedClusterSet annotation naming the broker namespace
    join_flow: str                           # "labels" | "addon"
    broker_cr_required: bool
    default_clusterset_webhook: bool
    default_cluster_sets: tuple[str, ...]
    gateway_instance_type: str
    gateway_sg_description: str
    public_rules: tuple[PublicRule, ...]
    internal_rules: tuple[InternalRule, ...]
    internal_rules_skipped_on_ovn: bool
    gateway_subnet_tags: tuple[str, ...]     # tag keys (value "") put on the public subnets chosen for gateways
    gateway_infra_label: bool                # gateway MachineSet template labels node-role.kubernetes.io/infra
    cleanup_trigger: str                     # "config-finalizer" | "addon-deletion"
    cleanup_finalizer: str | None
    cloud_prepare_runs_on: str               # "hub" | "spoke": whose credentials reach EC2
    hub_crds: tuple[str, ...]                # file names in ../shared/crds
    spoke_crds: tuple[str, ...]
    ocp_versions: dict                       # naming scheme -> OpenShift version of the seeded clusters
    default_network_type: str                # the seeded clusters' CNI when the lab options name none
    reads_gateway_config: bool               # spec.gatewayConfig (gateways, aws.instanceType) is read
    reads_prepare_annotations: bool          # the skip-cloud-prepare and VPC/subnet/SG override annotations are read
    cloud_prepare_gate: str                  # "credentials-secret": prepare iff spec.credentialsSecret; "platform": by claims + skip annotation
    gateway_machineset_work: str | None      # hub ManifestWork that carries the gateway MachineSet; None: written on the spoke
    # GenerateBrokerName (stolostron/submariner-addon release-2.12, pkg/hub/submarinerbrokerinfo/brokerinfo.go):
    # past 63 characters it drops the first len("broker") - 1 characters of the set name, nothing more.
    # ACM 2.2 (v2.2.11-ACM, pkg/hub/submarineragent/controller.go) formats the name without truncating.
    broker_namespace_truncated: bool = False
    # Gateway status.connections[] fields current Submariner writes that the v0.12-era chart CRD of
    # ../shared/crds lacks: added to the served schema (submariner-io/submariner
    # pkg/apis/submariner.io/v1/types.go, type Connection, 5b70b1e43f8db81ff38f2f721ed132009d5e7567).
    gateway_connection_fields: tuple = ()
    # The cable drivers of the profile's Submariner (submariner-io/submariner pkg/cable/*): strongSwan was dropped in
    # v0.9.0 (commit cba47c93, last in v0.8.1) and vxlan came in v0.10.0-m2 (commit 369f8e81). Any other value makes
    # the gateway exit: "unsupported cable type %s; supported types: %s" (pkg/cable/driver.go, devel 5b70b1e4).
    cable_drivers: tuple = ("libreswan", "vxlan", "wireguard")

    def broker_namespace(self, cluster_set: str) -> str:
        """The broker namespace of a ManagedClusterSet, truncated as the profile's addon does."""
        name = self.broker_namespace_template.format(set=cluster_set)
        if self.broker_namespace_truncated and len(name) > NAMESPACE_MAX_LENGTH:
            name = self.broker_namespace_template.format(set=cluster_set[len("broker") - 1:])
        return name

    def accepts_config_name(self, name: str, configs_in_namespace: int) -> bool:
        """Whether the addon acts on a SubmarinerConfig of this name."""
        if self.config_name is None:
            return configs_in_namespace == 1
        return name == self.config_name

    def public_ports(self, config_spec: dict | None = None) -> tuple[Rule, ...]:
        """The gateway SG's public rules for a SubmarinerConfig spec (defaults when absent)."""
        spec = config_spec or {}
        return tuple(
            Rule(rule.protocol, int(spec.get(rule.port_field) or rule.default_port) if rule.port_field else rule.default_port,
                 rule.description)
            for rule in self.public_rules
        )

    def internal_ports(self, network_type: str) -> tuple[InternalRule, ...]:
        """The worker/control-plane rules to open for a CNI (none on OVN-Kubernetes where the profile says so)."""
        if self.internal_rules_skipped_on_ovn and network_type.lower() == "ovnkubernetes":
            return ()
        return self.internal_rules


_COMMON_HUB_CRDS = (
    "multiclusterhubs.operator.open-cluster-management.io.yaml",
    "managedclusters.cluster.open-cluster-management.io.yaml",
    "managedclusteraddons.addon.open-cluster-management.io.yaml",
    "clustermanagementaddons.addon.open-cluster-management.io.yaml",
    "manifestworks.work.open-cluster-management.io.yaml",
    "managedclusterviews.view.open-cluster-management.io.yaml",
    "clusterdeployments.hive.openshift.io.yaml",
    # The broker controller installs the broker-side Submariner CRDs on the hub.
    "clusters.submariner.io.yaml",
    "endpoints.submariner.io.yaml",
    "gateways.submariner.io.yaml",
    "serviceimports.multicluster.x-k8s.io.yaml",
)

SPOKE_CRDS = (
    "machinesets.machine.openshift.io.yaml",
    "machines.machine.openshift.io.yaml",
    "networks.config.openshift.io.yaml",
    "submariners.submariner.io.yaml",
    "servicediscoveries.submariner.io.yaml",
    "brokers.submariner.io.yaml",
    "clusters.submariner.io.yaml",
    "endpoints.submariner.io.yaml",
    "gateways.submariner.io.yaml",
    "serviceexports.multicluster.x-k8s.io.yaml",
    "serviceimports.multicluster.x-k8s.io.yaml",
)


def _internal(protocol: str, port: int, descriptions: tuple[str, str, str]) -> tuple[InternalRule, ...]:
    between_workers, worker_to_control_plane, control_plane_to_worker = descriptions
    return (
        InternalRule("worker", "worker", protocol, port, between_workers),
        InternalRule("control_plane", "worker", protocol, port, worker_to_control_plane),
        InternalRule("worker", "control_plane", protocol, port, control_plane_to_worker),
    )


_INTERNAL_DESCRIPTIONS = (
    "Internal Submariner traffic between the workers",
    "Internal Submariner traffic from worker to control plane nodes",
    "Internal Submariner traffic from control plane to worker nodes",
)
_PUBLIC_DESCRIPTION = "Public Submariner traffic"

# The CRDs ACM 2.2 installs, as apiextensions.k8s.io/v1beta1 with preserveUnknownFields: false
# (stolostron/submariner-addon v2.2.11-ACM deploy/config/crds/open-cluster-management.io_submarinerconfigs_crd.yaml
# and its vendored open-cluster-management/api cluster/v1alpha1 CRDs; see ../shared/crds/SOURCES.md).
ACM_22_CRDS = (
    "alternates/submarinerconfigs.submarineraddon.open-cluster-management.io.acm-2.2.apiextv1beta1.yaml",
    "alternates/managedclustersets.cluster.open-cluster-management.io.v1alpha1.acm-2.2.apiextv1beta1.yaml",
    "alternates/managedclustersetbindings.cluster.open-cluster-management.io.v1alpha1.acm-2.2.apiextv1beta1.yaml",
)

ACM_2_2 = Profile(
    name="acm-2.2",
    mch_version="2.2.11",
    cluster_set_api_version="cluster.open-cluster-management.io/v1alpha1",
    config_name=None,
    broker_namespace_template="submariner-clusterset-{set}-broker",
    broker_namespace_annotation=None,
    join_flow="labels",
    broker_cr_required=False,
    default_clusterset_webhook=False,
    default_cluster_sets=(),
    gateway_instance_type="m5n.large",
    gateway_sg_description="For submariner gateway",
    public_rules=(
        PublicRule("udp", 500, "IPSecIKEPort", ""),
        PublicRule("udp", 4500, "IPSecNATTPort", ""),
    ),
    internal_rules=_internal("udp", INTERNAL_ROUTE_PORT, ("", "", "")) + _internal("tcp", METRICS_PORT, ("", "", "")),
    internal_rules_skipped_on_ovn=False,
    gateway_subnet_tags=("kubernetes.io/role/internal-elb", "open-cluster-management.io/submariner-addon/gateway"),
    gateway_infra_label=False,
    cleanup_trigger="config-finalizer",
    cleanup_finalizer="submarineraddon.open-cluster-management.io/config-cleanup",
    cloud_prepare_runs_on="hub",
    hub_crds=_COMMON_HUB_CRDS + ACM_22_CRDS,
    spoke_crds=SPOKE_CRDS,
    ocp_versions={"legacy": "4.7.13", "capi": "4.16.8"},
    # OpenShift 4.7's default CNI (OVN-Kubernetes became the default in 4.12).
    default_network_type="OpenShiftSDN",
    # v2.2.11-ACM pkg/cloud/aws/aws.go: instanceType = "m5n.large" is a constant, findSubnet/tagSubnet
    # pick one public subnet, and the SubmarinerConfig CRD of that tag has no gatewayConfig.
    reads_gateway_config=False,
    # v2.2.11-ACM pkg/hub/submarineragent/controller.go syncSubmarinerConfig: no annotation is read;
    # the cloud is prepared when spec.credentialsSecret is set, and only then.
    reads_prepare_annotations=False,
    cloud_prepare_gate="credentials-secret",
    # v2.2.11-ACM pkg/cloud/aws/aws.go deployGatewayNode: workName = "aws-submariner-gateway-machineset".
    gateway_machineset_work="aws-submariner-gateway-machineset",
    # Submariner 0.8.1 (ACM 2.2): pkg/cable/libreswan, pkg/cable/strongswan, pkg/cable/wireguard at tag v0.8.1.
    cable_drivers=("libreswan", "strongswan", "wireguard"),
)

ACM_2_12 = Profile(
    name="acm-2.12",
    mch_version="2.12.2",
    cluster_set_api_version="cluster.open-cluster-management.io/v1beta2",
    config_name="submariner",
    broker_namespace_template="{set}-broker",
    broker_namespace_annotation="cluster.open-cluster-management.io/submariner-broker-ns",
    join_flow="addon",
    broker_cr_required=True,
    default_clusterset_webhook=True,
    default_cluster_sets=("default", "global"),
    gateway_instance_type="m5n.large",
    gateway_sg_description="Submariner Gateway",
    # stolostron/submariner-addon release-2.12 pkg/cloud/aws/aws.go (public ports, InternalPorts) and
    # pkg/constants/constants.go (SubmarinerNatTDiscoveryPort = 4900); submariner-io/cloud-prepare
    # pkg/aws/securitygroups.go for the rule descriptions. Table: docs/lab.md.
    public_rules=(
        PublicRule("udp", 4500, "IPSecNATTPort", _PUBLIC_DESCRIPTION),
        PublicRule("udp", 4900, "NATTDiscoveryPort", _PUBLIC_DESCRIPTION),
        PublicRule("50", ANY_PORT, None, _PUBLIC_DESCRIPTION),
        PublicRule("51", ANY_PORT, None, _PUBLIC_DESCRIPTION),
    ),
    internal_rules=_internal("udp", INTERNAL_ROUTE_PORT, _INTERNAL_DESCRIPTIONS),
    internal_rules_skipped_on_ovn=True,
    gateway_subnet_tags=("kubernetes.io/role/internal-elb", "submariner.io/gateway"),
    gateway_infra_label=True,
    cleanup_trigger="addon-deletion",
    cleanup_finalizer=None,
    cloud_prepare_runs_on="spoke",
    hub_crds=_COMMON_HUB_CRDS + (
        "submarinerconfigs.submarineraddon.open-cluster-management.io.yaml",
        "managedclustersets.cluster.open-cluster-management.io.yaml",
        "managedclustersetbindings.cluster.open-cluster-management.io.yaml",
        "addondeploymentconfigs.addon.open-cluster-management.io.yaml",
        "brokers.submariner.io.yaml",
    ),
    spoke_crds=SPOKE_CRDS,
    ocp_versions={"legacy": "4.14.20", "capi": "4.16.8"},
    broker_namespace_truncated=True,
    gateway_connection_fields=(("usingIP", {"type": "string"}), ("usingNAT", {"type": "boolean"})),
    default_network_type="OVNKubernetes",
    reads_gateway_config=True,
    reads_prepare_annotations=True,
    cloud_prepare_gate="platform",
    gateway_machineset_work=None,
)

PROFILES = {profile.name: profile for profile in (ACM_2_2, ACM_2_12)}


def get(name: str) -> Profile:
    """The profile called ``name``; ValueError naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown lab profile {name!r}; known: {', '.join(sorted(PROFILES))}") from None

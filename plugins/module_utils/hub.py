# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the hub is, decided from data a module already gathered (no cluster access here).

The facts tell modules and roles which generation of the submariner-addon they talk to: how a
cluster joins (labels on ACM 2.2, a ManagedClusterAddOn from 2.3), whether a Broker CR is
needed (2.5), how the broker namespace and the SubmarinerConfig are named, which
ManagedClusterSet version to write and which AWS defaults apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import find_condition

# Minimum ACM version (major, minor) at which each behaviour starts.
ADDON_FLOW_SINCE = (2, 3)
BROKER_CR_SINCE = (2, 5)
# Port profile per ACM release, newest first (the addon's pkg/cloud/aws/aws.go, see aws_cloud_prepare.py).
PORT_PROFILE_SINCE = (((2, 7), C.PORT_PROFILE_CURRENT), ((2, 5), C.PORT_PROFILE_ACM_2_5), ((2, 4), C.PORT_PROFILE_ACM_2_4))
# From 2.8 the spoke agent prepares and cleans the cloud and nothing on the hub waits for it:
# stolostron/submariner-addon release-2.8 moved cloud prepare to the spoke (fb0489a5) and dropped the
# SubmarinerConfig finalizer that ran the clean-up on the hub until release-2.7 (aea96808).
ADDON_DRIVEN_CLEANUP_SINCE = (2, 8)
# SubmarinerConfig spec.NATTDiscoveryPort (addon default 4900) exists from release-2.4
# (pkg/apis/submarinerconfig/v1alpha1/types.go); the addon opens it but never passes it to the
# Submariner CR (pkg/hub/submarineragent/manifests/operator/submariner.io-submariners-cr.yaml), so
# Submariner keeps listening on its own default, 4490.
NAT_DISCOVERY_PORT_FIELD_SINCE = (2, 4)
# The addon prepares AWS with cloud-prepare from ACM 2.4. Before, it tagged gateway subnets with its own key, and its
# clean-up revoked the gateway group's rules but kept the group (stolostron/submariner-addon v2.2.11-ACM and v2.3.0-ACM
# pkg/cloud/aws/aws.go CleanUpSubmarinerClusterEnv). With cloud-prepare it deploys a gateway in every public subnet
# carrying its tag and never untags one (submariner-io/cloud-prepare pkg/aws/ocpgwdeployer.go processSubnets,
# validation.tagged_gateways_problem).
CLOUD_PREPARE_SINCE = (2, 4)
M5_XLARGE_SINCE = (2, 17)
# OVN-Kubernetes needs OpenShift >= 4.11 (addon constant OCPVersionForOVNK = "4.11.0-rc").
OVNK_MIN_OPENSHIFT = (4, 11)

# When the MultiClusterHub version is unknown, the served ManagedClusterSet versions narrow
# it down to the oldest ACM that serves them (v1alpha1 only: 2.2-2.4, treated as 2.2 as the
# label flow is the only one that works everywhere there; v1beta1: 2.5-2.6; v1beta2: 2.7+).
_VERSION_FROM_SET_API = (("v1beta2", (2, 7)), ("v1beta1", (2, 5)), ("v1alpha1", (2, 2)))

# GenerateBrokerName drops len("broker") - 1 leading characters of a too-long set name.
_ADDON_TRUNCATED_PREFIX = len("broker") - 1

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
# Used with fullmatch: with match, "$" would also accept a name followed by a newline.
_DNS_LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")

CLOUD_PREPARE_PLATFORMS = ("AWS", "GCP", "Azure", "OpenStack")
LOAD_BALANCER_PRODUCTS = ("ROSA", "ARO", "ROKS")


@dataclass(frozen=True)
class HubFacts:
    """Facts about one hub; every field is plain data so ``as_dict`` can be returned as is."""

    acm_version: str | None
    version_source: str  # "multiclusterhub" or "inferred"
    generation: str  # "major.minor" the rules were applied for
    join_flow: str
    broker_cr_required: bool
    config_name_rule: str
    broker_namespace_rule: str
    managed_cluster_set_version: str | None
    managed_cluster_set_versions: list[str]
    managed_cluster_addon_version: str | None
    managed_cluster_addon_versions: list[str]
    service_export_version: str | None
    service_export_versions: list[str]
    submariner_addon_installed: bool
    cluster_management_addon_present: bool
    submariner_config_crd_present: bool
    port_profile: str
    default_gateway_instance_type: str
    cleanup_addon_driven: bool
    nat_discovery_port_field: bool
    cleanup_keeps_gateway_security_group: bool
    addon_gateway_subnet_tag: str
    addon_gateway_per_tagged_subnet: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HubFacts:
        """The facts ``as_dict`` returned (hub_info's ``hub``), e.g. passed down by a playbook.

        :raises ValueError: naming the keys that are missing, when ``data`` is not such a dictionary.
        """
        names = [field.name for field in fields(cls)]
        missing = [name for name in names if name not in data]
        if missing:
            raise ValueError("it is not the hub dictionary of acm.submariner.hub_info (it lacks %s)" % ", ".join(missing))
        return cls(**{name: data[name] for name in names})


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """Parse ``2.12.3``, ``v2.2.0`` or ``4.11.0-rc.1`` into ``(major, minor, patch)``.

    Returns None for an empty or unparsable value.
    """
    if not text:
        return None
    match = _VERSION_RE.match(str(text).strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def preferred_version(served: Iterable[str] | None, preference: Iterable[str]) -> str | None:
    """First version of ``preference`` that is in ``served``; None when none is served."""
    served_set = set(served or ())
    return next((version for version in preference if version in served_set), None)


def _inferred_generation(set_versions: Iterable[str] | None) -> tuple[int, int] | None:
    served = set(set_versions or ())
    return next((since for version, since in _VERSION_FROM_SET_API if version in served), None)


def hub_facts(
    mch_version: str | None,
    managed_cluster_set_versions: Iterable[str] | None,
    managed_cluster_addon_versions: Iterable[str] | None = None,
    service_export_versions: Iterable[str] | None = None,
    cluster_management_addon_present: bool = False,
    submariner_config_crd_present: bool = False,
) -> HubFacts:
    """Decide the hub's generation facts.

    :param mch_version: MultiClusterHub ``status.currentVersion`` (None when absent).
    :param managed_cluster_set_versions: served versions of ``cluster.open-cluster-management.io``
        ManagedClusterSet (from discovery).
    :param managed_cluster_addon_versions: served versions of ManagedClusterAddOn.
    :param service_export_versions: served versions of ``multicluster.x-k8s.io`` ServiceExport.
    :param cluster_management_addon_present: ClusterManagementAddOn ``submariner`` exists.
    :param submariner_config_crd_present: the SubmarinerConfig CRD is served.
    :raises ValueError: when neither the MCH version nor a ManagedClusterSet API is known, as
        the hub is then not an ACM/OCM hub.
    """
    set_versions = sorted(set(managed_cluster_set_versions or ()))
    addon_versions = sorted(set(managed_cluster_addon_versions or ()))
    export_versions = sorted(set(service_export_versions or ()))
    parsed = parse_version(mch_version)
    if parsed is not None:
        generation = parsed[:2]
        source = "multiclusterhub"
    else:
        generation = _inferred_generation(set_versions)
        source = "inferred"
        if generation is None:
            raise ValueError(
                "cannot tell the ACM version: no MultiClusterHub version and no ManagedClusterSet API "
                "(cluster.open-cluster-management.io) is served; is this an ACM hub?"
            )
    legacy = generation < ADDON_FLOW_SINCE
    return HubFacts(
        acm_version=mch_version or None,
        version_source=source,
        generation="%d.%d" % generation,
        join_flow=C.JOIN_FLOW_LABELS if legacy else C.JOIN_FLOW_ADDON,
        broker_cr_required=generation >= BROKER_CR_SINCE,
        config_name_rule=C.CONFIG_NAME_RULE_ANY if legacy else C.CONFIG_NAME_RULE_FIXED,
        broker_namespace_rule=C.BROKER_NS_RULE_LEGACY if legacy else C.BROKER_NS_RULE_CURRENT,
        managed_cluster_set_version=preferred_version(set_versions, C.MANAGED_CLUSTER_SET_VERSIONS),
        managed_cluster_set_versions=set_versions,
        managed_cluster_addon_version=preferred_version(addon_versions, C.MANAGED_CLUSTER_ADDON_VERSIONS),
        managed_cluster_addon_versions=addon_versions,
        service_export_version=preferred_version(export_versions, C.SERVICE_EXPORT_VERSIONS),
        service_export_versions=export_versions,
        submariner_addon_installed=bool(cluster_management_addon_present or submariner_config_crd_present),
        cluster_management_addon_present=bool(cluster_management_addon_present),
        submariner_config_crd_present=bool(submariner_config_crd_present),
        port_profile=next((profile for since, profile in PORT_PROFILE_SINCE if generation >= since), C.PORT_PROFILE_LEGACY),
        default_gateway_instance_type=(
            C.GATEWAY_INSTANCE_TYPE_CURRENT if generation >= M5_XLARGE_SINCE else C.GATEWAY_INSTANCE_TYPE_LEGACY
        ),
        cleanup_addon_driven=generation >= ADDON_DRIVEN_CLEANUP_SINCE,
        nat_discovery_port_field=generation >= NAT_DISCOVERY_PORT_FIELD_SINCE,
        cleanup_keeps_gateway_security_group=generation < CLOUD_PREPARE_SINCE,
        addon_gateway_subnet_tag=(
            C.GATEWAY_SUBNET_TAG_KEY if generation >= CLOUD_PREPARE_SINCE else C.ADDON_LEGACY_GATEWAY_SUBNET_TAG_KEY
        ),
        addon_gateway_per_tagged_subnet=generation >= CLOUD_PREPARE_SINCE,
    )


# --- names ---------------------------------------------------------------------------------


def _generate_broker_name(set_name: str) -> str:
    """Mirror of the addon's ``GenerateBrokerName``: past 63 characters it drops the first
    five characters of the set name (``len("broker") - 1``), which is all it does.

    Source: stolostron/submariner-addon, pkg/hub/submarinerbrokerinfo/brokerinfo.go, release-2.12
    (35ede4a6fb8a346db26c2a47144e798a6f741de2); the lab's profiles.Profile.broker_namespace follows it too.
    """
    name = set_name + C.BROKER_NAMESPACE_SUFFIX
    if len(name) > C.NAMESPACE_MAX_LENGTH:
        name = set_name[_ADDON_TRUNCATED_PREFIX:] + C.BROKER_NAMESPACE_SUFFIX
    return name


def broker_namespace(set_name: str, rule: str, annotation: str | None = None) -> str:
    """The broker namespace of a ManagedClusterSet.

    :param set_name: the ManagedClusterSet name.
    :param rule: ``legacy`` (ACM 2.2, ``submariner-clusterset-<set>-broker``) or ``current``
        (ACM >= 2.3, ``<set>-broker``, head-truncated like the addon's ``GenerateBrokerName``).
    :param annotation: value of the set's ``cluster.open-cluster-management.io/submariner-broker-ns``
        annotation; it wins when present because the addon wrote it.
    :raises ValueError: for an unknown rule or a name the addon could not create (longer than
        63 characters even after its truncation).
    """
    if annotation:
        return annotation
    if rule == C.BROKER_NS_RULE_LEGACY:
        name = C.LEGACY_BROKER_NAMESPACE_PREFIX + set_name + C.BROKER_NAMESPACE_SUFFIX
    elif rule == C.BROKER_NS_RULE_CURRENT:
        name = _generate_broker_name(set_name)
    else:
        raise ValueError("unknown broker namespace rule %r, expected one of %s" % (rule, ", ".join(C.BROKER_NS_RULES)))
    if len(name) > C.NAMESPACE_MAX_LENGTH:
        raise ValueError(
            "the broker namespace %r for ManagedClusterSet %r is longer than %d characters"
            % (name, set_name, C.NAMESPACE_MAX_LENGTH)
        )
    return name


def set_broker_namespace(name: str, cluster_set: Mapping[str, Any] | None, rule: str) -> str:
    """The broker namespace of set ``name``: the addon's annotation on ``cluster_set`` when present, else ``rule``'s.

    ``cluster_set`` may be ``None`` or empty (a set not created yet); ValueError as :func:`broker_namespace`.
    """
    annotations = ((cluster_set or {}).get("metadata") or {}).get("annotations") or {}
    return broker_namespace(name, rule, annotations.get(C.BROKER_NAMESPACE_ANNOTATION))


def max_set_name_length(rule: str) -> int:
    """Longest set name whose broker namespace fits in 63 characters without truncation."""
    if rule == C.BROKER_NS_RULE_LEGACY:
        return C.NAMESPACE_MAX_LENGTH - len(C.LEGACY_BROKER_NAMESPACE_PREFIX) - len(C.BROKER_NAMESPACE_SUFFIX)
    return C.NAMESPACE_MAX_LENGTH - len(C.BROKER_NAMESPACE_SUFFIX)


def _dns_label_problems(kind: str, name: Any) -> list[str]:
    if not isinstance(name, str) or not name:
        return ["%s name must be a non-empty string" % kind]
    problems = []
    if len(name) > C.NAMESPACE_MAX_LENGTH:
        problems.append("%s name %r is %d characters long; the maximum is %d" % (kind, name, len(name), C.NAMESPACE_MAX_LENGTH))
    if not _DNS_LABEL_RE.fullmatch(name):
        problems.append(
            "%s name %r is not a valid DNS-1123 (RFC 1123) label: use lower-case letters, digits and '-', "
            "starting and ending with a letter or digit" % (kind, name)
        )
    return problems


def validate_set_name(name: Any, rule: str = C.BROKER_NS_RULE_CURRENT) -> list[str]:
    """Problems with a ManagedClusterSet name (empty list when it is valid).

    The name must be an RFC 1123 label (it becomes part of a namespace and a label value) and
    short enough that its broker namespace needs no truncation: 56 characters with the
    ``current`` rule, 34 with ``legacy``. A longer name is refused rather than silently
    truncated into a namespace nobody expects.
    """
    problems = _dns_label_problems("ManagedClusterSet", name)
    if problems:
        return problems
    limit = max_set_name_length(rule)
    if len(name) > limit:
        problems.append(
            "ManagedClusterSet name %r is %d characters long; its broker namespace %r would exceed %d characters, "
            "so use at most %d characters"
            % (name, len(name), _untruncated_broker_namespace(name, rule), C.NAMESPACE_MAX_LENGTH, limit)
        )
    return problems


def _untruncated_broker_namespace(set_name: str, rule: str) -> str:
    if rule == C.BROKER_NS_RULE_LEGACY:
        return C.LEGACY_BROKER_NAMESPACE_PREFIX + set_name + C.BROKER_NAMESPACE_SUFFIX
    return set_name + C.BROKER_NAMESPACE_SUFFIX


def validate_cluster_name(name: Any) -> list[str]:
    """Problems with a ManagedCluster name (empty list when valid): it is also the name of its
    namespace on the hub, so it must be an RFC 1123 label of at most 63 characters."""
    return _dns_label_problems("ManagedCluster", name)


def config_name_problem(name: str, rule: str) -> str | None:
    """Why ``name`` cannot be used for a SubmarinerConfig under ``rule`` (None when it can)."""
    if rule == C.CONFIG_NAME_RULE_FIXED and name != C.SUBMARINER_CONFIG_NAME:
        return (
            "this hub (ACM >= 2.3) only reads a SubmarinerConfig named %r; %r would be ignored. "
            "Use name=%s or leave the name unset" % (C.SUBMARINER_CONFIG_NAME, name, C.SUBMARINER_CONFIG_NAME)
        )
    return None


# --- managed clusters ---------------------------------------------------------------------


def _claims(obj: Mapping[str, Any]) -> dict[str, str]:
    claims = (obj.get("status") or {}).get("clusterClaims") or []
    return {claim.get("name"): claim.get("value") for claim in claims if isinstance(claim, Mapping) and claim.get("name")}


def parse_infra_id(claim_value: str | None) -> str | None:
    """infraID from the ``infrastructure.openshift.io`` claim (``{"infraName": "..."}``)."""
    if not claim_value:
        return None
    try:
        value = json.loads(claim_value)
    except ValueError:
        return None
    if isinstance(value, Mapping):
        return value.get("infraName") or None
    return None


def managed_cluster_summary(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Summarise a ManagedCluster object for facts and preflight checks.

    Returns ``name``, ``platform``, ``product``, ``region``, ``infra_id``, ``openshift_version``,
    ``kube_version``, ``labels``, ``clusterset`` (label value or None), ``available`` (True,
    False or None when the condition is missing or Unknown), ``available_reason``,
    ``available_message``, ``joined`` (``ManagedClusterJoined`` is True), ``hub_accepts_client``
    and ``claims`` (all claims by name).
    """
    metadata = obj.get("metadata") or {}
    labels = dict(metadata.get("labels") or {})
    claims = _claims(obj)
    available = find_condition(obj, C.COND_CLUSTER_AVAILABLE) or {}
    status = available.get("status")
    return {
        "name": metadata.get("name"),
        "platform": claims.get(C.CLAIM_PLATFORM),
        "product": claims.get(C.CLAIM_PRODUCT),
        "region": claims.get(C.CLAIM_REGION),
        "infra_id": parse_infra_id(claims.get(C.CLAIM_INFRASTRUCTURE)),
        "openshift_version": claims.get(C.CLAIM_OPENSHIFT_VERSION) or labels.get("openshiftVersion"),
        "kube_version": claims.get(C.CLAIM_KUBE_VERSION),
        "labels": labels,
        "clusterset": labels.get(C.CLUSTERSET_LABEL),
        "available": {"True": True, "False": False}.get(status),
        "available_reason": available.get("reason"),
        "available_message": available.get("message"),
        "joined": (find_condition(obj, C.COND_CLUSTER_JOINED) or {}).get("status") == "True",
        "hub_accepts_client": bool((obj.get("spec") or {}).get("hubAcceptsClient")),
        "claims": claims,
    }


@dataclass(frozen=True)
class CloudPrepareSupport:
    """How the addon will prepare one cluster.

    ``status``: ``cloud_prepare`` (the addon prepares the cloud), ``label_nodes`` (no cloud
    provider: existing workers are labelled, firewall is manual), ``skip`` (managed OpenShift:
    no cloud prepare, use ``loadBalancerEnable``) or ``unsupported``.
    """

    status: str
    load_balancer: bool
    reason: str

    @property
    def supported(self) -> bool:
        return self.status != "unsupported"

    def as_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["supported"] = self.supported
        return result


def cloud_prepare_support(summary: Mapping[str, Any], network_type: str | None = None) -> CloudPrepareSupport:
    """Whether and how the submariner-addon can prepare the cluster described by ``summary``.

    :param summary: output of :func:`managed_cluster_summary`.
    :param network_type: the cluster's CNI (``OVNKubernetes``, ``OpenShiftSDN``...) when known;
        OVN-Kubernetes on OpenShift < 4.11 is rejected by the addon (``UnsupportedOCPVersion``).
    """
    name = summary.get("name") or "cluster"
    product = summary.get("product")
    platform = summary.get("platform")
    ocp = parse_version(summary.get("openshift_version"))
    if network_type and network_type.lower() == "ovnkubernetes" and ocp is not None and ocp[:2] < OVNK_MIN_OPENSHIFT:
        return CloudPrepareSupport(
            "unsupported", False,
            "%s runs OVN-Kubernetes on OpenShift %s; Submariner needs OpenShift >= 4.11 with OVN-Kubernetes"
            % (name, summary.get("openshift_version")),
        )
    if product in LOAD_BALANCER_PRODUCTS:
        return CloudPrepareSupport(
            "skip", True,
            "%s is %s: the addon skips cloud preparation; set loadBalancerEnable (and label gateways through a machine pool)"
            % (name, product),
        )
    if not product:
        return CloudPrepareSupport(
            "unsupported", False,
            "%s has no %s claim yet: is its klusterlet running and the cluster Available?" % (name, C.CLAIM_PRODUCT),
        )
    if product != "OpenShift":
        return CloudPrepareSupport(
            "unsupported", False,
            "%s has product %r: the submariner-addon only prepares OpenShift, ROSA, ARO and ROKS clusters (unsupported vendor)"
            % (name, product),
        )
    if platform in CLOUD_PREPARE_PLATFORMS:
        return CloudPrepareSupport("cloud_prepare", False, "%s is OpenShift on %s: the addon prepares the cloud" % (name, platform))
    return CloudPrepareSupport(
        "label_nodes", False,
        "%s is OpenShift on %s: no cloud provider, the addon labels existing workers and the firewall must be opened by hand"
        % (name, platform or "an unknown platform"),
    )

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import hub

# --- versions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2.12.3", (2, 12, 3)),
        ("2.2.0", (2, 2, 0)),
        ("v2.5.1", (2, 5, 1)),
        ("2.17", (2, 17, 0)),
        ("4.11.0-rc.1", (4, 11, 0)),
        (" 5.0.2 ", (5, 0, 2)),
        ("", None),
        (None, None),
        ("latest", None),
        ("2", None),
    ],
)
def test_parse_version(text, expected):
    assert hub.parse_version(text) == expected


@pytest.mark.parametrize(
    "served, expected",
    [
        (["v1alpha1", "v1beta1", "v1beta2"], "v1beta2"),
        (["v1beta1", "v1alpha1"], "v1beta1"),
        (["v1alpha1"], "v1alpha1"),
        (["v1"], None),
        ([], None),
        (None, None),
    ],
)
def test_preferred_managed_cluster_set_version(served, expected):
    assert hub.preferred_version(served, C.MANAGED_CLUSTER_SET_VERSIONS) == expected


# Expected facts per ACM version:
# (mch, set versions, join_flow, broker_cr, config rule, ns rule, ports, instance type, addon cleanup)
FACTS_BY_VERSION = [
    ("2.2.0", ["v1alpha1"], "labels", False, "any", "legacy", "legacy", "m5n.large", False),
    ("2.2.11", ["v1alpha1"], "labels", False, "any", "legacy", "legacy", "m5n.large", False),
    ("2.3.0", ["v1alpha1"], "addon", False, "submariner", "current", "legacy", "m5n.large", False),
    ("2.4.5", ["v1alpha1", "v1beta1"], "addon", False, "submariner", "current", "acm-2.4", "m5n.large", False),
    ("2.5.0", ["v1alpha1", "v1beta1"], "addon", True, "submariner", "current", "acm-2.5", "m5n.large", False),
    ("2.6.9", ["v1alpha1", "v1beta1"], "addon", True, "submariner", "current", "acm-2.5", "m5n.large", False),
    ("2.7.2", ["v1beta1", "v1beta2"], "addon", True, "submariner", "current", "current", "m5n.large", False),
    ("2.8.0", ["v1beta2"], "addon", True, "submariner", "current", "current", "m5n.large", True),
    ("2.12.3", ["v1beta2"], "addon", True, "submariner", "current", "current", "m5n.large", True),
    ("2.16.1", ["v1beta2"], "addon", True, "submariner", "current", "current", "m5n.large", True),
    ("2.17.0", ["v1beta2"], "addon", True, "submariner", "current", "current", "m5.xlarge", True),
    ("5.0.0", ["v1beta2"], "addon", True, "submariner", "current", "current", "m5.xlarge", True),
]


@pytest.mark.parametrize("mch, sets, flow, broker_cr, config_rule, ns_rule, ports, instance_type, cleanup", FACTS_BY_VERSION)
def test_hub_facts_from_multiclusterhub_version(mch, sets, flow, broker_cr, config_rule, ns_rule, ports, instance_type, cleanup):
    facts = hub.hub_facts(mch, sets)
    assert facts.acm_version == mch
    assert facts.version_source == "multiclusterhub"
    assert facts.join_flow == flow
    assert facts.broker_cr_required is broker_cr
    assert facts.config_name_rule == config_rule
    assert facts.broker_namespace_rule == ns_rule
    assert facts.port_profile == ports
    assert facts.default_gateway_instance_type == instance_type
    assert facts.cleanup_addon_driven is cleanup
    assert facts.cleanup_keeps_gateway_security_group is (facts.generation in ("2.2", "2.3"))
    assert facts.addon_gateway_subnet_tag == (
        "open-cluster-management.io/submariner-addon/gateway" if facts.generation in ("2.2", "2.3") else "submariner.io/gateway")
    assert facts.addon_gateway_per_tagged_subnet is (facts.generation not in ("2.2", "2.3"))
    assert facts.generation == ".".join(mch.split(".")[:2])


@pytest.mark.parametrize("mch, field", [("2.2.11", False), ("2.3.0", False), ("2.4.0", True), ("2.12.3", True)])
def test_nat_discovery_port_field_from_acm_2_4(mch, field):
    """release-2.4 added SubmarinerConfig spec.NATTDiscoveryPort; the roles write 4490 there, never on older hubs."""
    assert hub.hub_facts(mch, ["v1alpha1"]).nat_discovery_port_field is field


@pytest.mark.parametrize(
    "sets, generation, flow, broker_cr",
    [
        (["v1alpha1"], "2.2", "labels", False),
        (["v1alpha1", "v1beta1"], "2.5", "addon", True),
        (["v1beta1"], "2.5", "addon", True),
        (["v1beta1", "v1beta2"], "2.7", "addon", True),
        (["v1beta2"], "2.7", "addon", True),
    ],
)
def test_hub_facts_inferred_from_served_set_versions(sets, generation, flow, broker_cr):
    facts = hub.hub_facts(None, sets)
    assert facts.acm_version is None
    assert facts.version_source == "inferred"
    assert facts.generation == generation
    assert facts.join_flow == flow
    assert facts.broker_cr_required is broker_cr


def test_hub_facts_mch_version_wins_over_inference():
    # ACM 2.3 still serves only v1alpha1 but already uses the addon flow.
    assert hub.hub_facts("2.3.2", ["v1alpha1"]).join_flow == "addon"


def test_hub_facts_unparsable_mch_version_falls_back_to_inference():
    facts = hub.hub_facts("unknown", ["v1beta2"])
    assert facts.version_source == "inferred"
    assert facts.acm_version == "unknown"
    assert facts.join_flow == "addon"


@pytest.mark.parametrize("sets", [None, [], ["v1"]])
def test_hub_facts_refuses_a_hub_without_cluster_sets(sets):
    with pytest.raises(ValueError, match="is this an ACM hub"):
        hub.hub_facts(None, sets)


def test_hub_facts_served_versions_and_addon_presence():
    facts = hub.hub_facts(
        "2.12.0",
        ["v1beta2", "v1beta2"],
        managed_cluster_addon_versions=["v1beta1", "v1alpha1"],
        service_export_versions=["v1alpha1", "v1beta1"],
        cluster_management_addon_present=True,
    )
    assert facts.managed_cluster_set_version == "v1beta2"
    assert facts.managed_cluster_set_versions == ["v1beta2"]
    assert facts.managed_cluster_addon_version == "v1alpha1"
    assert facts.managed_cluster_addon_versions == ["v1alpha1", "v1beta1"]
    assert facts.service_export_version == "v1beta1"
    assert facts.service_export_versions == ["v1alpha1", "v1beta1"]
    assert facts.submariner_addon_installed is True


@pytest.mark.parametrize("cma, crd, installed", [(False, False, False), (True, False, True), (False, True, True), (True, True, True)])
def test_hub_facts_addon_installed(cma, crd, installed):
    facts = hub.hub_facts("2.12.0", ["v1beta2"], cluster_management_addon_present=cma, submariner_config_crd_present=crd)
    assert facts.submariner_addon_installed is installed
    assert facts.cluster_management_addon_present is cma
    assert facts.submariner_config_crd_present is crd


def test_hub_facts_as_dict_is_plain_data():
    data = hub.hub_facts("2.2.0", ["v1alpha1"], ["v1alpha1"]).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["join_flow"] == "labels"
    assert data["managed_cluster_addon_version"] == "v1alpha1"
    assert data["service_export_version"] is None


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "set_name, rule, annotation, expected",
    [
        ("submariner", "legacy", None, "submariner-clusterset-submariner-broker"),
        ("submariner", "current", None, "submariner-broker"),
        ("blue", "current", None, "blue-broker"),
        ("blue", "current", "custom-ns", "custom-ns"),
        ("blue", "legacy", "custom-ns", "custom-ns"),
        ("blue", "current", "", "blue-broker"),
        ("a" * 56, "current", None, "a" * 56 + "-broker"),
        # The addon's GenerateBrokerName drops the first five characters past 63.
        ("0123456789" + "a" * 47, "current", None, "56789" + "a" * 47 + "-broker"),
        ("x" * 61, "current", None, "x" * 56 + "-broker"),
        ("s" * 34, "legacy", None, "submariner-clusterset-" + "s" * 34 + "-broker"),
    ],
)
def test_broker_namespace(set_name, rule, annotation, expected):
    result = hub.broker_namespace(set_name, rule, annotation)
    assert result == expected
    assert len(result) <= 63


@pytest.mark.parametrize("set_name, rule", [("x" * 62, "current"), ("y" * 70, "current"), ("s" * 35, "legacy")])
def test_broker_namespace_too_long(set_name, rule):
    with pytest.raises(ValueError, match="longer than 63"):
        hub.broker_namespace(set_name, rule)


def test_broker_namespace_unknown_rule():
    with pytest.raises(ValueError, match="unknown broker namespace rule"):
        hub.broker_namespace("blue", "v2")


@pytest.mark.parametrize("rule, limit", [("current", 56), ("legacy", 34)])
def test_max_set_name_length(rule, limit):
    assert hub.max_set_name_length(rule) == limit
    assert len(hub.broker_namespace("a" * limit, rule)) == 63


@pytest.mark.parametrize(
    "name, rule, fragment",
    [
        ("submariner", "current", None),
        ("set-1", "legacy", None),
        ("a" * 56, "current", None),
        ("a" * 57, "current", "use at most 56 characters"),
        ("a" * 34, "legacy", None),
        ("a" * 35, "legacy", "use at most 34 characters"),
        ("a" * 64, "current", "maximum is 63"),
        ("Blue", "current", "RFC 1123"),
        ("blue.green", "current", "RFC 1123"),
        ("-blue", "current", "RFC 1123"),
        ("blue-", "current", "RFC 1123"),
        ("blue_green", "current", "RFC 1123"),
        ("", "current", "non-empty"),
        (None, "current", "non-empty"),
        (42, "current", "non-empty"),
    ],
)
def test_validate_set_name(name, rule, fragment):
    problems = hub.validate_set_name(name, rule)
    if fragment is None:
        assert problems == []
    else:
        assert problems and any(fragment in problem for problem in problems), problems


def test_validate_set_name_names_the_broker_namespace():
    (problem,) = hub.validate_set_name("a" * 57)
    assert "a" * 57 + "-broker" in problem
    assert "exceed 63" in problem


@pytest.mark.parametrize(
    "name, ok",
    [("cluster1", True), ("local-cluster", True), ("c" * 63, True), ("c" * 64, False), ("Cluster1", False),
     ("cluster.one", False), ("", False), (None, False), ("1cluster", True)],
)
def test_validate_cluster_name(name, ok):
    assert (hub.validate_cluster_name(name) == []) is ok


@pytest.mark.parametrize(
    "name, rule, refused",
    [("submariner", "submariner", False), ("subconfig", "submariner", True), ("subconfig", "any", False), ("submariner", "any", False)],
)
def test_config_name_problem(name, rule, refused):
    problem = hub.config_name_problem(name, rule)
    assert (problem is not None) is refused
    if refused:
        assert "'submariner'" in problem and repr(name) in problem


# --- managed clusters ---------------------------------------------------------------------


def managed_cluster(name="cluster1", claims=None, labels=None, available="True", accepts=True):
    claims = {
        C.CLAIM_PLATFORM: "AWS",
        C.CLAIM_PRODUCT: "OpenShift",
        C.CLAIM_REGION: "us-east-1",
        C.CLAIM_INFRASTRUCTURE: json.dumps({"infraName": "cluster1-x7k2p"}),
        C.CLAIM_OPENSHIFT_VERSION: "4.14.8",
        C.CLAIM_KUBE_VERSION: "v1.27.8",
    } if claims is None else claims
    conditions = [{"type": "HubAcceptedManagedCluster", "status": "True", "reason": "HubClusterAdminAccepted"},
                  {"type": C.COND_CLUSTER_JOINED, "status": "True", "reason": "ManagedClusterJoined"}]
    if available is not None:
        conditions.append({"type": C.COND_CLUSTER_AVAILABLE, "status": available, "reason": "ManagedClusterAvailable", "message": "ok"})
    return {
        "apiVersion": C.MANAGED_CLUSTER_API_VERSION,
        "kind": "ManagedCluster",
        "metadata": {"name": name, "labels": {"cloud": "Amazon", "vendor": "OpenShift"} if labels is None else labels},
        "spec": {"hubAcceptsClient": accepts},
        "status": {"conditions": conditions, "clusterClaims": [{"name": k, "value": v} for k, v in claims.items()]},
    }


def test_managed_cluster_summary_full():
    obj = managed_cluster(labels={C.CLUSTERSET_LABEL: "default", "vendor": "OpenShift"})
    summary = hub.managed_cluster_summary(obj)
    assert summary["name"] == "cluster1"
    assert summary["platform"] == "AWS"
    assert summary["product"] == "OpenShift"
    assert summary["region"] == "us-east-1"
    assert summary["infra_id"] == "cluster1-x7k2p"
    assert summary["openshift_version"] == "4.14.8"
    assert summary["kube_version"] == "v1.27.8"
    assert summary["clusterset"] == "default"
    assert summary["labels"] == {C.CLUSTERSET_LABEL: "default", "vendor": "OpenShift"}
    assert summary["available"] is True
    assert summary["available_reason"] == "ManagedClusterAvailable"
    assert summary["hub_accepts_client"] is True
    assert summary["joined"] is True
    assert summary["claims"][C.CLAIM_REGION] == "us-east-1"
    json.dumps(summary)


@pytest.mark.parametrize("status, expected", [("True", True), ("False", False), ("Unknown", None), (None, None)])
def test_managed_cluster_summary_availability(status, expected):
    assert hub.managed_cluster_summary(managed_cluster(available=status))["available"] is expected


def test_managed_cluster_summary_without_status_or_labels():
    summary = hub.managed_cluster_summary({"metadata": {"name": "bare"}})
    assert summary["name"] == "bare"
    assert summary["labels"] == {}
    assert summary["clusterset"] is None
    assert summary["available"] is None
    assert summary["hub_accepts_client"] is False
    assert summary["joined"] is False
    assert summary["infra_id"] is None
    assert summary["claims"] == {}


def test_managed_cluster_summary_openshift_version_from_label():
    obj = managed_cluster(claims={C.CLAIM_PRODUCT: "OpenShift"}, labels={"openshiftVersion": "4.10.3"})
    assert hub.managed_cluster_summary(obj)["openshift_version"] == "4.10.3"


@pytest.mark.parametrize(
    "value, expected",
    [('{"infraName":"abc-123"}', "abc-123"), ("not json", None), ('["abc"]', None), ('{"infraName": ""}', None), ("", None), (None, None)],
)
def test_parse_infra_id(value, expected):
    assert hub.parse_infra_id(value) == expected


def _summary(product="OpenShift", platform="AWS", version="4.14.8", name="c1"):
    return {"name": name, "product": product, "platform": platform, "openshift_version": version}


@pytest.mark.parametrize(
    "summary, network_type, status, load_balancer, fragment",
    [
        (_summary(), None, "cloud_prepare", False, "prepares the cloud"),
        (_summary(platform="GCP"), "OVNKubernetes", "cloud_prepare", False, "on GCP"),
        (_summary(platform="Azure"), None, "cloud_prepare", False, "Azure"),
        (_summary(platform="OpenStack"), None, "cloud_prepare", False, "OpenStack"),
        (_summary(platform="VSphere"), None, "label_nodes", False, "by hand"),
        (_summary(platform="BareMetal"), None, "label_nodes", False, "BareMetal"),
        (_summary(platform=None), None, "label_nodes", False, "unknown platform"),
        (_summary(product="ROSA"), None, "skip", True, "loadBalancerEnable"),
        (_summary(product="ARO", platform="Azure"), None, "skip", True, "ARO"),
        (_summary(product="ROKS", platform="IBM"), None, "skip", True, "ROKS"),
        (_summary(product="OpenShiftDedicated"), None, "unsupported", False, "unsupported vendor"),
        (_summary(product="EKS"), None, "unsupported", False, "'EKS'"),
        (_summary(product=None), None, "unsupported", False, "no product.open-cluster-management.io claim"),
        (_summary(version="4.10.20"), "OVNKubernetes", "unsupported", False, "4.11"),
        (_summary(version="4.10.20"), "ovnkubernetes", "unsupported", False, "OVN-Kubernetes"),
        (_summary(version="4.10.20"), "OpenShiftSDN", "cloud_prepare", False, None),
        (_summary(version="4.11.0"), "OVNKubernetes", "cloud_prepare", False, None),
        (_summary(version=None), "OVNKubernetes", "cloud_prepare", False, None),
    ],
)
def test_cloud_prepare_support(summary, network_type, status, load_balancer, fragment):
    support = hub.cloud_prepare_support(summary, network_type)
    assert support.status == status
    assert support.load_balancer is load_balancer
    assert support.supported is (status != "unsupported")
    if fragment:
        assert fragment in support.reason
    assert support.as_dict()["supported"] is support.supported


def test_cloud_prepare_support_from_a_real_summary():
    summary = hub.managed_cluster_summary(managed_cluster())
    assert hub.cloud_prepare_support(summary).status == "cloud_prepare"
    assert "cluster1" in hub.cloud_prepare_support(summary).reason

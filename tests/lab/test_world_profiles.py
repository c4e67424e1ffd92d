"""The two ACM profiles as data (tests/lab/profiles.py) against domain.md."""

import pytest

from tests.lab import profiles


def test_profiles_are_known_by_name():
    assert profiles.get("acm-2.2") is profiles.ACM_2_2
    assert profiles.get("acm-2.12") is profiles.ACM_2_12
    with pytest.raises(ValueError, match="known: acm-2.12, acm-2.2"):
        profiles.get("acm-2.5")


def test_profiles_are_frozen():
    with pytest.raises(AttributeError):
        profiles.ACM_2_12.join_flow = "labels"


def test_acm_2_2_is_the_blog_era():
    profile = profiles.ACM_2_2
    assert profile.mch_version.startswith("2.2.")
    assert profile.cluster_set_api_version == "cluster.open-cluster-management.io/v1alpha1"
    assert profile.broker_namespace("prod") == "submariner-clusterset-prod-broker"
    assert profile.join_flow == "labels" and not profile.broker_cr_required and not profile.default_cluster_sets
    assert profile.accepts_config_name("subconfig", 1) and not profile.accepts_config_name("subconfig", 2)
    assert profile.cleanup_finalizer == "submarineraddon.open-cluster-management.io/config-cleanup"
    assert profile.gateway_subnet_tags == ("kubernetes.io/role/internal-elb", "open-cluster-management.io/submariner-addon/gateway")


def test_acm_2_12_is_today():
    profile = profiles.ACM_2_12
    assert profile.mch_version.startswith("2.12.")
    assert profile.cluster_set_api_version == "cluster.open-cluster-management.io/v1beta2"
    assert profile.broker_namespace("prod") == "prod-broker"
    # GenerateBrokerName: drop len("broker") - 1 = 5 leading characters, not "keep the last 63".
    assert profile.broker_namespace("a" * 5 + "s" * 55) == "s" * 55 + "-broker"
    assert profile.broker_namespace("s" * 56) == "s" * 56 + "-broker"
    assert profile.broker_namespace_annotation == "cluster.open-cluster-management.io/submariner-broker-ns"
    assert profile.accepts_config_name("submariner", 2) and not profile.accepts_config_name("subconfig", 1)
    assert profile.join_flow == "addon" and profile.broker_cr_required and profile.default_clusterset_webhook
    assert profile.default_cluster_sets == ("default", "global")
    assert profile.cleanup_trigger == "addon-deletion" and profile.cloud_prepare_runs_on == "spoke"
    assert profile.gateway_subnet_tags == ("kubernetes.io/role/internal-elb", "submariner.io/gateway")


@pytest.mark.parametrize("profile", [profiles.ACM_2_2, profiles.ACM_2_12], ids=lambda profile: profile.name)
def test_gateway_type_is_m5n_large(profile):
    assert profile.gateway_instance_type == "m5n.large"


def test_public_ports_per_profile_and_config():
    assert [(rule.protocol, rule.port) for rule in profiles.ACM_2_2.public_ports()] == [("udp", 500), ("udp", 4500)]
    assert [(rule.protocol, rule.port) for rule in profiles.ACM_2_12.public_ports()] == [("udp", 4500), ("udp", 4900), ("50", 0), ("51", 0)]
    custom = profiles.ACM_2_12.public_ports({"IPSecNATTPort": 4501, "NATTDiscoveryPort": 4490})
    assert [(rule.protocol, rule.port) for rule in custom][:2] == [("udp", 4501), ("udp", 4490)]
    assert {rule.description for rule in custom} == {"Public Submariner traffic"}


def test_internal_ports_per_profile_and_cni():
    assert {(rule.protocol, rule.port) for rule in profiles.ACM_2_2.internal_ports("OVNKubernetes")} == {("udp", 4800), ("tcp", 8080)}
    assert profiles.ACM_2_12.internal_ports("OVNKubernetes") == ()
    rules = profiles.ACM_2_12.internal_ports("OpenShiftSDN")
    assert {(rule.target, rule.source, rule.port) for rule in rules} == {
        ("worker", "worker", 4800), ("control_plane", "worker", 4800), ("worker", "control_plane", 4800)}
    assert all(rule.description.startswith("Internal Submariner traffic") for rule in rules)


def test_crds_per_profile():
    assert "alternates/managedclustersets.cluster.open-cluster-management.io.v1alpha1.acm-2.2.apiextv1beta1.yaml" in profiles.ACM_2_2.hub_crds
    assert "alternates/submarinerconfigs.submarineraddon.open-cluster-management.io.acm-2.2.apiextv1beta1.yaml" in profiles.ACM_2_2.hub_crds
    assert "submarinerconfigs.submarineraddon.open-cluster-management.io.yaml" not in profiles.ACM_2_2.hub_crds
    assert "submarinerconfigs.submarineraddon.open-cluster-management.io.yaml" in profiles.ACM_2_12.hub_crds
    assert "managedclustersets.cluster.open-cluster-management.io.yaml" not in profiles.ACM_2_2.hub_crds
    assert "managedclustersets.cluster.open-cluster-management.io.yaml" in profiles.ACM_2_12.hub_crds
    assert "brokers.submariner.io.yaml" in profiles.ACM_2_12.hub_crds
    for profile in (profiles.ACM_2_2, profiles.ACM_2_12):
        assert "machinesets.machine.openshift.io.yaml" in profile.spoke_crds
        assert "machinesets.machine.openshift.io.yaml" not in profile.hub_crds


def test_network_type_defaults_to_the_profiles_era():
    from tests.lab.runtime import LabOptions

    assert LabOptions(profile="acm-2.2").network_type == "OpenShiftSDN"
    assert LabOptions(profile="acm-2.12").network_type == "OVNKubernetes"
    assert LabOptions(profile="acm-2.2", network_type="OVNKubernetes").network_type == "OVNKubernetes"


def test_acm_22_honours_none_of_the_later_gateway_inputs():
    assert profiles.ACM_2_2.gateway_machineset_work == "aws-submariner-gateway-machineset"
    assert not profiles.ACM_2_2.reads_gateway_config and not profiles.ACM_2_2.reads_prepare_annotations
    assert profiles.ACM_2_12.gateway_machineset_work is None and profiles.ACM_2_12.reads_gateway_config

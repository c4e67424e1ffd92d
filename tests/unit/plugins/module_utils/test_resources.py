# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import copy
import os

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import resources as R

CRD_DIR = os.environ.get("ACM_SUBMARINER_CRDS", "/work/shared/crds")

# --- CRD schema validation ------------------------------------------------------------------


def _strict(schema):
    """The CRD schema with unknown fields rejected: the API server would prune them silently,
    so a wrongly cased field must fail the test instead."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        for value in node.get("properties", {}).values():
            walk(value)
        walk(node.get("items"))
        walk(node.get("additionalProperties"))

    walk(schema)
    # metadata is validated by the API server itself, not by the CRD schema.
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    return schema


def crd_validator(filename, version):
    yaml = pytest.importorskip("yaml")
    jsonschema = pytest.importorskip("jsonschema")
    path = os.path.join(CRD_DIR, filename)
    if not os.path.isfile(path):
        pytest.skip("CRD %s not available" % path)
    with open(path, encoding="utf-8") as handle:
        crd = next(doc for doc in yaml.safe_load_all(handle) if doc)
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    assert version in versions, "CRD %s does not serve %s" % (filename, version)
    schema = _strict(versions[version]["schema"]["openAPIV3Schema"])
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]

    def validate(obj):
        assert obj["apiVersion"] == "%s/%s" % (group, version)
        assert obj["kind"] == kind
        jsonschema.validate(obj, schema)

    return validate


FULL_OPTIONS = {
    "cable_driver": "libreswan",
    "global_cidr": "242.1.0.0/16",
    "ipsec_ike_port": 500,
    "ipsec_natt_port": 4501,
    "natt_discovery_port": 4490,
    "natt_enable": True,
    "air_gapped_deployment": False,
    "load_balancer_enable": False,
    "insecure_broker_connection": False,
    "halt_on_certificate_error": True,
    "hosted_cluster": False,
    "ipsec_debug": True,
    "force_udp_encaps": False,
    "ipsec_cert_auth_mode": False,
    "debug": True,
    "credentials_secret": "cluster1-aws-creds",
    "gateways": 2,
    "aws_instance_type": "m5.xlarge",
    "gcp_instance_type": "n1-standard-4",
    "azure_instance_type": "Standard_F4s_v2",
    "rhos_instance_type": "PnTAE.CPU_4_Memory_8192_Disk_50",
    "subscription_config": {
        "source": "redhat-operators",
        "source_namespace": "openshift-marketplace",
        "channel": "stable-0.18",
        "starting_csv": "submariner.v0.18.0",
        "install_plan_approval": "Manual",
    },
    "image_pull_specs": {
        "submariner": "quay.io/s/gw:1",
        "route_agent": "quay.io/s/ra:1",
        "lighthouse_agent": "quay.io/s/la:1",
        "lighthouse_coredns": "quay.io/s/dns:1",
        "globalnet": "quay.io/s/gn:1",
        "metrics_proxy": "quay.io/s/mp:1",
        "nettest": "quay.io/s/nt:1",
        "network_plugin_syncer": "quay.io/s/nps:1",
    },
    "skip_cloud_prepare": True,
    "vpc_id": "vpc-0123",
    "subnet_ids": ["subnet-a", "subnet-b"],
    "control_plane_sg_id": "sg-cp",
    "worker_sg_id": "sg-w",
}


# --- SubmarinerConfig -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("cable_driver", "wireguard", {"cableDriver": "wireguard"}),
        ("global_cidr", "242.0.0.0/16", {"globalCIDR": "242.0.0.0/16"}),
        ("ipsec_ike_port", 500, {"IPSecIKEPort": 500}),
        ("ipsec_natt_port", 4500, {"IPSecNATTPort": 4500}),
        ("natt_discovery_port", 4490, {"NATTDiscoveryPort": 4490}),
        ("natt_enable", False, {"NATTEnable": False}),
        ("air_gapped_deployment", True, {"airGappedDeployment": True}),
        ("load_balancer_enable", True, {"loadBalancerEnable": True}),
        ("insecure_broker_connection", True, {"insecureBrokerConnection": True}),
        ("halt_on_certificate_error", False, {"haltOnCertificateError": False}),
        ("hosted_cluster", True, {"hostedCluster": True}),
        ("ipsec_debug", True, {"IPSecDebug": True}),
        ("force_udp_encaps", True, {"forceUDPEncaps": True}),
        ("ipsec_cert_auth_mode", True, {"IPSecCertAuthMode": True}),
        ("debug", True, {"Debug": True}),
        ("credentials_secret", "c1-aws-creds", {"credentialsSecret": {"name": "c1-aws-creds"}}),
        ("gateways", 3, {"gatewayConfig": {"gateways": 3}}),
        ("aws_instance_type", "m5n.large", {"gatewayConfig": {"aws": {"instanceType": "m5n.large"}}}),
        ("gcp_instance_type", "n1-standard-4", {"gatewayConfig": {"gcp": {"instanceType": "n1-standard-4"}}}),
        ("azure_instance_type", "Standard_F4s_v2", {"gatewayConfig": {"azure": {"instanceType": "Standard_F4s_v2"}}}),
        ("rhos_instance_type", "PnTAE", {"gatewayConfig": {"rhos": {"instanceType": "PnTAE"}}}),
        ("subscription_config", {"channel": "alpha", "starting_csv": "submariner.v0.8.1"},
         {"subscriptionConfig": {"channel": "alpha", "startingCSV": "submariner.v0.8.1"}}),
        ("subscription_config", {"source_namespace": "olm", "install_plan_approval": "Manual"},
         {"subscriptionConfig": {"sourceNamespace": "olm", "installPlanApproval": "Manual"}}),
        ("image_pull_specs", {"lighthouse_coredns": "img"}, {"imagePullSpecs": {"lighthouseCoreDNSImagePullSpec": "img"}}),
        ("image_pull_specs", {"route_agent": "img"}, {"imagePullSpecs": {"submarinerRouteAgentImagePullSpec": "img"}}),
    ],
)
def test_submariner_config_spec_maps_each_option(option, value, expected):
    assert R.submariner_config_spec({option: value}) == expected


def test_submariner_config_spec_omits_unset_and_foreign_options():
    options = {option: None for option in R.SUBMARINER_CONFIG_FIELDS}
    options.update({"subscription_config": {"channel": None}, "image_pull_specs": {}, "kubeconfig": "/k", "state": "present"})
    assert R.submariner_config_spec(options) == {}


def test_submariner_config_spec_keeps_false_and_zero():
    spec = R.submariner_config_spec({"natt_enable": False, "load_balancer_enable": False, "gateways": 0})
    assert spec == {"NATTEnable": False, "loadBalancerEnable": False, "gatewayConfig": {"gateways": 0}}


def test_submariner_config_spec_gateway_config_merges_paths():
    spec = R.submariner_config_spec({"gateways": 2, "aws_instance_type": "m5.xlarge"})
    assert spec == {"gatewayConfig": {"gateways": 2, "aws": {"instanceType": "m5.xlarge"}}}
    assert "instanceType" not in spec["gatewayConfig"]


def test_submariner_config_spec_ignores_unknown_nested_keys():
    assert R.submariner_config_spec({"subscription_config": {"bogus": "x", "channel": "c"}}) == {"subscriptionConfig": {"channel": "c"}}


def test_every_spec_field_is_in_the_crd():
    validate = crd_validator("submarinerconfigs.submarineraddon.open-cluster-management.io.yaml", "v1alpha1")
    obj = R.build_submariner_config("cluster1", FULL_OPTIONS)
    validate(obj)
    json_names = set(obj["spec"])
    assert {"IPSecNATTPort", "NATTDiscoveryPort", "NATTEnable", "IPSecIKEPort", "IPSecDebug", "IPSecCertAuthMode", "Debug",
            "cableDriver", "globalCIDR", "loadBalancerEnable", "airGappedDeployment", "insecureBrokerConnection",
            "haltOnCertificateError", "hostedCluster", "forceUDPEncaps", "credentialsSecret", "subscriptionConfig",
            "imagePullSpecs", "gatewayConfig"} == json_names
    assert len(obj["spec"]["imagePullSpecs"]) == len(R.IMAGE_PULL_SPEC_FIELDS)
    assert len(obj["spec"]["subscriptionConfig"]) == len(R.SUBSCRIPTION_CONFIG_FIELDS)


def test_strict_validation_catches_the_documented_wrong_path():
    jsonschema = pytest.importorskip("jsonschema")
    validate = crd_validator("submarinerconfigs.submarineraddon.open-cluster-management.io.yaml", "v1alpha1")
    obj = R.build_submariner_config("cluster1", {"gateways": 1})
    obj["spec"]["gatewayConfig"]["instanceType"] = "m5.xlarge"  # upstream docs' mistake
    with pytest.raises(jsonschema.ValidationError):
        validate(obj)


def test_build_submariner_config_identity_and_annotations():
    obj = R.build_submariner_config("cluster1", FULL_OPTIONS)
    assert obj["apiVersion"] == "submarineraddon.open-cluster-management.io/v1alpha1"
    assert obj["kind"] == "SubmarinerConfig"
    assert obj["metadata"]["name"] == "submariner"
    assert obj["metadata"]["namespace"] == "cluster1"
    assert obj["metadata"]["annotations"] == {
        "submariner.io/skip-cloud-prepare": "true",
        "submariner.io/vpc-id": "vpc-0123",
        "submariner.io/subnet-id-list": "subnet-a,subnet-b",
        "submariner.io/control-plane-sg-id": "sg-cp",
        "submariner.io/worker-sg-id": "sg-w",
    }


def test_build_submariner_config_legacy_name_and_minimal_spec():
    obj = R.build_submariner_config("cluster1", {"ipsec_natt_port": 4500}, name="subconfig")
    assert obj["metadata"] == {"name": "subconfig", "namespace": "cluster1"}
    assert obj["spec"] == {"IPSecNATTPort": 4500}


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, {}),
        ({"skip_cloud_prepare": True}, {C.SKIP_CLOUD_PREPARE_ANNOTATION: "true"}),
        ({"skip_cloud_prepare": False}, {C.SKIP_CLOUD_PREPARE_ANNOTATION: None}),
        ({"subnet_ids": "subnet-a, subnet-b,"}, {C.SUBNET_ID_LIST_ANNOTATION: "subnet-a,subnet-b"}),
        ({"subnet_ids": []}, {C.SUBNET_ID_LIST_ANNOTATION: None}),
        ({"vpc_id": ""}, {C.VPC_ID_ANNOTATION: None}),
        ({"worker_sg_id": "sg-1", "control_plane_sg_id": "sg-2"},
         {C.WORKER_SG_ID_ANNOTATION: "sg-1", C.CONTROL_PLANE_SG_ID_ANNOTATION: "sg-2"}),
    ],
)
def test_submariner_config_annotations(options, expected):
    assert R.submariner_config_annotations(options) == expected


def test_build_submariner_config_leaves_removed_annotations_out():
    obj = R.build_submariner_config("c1", {"skip_cloud_prepare": False, "vpc_id": ""})
    assert "annotations" not in obj["metadata"]


# --- ManagedClusterSet and binding ------------------------------------------------------------


@pytest.mark.parametrize(
    "version, spec, crd",
    [
        ("v1beta2", {"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}, "managedclustersets.cluster.open-cluster-management.io.yaml"),
        ("v1alpha1", {}, "managedclustersets.cluster.open-cluster-management.io.v1alpha1.yaml"),
    ],
)
def test_build_managed_cluster_set_validates(version, spec, crd):
    obj = R.build_managed_cluster_set("submariner", version)
    assert obj["spec"] == spec
    assert obj["metadata"] == {"name": "submariner"}
    crd_validator(crd, version)(obj)


def test_build_managed_cluster_set_v1beta1_uses_its_own_selector_name():
    obj = R.build_managed_cluster_set("blue", "v1beta1", labels={"team": "net"})
    assert obj["apiVersion"] == "cluster.open-cluster-management.io/v1beta1"
    assert obj["spec"] == {"clusterSelector": {"selectorType": "LegacyClusterSetLabel"}}
    assert obj["metadata"] == {"name": "blue", "labels": {"team": "net"}}


def test_build_managed_cluster_set_unknown_version():
    with pytest.raises(ValueError, match="unsupported ManagedClusterSet version 'v2'"):
        R.build_managed_cluster_set("blue", "v2")


@pytest.mark.parametrize(
    "version, crd",
    [
        ("v1beta2", "managedclustersetbindings.cluster.open-cluster-management.io.yaml"),
        ("v1alpha1", "managedclustersetbindings.cluster.open-cluster-management.io.v1alpha1.yaml"),
    ],
)
def test_build_managed_cluster_set_binding(version, crd):
    obj = R.build_managed_cluster_set_binding("blue", "apps", version)
    assert obj["metadata"] == {"name": "blue", "namespace": "apps"}
    assert obj["spec"] == {"clusterSet": "blue"}
    crd_validator(crd, version)(obj)


def test_build_managed_cluster_set_binding_unknown_version():
    with pytest.raises(ValueError):
        R.build_managed_cluster_set_binding("blue", "apps", "v9")


# --- ManagedClusterAddOn ----------------------------------------------------------------------


def test_build_managed_cluster_addon_v1alpha1():
    obj = R.build_managed_cluster_addon("cluster1")
    assert obj["metadata"] == {"name": "submariner", "namespace": "cluster1"}
    assert obj["spec"] == {"installNamespace": "submariner-operator"}
    crd_validator("managedclusteraddons.addon.open-cluster-management.io.yaml", "v1alpha1")(obj)


def test_build_managed_cluster_addon_v1beta1():
    obj = R.build_managed_cluster_addon("cluster1", version="v1beta1")
    assert obj["apiVersion"] == "addon.open-cluster-management.io/v1beta1"
    assert obj["metadata"]["annotations"] == {C.ADDON_INSTALL_NAMESPACE_ANNOTATION: "submariner-operator"}
    assert "installNamespace" not in obj["spec"]
    crd_validator("alternates/managedclusteraddons.addon.open-cluster-management.io.v1alpha1+v1beta1.yaml", "v1beta1")(obj)


def test_build_managed_cluster_addon_unknown_version():
    with pytest.raises(ValueError, match="ManagedClusterAddOn"):
        R.build_managed_cluster_addon("cluster1", version="v2")


# --- Broker ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, spec",
    [
        ({}, {}),
        ({"globalnet_enabled": False}, {"globalnetEnabled": False}),
        ({"globalnet_enabled": True, "globalnet_cidr_range": "242.0.0.0/8", "default_globalnet_cluster_size": 65536},
         {"globalnetEnabled": True, "globalnetCIDRRange": "242.0.0.0/8", "defaultGlobalnetClusterSize": 65536}),
        ({"default_globalnet_cluster_size": "1024"}, {"defaultGlobalnetClusterSize": 1024}),
    ],
)
def test_build_broker(kwargs, spec):
    obj = R.build_broker("submariner-broker-ns", **kwargs)
    assert obj["metadata"] == {
        "name": "submariner-broker",
        "namespace": "submariner-broker-ns",
        "labels": {"cluster.open-cluster-management.io/backup": "submariner"},
    }
    assert obj["spec"] == spec
    crd_validator("brokers.submariner.io.yaml", "v1alpha1")(obj)


# --- credentials Secret ----------------------------------------------------------------------


def test_build_aws_credentials_secret():
    obj = R.build_aws_credentials_secret("cluster1-aws-creds", "cluster1", "AKIAEXAMPLE", "s3cr3t/+=")
    assert obj["apiVersion"] == "v1" and obj["kind"] == "Secret" and obj["type"] == "Opaque"
    assert obj["metadata"] == {"name": "cluster1-aws-creds", "namespace": "cluster1"}
    decoded = {k: base64.b64decode(v).decode() for k, v in obj["data"].items()}
    assert decoded == {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "s3cr3t/+="}
    assert R.aws_credentials_problems(obj) == []


@pytest.mark.parametrize(
    "secret, problems",
    [
        (None, ["the secret does not exist"]),
        ({}, ["the secret does not exist"]),
        ({"data": {"aws_access_key_id": "QQ=="}}, ["the secret has no (or an empty) key 'aws_secret_access_key'"]),
        ({"data": {"aws_access_key_id": "", "aws_secret_access_key": "QQ=="}}, ["the secret has no (or an empty) key 'aws_access_key_id'"]),
        ({"stringData": {"aws_access_key_id": "a", "aws_secret_access_key": "b"}}, []),
        ({"metadata": {"name": "x"}, "data": {"osServiceAccount.json": "e30="}}, [
            "the secret has no (or an empty) key 'aws_access_key_id'", "the secret has no (or an empty) key 'aws_secret_access_key'"]),
    ],
)
def test_aws_credentials_problems(secret, problems):
    assert R.aws_credentials_problems(secret) == problems


# --- ManagedCluster label patch ------------------------------------------------------------------

SET = C.CLUSTERSET_LABEL
AGENT = C.SUBMARINER_AGENT_LABEL


@pytest.mark.parametrize(
    "options, generation, expected",
    [
        ({"ipsec_natt_port": 4500, "cable_driver": "libreswan", "subscription_config": {"channel": "alpha", "starting_csv": "v"}}, "2.2", []),
        ({"gateways": 1}, "2.2", ["gateways needs ACM 2.3 or later; this hub is ACM 2.2, whose submariner-addon ignores it"]),
        ({"gateways": 1}, (2, 3), []),
        ({"natt_discovery_port": 4490, "hosted_cluster": None}, "2.3",
         ["natt_discovery_port needs ACM 2.4 or later; this hub is ACM 2.3, whose submariner-addon ignores it"]),
        ({"hosted_cluster": True}, "2.12", []),
        ({"hosted_cluster": False}, "2.11", ["hosted_cluster needs ACM 2.12 or later; this hub is ACM 2.11, whose submariner-addon ignores it"]),
        ({"subscription_config": {"install_plan_approval": "Manual", "channel": "c"}}, "2.4",
         ["subscription_config.install_plan_approval needs ACM 2.5 or later; this hub is ACM 2.4, whose submariner-addon ignores it"]),
        ({"image_pull_specs": {"submariner": "i", "nettest": "n"}}, "2.5",
         ["image_pull_specs.nettest needs ACM 2.6 or later; this hub is ACM 2.5, whose submariner-addon ignores it"]),
        (FULL_OPTIONS, "2.17", []),
    ],
)
def test_options_newer_than(options, generation, expected):
    assert R.options_newer_than(options, generation) == expected


def test_every_spec_option_has_a_first_release():
    nested = {"%s.%s" % (option, key) for option, (_json, fields) in R.NESTED_SUBMARINER_CONFIG_FIELDS.items() for key in fields}
    assert set(R.SUBMARINER_CONFIG_FIELDS) <= set(R.SUBMARINER_CONFIG_FIELDS_SINCE)
    assert set(R.SUBMARINER_CONFIG_FIELDS_SINCE) <= set(R.SUBMARINER_CONFIG_FIELDS) | nested


def test_config_options_for_hub_drops_what_acm_22_lacks_and_refuses_what_it_cannot_honour():
    options = {"gateways": 1, "aws_instance_type": "m5n.large", "ipsec_natt_port": 4500, "credentials_secret": "c",
               "subscription_config": {"channel": "alpha", "install_plan_approval": "Manual"}}
    kept, refused = R.config_options_for_hub(options, "2.2", R.fixed_values("m5n.large"))
    assert R.submariner_config_spec(kept) == {"IPSecNATTPort": 4500, "credentialsSecret": {"name": "c"}, "subscriptionConfig": {"channel": "alpha"}}
    assert [(refusal.option, refusal.value, refusal.since) for refusal in refused] == [("subscription_config.install_plan_approval", "Manual", (2, 5))]
    kept, refused = R.config_options_for_hub({"gateways": 2}, (2, 2), R.fixed_values("m5n.large"))
    assert kept["gateways"] is None and [refusal.option for refusal in refused] == ["gateways"]
    assert R.config_options_for_hub({"gateways": 2, "aws_instance_type": "c5.large"}, "2.3", R.fixed_values("m5n.large")) == (
        {"gateways": 2, "aws_instance_type": "c5.large"}, [])


def test_refusal_message_names_the_option_the_version_and_the_fix():
    _kept, refused = R.config_options_for_hub({"natt_discovery_port": 4490}, "2.2")
    (message,) = R.refusal_messages(refused, "2.2.11", names={"natt_discovery_port": "acm_submariner_nat_discovery_port"})
    assert message == ("acm_submariner_nat_discovery_port is 4490, but this hub runs ACM 2.2.11, whose submariner-addon has no field "
                       "NATTDiscoveryPort in its SubmarinerConfig CRD, which prunes it: acm_submariner_nat_discovery_port needs ACM 2.4 "
                       "or later. Unset acm_submariner_nat_discovery_port, or upgrade the hub.")


@pytest.mark.parametrize("driver, generation, refused", [
    ("vxlan", "2.2", True), ("vxlan", "2.3", True), ("vxlan", "2.4", False), ("vxlan", "2.12", False),
    ("wireguard", "2.2", False), ("libreswan", "2.2", False),
])
def test_a_cable_driver_the_hubs_submariner_lacks_is_refused(driver, generation, refused):
    kept, refusals = R.config_options_for_hub({"cable_driver": driver, "ipsec_natt_port": 4500}, generation, R.fixed_values("m5n.large"))
    assert bool(refusals) == refused
    assert kept["cable_driver"] == (None if refused else driver)
    if refused:
        (message,) = R.refusal_messages(refusals, "2.3.2", R.fixed_values("m5n.large"), {"cable_driver": "acm_submariner_cable_driver"})
        assert message == ("acm_submariner_cable_driver is vxlan, but this hub runs ACM 2.3.2, whose submariner-addon deploys a Submariner"
                           " without that cable driver (its gateway would exit with \"unsupported cable type\"): acm_submariner_cable_driver"
                           " vxlan needs ACM 2.4 or later. Unset acm_submariner_cable_driver (or set it to libreswan), or upgrade the hub.")


def test_gateway_pod_changes_count_defaults_and_ignore_a_new_config():
    assert R.gateway_pod_changes(None, {"cableDriver": "vxlan"}) == []
    assert R.gateway_pod_changes({}, {"cableDriver": "libreswan", "IPSecNATTPort": 4500, "gatewayConfig": {"gateways": 2}}) == []
    assert R.gateway_pod_changes({"IPSecNATTPort": 4500}, {"cableDriver": "wireguard", "IPSecNATTPort": 4501}) == [
        {"field": "cableDriver", "name": "cable driver", "before": "libreswan", "after": "wireguard"},
        {"field": "IPSecNATTPort", "name": "NAT-T port", "before": 4500, "after": 4501}]

"""The world: CRDs per cluster, hub/spoke/EC2 seeding and the inventory (tests/lab/world.py)."""

import base64
import json
import types

import boto3
import pytest
import yaml
from moto import mock_aws

from tests.lab import aws, crds as lab_crds, world as lab_world
from tests.lab.crds_builtin import FILE_NAMES, builtin_crd

MACHINE_API = "machine.openshift.io/v1beta1"


def options(**overrides):
    values = {"profile": "acm-2.12", "clusters": 2, "overlap": True, "network_type": "OpenShiftSDN", "ocp_naming": "legacy",
              "time_scale": 0, "state_dir": "/tmp/lab-state"}
    values.update(overrides)
    return types.SimpleNamespace(**values)


def seeded_lab(**overrides):
    lab = lab_world.LocalLab(options(**overrides), lambda region: boto3.client("ec2", region_name=region))
    lab.world.seed()
    return lab


@pytest.fixture(name="lab212", scope="module")
def lab212_fixture():
    with mock_aws():
        yield seeded_lab()


@pytest.fixture(name="lab22", scope="module")
def lab22_fixture():
    with mock_aws():
        yield seeded_lab(profile="acm-2.2", overlap=False, network_type="OVNKubernetes", ocp_naming="capi", clusters=3)


def _served_versions(crds, kind):
    return [version["name"] for crd in crds if crd["spec"]["names"]["kind"] == kind for version in crd["spec"]["versions"]]


def test_hub_crds_follow_the_profile(lab212, lab22):
    assert _served_versions(lab212.world.crds_for("hubcluster"), "ManagedClusterSet") == ["v1beta2"]
    assert _served_versions(lab22.world.crds_for("hubcluster"), "ManagedClusterSet") == ["v1alpha1"]
    assert _served_versions(lab22.world.crds_for("hubcluster"), "Broker") == []
    spoke_kinds = {crd["spec"]["names"]["kind"] for crd in lab212.world.crds_for("cluster1")}
    assert {"MachineSet", "Machine", "Network", "Submariner", "Gateway", "ServiceExport"} <= spoke_kinds
    assert "ManagedCluster" not in spoke_kinds


def test_missing_upstream_crds_stop_the_lab_with_one_line_naming_the_file(tmp_path):
    world = lab_world.World(types.SimpleNamespace(options=options(crds_dir=str(tmp_path)), hub=None, spokes={}))
    with pytest.raises(lab_crds.MissingCRDs) as caught:
        world.crds_for("hubcluster")
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path / world.profile.hub_crds[0]) in message
    assert "LAB_CRDS_DIR" in message and "shared/crds" in message


def test_the_crds_check_names_the_missing_directory_and_passes_on_the_shared_crds(tmp_path, capsys):
    assert lab_crds.main([str(tmp_path / "absent")]) == 1
    line = capsys.readouterr().err
    assert line.count("\n") == 1 and str(tmp_path / "absent") in line and "LAB_CRDS_DIR" in line
    assert lab_crds.main([]) == 0, "make test runs with the upstream CRDs ($LAB_CRDS_DIR or ../shared/crds)"


def test_builtin_crds_stand_in_only_when_asked(tmp_path):
    world = lab_world.World(types.SimpleNamespace(options=options(crds_dir=str(tmp_path), builtin_crds=True), hub=None, spokes={}))
    crds = world.crds_for("hubcluster")
    assert crds == [builtin_crd(name) for name in world.profile.hub_crds]
    set_crd = builtin_crd("managedclustersets.cluster.open-cluster-management.io.v1alpha1.yaml")
    assert set_crd["metadata"]["name"] == "managedclustersets.cluster.open-cluster-management.io"
    assert set_crd["spec"]["scope"] == "Cluster" and set_crd["spec"]["names"]["shortNames"] == ["mclset", "mclsets"]
    assert set(world.profile.hub_crds) | set(world.profile.spoke_crds) <= set(FILE_NAMES)


def test_builtin_crds_install_and_serve_objects():
    with mock_aws():
        lab = lab_world.LocalLab(options(crds_dir="/nonexistent", builtin_crds=True), lambda region: boto3.client("ec2", region_name=region))
        lab.world.seed()
        assert len(lab.hub.list("cluster.open-cluster-management.io/v1", "ManagedCluster")) == 2


def test_hub_holds_the_acm_objects(lab212):
    hub = lab212.hub
    mch = hub.get("operator.open-cluster-management.io/v1", "MultiClusterHub", "multiclusterhub", "open-cluster-management")
    assert mch["status"]["currentVersion"].startswith("2.12.")
    assert hub.get("addon.open-cluster-management.io/v1alpha1", "ClusterManagementAddOn", "submariner") is not None
    sets = {item["metadata"]["name"]: item for item in hub.list("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet")}
    assert sets["global"]["spec"]["clusterSelector"]["selectorType"] == "LabelSelector"
    assert sets["default"]["spec"]["clusterSelector"]["selectorType"] == "ExclusiveClusterSetLabel"


def test_managed_clusters_are_joined_with_claims_and_labels(lab212):
    clusters = {item["metadata"]["name"]: item for item in lab212.hub.list("cluster.open-cluster-management.io/v1", "ManagedCluster")}
    assert sorted(clusters) == ["aws-sub1", "aws-sub2"]
    cluster = clusters["aws-sub1"]
    assert cluster["spec"]["hubAcceptsClient"] is True
    claims = {claim["name"]: claim["value"] for claim in cluster["status"]["clusterClaims"]}
    assert claims["platform.open-cluster-management.io"] == "AWS"
    assert claims["product.open-cluster-management.io"] == "OpenShift"
    assert claims["region.open-cluster-management.io"] == "eu-west-1"
    assert json.loads(claims["infrastructure.openshift.io"]) == {"infraName": aws.infra_id("aws-sub1")}
    assert claims["version.openshift.io"].startswith("4.14.")
    conditions = {condition["type"]: condition["status"] for condition in cluster["status"]["conditions"]}
    assert conditions["ManagedClusterConditionAvailable"] == conditions["ManagedClusterJoined"] == "True"
    labels = cluster["metadata"]["labels"]
    assert (labels["cloud"], labels["vendor"], labels["openshiftVersion-major-minor"]) == ("Amazon", "OpenShift", "4.14")
    assert labels["cluster.open-cluster-management.io/clusterset"] == "default"


def test_credentials_and_cluster_deployments(lab212):
    secret = lab212.hub.get("v1", "Secret", "aws-sub2-aws-creds", "aws-sub2")
    keys = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert set(keys) == {"aws_access_key_id", "aws_secret_access_key"}
    ec2 = lab212.world.ec2("eu-west-1", keys)
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{aws.infra_id('aws-sub2')}-vpc"]}])["Vpcs"]
    deployment = lab212.hub.get("hive.openshift.io/v1", "ClusterDeployment", "aws-sub2", "aws-sub2")
    assert deployment["spec"]["platform"]["aws"]["credentialsSecretRef"]["name"] == "aws-sub2-aws-creds"
    assert deployment["spec"]["clusterMetadata"]["infraID"] == aws.infra_id("aws-sub2")
    install_config = lab212.hub.get("v1", "Secret", "aws-sub2-install-config", "aws-sub2")
    networking = yaml.safe_load(base64.b64decode(install_config["data"]["install-config.yaml"]))["networking"]
    assert networking["clusterNetwork"][0]["cidr"] == "10.128.0.0/14"


def _network(lab, context):
    return lab.spokes[context].get("config.openshift.io/v1", "Network", "cluster")


def test_overlapping_networks_by_default(lab212):
    for context in ("cluster1", "cluster2"):
        network = _network(lab212, context)
        assert network["spec"]["clusterNetwork"][0]["cidr"] == "10.128.0.0/14"
        assert network["spec"]["serviceNetwork"] == ["172.30.0.0/16"]
        assert network["spec"]["networkType"] == "OpenShiftSDN"


def test_distinct_networks_keep_the_seed_values(lab22):
    cidrs = {context: (_network(lab22, context)["spec"]["clusterNetwork"][0]["cidr"], _network(lab22, context)["spec"]["serviceNetwork"][0])
             for context in ("cluster1", "cluster2", "cluster3")}
    assert cidrs["cluster1"] == ("10.132.0.0/14", "172.31.0.0/16")
    assert cidrs["cluster2"] == ("10.128.0.0/14", "172.30.0.0/16")
    assert len(set(cidrs.values())) == 3
    assert _network(lab22, "cluster3")["spec"]["networkType"] == "OVNKubernetes"


def test_acm_2_2_hub_has_no_default_sets_and_capi_names(lab22):
    assert lab22.hub.list("cluster.open-cluster-management.io/v1alpha1", "ManagedClusterSet") == []
    cluster = lab22.hub.get("cluster.open-cluster-management.io/v1", "ManagedCluster", "aws-sub3")
    assert "cluster.open-cluster-management.io/clusterset" not in cluster["metadata"]["labels"]
    assert cluster["metadata"]["labels"]["openshiftVersion"].startswith("4.16.")
    machineset = lab22.spokes["cluster3"].list(MACHINE_API, "MachineSet")[0]
    filters = machineset["spec"]["template"]["spec"]["providerSpec"]["value"]["securityGroups"][0]["filters"][0]
    assert filters["values"] == [f"{aws.infra_id('aws-sub3')}-node"]


def test_spokes_have_worker_machinesets_machines_and_nodes(lab212):
    spoke = lab212.spokes["cluster1"]
    infra = aws.infra_id("aws-sub1")
    machinesets = spoke.list(MACHINE_API, "MachineSet", "openshift-machine-api")
    assert sorted(item["metadata"]["name"] for item in machinesets) == [f"{infra}-worker-eu-west-1{zone}" for zone in "abc"]
    provider = machinesets[0]["spec"]["template"]["spec"]["providerSpec"]["value"]
    assert provider["instanceType"] == "m5.xlarge"
    assert provider["iamInstanceProfile"] == {"id": f"{infra}-worker-profile"}
    assert provider["credentialsSecret"] == {"name": "aws-cloud-credentials"}
    assert provider["subnet"]["filters"][0]["values"] == [f"{infra}-private-eu-west-1a"]
    assert machinesets[0]["status"]["readyReplicas"] == 1
    machines = spoke.list(MACHINE_API, "Machine", "openshift-machine-api", label_selector="machine.openshift.io/cluster-api-machine-role=worker")
    assert {machine["status"]["phase"] for machine in machines} == {"Running"}
    instance_ids = {machine["status"]["providerStatus"]["instanceId"] for machine in machines}
    assert instance_ids == set(lab212.world.seeded["aws-sub1"].worker_instances.values())
    nodes = spoke.list("v1", "Node", label_selector="node-role.kubernetes.io/worker")
    assert len(nodes) == 3
    assert {node["metadata"]["labels"]["topology.kubernetes.io/zone"] for node in nodes} == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}
    ready = [condition for node in spoke.list("v1", "Node") for condition in node["status"]["conditions"] if condition["type"] == "Ready"]
    assert [condition["status"] for condition in ready] == ["True"] * 6


def test_spokes_have_a_tainted_control_plane(lab212):
    spoke = lab212.spokes["cluster2"]
    infra = aws.infra_id("aws-sub2")
    machines = spoke.list(MACHINE_API, "Machine", "openshift-machine-api", label_selector="machine.openshift.io/cluster-api-machine-role=master")
    assert sorted(machine["metadata"]["name"] for machine in machines) == [f"{infra}-master-{index}" for index in range(3)]
    assert all("ownerReferences" not in machine["metadata"] for machine in machines)
    nodes = spoke.list("v1", "Node", label_selector="node-role.kubernetes.io/control-plane")
    assert len(nodes) == 3
    assert {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"} in nodes[0]["spec"]["taints"]
    assert "node-role.kubernetes.io/worker" not in nodes[0]["metadata"]["labels"]


def test_inventory(lab212):
    inventory = lab212.world.inventory()["all"]["children"]
    hub = inventory["acm_hub"]["hosts"]["hub"]
    assert hub["acm_submariner_hub_context"] == "hubcluster"
    assert hub["acm_submariner_kubeconfig"] == "/tmp/lab-state/kubeconfig"
    clusters = inventory["managed_clusters"]["hosts"]
    assert sorted(clusters) == ["aws-sub1", "aws-sub2"]
    assert clusters["aws-sub2"]["acm_submariner_cluster_context"] == "cluster2"
    assert clusters["aws-sub2"]["acm_submariner_region"] == "eu-west-1"
    assert clusters["aws-sub2"]["ansible_connection"] == "local"


def test_cluster_names_and_networks():
    assert lab_world.cluster_name(7) == "aws-sub7"
    assert lab_world.cluster_networks(7, overlap=True) == ("10.128.0.0/14", "172.30.0.0/16")
    distinct = {lab_world.cluster_networks(index, overlap=False) for index in range(1, 21)}
    assert len(distinct) == 20

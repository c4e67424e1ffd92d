"""The cloud-prepare engine against moto and a spoke store (tests/lab/controllers/cloud_prepare.py)."""

import types

import boto3
import pytest
from moto import mock_aws

from tests.lab import aws, profiles, world as lab_world
from tests.lab.apiserver.store import Store
from tests.lab.controllers import cloud_prepare
from tests.lab.controllers.cloud_prepare import CloudPrepareFailed, Plan, clean_up_cluster, prepare_cluster
from tests.lab.controllers.machine_api import MACHINE_API, NAMESPACE, MachineApiController

PUBLIC = "0.0.0.0/0"


class Cluster:
    """A seeded cluster: its EC2 ids and spoke store."""

    def __init__(self, lab, seeded, spoke):
        self.lab = lab
        self.seeded = seeded
        self.spoke = spoke

    @property
    def ec2(self):
        return self.lab.world.ec2()

    def plan(self, profile="acm-2.12", **overrides):
        values = {"profile": profiles.get(profile), "infra_id": self.seeded.infra_id, "region": "eu-west-1", "network_type": "OpenShiftSDN"}
        values.update(overrides)
        return Plan(**values)

    def gateway_machinesets(self):
        return [item for item in self.spoke.list(MACHINE_API, "MachineSet", NAMESPACE) if "-submariner-gw-" in item["metadata"]["name"]]


@pytest.fixture(name="lab", scope="module")
def lab_fixture():
    """aws-sub1 (legacy naming) from the world, plus aws-sub9 seeded with CAPI naming on its own spoke, machine-api running."""
    with mock_aws():
        options = types.SimpleNamespace(profile="acm-2.12", clusters=1, overlap=True, network_type="OpenShiftSDN", ocp_naming="legacy",
                                        time_scale=0, state_dir="/tmp/lab-state")
        lab = lab_world.LocalLab(options, lambda region: boto3.client("ec2", region_name=region))
        lab.world.seed()
        capi_spoke = Store("cluster9")
        for crd in lab.world.crds_for("cluster9"):
            capi_spoke.create(crd)
        capi_spoke.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        lab.spokes["cluster9"] = capi_spoke
        lab.capi = aws.seed_cluster(lab.world.ec2(), "aws-sub9", naming="capi")
        lab.world.reactor.start()
        controller = MachineApiController(lab.world)
        lab.world.controllers = [controller]
        controller.start()
        lab.baseline = aws.snapshot(lab.world.ec2())
        yield lab
        lab.world.stop()
        assert not lab.world.reactor.errors


SG_DELETE_ATTEMPTS = 5


@pytest.fixture(name="legacy")
def legacy_fixture(lab):
    cluster = Cluster(lab, lab.world.seeded["aws-sub1"], lab.spokes["cluster1"])
    yield cluster
    _assert_back_to_seed(cluster)


@pytest.fixture(name="capi")
def capi_fixture(lab):
    cluster = Cluster(lab, lab.capi, lab.spokes["cluster9"])
    yield cluster
    _assert_back_to_seed(cluster)


def _prepare(cluster, plan):
    """Prepare from the test thread, then let machine-api finish (in the lab both run on the reactor thread, never overlapping)."""
    try:
        return prepare_cluster(cluster.ec2, cluster.spoke, plan)
    finally:
        assert cluster.lab.world.settle(10)


def _retrying_dependency_violation(cluster, clean):
    """Run ``clean`` as cloud-prepare's deleteGatewaySG does: while the terminating gateway instances
    still use the group (DependencyViolation), let machine-api go on and try again. The MachineSets
    an interrupted attempt already deleted count as released by the clean-up."""
    released = set()
    for _attempt in range(SG_DELETE_ATTEMPTS - 1):
        before = {machineset["metadata"]["name"] for machineset in cluster.gateway_machinesets()}
        try:
            result = clean()
            break
        except CloudPrepareFailed as error:
            if "DependencyViolation" not in str(error):
                raise
            released |= before - {machineset["metadata"]["name"] for machineset in cluster.gateway_machinesets()}
        assert cluster.lab.world.settle(10)
    else:
        result = clean()
    if "machinesets" in result:
        result = dict(result, machinesets=sorted(released | set(result["machinesets"])))
    return result


def _clean_up(cluster, plan):
    try:
        return _retrying_dependency_violation(cluster, lambda: clean_up_cluster(cluster.ec2, cluster.spoke, plan))
    finally:
        assert cluster.lab.world.settle(10)


def _assert_back_to_seed(cluster):
    assert cluster.lab.world.settle(10)
    assert aws.snapshot(cluster.ec2) == cluster.lab.baseline
    assert cluster.gateway_machinesets() == []


def _group(cluster, name):
    groups = [group for group in aws.snapshot(cluster.ec2)["security_groups"] if group["name"] == name]
    return groups[0] if groups else None


def _subnet_tags(cluster):
    return {subnet["az"]: subnet["tags"] for subnet in aws.snapshot(cluster.ec2)["subnets"] if subnet["id"] in cluster.seeded.public_subnets.values()}


def _public(protocol, port, description):
    return {"protocol": protocol, "from": port, "to": port, "cidr": PUBLIC, "description": description}


def _submariner_internal(group, cluster):
    ids = {cluster.seeded.worker_sg_id: "worker", cluster.seeded.control_plane_sg_id: "control_plane"}
    return sorted((rule["protocol"], rule["from"], ids[rule["group"]], rule["description"])
                  for rule in group["ingress"] if rule.get("group") and rule["from"] in (4800, 8080))


def _full_cycle(cluster, plan, expected_public, worker_sg_name):
    infra = cluster.seeded.infra_id
    result = _prepare(cluster, plan)
    assert result["machinesets"] == [f"{infra}-submariner-gw-eu-west-1a"]

    gateway_sg = _group(cluster, f"{infra}-submariner-gw-sg")
    assert gateway_sg["description"] == plan.profile.gateway_sg_description
    assert gateway_sg["tags"] == {"Name": f"{infra}-submariner-gw-sg"}
    assert gateway_sg["ingress"] == sorted(expected_public, key=lambda rule: str(sorted(rule.items())))

    tags = _subnet_tags(cluster)
    assert set(plan.profile.gateway_subnet_tags) <= set(tags["eu-west-1a"])
    assert not set(plan.profile.gateway_subnet_tags) & set(tags["eu-west-1b"])

    [machineset] = cluster.gateway_machinesets()
    template = machineset["spec"]["template"]["spec"]
    provider = template["providerSpec"]["value"]
    assert machineset["metadata"]["labels"] == {"machine.openshift.io/cluster-api-cluster": infra}
    assert template["metadata"]["labels"]["submariner.io/gateway"] == "true"
    assert ("node-role.kubernetes.io/infra" in template["metadata"]["labels"]) == plan.profile.gateway_infra_label
    assert template["taints"] == [{"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}]
    assert provider["instanceType"] == "m5n.large" and provider["publicIp"] is True
    assert provider["ami"] == {"id": cluster.seeded.ami_id}
    assert provider["securityGroups"][0]["filters"][0]["values"] == [worker_sg_name, f"{infra}-submariner-gw-sg"]
    assert provider["subnet"]["filters"][0]["values"] == [cluster.seeded.subnet_name("public", "eu-west-1a")]
    assert {"name": "submariner.io", "value": "gateway"} in provider["tags"]

    gateway = [instance for instance in aws.snapshot(cluster.ec2)["instances"] if "-submariner-gw-" in instance["tags"]["Name"]]
    assert len(gateway) == 1 and gateway[0]["public_ip"] and gateway[0]["type"] == "m5n.large"
    assert gateway[0]["security_groups"] == sorted([gateway_sg["id"], cluster.seeded.worker_sg_id])
    internal = (_submariner_internal(_group(cluster, worker_sg_name), cluster),
                _submariner_internal(_group(cluster, cluster.seeded.control_plane_sg_name), cluster))

    removed = _clean_up(cluster, plan)
    assert removed["machinesets"] == [f"{infra}-submariner-gw-eu-west-1a"]
    return internal


def test_acm_2_12_legacy_prepare_then_clean_up(legacy):
    public = [_public("udp", 4500, "Public Submariner traffic"), _public("udp", 4900, "Public Submariner traffic"),
              _public("50", 0, "Public Submariner traffic"), _public("51", 0, "Public Submariner traffic")]
    worker, control_plane = _full_cycle(legacy, legacy.plan(), public, f"{legacy.seeded.infra_id}-worker-sg")
    assert worker == [("udp", 4800, "control_plane", "Internal Submariner traffic from control plane to worker nodes"),
                      ("udp", 4800, "worker", "Internal Submariner traffic between the workers")]
    assert control_plane == [("udp", 4800, "worker", "Internal Submariner traffic from worker to control plane nodes")]


def test_acm_2_12_capi_naming(capi):
    public = [_public("udp", 4500, "Public Submariner traffic"), _public("udp", 4900, "Public Submariner traffic"),
              _public("50", 0, "Public Submariner traffic"), _public("51", 0, "Public Submariner traffic")]
    worker, _control_plane = _full_cycle(capi, capi.plan(), public, f"{capi.seeded.infra_id}-node")
    assert len(worker) == 2


def test_acm_2_2_opens_ike_natt_and_route_and_metrics_ports(legacy):
    public = [_public("udp", 500, ""), _public("udp", 4500, "")]
    worker, control_plane = _full_cycle(legacy, legacy.plan("acm-2.2", network_type="OVNKubernetes"), public, f"{legacy.seeded.infra_id}-worker-sg")
    assert worker == [("tcp", 8080, "control_plane", ""), ("tcp", 8080, "worker", ""), ("udp", 4800, "control_plane", ""), ("udp", 4800, "worker", "")]
    assert control_plane == [("tcp", 8080, "worker", ""), ("udp", 4800, "worker", "")]


def test_ovn_kubernetes_skips_the_4800_rules(legacy):
    plan = legacy.plan(network_type="OVNKubernetes")
    result = _prepare(legacy, plan)
    assert result["internal_rules"] == []
    assert _submariner_internal(_group(legacy, legacy.seeded.worker_sg_name), legacy) == []
    _clean_up(legacy, plan)


def test_prepare_is_idempotent(legacy):
    plan = legacy.plan(gateways=2)
    _prepare(legacy, plan)
    state = aws.snapshot(legacy.ec2)
    versions = {item["metadata"]["name"]: item["metadata"]["resourceVersion"] for item in legacy.gateway_machinesets()}
    _prepare(legacy, plan)
    assert aws.snapshot(legacy.ec2) == state
    assert {item["metadata"]["name"]: item["metadata"]["resourceVersion"] for item in legacy.gateway_machinesets()} == versions
    _clean_up(legacy, plan)


def test_fewer_gateways_change_nothing_and_more_tagged_than_asked_tags_them_all(legacy):
    """cloud-prepare release-0.19 processSubnets: nothing is untagged or deleted, and its stop test
    (``len(taggedSubnets) == input.Gateways``) never holds once more subnets are tagged than asked for."""
    infra = legacy.seeded.infra_id
    _prepare(legacy, legacy.plan(gateways=2))
    assert [item["metadata"]["name"] for item in legacy.gateway_machinesets()] == [f"{infra}-submariner-gw-eu-west-1a", f"{infra}-submariner-gw-eu-west-1b"]
    _prepare(legacy, legacy.plan(gateways=1))
    assert len(legacy.gateway_machinesets()) == 3
    assert all("submariner.io/gateway" in tags for tags in _subnet_tags(legacy).values())
    _clean_up(legacy, legacy.plan())
    assert legacy.gateway_machinesets() == []
    assert not any("submariner.io/gateway" in tags for tags in _subnet_tags(legacy).values())


@pytest.mark.parametrize("instance_type, gateways, usable", [("m5n.large", 4, 3), ("p4d.24xlarge", 2, 1)])
def test_insufficient_public_subnets(legacy, instance_type, gateways, usable):
    plan = legacy.plan(gateways=gateways, instance_type=instance_type)
    with pytest.raises(CloudPrepareFailed, match=rf"^insufficient number of public subnets \({usable}\) to deploy {gateways} Submariner gateway\(s\)$"):
        _prepare(legacy, plan)
    assert legacy.gateway_machinesets() == []
    _clean_up(legacy, plan)


def test_instance_type_limits_the_zones(legacy):
    plan = legacy.plan(instance_type="p4d.24xlarge")
    result = _prepare(legacy, plan)
    assert result["machinesets"] == [f"{legacy.seeded.infra_id}-submariner-gw-eu-west-1c"]
    _clean_up(legacy, plan)


def test_missing_worker_security_group(legacy):
    ec2 = legacy.ec2
    name = legacy.seeded.worker_sg_name
    ec2.create_tags(Resources=[legacy.seeded.worker_sg_id], Tags=[{"Key": "Name", "Value": "renamed"}])
    try:
        with pytest.raises(CloudPrepareFailed, match=f"^security group {name} not found$"):
            prepare_cluster(ec2, legacy.spoke, legacy.plan())
    finally:
        ec2.create_tags(Resources=[legacy.seeded.worker_sg_id], Tags=[{"Key": "Name", "Value": name}])


def test_missing_vpc(legacy):
    with pytest.raises(CloudPrepareFailed, match="^unable to find VPC nope-abcde-vpc$"):
        _prepare(legacy, legacy.plan(infra_id="nope-abcde"))


def test_gateways_below_one(legacy):
    with pytest.raises(CloudPrepareFailed, match="^the count of gateways is less than 1$"):
        _prepare(legacy, legacy.plan(gateways=0))


def test_custom_vpc_subnets_and_security_groups(legacy):
    seeded = legacy.seeded
    plan = legacy.plan(vpc_id=seeded.vpc_id, subnet_ids=(seeded.public_subnets["eu-west-1b"],),
                       worker_sg_id=seeded.worker_sg_id, control_plane_sg_id=seeded.control_plane_sg_id)
    result = _prepare(legacy, plan)
    assert result["gateway_subnets"] == [seeded.public_subnets["eu-west-1b"]]
    assert result["machinesets"] == [f"{seeded.infra_id}-submariner-gw-eu-west-1b"]
    _clean_up(legacy, plan)


def test_config_ports_are_opened(legacy):
    plan = legacy.plan(config_spec={"IPSecNATTPort": 4501, "NATTDiscoveryPort": 4490})
    _prepare(legacy, plan)
    ports = {(rule["protocol"], rule["from"]) for rule in _group(legacy, f"{legacy.seeded.infra_id}-submariner-gw-sg")["ingress"]}
    assert ports == {("udp", 4501), ("udp", 4490), ("50", 0), ("51", 0)}
    _clean_up(legacy, plan)


def test_entry_points_take_the_addon_request(legacy):
    request = {"profile": "acm-2.12", "cluster": "aws-sub1", "region": "eu-west-1", "infra_id": legacy.seeded.infra_id,
               "credentials": {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "secret"}, "gateways": 1,
               "instance_type": "", "config_spec": {}, "network_type": "OpenShiftSDN", "vpc_id": "", "subnet_ids": [],
               "worker_sg_id": "", "control_plane_sg_id": ""}
    assert cloud_prepare.prepare(legacy.lab.world, request)["machinesets"] == [f"{legacy.seeded.infra_id}-submariner-gw-eu-west-1a"]
    assert len(legacy.gateway_machinesets()) == 1
    assert legacy.lab.world.settle(10)
    assert _retrying_dependency_violation(legacy, lambda: cloud_prepare.clean_up(legacy.lab.world, request))["gateway_security_group"]
    with pytest.raises(CloudPrepareFailed, match="managed cluster aws-sub5 is not reachable"):
        cloud_prepare.prepare(legacy.lab.world, {**request, "cluster": "aws-sub5"})

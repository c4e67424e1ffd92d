"""machine-api on a spoke: MachineSet -> Machines -> EC2 instances -> Nodes (tests/lab/controllers/machine_api.py)."""

import time
import types

import boto3
import pytest
from moto import mock_aws

from tests.lab import aws, world as lab_world
from tests.lab.controllers.machine_api import MACHINE_API, NAMESPACE, MachineApiController, aws_machineset

INFRA = aws.infra_id("aws-sub1")


def start_lab(time_scale=0.0):
    options = types.SimpleNamespace(profile="acm-2.12", clusters=1, overlap=True, network_type="OVNKubernetes", ocp_naming="legacy",
                                    time_scale=time_scale, state_dir="/tmp/lab-state")
    lab = lab_world.LocalLab(options, lambda region: boto3.client("ec2", region_name=region))
    lab.world.seed()
    lab.world.reactor.start()
    controller = MachineApiController(lab.world)
    lab.world.controllers = [controller]
    controller.start()
    return lab


@pytest.fixture(name="lab", scope="module")
def lab_fixture():
    """One lab for the module: each test works on its own MachineSet (or zone) and compares counts relatively."""
    with mock_aws():
        lab = start_lab()
        yield lab
        lab.world.stop()
        assert not lab.world.reactor.errors


def _spoke(lab):
    return lab.spokes["cluster1"]


def _machines(lab, machineset):
    return [machine for machine in _spoke(lab).list(MACHINE_API, "Machine", NAMESPACE)
            if machine["metadata"]["labels"].get("machine.openshift.io/cluster-api-machineset") == machineset]


def _instance(lab, instance_id):
    return lab.world.ec2().describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def _scale(lab, name, replicas):
    spoke = _spoke(lab)
    machineset = spoke.get(MACHINE_API, "MachineSet", name, NAMESPACE)
    machineset["spec"]["replicas"] = replicas
    spoke.update(machineset)
    assert lab.world.settle(10)


def _gateway_like_machineset(lab, name, zone="eu-west-1a", instance_type="m5n.large"):
    seeded = lab.world.seeded["aws-sub1"]
    return aws_machineset(
        name=name, infra=INFRA, region="eu-west-1", availability_zone=zone, ami=seeded.ami_id, instance_type=instance_type,
        subnet_name=seeded.subnet_name("public", zone), security_group_names=[seeded.worker_sg_name], public_ip=True,
        node_labels={"submariner.io/gateway": "true"}, taints=[{"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}],
    )


def test_seeded_machines_are_left_alone(lab):
    assert lab.world.settle(10)
    machines = _spoke(lab).list(MACHINE_API, "Machine", NAMESPACE)
    assert sorted(machine["metadata"]["name"] for machine in machines) == (
        [f"{INFRA}-master-{index}" for index in range(3)] + [aws.worker_instance_name(INFRA, f"eu-west-1{zone}") for zone in "abc"])
    assert len(aws.snapshot(lab.world.ec2())["instances"]) == 6


def test_new_machineset_gets_machine_instance_and_node(lab):
    spoke = _spoke(lab)
    spoke.create(_gateway_like_machineset(lab, f"{INFRA}-gw-eu-west-1a"))
    assert lab.world.settle(10)
    [machine] = _machines(lab, f"{INFRA}-gw-eu-west-1a")
    assert machine["status"]["phase"] == "Running"
    assert machine["metadata"]["ownerReferences"][0]["name"] == f"{INFRA}-gw-eu-west-1a"
    instance = _instance(lab, machine["status"]["providerStatus"]["instanceId"])
    seeded = lab.world.seeded["aws-sub1"]
    assert instance["InstanceType"] == "m5n.large"
    assert instance["SubnetId"] == seeded.public_subnets["eu-west-1a"]
    assert [group["GroupId"] for group in instance["SecurityGroups"]] == [seeded.worker_sg_id]
    assert instance["ImageId"] == seeded.ami_id
    assert instance["PublicIpAddress"]
    assert {"Key": "Name", "Value": machine["metadata"]["name"]} in instance["Tags"]
    node = spoke.get("v1", "Node", machine["status"]["nodeRef"]["name"])
    assert node["metadata"]["labels"]["submariner.io/gateway"] == "true"
    assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] == "eu-west-1a"
    assert node["spec"]["taints"] == [{"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}]
    assert {"type": "ExternalIP", "address": instance["PublicIpAddress"]} in node["status"]["addresses"]
    status = spoke.get(MACHINE_API, "MachineSet", f"{INFRA}-gw-eu-west-1a", NAMESPACE)["status"]
    assert (status["replicas"], status["readyReplicas"]) == (1, 1)


def test_scale_up_then_down(lab):
    name = f"{INFRA}-worker-eu-west-1b"
    nodes_before = len(_spoke(lab).list("v1", "Node"))
    _scale(lab, name, 3)
    machines = _machines(lab, name)
    assert len(machines) == 3 and {machine["status"]["phase"] for machine in machines} == {"Running"}
    assert len(_spoke(lab).list("v1", "Node")) == nodes_before + 2
    _scale(lab, name, 1)
    [remaining] = _machines(lab, name)
    removed = {machine["status"]["providerStatus"]["instanceId"] for machine in machines} - {remaining["status"]["providerStatus"]["instanceId"]}
    assert len(removed) == 2
    assert {_instance(lab, instance_id)["State"]["Name"] for instance_id in removed} == {"terminated"}
    assert _instance(lab, remaining["status"]["providerStatus"]["instanceId"])["State"]["Name"] == "running"
    assert len(_spoke(lab).list("v1", "Node")) == nodes_before


def test_deleting_a_machineset_removes_machines_instances_and_nodes(lab):
    spoke = _spoke(lab)
    name = f"{INFRA}-worker-eu-west-1c"
    [machine] = _machines(lab, name)
    spoke.delete(MACHINE_API, "MachineSet", name, NAMESPACE)
    assert lab.world.settle(10)
    assert _machines(lab, name) == []
    assert _instance(lab, machine["status"]["providerStatus"]["instanceId"])["State"]["Name"] == "terminated"
    assert spoke.get("v1", "Node", machine["status"]["nodeRef"]["name"]) is None


def test_deleted_machine_is_replaced(lab):
    spoke = _spoke(lab)
    name = f"{INFRA}-worker-eu-west-1a"
    [old] = _machines(lab, name)
    spoke.delete(MACHINE_API, "Machine", old["metadata"]["name"], NAMESPACE)
    assert lab.world.settle(10)
    [new] = _machines(lab, name)
    assert new["metadata"]["name"] != old["metadata"]["name"]
    assert new["status"]["phase"] == "Running"


def test_instance_type_not_offered_in_the_zone_fails_the_machine(lab):
    spoke = _spoke(lab)
    instances_before = len(aws.snapshot(lab.world.ec2())["instances"])
    spoke.create(_gateway_like_machineset(lab, f"{INFRA}-big-eu-west-1a", instance_type="p4d.24xlarge"))
    assert lab.world.settle(10)
    [machine] = _machines(lab, f"{INFRA}-big-eu-west-1a")
    assert machine["status"]["phase"] == "Failed"
    assert "Your requested instance type (p4d.24xlarge) is not supported in your requested Availability Zone (eu-west-1a)" in \
        machine["status"]["errorMessage"]
    assert len(aws.snapshot(lab.world.ec2())["instances"]) == instances_before
    assert spoke.get(MACHINE_API, "MachineSet", f"{INFRA}-big-eu-west-1a", NAMESPACE)["status"]["errorReason"] == "InvalidConfiguration"


def test_provisioning_takes_time_scale():
    with mock_aws():
        lab = start_lab(time_scale=0.3)
        try:
            _spoke(lab).create(_gateway_like_machineset(lab, f"{INFRA}-gw-eu-west-1b", zone="eu-west-1b"))
            deadline = time.monotonic() + 5
            while not _machines(lab, f"{INFRA}-gw-eu-west-1b") and time.monotonic() < deadline:
                time.sleep(0.01)
            [machine] = _machines(lab, f"{INFRA}-gw-eu-west-1b")
            assert machine.get("status", {}).get("phase") in (None, "Provisioning")
            assert lab.world.settle(10)
            [machine] = _machines(lab, f"{INFRA}-gw-eu-west-1b")
            assert machine["status"]["phase"] == "Running"
        finally:
            lab.world.stop()


def test_scale_down_removes_the_machine_marked_delete_machine_first_else_the_newest(lab):
    """openshift/machine-api-operator pkg/controller/machineset/delete_policy.go: the annotation ranks first under
    every policy; among unmarked Running Machines with Nodes the default Random policy picks any, the lab the newest."""
    spoke = _spoke(lab)
    name = f"{INFRA}-surge-eu-west-1a"
    spoke.create(_gateway_like_machineset(lab, name))
    assert lab.world.settle(10)
    [old] = _machines(lab, name)
    _scale(lab, name, 2)
    [new] = [machine for machine in _machines(lab, name) if machine["metadata"]["name"] != old["metadata"]["name"]]
    _scale(lab, name, 1)
    assert [machine["metadata"]["name"] for machine in _machines(lab, name)] == [old["metadata"]["name"]]
    _scale(lab, name, 2)
    marked = spoke.get(MACHINE_API, "Machine", old["metadata"]["name"], NAMESPACE)
    marked["metadata"].setdefault("annotations", {})["machine.openshift.io/delete-machine"] = "true"
    spoke.update(marked)
    _scale(lab, name, 1)
    [kept] = _machines(lab, name)
    assert kept["metadata"]["name"] not in (old["metadata"]["name"], new["metadata"]["name"]) and kept["status"]["phase"] == "Running"

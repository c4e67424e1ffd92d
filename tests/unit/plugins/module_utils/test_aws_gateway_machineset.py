# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset as gw

INFRA = "abc-x1y2z"


def worker(zone, *, naming="legacy", infra=INFRA, name=None):
    """A worker MachineSet shaped like the installer's (as the lab's machine-api builds them)."""
    subnet = f"{infra}-private-{zone}" if naming == "legacy" else f"{infra}-subnet-private-{zone}"
    sg = f"{infra}-worker-sg" if naming == "legacy" else f"{infra}-node"
    name = name or f"{infra}-worker-{zone}"
    return {
        "apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineSet",
        "metadata": {"name": name, "namespace": "openshift-machine-api", "labels": {gw.LABEL_CLUSTER: infra},
                     "resourceVersion": "7", "uid": "u-1"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {gw.LABEL_CLUSTER: infra, gw.LABEL_MACHINESET: name}},
            "template": {
                "metadata": {"labels": {gw.LABEL_CLUSTER: infra, gw.LABEL_MACHINESET: name, gw.LABEL_ROLE: "worker",
                                        gw.LABEL_TYPE: "worker"}},
                "spec": {"providerSpec": {"value": {
                    "ami": {"id": "ami-123"}, "instanceType": "m5.xlarge", "iamInstanceProfile": {"id": f"{infra}-worker-profile"},
                    "credentialsSecret": {"name": "aws-cloud-credentials"}, "userDataSecret": {"name": "worker-user-data"},
                    "metadata": {"creationTimestamp": None},
                    "placement": {"availabilityZone": zone, "region": zone[:-1]},
                    "securityGroups": [{"filters": [{"name": "tag:Name", "values": [sg]}]}],
                    "subnet": {"filters": [{"name": "tag:Name", "values": [subnet]}]},
                    "tags": [{"name": f"kubernetes.io/cluster/{infra}", "value": "owned"}],
                }}},
            },
        },
        "status": {"replicas": 2},
    }


@pytest.mark.parametrize("naming, worker_sg, public_subnet", [
    ("legacy", f"{INFRA}-worker-sg", f"{INFRA}-public-eu-west-1b"),
    ("capi", f"{INFRA}-node", f"{INFRA}-subnet-public-eu-west-1b"),
])
def test_gateway_machineset_matches_cloud_prepare(naming, worker_sg, public_subnet):
    built = gw.build_gateway_machineset(worker("eu-west-1b", naming=naming), infra_id=INFRA, instance_type="m5n.large",
                                        gateway_sg_name=f"{INFRA}-submariner-gw-sg", subnet_name=public_subnet)
    name = f"{INFRA}-submariner-gw-eu-west-1b"
    assert built["metadata"] == {"name": name, "namespace": "openshift-machine-api", "labels": {gw.LABEL_CLUSTER: INFRA}}
    assert built["spec"]["replicas"] == 1
    assert built["spec"]["selector"]["matchLabels"] == {gw.LABEL_CLUSTER: INFRA, gw.LABEL_MACHINESET: name}
    template = built["spec"]["template"]
    assert template["metadata"]["labels"][gw.LABEL_MACHINESET] == name
    assert template["metadata"]["labels"][gw.LABEL_ROLE] == "worker"
    assert template["spec"]["metadata"]["labels"] == {"submariner.io/gateway": "true", "node-role.kubernetes.io/infra": ""}
    assert template["spec"]["taints"] == [{"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}]
    provider = template["spec"]["providerSpec"]["value"]
    assert provider["instanceType"] == "m5n.large" and provider["publicIp"] is True
    assert provider["ami"] == {"id": "ami-123"} and provider["iamInstanceProfile"] == {"id": f"{INFRA}-worker-profile"}
    assert provider["placement"] == {"availabilityZone": "eu-west-1b", "region": "eu-west-1"}
    assert provider["subnet"] == {"filters": [{"name": "tag:Name", "values": [public_subnet]}]}
    assert provider["securityGroups"] == [{"filters": [{"name": "tag:Name", "values": [worker_sg]}]},
                                          {"filters": [{"name": "tag:Name", "values": [f"{INFRA}-submariner-gw-sg"]}]}]
    assert provider["tags"] == [{"name": f"kubernetes.io/cluster/{INFRA}", "value": "owned"},
                                {"name": "submariner.io", "value": "gateway"}]
    assert "creationTimestamp" not in provider["metadata"]   # nulls would make every run a change
    assert "status" not in built


def test_building_does_not_touch_the_worker():
    original = worker("eu-west-1a")
    kept = copy.deepcopy(original)
    gw.build_gateway_machineset(original, infra_id=INFRA, instance_type="c5d.large", gateway_sg_name="gw-sg", subnet_name="pub-a")
    assert original == kept


def test_building_twice_is_stable():
    first = gw.build_gateway_machineset(worker("eu-west-1a"), infra_id=INFRA, instance_type="c5d.large", gateway_sg_name="gw-sg", subnet_name="pub-a")
    again = gw.build_gateway_machineset(worker("eu-west-1a"), infra_id=INFRA, instance_type="c5d.large", gateway_sg_name="gw-sg", subnet_name="pub-a")
    assert first == again
    provider = first["spec"]["template"]["spec"]["providerSpec"]["value"]
    assert [tag["name"] for tag in provider["tags"]].count("submariner.io") == 1


def test_acm_2_2_shape_has_no_infra_label():
    built = gw.build_gateway_machineset(worker("eu-west-1a"), infra_id=INFRA, instance_type="m5n.large",
                                        gateway_sg_name="gw-sg", subnet_name="pub-a", infra_label=False)
    assert built["spec"]["template"]["spec"]["metadata"]["labels"] == {"submariner.io/gateway": "true"}


@pytest.mark.parametrize("subnet_name", [None, ""])
def test_the_public_subnet_is_never_guessed_from_the_private_one(subnet_name):
    """cloud-prepare selects the subnet it tagged by its Name; no "-private-" -> "-public-" rewrite."""
    with pytest.raises(gw.MachineSetError, match="eu-west-1a.*set public_subnet_names"):
        gw.build_gateway_machineset(worker("eu-west-1a"), infra_id=INFRA, instance_type="m5n.large", gateway_sg_name="gw-sg",
                                    subnet_name=subnet_name)


def test_explicit_public_subnet_name():
    unusual = worker("eu-west-1a")
    unusual["spec"]["template"]["spec"]["providerSpec"]["value"]["subnet"] = {"id": "subnet-123"}
    built = gw.build_gateway_machineset(unusual, infra_id=INFRA, instance_type="m5n.large", gateway_sg_name="gw-sg",
                                        subnet_name="my-public-a")
    assert built["spec"]["template"]["spec"]["providerSpec"]["value"]["subnet"] == {
        "filters": [{"name": "tag:Name", "values": ["my-public-a"]}]}


def test_worker_for_zone_skips_gateways_and_other_clusters():
    sets = [worker("eu-west-1a", name=f"{INFRA}-submariner-gw-eu-west-1a"), worker("eu-west-1a", infra="other-12345"),
            worker("eu-west-1a", name=f"{INFRA}-worker-eu-west-1a-2"), worker("eu-west-1a")]
    assert gw.worker_for_zone(sets, INFRA, "eu-west-1a")["metadata"]["name"] == f"{INFRA}-worker-eu-west-1a"


def test_worker_for_zone_names_the_zones_it_has():
    with pytest.raises(gw.MachineSetError, match=r"in eu-west-1c .* exist in: eu-west-1a, eu-west-1b$"):
        gw.worker_for_zone([worker("eu-west-1b"), worker("eu-west-1a")], INFRA, "eu-west-1c")


def machine(name, phase=None, node=None, message=None):
    status = {}
    if phase:
        status["phase"] = phase
    if node:
        status["nodeRef"] = {"kind": "Node", "name": node}
    if message:
        status["errorMessage"] = message
    return {"metadata": {"name": name}, "status": status}


def node(name, ready=True, gateway=True):
    labels = {"submariner.io/gateway": "true"} if gateway else {}
    return {"metadata": {"name": name, "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


@pytest.mark.parametrize("machines, nodes, expected", [
    ([], {}, "no Machine yet"),
    ([machine("m1")], {}, "Machine m1 is pending"),
    ([machine("m1", "Failed", message="InsufficientInstanceCapacity")], {}, "Machine m1 is Failed (InsufficientInstanceCapacity)"),
    ([machine("m1", "Running", "n1")], {}, "Machine m1 has no Node yet"),
    ([machine("m1", "Running", "n1")], {"n1": node("n1", ready=False)}, "Node n1 is not Ready"),
    ([machine("m1", "Running", "n1")], {"n1": node("n1", gateway=False)}, "Node n1 is not labelled submariner.io/gateway=true"),
    ([machine("m1", "Running", "n1")], {"n1": node("n1")}, None),
    ([machine("m0", "Provisioning"), machine("m1", "Running", "n1")], {"n1": node("n1")}, None),
])
def test_machine_blocker(machines, nodes, expected):
    assert gw.machine_blocker(machines, nodes) == expected


def test_ready_node_names():
    machines = [machine("m1", "Running", "n1"), machine("m2", "Running", "n2"), machine("m3")]
    assert gw.ready_node_names(machines, {"n1": node("n1"), "n2": node("n2", ready=False)}) == ["n1"]

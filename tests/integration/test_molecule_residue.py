# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The residue check the molecule scenarios run at destroy (extensions/molecule/utils/residue.py)."""

from __future__ import annotations

import copy
import importlib.util
import json
import pathlib

import pytest

RESIDUE = pathlib.Path(__file__).resolve().parents[2] / "extensions" / "molecule" / "utils" / "residue.py"


@pytest.fixture(name="residue", scope="module")
def residue_fixture():
    spec = importlib.util.spec_from_file_location("molecule_residue", RESIDUE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def k8s(kind, name, namespace=None, labels=None, annotations=None):
    metadata = {"name": name, "labels": labels or {}, "annotations": annotations or {}}
    if namespace:
        metadata["namespace"] = namespace
    return {"kind": kind, "metadata": metadata}


def baseline():
    return {
        "clusters": {
            "hubcluster": {"Namespace": [k8s("Namespace", "cluster1")],
                           "cluster.open-cluster-management.io/ManagedCluster": [k8s("ManagedCluster", "cluster1", labels={"cloud": "Amazon"})],
                           "coordination.k8s.io/Lease": []},
            "cluster1": {"Node": [k8s("Node", "worker-a", labels={"node-role.kubernetes.io/worker": ""})]},
        },
        "ec2": {
            "security_groups": [{"GroupId": "sg-worker", "GroupName": "infra-worker-sg"}],
            "security_group_rules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-worker", "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}],
            "subnets": [{"SubnetId": "subnet-1", "Tags": [{"Key": "Name", "Value": "infra-public-a"}]}],
            "instances": [{"InstanceId": "i-worker", "State": {"Name": "running"}, "Tags": []}],
        },
    }


def test_an_unchanged_lab_has_no_residue(residue):
    assert residue.residue(baseline(), baseline()) == []


def test_everything_an_uninstall_can_forget_is_named(residue):
    after = baseline()
    hub, spoke, ec2 = after["clusters"]["hubcluster"], after["clusters"]["cluster1"], after["ec2"]
    hub["Namespace"].append(k8s("Namespace", "submariner-broker"))
    hub["cluster.open-cluster-management.io/ManagedCluster"][0]["metadata"]["labels"]["cluster.open-cluster-management.io/clusterset"] = "submariner"
    hub["coordination.k8s.io/Lease"].append(k8s("Lease", "renewed", "cluster1"))
    spoke["Node"][0]["metadata"]["labels"]["submariner.io/gateway"] = "true"
    ec2["security_groups"].append({"GroupId": "sg-gw", "GroupName": "infra-submariner-gw-sg"})
    ec2["security_group_rules"].append({"SecurityGroupRuleId": "sgr-2", "GroupId": "sg-worker", "IpProtocol": "udp", "FromPort": 4800,
                                        "ToPort": 4800, "Description": "Internal Submariner traffic"})
    ec2["subnets"][0]["Tags"].append({"Key": "submariner.io/gateway", "Value": ""})
    ec2["instances"].append({"InstanceId": "i-gw", "State": {"Name": "running"}, "Tags": [{"Key": "Name", "Value": "infra-submariner-gw-a"}]})
    ec2["instances"].append({"InstanceId": "i-gone", "State": {"Name": "terminated"}, "Tags": []})
    assert residue.residue(baseline(), after) == [
        "cluster1: Node worker-a still has the label submariner.io/gateway=true",
        "hubcluster: Namespace submariner-broker left behind",
        "hubcluster: cluster.open-cluster-management.io/ManagedCluster cluster1 still has the label "
        "cluster.open-cluster-management.io/clusterset=submariner",
        "ec2: security group infra-submariner-gw-sg (sg-gw) left behind",
        "ec2: rule sgr-2 udp 4800-4800 in sg-worker left behind (Internal Submariner traffic)",
        "ec2: subnet subnet-1 still has the tag submariner.io/gateway=",
        "ec2: instance i-gw (infra-submariner-gw-a) is still running",
    ]


def test_an_orphaned_install_namespace_is_allowed_but_not_its_content(residue):
    after = baseline()
    after["clusters"]["cluster1"]["Namespace"] = [k8s("Namespace", "submariner-operator", annotations={residue.ORPHAN_ANNOTATION: "true"})]
    after["clusters"]["cluster1"]["apps/Deployment"] = [k8s("Deployment", "submariner-addon", "submariner-operator")]
    assert residue.residue(baseline(), after) == ["cluster1: apps/Deployment submariner-operator/submariner-addon left behind"]


def test_command_line(residue, tmp_path, capsys):
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(baseline()), encoding="utf-8")
    after.write_text(json.dumps(baseline()), encoding="utf-8")
    assert residue.main(["residue.py", str(before), str(after)]) == 0
    assert capsys.readouterr().out == "no residue\n"
    changed = copy.deepcopy(baseline())
    changed["ec2"]["security_groups"].append({"GroupId": "sg-gw", "GroupName": "gw"})
    after.write_text(json.dumps(changed), encoding="utf-8")
    assert residue.main(["residue.py", str(before), str(after)]) == 1
    assert residue.main(["residue.py"]) == 2

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_cloud_prepare + gateway_machineset + aws_cloud_prepare_info on the lab: EC2 (moto) and a
managed cluster whose machine-api turns MachineSets into instances and Nodes."""

from __future__ import annotations

import pytest

from tests.integration import localhost_play
from tests.lab import aws as lab_aws
from tests.lab.fixtures import mutating_requests

CONTEXT = "cluster1"

PREPARE_AND_RUN_GATEWAYS = """
- hosts: localhost
  gather_facts: false
%(aws_keys)s  tasks:
    - name: prepare
      acm.submariner.aws_cloud_prepare:
        infra_id: "{{ infra_id }}"
        gateways: 2
      register: prep
    - name: gateways
      acm.submariner.gateway_machineset:
        kubeconfig: "{{ lab_kubeconfig }}"
        context: %(context)s
        availability_zones: "{{ prep.gateway_subnets | map(attribute='availability_zone') | list }}"
        public_subnet_names: "{{ prep.gateway_subnets | items2dict(key_name='availability_zone', value_name='name') }}"
        wait_timeout: 60
    - name: info
      acm.submariner.aws_cloud_prepare_info:
        infra_id: "{{ infra_id }}"
        gateways: 2
""" % {"context": CONTEXT, "aws_keys": localhost_play.AWS_MODULE_DEFAULTS_YAML}

AGAIN = """
- hosts: localhost
  gather_facts: false
%(aws_keys)s  tasks:
    - name: gateways
      acm.submariner.gateway_machineset:
        kubeconfig: "{{ lab_kubeconfig }}"
        context: %(context)s
        infra_id: "{{ infra_id }}"
        availability_zones: "{{ zones }}"
        public_subnet_names: "{{ names }}"
        wait_timeout: 60
    - name: prepare
      acm.submariner.aws_cloud_prepare:
        infra_id: "{{ infra_id }}"
        gateways: 2
""" % {"context": CONTEXT, "aws_keys": localhost_play.AWS_MODULE_DEFAULTS_YAML}

REMOVE = """
- hosts: localhost
  gather_facts: false
%(aws_keys)s  tasks:
    - name: gateways
      acm.submariner.gateway_machineset:
        kubeconfig: "{{ lab_kubeconfig }}"
        context: %(context)s
        state: absent
        wait_timeout: 60
    - name: prepare
      acm.submariner.aws_cloud_prepare:
        infra_id: "{{ infra_id }}"
        state: absent
""" % {"context": CONTEXT, "aws_keys": localhost_play.AWS_MODULE_DEFAULTS_YAML}


@pytest.mark.lab
def test_gateways_on_a_prepared_cluster(lab, run_playbook):
    seeded = lab.world.seeded[lab.world.cluster_for(CONTEXT)]
    ec2 = lab.ec2(seeded.region)
    pristine = lab_aws.snapshot(ec2)
    variables = {"infra_id": seeded.infra_id}

    mark = lab.requests.mark()
    planned = run_playbook(lab, PREPARE_AND_RUN_GATEWAYS, check=True, extra_vars=variables).check()
    assert planned.task("gateways")["changed"] and planned.task("gateways")["node_names"] == []
    assert mutating_requests(lab, mark, CONTEXT) == [] and lab_aws.snapshot(ec2) == pristine

    first = run_playbook(lab, PREPARE_AND_RUN_GATEWAYS, extra_vars=variables).check()
    zones = [subnet["availability_zone"] for subnet in first.task("prepare")["gateway_subnets"]]
    gateways = first.task("gateways")
    assert gateways["changed"] and gateways["infra_id"] == seeded.infra_id
    assert gateways["machinesets"] == [f"{seeded.infra_id}-submariner-gw-{zone}" for zone in zones]
    assert len(gateways["node_names"]) == 2
    spoke = lab.spokes[CONTEXT]
    for name in gateways["node_names"]:
        node = spoke.get("v1", "Node", name)
        assert node["metadata"]["labels"]["submariner.io/gateway"] == "true"
        assert node["spec"]["taints"] == [{"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}]
    info = first.task("info")
    assert info["ready"] and info["findings"] == []
    assert sorted(instance["availability_zone"] for instance in info["gateway_instances"]) == sorted(zones)
    gateway_sg = first.task("prepare")["gateway_security_group_id"]
    for instance in info["gateway_instances"]:
        described = ec2.describe_instances(InstanceIds=[instance["instance_id"]])["Reservations"][0]["Instances"][0]
        assert gateway_sg in [group["GroupId"] for group in described["SecurityGroups"]]
        assert described["PublicIpAddress"] and described["InstanceType"] == "m5n.large"

    mark = lab.requests.mark()
    names = {subnet["availability_zone"]: subnet["name"] for subnet in first.task("prepare")["gateway_subnets"]}
    again = run_playbook(lab, AGAIN, extra_vars={**variables, "zones": zones, "names": names}).check()
    assert not again.task("gateways")["changed"] and not again.task("prepare")["changed"]
    assert mutating_requests(lab, mark, CONTEXT) == []

    gone = run_playbook(lab, REMOVE, extra_vars=variables).check()
    assert gone.task("gateways")["changed"] and gone.task("prepare")["changed"]
    assert not [item for item in spoke.list("machine.openshift.io/v1beta1", "Machine", "openshift-machine-api")
                if "-submariner-gw-" in item["metadata"]["name"]]
    assert lab_aws.snapshot(ec2) == pristine

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gateway_machineset
short_description: Manage the Submariner gateway MachineSets of an OpenShift cluster on AWS
version_added: 0.1.0
description:
  - Runs against a managed OpenShift cluster on AWS (not the hub) and manages one gateway MachineSet
    C(<infraID>-submariner-gw-<az>) per availability zone, as the ACM submariner-addon and C(subctl cloud prepare)
    create them.
  - Each gateway MachineSet is derived from a worker MachineSet of the same zone (AMI, IAM instance profile, user
    data, disks, installer tags), with O(instance_type), a public IP, the worker and C(<infraID>-submariner-gw-sg)
    security groups, the public subnet of the zone, the node label C(submariner.io/gateway=true), the taint
    C(node-role.submariner.io/gateway:NoSchedule) and the instance tag C(submariner.io=gateway).
  - Run M(acm.submariner.aws_cloud_prepare) first so that the gateway security group and the subnet tags exist.
  - With O(wait=true) the module returns once each MachineSet has a Running Machine whose Node is Ready and labelled.
author:
  - acm.submariner maintainers (@acm-submariner)
options:
  infra_id:
    description:
      - The cluster's infrastructure name. Taken from the worker MachineSets' label
        C(machine.openshift.io/cluster-api-cluster) when omitted and unambiguous.
    type: str
  availability_zones:
    description:
      - The zones to run a gateway in, one MachineSet each; typically the zones of the RV(acm.submariner.aws_cloud_prepare#module:gateway_subnets).
      - Required with O(state=present). With O(state=absent), omitting it removes every gateway MachineSet of the cluster.
    type: list
    elements: str
  instance_type:
    description: The gateway instance type.
    type: str
    default: m5n.large
  public_subnet_names:
    description:
      - Name tag of the gateway subnet per zone (zone -> Name), as cloud-prepare selects the public subnet it tagged
        for the gateway by its Name tag. Take it from RV(acm.submariner.aws_cloud_prepare#module:gateway_subnets), for
        example C("{{ prep.gateway_subnets | items2dict(key_name='availability_zone', value_name='name') }}").
      - Required with O(state=present), with a name for each of O(availability_zones); the public subnet is never
        guessed from the worker's private subnet, so non-installer VPCs work the same.
    type: dict
  infra_node_label:
    description: Also label the gateway nodes C(node-role.kubernetes.io/infra), as current cloud-prepare does (not ACM 2.2).
    type: bool
    default: true
  prune:
    description:
      - With O(state=present), also delete the cluster's other gateway MachineSets (C(<infraID>-submariner-gw-<az>) of a
        zone not in O(availability_zones)), once the ones to keep are ready when O(wait=true). This is how the number of
        gateways goes down.
      - Only MachineSets this collection created (label C(app.kubernetes.io/managed-by=acm.submariner)) are deleted; any
        other is kept, with a warning that names it.
    type: bool
    default: false
  replace_machines:
    description:
      - With O(state=present) and O(wait=true), a gateway Machine of a MachineSet this collection created that runs
        another instance type than O(instance_type) is replaced, as the machine-api gives only new Machines the
        MachineSet's new type. Each is replaced by a surge, one at a time - the MachineSet is scaled up by one, the new
        Machine awaited as a Ready gateway Node, the old Machine annotated C(machine.openshift.io/delete-machine) and the
        MachineSet scaled back - so the cluster never has fewer gateways than it asked for. The tunnels move once, when
        the active gateway goes. A run interrupted after the scale-up resumes from there.
      - If the new Machine does not become a Ready gateway within O(wait_timeout), the extra Machine is scaled away
        again and the module fails, naming it; the old one keeps serving.
      - V(false) leaves them with a warning that names them (the roles pass V(false) unless
        C(acm_submariner_gateway_instance_type) is set, so that a hub upgrade with another default type replaces
        nothing unasked). In check mode they are only listed (RV(replaced)).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the gateway MachineSets; V(absent) deletes them (machine-api then removes the instances).
      - Either way, a MachineSet the module creates carries the label C(app.kubernetes.io/managed-by=acm.submariner),
        and only such MachineSets are deleted; others are kept, with a warning that names them.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=present), wait until every gateway MachineSet has a Running Machine with a Ready Node labelled
        C(submariner.io/gateway=true); with O(state=absent), until the MachineSets are gone.
      - Skipped in check mode.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait for each MachineSet when O(wait=true).
    type: int
    default: 900
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.aws_cloud_prepare
  - module: acm.submariner.aws_cloud_prepare_info
  - name: cloud-prepare gateway MachineSet template
    description: The shape this module reproduces.
    link: https://github.com/submariner-io/cloud-prepare/blob/devel/pkg/aws/gw-machineset.yaml.template
"""

EXAMPLES = r"""
- name: Prepare AWS for cluster1
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster1-x7k2p
    region: eu-west-1
  register: aws_prep

- name: One gateway per prepared subnet, waiting for the nodes
  acm.submariner.gateway_machineset:
    context: cluster1
    infra_id: cluster1-x7k2p
    availability_zones: "{{ aws_prep.gateway_subnets | map(attribute='availability_zone') | list }}"
    public_subnet_names: "{{ aws_prep.gateway_subnets | items2dict(key_name='availability_zone', value_name='name') }}"
    instance_type: m5n.large
  register: gateways

- name: Down to the gateways of the subnets aws_cloud_prepare kept tagged, once the SubmarinerConfig asks for that many
  acm.submariner.gateway_machineset:
    context: cluster1
    infra_id: cluster1-x7k2p
    availability_zones: "{{ aws_prep.gateway_subnets | map(attribute='availability_zone') | list }}"
    public_subnet_names: "{{ aws_prep.gateway_subnets | items2dict(key_name='availability_zone', value_name='name') }}"
    prune: true

- name: Remove the gateways (before aws_cloud_prepare state=absent)
  acm.submariner.gateway_machineset:
    context: cluster1
    infra_id: cluster1-x7k2p
    state: absent
"""

RETURN = r"""
infra_id:
  description: The cluster's infrastructure name used.
  returned: always
  type: str
  sample: cluster1-x7k2p
machinesets:
  description: Names of the gateway MachineSets created, updated, kept or deleted.
  returned: always
  type: list
  elements: str
  sample: [cluster1-x7k2p-submariner-gw-eu-west-1a]
node_names:
  description: Gateway nodes that are Ready and labelled (after the wait, with O(wait=true)).
  returned: always
  type: list
  elements: str
  sample: [ip-10-0-160-12.eu-west-1.compute.internal]
deleted:
  description: The gateway MachineSets deleted (in check mode, that would be deleted).
  returned: always
  type: list
  elements: str
  sample: [cluster1-x7k2p-submariner-gw-eu-west-1b]
replaced:
  description: The gateway Machines replaced because they ran another instance type (in check mode, that would be).
  returned: always
  type: list
  elements: dict
  sample: [{machineset: cluster1-x7k2p-submariner-gw-eu-west-1a, machine: cluster1-x7k2p-submariner-gw-eu-west-1a-4kq7d,
            before: m5n.large, after: c5.large}]
others:
  description:
    - With O(state=present), the cluster's gateway MachineSets of other zones than O(availability_zones) that are left
      after the run (all of them without O(prune), those kept as not ours with it).
  returned: always
  type: list
  elements: str
  sample: [cluster1-x7k2p-submariner-gw-eu-west-1b]
diff:
  description: With C(--diff), each MachineSet before and after, by name.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare import DEFAULT_INSTANCE_TYPE
from ansible_collections.acm.submariner.plugins.module_utils.aws_gateway_machineset_runner import manage_gateway_machinesets
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, writer_argument_spec


def argument_spec():
    spec = writer_argument_spec({
        "infra_id": {"type": "str"},
        "availability_zones": {"type": "list", "elements": "str"},
        "instance_type": {"type": "str", "default": DEFAULT_INSTANCE_TYPE},
        "public_subnet_names": {"type": "dict"},
        "infra_node_label": {"type": "bool", "default": True},
        "prune": {"type": "bool", "default": False},
        "replace_machines": {"type": "bool", "default": True},
    }, wait_timeout=900)
    spec["wait"]["default"] = True
    return spec


def main():
    module = HubModule(argument_spec=argument_spec(), required_if=[("state", "present", ("availability_zones", "public_subnet_names"))])
    module.run(manage_gateway_machinesets)


if __name__ == "__main__":
    main()

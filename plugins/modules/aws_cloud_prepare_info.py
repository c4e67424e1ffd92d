#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aws_cloud_prepare_info
short_description: Report whether the AWS network of an OpenShift cluster is ready for Submariner
version_added: 0.1.0
description:
  - Reads, for one OpenShift cluster on AWS, the VPC, the public subnets with their tags and availability zones, the
    gateway, worker and control-plane security groups with their rules, and the gateway instances (tagged
    C(submariner.io=gateway) or named after the gateway MachineSet, C(<infraID>-submariner-gw-*)).
  - The AWS credentials must be given by the task (O(access_key) and O(secret_key), or O(profile)); the module refuses,
    before any AWS call, to fall back to credentials it finds on its own (C(AWS_ACCESS_KEY_ID) and the other environment
    variables, C(~/.aws), an instance or container role), which may be another account's. Out-of-range ports and a gateway
    count below 1 are refused before any call too.
  - Compares them with what Submariner needs and returns a list of findings, each with a code, the resource and a
    hint to fix it.
  - Works whether the ACM submariner-addon or M(acm.submariner.aws_cloud_prepare) prepared the cluster; set
    O(port_profile) and O(nat_discovery_port) to what was used (the addon opens NAT discovery on 4900).
  - Changes nothing.
author:
  - acm.submariner maintainers (@acm-submariner)
options:
  infra_id:
    description: The cluster's infrastructure name, the prefix of every AWS resource the installer created.
    type: str
    required: true
  gateways:
    description: How many gateway subnets (and availability zones) are expected.
    type: int
    default: 1
  instance_type:
    description: The gateway instance type, checked against the offerings of each gateway subnet's availability zone.
    type: str
    default: m5n.large
  gateway_subnet_tag:
    description:
      - The tag key that marks a gateway subnet. V(submariner.io/gateway) is cloud-prepare's (this collection and the
        submariner-addon from ACM 2.4); the addon of ACM 2.2 and 2.3 tagged V(open-cluster-management.io/submariner-addon/gateway).
      - Hints for untagged subnets name this key.
    type: str
    choices: [submariner.io/gateway, open-cluster-management.io/submariner-addon/gateway]
    default: submariner.io/gateway
  port_profile:
    description: The rule set expected; see O(acm.submariner.aws_cloud_prepare#module:port_profile).
    type: str
    choices: [current, acm-2.5, acm-2.4, legacy]
    default: current
  nat_t_port:
    description: Expected UDP port of IPsec NAT traversal.
    type: int
    default: 4500
  nat_discovery_port:
    description: Expected UDP port of NAT discovery; V(4900) after the submariner-addon with its defaults.
    type: int
    default: 4490
  vxlan_port:
    description: Expected UDP port of the VXLAN tunnel between nodes and gateway.
    type: int
    default: 4800
  network_type:
    description: The cluster network type; with V(OVNKubernetes) the internal VXLAN rules are not expected.
    type: str
  vpc_id:
    description: The cluster VPC, for clusters installed into an existing VPC.
    type: str
  subnet_ids:
    description: The public subnets to inspect instead of the installer's public subnets.
    type: list
    elements: str
  worker_security_group_id:
    description: The security group of the worker nodes, instead of the one the installer named.
    type: str
  control_plane_security_group_id:
    description: The security group of the control-plane nodes, instead of the one the installer named.
    type: str
extends_documentation_fragment:
  - acm.submariner.attributes.INFO_MODULE
  - acm.submariner.attributes.ACTION_GROUP_AWS
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: acm.submariner.aws_cloud_prepare
  - module: acm.submariner.gateway_machineset
"""

EXAMPLES = r"""
- name: Verify a cluster the submariner-addon prepared
  acm.submariner.aws_cloud_prepare_info:
    infra_id: cluster1-x7k2p
    region: eu-west-1
    nat_discovery_port: 4900
  register: aws_ready

- name: Fail with the findings when something is missing
  ansible.builtin.assert:
    that: aws_ready.ready
    fail_msg: "{{ aws_ready.findings | map(attribute='message') | list }}"

- name: Verify an OVN-Kubernetes cluster with two gateways
  acm.submariner.aws_cloud_prepare_info:
    infra_id: cluster2-9fq4d
    region: us-east-1
    gateways: 2
    network_type: OVNKubernetes
"""

RETURN = r"""
ready:
  description: True when there are no findings.
  returned: always
  type: bool
  sample: false
findings:
  description: What stands between the cluster and a working Submariner on AWS.
  returned: always
  type: list
  elements: dict
  contains:
    code:
      description:
        - V(vpc_not_found), V(security_group_missing), V(rule_missing), V(rule_wrong_source), V(subnet_untagged),
          V(instance_type_not_offered) or V(no_gateway_instance).
      type: str
    resource:
      description: The id (or expected name) of the resource concerned.
      type: str
    message:
      description: What is wrong.
      type: str
    hint:
      description: How to fix it.
      type: str
  sample:
    - code: rule_missing
      resource: sg-0123456789abcdef0
      message: UDP 4490 from 0.0.0.0/0 is not allowed on sg-0123456789abcdef0
      hint: allow it (run acm.submariner.aws_cloud_prepare for this cluster, ...)
naming_scheme:
  description: The installer naming scheme found - V(legacy) (before OpenShift 4.16) or V(capi) (4.16 and later).
  returned: always
  type: str
  sample: legacy
vpc:
  description: The cluster VPC (null when not found).
  returned: always
  type: dict
  sample: {vpc_id: vpc-0123456789abcdef0, cidr_block: 10.0.0.0/16, tags: {Name: cluster1-x7k2p-vpc}}
subnets:
  description: The public subnets (and any subnet this collection tagged), with their tags.
  returned: always
  type: list
  elements: dict
  sample:
    - subnet_id: subnet-0123456789abcdef0
      availability_zone: eu-west-1a
      name: cluster1-x7k2p-public-eu-west-1a
      tags: {submariner.io/gateway: ""}
      gateway: true
      instance_type_offered: true
security_groups:
  description:
    - The C(gateway), C(worker) and C(control_plane) security groups (null when missing), with their ingress rules
      shaped like RV(acm.submariner.aws_cloud_prepare#module:rules).
  returned: always
  type: dict
  sample: {gateway: {group_id: sg-0123456789abcdef0, group_name: cluster1-x7k2p-submariner-gw-sg, rules: []},
           worker: null, control_plane: null}
gateway_instances:
  description: Instances of the VPC that are Submariner gateways, in any state but terminated.
  returned: always
  type: list
  elements: dict
  sample:
    - {instance_id: i-0123456789abcdef0, state: running, instance_type: m5n.large, availability_zone: eu-west-1a,
       subnet_id: subnet-0123456789abcdef0, public_ip: 203.0.113.10, name: cluster1-x7k2p-submariner-gw-eu-west-1a-x2v9q}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare import GATEWAY_SUBNET_TAG, GATEWAY_SUBNET_TAG_KEYS
from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare_module import cluster_argument_spec, report_network


def main():
    argument_spec = cluster_argument_spec()
    argument_spec.update(gateway_subnet_tag=dict(type="str", choices=list(GATEWAY_SUBNET_TAG_KEYS), default=GATEWAY_SUBNET_TAG))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    report_network(module)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aws_cloud_prepare
short_description: Prepare the AWS network of an OpenShift cluster for Submariner
version_added: 0.1.0
description:
  - Does for one OpenShift cluster on AWS what C(subctl cloud prepare aws) and the ACM submariner-addon do
    when they are given AWS credentials, for clusters the addon cannot prepare (imported clusters, custom VPCs,
    restricted accounts).
  - Finds the cluster VPC, public subnets and worker and control-plane security groups by the tags the OpenShift
    installer sets, for both installer naming schemes (C(<infraID>-worker-sg)/C(<infraID>-master-sg) before
    OpenShift 4.16, C(<infraID>-node)/C(<infraID>-controlplane) and C(<infraID>-subnet-public-<az>) from 4.16),
    or takes them from O(vpc_id), O(subnet_ids), O(worker_security_group_id) and O(control_plane_security_group_id).
  - The AWS credentials must be given by the task (O(access_key) and O(secret_key), or O(profile)); the module refuses,
    before any AWS call, to fall back to credentials it finds on its own (C(AWS_ACCESS_KEY_ID) and the other environment
    variables, C(~/.aws), an instance or container role), which may be another account's. Out-of-range ports and a gateway
    count below 1 are refused before any call too.
  - Creates the security group C(<infraID>-submariner-gw-sg) with the public Submariner rules and opens the
    internal VXLAN port between workers and control plane (not on OVN-Kubernetes).
  - Tags O(gateways) public subnets, in availability zones that offer O(instance_type), with
    C(kubernetes.io/role/internal-elb) and C(submariner.io/gateway), and records the keys it added on the gateway
    security group (one tag C(acm.submariner/prepared-tags/<subnet-id>) per subnet) so that O(state=absent) removes
    exactly those. The record goes with the group, so a cleanup by anybody else (the addon, C(subctl cloud cleanup))
    that deletes the group leaves nothing of this module's on the subnets. A record that earlier releases kept on the
    subnet (C(acm.submariner/prepared-tags)) is honoured and moved to the group.
  - Rules are recognised by the descriptions cloud-prepare gives them; rules and tags the module did not create
    are never changed.
  - Before changing anything, verifies with EC2 C(DryRun) calls that the credentials may make each change, and
    fails listing every missing permission.
  - The gateway instances themselves are created by the cluster's machine-api from a gateway MachineSet; see
    M(acm.submariner.gateway_machineset).
author:
  - acm.submariner maintainers (@acm-submariner)
options:
  infra_id:
    description:
      - The cluster's infrastructure name (C(oc get infrastructure cluster -o jsonpath='{.status.infrastructureName}')),
        the prefix of every AWS resource the installer created.
    type: str
    required: true
  state:
    description:
      - V(present) prepares the cluster; V(absent) removes the security group, the rules and the subnet tags this
        module (or the submariner-addon, for rules) created.
    type: str
    choices: [present, absent]
    default: present
  gateways:
    description:
      - How many gateway subnets to tag, one per availability zone as far as possible.
    type: int
    default: 1
  instance_type:
    description:
      - The gateway instance type. Only subnets in availability zones that offer it are tagged.
    type: str
    default: m5n.large
  port_profile:
    description:
      - The rule set of the hub's submariner-addon (C(pkg/cloud/aws/aws.go) of its release); M(acm.submariner.hub_info)
        returns the one of a hub as C(hub.port_profile).
      - V(current) opens what Submariner needs today (ACM 2.7 and later) - UDP O(nat_t_port) and O(nat_discovery_port),
        ESP (IP protocol 50) and AH (51) from C(0.0.0.0/0) on the gateway group, and UDP O(vxlan_port) between
        workers and control plane.
      - V(acm-2.5) is V(current) plus TCP 8080 (gateway metrics) and TCP 8081 (globalnet metrics) between workers and
        control plane, as ACM 2.5 and 2.6 open them.
      - V(acm-2.4) is V(current) plus TCP 8080 (gateway metrics) between workers and control plane, as ACM 2.4 opens it.
      - V(legacy) reproduces ACM 2.2 and 2.3 - UDP 500 and O(nat_t_port) from C(0.0.0.0/0), UDP O(vxlan_port) and TCP 8080
        (metrics) between workers and control plane.
    type: str
    choices: [current, acm-2.5, acm-2.4, legacy]
    default: current
  nat_t_port:
    description: UDP port of IPsec NAT traversal (SubmarinerConfig C(spec.IPSecNATTPort)).
    type: int
    default: 4500
  nat_discovery_port:
    description:
      - UDP port of Submariner's NAT discovery. Submariner listens on 4490 by default; the submariner-addon
        opens 4900 unless told otherwise. Not used by the V(legacy) profile.
    type: int
    default: 4490
  vxlan_port:
    description: UDP port of the VXLAN tunnel between the cluster nodes and the gateway.
    type: int
    default: 4800
  network_type:
    description:
      - The cluster network type (C(oc get network.config cluster -o jsonpath='{.status.networkType}')).
      - With V(OVNKubernetes) (case-insensitive) the internal VXLAN rules are not opened, and removed if this module
        had opened them.
    type: str
  vpc_id:
    description: The cluster VPC, for clusters installed into an existing VPC not tagged C(<infraID>-vpc).
    type: str
  subnet_ids:
    description: The public subnets to choose the gateway subnets from, instead of the installer's public subnets.
    type: list
    elements: str
  worker_security_group_id:
    description: The security group of the worker nodes, instead of the one the installer named.
    type: str
  control_plane_security_group_id:
    description: The security group of the control-plane nodes, instead of the one the installer named.
    type: str
  verify_permissions:
    description:
      - Verify with EC2 C(DryRun) calls, before the first change, that the credentials allow every change planned.
    type: bool
    default: true
extends_documentation_fragment:
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP_AWS
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Check mode computes the plan from read-only calls (and the C(DryRun) permission checks) and changes nothing.
  - The EC2 calls made are those of cloud-prepare's minimal IAM policy - C(DescribeVpcs), C(DescribeSubnets),
    C(DescribeSecurityGroups), C(DescribeInstanceTypeOfferings), C(CreateSecurityGroup),
    C(AuthorizeSecurityGroupIngress), C(RevokeSecurityGroupIngress), C(DeleteSecurityGroup), C(CreateTags) and
    C(DeleteTags).
  - With O(state=absent) the gateway security group is deleted only once no instance uses it; the module retries
    C(DependencyViolation) with a growing delay (30 attempts, a few minutes at most), so delete the gateway
    MachineSet first.
seealso:
  - module: acm.submariner.aws_cloud_prepare_info
  - module: acm.submariner.gateway_machineset
  - module: amazon.aws.ec2_security_group
  - name: Submariner cloud-prepare for AWS
    description: The Go library the ACM submariner-addon and subctl use.
    link: https://github.com/submariner-io/cloud-prepare
"""

EXAMPLES = r"""
- name: Prepare cluster1 for Submariner (installer-created VPC, OpenShift SDN)
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster1-x7k2p
    region: eu-west-1

- name: Two gateways on an OVN-Kubernetes cluster, with the addon's NAT discovery port
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster2-9fq4d
    region: us-east-1
    gateways: 2
    instance_type: c5d.large
    network_type: OVNKubernetes
    nat_discovery_port: 4900

- name: Cluster installed into an existing VPC
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster3-abcde
    region: eu-west-1
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]
    worker_security_group_id: sg-0cccccccccccccccc
    control_plane_security_group_id: sg-0dddddddddddddddd

- name: Show what would change, with the rules and tags before and after
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster1-x7k2p
    region: eu-west-1
  check_mode: true
  diff: true

- name: Remove what was prepared (after the gateway MachineSet is gone)
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster1-x7k2p
    region: eu-west-1
    state: absent
"""

RETURN = r"""
naming_scheme:
  description: The installer naming scheme found - V(legacy) (before OpenShift 4.16) or V(capi) (4.16 and later).
  returned: success, when the VPC was found
  type: str
  sample: capi
vpc_id:
  description: The cluster VPC.
  returned: always
  type: str
  sample: vpc-0123456789abcdef0
gateway_security_group_id:
  description:
    - The id of C(<infraID>-submariner-gw-sg); null in check mode when the group is still to be created.
    - With O(state=absent), the id of the group that was (or would be) deleted.
  returned: always
  type: str
  sample: sg-0123456789abcdef0
worker_security_group_id:
  description: The worker security group.
  returned: always
  type: str
  sample: sg-0aaaaaaaaaaaaaaaa
control_plane_security_group_id:
  description: The control-plane security group.
  returned: always
  type: str
  sample: sg-0bbbbbbbbbbbbbbbb
gateway_subnet_ids:
  description: The public subnets tagged for gateways (empty with O(state=absent)).
  returned: always
  type: list
  elements: str
  sample: [subnet-0123456789abcdef0]
gateway_subnets:
  description: The gateway subnets with their availability zone and Name tag.
  returned: when O(state=present)
  type: list
  elements: dict
  sample: [{subnet_id: subnet-0123456789abcdef0, availability_zone: eu-west-1a, name: cluster1-x7k2p-public-eu-west-1a}]
rules:
  description: The Submariner rules the cluster has once the module is done, sorted (empty with O(state=absent)).
  returned: always
  type: list
  elements: dict
  contains:
    security_group_id:
      description: The group the rule is on.
      type: str
    protocol:
      description: V(udp), V(tcp), or an IP protocol number (V(50) for ESP, V(51) for AH).
      type: str
    from_port:
      description: First port (0 for ESP and AH).
      type: int
    to_port:
      description: Last port (0 for ESP and AH).
      type: int
    cidr_ip:
      description: The source CIDR, for public rules.
      type: str
    source_security_group_id:
      description: The source security group, for internal rules.
      type: str
    description:
      description: The rule description cloud-prepare uses, which marks the rule as Submariner's.
      type: str
  sample:
    - {security_group_id: sg-0123456789abcdef0, protocol: udp, from_port: 4500, to_port: 4500, cidr_ip: 0.0.0.0/0,
       description: Public Submariner traffic}
plan:
  description: What the run changed (or, in check mode, would change).
  returned: always
  type: dict
  contains:
    create_security_group:
      description: Whether C(<infraID>-submariner-gw-sg) is created.
      type: bool
    delete_security_group:
      description: Whether C(<infraID>-submariner-gw-sg) is deleted.
      type: bool
    authorize:
      description: Rules added, shaped like RV(rules).
      type: list
      elements: dict
    revoke:
      description: Rules removed, shaped like RV(rules).
      type: list
      elements: dict
    tags:
      description: Per subnet, the tags added (C(add)) and the keys removed (C(remove)).
      type: list
      elements: dict
    ownership_record:
      description:
        - The tags of the gateway security group recording which subnet tags this module added (C(subnet_id) is the
          group, or its name before it exists); null when the record does not change.
      type: dict
  sample: {create_security_group: true, delete_security_group: false, authorize: [], revoke: [],
           tags: [{subnet_id: subnet-0123456789abcdef0, add: {submariner.io/gateway: ""}, remove: []}],
           ownership_record: {subnet_id: cluster1-x7k2p-submariner-gw-sg, remove: [],
                              add: {acm.submariner/prepared-tags/subnet-0123456789abcdef0: submariner.io/gateway}}}
diff:
  description: With C(--diff), the gateway group, the Submariner rules and the tags of the subnets changed, before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {gateway_security_group: null, rules: [], subnet_tags: {}},
           after: {gateway_security_group: cluster1-x7k2p-submariner-gw-sg, rules: [], subnet_tags: {}}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare_module import cluster_argument_spec, prepare_or_clean_up


def argument_spec():
    spec = cluster_argument_spec()
    spec.update(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        verify_permissions=dict(type="bool", default=True),
    )
    return spec


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    prepare_or_clean_up(module)


if __name__ == "__main__":
    main()

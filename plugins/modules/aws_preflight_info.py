#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aws_preflight_info
short_description: Inspect the AWS network of every cluster of a run at once, each with its own keys
version_added: 0.2.0
description:
  - For each cluster in O(clusters), with that cluster's AWS keys, reads what M(acm.submariner.aws_cloud_prepare_info)
    reads (the VPC, the public subnets and the availability zones that offer the gateway instance type, the security
    groups and the gateway instances) and compares it with what Submariner needs, in the same way.
  - The clusters are inspected at the same time, in one module run, so that a run over many clusters does not pay a
    module process per cluster, and their EC2 round trips overlap.
  - A cluster that cannot be inspected (a region that does not answer, keys AWS rejects, a missing IAM permission)
    is an answer, RV(clusters.error), classified as M(acm.submariner.aws_cloud_prepare_info) classifies its failures;
    the task fails only on its own arguments or an EC2 client that cannot be built.
  - Each cluster is read with the keys of its entry only. Empty keys are refused for that cluster before any call, and
    no session token, profile or key of the controller's environment is used.
  - Changes nothing.
author:
  - acm.submariner maintainers (@acm-submariner)
options:
  clusters:
    description: The clusters to inspect, each once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The cluster's name, the key of its answer in RV(clusters).
        type: str
        required: true
      infra_id:
        description: The cluster's infrastructure name, the prefix of every AWS resource the installer created.
        type: str
        required: true
      region:
        description: The cluster's AWS region.
        type: str
        required: true
      access_key:
        description: The AWS access key ID to read this cluster's network with.
        type: str
        required: true
      secret_key:
        description: The AWS secret access key that goes with O(clusters[].access_key).
        type: str
        required: true
      endpoint_url:
        description: Another EC2 endpoint URL, for example a VPC endpoint; empty means the region's.
        type: str
      vpc_id:
        description: The cluster VPC, for clusters installed into an existing VPC; empty means the installer's.
        type: str
      subnet_ids:
        description: The public subnets to inspect instead of the installer's public subnets.
        type: list
        elements: str
      instance_type:
        description: The gateway instance type, checked against the offerings of each subnet's availability zone.
        type: str
        default: m5n.large
extends_documentation_fragment:
  - acm.submariner.attributes.INFO_MODULE
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - The module-level credentials and region options of C(amazon.aws) are not used to reach the clusters; each entry
    of O(clusters) has its own. O(validate_certs) and O(aws_ca_bundle) apply to every cluster.
seealso:
  - module: acm.submariner.aws_cloud_prepare_info
"""

EXAMPLES = r"""
- name: Inspect the AWS network of two clusters at once
  acm.submariner.aws_preflight_info:
    clusters:
      - {name: aws-sub1, infra_id: aws-sub1-x7k2p, region: eu-west-1, access_key: "{{ key1 }}", secret_key: "{{ secret1 }}"}
      - {name: aws-sub2, infra_id: aws-sub2-9fq4d, region: us-east-1, access_key: "{{ key2 }}", secret_key: "{{ secret2 }}",
         instance_type: c5d.large}
  register: aws_networks
  no_log: true
"""

RETURN = r"""
clusters:
  description:
    - The answer of each cluster, by name. Besides RV(clusters.error), a cluster that was inspected has every key
      M(acm.submariner.aws_cloud_prepare_info) returns (C(ready), C(findings), C(naming_scheme), C(vpc), C(subnets),
      C(security_groups), C(gateway_instances)).
  returned: always
  type: dict
  contains:
    error:
      description: Why the cluster could not be inspected (what failed, the kind and code of the AWS error, what to do), or V(null).
      type: str
    vpc:
      description: The cluster VPC (null when not found).
      type: dict
    subnets:
      description: The public subnets, each with its C(availability_zone) and whether the instance type is offered there.
      type: list
      elements: dict
  sample:
    aws-sub1:
      error: null
      ready: true
      findings: []
      vpc: {vpc_id: vpc-0123456789abcdef0, cidr_block: 10.0.0.0/16}
      subnets: [{subnet_id: subnet-0123456789abcdef0, availability_zone: eu-west-1a, instance_type_offered: true}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare_module import (
    hidden_access_key_spec,
    inspect_clusters,
    preflight_cluster_spec,
)


def main():
    argument_spec = dict(access_key=hidden_access_key_spec(),
                         clusters=dict(type="list", elements="dict", required=True, no_log=False, options=preflight_cluster_spec()))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    inspect_clusters(module)


if __name__ == "__main__":
    main()

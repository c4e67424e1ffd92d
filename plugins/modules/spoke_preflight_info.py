#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: spoke_preflight_info
short_description: Ask every managed cluster of a run, with its own credentials, what preflight needs, all at once
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - For each managed cluster in O(clusters), with that cluster's credentials, reviews every permission the run
    will use on it (one C(authorization.k8s.io/v1) SelfSubjectAccessReview per verb and resource, as
    M(acm.submariner.access_review) with O(acm.submariner.access_review#module:side=spoke) does) and, when
    O(clusters[].read_network) is true, reads its networks (C(networks.config.openshift.io/cluster)) as
    M(acm.submariner.cluster_network_info) does.
  - The clusters are asked at the same time, in one module run, so that a run over many clusters does not pay a
    module process and a round trip per cluster and question.
  - Nothing fails the task but its own arguments. A cluster that cannot be reached or read (401, 403, an untrusted CA,
    a closed port) is answered with RV(clusters.error), explained as the hub modules explain theirs; a cluster whose
    credentials lack a permission is answered with RV(clusters.missing) and RV(clusters.msg), which names the cluster,
    each permission and the role file that grants them. The caller (the preflight role) decides what stops the run.
  - Each cluster's credentials are only those of O(clusters[].auth); the C(K8S_AUTH_*) environment variables,
    which describe the hub, are not read.
options:
  run:
    description: The playbook whose permissions are reviewed.
    type: str
    choices: [site, verify, uninstall]
    required: true
  hub:
    description:
      - The hub's facts from M(acm.submariner.hub_info) (C(join_flow)); the permissions a cluster needs depend on
        the join flow.
      - Without them the permissions of every ACM generation are reviewed.
    type: dict
  clusters:
    description: The managed clusters to ask, each once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The managed cluster's name, the key of its answer in RV(clusters).
        type: str
        required: true
      auth:
        description:
          - The cluster's connection options, with the names and meaning of C(kubernetes.core.k8s_auth_options)
            (O(kubernetes.core.k8s_info#module:kubeconfig), O(kubernetes.core.k8s_info#module:context),
            O(kubernetes.core.k8s_info#module:host), O(kubernetes.core.k8s_info#module:api_key), ...); a key that is
            not one of them fails the task before any request. Keys set to V(null) count as unset.
          - The values of C(api_key), C(password) and the credentials of an inline C(kubeconfig) are hidden from the
            task's output, as C(no_log) options are.
          - The C(acm.submariner.k8s_auth) filter turns an inventory host's C(preflight_auth) into this dictionary.
        type: dict
        default: {}
      aws_prep_mode:
        description:
          - The cluster's AWS preparation mode, V(addon), V(direct) or V(skip) (V(direct) needs the MachineSet permissions
            on the cluster).
          - Any other value is not refused here, so that one cluster's typo does not hide the other clusters'
            answers. That cluster's permissions are not reviewed (RV(clusters.checked) is V(0)), and the preflight role
            reports the value as a finding naming its variable.
        type: str
        default: addon
      read_network:
        description: Whether to read the cluster's networks too.
        type: bool
        default: true
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
extends_documentation_fragment:
  - acm.submariner.attributes
  - acm.submariner.attributes.INFO_MODULE
seealso:
  - module: acm.submariner.access_review
  - module: acm.submariner.cluster_network_info
  - name: docs/rbac.md
    description: The minimal ClusterRoles per mode, and how they were derived.
    link: https://github.com/acm-submariner/acm.submariner/blob/main/docs/rbac.md
"""

EXAMPLES = r"""
- name: Review the permissions of two clusters for site.yml and read their networks
  acm.submariner.spoke_preflight_info:
    run: site
    hub: "{{ preflight_hub_info.hub }}"
    clusters:
      - name: aws-sub1
        auth: {kubeconfig: /etc/acm-submariner/kubeconfig, context: aws-sub1}
      - name: aws-sub2
        auth: {host: "https://api.aws-sub2.example.com:6443", api_key: "{{ aws_sub2_token }}"}
        aws_prep_mode: direct
  register: spokes

- name: Stop when a permission is missing
  ansible.builtin.fail:
    msg: "{{ spokes.clusters.values() | selectattr('missing') | map(attribute='msg') | join('\n') }}"
  when: spokes.clusters.values() | selectattr('missing') | list | length > 0
"""

RETURN = r"""
clusters:
  description: The answer of each cluster, by name.
  returned: always
  type: dict
  contains:
    target:
      description: The context or API server asked, with its URL.
      type: str
      sample: context "aws-sub1" (https://api.aws-sub1.example.com:6443)
    error:
      description: Why the cluster could not be reached or read, or V(null).
      type: str
      sample: 'context "aws-sub2" (https://api.aws-sub2.example.com:6443) rejected the credentials (401 Unauthorized) while reading API discovery.'
    network:
      description:
        - The C(spec) of C(networks.config.openshift.io/cluster); V(null) when not asked, not readable, or when the
          cluster serves no such object.
      type: dict
      sample: {"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"]}
    checked:
      description: How many SelfSubjectAccessReviews the cluster answered.
      type: int
      sample: 9
    missing:
      description: The permissions the cluster did not allow (verb, group, resource, namespace); empty when none.
      type: list
      elements: dict
    msg:
      description: When a permission is missing, the message naming the cluster, each permission and the role file; else V(null).
      type: str
    role_file:
      description: The collection's file with the ClusterRole the cluster's credentials need for this run.
      type: str
      sample: files/rbac/acm-submariner-spoke-addon.yaml
  sample:
    aws-sub1: {target: context "aws-sub1", error: null, checked: 9, missing: [], msg: null,
               role_file: files/rbac/acm-submariner-spoke-addon.yaml,
               network: {"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"]}}
"""

from ansible_collections.acm.submariner.plugins.module_utils import rbac
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule
from ansible_collections.acm.submariner.plugins.module_utils.preflight_reads import ask_clusters, cluster_argument_spec


def argument_spec():
    return {
        "run": {"type": "str", "choices": list(rbac.RUNS), "required": True},
        "hub": {"type": "dict"},
        "clusters": {"type": "list", "elements": "dict", "required": True, "options": cluster_argument_spec()},
    }


def main():
    module = HubModule(argument_spec=argument_spec(), auth_options=False)
    module.run(ask_clusters)


if __name__ == "__main__":
    main()

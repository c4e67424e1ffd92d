#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hub_preflight_info
short_description: Ask the hub, in one module run, everything a run checks before its first write
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - The hub's side of the preflight role, read in one module run instead of one run per question and per cluster, in
    this order.
  - With O(lease), that no other live run holds the set's run lease, as M(acm.submariner.run_lease) checks it in check
    mode. Nothing is written. A lease another live run holds fails the task, naming the holder.
  - The hub's facts, sets and managed clusters, as M(acm.submariner.hub_info) returns them.
  - With O(access), the hub permissions the run needs, as M(acm.submariner.access_review) with
    O(acm.submariner.access_review#module:side=hub) reviews them. A missing permission is returned in RV(access) and
    ends the reads there.
  - Each cluster's AWS credentials secret (O(credentials_secrets)), each Hive install-config (O(install_configs)) and,
    with O(set_peers), the clusters that joined the set's broker.
  - With O(broker), whether M(acm.submariner.submariner_broker) would refuse those Globalnet options on the set's
    Broker because clusters already joined it (RV(globalnet_refusal)); the same rule, read only.
  - With O(spokes), after the hub's reads, every managed cluster with its own credentials, the clusters at once, as
    M(acm.submariner.spoke_preflight_info) asks them (RV(spokes)), so that one module run asks the hub and every
    cluster.
  - Changes nothing; the same in check mode.
options:
  cluster_set:
    description: The ManagedClusterSet of the run.
    type: str
    required: true
  run:
    description: The playbook that will run (the permissions reviewed depend on it).
    type: str
    choices: [site, verify, uninstall]
    default: site
  lease:
    description: Check the set's run lease first; omit to skip (for example when the set name is invalid).
    type: dict
    suboptions:
      run:
        description: This run's name, as M(acm.submariner.run_lease) records it.
        type: str
        default: ansible-playbook
      force:
        description: A lease held by another run does not fail the check (the run will break it).
        type: bool
        default: false
  access:
    description: Review the hub permissions of the run; omit to skip.
    type: dict
    suboptions:
      aws_prep_mode:
        description:
          - The run's AWS preparation mode, V(addon), V(direct) or V(skip).
          - Any other value is not refused here, so that the other answers still come back; the permissions are then
            not reviewed (RV(access.checked) is V(0)), and the preflight role reports the value as a finding naming its
            variable.
        type: str
        default: addon
      clusters:
        description: The managed clusters of the run; the permissions on their namespaces are reviewed in each.
        type: list
        elements: str
        default: []
      credentials_clusters:
        description: The clusters whose AWS keys the run is given (their credentials secret may be written).
        type: list
        elements: str
        default: []
      cluster:
        description: How a missing permission names the hub (default its context).
        type: str
  credentials_secrets:
    description:
      - The AWS credentials secret of each cluster, and the keys the inventory gives for it (compared, never returned).
    type: list
    elements: dict
    default: []
    suboptions:
      cluster:
        description: The managed cluster (the secret's namespace).
        type: str
        required: true
      name:
        description: The secret's name.
        type: str
        required: true
      access_key:
        description: The AWS access key ID given for the cluster, if any.
        type: str
        default: ''
      secret_key:
        description: The AWS secret access key given for the cluster, if any.
        type: str
        default: ''
  install_configs:
    description: The clusters whose networks are read from their Hive C(<cluster>-install-config) secret.
    type: list
    elements: str
    default: []
  set_peers:
    description:
      - Read the C(submariner.io/v1) Cluster objects in the set's broker namespace (the clusters that joined it), and the
        Endpoint objects for the cable driver each cluster's gateway announces.
    type: bool
    default: false
  broker:
    description:
      - The run's Globalnet options, to check against the Broker of the set when clusters already joined it. Omit to
        skip. Nothing is checked on hubs without a Broker CR (before ACM 2.5) or when the set or its Broker does not
        exist yet.
    type: dict
    suboptions:
      globalnet_enabled:
        description: Whether the run asks for Globalnet.
        type: bool
        required: true
      globalnet_cidr_range:
        description: The Globalnet CIDR range the run asks for; unset means the Broker's, whatever it is.
        type: str
      default_globalnet_cluster_size:
        description: The Globalnet cluster size the run asks for; unset or V(0) means the Broker's.
        type: int
  spokes:
    description:
      - The managed clusters to ask with their own credentials, as O(acm.submariner.spoke_preflight_info#module:clusters);
        omit to ask none. The hub's facts read first decide which permissions each cluster needs.
    type: list
    elements: dict
    suboptions:
      name:
        description: The managed cluster's name, the key of its answer in RV(spokes).
        type: str
        required: true
      auth:
        description:
          - The cluster's connection options, as O(acm.submariner.spoke_preflight_info#module:clusters[].auth) takes
            them. Their names are those of C(kubernetes.core.k8s_auth_options), another key fails the task before any
            request, and the secret values are hidden from the output.
        type: dict
        default: {}
      aws_prep_mode:
        description:
          - The cluster's AWS preparation mode, V(addon), V(direct) or V(skip); another value is not reviewed
            (its C(checked) is V(0)) and left to the caller to report.
        type: str
        default: addon
      read_network:
        description: Also read the cluster's C(networks.config.openshift.io/cluster), returned in its C(network).
        type: bool
        default: true
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes
  - acm.submariner.attributes.INFO_MODULE
  - acm.submariner.attributes.ACTION_GROUP
notes:
  - RV(credentials_secrets.aws_keys) holds the AWS keys of a secret when the inventory gives none, so that the AWS
    network can be inspected with them; register the result with C(no_log=true).
seealso:
  - module: acm.submariner.hub_info
  - module: acm.submariner.run_lease
  - module: acm.submariner.access_review
  - module: acm.submariner.spoke_preflight_info
"""

EXAMPLES = r"""
- name: Ask the hub what a site.yml run over two clusters checks
  acm.submariner.hub_preflight_info:
    cluster_set: submariner
    lease: {run: site}
    access: {clusters: [aws-sub1, aws-sub2]}
    credentials_secrets:
      - {cluster: aws-sub1, name: aws-sub1-aws-creds}
      - {cluster: aws-sub2, name: aws-sub2-aws-creds}
    set_peers: true
    broker: {globalnet_enabled: false}
    spokes:
      - {name: aws-sub1, auth: {context: aws-sub1}, read_network: true}
      - {name: aws-sub2, auth: {context: aws-sub2}, read_network: true}
  register: hub_reads
  no_log: true
"""

RETURN = r"""
hub:
  description: The hub's facts, as RV(acm.submariner.hub_info#module:hub).
  returned: success
  type: dict
managed_cluster_sets:
  description: The sets, as RV(acm.submariner.hub_info#module:managed_cluster_sets).
  returned: success
  type: list
  elements: dict
managed_clusters:
  description: Every managed cluster, as RV(acm.submariner.hub_info#module:managed_clusters).
  returned: success
  type: list
  elements: dict
access:
  description: The permission review, with O(access).
  returned: when O(access) is given
  type: dict
  contains:
    checked:
      description: How many SelfSubjectAccessReviews were sent.
      type: int
    role_file:
      description: The collection's file with the ClusterRole the hub credentials need for this run.
      type: str
    missing:
      description: The permissions not allowed (verb, group, resource, namespace); empty when none.
      type: list
      elements: dict
    msg:
      description: When a permission is missing, the message naming each one and the role file; else V(null).
      type: str
credentials_secrets:
  description: Per cluster of O(credentials_secrets). Absent when a permission is missing.
  returned: when the permission review passed
  type: dict
  contains:
    name:
      description: The secret's name.
      type: str
    present:
      description: Whether the secret exists.
      type: bool
    owned:
      description: Whether it carries this collection's marker label.
      type: bool
    keys_match:
      description: Whether it holds the keys given; V(null) when none are given.
      type: bool
    differing_keys:
      description: The names of the keys whose stored value differs from the one given.
      type: list
      elements: str
    key_names:
      description: The names of the secret's keys that have a value; V(null) when the secret does not exist.
      type: list
      elements: str
    aws_keys:
      description: The secret's C(access_key) and C(secret_key), only when no keys are given and the secret exists.
      type: dict
  sample: {aws-sub1: {name: aws-sub1-aws-creds, present: true, owned: true, keys_match: null, differing_keys: [],
                      key_names: [aws_access_key_id, aws_secret_access_key]}}
install_config_networks:
  description: Per cluster of O(install_configs), its networks (V(null) when the secret is missing or unreadable).
  returned: when the permission review passed
  type: dict
  sample: {aws-sub3: {cluster_network: [10.128.0.0/14], service_network: [172.30.0.0/16], network_type: OVNKubernetes,
                      source: install-config}}
set_peers:
  description:
    - With O(set_peers), the clusters that joined the set's broker, with the networks they announced and the cable driver
      of their gateway's Endpoint (C(cable_driver), null before the gateway announced one).
  returned: when the permission review passed
  type: list
  elements: dict
  sample: [{name: aws-sub1, cluster_network: [10.128.0.0/14], service_network: [172.30.0.0/16], cable_driver: libreswan}]
globalnet_refusal:
  description:
    - With O(broker), why M(acm.submariner.submariner_broker) would refuse the run's Globalnet options (the clusters that
      joined, the current value and how to change it); V(null) when it would not.
  returned: when O(broker) is given and the permission review passed
  type: str
spokes:
  description:
    - With O(spokes), each cluster's answer by name, as RV(acm.submariner.spoke_preflight_info#module:clusters) (its
      permission review, its networks, or why it could not be asked).
  returned: when O(spokes) is given
  type: dict
  sample:
    aws-sub1: {target: context "aws-sub1", error: null, checked: 9, missing: [], msg: null,
               role_file: files/rbac/acm-submariner-spoke-addon.yaml, network: {"serviceNetwork": ["172.30.0.0/16"]}}
"""

from ansible_collections.acm.submariner.plugins.module_utils import rbac
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule
from ansible_collections.acm.submariner.plugins.module_utils.preflight_reads import ask_hub, cluster_argument_spec


def argument_spec():
    return {
        "cluster_set": {"type": "str", "required": True},
        "run": {"type": "str", "choices": list(rbac.RUNS), "default": "site"},
        "lease": {"type": "dict", "options": {"run": {"type": "str", "default": "ansible-playbook"},
                                              "force": {"type": "bool", "default": False}}},
        "access": {"type": "dict", "options": {
            "aws_prep_mode": {"type": "str", "default": "addon"},
            "clusters": {"type": "list", "elements": "str", "default": []},
            "credentials_clusters": {"type": "list", "elements": "str", "default": []},
            "cluster": {"type": "str"}}},
        "credentials_secrets": {"type": "list", "elements": "dict", "default": [], "no_log": False, "options": {
            "cluster": {"type": "str", "required": True},
            "name": {"type": "str", "required": True},
            "access_key": {"type": "str", "default": "", "no_log": True},
            "secret_key": {"type": "str", "default": "", "no_log": True}}},
        "install_configs": {"type": "list", "elements": "str", "default": []},
        "set_peers": {"type": "bool", "default": False},
        "broker": {"type": "dict", "options": {
            "globalnet_enabled": {"type": "bool", "required": True},
            "globalnet_cidr_range": {"type": "str"},
            "default_globalnet_cluster_size": {"type": "int"}}},
        "spokes": {"type": "list", "elements": "dict", "options": cluster_argument_spec()},
    }


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(ask_hub)


if __name__ == "__main__":
    main()

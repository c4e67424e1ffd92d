#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_cluster
short_description: Put a ManagedCluster in a ManagedClusterSet and manage its Submariner labels
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Manages the labels of one existing ManagedCluster on an ACM hub. It never creates or deletes
    the cluster itself.
  - With O(state=present) it sets C(cluster.open-cluster-management.io/clusterset=<set>), overwriting
    the value ACM put there (clusters start in the V(default) set), adds the legacy
    C(cluster.open-cluster-management.io/submariner-agent=true) label on the ACM 2.2 label flow, and
    applies O(labels). It records the set it put the cluster in in the annotation
    C(acm.submariner/clusterset).
  - A cluster in another set than V(default) is not moved out of it unless O(move_from_other_set=true);
    that set is then recorded in the annotation C(acm.submariner/previous-clusterset).
    A set without the label C(app.kubernetes.io/managed-by=acm.submariner) is someone else's, and clusters
    join it only with O(adopt_set=true). ACM's sets V(default) and V(global) are refused.
  - With O(state=absent) it takes the cluster out of the set only when this collection put it there
    (the annotation names O(cluster_set), or any set when O(cluster_set) is not given); the clusterset
    label goes back to the recorded previous set, or is removed (ACM then puts the cluster back in
    V(default)); the C(submariner-agent) label goes too on the label flow. The keys of O(labels) are
    removed in any case.
  - The change is a JSON merge patch of only those label keys, computed against the cluster as read,
    so other labels are never touched; nothing is sent when the labels already match.
  - An unknown cluster name fails the task and lists the clusters the hub knows.
options:
  name:
    description:
      - Name of the ManagedCluster (also the name of its namespace on the hub).
    type: str
    required: true
    aliases: [cluster]
  cluster_set:
    description:
      - The ManagedClusterSet the cluster must belong to. The set must exist.
      - Changing a cluster's set needs the RBAC C(create) on C(managedclustersets/join) for both sets.
    type: str
  move_from_other_set:
    description:
      - Move a cluster that is in another set than V(default) (the set is recorded and restored on O(state=absent)).
    type: bool
    default: false
  adopt_set:
    description:
      - Join O(cluster_set) even though it was not created by this collection (it has no
        C(app.kubernetes.io/managed-by=acm.submariner) label).
    type: bool
    default: false
  join_flow:
    description:
      - How the cluster joins Submariner. V(auto) follows the hub (M(acm.submariner.hub_info) C(join_flow)).
      - V(labels) is the ACM 2.2 flow and also sets C(cluster.open-cluster-management.io/submariner-agent=true).
      - V(addon) (ACM 2.3 and later) only manages the clusterset label; join with M(acm.submariner.submariner_addon).
    type: str
    choices: [auto, labels, addon]
    default: auto
  labels:
    description:
      - Extra labels. With O(state=present) they are set (a V(null) value removes that label);
        with O(state=absent) their keys are removed.
    type: dict
  remove_labels:
    description:
      - Label keys to remove, whatever their value.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present) puts the labels in place, V(absent) takes them away.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the cluster reports C(ManagedClusterConditionAvailable=True) (only with O(state=present)).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.managed_cluster_set
  - module: acm.submariner.submariner_addon
  - module: acm.submariner.hub_info
  - module: kubernetes.core.k8s
    description: C(state=patched) can set labels too, without the set and flow rules.
"""

EXAMPLES = r"""
# The blog (ACM 2.2): label cluster1 and cluster2 for the set "submariner" and the agent.
- name: Join cluster1 and cluster2 the ACM 2.2 way
  acm.submariner.managed_cluster:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    name: "{{ item }}"
    cluster_set: submariner
    join_flow: labels
    wait: true
  loop: [cluster1, cluster2]

# Today: the flow comes from the hub; only the clusterset label is set.
- name: Move cluster1 from the default set into the set submariner
  acm.submariner.managed_cluster:
    context: hubcluster
    name: cluster1
    cluster_set: submariner
    labels:
      environment: production
  register: membership

- name: Take cluster1 out of the set and drop a stale label
  acm.submariner.managed_cluster:
    context: hubcluster
    name: cluster1
    cluster_set: submariner
    state: absent
    remove_labels: [environment]
"""

RETURN = r"""
result:
  description: The ManagedCluster as the API server returned it (or would store it, in check mode).
  returned: success
  type: dict
  sample: {apiVersion: cluster.open-cluster-management.io/v1, kind: ManagedCluster, metadata: {name: cluster1}}
labels:
  description: The cluster's labels after the task.
  returned: success
  type: dict
  sample: {cluster.open-cluster-management.io/clusterset: submariner, cloud: Amazon}
patch:
  description: The merge patch the task sent (or would send in check mode); empty when nothing changed.
  returned: success
  type: dict
  sample: {metadata: {labels: {cluster.open-cluster-management.io/clusterset: submariner}}}
join_flow:
  description: The join flow used, V(labels) or V(addon).
  returned: success
  type: str
  sample: addon
cluster:
  description: Summary of the cluster (claims, labels, availability), as M(acm.submariner.hub_info) reports it.
  returned: success
  type: dict
  sample: {name: cluster1, platform: AWS, region: eu-west-1, clusterset: submariner, available: true}
diff:
  description: Labels before and after, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {metadata: {labels: {cluster.open-cluster-management.io/clusterset: default}}},
           after: {metadata: {labels: {cluster.open-cluster-management.io/clusterset: submariner}}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils.hub_managed_cluster import manage_cluster
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec, writer_argument_spec


def argument_spec():
    return writer_argument_spec({
        **hub_facts_argument_spec(),
        "name": {"type": "str", "required": True, "aliases": ["cluster"]},
        "cluster_set": {"type": "str"},
        "join_flow": {"type": "str", "choices": ["auto", "labels", "addon"], "default": "auto"},
        "labels": {"type": "dict"},
        "remove_labels": {"type": "list", "elements": "str", "default": []},
        "move_from_other_set": {"type": "bool", "default": False},
        "adopt_set": {"type": "bool", "default": False},
    })


def main():
    module = HubModule(argument_spec=argument_spec(), names={"name": "cluster", "cluster_set": "set"})
    module.run(manage_cluster)


if __name__ == "__main__":
    main()

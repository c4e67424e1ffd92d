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
    applies O(labels).
  - With O(state=absent) it removes the clusterset label (when it names O(cluster_set), or whatever
    set when O(cluster_set) is not given), the C(submariner-agent) label on the label flow, and the
    keys of O(labels).
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
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
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

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import (
    evaluate_managed_cluster,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub import (
    managed_cluster_summary,
)
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    HubModule,
    Outcome,
    gather_hub_facts,
    require_managed_cluster,
    wait_argument_spec,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    membership_label_patch,
)
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    wait_for_evaluation,
)


def argument_spec():
    spec = {
        "name": {"type": "str", "required": True, "aliases": ["cluster"]},
        "cluster_set": {"type": "str"},
        "join_flow": {"type": "str", "choices": ["auto", "labels", "addon"], "default": "auto"},
        "labels": {"type": "dict"},
        "remove_labels": {"type": "list", "elements": "str", "default": []},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    spec.update(wait_argument_spec())
    return spec


def join_flow(module, facts):
    if module.params["join_flow"] != "auto":
        return module.params["join_flow"]
    return facts.join_flow


def require_cluster_set(module, facts):
    """Fail early when the set to join does not exist: ACM would accept the label and nothing joins."""
    name = module.params["cluster_set"]
    if module.params["state"] != "present" or not name:
        return
    hub = module.hub
    version = facts.managed_cluster_set_version
    if version and hub.get("{0}/{1}".format(C.CLUSTER_GROUP, version), C.MANAGED_CLUSTER_SET_KIND, name) is None:
        raise HubError(
            "{0} has no ManagedClusterSet {1!r}: create it first (acm.submariner.managed_cluster_set)."
            .format(hub.target, name))


def label_patch(module, cluster, flow):
    params = module.params
    return membership_label_patch(
        cluster["metadata"].get("labels"), params["cluster_set"], flow,
        extra_labels=params["labels"], remove_labels=params["remove_labels"], state=params["state"],
    )


def apply_patch(module, cluster, patch):
    if not patch:
        return Outcome(False, cluster, cluster)
    desired = {
        "apiVersion": C.MANAGED_CLUSTER_API_VERSION,
        "kind": C.MANAGED_CLUSTER_KIND,
        "metadata": {"name": cluster["metadata"]["name"], "labels": patch["metadata"]["labels"]},
    }
    return module.hub.ensure_present(desired)


def wait_available(module, name):
    target = Target(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, name)
    obj, dummy = wait_for_evaluation(module.hub, target, evaluate_managed_cluster, module.params["wait_timeout"])
    return obj


def manage_cluster(module):
    params = module.params
    facts = gather_hub_facts(module.hub)
    flow = join_flow(module, facts)
    require_cluster_set(module, facts)
    cluster = require_managed_cluster(module.hub, params["name"])
    patch = label_patch(module, cluster, flow)
    outcome = apply_patch(module, cluster, patch)
    after = outcome.after
    if params["wait"] and params["state"] == "present" and not module.check_mode:
        after = wait_available(module, params["name"])
    result = {
        "changed": outcome.changed,
        "result": outcome.result,
        "labels": after["metadata"].get("labels") or {},
        "patch": patch,
        "join_flow": flow,
        "cluster": managed_cluster_summary(after),
    }
    return module.with_diff(result, {"managed_cluster": outcome})


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(manage_cluster)


if __name__ == "__main__":
    main()

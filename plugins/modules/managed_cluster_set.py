#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_cluster_set
short_description: Manage the ManagedClusterSet that Submariner connects
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Creates, updates or deletes a ManagedClusterSet on an ACM hub. The submariner-addon creates a
    broker namespace for every set whose members are chosen by the exclusive clusterset label, and
    connects the clusters of the set.
  - Writes the newest API version the hub serves (C(v1beta2), then C(v1beta1), then C(v1alpha1) as on
    ACM 2.2), with the C(ExclusiveClusterSetLabel) selector (C(LegacyClusterSetLabel) on C(v1beta1), no
    selector on C(v1alpha1)).
  - Refuses set names whose broker namespace would be longer than 63 characters (the addon would
    truncate it), so at most 56 characters from ACM 2.3 and 34 on ACM 2.2.
  - Returns the broker namespace, read from the set's
    C(cluster.open-cluster-management.io/submariner-broker-ns) annotation when the addon wrote it
    (ACM 2.5 and later), else computed with the hub's naming rule (C(submariner-clusterset-<set>-broker)
    on ACM 2.2, C(<set>-broker) from ACM 2.3).
  - Ownership. A set it creates carries the label C(app.kubernetes.io/managed-by=acm.submariner)
    (writes use the field manager C(acm.submariner)). An existing set without that label is someone
    else's; the task fails unless O(adopt=true), and then leaves the set as it is. O(state=absent)
    deletes only a set with the label (another set is kept, with a warning). ACM's sets V(default)
    and V(global) are refused.
  - A set that still has clusters (ManagedClusters with its C(cluster.open-cluster-management.io/clusterset)
    label) is never deleted. O(state=absent) then keeps it and its bindings, warns naming the clusters, and
    returns them in RV(members). This is how one cluster leaves a set that others stay in.
  - Optionally binds the set into namespaces with ManagedClusterSetBindings (only needed for
    Placements, not by Submariner).
options:
  name:
    description:
      - Name of the ManagedClusterSet. An RFC 1123 label short enough for its broker namespace.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the set, V(absent) deletes it (and the bindings named in O(bindings)).
    type: str
    choices: [present, absent]
    default: present
  labels:
    description:
      - Extra labels to set on the ManagedClusterSet. Labels not named here are left alone.
    type: dict
  adopt:
    description:
      - Use an existing set that this collection did not create (no C(app.kubernetes.io/managed-by=acm.submariner)
        label) without failing. The set is not written, and O(state=absent) will never delete it.
    type: bool
    default: false
  bindings:
    description:
      - Namespaces in which to create (or, with O(state=absent), delete) a ManagedClusterSetBinding of this set.
      - Each namespace must exist.
    type: list
    elements: str
    default: []
  wait:
    description:
      - With O(state=present), wait until the submariner-addon has created the broker namespace.
      - With O(state=absent), wait until the set is gone (the addon first cleans up its broker namespace).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.LEAVING
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.managed_cluster
  - module: acm.submariner.submariner_broker
  - module: acm.submariner.hub_info
  - name: ManagedClusterSets (Open Cluster Management)
    description: The ManagedClusterSet API and its selectors.
    link: https://open-cluster-management.io/docs/concepts/cluster-inventory/managedclusterset/
"""

EXAMPLES = r"""
# The blog (ACM 2.2): the set "submariner"; its broker namespace is
# submariner-clusterset-submariner-broker.
- name: Create the ManagedClusterSet submariner
  acm.submariner.managed_cluster_set:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    name: submariner
    wait: true
  register: clusterset

- name: Show where the broker lives
  ansible.builtin.debug:
    var: clusterset.broker_namespace

# Today (ACM 2.12): same task; the set is v1beta2 and the broker namespace submariner-broker.
- name: Create the set and bind it into the namespace of an application's Placements
  acm.submariner.managed_cluster_set:
    context: hubcluster
    name: submariner
    labels:
      app.kubernetes.io/managed-by: ansible
    bindings:
      - my-app
    wait: true
    wait_timeout: 120

- name: Remove the set once every cluster has left it
  acm.submariner.managed_cluster_set:
    context: hubcluster
    name: submariner
    state: absent
    wait: true
"""

RETURN = r"""
result:
  description: The ManagedClusterSet as the API server returned it (or would store it, in check mode); empty when absent.
  returned: success
  type: dict
  sample:
    apiVersion: cluster.open-cluster-management.io/v1beta2
    kind: ManagedClusterSet
    metadata:
      name: submariner
      annotations: {cluster.open-cluster-management.io/submariner-broker-ns: submariner-broker}
    spec: {clusterSelector: {selectorType: ExclusiveClusterSetLabel}}
api_version:
  description: The API version the module used.
  returned: success
  type: str
  sample: cluster.open-cluster-management.io/v1beta2
owned:
  description: Whether the set carries this collection's label (it was created by acm.submariner); false for an adopted set.
  returned: O(state=present)
  type: bool
  sample: true
kept:
  description:
    - With O(state=absent), the set exists but was not deleted, because this collection did not create it or
      because clusters are still in it (RV(members)).
  returned: O(state=absent)
  type: bool
  sample: false
members:
  description:
    - With O(state=absent), the clusters still in the set, which kept it.
    - Empty when the set was deleted, is gone, or was kept only because this collection did not create it.
  returned: O(state=absent)
  type: list
  elements: str
  sample: [aws-sub1, aws-sub2]
broker_namespace:
  description: The set's broker namespace (annotation when present, else the hub's naming rule).
  returned: success
  type: str
  sample: submariner-clusterset-submariner-broker
broker_namespace_exists:
  description: Whether the broker namespace exists (always checked; waited for with O(wait=true)).
  returned: O(state=present)
  type: bool
  sample: true
bindings:
  description: The namespaces with a ManagedClusterSetBinding of this set that the task managed.
  returned: success
  type: list
  elements: str
  sample: [my-app]
diff:
  description: Before and after of what changed, per object, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {}, after: {managed_cluster_set: {metadata: {name: submariner}}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils.hub_managed_cluster_set import manage_cluster_set
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec, writer_argument_spec


def argument_spec():
    return writer_argument_spec({
        **hub_facts_argument_spec(),
        "leaving_clusters": {"type": "list", "elements": "str", "default": []},
        "name": {"type": "str", "required": True},
        "labels": {"type": "dict"},
        "adopt": {"type": "bool", "default": False},
        "bindings": {"type": "list", "elements": "str", "default": []},
    })


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(manage_cluster_set)


if __name__ == "__main__":
    main()

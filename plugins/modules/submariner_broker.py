#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_broker
short_description: Manage the Submariner Broker of a ManagedClusterSet, with its Globalnet options
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Creates, updates or deletes the C(Broker) named C(submariner-broker) (C(submariner.io/v1alpha1)) in
    the broker namespace of a ManagedClusterSet. From ACM 2.5 the submariner-addon does not deploy
    Submariner to any cluster of the set until this object exists.
  - Ownership - an object it creates carries the label C(app.kubernetes.io/managed-by=acm.submariner) (writes use
    the field manager C(acm.submariner)); an existing one without it is updated but never labelled, and
    O(state=absent) deletes only an object with the label (another is kept, with a warning).
  - O(state=absent) keeps the Broker while clusters of the set have joined (a ManagedClusterAddOn
    C(submariner), or the C(submariner-agent) label on ACM 2.2), since deleting it would cut them off. It warns
    and names them in RV(joined_clusters).
  - The broker namespace is read from the set's C(cluster.open-cluster-management.io/submariner-broker-ns)
    annotation when present, else computed with the hub's naming rule; or give it with O(namespace).
  - Globalnet must be decided before the first cluster joins. Once clusters of the set have joined
    (a ManagedClusterAddOn C(submariner), the C(submariner-agent) label on ACM 2.2, or a C(clusters.submariner.io)
    object in the broker namespace), the module refuses to change C(globalnetEnabled) and names those clusters.
  - On hubs older than ACM 2.5 no Broker object is needed; when the hub does not serve the Broker API
    there, the task changes nothing and reports RV(required=false).
options:
  cluster_set:
    description:
      - The ManagedClusterSet whose broker this is. The set must exist.
      - One of O(cluster_set) and O(namespace) is required.
    type: str
  namespace:
    description:
      - The broker namespace, when you know it. Clusters that joined are then found only from the
        C(clusters.submariner.io) objects in it.
    type: str
  state:
    description:
      - V(present) creates or updates the Broker, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  globalnet_enabled:
    description:
      - C(spec.globalnetEnabled). Enable Globalnet when the clusters' pod or service CIDRs overlap (two
        OpenShift clusters installed with default networking always do).
      - Cannot be changed once clusters have joined.
      - Unset leaves the current value (V(false) for a new Broker).
    type: bool
  globalnet_cidr_range:
    description:
      - C(spec.globalnetCIDRRange), the pool Globalnet CIDRs are taken from (addon default V(242.0.0.0/8)).
    type: str
  default_globalnet_cluster_size:
    description:
      - C(spec.defaultGlobalnetClusterSize), addresses per cluster (addon default V(65536)).
    type: int
  wait:
    description:
      - Wait until the submariner-addon has created the broker namespace before writing the Broker.
      - Without it a missing namespace fails the task.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.LEAVING
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.managed_cluster_set
  - module: acm.submariner.submariner_addon
  - name: Submariner Globalnet
    description: Why overlapping CIDRs need Globalnet and how addresses are allocated.
    link: https://submariner.io/getting-started/architecture/globalnet/
"""

EXAMPLES = r"""
- name: Create the Broker for the set submariner (ACM 2.5 and later), once its namespace exists
  acm.submariner.submariner_broker:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    cluster_set: submariner
    wait: true
  register: broker

# Two clusters installed with the default 10.128.0.0/14 and 172.30.0.0/16 overlap.
- name: Enable Globalnet before any cluster joins
  acm.submariner.submariner_broker:
    context: hubcluster
    cluster_set: submariner
    globalnet_enabled: true
    globalnet_cidr_range: 242.0.0.0/8
    default_globalnet_cluster_size: 65536

- name: On the blog's ACM 2.2 hub the same task is a no-op
  acm.submariner.submariner_broker:
    context: hubcluster
    cluster_set: submariner
  register: broker
  failed_when: broker.required
"""

RETURN = r"""
kept:
  description:
    - With O(state=absent), the object exists but was not deleted, because this collection did not create it or
      because clusters of the set still use it (RV(joined_clusters)).
  returned: O(state=absent)
  type: bool
  sample: false
result:
  description: The Broker as the API server returned it (or would store it, in check mode); empty when absent or not required.
  returned: success
  type: dict
  sample:
    apiVersion: submariner.io/v1alpha1
    kind: Broker
    metadata: {name: submariner-broker, namespace: submariner-broker, labels: {cluster.open-cluster-management.io/backup: submariner}}
    spec: {globalnetEnabled: false}
namespace:
  description: The broker namespace.
  returned: success
  type: str
  sample: submariner-broker
required:
  description: Whether this hub needs a Broker object (ACM 2.5 and later).
  returned: success
  type: bool
  sample: true
globalnet_enabled:
  description: Whether Globalnet is enabled on the Broker after the task.
  returned: success
  type: bool
  sample: false
joined_clusters:
  description:
    - The clusters of the set that have joined Submariner. With O(state=absent), those that kept the Broker
      (empty when it was deleted).
  returned: success
  type: list
  elements: str
  sample: [cluster1, cluster2]
diff:
  description: Before and after of what changed, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {spec: {globalnetEnabled: false}}, after: {spec: {globalnetEnabled: true}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils.hub_submariner_broker import manage_broker
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec, writer_argument_spec


def argument_spec():
    return writer_argument_spec({
        **hub_facts_argument_spec(),
        "leaving_clusters": {"type": "list", "elements": "str", "default": []},
        "cluster_set": {"type": "str"},
        "namespace": {"type": "str"},
        "globalnet_enabled": {"type": "bool"},
        "globalnet_cidr_range": {"type": "str"},
        "default_globalnet_cluster_size": {"type": "int"},
    })


def main():
    module = HubModule(
        argument_spec=argument_spec(),
        names={"cluster_set": "set"},
        required_one_of=[("cluster_set", "namespace")],
        mutually_exclusive=[("cluster_set", "namespace")],
    )
    module.run(manage_broker)


if __name__ == "__main__":
    main()

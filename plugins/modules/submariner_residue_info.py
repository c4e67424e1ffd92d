#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_residue_info
short_description: List what Submariner left of one managed cluster, on the hub and on the cluster itself
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - The check after an uninstall, in one module run per cluster. Lists in RV(leftovers) what is left of the cluster
    O(cluster), one line each.
  - On the hub, only what this collection created or what the submariner-addon leaves when its clean-up did not
    finish. That is the cluster's SubmarinerConfig and ManagedClusterAddOn that carry this collection's marker label
    (someone else's are kept on purpose), the add-on's ManifestWorks C(submariner-operator) and C(submariner-resource),
    the set label O(cluster_set) with the annotation C(acm.submariner/clusterset) that records this collection put it
    there, that annotation, and the ACM 2.2 C(submariner-agent) label this collection set.
  - With O(broker_namespace) (a set that stays, because other clusters are still in it), the cluster's C(Cluster) and
    C(Endpoint) objects there, which the others would keep dialling. Only from ACM 2.5, whose Submariner removes them
    on uninstall (submariner-io/submariner#1691).
  - With O(cluster_auth), on the managed cluster itself, any C(Submariner) CR, C(Gateway), Node labelled
    C(submariner.io/gateway=true) and gateway MachineSet (C(*-submariner-gw-*) in C(openshift-machine-api)).
  - A kind the API server does not serve (its CRD removed) has nothing left. AWS leftovers are
    M(acm.submariner.aws_cloud_prepare_info)'s to find.
  - Changes nothing.
options:
  cluster:
    description: The managed cluster's name (its namespace on the hub).
    type: str
    required: true
  cluster_set:
    description: The ManagedClusterSet the run took the cluster out of.
    type: str
    required: true
  broker_namespace:
    description: The broker namespace of a set that stays; omit when the set was deleted with the cluster's removal.
    type: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.CLUSTER_AUTH
  - acm.submariner.attributes.INFO_MODULE
  - acm.submariner.attributes.ACTION_GROUP
notes:
  - A managed cluster that cannot be reached with O(cluster_auth) fails the task, naming the cluster and why, with the
    hub's leftovers in RV(leftovers).
seealso:
  - module: acm.submariner.submariner_info
  - module: acm.submariner.aws_cloud_prepare_info
"""

EXAMPLES = r"""
- name: Check that nothing of Submariner is left of aws-sub1 after an uninstall
  acm.submariner.submariner_residue_info:
    cluster: aws-sub1
    cluster_set: submariner
    cluster_auth:
      context: aws-sub1
  register: residue
  failed_when: residue.leftovers | length > 0
"""

RETURN = r"""
leftovers:
  description:
    - What is left, one line each, from C(hub) (C(hub <Kind> <name>), C(hub broker namespace <Kind> <name>),
      C(hub ManagedCluster label ...)) and from C(spoke) (C(spoke <Kind> <name>)); empty when nothing is.
  returned: always
  type: list
  elements: str
  sample: ["hub SubmarinerConfig submariner", "spoke MachineSet aws-sub1-x7k2p-submariner-gw-eu-west-1a"]
spoke_checked:
  description: Whether the managed cluster itself was read (O(cluster_auth) given).
  returned: success
  type: bool
"""

from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec
from ansible_collections.acm.submariner.plugins.module_utils.residue import find_residue
from ansible_collections.acm.submariner.plugins.module_utils.submariner_status import CLUSTER_AUTH_OPTIONS


def argument_spec():
    return {
        **hub_facts_argument_spec(),
        "cluster": {"type": "str", "required": True},
        "cluster_set": {"type": "str", "required": True},
        "broker_namespace": {"type": "str"},
        "cluster_auth": {"type": "dict", "options": CLUSTER_AUTH_OPTIONS},
    }


def main():
    module = HubModule(argument_spec=argument_spec(), names={"cluster": "cluster"})
    module.run(find_residue)


if __name__ == "__main__":
    main()

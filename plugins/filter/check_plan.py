# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: check_plan
short_description: The plan of a check-mode run of site.yml, per cluster
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Turns what the roles' modules answered in check mode into readable lines, per cluster, of what a run
    without C(--check) would create or change on the hub, on the cluster and in AWS.
  - A Kubernetes object that a server-side dry run created (it has no C(resourceVersion)) would be created;
    one that has a C(resourceVersion) would be changed.
options:
  _input:
    description:
      - Per cluster name, the registered results of its roles, by key - C(credentials_secret) (the creation of the
        credentials secret, or the rotation of its keys), C(submariner_config) (its RV(acm.submariner.submariner_config#module:gateway_changes)
        name the tunnels that drop while the gateway pods restart), C(cloud_prepare),
        C(gateway_machineset), C(gateway_prune) (the direct-mode deletion of the gateways of zones no longer asked for),
        C(aws_findings) (the findings of the AWS check in addon mode), C(cluster_set_label),
        C(addon), C(set_missing) (the set does not exist yet, so the join was not tried) and C(infra_id).
    type: dict
    required: true
  hub_results:
    description: The hub's registered results, by key - C(cluster_set) and C(broker).
    type: dict
    default: {}
  hub:
    description: The hub facts preflight found (C(join_flow), C(broker_cr_required)).
    type: dict
    default: {}
  cluster_set:
    description: The ManagedClusterSet the clusters join.
    type: str
    default: submariner
  peers:
    description:
      - The clusters of the set outside the run (preflight's C(preflight_set_peers)). With the clusters of the run they
        are the tunnels a cluster drops while its gateway pods restart, which the plan names.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Print the plan at the end of a --check run
  ansible.builtin.debug:
    msg: "{{ results_by_cluster | acm.submariner.check_plan(hub_results=hub_results, hub=preflight_hub, cluster_set='submariner') }}"
  when: ansible_check_mode
"""

RETURN = r"""
_value:
  description: The plan, one line per item - a title, then per section (the hub, each cluster) its steps or C(nothing to change).
  type: list
  elements: str
"""

from ansible_collections.acm.submariner.plugins.module_utils.plan import render


def check_plan(cluster_results, hub_results=None, hub=None, cluster_set="submariner", peers=None):
    return render(hub_results or {}, cluster_results or {}, hub or {}, cluster_set, peers or [])


class FilterModule:
    def filters(self):
        return {"check_plan": check_plan}

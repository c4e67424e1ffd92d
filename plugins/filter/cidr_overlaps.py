# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cidr_overlaps
short_description: Find overlapping pod and service CIDRs between clusters
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Compares the pod (cluster) and service networks of every pair of clusters and returns each pair of CIDRs that overlap.
  - Submariner routes pod and service networks between clusters, so without Globalnet no cluster's pod or service CIDR may overlap
    another cluster's pod or service CIDR. Two OpenShift clusters installed with the default networks always overlap.
  - A cluster's own pod and service networks are not compared with each other.
  - IPv4 and IPv6 CIDRs never overlap each other.
options:
  _input:
    description:
      - The clusters, either as a list of dictionaries with a V(name) key or as a dictionary keyed by cluster name.
      - Each cluster has C(cluster_network) and C(service_network), each a list of CIDRs or a single CIDR, and optionally
        C(machine_network). Missing networks are treated as empty.
    type: raw
    required: true
  include_machine_network:
    description:
      - Also compare each cluster's C(machine_network) with the other clusters' pod and service networks.
      - Identical machine networks in two clusters are not reported, as Submariner does not route node networks.
    type: bool
    default: false
  globalnet:
    description:
      - Set when Globalnet is enabled. Pod and service networks may then overlap, so only each cluster's C(global_network)
        is compared (its Globalnet CIDR, for example the SubmarinerConfig C(globalCIDR) it will get).
      - O(include_machine_network) is ignored then.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Stop before any change when two clusters overlap and Globalnet is off
  ansible.builtin.assert:
    that: overlaps | length == 0
    fail_msg: "{{ overlaps | map(attribute='cluster_a') | zip(overlaps | map(attribute='cluster_b')) | list }} overlap"
  vars:
    overlaps: >-
      {{ [
           {'name': 'cluster1', 'cluster_network': ['10.128.0.0/14'], 'service_network': ['172.30.0.0/16']},
           {'name': 'cluster2', 'cluster_network': ['10.132.0.0/14'], 'service_network': ['172.31.0.0/16']}
         ] | acm.submariner.cidr_overlaps }}

- name: The same check from a dictionary keyed by cluster name, including node networks
  ansible.builtin.debug:
    msg: "{{ networks_by_cluster | acm.submariner.cidr_overlaps(include_machine_network=true) }}"
  vars:
    networks_by_cluster:
      cluster1: {cluster_network: 10.128.0.0/14, service_network: 172.30.0.0/16, machine_network: 10.0.0.0/16}
      cluster2: {cluster_network: 10.0.0.0/14, service_network: 172.31.0.0/16, machine_network: 10.0.0.0/16}
  # -> [{cluster_a: cluster1, network_a: machine_network, cidr_a: 10.0.0.0/16,
  #      cluster_b: cluster2, network_b: cluster_network, cidr_b: 10.0.0.0/14}]

- name: With Globalnet only the global CIDRs must be distinct
  ansible.builtin.assert:
    that: >-
      {{ {'cluster1': {'global_network': '242.0.0.0/16'}, 'cluster2': {'global_network': '242.1.0.0/16'}}
         | acm.submariner.cidr_overlaps(globalnet=true) | length == 0 }}
"""

RETURN = r"""
_value:
  description:
    - One entry per overlapping pair of CIDRs, in input order; an empty list when nothing overlaps.
    - Each entry has C(cluster_a), C(network_a), C(cidr_a), C(cluster_b), C(network_b) and C(cidr_b); the networks are
      V(cluster_network), V(service_network), V(machine_network) or V(global_network).
  type: list
  elements: dictionary
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.module_utils.cidr import find_overlaps


def cidr_overlaps(clusters, include_machine_network=False, globalnet=False):
    """Every overlapping CIDR pair between the given clusters."""
    try:
        return find_overlaps(clusters, include_machine_network=bool(include_machine_network), globalnet=bool(globalnet))
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("acm.submariner.cidr_overlaps: %s" % exc) from exc


class FilterModule:
    """acm.submariner CIDR filters."""

    def filters(self):
        return {"cidr_overlaps": cidr_overlaps}

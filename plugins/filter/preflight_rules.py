# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: preflight_rules
short_description: The collection's rules for names, ports, gateways and set ownership, as preflight findings
version_added: 0.2.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Applies the same Python rules the modules enforce, so that preflight reports every problem before the first write.
  - Names are checked as DNS-1123 labels with a full match (a name followed by a newline is refused).
  - With Globalnet, the range must hold a block of the cluster size for every cluster that joins.
  - A cluster must not ask for more gateways than it has public subnets that can hold one (when AWS was inspected),
    and its credentials secret must have a value for both AWS keys (an empty one would fall back to ambient AWS credentials).
  - Where the submariner-addon prepares AWS (ACM 2.4 and later), a cluster must not ask for fewer gateways than it has public
    subnets already tagged for one, as the addon keeps a gateway in each and then tags the remaining subnets as well.
  - The set must not be ACM's V(default) or V(global); an existing set without the label
    C(app.kubernetes.io/managed-by=acm.submariner) needs O(_input.adopt_set); a cluster in another
    set than V(default) needs O(_input.move_clusters).
  - The NAT discovery port, when set, must be 4490, where Submariner's gateway listens whatever the SubmarinerConfig says.
  - The clusters of the set must all use one cable driver (Submariner never connects two gateways of different drivers).
  - A cluster that an uninstall takes out (C(leaving)) must be a ManagedCluster of the hub and in the set, in no set
    or in V(default); one in another set is that set's.
options:
  _input:
    description:
      - C(cluster_set) (the set name), C(broker_namespace_rule) (V(current) or V(legacy), default V(current)),
        C(existing_set) (the ManagedClusterSet as read, or null), C(adopt_set) and C(move_clusters) (bools), and
        C(clusters), a list of C(name), C(clusterset) (its current clusterset label, or null), C(settings)
        (C(ipsec_natt_port), C(natt_discovery_port), C(gateways); unset values are not checked), C(usable_subnets)
        (public subnets in zones that offer the gateway instance type, null when AWS was not inspected), C(instance_type),
        C(tagged_gateways) (where the addon prepares AWS, C(subnets), the public subnets as
        M(acm.submariner.aws_cloud_prepare_info) returns them, and C(tag), the addon's gateway subnet tag; else null),
        and C(credentials) (C(secret), the Secret as C(namespace/name), and C(keys), the AWS key names whose value is
        not empty, null when the secret is not used).
      - C(globalnet), when Globalnet is requested, C(cidr_range) and C(cluster_size) (empty or 0 for the addon's defaults).
        The range must also hold a block for every other cluster already in the set, found in C(hub_clusters), the
        hub's managed clusters as M(acm.submariner.hub_info) describes them (C(name), C(clusterset)).
      - C(leaving), for an uninstall, the names of the clusters it takes out, looked up in C(hub_clusters).
      - C(set_peers), the clusters that announced themselves to the set's broker as M(acm.submariner.hub_preflight_info)
        returns them (C(name), C(cable_driver)). With C(settings.cable_driver) of each cluster of the run (null keeps
        the driver it announced), every cluster of the set must end with the same cable driver.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse a set name with a trailing newline and a NAT-T port out of range
  ansible.builtin.debug:
    msg: >-
      {{ {'cluster_set': 'submariner\n', 'clusters': [{'name': 'cluster1', 'settings': {'ipsec_natt_port': 70000}}]}
         | acm.submariner.preflight_rules }}
"""

RETURN = r"""
_value:
  description: One message per problem, each starting with the cluster or C(cluster set); empty when all is well.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.acm.submariner.plugins.module_utils import ownership
from ansible_collections.acm.submariner.plugins.module_utils.hub import validate_cluster_name, validate_set_name
from ansible_collections.acm.submariner.plugins.module_utils.validation import (
    cable_driver_mix_problem,
    gateway_subnets_problem,
    globalnet_problems,
    nat_discovery_port_problem,
    secret_keys_problem,
    settings_problems,
    tagged_gateways_problem,
)


def preflight_rules(facts):
    if not isinstance(facts, dict):
        raise AnsibleFilterError("preflight_rules expects a dict, got %s" % type(facts).__name__)
    set_name = facts.get("cluster_set")
    problems = ["cluster set: " + problem for problem in validate_set_name(set_name, facts.get("broker_namespace_rule") or "current")]
    reserved = ownership.reserved_set_problem(set_name)
    if reserved:
        problems.append("cluster set: " + reserved)
    elif not problems:
        adoption = ownership.set_adoption_problem(set_name, facts.get("existing_set"), bool(facts.get("adopt_set")))
        if adoption:
            problems.append("cluster set: " + adoption)
    clusters = facts.get("clusters") or []
    for cluster in clusters:
        name = cluster.get("name")
        problems += ["%s: %s" % (name, problem) for problem in validate_cluster_name(name)]
        problems += ["%s: %s" % (name, problem) for problem in settings_problems(cluster.get("settings") or {}, names="inventory")]
        problems += ["%s: %s" % (name, problem) for problem in _aws_problems(cluster) if problem]
        discovery = nat_discovery_port_problem((cluster.get("settings") or {}).get("natt_discovery_port"))
        if discovery:
            problems.append("%s: %s" % (name, discovery))
        moving = ownership.move_problem(name, cluster.get("clusterset"), set_name, bool(facts.get("move_clusters")))
        if moving and not reserved:
            problems.append(moving)
    problems += _removal_problems(set_name, facts.get("leaving") or [], facts.get("hub_clusters") or [])
    mix = cable_driver_mix_problem({cluster.get("name"): (cluster.get("settings") or {}).get("cable_driver") for cluster in clusters},
                                   _announced_drivers(set_name, facts.get("set_peers") or [], facts.get("hub_clusters") or [], clusters))
    if mix and clusters:
        problems.append("cable driver: " + mix)
    globalnet = facts.get("globalnet")
    if globalnet:
        members = sorted(summary.get("name") for summary in facts.get("hub_clusters") or [] if summary.get("clusterset") == set_name)
        problems += ["globalnet: " + problem for problem in globalnet_problems(
            globalnet.get("cidr_range"), globalnet.get("cluster_size"), [cluster.get("name") for cluster in clusters], members=members)]
    return problems


def _announced_drivers(set_name, set_peers, hub_clusters, clusters):
    """The driver each cluster of the set announced, for clusters still in the set or in the run (a Cluster object can
    outlive its cluster)."""
    members = {summary.get("name") for summary in hub_clusters if summary.get("clusterset") == set_name}
    members.update(cluster.get("name") for cluster in clusters)
    return {peer.get("name"): peer.get("cable_driver") for peer in set_peers if peer.get("name") in members}


def _removal_problems(set_name, leaving, hub_clusters):
    known = {summary.get("name"): summary for summary in hub_clusters}
    return [problem for problem in (ownership.removal_problem(name, known.get(name), set_name) for name in leaving) if problem]


def _aws_problems(cluster):
    credentials = cluster.get("credentials") or {}
    gateways = (cluster.get("settings") or {}).get("gateways")
    tagged = cluster.get("tagged_gateways") or {}
    return [gateway_subnets_problem(gateways, cluster.get("usable_subnets"), cluster.get("instance_type") or ""),
            tagged_gateways_problem(gateways, tagged.get("subnets"), tagged.get("tag")) if tagged else None,
            secret_keys_problem(credentials.get("secret"), credentials.get("keys"))]


class FilterModule:
    def filters(self):
        return {"preflight_rules": preflight_rules}

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.hub_info reports: the hub's facts, its ManagedClusterSets and managed clusters."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub import managed_cluster_summary, set_broker_namespace
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    gather_hub_facts,
    require_managed_cluster,
)

# The submariner-addon only gives a broker to sets chosen by the exclusive clusterset label.
BROKER_SELECTORS = (None, "ExclusiveClusterSetLabel", "LegacyClusterSetLabel")


def describe_sets(hub, facts):
    if not facts.managed_cluster_set_version:
        return []
    api_version = "{0}/{1}".format(C.CLUSTER_GROUP, facts.managed_cluster_set_version)
    return [describe_set(item, facts.broker_namespace_rule) for item in hub.list(api_version, C.MANAGED_CLUSTER_SET_KIND)]


def describe_set(item, rule):
    name = item["metadata"]["name"]
    selector = ((item.get("spec") or {}).get("clusterSelector") or {}).get("selectorType")
    namespace = None
    if selector in BROKER_SELECTORS:
        try:
            namespace = set_broker_namespace(name, item, rule)
        except ValueError:
            namespace = None
    return {"name": name, "selector_type": selector, "broker_namespace": namespace, "labels": (item.get("metadata") or {}).get("labels") or {}}


def describe_clusters(hub, names):
    if names:
        return [managed_cluster_summary(require_managed_cluster(hub, name)) for name in names]
    clusters = hub.list(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND)
    return [managed_cluster_summary(item) for item in sorted(clusters, key=lambda item: item["metadata"]["name"])]


def set_member_clusters(hub, set_name):
    """The ManagedClusters in set ``set_name`` (its exclusive clusterset label)."""
    selector = "{0}={1}".format(C.CLUSTERSET_LABEL, set_name)
    return hub.list(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, label_selector=selector)


def set_members(hub, set_name):
    """Names of the ManagedClusters in set ``set_name``, sorted."""
    return sorted(item["metadata"]["name"] for item in set_member_clusters(hub, set_name))


def still_in_set(module, clusters):
    """``clusters`` without those this run takes out of the set, in check mode only (where they were not taken out)."""
    leaving = set(module.params.get("leaving_clusters") or ()) if module.check_mode else set()
    return [name for name in clusters if name not in leaving]


def in_use_message(target, ref, set_name, clusters):
    """Why a delete of the set (or of its Broker) was skipped: clusters are still in the set."""
    return ("{0}: {1} was kept: {2} still in ManagedClusterSet {3}, and deleting it would cut {4} off. This is what"
            " removing some clusters from the set does (acm.submariner.uninstall --limit <hub>,<cluster>); to remove"
            " the whole set, take the others out first: the uninstall playbook with them in the inventory, or, for clusters"
            " this collection did not put in the set, remove their label {5}={3}.".format(
                target, ref, ("cluster " if len(clusters) == 1 else "clusters ") + ", ".join(clusters) +
                (" is" if len(clusters) == 1 else " are"), set_name, "it" if len(clusters) == 1 else "them", C.CLUSTERSET_LABEL))


def describe_hub(module):
    """Run acm.submariner.hub_info for ``module`` (a k8s.HubModule); return its result."""
    hub = module.hub
    facts = gather_hub_facts(hub, service_exports=True)
    return {
        "changed": False,
        "hub": facts.as_dict(),
        "managed_cluster_sets": describe_sets(hub, facts),
        "managed_clusters": describe_clusters(hub, module.params.get("clusters")),
    }

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runner of submariner_residue_info: what Submariner left of one managed cluster, on the hub and on the cluster itself.

The rule of what counts as a leftover has this one home (the uninstall role's residue check and the lab's residue
tests read its answer): on the hub only what this collection created (its marked SubmarinerConfig and add-on, its set
label and annotations) and what the submariner-addon leaves when it did not finish (its ManifestWorks, the cluster's
Cluster and Endpoints in the broker namespace of a set that stays); on the cluster, any Submariner.
"""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.aws_gateway_machineset import (
    GATEWAY_INFIX,
    MACHINE_API_NAMESPACE,
    MACHINE_API_VERSION,
    MACHINESET_KIND,
)
from ansible_collections.acm.submariner.plugins.module_utils.k8s import module_hub_facts
from ansible_collections.acm.submariner.plugins.module_utils.ownership import is_ours
from ansible_collections.acm.submariner.plugins.module_utils.submariner_status import connect_cluster


def _listed(client, api_version, kind, namespace=None, label_selector=None):
    """The objects of a kind the API server serves; none of one it does not serve (its CRD gone is no leftover)."""
    if not client.serves(api_version, kind):
        return []
    return client.list(api_version, kind, namespace, label_selector)


def _named(prefix, objects):
    return ["{0} {1} {2}".format(prefix, obj["kind"], obj["metadata"]["name"]) for obj in objects]


def hub_leftovers(hub, facts, cluster, cluster_set, broker_namespace=None):
    """What is left of ``cluster`` on the hub, one line each (``hub <Kind> <name>``, ``hub ManagedCluster label ...``)."""
    found = []
    kinds = [(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND)]
    if facts.managed_cluster_addon_version:
        kinds.append(("{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version), C.MANAGED_CLUSTER_ADDON_KIND))
    for api_version, kind in kinds:
        # Only ours: someone else's SubmarinerConfig or add-on is kept on purpose.
        found += _named("hub", [obj for obj in _listed(hub, api_version, kind, cluster) if is_ours(obj)])
    if hub.serves(C.MANIFEST_WORK_API_VERSION, C.MANIFEST_WORK_KIND):
        # By name (the uninstall ClusterRole grants get, not list, on ManifestWorks).
        works = [hub.get(C.MANIFEST_WORK_API_VERSION, C.MANIFEST_WORK_KIND, name, cluster) for name in C.SUBMARINER_MANIFEST_WORKS]
        found += _named("hub", [work for work in works if work is not None])
    if broker_namespace:
        for kind in (C.SUBMARINER_CLUSTER_KIND, C.SUBMARINER_ENDPOINT_KIND):
            objects = _listed(hub, C.SUBMARINER_CLUSTER_API_VERSION, kind, broker_namespace, "{0}={1}".format(C.CLUSTER_ID_LABEL, cluster))
            found += _named("hub broker namespace", objects)
    managed = hub.get(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, cluster) or {}
    return found + membership_leftovers(managed.get("metadata") or {}, cluster_set)


def membership_leftovers(metadata, cluster_set):
    """The set label, annotations and agent label this collection put on a ManagedCluster and did not take back."""
    labels, annotations = metadata.get("labels") or {}, metadata.get("annotations") or {}
    joined = annotations.get(C.JOINED_SET_ANNOTATION)
    found = []
    if labels.get(C.CLUSTERSET_LABEL) == cluster_set and joined == cluster_set:
        found.append("hub ManagedCluster label {0}={1}".format(C.CLUSTERSET_LABEL, cluster_set))
    if joined is not None:
        found.append("hub ManagedCluster annotation {0}".format(C.JOINED_SET_ANNOTATION))
        if C.SUBMARINER_AGENT_LABEL in labels:
            found.append("hub ManagedCluster label {0}".format(C.SUBMARINER_AGENT_LABEL))
    return found


def spoke_leftovers(spoke):
    """What is left of Submariner on the managed cluster: its CR, Gateways, gateway-labelled Nodes, gateway MachineSets."""
    found = _named("spoke", _listed(spoke, C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND))
    found += _named("spoke", _listed(spoke, C.GATEWAY_API_VERSION, C.GATEWAY_KIND))
    found += _named("spoke", _listed(spoke, "v1", "Node", label_selector="{0}=true".format(C.GATEWAY_NODE_LABEL)))
    machinesets = _listed(spoke, MACHINE_API_VERSION, MACHINESET_KIND, MACHINE_API_NAMESPACE)
    return found + _named("spoke", [item for item in machinesets if GATEWAY_INFIX in item["metadata"]["name"]])


def find_residue(module):
    """The runner of submariner_residue_info."""
    params = module.params
    facts = module_hub_facts(module)
    # Before ACM 2.5 (Submariner 0.12, submariner-io/submariner#1691) a cluster's uninstall does not remove what it
    # announced in the broker namespace, so it is not looked for there.
    broker_namespace = params["broker_namespace"] if facts.broker_cr_required else None
    leftovers = hub_leftovers(module.hub, facts, params["cluster"], params["cluster_set"], broker_namespace)
    spoke, problem = connect_cluster(module)
    if problem:
        module.fail_json(msg="{0}: cannot look for Submariner on the cluster itself: {1}".format(params["cluster"], problem["message"]),
                         leftovers=leftovers)
    if spoke is not None:
        leftovers += spoke_leftovers(spoke)
    return {"changed": False, "leftovers": leftovers, "spoke_checked": spoke is not None}

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.submariner_broker does: the Broker of a set, and the Globalnet rule once clusters joined."""

from __future__ import annotations

import ipaddress

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub import set_broker_namespace
from ansible_collections.acm.submariner.plugins.module_utils.hub_inventory import in_use_message, set_member_clusters, still_in_set
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    Outcome,
    get_submariner_addon,
    missing_api_message,
    module_hub_facts,
    object_ref,
    require_managed_cluster_set,
)
from ansible_collections.acm.submariner.plugins.module_utils.ownership import not_deleted_message
from ansible_collections.acm.submariner.plugins.module_utils.resources import build_broker
from ansible_collections.acm.submariner.plugins.module_utils.validation import DEFAULT_GLOBALNET_CLUSTER_SIZE, DEFAULT_GLOBALNET_RANGE
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    wait_until,
)

CLUSTER_API_VERSION = C.SUBMARINER_GROUP + "/v1"


def resolve_namespace(module, facts):
    """The broker namespace: given, or from the set's annotation, or from the hub's naming rule."""
    params, hub = module.params, module.hub
    if params["namespace"]:
        return params["namespace"]
    name = params["cluster_set"]
    if params["state"] == "present":
        cluster_set = require_managed_cluster_set(hub, facts, name)
    else:
        # A re-run of uninstall: without its set the namespace follows the naming rule (no annotation).
        version = facts.managed_cluster_set_version
        cluster_set = hub.get("{0}/{1}".format(C.CLUSTER_GROUP, version), C.MANAGED_CLUSTER_SET_KIND, name) if version else None
    try:
        return set_broker_namespace(name, cluster_set, facts.broker_namespace_rule)
    except ValueError as exc:
        raise HubError("{0}: {1}.".format(hub.target, exc)) from exc


def joined_members(module, facts):
    """Clusters of the set that joined Submariner (add-on or agent label), sorted."""
    hub, set_name = module.hub, module.params["cluster_set"]
    if not set_name:
        return []
    return sorted(cluster["metadata"]["name"] for cluster in set_member_clusters(hub, set_name) if has_joined(hub, facts, cluster))


def joined_clusters(module, facts, namespace):
    """Clusters of the set that joined Submariner: add-on / agent label, or a Cluster in the broker namespace."""
    hub = module.hub
    joined = set(joined_members(module, facts))
    if hub.serves(CLUSTER_API_VERSION, "Cluster"):
        joined.update(item["metadata"]["name"] for item in hub.list(CLUSTER_API_VERSION, "Cluster", namespace))
    return sorted(joined)


def ensure_absent(module, facts, namespace):
    """Delete our Broker, unless clusters of the set still use it (they would lose their tunnels).

    Given only the namespace, the clusters that use it are those with a Cluster object in it.
    """
    hub, ref = module.hub, object_ref(C.BROKER_KIND, C.BROKER_NAME, namespace)
    joined = still_in_set(module, joined_members(module, facts) if module.params["cluster_set"] else joined_clusters(module, facts, namespace))
    existing = hub.get(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, namespace) if joined else None
    if existing is not None:
        if module.params["cluster_set"]:
            module.warn(in_use_message(hub.target, ref, module.params["cluster_set"], joined))
        else:
            module.warn("{0}: {1} was kept: clusters {2} announce themselves in namespace {3} (clusters.submariner.io), and"
                        " deleting it would cut them off. Take them out of Submariner first; a Cluster object left by a"
                        " cluster that is gone must be deleted by hand.".format(hub.target, ref, ", ".join(joined), namespace))
        return Outcome(False, existing, existing, kept=True), joined
    outcome = hub.ensure_absent(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, namespace, owned_only=True)
    if outcome.kept:
        module.warn(not_deleted_message(ref))
    return outcome, []


def has_joined(hub, facts, cluster):
    """Whether ``cluster`` joined Submariner; one whose add-on these credentials may not read counts as joined
    (a member outside the run, whose namespace the run's RBAC need not cover: its Broker stays)."""
    if C.SUBMARINER_AGENT_LABEL in (cluster["metadata"].get("labels") or {}):
        return True
    try:
        return get_submariner_addon(hub, facts, cluster["metadata"]["name"]) is not None
    except HubError as exc:
        if exc.details.get("status") == 403:
            return True
        raise


def globalnet_of(broker):
    return bool(((broker or {}).get("spec") or {}).get("globalnetEnabled"))


# The inventory variables behind the Broker's Globalnet pool options (roles/broker).
POOL_VARIABLES = {"globalnet_cidr_range": "acm_submariner_globalnet_cidr_range",
                  "default_globalnet_cluster_size": "acm_submariner_globalnet_cluster_size"}


def globalnet_pool_changes(existing, params):
    """``(option, current, wanted)`` for each Globalnet pool option the parameters change on the Broker ``existing``
    (an absent field is the add-on's default; an unset or 0 option changes nothing)."""
    spec = (existing or {}).get("spec") or {}
    current = {"globalnet_cidr_range": spec.get("globalnetCIDRRange") or DEFAULT_GLOBALNET_RANGE,
               "default_globalnet_cluster_size": int(spec.get("defaultGlobalnetClusterSize") or DEFAULT_GLOBALNET_CLUSTER_SIZE)}
    return [(option, current[option], params[option]) for option in ("globalnet_cidr_range", "default_globalnet_cluster_size")
            if params.get(option) and not _same_pool_value(current[option], params[option])]


def _same_pool_value(current, wanted):
    try:
        return ipaddress.ip_network(str(current), strict=False) == ipaddress.ip_network(str(wanted), strict=False)
    except ValueError:
        return str(current) == str(wanted)


def params_broker(params, namespace):
    return build_broker(namespace, params["globalnet_enabled"], params["globalnet_cidr_range"], params["default_globalnet_cluster_size"])


def globalnet_refusal(target, existing, joined, namespace, options):
    """Why the Globalnet ``options`` (globalnet_enabled, the pool options) cannot go to the Broker ``existing`` of
    ``namespace`` that the clusters ``joined`` use, or None."""
    if existing is None or not joined:
        return None
    wanted = options["globalnet_enabled"]
    if wanted is not None and wanted != globalnet_of(existing):
        return (
            "{0}: refusing to {1} Globalnet on Broker {2}/{3}: clusters {4} already joined. Globalnet decides how"
            " every cluster is addressed, so it is chosen before the first cluster joins; to change it, remove"
            " those clusters from Submariner (acm.submariner.submariner_addon state=absent), change the Broker,"
            " and join them again.".format(target, "enable" if wanted else "disable", namespace, C.BROKER_NAME, ", ".join(joined)))
    changed_pool = globalnet_pool_changes(existing, options) if globalnet_of(existing) else []
    if changed_pool:
        return (
            "{0}: refusing to change {1} of Broker {2}/{3}: clusters {4} already joined. The submariner-addon keeps the"
            " Globalnet pool it recorded when the first cluster joined (ConfigMap submariner-globalnet-info in {2}) and the"
            " CIDRs it allocated from it, and would ignore the new value without a word. Keep the current value, or remove"
            " those clusters from Submariner (uninstall.yml), change it, and join them again.".format(
                target, " and ".join("{0} ({1}) from {2} to {3}".format(option, POOL_VARIABLES[option], current, wanted)
                                     for option, current, wanted in changed_pool), namespace,
                C.BROKER_NAME, ", ".join(joined)))
    return None


def broker_globalnet_refusal(module, facts, namespace, options):
    """Read only, for preflight: why ``options`` would be refused on the Broker of ``namespace`` (the set of
    ``module.params['cluster_set']``), or None when there is no such Broker or no joined cluster."""
    hub = module.hub
    if not hub.serves(C.BROKER_API_VERSION, C.BROKER_KIND):
        return None
    existing = hub.get(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, namespace)
    if existing is None:
        return None
    return globalnet_refusal(hub.target, existing, joined_clusters(module, facts, namespace), namespace, options)


def desired_broker(module, existing, joined, namespace):
    """The Broker to write; refuses a Globalnet change once clusters joined."""
    params = module.params
    refusal = globalnet_refusal(module.hub.target, existing, joined, namespace, params)
    if refusal:
        raise HubError(refusal, joined_clusters=joined)
    wanted = params["globalnet_enabled"]
    desired = params_broker(params, namespace)
    # An absent globalnetEnabled already means false: writing the explicit false would be a no-op change.
    if existing is not None and wanted is False and "globalnetEnabled" not in (existing.get("spec") or {}):
        desired["spec"].pop("globalnetEnabled")
    return desired


def require_namespace(module, namespace):
    """True when the broker namespace exists (after waiting, with wait=true)."""
    hub = module.hub
    if hub.get("v1", "Namespace", namespace) is not None:
        return True
    if module.wait_requested:
        wait_until(hub, Target("v1", "Namespace", namespace),
                   lambda obj: None if obj else "the submariner-addon has not created it yet", module.params["wait_timeout"])
        return True
    if module.check_mode:
        module.warn("The broker namespace {0} does not exist yet; the Broker would be created once the submariner-addon"
                    " creates it.".format(namespace))
        return False
    raise HubError(
        "{0}: the broker namespace {1} does not exist yet. The submariner-addon creates it for the ManagedClusterSet;"
        " run with wait=true, or check that the addon is installed and the set uses the ExclusiveClusterSetLabel"
        " selector.".format(hub.target, namespace))


def ensure_present(module, facts, namespace):
    hub = module.hub
    if not require_namespace(module, namespace):
        return Outcome(True, {}, params_broker(module.params, namespace)), []
    existing = hub.get(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, namespace)
    joined = joined_clusters(module, facts, namespace)
    outcome = hub.ensure_present(desired_broker(module, existing, joined, namespace), owned=True, current=existing)
    return outcome, joined


def broker_served(module, facts):
    """Whether to manage a Broker; on hubs that neither need nor serve it the task is a no-op."""
    if module.hub.serves(C.BROKER_API_VERSION, C.BROKER_KIND):
        return True
    if facts.broker_cr_required:
        raise HubError(missing_api_message(C.BROKER_API_VERSION, C.BROKER_KIND, module.hub.target))
    return False


def manage_broker(module):
    """Run acm.submariner.submariner_broker for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    facts = module_hub_facts(module)
    namespace = resolve_namespace(module, facts)
    result = {"namespace": namespace, "required": facts.broker_cr_required}
    if not broker_served(module, facts):
        if params["globalnet_enabled"] or params["globalnet_cidr_range"] or params["default_globalnet_cluster_size"]:
            module.warn("ACM {0} has no Broker API: the Globalnet options were not applied.".format(facts.generation))
        result.update(changed=False, result={}, globalnet_enabled=False, joined_clusters=[])
        return result
    if params["state"] == "present":
        outcome, joined = ensure_present(module, facts, namespace)
    else:
        outcome, joined = ensure_absent(module, facts, namespace)
    result.update(changed=outcome.changed, result=outcome.result, globalnet_enabled=globalnet_of(outcome.after),
                  joined_clusters=joined, kept=outcome.kept)
    return module.with_diff(result, {"broker": outcome})

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.managed_cluster_set does: the set, its bindings, and its broker namespace."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import ownership
from ansible_collections.acm.submariner.plugins.module_utils.hub import (
    preferred_version,
    set_broker_namespace,
    validate_set_name,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub_inventory import in_use_message, set_members, still_in_set
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    Outcome,
    missing_api_message,
    module_hub_facts,
    object_ref,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    build_managed_cluster_set,
    build_managed_cluster_set_binding,
)
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    delete_and_wait,
    wait_until,
)


def set_api_versions(hub, facts, bindings):
    """(set version, binding version) the hub serves; fails when it serves no ManagedClusterSet.

    The binding version is only discovered when there are ``bindings`` to write (``None`` otherwise).
    """
    version = facts.managed_cluster_set_version
    if not version:
        raise HubError(missing_api_message(C.CLUSTER_GROUP + "/v1beta2", C.MANAGED_CLUSTER_SET_KIND, hub.target))
    if not bindings:
        return version, None
    binding_version = preferred_version(
        hub.served_versions(C.CLUSTER_GROUP, C.MANAGED_CLUSTER_SET_BINDING_KIND), C.MANAGED_CLUSTER_SET_VERSIONS)
    return version, binding_version


def binding_outcomes(hub, params, binding_version):
    if params["bindings"] and not binding_version:
        raise HubError(missing_api_message(C.CLUSTER_GROUP + "/v1beta2", C.MANAGED_CLUSTER_SET_BINDING_KIND, hub.target))
    outcomes = {}
    for namespace in params["bindings"]:
        binding = build_managed_cluster_set_binding(params["name"], namespace, binding_version)
        if params["state"] == "present":
            outcomes["binding " + namespace] = hub.ensure_present(binding, owned=True)
        else:
            outcomes["binding " + namespace] = hub.ensure_absent(binding["apiVersion"], binding["kind"], params["name"], namespace,
                                                                 owned_only=True)
    return outcomes


def wait_for_broker_namespace(module, namespace):
    def blocker(obj):
        if obj is None:
            return ("the submariner-addon has not created the broker namespace {0} yet; is the addon installed"
                    " and enabled (hub_info reports submariner_addon_installed)?".format(namespace))
        phase = (obj.get("status") or {}).get("phase")
        return None if phase in (None, "Active") else "namespace {0} is {1}".format(namespace, phase)

    return wait_until(module.hub, Target("v1", "Namespace", namespace), blocker, module.params["wait_timeout"])


def claim_set(module, desired):
    """Create or update our set; someone else's set is used as it is, and only when adopted."""
    hub, params = module.hub, module.params
    existing = hub.get(desired["apiVersion"], desired["kind"], params["name"])
    problem = ownership.set_adoption_problem(params["name"], existing, params["adopt"])
    if problem:
        raise HubError("{0}: {1}.".format(hub.target, problem), owned=False)
    if existing is not None and not ownership.is_ours(existing):
        return Outcome(False, existing, existing)
    return hub.ensure_present(desired, owned=True, current=existing)


def ensure_present(module, facts, version, binding_version):
    params, hub = module.params, module.hub
    desired = build_managed_cluster_set(params["name"], version, params["labels"])
    outcomes = {"managed_cluster_set": claim_set(module, desired)}
    outcomes.update(binding_outcomes(hub, params, binding_version))
    cluster_set = outcomes["managed_cluster_set"].after
    namespace = set_broker_namespace(params["name"], cluster_set, facts.broker_namespace_rule)
    waited = None
    if module.wait_requested:
        waited = wait_for_broker_namespace(module, namespace)
        # The addon annotates the set with the namespace it chose once it has created it.
        cluster_set = hub.get(desired["apiVersion"], desired["kind"], params["name"]) or cluster_set
        namespace = set_broker_namespace(params["name"], cluster_set, facts.broker_namespace_rule)
    exists = waited is not None and waited["metadata"]["name"] == namespace
    result = {
        "result": outcomes["managed_cluster_set"].result,
        "owned": ownership.is_ours(outcomes["managed_cluster_set"].after),
        "api_version": desired["apiVersion"],
        "broker_namespace": namespace,
        "broker_namespace_exists": exists or hub.get("v1", "Namespace", namespace) is not None,
    }
    return outcomes, result


def keep_while_in_use(module, api_version):
    """The Outcome of keeping a set that still has clusters (with its bindings), or None when it has none or is gone."""
    hub, name = module.hub, module.params["name"]
    members = still_in_set(module, set_members(hub, name))
    existing = hub.get(api_version, C.MANAGED_CLUSTER_SET_KIND, name) if members else None
    if existing is None:
        return None, []
    module.warn(in_use_message(hub.target, object_ref(C.MANAGED_CLUSTER_SET_KIND, name), name, members))
    return Outcome(False, existing, existing, kept=True), members


def ensure_absent(module, facts, version, binding_version):
    params = module.params
    api_version = "{0}/{1}".format(C.CLUSTER_GROUP, version)
    outcome, members = keep_while_in_use(module, api_version)
    if outcome is None:
        outcomes = binding_outcomes(module.hub, params, binding_version)
        outcome = delete_and_wait(module, Target(api_version, C.MANAGED_CLUSTER_SET_KIND, params["name"]), owned_only=True)
    else:
        outcomes = {}
    outcomes["managed_cluster_set"] = outcome
    result = {
        "result": outcome.result if outcome.kept else {},
        "kept": outcome.kept,
        "members": members,
        "api_version": api_version,
        "broker_namespace": set_broker_namespace(params["name"], outcome.before, facts.broker_namespace_rule),
    }
    return outcomes, result


def manage_cluster_set(module):
    """Run acm.submariner.managed_cluster_set for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    facts = module_hub_facts(module)
    problems = validate_set_name(params["name"], facts.broker_namespace_rule)
    reserved = ownership.reserved_set_problem(params["name"])
    if reserved:
        problems.append(reserved)
    if problems:
        raise HubError("; ".join(problems) + ".", problems=problems)
    version, binding_version = set_api_versions(module.hub, facts, params["bindings"])
    action = ensure_present if params["state"] == "present" else ensure_absent
    outcomes, result = action(module, facts, version, binding_version)
    result["changed"] = any(outcome.changed for outcome in outcomes.values())
    result["bindings"] = list(params["bindings"])
    return module.with_diff(result, outcomes)

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.submariner_addon does: the ManagedClusterAddOn submariner of one cluster and its readiness."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import (
    classify_evaluation,
    evaluate_addon,
    evaluate_submariner_config,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub_submariner_config import config_target, prepares_cloud
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    missing_api_message,
    module_hub_facts,
    module_managed_cluster,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import build_managed_cluster_addon
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    delete_and_wait,
    readiness_after_write,
)


def addon_api_version(module, facts):
    """The ManagedClusterAddOn version to write; fails where the add-on flow does not apply."""
    hub = module.hub
    if not facts.managed_cluster_addon_version:
        raise HubError(missing_api_message(C.ADDON_GROUP + "/v1alpha1", C.MANAGED_CLUSTER_ADDON_KIND, hub.target))
    if module.params["state"] == "present":
        if facts.join_flow == C.JOIN_FLOW_LABELS:
            raise HubError(
                "{0} runs ACM {1}, where clusters join Submariner with labels and the ManagedClusterAddOn is ignored:"
                " use acm.submariner.managed_cluster with join_flow=labels instead.".format(hub.target, facts.generation))
        if not facts.submariner_addon_installed:
            raise HubError(
                "{0}: the submariner-addon is not installed on the hub (no ClusterManagementAddOn submariner), so the"
                " ManagedClusterAddOn would do nothing. Enable the MultiClusterHub component 'submariner-addon'."
                .format(hub.target))
    return "{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version)


def addon_target(api_version, cluster):
    return Target(api_version, C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster)


def config_readiness(module, facts, summary):
    """The readiness of the cluster's SubmarinerConfig named by the ``submariner_config`` option, waited for as
    submariner_config's own wait does (the same rule and target); None without the option."""
    given = module.params["submariner_config"]
    if not given:
        return None
    params = {"cluster": module.params["cluster"], "name": given["name"], "skip_cloud_prepare": given["skip_cloud_prepare"]}
    cloud_prepare = prepares_cloud(params, summary)

    def evaluate(obj):
        return evaluate_submariner_config(obj, cloud_prepare, facts.join_flow)

    target = config_target(params)
    current = None if module.wait_requested else module.hub.get(target.api_version, target.kind, target.name, target.namespace)
    evaluation = readiness_after_write(module, target, evaluate, current, cluster=params["cluster"])
    return {"name": given["name"], "conditions": evaluation.conditions, "readiness": evaluation.as_dict()}


def ensure_present(module, api_version):
    params = module.params
    version = api_version.split("/")[1]
    outcome = module.hub.ensure_present(build_managed_cluster_addon(params["cluster"], version, params["install_namespace"]), owned=True)

    def evaluate(obj):
        return evaluate_addon(obj, require_connections=params["wait_for_connections"])

    evaluation = readiness_after_write(module, addon_target(api_version, params["cluster"]), evaluate, outcome.after, cluster=params["cluster"])
    diagnosis = classify_evaluation(evaluation)
    return outcome, {
        "conditions": evaluation.conditions,
        "readiness": evaluation.as_dict(),
        "diagnosis": diagnosis.as_dict() if diagnosis else None,
    }


def manage_addon(module):
    """Run acm.submariner.submariner_addon for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    facts = module_hub_facts(module)
    api_version = addon_api_version(module, facts)
    if params["state"] == "present":
        summary = module_managed_cluster(module, params["cluster"])
        outcome, extra = ensure_present(module, api_version)
        extra["submariner_config"] = config_readiness(module, facts, summary)
    else:
        outcome, extra = delete_and_wait(module, addon_target(api_version, params["cluster"]), owned_only=True), {}
    result = {"changed": outcome.changed, "result": outcome.result, "kept": outcome.kept}
    result.update(extra)
    return module.with_diff(result, {"managed_cluster_addon": outcome})

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.submariner_config does: the name rule, the credentials check, the write and the readiness."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import (
    evaluate_submariner_config,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub import (
    cloud_prepare_support,
    config_name_problem,
    managed_cluster_summary,
)
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    gather_hub_facts,
    get_submariner_addon,
    missing_api_message,
    object_ref,
    require_managed_cluster,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    aws_credentials_problems,
    build_submariner_config,
    submariner_config_annotations,
)
from ansible_collections.acm.submariner.plugins.module_utils.validation import submariner_config_problems
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    delete_and_wait,
    readiness_after_write,
)


def config_target(params):
    return Target(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"])


def check_name(module, facts):
    """The hub's name rule: fixed from ACM 2.3; on 2.2 the config must be alone in its namespace."""
    params = module.params
    if params["state"] != "present":
        return
    problem = config_name_problem(params["name"], facts.config_name_rule)
    if problem:
        raise HubError("{0}: SubmarinerConfig {1} for managed cluster {2}: {3}.".format(
            module.hub.target, object_ref(C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"]), params["cluster"], problem))
    if facts.config_name_rule != C.CONFIG_NAME_RULE_ANY:
        return
    others = [item["metadata"]["name"] for item in module.hub.list(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, params["cluster"])
              if item["metadata"]["name"] != params["name"]]
    if others:
        raise HubError(
            "{0}: namespace {1} already has SubmarinerConfig {2}; this hub (ACM 2.2) only reads a SubmarinerConfig"
            " when it is the only one in the namespace. Use name={3} or delete the other one."
            .format(module.hub.target, params["cluster"], ", ".join(others), others[0]))


def check_credentials(module, summary):
    """The credentials secret must exist (and carry both AWS keys on AWS) before the addon reads it."""
    params = module.params
    name = params["credentials_secret"]
    if params["state"] != "present" or not name:
        return
    secret = module.hub.get("v1", "Secret", name, params["cluster"])
    problems = aws_credentials_problems(secret) if summary.get("platform") in (None, "AWS") else []
    if secret is None and not problems:
        problems = ["the secret does not exist"]
    if problems:
        raise HubError(
            "{0}: the credentials secret {1} is not usable: {2}. Create it in namespace {3} with the keys {4}"
            " (the addon reads them to prepare the cloud).".format(
                module.hub.target, object_ref("Secret", name, params["cluster"]), "; ".join(problems),
                params["cluster"], " and ".join(C.AWS_CREDENTIALS_KEYS)),
            problems=problems)


def desired_config(params):
    config = build_submariner_config(params["cluster"], params, params["name"])
    removals = {key: None for key, value in submariner_config_annotations(params).items() if value is None}
    if removals:
        config["metadata"].setdefault("annotations", {}).update(removals)
    return config


def prepares_cloud(params, summary):
    if params["skip_cloud_prepare"]:
        return False
    return cloud_prepare_support(summary).status == "cloud_prepare"


def ensure_present(module, facts, summary):
    params = module.params
    outcome = module.hub.ensure_present(desired_config(params), owned=True)
    cloud_prepare = prepares_cloud(params, summary)

    def evaluate(obj):
        return evaluate_submariner_config(obj, cloud_prepare, facts.join_flow)

    evaluation = readiness_after_write(module, config_target(params), evaluate, outcome.after)
    return outcome, {"conditions": evaluation.conditions, "readiness": evaluation.as_dict()}


def warn_if_cleanup_skipped(module, facts):
    """From ACM 2.8 deleting the config before the add-on leaves the cloud resources behind."""
    if not facts.cleanup_addon_driven:
        return
    if get_submariner_addon(module.hub, facts, module.params["cluster"]) is not None:
        module.warn(
            "The ManagedClusterAddOn submariner still exists in {0}: on this hub the addon cleans up the cloud only"
            " when the add-on is deleted while the SubmarinerConfig exists. Delete the add-on first"
            " (acm.submariner.submariner_addon state=absent) to avoid leaking AWS resources.".format(module.params["cluster"]))


def ensure_absent(module, facts):
    params = module.params
    existing = module.hub.get(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"])
    if existing is not None:
        warn_if_cleanup_skipped(module, facts)
    return delete_and_wait(module, config_target(params), owned_only=True), {}


def manage_config(module):
    """Run acm.submariner.submariner_config for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    problems = submariner_config_problems(params)
    if problems:
        raise HubError("{0}: {1}; nothing was written.".format(
            object_ref(C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"]), "; ".join(problems)), problems=problems)
    facts = gather_hub_facts(module.hub)
    check_name(module, facts)
    if params["state"] == "present":
        if not facts.submariner_addon_installed:
            raise HubError(missing_api_message(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, module.hub.target))
        summary = managed_cluster_summary(require_managed_cluster(module.hub, params["cluster"]))
        check_credentials(module, summary)
        outcome, extra = ensure_present(module, facts, summary)
    else:
        outcome, extra = ensure_absent(module, facts)
    result = {"changed": outcome.changed, "result": outcome.result, "name": params["name"]}
    result.update(extra)
    return module.with_diff(result, {"submariner_config": outcome})

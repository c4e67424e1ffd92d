# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.submariner_config does: the name rule, the credentials check, the write and the readiness."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import (
    cleanup_leftovers,
    evaluate_spoke_cleanup,
    evaluate_submariner_config,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub import (
    cloud_prepare_support,
    config_name_problem,
)
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    get_submariner_addon,
    merge_patch,
    missing_api_message,
    module_hub_facts,
    module_managed_cluster,
    object_ref,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    aws_credentials_problems,
    build_submariner_config,
    config_options_for_hub,
    fixed_values,
    gateway_pod_changes,
    refusal_messages,
    submariner_config_annotations,
)
from ansible_collections.acm.submariner.plugins.module_utils.validation import fewer_addon_gateways_warning, submariner_config_problems
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    WaitTimeout,
    delete_and_wait,
    readiness_after_write,
    wait_until,
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


def options_for_hub(module, facts):
    """The module's options without the spec fields this hub's SubmarinerConfig CRD lacks; refuses
    (before any write) a value the hub's addon would not honour, such as 2 gateways on ACM 2.2."""
    params = module.params
    fixed = fixed_values(facts.default_gateway_instance_type)
    kept, refused = config_options_for_hub(params, facts.generation, fixed)
    if refused:
        problems = refusal_messages(refused, facts.acm_version or facts.generation, fixed)
        raise HubError("{0}: SubmarinerConfig {1}: {2}".format(
            module.hub.target, object_ref(C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"]), " ".join(problems)),
            problems=problems)
    return kept


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


def ensure_present(module, facts, summary, options):
    """Write the SubmarinerConfig; the credentials secret is checked first when the write changes something
    (the addon reads the secret again after a change; an unchanged SubmarinerConfig is verify's to judge)."""
    params = module.params
    desired = desired_config(options)
    existing = module.hub.get(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"])
    refuse_new_global_cidr(module, facts, existing, desired)
    if existing is None or merge_patch(existing, desired):
        check_credentials(module, summary)
    cloud_prepare = prepares_cloud(params, summary)
    if cloud_prepare and facts.addon_gateway_per_tagged_subnet:
        warn_if_fewer_gateways(module, existing, desired)
    outcome = module.hub.ensure_present(desired, owned=True, current=existing)

    def evaluate(obj):
        return evaluate_submariner_config(obj, cloud_prepare, facts.join_flow)

    evaluation = readiness_after_write(module, config_target(params), evaluate, outcome.after, cluster=params["cluster"])
    restarts = gateway_pod_changes((existing.get("spec") or {}) if existing else None, (outcome.after or {}).get("spec"))
    return outcome, {"conditions": evaluation.conditions, "readiness": evaluation.as_dict(), "gateway_changes": restarts}


def refuse_new_global_cidr(module, facts, existing, desired):
    """A joined cluster keeps the global CIDR the add-on allocated for it (ConfigMap submariner-globalnet-info in the
    broker namespace): submariner-operator ``AssignGlobalnetIPs`` uses a pre-configured CIDR and ignores a new one, and
    the add-on silences that warning. So a new value is refused rather than written to no effect."""
    wanted = (desired.get("spec") or {}).get("globalCIDR")
    current = ((existing or {}).get("spec") or {}).get("globalCIDR")
    cluster = module.params["cluster"]
    if not wanted or wanted == current or get_submariner_addon(module.hub, facts, cluster) is None:
        return
    raise HubError(
        "{0}: {1}: refusing to set global_cidr to {2} ({3}): managed cluster {4} already joined, and the submariner-addon"
        " keeps the global CIDR it allocated at the join (ConfigMap submariner-globalnet-info in the broker namespace),"
        " ignoring a new one without a word. Keep the current CIDR, or remove the cluster from the set"
        " (uninstall.yml --limit hub,{4}) and write the new one before it joins again; nothing was written.".format(
            module.hub.target, object_ref(C.SUBMARINER_CONFIG_KIND, module.params["name"], cluster), wanted,
            "now {0}".format(current) if current else "the add-on chose the current one", cluster))


def warn_if_fewer_gateways(module, existing, desired):
    def gateways(config):
        return (((config or {}).get("spec") or {}).get("gatewayConfig") or {}).get("gateways")

    message = fewer_addon_gateways_warning(gateways(existing), gateways(desired))
    if message:
        module.warn("{0}: {1}.".format(object_ref(C.SUBMARINER_CONFIG_KIND, module.params["name"], module.params["cluster"]), message))


def warn_if_cleanup_skipped(module, facts):
    """From ACM 2.8 deleting the config before the add-on leaves the cloud resources behind."""
    if not facts.cleanup_addon_driven:
        return
    if get_submariner_addon(module.hub, facts, module.params["cluster"]) is not None:
        module.warn(
            "The ManagedClusterAddOn submariner still exists in {0}: on this hub the addon cleans up the cloud only"
            " when the add-on is deleted while the SubmarinerConfig exists. Delete the add-on first"
            " (acm.submariner.submariner_addon state=absent) to avoid leaking AWS resources.".format(module.params["cluster"]))


def wait_for_spoke_cleanup(module, facts, existing):
    """Hold the deletion until the spoke agent reported its cloud clean-up; the conditions.Evaluation.

    In check mode nothing was deleted before, so the evidence is only evaluated, never waited for.
    """
    params = module.params
    cluster = params["cluster"]
    addon = get_submariner_addon(module.hub, facts, cluster)

    def evaluate(obj):
        return evaluate_spoke_cleanup(obj, addon, cluster)

    evaluation = evaluate(existing)
    if evaluation.ready or module.check_mode:
        return evaluation
    if evaluation.reason == "NotDeleting":
        raise HubError("{0}: SubmarinerConfig {1} kept: {2}.".format(
            module.hub.target, object_ref(C.SUBMARINER_CONFIG_KIND, params["name"], cluster), evaluation.message),
            cleanup=evaluation.as_dict())
    seen = {"config": existing}

    def blocker(obj):
        seen["config"] = obj
        current = evaluate(obj)
        return None if current.ready else current.describe()

    try:
        config = wait_until(module.hub, config_target(params), blocker, params["wait_timeout"])
    except WaitTimeout as exc:
        left = cleanup_leftovers(seen["config"]) or ["nothing the SubmarinerConfig's status names"]
        raise HubError(
            "{0}: cluster {1}: the spoke agent did not report its cloud clean-up within {2}s ({3}), so SubmarinerConfig {4}"
            " was kept: deleting it now would stop the clean-up for good. Left on the spoke and in AWS: {5}. Look at the"
            " submariner-addon agent on {1}, or list the AWS leftovers with acm.submariner.aws_cloud_prepare_info."
            .format(module.hub.target, cluster, params["wait_timeout"], evaluate(seen["config"]).describe(),
                    object_ref(C.SUBMARINER_CONFIG_KIND, params["name"], cluster), "; ".join(left)),
            cleanup=evaluate(seen["config"]).as_dict(), left=left, **exc.details) from exc
    return evaluate(config)


def ensure_absent(module, facts):
    params = module.params
    existing = module.hub.get(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"])
    extra = {}
    if existing is not None and facts.cleanup_addon_driven and params["wait_for_cleanup"]:
        evaluation = wait_for_spoke_cleanup(module, facts, existing)
        extra["cleanup"] = evaluation.as_dict()
        if not evaluation.ready:
            module.warn("Check mode: {0}; a real run waits for it before deleting the SubmarinerConfig.".format(evaluation.describe()))
    elif existing is not None:
        warn_if_cleanup_skipped(module, facts)
    return delete_and_wait(module, config_target(params), owned_only=True), extra


def manage_config(module):
    """Run acm.submariner.submariner_config for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    problems = submariner_config_problems(params)
    if problems:
        raise HubError("{0}: {1}; nothing was written.".format(
            object_ref(C.SUBMARINER_CONFIG_KIND, params["name"], params["cluster"]), "; ".join(problems)), problems=problems)
    facts = module_hub_facts(module)
    check_name(module, facts)
    if params["state"] == "present":
        if not facts.submariner_addon_installed:
            raise HubError(missing_api_message(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, module.hub.target))
        options = options_for_hub(module, facts)
        summary = module_managed_cluster(module, params["cluster"])
        outcome, extra = ensure_present(module, facts, summary, options)
    else:
        outcome, extra = ensure_absent(module, facts)
    result = {"changed": outcome.changed, "result": outcome.result, "name": params["name"]}
    result.update(extra)
    return module.with_diff(result, {"submariner_config": outcome})

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.managed_cluster does: the set membership and Submariner labels of one ManagedCluster."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import ownership
from ansible_collections.acm.submariner.plugins.module_utils.conditions import evaluate_managed_cluster
from ansible_collections.acm.submariner.plugins.module_utils.hub import managed_cluster_summary
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    Outcome,
    module_hub_facts,
    require_managed_cluster,
    require_managed_cluster_set,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import membership_patch
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    wait_for_evaluation,
)


def join_flow(params, facts):
    if params["join_flow"] != "auto":
        return params["join_flow"]
    return facts.join_flow


def check_cluster_set(module, facts):
    """Fail early when the set is ACM's own, someone else's (without adopt_set), or does not exist
    (ACM would accept the label and nothing joins)."""
    params = module.params
    if params["state"] != "present" or not params["cluster_set"]:
        return
    problem = ownership.reserved_set_problem(params["cluster_set"])
    if not problem and facts.managed_cluster_set_version:
        cluster_set = require_managed_cluster_set(module.hub, facts, params["cluster_set"])
        problem = ownership.set_adoption_problem(params["cluster_set"], cluster_set, params["adopt_set"])
    if problem:
        raise HubError("{0}: ManagedCluster {1}: {2}.".format(module.hub.target, params["name"], problem))


def label_patch(module, cluster, flow):
    params = module.params
    try:
        return membership_patch(
            cluster["metadata"], params["cluster_set"], flow, extra_labels=params["labels"],
            remove_labels=params["remove_labels"], state=params["state"], move=params["move_from_other_set"],
        )
    except ValueError as exc:
        raise HubError("{0}: {1}.".format(module.hub.target, exc)) from exc


def apply_patch(hub, cluster, patch):
    if not patch:
        return Outcome(False, cluster, cluster)
    desired = {
        "apiVersion": C.MANAGED_CLUSTER_API_VERSION,
        "kind": C.MANAGED_CLUSTER_KIND,
        "metadata": dict(patch["metadata"], name=cluster["metadata"]["name"]),
    }
    return hub.ensure_present(desired, current=cluster)


def wait_available(module, name):
    target = Target(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, name)
    obj, dummy = wait_for_evaluation(module.hub, target, evaluate_managed_cluster, module.params["wait_timeout"])
    return obj


def manage_cluster(module):
    """Run acm.submariner.managed_cluster for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    facts = module_hub_facts(module)
    flow = join_flow(params, facts)
    check_cluster_set(module, facts)
    cluster = require_managed_cluster(module.hub, params["name"])
    patch = label_patch(module, cluster, flow)
    outcome = apply_patch(module.hub, cluster, patch)
    after = outcome.after
    if params["state"] == "present" and module.wait_requested:
        after = wait_available(module, params["name"])
    result = {
        "changed": outcome.changed,
        "result": outcome.result,
        "labels": after["metadata"].get("labels") or {},
        "patch": patch,
        "join_flow": flow,
        "cluster": managed_cluster_summary(after),
    }
    return module.with_diff(result, {"managed_cluster": outcome})

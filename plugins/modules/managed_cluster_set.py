#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_cluster_set
short_description: Manage the ManagedClusterSet that Submariner connects
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Creates, updates or deletes a ManagedClusterSet on an ACM hub. The submariner-addon creates a
    broker namespace for every set whose members are chosen by the exclusive clusterset label, and
    connects the clusters of the set.
  - Writes the newest API version the hub serves (C(v1beta2), then C(v1beta1), then C(v1alpha1) as on
    ACM 2.2), with the C(ExclusiveClusterSetLabel) selector (C(LegacyClusterSetLabel) on C(v1beta1), no
    selector on C(v1alpha1)).
  - Refuses set names whose broker namespace would be longer than 63 characters (the addon would
    truncate it), so at most 56 characters from ACM 2.3 and 34 on ACM 2.2.
  - Returns the broker namespace, read from the set's
    C(cluster.open-cluster-management.io/submariner-broker-ns) annotation when the addon wrote it
    (ACM 2.5 and later), else computed with the hub's naming rule (C(submariner-clusterset-<set>-broker)
    on ACM 2.2, C(<set>-broker) from ACM 2.3).
  - Optionally binds the set into namespaces with ManagedClusterSetBindings (only needed for
    Placements, not by Submariner).
options:
  name:
    description:
      - Name of the ManagedClusterSet. An RFC 1123 label short enough for its broker namespace.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the set, V(absent) deletes it (and the bindings named in O(bindings)).
    type: str
    choices: [present, absent]
    default: present
  labels:
    description:
      - Extra labels to set on the ManagedClusterSet. Labels not named here are left alone.
    type: dict
  bindings:
    description:
      - Namespaces in which to create (or, with O(state=absent), delete) a ManagedClusterSetBinding of this set.
      - Each namespace must exist.
    type: list
    elements: str
    default: []
  wait:
    description:
      - With O(state=present), wait until the submariner-addon has created the broker namespace.
      - With O(state=absent), wait until the set is gone (the addon first cleans up its broker namespace).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
seealso:
  - module: acm.submariner.managed_cluster
  - module: acm.submariner.submariner_broker
  - module: acm.submariner.hub_info
  - name: ManagedClusterSets (Open Cluster Management)
    description: The ManagedClusterSet API and its selectors.
    link: https://open-cluster-management.io/docs/concepts/cluster-inventory/managedclusterset/
"""

EXAMPLES = r"""
# The blog (ACM 2.2): the set "submariner"; its broker namespace is
# submariner-clusterset-submariner-broker.
- name: Create the ManagedClusterSet submariner
  acm.submariner.managed_cluster_set:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    name: submariner
    wait: true
  register: clusterset

- name: Show where the broker lives
  ansible.builtin.debug:
    var: clusterset.broker_namespace

# Today (ACM 2.12): same task; the set is v1beta2 and the broker namespace submariner-broker.
- name: Create the set and bind it into the namespace of an application's Placements
  acm.submariner.managed_cluster_set:
    context: hubcluster
    name: submariner
    labels:
      app.kubernetes.io/managed-by: ansible
    bindings:
      - my-app
    wait: true
    wait_timeout: 120

- name: Remove the set once every cluster has left it
  acm.submariner.managed_cluster_set:
    context: hubcluster
    name: submariner
    state: absent
    wait: true
"""

RETURN = r"""
result:
  description: The ManagedClusterSet as the API server returned it (or would store it, in check mode); empty when absent.
  returned: success
  type: dict
  sample:
    apiVersion: cluster.open-cluster-management.io/v1beta2
    kind: ManagedClusterSet
    metadata:
      name: submariner
      annotations: {cluster.open-cluster-management.io/submariner-broker-ns: submariner-broker}
    spec: {clusterSelector: {selectorType: ExclusiveClusterSetLabel}}
api_version:
  description: The API version the module used.
  returned: success
  type: str
  sample: cluster.open-cluster-management.io/v1beta2
broker_namespace:
  description: The set's broker namespace (annotation when present, else the hub's naming rule).
  returned: success
  type: str
  sample: submariner-clusterset-submariner-broker
broker_namespace_exists:
  description: Whether the broker namespace exists (always checked; waited for with O(wait=true)).
  returned: O(state=present)
  type: bool
  sample: true
bindings:
  description: The namespaces with a ManagedClusterSetBinding of this set that the task managed.
  returned: success
  type: list
  elements: str
  sample: [my-app]
diff:
  description: Before and after of what changed, per object, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {}, after: {managed_cluster_set: {metadata: {name: submariner}}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub import (
    broker_namespace,
    preferred_version,
    validate_set_name,
)
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    HubModule,
    gather_hub_facts,
    missing_api_message,
    wait_argument_spec,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    build_managed_cluster_set,
    build_managed_cluster_set_binding,
)
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    wait_gone,
    wait_until,
)


def argument_spec():
    spec = {
        "name": {"type": "str", "required": True},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "labels": {"type": "dict"},
        "bindings": {"type": "list", "elements": "str", "default": []},
    }
    spec.update(wait_argument_spec())
    return spec


def set_api_versions(hub, facts):
    """(set version, binding version) the hub serves; fails when it serves no ManagedClusterSet."""
    version = facts.managed_cluster_set_version
    if not version:
        raise HubError(missing_api_message(C.CLUSTER_GROUP + "/v1beta2", C.MANAGED_CLUSTER_SET_KIND, hub.target))
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
            outcomes["binding " + namespace] = hub.ensure_present(binding)
        else:
            outcomes["binding " + namespace] = hub.ensure_absent(binding["apiVersion"], binding["kind"], params["name"], namespace)
    return outcomes


def namespace_of(cluster_set, name, rule):
    annotations = ((cluster_set or {}).get("metadata") or {}).get("annotations") or {}
    return broker_namespace(name, rule, annotations.get(C.BROKER_NAMESPACE_ANNOTATION))


def wait_for_broker_namespace(module, namespace):
    def blocker(obj):
        if obj is None:
            return ("the submariner-addon has not created the broker namespace {0} yet; is the addon installed"
                    " and enabled (hub_info reports submariner_addon_installed)?".format(namespace))
        phase = (obj.get("status") or {}).get("phase")
        return None if phase in (None, "Active") else "namespace {0} is {1}".format(namespace, phase)

    wait_until(module.hub, Target("v1", "Namespace", namespace), blocker, module.params["wait_timeout"])


def ensure_present(module, facts, version, binding_version):
    params, hub = module.params, module.hub
    desired = build_managed_cluster_set(params["name"], version, params["labels"])
    outcomes = {"managed_cluster_set": hub.ensure_present(desired)}
    outcomes.update(binding_outcomes(hub, params, binding_version))
    cluster_set = outcomes["managed_cluster_set"].after
    namespace = namespace_of(cluster_set, params["name"], facts.broker_namespace_rule)
    if params["wait"] and not module.check_mode:
        wait_for_broker_namespace(module, namespace)
        cluster_set = hub.get(desired["apiVersion"], desired["kind"], params["name"]) or cluster_set
        namespace = namespace_of(cluster_set, params["name"], facts.broker_namespace_rule)
    result = {
        "result": outcomes["managed_cluster_set"].result,
        "api_version": desired["apiVersion"],
        "broker_namespace": namespace,
        "broker_namespace_exists": hub.get("v1", "Namespace", namespace) is not None,
    }
    return outcomes, result


def ensure_absent(module, facts, version, binding_version):
    params, hub = module.params, module.hub
    outcomes = binding_outcomes(hub, params, binding_version)
    api_version = "{0}/{1}".format(C.CLUSTER_GROUP, version)
    outcome = hub.ensure_absent(api_version, C.MANAGED_CLUSTER_SET_KIND, params["name"])
    outcomes["managed_cluster_set"] = outcome
    if params["wait"] and outcome.changed and not module.check_mode:
        wait_gone(module.hub, Target(api_version, C.MANAGED_CLUSTER_SET_KIND, params["name"]), params["wait_timeout"])
    result = {
        "result": {},
        "api_version": api_version,
        "broker_namespace": namespace_of(outcome.before, params["name"], facts.broker_namespace_rule),
    }
    return outcomes, result


def manage_set(module):
    params = module.params
    facts = gather_hub_facts(module.hub)
    problems = validate_set_name(params["name"], facts.broker_namespace_rule)
    if problems:
        raise HubError("; ".join(problems) + ".", problems=problems)
    version, binding_version = set_api_versions(module.hub, facts)
    action = ensure_present if params["state"] == "present" else ensure_absent
    outcomes, result = action(module, facts, version, binding_version)
    result["changed"] = any(outcome.changed for outcome in outcomes.values())
    result["bindings"] = list(params["bindings"])
    return module.with_diff(result, outcomes)


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(manage_set)


if __name__ == "__main__":
    main()

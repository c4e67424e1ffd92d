#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_broker
short_description: Manage the Submariner Broker of a ManagedClusterSet, with its Globalnet options
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Creates, updates or deletes the C(Broker) named C(submariner-broker) (C(submariner.io/v1alpha1)) in
    the broker namespace of a ManagedClusterSet. From ACM 2.5 the submariner-addon does not deploy
    Submariner to any cluster of the set until this object exists.
  - The broker namespace is read from the set's C(cluster.open-cluster-management.io/submariner-broker-ns)
    annotation when present, else computed with the hub's naming rule; or give it with O(namespace).
  - Globalnet must be decided before the first cluster joins. Once clusters of the set have joined
    (a ManagedClusterAddOn C(submariner), the C(submariner-agent) label on ACM 2.2, or a C(clusters.submariner.io)
    object in the broker namespace), the module refuses to change C(globalnetEnabled) and names those clusters.
  - On hubs older than ACM 2.5 no Broker object is needed; when the hub does not serve the Broker API
    there, the task changes nothing and reports RV(required=false).
options:
  cluster_set:
    description:
      - The ManagedClusterSet whose broker this is. The set must exist.
      - One of O(cluster_set) and O(namespace) is required.
    type: str
  namespace:
    description:
      - The broker namespace, when you know it. Clusters that joined are then found only from the
        C(clusters.submariner.io) objects in it.
    type: str
  state:
    description:
      - V(present) creates or updates the Broker, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  globalnet_enabled:
    description:
      - C(spec.globalnetEnabled). Enable Globalnet when the clusters' pod or service CIDRs overlap (two
        OpenShift clusters installed with default networking always do).
      - Cannot be changed once clusters have joined.
      - Unset leaves the current value (V(false) for a new Broker).
    type: bool
  globalnet_cidr_range:
    description:
      - C(spec.globalnetCIDRRange), the pool Globalnet CIDRs are taken from (addon default V(242.0.0.0/8)).
    type: str
  default_globalnet_cluster_size:
    description:
      - C(spec.defaultGlobalnetClusterSize), addresses per cluster (addon default V(65536)).
    type: int
  wait:
    description:
      - Wait until the submariner-addon has created the broker namespace before writing the Broker.
      - Without it a missing namespace fails the task.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
seealso:
  - module: acm.submariner.managed_cluster_set
  - module: acm.submariner.submariner_addon
  - name: Submariner Globalnet
    description: Why overlapping CIDRs need Globalnet and how addresses are allocated.
    link: https://submariner.io/getting-started/architecture/globalnet/
"""

EXAMPLES = r"""
- name: Create the Broker for the set submariner (ACM 2.5 and later), once its namespace exists
  acm.submariner.submariner_broker:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    cluster_set: submariner
    wait: true
  register: broker

# Two clusters installed with the default 10.128.0.0/14 and 172.30.0.0/16 overlap.
- name: Enable Globalnet before any cluster joins
  acm.submariner.submariner_broker:
    context: hubcluster
    cluster_set: submariner
    globalnet_enabled: true
    globalnet_cidr_range: 242.0.0.0/8
    default_globalnet_cluster_size: 65536

- name: On the blog's ACM 2.2 hub the same task is a no-op
  acm.submariner.submariner_broker:
    context: hubcluster
    cluster_set: submariner
  register: broker
  failed_when: broker.required
"""

RETURN = r"""
result:
  description: The Broker as the API server returned it (or would store it, in check mode); empty when absent or not required.
  returned: success
  type: dict
  sample:
    apiVersion: submariner.io/v1alpha1
    kind: Broker
    metadata: {name: submariner-broker, namespace: submariner-broker, labels: {cluster.open-cluster-management.io/backup: submariner}}
    spec: {globalnetEnabled: false}
namespace:
  description: The broker namespace.
  returned: success
  type: str
  sample: submariner-broker
required:
  description: Whether this hub needs a Broker object (ACM 2.5 and later).
  returned: success
  type: bool
  sample: true
globalnet_enabled:
  description: Whether Globalnet is enabled on the Broker after the task.
  returned: success
  type: bool
  sample: false
joined_clusters:
  description: The clusters of the set that have joined Submariner.
  returned: success
  type: list
  elements: str
  sample: [cluster1, cluster2]
diff:
  description: Before and after of what changed, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {spec: {globalnetEnabled: false}}, after: {spec: {globalnetEnabled: true}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub import (
    broker_namespace,
)
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubError,
    HubModule,
    Outcome,
    gather_hub_facts,
    missing_api_message,
    wait_argument_spec,
)
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    build_broker,
)
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    wait_until,
)

CLUSTER_API_VERSION = C.SUBMARINER_GROUP + "/v1"


def argument_spec():
    spec = {
        "cluster_set": {"type": "str"},
        "namespace": {"type": "str"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "globalnet_enabled": {"type": "bool"},
        "globalnet_cidr_range": {"type": "str"},
        "default_globalnet_cluster_size": {"type": "int"},
    }
    spec.update(wait_argument_spec())
    return spec


def resolve_namespace(module, facts):
    """The broker namespace: given, or from the set's annotation, or from the hub's naming rule."""
    params, hub = module.params, module.hub
    if params["namespace"]:
        return params["namespace"]
    name = params["cluster_set"]
    version = facts.managed_cluster_set_version
    cluster_set = hub.get("{0}/{1}".format(C.CLUSTER_GROUP, version), C.MANAGED_CLUSTER_SET_KIND, name) if version else None
    if cluster_set is None:
        raise HubError("{0} has no ManagedClusterSet {1!r}: create it first (acm.submariner.managed_cluster_set).".format(hub.target, name))
    annotation = (cluster_set["metadata"].get("annotations") or {}).get(C.BROKER_NAMESPACE_ANNOTATION)
    try:
        return broker_namespace(name, facts.broker_namespace_rule, annotation)
    except ValueError as exc:
        raise HubError("{0}: {1}.".format(hub.target, exc)) from exc


def joined_clusters(module, facts, namespace):
    """Clusters of the set that joined Submariner: add-on / agent label, or a Cluster in the broker namespace."""
    hub, set_name = module.hub, module.params["cluster_set"]
    joined = set()
    if hub.served_versions(C.SUBMARINER_GROUP, "Cluster"):
        joined.update(item["metadata"]["name"] for item in hub.list(CLUSTER_API_VERSION, "Cluster", namespace))
    if set_name:
        selector = "{0}={1}".format(C.CLUSTERSET_LABEL, set_name)
        for cluster in hub.list(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, label_selector=selector):
            if has_joined(hub, facts, cluster):
                joined.add(cluster["metadata"]["name"])
    return sorted(joined)


def has_joined(hub, facts, cluster):
    if C.SUBMARINER_AGENT_LABEL in (cluster["metadata"].get("labels") or {}):
        return True
    if not facts.managed_cluster_addon_version:
        return False
    api_version = "{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version)
    return hub.get(api_version, C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster["metadata"]["name"]) is not None


def globalnet_of(broker):
    return bool(((broker or {}).get("spec") or {}).get("globalnetEnabled"))


def desired_broker(module, existing, joined, namespace):
    """The Broker to write; refuses a Globalnet change once clusters joined."""
    params = module.params
    wanted = params["globalnet_enabled"]
    if existing is not None and wanted is not None and wanted != globalnet_of(existing) and joined:
        raise HubError(
            "{0}: refusing to {1} Globalnet on Broker {2}/{3}: clusters {4} already joined. Globalnet decides how"
            " every cluster is addressed, so it is chosen before the first cluster joins; to change it, remove"
            " those clusters from Submariner (acm.submariner.submariner_addon state=absent), change the Broker,"
            " and join them again.".format(
                module.hub.target, "enable" if wanted else "disable", namespace, C.BROKER_NAME, ", ".join(joined)),
            joined_clusters=joined)
    desired = build_broker(namespace, wanted, params["globalnet_cidr_range"], params["default_globalnet_cluster_size"])
    # An absent globalnetEnabled already means false: writing the explicit false would be a no-op change.
    if existing is not None and wanted is False and "globalnetEnabled" not in (existing.get("spec") or {}):
        desired["spec"].pop("globalnetEnabled")
    return desired


def require_namespace(module, namespace):
    """True when the broker namespace exists (after waiting, with wait=true)."""
    hub, params = module.hub, module.params
    if hub.get("v1", "Namespace", namespace) is not None:
        return True
    if params["wait"] and not module.check_mode:
        wait_until(hub, Target("v1", "Namespace", namespace),
                   lambda obj: None if obj else "the submariner-addon has not created it yet", params["wait_timeout"])
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
        desired = build_broker(namespace, module.params["globalnet_enabled"], module.params["globalnet_cidr_range"],
                               module.params["default_globalnet_cluster_size"])
        return Outcome(True, {}, desired), []
    existing = hub.get(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, namespace)
    joined = joined_clusters(module, facts, namespace)
    outcome = hub.ensure_present(desired_broker(module, existing, joined, namespace))
    return outcome, joined


def broker_served(module, facts):
    """Whether to manage a Broker; on hubs that neither need nor serve it the task is a no-op."""
    if C.BROKER_API_VERSION.split("/")[1] in module.hub.served_versions(C.SUBMARINER_GROUP, C.BROKER_KIND):
        return True
    if facts.broker_cr_required:
        raise HubError(missing_api_message(C.BROKER_API_VERSION, C.BROKER_KIND, module.hub.target))
    return False


def manage_broker(module):
    params = module.params
    facts = gather_hub_facts(module.hub)
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
        outcome, joined = module.hub.ensure_absent(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, namespace), []
    result.update(changed=outcome.changed, result=outcome.result, globalnet_enabled=globalnet_of(outcome.after),
                  joined_clusters=joined)
    return module.with_diff(result, {"broker": outcome})


def main():
    module = HubModule(
        argument_spec=argument_spec(),
        required_one_of=[("cluster_set", "namespace")],
        mutually_exclusive=[("cluster_set", "namespace")],
    )
    module.run(manage_broker)


if __name__ == "__main__":
    main()

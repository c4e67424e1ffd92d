#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_addon
short_description: Join a managed cluster to Submariner with the ManagedClusterAddOn
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Creates or deletes the C(ManagedClusterAddOn) named C(submariner) in a managed cluster's namespace
    on an ACM 2.3 or later hub, with C(installNamespace) V(submariner-operator). The submariner-addon
    then deploys Submariner on the cluster and connects it to the other clusters of its set.
  - Ownership - an object it creates carries the label C(app.kubernetes.io/managed-by=acm.submariner) (writes use
    the field manager C(acm.submariner)); an existing one without it is updated but never labelled, and
    O(state=absent) deletes only an object with the label (another is kept, with a warning).
  - On an ACM 2.2 hub clusters join with labels instead (M(acm.submariner.managed_cluster) with
    O(acm.submariner.managed_cluster#module:join_flow=labels)); the task fails there with that advice.
  - With O(wait=true), waits for the healthy set of conditions - C(SubmarinerBrokerConfigApplied),
    C(SubmarinerGatewayNodesLabeled) and C(Available) True; C(SubmarinerAgentDegraded),
    C(SubmarinerConnectionDegraded) and C(RouteAgentConnectionDegraded) False - and on timeout reports
    the condition that holds it back, its reason and message, and the fix for known failures (for
    example a missing Broker CR).
  - Deleting the add-on uninstalls Submariner from the cluster; from ACM 2.8 this is also what cleans
    up the cloud resources, so delete the add-on before the SubmarinerConfig.
options:
  cluster:
    description:
      - Name of the ManagedCluster; the add-on lives in the namespace of the same name on the hub.
    type: str
    required: true
    aliases: [namespace]
  state:
    description:
      - V(present) creates the add-on (joins the cluster), V(absent) deletes it (uninstalls Submariner).
    type: str
    choices: [present, absent]
    default: present
  install_namespace:
    description:
      - Namespace on the managed cluster where Submariner is installed. The documentation requires
        V(submariner-operator), which is also what C(subctl) uses.
    type: str
    default: submariner-operator
  wait:
    description:
      - With O(state=present), wait until the add-on is healthy (see O(wait_for_connections)).
      - With O(state=absent), wait until the add-on is gone (the addon's finalizer uninstalls Submariner first).
  wait_for_connections:
    description:
      - Whether the wait also requires established gateway connections (C(SubmarinerConnectionDegraded)
        and C(RouteAgentConnectionDegraded) False). A cluster alone in its set has no peer, so join every
        cluster first and wait afterwards, or set V(false) to wait for the deployment only.
    type: bool
    default: true
  submariner_config:
    description:
      - With O(state=present), the cluster's SubmarinerConfig whose preparation to report (RV(submariner_config)) and,
        with O(wait=true), to wait for after the add-on, as M(acm.submariner.submariner_config) with
        O(acm.submariner.submariner_config#module:wait=true) waits for it - C(SubmarinerConfigApplied), and
        C(SubmarinerClusterEnvironmentPrepared) and C(SubmarinerGatewaysLabeled) when the add-on prepares the cloud.
      - From ACM 2.8 the spoke agent prepares the cloud after the cluster joined, so this saves a second task (and
        module run) that waits for the SubmarinerConfig. Omit to leave the SubmarinerConfig alone.
    type: dict
    suboptions:
      name:
        description: The SubmarinerConfig's name, in the cluster's namespace.
        type: str
        required: true
      skip_cloud_prepare:
        description: Whether the SubmarinerConfig leaves the cloud alone (no credentials secret, direct or skipped AWS preparation).
        type: bool
        default: false
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.MANAGED_CLUSTER_FACTS
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.submariner_config
  - module: acm.submariner.submariner_broker
  - module: acm.submariner.managed_cluster
  - name: Deploying Submariner with the APIs (Red Hat Advanced Cluster Management)
    description: The ManagedClusterAddOn step of the manual deployment.
    link: https://docs.redhat.com/en/documentation/red_hat_advanced_cluster_management_for_kubernetes/2.12/html/networking/networking#deploying-submariner-api
"""

EXAMPLES = r"""
# The blog's "label the clusters" step, as done since ACM 2.3: join every cluster first ...
- name: Join cluster1 and cluster2
  acm.submariner.submariner_addon:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    cluster: "{{ item }}"
  loop: [cluster1, cluster2]

# ... then wait: connections need a peer. The second run sends no write.
- name: Wait until Submariner is deployed and connected on both
  acm.submariner.submariner_addon:
    context: hubcluster
    cluster: "{{ item }}"
    wait: true
    wait_timeout: 900
  loop: [cluster1, cluster2]
  register: addons

- name: Uninstall Submariner from cluster2 (before deleting its SubmarinerConfig)
  acm.submariner.submariner_addon:
    context: hubcluster
    cluster: cluster2
    state: absent
    wait: true
"""

RETURN = r"""
kept:
  description: With O(state=absent), the object exists but was not deleted because this collection did not create it.
  returned: O(state=absent)
  type: bool
  sample: false
result:
  description: The ManagedClusterAddOn as the API server returned it (or would store it, in check mode); empty when absent.
  returned: success
  type: dict
  sample:
    apiVersion: addon.open-cluster-management.io/v1alpha1
    kind: ManagedClusterAddOn
    metadata: {name: submariner, namespace: cluster1}
    spec: {installNamespace: submariner-operator}
conditions:
  description: Every condition of the add-on, after the wait when O(wait=true).
  returned: O(state=present)
  type: list
  elements: dict
  sample:
    - {type: SubmarinerBrokerConfigApplied, status: "False", reason: BrokerConfigMissing,
       message: 'Waiting for brokers.submariner.io object named "submariner-broker" to be created in "submariner-broker" namespace',
       last_transition_time: "2026-11-25T10:00:00Z"}
readiness:
  description: The health evaluation, C(state) V(ready), V(waiting) or V(failed), with the blocking C(condition), C(reason) and C(message).
  returned: O(state=present)
  type: dict
  sample: {state: waiting, condition: SubmarinerBrokerConfigApplied, reason: BrokerConfigMissing, message: Waiting for brokers.submariner.io ...}
submariner_config:
  description:
    - With O(submariner_config), the SubmarinerConfig's C(name), C(conditions) and C(readiness) (C(state) V(ready),
      V(waiting) or V(failed), with the blocking C(condition)), as RV(acm.submariner.submariner_config#module:readiness)
      reports them; V(null) without it.
  returned: O(state=present)
  type: dict
  sample: {name: submariner, conditions: [{type: SubmarinerConfigApplied, status: "True"}], readiness: {state: ready}}
diagnosis:
  description: For a known failure, its C(category), C(summary) and a fix C(hint); V(null) otherwise.
  returned: O(state=present)
  type: dict
  sample: {category: broker_missing, summary: the Broker CR submariner-broker is missing in the broker namespace,
           hint: create the Broker submariner-broker in the set's broker namespace (acm.submariner.submariner_broker)}
diff:
  description: Before and after of what changed, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {}, after: {metadata: {name: submariner, namespace: cluster1}, spec: {installNamespace: submariner-operator}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub_submariner_addon import manage_addon
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec, writer_argument_spec


def argument_spec():
    return writer_argument_spec({
        **hub_facts_argument_spec(managed_cluster=True),
        "cluster": {"type": "str", "required": True, "aliases": ["namespace"]},
        "install_namespace": {"type": "str", "default": C.INSTALL_NAMESPACE},
        "wait_for_connections": {"type": "bool", "default": True},
        "submariner_config": {"type": "dict", "options": {"name": {"type": "str", "required": True},
                                                          "skip_cloud_prepare": {"type": "bool", "default": False}}},
    })


def main():
    module = HubModule(argument_spec=argument_spec(), names={"cluster": "cluster"})
    module.run(manage_addon)


if __name__ == "__main__":
    main()

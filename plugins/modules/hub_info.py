#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hub_info
short_description: Describe an ACM hub for Submariner
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Reads what kind of ACM hub a context points at, so that roles and playbooks can pick the right
    Submariner flow for it.
  - The ACM version comes from the MultiClusterHub; without one it is inferred from the served
    ManagedClusterSet API versions.
  - Reports the served versions of ManagedClusterSet, ManagedClusterAddOn and ServiceExport,
    whether the submariner-addon is installed, the join flow (V(labels) on ACM 2.2, V(addon) from
    ACM 2.3), whether a Broker CR is required (ACM 2.5 and later), the SubmarinerConfig name rule,
    the ManagedClusterSets with their broker namespaces, and the managed clusters with their
    claims, labels and availability.
  - Nothing is changed; the module is safe in check mode.
options:
  clusters:
    description:
      - Only describe these managed clusters. By default every ManagedCluster is listed.
      - An unknown name fails the task and lists the clusters the hub knows.
    type: list
    elements: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes.INFO_MODULE
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.managed_cluster_set
  - module: acm.submariner.managed_cluster
  - module: acm.submariner.submariner_config
  - module: kubernetes.core.k8s_info
  - name: Deploying Submariner with the APIs (Red Hat Advanced Cluster Management)
    description: The manual deployment steps this collection automates.
    link: https://docs.redhat.com/en/documentation/red_hat_advanced_cluster_management_for_kubernetes/2.12/html/networking/networking#deploying-submariner-api
"""

EXAMPLES = r"""
- name: Learn what the hub is before joining clusters
  acm.submariner.hub_info:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
  register: hub

- name: Follow the blog's ACM 2.2 label flow or today's ManagedClusterAddOn flow
  ansible.builtin.debug:
    msg: >-
      ACM {{ hub.hub.acm_version }} joins clusters with {{ hub.hub.join_flow }};
      Broker CR required: {{ hub.hub.broker_cr_required }}

- name: Only the two clusters of the blog, with module_defaults for the whole group
  module_defaults:
    group/acm.submariner.submariner:
      kubeconfig: "{{ hub_kubeconfig }}"
      context: hubcluster
  block:
    - name: Describe cluster1 and cluster2
      acm.submariner.hub_info:
        clusters: [cluster1, cluster2]
      register: hub

    - name: Every cluster must be available before it joins
      ansible.builtin.assert:
        that: hub.managed_clusters | rejectattr('available') | list | length == 0
"""

RETURN = r"""
hub:
  description: Facts about the hub that decide how Submariner is deployed.
  returned: success
  type: dict
  contains:
    acm_version:
      description: MultiClusterHub C(status.currentVersion); V(null) when there is no MultiClusterHub.
      type: str
      sample: 2.12.2
    version_source:
      description: V(multiclusterhub), or V(inferred) from the served ManagedClusterSet versions.
      type: str
      sample: multiclusterhub
    generation:
      description: The C(major.minor) ACM generation the rules below were decided for.
      type: str
      sample: "2.12"
    join_flow:
      description: How a cluster joins, V(labels) (ACM 2.2) or V(addon) (ACM 2.3 and later).
      type: str
      sample: addon
    broker_cr_required:
      description: Whether a Broker C(submariner-broker) must be created in the broker namespace (ACM 2.5 and later).
      type: bool
      sample: true
    config_name_rule:
      description: V(any) (ACM 2.2, any name if it is the only one in the namespace) or V(submariner) (the only name read).
      type: str
      sample: submariner
    broker_namespace_rule:
      description: V(legacy) (C(submariner-clusterset-<set>-broker)) or V(current) (C(<set>-broker)).
      type: str
      sample: current
    managed_cluster_set_version:
      description: The ManagedClusterSet API version the collection writes (newest served).
      type: str
      sample: v1beta2
    managed_cluster_set_versions:
      description: Every served ManagedClusterSet version.
      type: list
      elements: str
      sample: [v1beta2]
    managed_cluster_addon_version:
      description: The ManagedClusterAddOn API version the collection writes.
      type: str
      sample: v1alpha1
    managed_cluster_addon_versions:
      description: Every served ManagedClusterAddOn version.
      type: list
      elements: str
      sample: [v1alpha1]
    service_export_version:
      description: Preferred served ServiceExport version on the hub, V(null) when none.
      type: str
      sample: v1alpha1
    service_export_versions:
      description: Every served ServiceExport version on the hub.
      type: list
      elements: str
      sample: []
    submariner_addon_installed:
      description: Whether the submariner-addon is installed (ClusterManagementAddOn C(submariner) or the SubmarinerConfig CRD).
      type: bool
      sample: true
    port_profile:
      description:
        - The rule set the hub's submariner-addon opens; see O(acm.submariner.aws_cloud_prepare#module:port_profile).
        - V(legacy) (ACM 2.2-2.3), V(acm-2.4), V(acm-2.5) (ACM 2.5-2.6) or V(current) (ACM 2.7 and later).
      type: str
      sample: current
    default_gateway_instance_type:
      description: The addon's default AWS gateway instance type on this generation.
      type: str
      sample: m5n.large
    cleanup_addon_driven:
      description: Whether AWS clean-up runs when the ManagedClusterAddOn is deleted (ACM 2.8 and later) rather than the SubmarinerConfig.
      type: bool
      sample: true
    nat_discovery_port_field:
      description:
        - Whether the SubmarinerConfig has C(spec.NATTDiscoveryPort) (ACM 2.4 and later). The addon opens that port
          (default 4900) in the cloud firewall but Submariner listens on 4490, so the roles write 4490 there.
      type: bool
      sample: true
    cleanup_keeps_gateway_security_group:
      description:
        - Whether the addon's AWS clean-up revokes the gateway security group's rules but keeps the group (ACM 2.2 and 2.3,
          before cloud-prepare); the uninstall role then deletes the empty group itself.
      type: bool
      sample: false
    addon_gateway_subnet_tag:
      description: The tag key the addon marks the gateway subnets it prepared with (ACM 2.2 and 2.3 used their own).
      type: str
      sample: submariner.io/gateway
    addon_gateway_per_tagged_subnet:
      description:
        - Whether the addon's AWS preparation deploys a gateway in every public subnet carrying RV(hub.addon_gateway_subnet_tag)
          and never untags one (cloud-prepare, ACM 2.4 and later), so asking for fewer gateways than tagged subnets removes
          none.
      type: bool
      sample: true
managed_cluster_sets:
  description: The ManagedClusterSets and their broker namespaces.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Set name.
      type: str
      sample: submariner
    selector_type:
      description: C(spec.clusterSelector.selectorType); the submariner-addon only acts on V(ExclusiveClusterSetLabel) (or no selector on v1alpha1).
      type: str
      sample: ExclusiveClusterSetLabel
    broker_namespace:
      description:
        - The broker namespace (the set's annotation when present, else the naming rule of the hub).
        - V(null) for sets the submariner-addon ignores (a C(LabelSelector) such as V(global)).
      type: str
      sample: submariner-broker
    labels:
      description:
        - The set's labels; this collection's marker (C(app.kubernetes.io/managed-by=acm.submariner)) says the set is
          ours, so that a preflight needs no second read to tell someone else's set.
      type: dict
      sample: {app.kubernetes.io/managed-by: acm.submariner}
      version_added: 0.2.0
  sample: [{name: submariner, selector_type: ExclusiveClusterSetLabel, broker_namespace: submariner-broker,
            labels: {app.kubernetes.io/managed-by: acm.submariner}}]
managed_clusters:
  description: One summary per ManagedCluster.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: ManagedCluster name (also its namespace on the hub).
      type: str
      sample: cluster1
    platform:
      description: Claim C(platform.open-cluster-management.io).
      type: str
      sample: AWS
    product:
      description: Claim C(product.open-cluster-management.io).
      type: str
      sample: OpenShift
    region:
      description: Claim C(region.open-cluster-management.io).
      type: str
      sample: eu-west-1
    infra_id:
      description: infraID from the C(infrastructure.openshift.io) claim.
      type: str
      sample: cluster1-x7k2p
    openshift_version:
      description: Claim C(version.openshift.io).
      type: str
      sample: 4.16.8
    labels:
      description: The ManagedCluster labels.
      type: dict
      sample: {cloud: Amazon, cluster.open-cluster-management.io/clusterset: default}
    clusterset:
      description: Value of the C(cluster.open-cluster-management.io/clusterset) label.
      type: str
      sample: default
    available:
      description: C(ManagedClusterConditionAvailable) as a boolean, V(null) when unknown.
      type: bool
      sample: true
    available_reason:
      description: Reason of C(ManagedClusterConditionAvailable).
      type: str
      sample: ManagedClusterAvailable
    available_message:
      description: Message of C(ManagedClusterConditionAvailable).
      type: str
      sample: Managed cluster is available
    hub_accepts_client:
      description: C(spec.hubAcceptsClient).
      type: bool
      sample: true
    kube_version:
      description: Claim C(kubeversion.open-cluster-management.io).
      type: str
      sample: v1.29.7
    claims:
      description: Every cluster claim by name.
      type: dict
      sample: {platform.open-cluster-management.io: AWS}
"""

from ansible_collections.acm.submariner.plugins.module_utils.hub_inventory import describe_hub
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule


def main():
    module = HubModule(argument_spec={"clusters": {"type": "list", "elements": "str"}})
    module.run(describe_hub)


if __name__ == "__main__":
    main()

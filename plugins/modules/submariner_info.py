#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_info
short_description: Verify Submariner on one managed cluster, from the hub and from the cluster itself
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Gathers what tells whether Submariner works on one managed cluster and explains what does not.
  - From the hub (the C(kubernetes.core.k8s_auth_options)) it reads the ManagedCluster, its
    ManagedClusterSet and broker namespace, the Broker CR where the hub needs one (ACM 2.5 and later),
    the SubmarinerConfig conditions and the C(submariner) ManagedClusterAddOn conditions, or on ACM 2.2
    the join labels and the C(submariner-operator) ManifestWork.
  - From the managed cluster (O(cluster_auth)) it reads the gateway nodes (label
    C(submariner.io/gateway=true) and C(gateway.submariner.io/udp-port)), the C(submariner.io/v1) Gateway
    objects with their HA status and every connection (status, message, remote cluster, IP and NAT used,
    round-trip time), and the networks from the C(Submariner) CR status (pod, service and Globalnet
    CIDRs, network plugin).
  - Everything that is not healthy becomes an entry of RV(problems), classified (missing Broker, gateway
    not labelled, closed ports, overlapping CIDRs, agent not deployed ...) with a one-line fix.
    RV(health) sums it up. The module never fails because Submariner is unhealthy; it fails only when it
    cannot ask (unknown cluster, hub unreachable). An unreachable managed cluster is reported as a problem.
  - With O(wait=true) it first waits until the tunnels to O(peers) are connected, reacting to every
    change, and stops early when a connection is in C(error) (for example overlapping CIDRs), which does
    not heal by waiting.
options:
  cluster:
    description:
      - Name of the ManagedCluster on the hub. Submariner uses it as the cluster ID, so the other
        clusters' connections name it too.
    type: str
    required: true
  peers:
    description:
      - ManagedCluster names this cluster must be connected to (usually the other clusters of its set).
      - A peer without a connection is a problem. An empty list declares a cluster alone in its set, which
        needs no connection at all. When omitted, only the connections that exist are judged.
    type: list
    elements: str
  install_namespace:
    description:
      - Namespace of Submariner on the managed cluster (the ManagedClusterAddOn's C(installNamespace)).
    type: str
    default: submariner-operator
  config_name:
    description:
      - Name of the SubmarinerConfig. ACM 2.3 and later only read V(submariner); on ACM 2.2 the single
        SubmarinerConfig of the cluster namespace is read whatever its name (the blog used V(subconfig)).
    type: str
  wait:
    description:
      - Wait until every tunnel to O(peers) is connected (and the add-on agrees) before gathering.
      - The wait watches the Submariner CR and the ManagedClusterAddOn and reacts as soon as they change;
        it ends early when a connection is in C(error). Reaching the timeout is not a failure; the result
        then says RV(health.timed_out=true) and lists what still blocks.
      - The wait runs in short rounds (its action plugin), each printing a progress line with what is awaited,
        the current state and the time elapsed and left; it still ends as soon as the tunnels are up.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait at most when O(wait=true).
    type: int
    default: 300
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.CLUSTER_AUTH
  - acm.submariner.attributes.INFO_MODULE
  - acm.submariner.attributes.ACTION_GROUP
notes:
  - The checks are those of C(subctl show all) and C(subctl diagnose connections) that need no pod on the
    cluster; firewall probes (C(subctl diagnose firewall)) are out of scope, but a tunnel stuck in
    C(connecting) is classified as blocked ports with the ports to open.
seealso:
  - module: acm.submariner.hub_info
  - module: acm.submariner.submariner_addon
  - module: acm.submariner.aws_cloud_prepare_info
  - name: Troubleshooting Submariner (Red Hat Advanced Cluster Management)
    description: The conditions and objects this module reads, and what they mean.
    link: https://docs.redhat.com/en/documentation/red_hat_advanced_cluster_management_for_kubernetes/2.12/html/networking/networking#submariner-troubleshooting
"""

EXAMPLES = r"""
- name: Verify cluster1 from the hub and from its own context, and wait for its tunnel to cluster2
  acm.submariner.submariner_info:
    kubeconfig: ~/.kube/config
    context: hub
    cluster: cluster1
    cluster_auth:
      context: cluster1
    peers: [cluster2]
    wait: true
    wait_timeout: 600
  register: cluster1

- name: Fail with the classified reason and the fix
  ansible.builtin.assert:
    that: cluster1.health.state == 'ready'
    fail_msg: "{{ cluster1.problems | map(attribute='message') | join('; ') }} - fix: {{ cluster1.problems | map(attribute='hint') | select | join('; ') }}"

- name: Every managed cluster of an inventory in parallel, auth explicit through module_defaults
  module_defaults:
    group/acm.submariner.submariner:
      kubeconfig: "{{ hostvars[groups['acm_hub'][0]].acm_submariner_kubeconfig }}"
      context: "{{ hostvars[groups['acm_hub'][0]].acm_submariner_hub_context }}"
  acm.submariner.submariner_info:
    cluster: "{{ inventory_hostname }}"
    cluster_auth:
      kubeconfig: "{{ acm_submariner_kubeconfig }}"
      context: "{{ acm_submariner_cluster_context }}"
    peers: "{{ ansible_play_hosts | difference([inventory_hostname]) }}"
  register: submariner

- name: Hub-side view only (no access to the managed cluster), e.g. the ACM 2.2 seed with SubmarinerConfig subconfig
  acm.submariner.submariner_info:
    context: hub
    cluster: cluster2
    config_name: subconfig
  register: cluster2
"""

RETURN = r"""
cluster:
  description: The ManagedCluster name.
  returned: always
  type: str
  sample: cluster1
hub:
  description: What the hub is (see M(acm.submariner.hub_info)); decides which objects are read.
  returned: always
  type: dict
  contains:
    acm_version:
      description: MultiClusterHub version, V(null) when there is none.
      type: str
      sample: 2.12.2
    generation:
      description: The C(major.minor) ACM generation the rules were applied for.
      type: str
      sample: "2.12"
    join_flow:
      description: V(labels) (ACM 2.2) or V(addon) (ACM 2.3 and later).
      type: str
      sample: addon
    broker_cr_required:
      description: Whether the hub needs a Broker CR in the broker namespace.
      type: bool
      sample: true
managed_cluster:
  description: The ManagedCluster summary (claims, labels, availability) as M(acm.submariner.hub_info) returns it, without the raw claims.
  returned: always
  type: dict
  sample: {name: cluster1, platform: AWS, region: eu-west-1, available: true, clusterset: submariner}
cluster_set:
  description: The cluster's ManagedClusterSet and its broker.
  returned: always
  type: dict
  contains:
    name:
      description: Value of the clusterset label, V(null) when the cluster is in no set.
      type: str
      sample: submariner
    broker_namespace:
      description: The set's broker namespace on the hub.
      type: str
      sample: submariner-broker
    broker_present:
      description: Whether the Broker C(submariner-broker) exists there; V(null) when the hub needs none.
      type: bool
      sample: true
submariner_config:
  description: The SubmarinerConfig of the cluster, V(null) when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: submariner
    spec:
      description: Its C(spec) as stored.
      type: dict
      sample: {IPSecNATTPort: 4500, gatewayConfig: {gateways: 1}}
    state:
      description: V(ready), V(waiting) or V(failed) (applied, environment prepared, gateways labelled).
      type: str
      sample: ready
    conditions:
      description: Its conditions (type, status, reason, message, last_transition_time).
      type: list
      elements: dict
addon:
  description: The C(submariner) ManagedClusterAddOn on ACM 2.3 and later, V(null) on ACM 2.2 or when it does not exist.
  returned: always
  type: dict
  contains:
    state:
      description: V(ready), V(waiting) or V(failed) by the add-on's conditions (the C(*Degraded) ones are healthy when V(False)).
      type: str
      sample: ready
    conditions:
      description: Its conditions.
      type: list
      elements: dict
join_labels:
  description: On ACM 2.2, the join labels of the ManagedCluster and the C(submariner-operator) ManifestWork conditions; V(null) otherwise.
  returned: always
  type: dict
  sample: {clusterset: submariner, submariner_agent: "true", manifest_work_present: true, manifest_work_conditions: []}
gateway_nodes:
  description: The nodes labelled C(submariner.io/gateway=true) on the managed cluster (empty without O(cluster_auth)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Node name.
      type: str
    udp_port:
      description: Value of C(gateway.submariner.io/udp-port) (the IPsec NAT-T port).
      type: str
      sample: "4500"
    zone:
      description: C(topology.kubernetes.io/zone).
      type: str
    instance_type:
      description:
        - C(node.kubernetes.io/instance-type). When it is not the SubmarinerConfig's C(gatewayConfig.aws.instanceType),
          the module warns, naming the node; the machine-api gives a new instance type only to new Machines.
      type: str
      sample: m5n.large
    internal_ip:
      description: The node's InternalIP.
      type: str
    external_ip:
      description: The node's ExternalIP, if any.
      type: str
    ready:
      description: Whether the node is Ready.
      type: bool
gateways:
  description: One entry per C(submariner.io/v1) Gateway (per gateway node) with its connections.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Gateway name (the node).
      type: str
    ha_status:
      description: V(active) or V(passive); only the active gateway carries connections.
      type: str
    public_ip:
      description: Public IP of the local endpoint.
      type: str
    private_ip:
      description: Private IP of the local endpoint.
      type: str
    cable_driver:
      description: The cable driver the gateway runs (its local endpoint's C(backend)).
      type: str
    nat_t_port:
      description: The NAT-T port the gateway listens on (its local endpoint's C(udp-port)), when it announces one.
      type: int
    connections:
      description: As RV(connections).
      type: list
      elements: dict
connections:
  description: The active gateway's connections.
  returned: always
  type: list
  elements: dict
  contains:
    remote_cluster:
      description: Cluster ID of the other end.
      type: str
      sample: cluster2
    status:
      description: V(connected), V(connecting) or V(error).
      type: str
      sample: connected
    message:
      description: The gateway's C(statusMessage).
      type: str
    using_ip:
      description: IP address the tunnel uses to reach the other end.
      type: str
    using_nat:
      description: Whether the tunnel goes through NAT.
      type: bool
    rtt_average:
      description: Average round-trip time, as Submariner writes it.
      type: str
      sample: 1.203ms
    diagnosis:
      description: Classification (category, summary, hint) when not connected.
      type: dict
networks:
  description: From the Submariner CR status on the managed cluster; V(null) without O(cluster_auth) or before Submariner runs.
  returned: always
  type: dict
  sample:
    cluster_id: cluster1
    cluster_cidr: [10.128.0.0/14]
    service_cidr: [172.30.0.0/16]
    global_cidr: []
    network_plugin: OVNKubernetes
    nat_enabled: true
health:
  description: The verdict.
  returned: always
  type: dict
  contains:
    state:
      description: V(ready) (no problem), V(waiting) (still converging) or V(failed).
      type: str
      sample: ready
    connections:
      description: Overall tunnel state, V(connected), V(connecting), V(error) or V(missing); V(null) without O(cluster_auth).
      type: str
      sample: connected
    summary:
      description: One line for humans.
      type: str
      sample: "ready: 1 gateway, 1/1 connections connected"
    timed_out:
      description: Whether O(wait=true) reached O(wait_timeout).
      type: bool
      sample: false
    wait_error:
      description: What still blocked when the wait timed out.
      type: str
      returned: when RV(health.timed_out=true)
    waiting_for:
      description: The object the wait was looking at when it timed out.
      type: str
      returned: when RV(health.timed_out=true)
    still_missing:
      description: What that object still lacked, in one sentence.
      type: str
      returned: when RV(health.timed_out=true)
problems:
  description: Everything that is not healthy, most specific cause first.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description:
        - Where it was seen, e.g. V(addon), V(submariner_config), V(connection), V(gateway_nodes), V(broker), V(cluster_api).
        - V(gateway_rollout) when the active gateway does not run the SubmarinerConfig's cable driver or NAT-T port yet
          (its pods restart after a change); O(wait) waits for it.
      type: str
    state:
      description: V(failed) or V(waiting).
      type: str
    message:
      description: What was seen (condition, reason and message, or the connection's status message).
      type: str
    remote_cluster:
      description: The other end, for connection problems.
      type: str
    category:
      description: Stable classification, e.g. V(ports_blocked), V(cidr_overlap), V(broker_missing), V(gateway_not_labeled); V(null) when not recognised.
      type: str
    summary:
      description: What the category means.
      type: str
    hint:
      description: How to fix it.
      type: str
  sample:
    - source: connection
      state: waiting
      remote_cluster: cluster2
      message: "connecting: Failed to successfully establish a connection to cluster 'cluster2': no response (IKE timed out)"
      category: ports_blocked
      summary: a tunnel is not established (firewall or NAT ports)
      hint: open UDP NAT-T (4500) and NAT discovery (4490/4900) plus ESP (50) to the gateways ...
"""

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec, wait_argument_spec
from ansible_collections.acm.submariner.plugins.module_utils.submariner_status import CLUSTER_AUTH_OPTIONS, verify_cluster


def argument_spec():
    spec = {
        **hub_facts_argument_spec(),
        "cluster": {"type": "str", "required": True},
        "cluster_auth": {"type": "dict", "options": CLUSTER_AUTH_OPTIONS},
        "peers": {"type": "list", "elements": "str"},
        "install_namespace": {"type": "str", "default": C.INSTALL_NAMESPACE},
        "config_name": {"type": "str"},
    }
    spec.update(wait_argument_spec(timeout=300))
    return spec


def main():
    module = HubModule(argument_spec=argument_spec(), names={"cluster": "cluster"})
    module.run(verify_cluster)


if __name__ == "__main__":
    main()

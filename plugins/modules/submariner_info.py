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
  cluster_auth:
    description:
      - How to reach the managed cluster's own API server. Without it only the hub side is verified.
      - These settings never fall back to the C(K8S_AUTH_*) environment variables, which usually belong to
        the hub (an Ansible Automation Platform OpenShift credential sets them), so a managed cluster is
        never queried with the hub's token by accident.
      - When neither O(cluster_auth.kubeconfig) nor O(cluster_auth.host) is set, the hub's O(kubeconfig)
        is used with O(cluster_auth.context), the common case of one kubeconfig with a context per cluster.
    type: dict
    suboptions:
      kubeconfig:
        description: Path to a kubeconfig file, or its content as a dictionary.
        type: raw
      context:
        description: The kubeconfig context of the managed cluster.
        type: str
      host:
        description: URL of the managed cluster's API server.
        type: str
      api_key:
        description: Bearer token for O(cluster_auth.host).
        type: str
      username:
        description: User name for basic authentication.
        type: str
      password:
        description: Password for basic authentication.
        type: str
      validate_certs:
        description: Whether to verify the API server's certificate.
        type: bool
        aliases: [verify_ssl]
      ca_cert:
        description: CA bundle that signs the API server's certificate.
        type: path
        aliases: [ssl_ca_cert]
      client_cert:
        description: Client certificate for mutual TLS.
        type: path
        aliases: [cert_file]
      client_key:
        description: Key of O(cluster_auth.client_cert).
        type: path
        aliases: [key_file]
      proxy:
        description: HTTP proxy URL for the managed cluster's API server.
        type: str
      no_proxy:
        description: Comma-separated hosts and domains that bypass O(cluster_auth.proxy).
        type: str
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
  - acm.submariner.attributes.INFO_MODULE
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
problems:
  description: Everything that is not healthy, most specific cause first.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: Where it was seen, e.g. V(addon), V(submariner_config), V(connection), V(gateway_nodes), V(broker), V(cluster_api).
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

import contextlib
import os
import time

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import (
    CONNECTED,
    ERROR,
    SUBMARINER_CONFIG_RULES,
    ConditionRule,
    FAILED,
    READY,
    WAITING,
    classify,
    classify_evaluation,
    evaluate_addon,
    evaluate_conditions,
    evaluate_connections,
    evaluate_managed_cluster,
    evaluate_submariner_config,
    summarize_conditions,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub import broker_namespace, managed_cluster_summary
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubClient,
    HubError,
    HubModule,
    gather_hub_facts,
    require_managed_cluster,
    wait_argument_spec,
)
from ansible_collections.acm.submariner.plugins.module_utils.waiting import (
    Target,
    WaitTimeout,
    wait_for_evaluation,
    wait_until,
)

MANIFEST_WORK_API_VERSION = "work.open-cluster-management.io/v1"
MANIFEST_WORK_KIND = "ManifestWork"
OPERATOR_MANIFEST_WORK = "submariner-operator"
ZONE_LABEL = "topology.kubernetes.io/zone"
CLUSTER_AUTH_OPTIONS = {
    "kubeconfig": {"type": "raw"},
    "context": {"type": "str"},
    "host": {"type": "str"},
    "api_key": {"type": "str", "no_log": True},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "aliases": ["verify_ssl"]},
    "ca_cert": {"type": "path", "aliases": ["ssl_ca_cert"]},
    "client_cert": {"type": "path", "aliases": ["cert_file"]},
    "client_key": {"type": "path", "aliases": ["key_file"], "no_log": False},
    "proxy": {"type": "str"},
    "no_proxy": {"type": "str"},
}


def argument_spec():
    spec = {
        "cluster": {"type": "str", "required": True},
        "cluster_auth": {"type": "dict", "options": CLUSTER_AUTH_OPTIONS},
        "peers": {"type": "list", "elements": "str"},
        "install_namespace": {"type": "str", "default": C.INSTALL_NAMESPACE},
        "config_name": {"type": "str"},
    }
    spec.update(wait_argument_spec(timeout=300))
    return spec


# --- the managed cluster's own API ------------------------------------------------------------


class ClusterView:
    """What kubernetes.core's client factory reads from a module, for the managed cluster's auth.

    HubClient builds its client from ``module.params``; this view hands it the cluster's settings
    instead of the hub's, so one module talks to two API servers.
    """

    server_side_dry_run = False
    check_mode = False

    def __init__(self, module, auth):
        self.params = dict(auth)
        self._module = module

    def requires(self, *args, **kwargs):
        return self._module.requires(*args, **kwargs)


def cluster_auth_params(module):
    """The managed cluster's auth settings; the hub kubeconfig is reused when none is given."""
    auth = {key: value for key, value in (module.params.get("cluster_auth") or {}).items() if value is not None}
    if not auth.get("kubeconfig") and not auth.get("host") and module.params.get("kubeconfig"):
        auth["kubeconfig"] = module.params["kubeconfig"]
    return auth


@contextlib.contextmanager
def without_k8s_auth_environment():
    """Hide ``K8S_AUTH_*`` while the cluster client is built: they describe the hub, not this cluster."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("K8S_AUTH_")}
    try:
        yield
    finally:
        os.environ.update(saved)


def connect_cluster(module):
    """(client, problem): a client for the managed cluster, or None and the reason it cannot be reached."""
    if not module.params.get("cluster_auth"):
        return None, None
    try:
        with without_k8s_auth_environment():
            return HubClient(ClusterView(module, cluster_auth_params(module))), None
    except HubError as exc:
        return None, problem("cluster_api", FAILED, str(exc))


# --- problems -----------------------------------------------------------------------------------


def problem(source, state, message, diagnosis=None, remote_cluster=None):
    """One entry of ``problems``; ``diagnosis`` is a conditions.Diagnosis, its dict or None."""
    if diagnosis is not None and not isinstance(diagnosis, dict):
        diagnosis = diagnosis.as_dict()
    diagnosis = diagnosis or {}
    return {
        "source": source,
        "state": state,
        "message": message,
        "remote_cluster": remote_cluster,
        "category": diagnosis.get("category"),
        "summary": diagnosis.get("summary"),
        "hint": diagnosis.get("hint"),
    }


def evaluation_problem(source, evaluation):
    if evaluation.ready:
        return None
    return problem(source, evaluation.state, evaluation.describe(), classify_evaluation(evaluation))


def deduplicate(problems):
    """Drop repeats: the same known category seen twice (hub and cluster) outside connections,
    and identical messages."""
    seen_categories, seen_messages, kept = set(), set(), []
    for entry in problems:
        if entry is None:
            continue
        key = (entry["source"], entry["message"], entry["remote_cluster"])
        if key in seen_messages:
            continue
        if entry["category"] and entry["source"] != "connection":
            if entry["category"] in seen_categories:
                continue
            seen_categories.add(entry["category"])
        seen_messages.add(key)
        kept.append(entry)
    return kept


# --- hub side -----------------------------------------------------------------------------------


def read_cluster_set(hub, facts, cluster_summary):
    """The cluster's set, its broker namespace and (where required) whether the Broker exists."""
    name = cluster_summary.get("clusterset")
    info = {"name": name, "broker_namespace": None, "broker_present": None}
    problems = []
    if not name:
        problems.append(problem("cluster_set", FAILED, "the ManagedCluster has no {0} label: it is in no ManagedClusterSet".format(C.CLUSTERSET_LABEL)))
        return info, problems
    annotation = None
    if facts.managed_cluster_set_version:
        cluster_set = hub.get("{0}/{1}".format(C.CLUSTER_GROUP, facts.managed_cluster_set_version), C.MANAGED_CLUSTER_SET_KIND, name)
        if cluster_set is None:
            problems.append(problem("cluster_set", FAILED, "the ManagedClusterSet {0} named by the clusterset label does not exist".format(name)))
            return info, problems
        annotation = (cluster_set["metadata"].get("annotations") or {}).get(C.BROKER_NAMESPACE_ANNOTATION)
    try:
        info["broker_namespace"] = broker_namespace(name, facts.broker_namespace_rule, annotation)
    except ValueError as exc:
        problems.append(problem("cluster_set", FAILED, str(exc)))
        return info, problems
    if facts.broker_cr_required:
        broker = hub.get(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, info["broker_namespace"])
        info["broker_present"] = broker is not None
        if broker is None:
            problems.append(problem(
                "broker", FAILED, "Broker {0}/{1} does not exist".format(info["broker_namespace"], C.BROKER_NAME), classify("BrokerConfigMissing")))
    return info, problems


def read_submariner_config(hub, facts, cluster, config_name):
    """The SubmarinerConfig: by name on ACM >= 2.3, else the single one of the namespace (ACM 2.2)."""
    if facts.config_name_rule == C.CONFIG_NAME_RULE_FIXED or config_name:
        return hub.get(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, config_name or C.SUBMARINER_CONFIG_NAME, cluster)
    items = hub.list(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, namespace=cluster)
    return items[0] if len(items) == 1 else None


# ACM 2.2's addon does not report SubmarinerGatewaysLabeled (its spoke agent came with ACM 2.3):
# the same rules, with that condition optional.
LABEL_FLOW_CONFIG_RULES = tuple(
    ConditionRule(rule.type, rule.healthy_status, rule.failed_reasons, optional=True) if rule.type == C.COND_GATEWAYS_LABELED else rule
    for rule in SUBMARINER_CONFIG_RULES
)


def describe_submariner_config(obj, join_flow=C.JOIN_FLOW_ADDON):
    if obj is None:
        return None, [problem("submariner_config", FAILED, "there is no SubmarinerConfig in the cluster namespace")]
    annotations = obj["metadata"].get("annotations") or {}
    cloud_prepare = annotations.get(C.SKIP_CLOUD_PREPARE_ANNOTATION) != "true"
    if join_flow == C.JOIN_FLOW_LABELS:
        rules = LABEL_FLOW_CONFIG_RULES
        if not cloud_prepare:
            rules = tuple(ConditionRule(r.type, r.healthy_status, r.failed_reasons, optional=True) if r.type == C.COND_ENV_PREPARED else r
                          for r in rules)
        evaluation = evaluate_conditions(obj, rules)
    else:
        evaluation = evaluate_submariner_config(obj, cloud_prepare=cloud_prepare)
    info = {"name": obj["metadata"]["name"], "spec": obj.get("spec") or {}, "state": evaluation.state, "conditions": evaluation.conditions}
    return info, [evaluation_problem("submariner_config", evaluation)]


def describe_addon(hub, facts, cluster, require_connections):
    if not facts.managed_cluster_addon_version:
        return None, [problem("addon", FAILED, "the hub serves no ManagedClusterAddOn API: the add-on framework is missing")]
    api_version = "{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version)
    obj = hub.get(api_version, C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster)
    if obj is None:
        return None, [problem("addon", FAILED, "the cluster has not joined: there is no ManagedClusterAddOn {0}/{1}".format(cluster, C.ADDON_NAME))]
    evaluation = evaluate_addon(obj, require_connections=require_connections)
    return {"state": evaluation.state, "conditions": evaluation.conditions}, [evaluation_problem("addon", evaluation)]


def describe_join_labels(hub, cluster, cluster_summary):
    """ACM 2.2: both labels on the ManagedCluster, and the ManifestWork the hub agent applies."""
    labels = cluster_summary.get("labels") or {}
    work = hub.get(MANIFEST_WORK_API_VERSION, MANIFEST_WORK_KIND, OPERATOR_MANIFEST_WORK, cluster)
    info = {
        "clusterset": labels.get(C.CLUSTERSET_LABEL),
        "submariner_agent": labels.get(C.SUBMARINER_AGENT_LABEL),
        "manifest_work_present": work is not None,
        "manifest_work_conditions": summarize_conditions(work),
    }
    problems = []
    if not info["submariner_agent"]:
        problems.append(problem("join_labels", FAILED, "the cluster has not joined: the ManagedCluster lacks the label {0}={1}".format(
            C.SUBMARINER_AGENT_LABEL, C.SUBMARINER_AGENT_LABEL_VALUE)))
    elif work is None:
        problems.append(problem("join_labels", WAITING, "the hub has not applied the ManifestWork {0}/{1} yet".format(cluster, OPERATOR_MANIFEST_WORK)))
    return info, problems


# --- managed cluster side -------------------------------------------------------------------------


def node_summary(node):
    labels = node["metadata"].get("labels") or {}
    status = node.get("status") or {}
    addresses = {entry.get("type"): entry.get("address") for entry in status.get("addresses") or []}
    ready = next((c.get("status") == "True" for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return {
        "name": node["metadata"]["name"],
        "udp_port": labels.get(C.GATEWAY_UDP_PORT_LABEL),
        "zone": labels.get(ZONE_LABEL),
        "internal_ip": addresses.get("InternalIP"),
        "external_ip": addresses.get("ExternalIP"),
        "ready": ready,
    }


def networks_from_submariner(obj):
    """The networks Submariner discovered (Submariner CR status); comma-separated lists split."""
    status = (obj or {}).get("status") or {}

    def split(value):
        if isinstance(value, list):
            return [item for item in value if item]
        return [item.strip() for item in (value or "").split(",") if item.strip()]

    return {
        "cluster_id": status.get("clusterID"),
        "cluster_cidr": split(status.get("clusterCIDR")),
        "service_cidr": split(status.get("serviceCIDR")),
        "global_cidr": split(status.get("globalCIDR")),
        "network_plugin": status.get("networkPlugin"),
        "nat_enabled": status.get("natEnabled"),
    }


def read_cluster_side(spoke, namespace, peers):
    """Gateway nodes, Gateways with connections and networks from the managed cluster."""
    nodes = [node_summary(node) for node in spoke.list("v1", "Node", label_selector="{0}=true".format(C.GATEWAY_NODE_LABEL))]
    submariner = spoke.get(C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND, C.SUBMARINER_CR_NAME, namespace)
    gateways = with_tunnel_details(spoke.list(C.GATEWAY_API_VERSION, C.GATEWAY_KIND, namespace=namespace), submariner)
    connections = evaluate_connections(gateways, expected_remotes=peers)
    problems = []
    if not nodes:
        problems.append(problem("gateway_nodes", FAILED, "no node is labelled {0}=true".format(C.GATEWAY_NODE_LABEL),
                                classify("SubmarinerGatewayNodesUnlabeled")))
    if submariner is None:
        problems.append(problem("submariner", FAILED, "the Submariner CR {0}/{1} does not exist: Submariner is not deployed".format(
            namespace, C.SUBMARINER_CR_NAME), classify("CSVNotInstalled")))
    problems.extend(connection_problems(connections))
    return {
        "gateway_nodes": nodes,
        "gateways": connections["gateways"],
        "connections": connections["connections"],
        "networks": networks_from_submariner(submariner) if submariner else None,
        "connection_state": connections["state"],
    }, problems


def with_tunnel_details(gateways, submariner):
    """Gateways whose connections lack ``usingIP``/``usingNAT`` (older Gateway CRDs prune them) get
    them from the Submariner CR's ``status.gateways``, which carries the same connections."""
    mirrored = {}
    for entry in ((submariner or {}).get("status") or {}).get("gateways") or []:
        for connection in entry.get("connections") or []:
            remote = (connection.get("endpoint") or {}).get("cluster_id")
            mirrored[((entry.get("localEndpoint") or {}).get("hostname"), remote)] = connection
    completed = []
    for gateway in gateways:
        status = gateway.get("status") or {}
        hostname = (status.get("localEndpoint") or {}).get("hostname")
        connections = []
        for connection in status.get("connections") or []:
            twin = mirrored.get((hostname, (connection.get("endpoint") or {}).get("cluster_id"))) or {}
            extra = {key: twin[key] for key in ("usingIP", "usingNAT") if connection.get(key) is None and key in twin}
            connections.append(dict(connection, **extra))
        completed.append(dict(gateway, status=dict(status, connections=connections)))
    return completed


def connection_problems(evaluation):
    found = []
    for entry in evaluation["problems"]:
        connection = next((c for c in evaluation["connections"] if c["remote_cluster"] == entry["remote_cluster"]), None)
        state = FAILED if connection is not None and connection["status"] == ERROR else WAITING
        if connection is None and entry["remote_cluster"] is None:
            state = FAILED  # no active gateway, or the gateway reports a failure
        found.append(problem("connection", state, entry["message"], entry["diagnosis"], entry["remote_cluster"]))
    return found


def cluster_side_failure(spoke, exc):
    """Reading the managed cluster failed: a missing Submariner API means Submariner is not deployed."""
    if exc.details.get("missing_api"):
        return problem("submariner", FAILED, "{0} does not serve the Submariner APIs: Submariner is not deployed".format(spoke.target),
                       classify("CSVNotInstalled"))
    return problem("cluster_api", FAILED, str(exc))


# --- waiting ------------------------------------------------------------------------------------


def tunnels_blocker(peers):
    """Blocker for the Submariner CR: None once tunnels are up or a connection is in error."""

    def blocker(obj):
        if obj is None:
            return "the Submariner CR does not exist yet"
        evaluation = evaluate_connections((obj.get("status") or {}).get("gateways") or [], expected_remotes=peers)
        if evaluation["state"] == CONNECTED or any(c["status"] == ERROR for c in evaluation["connections"]):
            return None
        return "; ".join(entry["message"] for entry in evaluation["problems"]) or evaluation["state"]

    return blocker


def wait_for_tunnels(module, hub, spoke, facts, require_connections, clock=time.monotonic):
    """Wait on the cluster's Submariner CR, then on the add-on; the error of the last blocker, or None."""
    deadline = clock() + module.params["wait_timeout"]
    cluster, peers = module.params["cluster"], module.params["peers"]
    try:
        if spoke is not None:
            obj = wait_until(spoke, Target(C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND, C.SUBMARINER_CR_NAME, module.params["install_namespace"]),
                             tunnels_blocker(peers), max(deadline - clock(), 0))
            states = {c.get("status") for g in (obj.get("status") or {}).get("gateways") or [] for c in g.get("connections") or []}
            if ERROR in states:
                return None
        if facts.join_flow == C.JOIN_FLOW_ADDON and facts.managed_cluster_addon_version:
            api_version = "{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version)
            wait_for_evaluation(hub, Target(api_version, C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster),
                                lambda obj: evaluate_addon(obj, require_connections=require_connections), max(deadline - clock(), 0))
    except WaitTimeout as exc:
        return str(exc)
    return None


# --- verdict ------------------------------------------------------------------------------------


def health(problems, cluster_side, timed_out):
    states = {entry["state"] for entry in problems}
    state = FAILED if FAILED in states else WAITING if states else READY
    gateways = (cluster_side or {}).get("gateways") or []
    connections = (cluster_side or {}).get("connections") or []
    connected = sum(1 for c in connections if c["status"] == CONNECTED)
    if state == READY:
        summary = "ready"
        if cluster_side is not None:
            summary += ": %d gateway(s), %d/%d connections connected" % (len(gateways), connected, len(connections))
    else:
        summary = "%s: %d problem(s), first: %s" % (state, len(problems), problems[0]["message"])
    return {
        "state": state,
        "connections": (cluster_side or {}).get("connection_state"),
        "summary": summary,
        "timed_out": timed_out,
    }


def gather(module, hub, spoke, spoke_problem=None, clock=time.monotonic):
    """The module result from a hub client and an optional managed cluster client."""
    params = module.params
    cluster, peers = params["cluster"], params["peers"]
    require_connections = peers is None or len(peers) > 0
    facts = gather_hub_facts(hub)
    managed = require_managed_cluster(hub, cluster)
    timed_out, wait_error = False, None
    if params["wait"]:
        wait_error = wait_for_tunnels(module, hub, spoke, facts, require_connections, clock)
        timed_out = wait_error is not None
    summary = managed_cluster_summary(managed)
    summary.pop("claims", None)
    problems = [evaluation_problem("managed_cluster", evaluate_managed_cluster(managed))]

    cluster_set, found = read_cluster_set(hub, facts, summary)
    problems.extend(found)
    addon = join_labels = None
    if facts.join_flow == C.JOIN_FLOW_ADDON:
        addon, found = describe_addon(hub, facts, cluster, require_connections)
    else:
        join_labels, found = describe_join_labels(hub, cluster, summary)
    problems.extend(found)
    config, found = describe_submariner_config(read_submariner_config(hub, facts, cluster, params["config_name"]), facts.join_flow)
    problems.extend(found)

    cluster_side = None
    if spoke is not None:
        try:
            cluster_side, found = read_cluster_side(spoke, params["install_namespace"], peers)
        except HubError as exc:
            found = [cluster_side_failure(spoke, exc)]
        problems.extend(found)
    problems.append(spoke_problem)
    # Connections first: they name the cause (ports, overlap) that hub conditions only echo.
    problems = deduplicate(sorted((p for p in problems if p), key=lambda p: p["source"] != "connection"))
    result = {
        "changed": False,
        "cluster": cluster,
        "hub": {key: getattr(facts, key) for key in ("acm_version", "generation", "join_flow", "broker_cr_required")},
        "managed_cluster": summary,
        "cluster_set": cluster_set,
        "submariner_config": config,
        "addon": addon,
        "join_labels": join_labels,
        "gateway_nodes": (cluster_side or {}).get("gateway_nodes") or [],
        "gateways": (cluster_side or {}).get("gateways") or [],
        "connections": (cluster_side or {}).get("connections") or [],
        "networks": (cluster_side or {}).get("networks"),
        "health": health(problems, cluster_side, timed_out),
        "problems": problems,
    }
    if wait_error:
        result["health"]["wait_error"] = wait_error
    return result


def run(module):
    spoke, spoke_problem = connect_cluster(module)
    return gather(module, module.hub, spoke, spoke_problem)


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(run)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.submariner_info does: the Submariner status of one managed cluster.

The hub side (ManagedCluster, set and Broker, the join, the SubmarinerConfig) is read through the
hub client; the cluster side (gateway nodes, Gateways and their connections, the networks) through
an optional second client for the managed cluster's own API. Everything that is not healthy
becomes one entry of ``problems``, classified by :mod:`conditions` where the cause is known.
"""

from __future__ import annotations

import contextlib
import os
import time

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.conditions import (
    CABLE_DRIVER_MISMATCH,
    CONNECTED,
    ERROR,
    FAILED,
    READY,
    WAITING,
    classify,
    classify_evaluation,
    evaluate_addon,
    evaluate_connections,
    evaluate_managed_cluster,
    evaluate_submariner_config,
    gateway_rollout_problem,
    stale_gateway_instance_types,
    summarize_conditions,
)
from ansible_collections.acm.submariner.plugins.module_utils.hub import managed_cluster_summary, set_broker_namespace
from ansible_collections.acm.submariner.plugins.module_utils.k8s import (
    HubClient,
    HubError,
    module_hub_facts,
    require_managed_cluster,
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
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
HUB_FACTS_REPORTED = ("acm_version", "generation", "join_flow", "broker_cr_required")


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


# The managed cluster's own connection options (submariner_info, submariner_residue_info): kubernetes.core's names.
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


def reported_problems(problems):
    """The problems to report, connections first: they name the cause (ports, overlap) that hub
    conditions only echo."""
    return deduplicate(sorted((entry for entry in problems if entry), key=lambda entry: entry["source"] != "connection"))


# --- hub side -----------------------------------------------------------------------------------


def cluster_set_broker_namespace(hub, facts, name):
    """The broker namespace of the set ``name``; ValueError when the set or its namespace is unusable."""
    cluster_set = None
    if facts.managed_cluster_set_version:
        cluster_set = hub.get("{0}/{1}".format(C.CLUSTER_GROUP, facts.managed_cluster_set_version), C.MANAGED_CLUSTER_SET_KIND, name)
        if cluster_set is None:
            raise ValueError("the ManagedClusterSet {0} named by the clusterset label does not exist".format(name))
    return set_broker_namespace(name, cluster_set, facts.broker_namespace_rule)


def read_cluster_set(hub, facts, cluster_summary):
    """The cluster's set, its broker namespace and (where required) whether the Broker exists."""
    name = cluster_summary.get("clusterset")
    info = {"name": name, "broker_namespace": None, "broker_present": None}
    if not name:
        return info, [problem("cluster_set", FAILED, "the ManagedCluster has no {0} label: it is in no ManagedClusterSet".format(C.CLUSTERSET_LABEL))]
    try:
        info["broker_namespace"] = cluster_set_broker_namespace(hub, facts, name)
    except ValueError as exc:
        return info, [problem("cluster_set", FAILED, str(exc))]
    if not facts.broker_cr_required:
        return info, []
    info["broker_present"] = hub.get(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, info["broker_namespace"]) is not None
    if info["broker_present"]:
        return info, []
    return info, [problem("broker", FAILED, "Broker {0}/{1} does not exist".format(info["broker_namespace"], C.BROKER_NAME), classify("BrokerConfigMissing"))]


def read_submariner_config(hub, facts, cluster, config_name):
    """The SubmarinerConfig: by name on ACM >= 2.3, else the single one of the namespace (ACM 2.2)."""
    if facts.config_name_rule == C.CONFIG_NAME_RULE_FIXED or config_name:
        return hub.get(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, config_name or C.SUBMARINER_CONFIG_NAME, cluster)
    items = hub.list(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, namespace=cluster)
    return items[0] if len(items) == 1 else None


def describe_submariner_config(obj, join_flow=C.JOIN_FLOW_ADDON):
    if obj is None:
        return None, [problem("submariner_config", FAILED, "there is no SubmarinerConfig in the cluster namespace")]
    annotations = obj["metadata"].get("annotations") or {}
    cloud_prepare = annotations.get(C.SKIP_CLOUD_PREPARE_ANNOTATION) != "true"
    evaluation = evaluate_submariner_config(obj, cloud_prepare=cloud_prepare, join_flow=join_flow)
    info = {"name": obj["metadata"]["name"], "spec": obj.get("spec") or {}, "state": evaluation.state, "conditions": evaluation.conditions}
    return info, [evaluation_problem("submariner_config", evaluation)]


def addon_api_version(facts):
    return "{0}/{1}".format(C.ADDON_GROUP, facts.managed_cluster_addon_version)


def describe_addon(hub, facts, cluster, require_connections, seen=None):
    """The add-on's state and problem; ``seen["addon"]``, when the wait just saw it, is not read again."""
    if not facts.managed_cluster_addon_version:
        return None, [problem("addon", FAILED, "the hub serves no ManagedClusterAddOn API: the add-on framework is missing")]
    seen = seen or {}
    obj = seen["addon"] if "addon" in seen else hub.get(addon_api_version(facts), C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster)
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
    if not info["submariner_agent"]:
        return info, [problem("join_labels", FAILED, "the cluster has not joined: the ManagedCluster lacks the label {0}={1}".format(
            C.SUBMARINER_AGENT_LABEL, C.SUBMARINER_AGENT_LABEL_VALUE))]
    if work is None:
        return info, [problem("join_labels", WAITING, "the hub has not applied the ManifestWork {0}/{1} yet".format(cluster, OPERATOR_MANIFEST_WORK))]
    return info, []


def read_hub_side(hub, facts, params, managed, cluster_summary, seen=None):
    """``cluster_set``, ``addon`` or ``join_labels`` (by join flow) and ``submariner_config``, with their problems."""
    cluster = params["cluster"]
    problems = [evaluation_problem("managed_cluster", evaluate_managed_cluster(managed))]
    side = {"addon": None, "join_labels": None}
    side["cluster_set"], found = read_cluster_set(hub, facts, cluster_summary)
    problems.extend(found)
    if facts.join_flow == C.JOIN_FLOW_ADDON:
        side["addon"], found = describe_addon(hub, facts, cluster, connections_required(params["peers"]), seen)
    else:
        side["join_labels"], found = describe_join_labels(hub, cluster, cluster_summary)
    problems.extend(found)
    seen = {} if seen is None else seen
    if "submariner_config" not in seen:
        seen["submariner_config"] = read_submariner_config(hub, facts, cluster, params["config_name"])
    side["submariner_config"], found = describe_submariner_config(seen["submariner_config"], facts.join_flow)
    problems.extend(found)
    return side, problems


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
        "instance_type": labels.get(INSTANCE_TYPE_LABEL),
        "internal_ip": addresses.get("InternalIP"),
        "external_ip": addresses.get("ExternalIP"),
        "ready": ready,
    }


def split_list(value):
    """A list, or a comma-separated string (older Submariner CRs), without empty items."""
    if isinstance(value, list):
        return [item for item in value if item]
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def networks_from_submariner(obj):
    """The networks Submariner discovered (Submariner CR status)."""
    status = (obj or {}).get("status") or {}
    return {
        "cluster_id": status.get("clusterID"),
        "cluster_cidr": split_list(status.get("clusterCIDR")),
        "service_cidr": split_list(status.get("serviceCIDR")),
        "global_cidr": split_list(status.get("globalCIDR")),
        "network_plugin": status.get("networkPlugin"),
        "nat_enabled": status.get("natEnabled"),
    }


def mirrored_connections(submariner):
    """The connections in the Submariner CR's ``status.gateways``, by (gateway hostname, remote cluster)."""
    mirrored = {}
    for entry in ((submariner or {}).get("status") or {}).get("gateways") or []:
        hostname = (entry.get("localEndpoint") or {}).get("hostname")
        for connection in entry.get("connections") or []:
            mirrored[(hostname, (connection.get("endpoint") or {}).get("cluster_id"))] = connection
    return mirrored


def gateway_with_tunnel_details(gateway, mirrored):
    status = gateway.get("status") or {}
    hostname = (status.get("localEndpoint") or {}).get("hostname")
    connections = []
    for connection in status.get("connections") or []:
        twin = mirrored.get((hostname, (connection.get("endpoint") or {}).get("cluster_id"))) or {}
        extra = {key: twin[key] for key in ("usingIP", "usingNAT") if connection.get(key) is None and key in twin}
        connections.append(dict(connection, **extra))
    return dict(gateway, status=dict(status, connections=connections))


def with_tunnel_details(gateways, submariner):
    """Gateways whose connections lack ``usingIP``/``usingNAT`` (older Gateway CRDs prune them) get
    them from the Submariner CR's ``status.gateways``, which carries the same connections."""
    mirrored = mirrored_connections(submariner)
    return [gateway_with_tunnel_details(gateway, mirrored) for gateway in gateways]


def connection_problems(evaluation):
    found = []
    for entry in evaluation["problems"]:
        connection = next((c for c in evaluation["connections"] if c["remote_cluster"] == entry["remote_cluster"]), None)
        state = FAILED if connection is not None and connection["status"] == ERROR else WAITING
        if connection is None and entry["remote_cluster"] is None:
            state = FAILED  # no active gateway, or the gateway reports a failure
        found.append(problem("connection", state, entry["message"], entry["diagnosis"], entry["remote_cluster"]))
    return found


def deployment_problems(nodes, submariner, namespace):
    """No gateway node, or no Submariner CR: Submariner is not (fully) deployed."""
    found = []
    if not nodes:
        found.append(problem("gateway_nodes", FAILED, "no node is labelled {0}=true".format(C.GATEWAY_NODE_LABEL), classify("SubmarinerGatewayNodesUnlabeled")))
    if submariner is None:
        found.append(problem("submariner", FAILED, "the Submariner CR {0}/{1} does not exist: Submariner is not deployed".format(
            namespace, C.SUBMARINER_CR_NAME), classify("CSVNotInstalled")))
    return found


def rollout_problems(gateways, config):
    """The active gateway does not run the SubmarinerConfig's cable driver and NAT-T port yet."""
    message = gateway_rollout_problem(gateways, (config or {}).get("spec") if config else None)
    return [problem("gateway_rollout", WAITING, message)] if message else []


def read_cluster_side(spoke, namespace, peers, seen=None):
    """Gateway nodes, Gateways with connections and networks from the managed cluster (the Submariner CR
    from ``seen["submariner"]`` when the wait just saw it; the SubmarinerConfig the hub side read from
    ``seen["submariner_config"]``)."""
    seen = seen or {}
    nodes = [node_summary(node) for node in spoke.list("v1", "Node", label_selector="{0}=true".format(C.GATEWAY_NODE_LABEL))]
    submariner = seen["submariner"] if "submariner" in seen else spoke.get(C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND, C.SUBMARINER_CR_NAME, namespace)
    gateway_objects = spoke.list(C.GATEWAY_API_VERSION, C.GATEWAY_KIND, namespace=namespace)
    gateways = with_tunnel_details(gateway_objects, submariner)
    connections = evaluate_connections(gateways, expected_remotes=peers)
    found = deployment_problems(nodes, submariner, namespace) + rollout_problems(gateway_objects, seen.get("submariner_config"))
    return {
        "gateway_nodes": nodes,
        "gateways": connections["gateways"],
        "connections": connections["connections"],
        "networks": networks_from_submariner(submariner) if submariner else None,
        "connection_state": connections["state"],
    }, found + connection_problems(connections)


def cluster_side_failure(spoke, exc):
    """Reading the managed cluster failed: a missing Submariner API means Submariner is not deployed."""
    if exc.details.get("missing_api"):
        return problem("submariner", FAILED, "{0} does not serve the Submariner APIs: Submariner is not deployed".format(spoke.target),
                       classify("CSVNotInstalled"))
    return problem("cluster_api", FAILED, str(exc))


def read_cluster_side_if_reachable(spoke, params, seen=None):
    """:func:`read_cluster_side`, or (None, []) without a cluster client, or (None, [the failure])."""
    if spoke is None:
        return None, []
    try:
        return read_cluster_side(spoke, params["install_namespace"], params["peers"], seen)
    except HubError as exc:
        return None, [cluster_side_failure(spoke, exc)]


# --- waiting ------------------------------------------------------------------------------------


def connections_required(peers):
    """A cluster told it has no peers (``peers=[]``) has no connection to wait for or to judge."""
    return peers is None or len(peers) > 0


def tunnels_blocker(peers, config=None):
    """Blocker for the Submariner CR: None once the gateway runs the SubmarinerConfig's values (``config``) and its
    tunnels are up, or a connection is in an error that waiting will not heal."""

    def blocker(obj):
        if obj is None:
            return "the Submariner CR does not exist yet"
        gateways = (obj.get("status") or {}).get("gateways") or []
        rollout = gateway_rollout_problem(gateways, (config or {}).get("spec") if config else None)
        if rollout:
            return rollout
        evaluation = evaluate_connections(gateways, expected_remotes=peers)
        if evaluation["state"] == CONNECTED or lasting_error(evaluation["connections"]):
            return None
        return "; ".join(entry["message"] for entry in evaluation["problems"]) or evaluation["state"]

    return blocker


def lasting_error(connections):
    """Whether a connection (as evaluate_connections summarizes it) is in an error that waiting will not heal: not one
    to a gateway of another cable driver, which heals once that cluster's gateway pods rolled with the same driver."""
    return any(connection["status"] == ERROR and (connection["diagnosis"] or {}).get("category") != CABLE_DRIVER_MISMATCH
               for connection in connections)


def has_connection_error(submariner):
    """Whether a gateway in the Submariner CR's status reports a connection in error that waiting will not heal."""
    return lasting_error(evaluate_connections((submariner.get("status") or {}).get("gateways") or [])["connections"])


def wait_for_cluster_tunnels(spoke, params, timeout, config=None):
    target = Target(C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND, C.SUBMARINER_CR_NAME, params["install_namespace"])
    return wait_until(spoke, target, tunnels_blocker(params["peers"], config), timeout)


def wait_for_addon(hub, facts, cluster, require_connections, timeout):
    target = Target(addon_api_version(facts), C.MANAGED_CLUSTER_ADDON_KIND, C.ADDON_NAME, cluster)
    obj, dummy = wait_for_evaluation(hub, target, lambda obj: evaluate_addon(obj, require_connections=require_connections), timeout)
    return obj


def wait_for_tunnels(module, hub, spoke, facts, require_connections, clock=time.monotonic, seen=None):
    """Wait on the cluster's Submariner CR, then on the add-on; the WaitTimeout of the last blocker, or None.

    What the waits ended on goes into ``seen`` (``submariner``, ``addon``), so the readout does not read it again.
    """
    deadline = clock() + module.params["wait_timeout"]
    seen = {} if seen is None else seen

    def remaining():
        return max(deadline - clock(), 0)

    try:
        if spoke is not None:
            seen["submariner_config"] = read_submariner_config(hub, facts, module.params["cluster"], module.params["config_name"])
            seen["submariner"] = wait_for_cluster_tunnels(spoke, module.params, remaining(), seen["submariner_config"])
            if has_connection_error(seen["submariner"]):
                return None
        if facts.join_flow == C.JOIN_FLOW_ADDON and facts.managed_cluster_addon_version:
            seen["addon"] = wait_for_addon(hub, facts, module.params["cluster"], require_connections, remaining())
    except WaitTimeout as exc:
        return exc
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


def status_result(cluster, facts, cluster_summary, hub_side, cluster_side, problems, wait_error):
    """The module result, in the order RETURN documents it."""
    cluster_side_or_empty = cluster_side or {}
    result = {
        "changed": False,
        "cluster": cluster,
        "hub": {key: getattr(facts, key) for key in HUB_FACTS_REPORTED},
        "managed_cluster": cluster_summary,
        "cluster_set": hub_side["cluster_set"],
        "submariner_config": hub_side["submariner_config"],
        "addon": hub_side["addon"],
        "join_labels": hub_side["join_labels"],
        "gateway_nodes": cluster_side_or_empty.get("gateway_nodes") or [],
        "gateways": cluster_side_or_empty.get("gateways") or [],
        "connections": cluster_side_or_empty.get("connections") or [],
        "networks": cluster_side_or_empty.get("networks"),
        "health": health(problems, cluster_side, wait_error is not None),
        "problems": problems,
    }
    if wait_error:
        # waiting_for / still_missing let a caller that waits in rounds (plugins/action) print progress.
        result["health"].update(wait_error=str(wait_error), waiting_for=wait_error.details.get("waiting_for"),
                                still_missing=wait_error.details.get("still_missing"))
    return result


def gather(module, hub, spoke, spoke_problem=None, clock=time.monotonic):
    """The module result from a hub client and an optional managed cluster client."""
    params = module.params
    facts = module_hub_facts(module, hub)
    managed = require_managed_cluster(hub, params["cluster"])
    wait_error, seen = None, {}
    if params["wait"]:
        wait_error = wait_for_tunnels(module, hub, spoke, facts, connections_required(params["peers"]), clock, seen)
    summary = managed_cluster_summary(managed)
    summary.pop("claims", None)
    hub_side, problems = read_hub_side(hub, facts, params, managed, summary, seen)
    cluster_side, found = read_cluster_side_if_reachable(spoke, params, seen)
    problems = reported_problems(problems + found + [spoke_problem])
    config = seen.get("submariner_config")
    for line in stale_gateway_instance_types((cluster_side or {}).get("gateway_nodes") or [], (config or {}).get("spec")):
        module.warn("{0}: {1}. The machine-api gives a new instance type only to new Machines: in direct mode site.yml"
                    " replaces them; in addon mode delete each gateway Machine, one at a time (docs/day2.md)".format(params["cluster"], line))
    return status_result(params["cluster"], facts, summary, hub_side, cluster_side, problems, wait_error)


def verify_cluster(module):
    """Run acm.submariner.submariner_info for ``module`` (a k8s.HubModule); return its result."""
    spoke, spoke_problem = connect_cluster(module)
    return gather(module, module.hub, spoke, spoke_problem)

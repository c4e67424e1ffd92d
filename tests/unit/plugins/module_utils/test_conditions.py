# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import conditions as K
from ansible_collections.acm.submariner.plugins.module_utils import constants as C


def cond(type_, status, reason=None, message=None, **extra):
    condition = {"type": type_, "status": status, "lastTransitionTime": "2026-11-25T10:00:00Z"}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    condition.update(extra)
    return condition


def obj(*conditions, generation=None):
    metadata = {"name": "submariner", "namespace": "cluster1"}
    if generation is not None:
        metadata["generation"] = generation
    return {"metadata": metadata, "status": {"conditions": list(conditions)}}


# --- lookup ---------------------------------------------------------------------------------


def test_find_condition_on_object_and_list():
    conditions = [cond("A", "True"), cond("B", "False", "Why")]
    assert K.find_condition(obj(*conditions), "B")["reason"] == "Why"
    assert K.find_condition(conditions, "A")["status"] == "True"
    assert K.find_condition(conditions, "C") is None
    assert K.find_condition(None, "A") is None
    assert K.find_condition({}, "A") is None
    assert K.find_condition({"status": {"conditions": None}}, "A") is None
    assert K.find_condition([None, "junk", cond("A", "True")], "A")["type"] == "A"


@pytest.mark.parametrize("status, asked, expected", [("True", "True", True), ("False", "True", False), ("False", "False", True),
                                                     ("Unknown", "True", False)])
def test_condition_is(status, asked, expected):
    assert K.condition_is([cond("A", status)], "A", asked) is expected


def test_condition_is_missing():
    assert K.condition_is([], "A") is False
    assert K.condition_is([], "A", "False") is False


def test_summarize_conditions():
    summary = K.summarize_conditions(obj(cond("A", "True", "Ok", "fine")))
    assert summary == [{"type": "A", "status": "True", "reason": "Ok", "message": "fine", "last_transition_time": "2026-11-25T10:00:00Z"}]


# --- SubmarinerConfig -----------------------------------------------------------------------

APPLIED = cond(C.COND_CONFIG_APPLIED, "True", "SubmarinerConfigApplied", "SubmarinerConfig was applied")
PREPARED = cond(C.COND_ENV_PREPARED, "True", "SubmarinerClusterEnvPrepared")
PREP_FAILED = cond(C.COND_ENV_PREPARED, "False", "SubmarinerClusterEnvPreparationFailed",
                   "Failed to prepare submariner cluster environment: insufficient number of public subnets (0) to deploy 1 Submariner gateway(s)")
LABELED = cond(C.COND_GATEWAYS_LABELED, "True", "Success", '1 node(s) ("ip-10-0-1-1") are labeled as gateways')
INSUFFICIENT = cond(C.COND_GATEWAYS_LABELED, "False", "InsufficientNodes", "The 0 worker nodes labeled as gateways () does not match the desired number 1")


@pytest.mark.parametrize(
    "conditions, state, blocking, reason",
    [
        ([APPLIED, PREPARED, LABELED], "ready", None, None),
        ([], "waiting", C.COND_CONFIG_APPLIED, None),
        ([APPLIED], "waiting", C.COND_ENV_PREPARED, None),
        ([APPLIED, PREPARED], "waiting", C.COND_GATEWAYS_LABELED, None),
        ([APPLIED, PREPARED, INSUFFICIENT], "waiting", C.COND_GATEWAYS_LABELED, "InsufficientNodes"),
        ([APPLIED, PREP_FAILED, INSUFFICIENT], "failed", C.COND_ENV_PREPARED, "SubmarinerClusterEnvPreparationFailed"),
        # a failure further down beats a condition still missing earlier
        ([PREP_FAILED], "failed", C.COND_ENV_PREPARED, "SubmarinerClusterEnvPreparationFailed"),
        ([APPLIED, PREPARED, cond(C.COND_GATEWAYS_LABELED, "False", "InvalidInput", "gateways < 1")], "failed",
         C.COND_GATEWAYS_LABELED, "InvalidInput"),
        ([APPLIED, PREPARED, cond(C.COND_GATEWAYS_LABELED, "False", "ManagedClusterAddOnDeleted")], "failed",
         C.COND_GATEWAYS_LABELED, "ManagedClusterAddOnDeleted"),
        ([APPLIED, cond(C.COND_ENV_PREPARED, "Unknown"), LABELED], "waiting", C.COND_ENV_PREPARED, None),
    ],
)
def test_evaluate_submariner_config(conditions, state, blocking, reason):
    evaluation = K.evaluate_submariner_config(obj(*conditions))
    assert evaluation.state == state
    assert evaluation.condition == blocking
    assert evaluation.reason == reason
    assert evaluation.ready is (state == "ready")
    assert len(evaluation.conditions) == len(conditions)


def test_evaluate_submariner_config_messages():
    missing = K.evaluate_submariner_config(obj(APPLIED))
    assert missing.message == "condition SubmarinerClusterEnvironmentPrepared is not reported yet"
    failed = K.evaluate_submariner_config(obj(APPLIED, PREP_FAILED))
    assert "insufficient number of public subnets" in failed.message
    assert failed.describe().startswith("failed: SubmarinerClusterEnvironmentPrepared (SubmarinerClusterEnvPreparationFailed): Failed")
    assert K.evaluate_submariner_config(obj(APPLIED, PREPARED, LABELED)).describe() == "ready"


def test_evaluate_submariner_config_absent():
    evaluation = K.evaluate_submariner_config(None)
    assert evaluation.state == "waiting"
    assert evaluation.reason == "NotFound"


def test_evaluate_submariner_config_without_cloud_prepare():
    assert K.evaluate_submariner_config(obj(APPLIED, LABELED), cloud_prepare=False).ready
    assert not K.evaluate_submariner_config(obj(APPLIED, LABELED)).ready
    assert K.evaluate_submariner_config(obj(APPLIED, PREP_FAILED, LABELED), cloud_prepare=False).state == "failed"


def test_acm_22_label_flow_never_reports_gateways_labeled():
    assert K.evaluate_submariner_config(obj(APPLIED, PREPARED), join_flow=C.JOIN_FLOW_LABELS).ready
    assert K.evaluate_submariner_config(obj(APPLIED), cloud_prepare=False, join_flow=C.JOIN_FLOW_LABELS).ready
    waiting = K.evaluate_submariner_config(obj(APPLIED, PREPARED), join_flow=C.JOIN_FLOW_ADDON)
    assert waiting.state == "waiting" and waiting.condition == C.COND_GATEWAYS_LABELED


def test_acm_22_label_flow_still_judges_a_reported_gateways_labeled():
    bad = cond(C.COND_GATEWAYS_LABELED, "False", "InvalidInput", "gateways < 1")
    failed = K.evaluate_submariner_config(obj(APPLIED, PREPARED, bad), join_flow=C.JOIN_FLOW_LABELS)
    assert failed.state == "failed" and failed.condition == C.COND_GATEWAYS_LABELED
    assert K.evaluate_submariner_config(obj(APPLIED, PREPARED, INSUFFICIENT), join_flow=C.JOIN_FLOW_LABELS).state == "waiting"
    assert K.evaluate_submariner_config(None, join_flow=C.JOIN_FLOW_LABELS).reason == "NotFound"


@pytest.mark.parametrize(
    "cloud_prepare, join_flow, optional",
    [
        (True, C.JOIN_FLOW_ADDON, set()),
        (False, C.JOIN_FLOW_ADDON, {C.COND_ENV_PREPARED}),
        (True, C.JOIN_FLOW_LABELS, {C.COND_GATEWAYS_LABELED}),
        (False, C.JOIN_FLOW_LABELS, {C.COND_ENV_PREPARED, C.COND_GATEWAYS_LABELED}),
    ],
)
def test_submariner_config_rules(cloud_prepare, join_flow, optional):
    rules = K.submariner_config_rules(cloud_prepare, join_flow)
    assert [rule.type for rule in rules] == [rule.type for rule in K.SUBMARINER_CONFIG_RULES]
    assert {rule.type for rule in rules if rule.optional} == optional
    assert [rule.failed_reasons for rule in rules] == [rule.failed_reasons for rule in K.SUBMARINER_CONFIG_RULES]
    assert K.submariner_config_rules() == K.SUBMARINER_CONFIG_RULES


@pytest.mark.parametrize(
    "observed, generation, ready",
    [(None, 3, True), (3, 3, True), (4, 3, True), (2, 3, False), (2, None, True)],
)
def test_stale_observed_generation_is_not_ready(observed, generation, ready):
    extra = {} if observed is None else {"observedGeneration": observed}
    conditions = [dict(APPLIED, **extra), dict(PREPARED, **extra), dict(LABELED, **extra)]
    evaluation = K.evaluate_submariner_config(obj(*conditions, generation=generation))
    assert evaluation.ready is ready
    if not ready:
        assert "generation 2" in evaluation.message and "generation 3" in evaluation.message


def test_evaluation_as_dict_is_plain_data():
    data = K.evaluate_submariner_config(obj(APPLIED, PREP_FAILED)).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"state", "condition", "reason", "message", "conditions"}


# --- ManagedClusterAddOn ------------------------------------------------------------------------

HEALTHY_ADDON = [
    cond(C.COND_BROKER_CONFIG_APPLIED, "True", "BrokerConfigApplied"),
    cond(C.COND_GATEWAY_NODES_LABELED, "True", "SubmarinerGatewayNodesLabeled"),
    cond(C.COND_AGENT_DEGRADED, "False", "SubmarinerAgentDeployed"),
    cond(C.COND_CONNECTION_DEGRADED, "False", "ConnectionsEstablished"),
    cond(C.COND_ROUTE_AGENT_CONNECTION_DEGRADED, "False", "ConnectionsEstablished"),
    cond(C.COND_ADDON_AVAILABLE, "True", "ManagedClusterAddOnLeaseUpdated"),
]


def addon_with(**overrides):
    """The healthy addon with some conditions replaced (None removes one)."""
    result = []
    for condition in HEALTHY_ADDON:
        replacement = overrides.get(condition["type"], condition)
        if replacement is not None:
            result.append(replacement)
    return obj(*result)


@pytest.mark.parametrize(
    "overrides, state, blocking, reason",
    [
        ({}, "ready", None, None),
        ({C.COND_BROKER_CONFIG_APPLIED: cond(C.COND_BROKER_CONFIG_APPLIED, "False", "BrokerConfigMissing")},
         "waiting", C.COND_BROKER_CONFIG_APPLIED, "BrokerConfigMissing"),
        ({C.COND_GATEWAY_NODES_LABELED: cond(C.COND_GATEWAY_NODES_LABELED, "False", "UnsupportedOCPVersion")},
         "failed", C.COND_GATEWAY_NODES_LABELED, "UnsupportedOCPVersion"),
        ({C.COND_GATEWAY_NODES_LABELED: cond(C.COND_GATEWAY_NODES_LABELED, "False", "SubmarinerGatewayNodesUnlabeled")},
         "waiting", C.COND_GATEWAY_NODES_LABELED, "SubmarinerGatewayNodesUnlabeled"),
        # inverted polarity: Degraded=True is unhealthy, Degraded=False is healthy
        ({C.COND_AGENT_DEGRADED: cond(C.COND_AGENT_DEGRADED, "True", "CSVNotInstalled,NoOperatorDeployment")},
         "waiting", C.COND_AGENT_DEGRADED, "CSVNotInstalled,NoOperatorDeployment"),
        ({C.COND_CONNECTION_DEGRADED: cond(C.COND_CONNECTION_DEGRADED, "True", "ConnectionsNotEstablished")},
         "waiting", C.COND_CONNECTION_DEGRADED, "ConnectionsNotEstablished"),
        ({C.COND_ROUTE_AGENT_CONNECTION_DEGRADED: cond(C.COND_ROUTE_AGENT_CONNECTION_DEGRADED, "True", "ConnectionsDegraded")},
         "waiting", C.COND_ROUTE_AGENT_CONNECTION_DEGRADED, "ConnectionsDegraded"),
        ({C.COND_ADDON_AVAILABLE: cond(C.COND_ADDON_AVAILABLE, "Unknown", "ManagedClusterAddOnLeaseUpdateStopped")},
         "waiting", C.COND_ADDON_AVAILABLE, "ManagedClusterAddOnLeaseUpdateStopped"),
        # a missing Degraded condition is not healthy ...
        ({C.COND_AGENT_DEGRADED: None}, "waiting", C.COND_AGENT_DEGRADED, None),
        # ... except the route agent's, which older addons do not report
        ({C.COND_ROUTE_AGENT_CONNECTION_DEGRADED: None}, "ready", None, None),
    ],
)
def test_evaluate_addon(overrides, state, blocking, reason):
    evaluation = K.evaluate_addon(addon_with(**overrides))
    assert (evaluation.state, evaluation.condition, evaluation.reason) == (state, blocking, reason)


def test_evaluate_addon_order_reports_the_first_blocking_condition():
    evaluation = K.evaluate_addon(obj())
    assert evaluation.condition == C.COND_BROKER_CONFIG_APPLIED
    assert evaluation.state == "waiting"


def test_evaluate_addon_without_connections_for_a_lone_cluster():
    lone = addon_with(**{C.COND_CONNECTION_DEGRADED: cond(C.COND_CONNECTION_DEGRADED, "True", "ConnectionsNotEstablished",
                                                          "There are no connections on gateways"),
                         C.COND_ROUTE_AGENT_CONNECTION_DEGRADED: None})
    assert not K.evaluate_addon(lone).ready
    assert K.evaluate_addon(lone, require_connections=False).ready


def test_evaluate_addon_absent():
    assert K.evaluate_addon(None).reason == "NotFound"


# --- ManagedCluster -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cluster, state, reason",
    [
        (None, "failed", "NotFound"),
        ({"spec": {"hubAcceptsClient": False}}, "waiting", "HubDoesNotAcceptClient"),
        ({"spec": {"hubAcceptsClient": True}}, "waiting", None),
        ({"spec": {"hubAcceptsClient": True}, "status": {"conditions": [cond(C.COND_CLUSTER_AVAILABLE, "True", "ManagedClusterAvailable")]}},
         "ready", None),
        ({"spec": {"hubAcceptsClient": True}, "status": {"conditions": [cond(C.COND_CLUSTER_AVAILABLE, "Unknown", "ManagedClusterLeaseUpdateStopped")]}},
         "waiting", "ManagedClusterLeaseUpdateStopped"),
    ],
)
def test_evaluate_managed_cluster(cluster, state, reason):
    evaluation = K.evaluate_managed_cluster(cluster)
    assert (evaluation.state, evaluation.reason) == (state, reason)


# --- classification -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason, message, category",
    [
        ("BrokerConfigMissing", None, "broker_missing"),
        (None, 'Waiting for brokers.submariner.io object named "submariner-broker" to be created in "s-broker" namespace', "broker_missing"),
        ("UnsupportedOCPVersion", "OCP version 4.10 is not supported with OVN", "unsupported_ocp_version"),
        (None, "overlapping CIDRs 10.128.0.0/14 detected with remote cluster", "cidr_overlap"),
        ("SubmarinerClusterEnvPreparationFailed",
         "Failed to prepare submariner cluster environment: insufficient number of public subnets (1) to deploy 2 Submariner gateway(s)",
         "insufficient_subnets"),
        ("SubmarinerClusterEnvPreparationFailed", "instance type c5d.large is not offered in us-east-1e", "instance_type_unavailable"),
        (None, "Unsupported: Your requested instance type (m5n.large) is not supported in your requested Availability Zone (us-east-1e).",
         "instance_type_unavailable"),
        (None, "security group cluster1-x7k2p-worker-sg not found", "cloud_resources_not_found"),
        (None, "unable to find VPC cluster1-x7k2p-vpc", "cloud_resources_not_found"),
        (None, "no CredentialsSecret reference provided", "credentials"),
        (None, "the aws credentials key aws_access_key_id is not in secret cluster1/cluster1-aws-creds", "credentials"),
        (None, "AuthFailure: AWS was not able to validate the provided access credentials", "credentials"),
        (None, "UnauthorizedOperation: You are not authorized to perform this operation.", "credentials"),
        (None, "cluster region is empty", "cluster_info_missing"),
        (None, "cluster infraID is empty", "cluster_info_missing"),
        (None, "unsupported vendor OpenShiftDedicated", "unsupported_vendor"),
        ("InvalidInput", "the count of gateways is less than 1", "invalid_gateways"),
        ("InsufficientNodes", "The 0 worker nodes labeled as gateways () does not match the desired number 1", "gateway_not_labeled"),
        ("SubmarinerGatewayNodesUnlabeled", "There are no nodes with label submariner.io/gateway", "gateway_not_labeled"),
        ("ManagedClusterAddOnDeleted", None, "addon_deleted"),
        ("ConnectionsNotEstablished", "There are no connections on gateways", "no_connections"),
        ("ConnectionsDegraded", "Connection to cluster2 is in error state", "ports_blocked"),
        (None, "connecting Failed to successfully establish connection: IKE_SA_INIT timeout", "ports_blocked"),
        ("CSVNotInstalled,NoOperatorDeployment", "The submariner CSV is not installed", "agent_not_deployed"),
        ("NoOperatorDeployment, RouteAgentsUnavailable", None, "agent_not_deployed"),
    ],
)
def test_classify(reason, message, category):
    diagnosis = K.classify(reason, message)
    assert diagnosis is not None, (reason, message)
    assert diagnosis.category == category
    assert diagnosis.summary and diagnosis.hint
    assert "\n" not in diagnosis.hint


@pytest.mark.parametrize("reason, message", [(None, None), ("SomethingElse", "all is fine"), ("", "")])
def test_classify_unknown(reason, message):
    assert K.classify(reason, message) is None


def test_every_category_has_a_distinct_hint():
    hints = [pattern.hint for pattern in K._PATTERNS]
    assert len(hints) == len(set(hints))
    categories = [pattern.category for pattern in K._PATTERNS]
    assert len(categories) == len(set(categories))


def test_classify_evaluation():
    ready = K.evaluate_submariner_config(obj(APPLIED, PREPARED, LABELED))
    assert K.classify_evaluation(ready) is None
    failed = K.evaluate_submariner_config(obj(APPLIED, PREP_FAILED))
    assert K.classify_evaluation(failed).category == "insufficient_subnets"
    missing_broker = K.evaluate_addon(addon_with(**{C.COND_BROKER_CONFIG_APPLIED: cond(C.COND_BROKER_CONFIG_APPLIED, "False", "BrokerConfigMissing")}))
    assert K.classify_evaluation(missing_broker).as_dict()["category"] == "broker_missing"


# --- gateway connections ------------------------------------------------------------------


def endpoint(cluster, hostname="gw", public_ip="3.3.3.3"):
    return {"cluster_id": cluster, "hostname": hostname, "public_ip": public_ip, "private_ip": "10.0.0.5", "backend": "libreswan",
            "cable_name": "submariner-cable-%s" % cluster, "nat_enabled": True, "subnets": []}


def connection(remote, status="connected", message="", using_ip="3.3.3.3", rtt="1.2ms"):
    return {"endpoint": endpoint(remote), "status": status, "statusMessage": message, "usingIP": using_ip, "usingNAT": True,
            "latencyRTT": {"average": rtt, "last": rtt}}


def gateway(local="cluster1", ha="active", connections=(), failure="", name="ip-10-0-1-1"):
    return {
        "apiVersion": C.GATEWAY_API_VERSION, "kind": "Gateway", "metadata": {"name": name, "namespace": "submariner-operator"},
        "status": {"haStatus": ha, "localEndpoint": endpoint(local, name), "connections": list(connections), "statusFailure": failure, "version": "v0.18"},
    }


def test_summarize_connection_connected():
    summary = K.summarize_connection(connection("cluster2"))
    assert summary == {
        "remote_cluster": "cluster2", "remote_hostname": "gw", "remote_public_ip": "3.3.3.3", "remote_private_ip": "10.0.0.5",
        "cable_driver": "libreswan", "status": "connected", "message": "", "using_ip": "3.3.3.3", "using_nat": True,
        "rtt_average": "1.2ms", "rtt_last": "1.2ms", "diagnosis": None,
    }


def test_summarize_connection_connecting_is_diagnosed():
    summary = K.summarize_connection(connection("cluster2", "connecting", "Waiting for IKE_SA_INIT response"))
    assert summary["status"] == "connecting"
    assert summary["diagnosis"]["category"] == "ports_blocked"


def test_summarize_connection_unknown_status():
    assert K.summarize_connection({"endpoint": endpoint("c2"), "status": "weird", "statusMessage": "?"})["status"] == "unknown"


def test_summarize_gateway_from_object_and_from_submariner_status():
    from_object = K.summarize_gateway(gateway(connections=[connection("cluster2")]))
    from_status = K.summarize_gateway(gateway(connections=[connection("cluster2")])["status"])
    assert from_object["name"] == from_status["name"] == "ip-10-0-1-1"
    assert from_object["ha_status"] == "active"
    assert from_object["local_cluster"] == "cluster1"
    assert from_object["status_failure"] is None
    assert from_object["connections"] == from_status["connections"]


@pytest.mark.parametrize(
    "gateways, expected_remotes, state, problem_remotes",
    [
        ([gateway(connections=[connection("c2"), connection("c3")])], ["c2", "c3"], "connected", []),
        ([gateway(connections=[connection("c2"), connection("c3")])], None, "connected", []),
        ([gateway(connections=[connection("c2"), connection("c3", "connecting", "IKE_SA_INIT timed out")])], ["c2", "c3"], "connecting", ["c3"]),
        ([gateway(connections=[connection("c2", "error", "overlapping CIDRs")])], ["c2"], "error", ["c2"]),
        ([gateway(connections=[connection("c2")])], ["c2", "c3"], "missing", ["c3"]),
        ([gateway(ha="passive", connections=[])], ["c2"], "error", [None, "c2"]),
        ([], ["c2"], "error", [None, "c2"]),
        # passive gateways are ignored, the active one speaks
        ([gateway(ha="passive", name="gw-b"), gateway(connections=[connection("c2")])], ["c2"], "connected", []),
        ([gateway(connections=[connection("c2")], failure="Error creating cable driver")], ["c2"], "connected", [None]),
    ],
)
def test_evaluate_connections(gateways, expected_remotes, state, problem_remotes):
    result = K.evaluate_connections(gateways, expected_remotes)
    assert result["state"] == state
    assert [p["remote_cluster"] for p in result["problems"]] == problem_remotes
    json.dumps(result)


def test_evaluate_connections_diagnoses():
    result = K.evaluate_connections([gateway(connections=[connection("c2", "error", "overlapping CIDRs 10.128.0.0/14")])], ["c2", "c3"])
    assert result["missing_remotes"] == ["c3"]
    assert result["problems"][0]["diagnosis"]["category"] == "cidr_overlap"
    assert result["problems"][1]["diagnosis"] is None
    no_gateway = K.evaluate_connections([], None)
    assert no_gateway["problems"][0]["diagnosis"]["category"] == "gateway_not_labeled"


def test_describe_a_missing_object():
    assert K.evaluate_addon(None).describe() == "waiting: object (NotFound): the ManagedClusterAddOn does not exist"


# --- the spoke's clean-up evidence (uninstall on ACM >= 2.8) --------------------------------


def _uninstall_config(*conditions, platform="AWS"):
    config = obj(*conditions)
    config["status"]["managedClusterInfo"] = {"platform": platform}
    return config


DELETING_ADDON = {"metadata": {"name": "submariner", "namespace": "cluster1", "deletionTimestamp": "2026-12-06T02:00:00Z"}}


@pytest.mark.parametrize("config, addon, state", [
    (None, None, K.READY),
    (_uninstall_config(cond(C.COND_GATEWAYS_LABELED, "False", "ManagedClusterAddOnDeleted")), None, K.READY),
    (_uninstall_config(cond(C.COND_GATEWAYS_LABELED, "True", "Success"), platform=""), DELETING_ADDON, K.READY),
    (_uninstall_config(cond(C.COND_GATEWAYS_LABELED, "True", "Success")), DELETING_ADDON, K.WAITING),
    (_uninstall_config(cond(C.COND_GATEWAYS_LABELED, "True", "Success")), None, K.WAITING),
    (_uninstall_config(cond(C.COND_GATEWAYS_LABELED, "False", "Failure", "boom")), None, K.FAILED),
    (_uninstall_config(cond(C.COND_GATEWAYS_LABELED, "True", "Success")), {"metadata": {"name": "submariner"}}, K.FAILED),
    (_uninstall_config(cond(C.COND_CONFIG_APPLIED, "True", "SubmarinerConfigApplied")), None, K.READY),
    (_uninstall_config(cond(C.COND_ENV_PREPARED, "True", "SubmarinerClusterEnvPrepared")), None, K.WAITING),
])
def test_spoke_cleanup_evidence(config, addon, state):
    assert K.evaluate_spoke_cleanup(config, addon, "cluster1").state == state


def test_spoke_cleanup_messages_name_the_cluster_and_the_leftovers():
    config = _uninstall_config(cond(C.COND_GATEWAYS_LABELED, "True", "Success", "1 node(s) (\"n1\") are labeled as gateways"),
                               cond(C.COND_ENV_PREPARED, "True", "SubmarinerClusterEnvPrepared"))
    assert "cluster1" in K.evaluate_spoke_cleanup(config, DELETING_ADDON, "cluster1").describe()
    left = K.cleanup_leftovers(config)
    assert any("gateway security group" in item for item in left) and any("n1" in item for item in left)
    done = _uninstall_config(cond(C.COND_GATEWAYS_LABELED, "False", "ManagedClusterAddOnDeleted", "There are no nodes labeled as gateways"))
    assert K.cleanup_leftovers(done) == []


def driver_gateway(driver, port="4500", connections=()):
    found = gateway(connections=connections)
    found["status"]["localEndpoint"].update(backend=driver, backend_config={"udp-port": port})
    return found


def remote_on(driver, status):
    found = connection("cluster2", status=status)
    found["endpoint"]["backend"] = driver
    return found


def test_a_connection_to_a_gateway_of_another_cable_driver_is_diagnosed_as_such():
    summary = K.summarize_gateway(driver_gateway("vxlan", connections=[remote_on("libreswan", "error")]))
    assert (summary["cable_driver"], summary["nat_t_port"]) == ("vxlan", 4500)
    assert summary["connections"][0]["diagnosis"] == {
        "category": "cable_driver_mismatch", "summary": "the gateways run different cable drivers (vxlan here, libreswan there)",
        "hint": "give every cluster of the set the same cable driver (acm_submariner_cable_driver, SubmarinerConfig cableDriver)"}
    # connected to another driver cannot happen; a connected one is never re-diagnosed
    assert K.summarize_gateway(driver_gateway("vxlan", connections=[remote_on("vxlan", "error")]))["connections"][0]["diagnosis"] != \
        summary["connections"][0]["diagnosis"]


@pytest.mark.parametrize("spec, driver, port, expected", [
    ({}, "libreswan", "4500", None),
    ({"cableDriver": "vxlan"}, "vxlan", "4500", None),
    ({"cableDriver": "vxlan"}, "libreswan", "4500", "still runs cable driver libreswan (the SubmarinerConfig asks for vxlan)"),
    ({"IPSecNATTPort": 4501}, "libreswan", "4500", "still runs NAT-T port 4500 (the SubmarinerConfig asks for 4501)"),
    ({"cableDriver": "VXLAN", "IPSecNATTPort": 4501}, "vxlan", None, None),      # a gateway that announces no port is not judged on it
    (None, "libreswan", "4500", None),
])
def test_gateway_rollout_problem(spec, driver, port, expected):
    found = K.gateway_rollout_problem([driver_gateway(driver, port)], spec)
    if expected is None:
        assert found is None
    else:
        assert expected in found and found.startswith("the active gateway ip-10-0-1-1") and "not restarted" in found
    assert K.gateway_rollout_problem([gateway(ha="passive")], {"cableDriver": "vxlan"}) is None

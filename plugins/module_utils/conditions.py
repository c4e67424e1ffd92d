# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One place that knows what "healthy" means, and how to explain what is not.

Module waits, ``submariner_info`` and the verify role all evaluate conditions through these
functions, so a SubmarinerConfig, a ManagedClusterAddOn or a gateway connection is judged the
same way everywhere. States:

``ready``
    every rule holds.
``waiting``
    progressing normally (a condition not reported yet, ``InsufficientNodes`` while the gateway
    machine boots, an agent still deploying).
``failed``
    the controller reported an error. Controllers retry, so a waiter may keep waiting, but it
    must report this reason rather than a bare timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.resources import GATEWAY_POD_FIELDS

READY = "ready"
WAITING = "waiting"
FAILED = "failed"


# --- lookup ---------------------------------------------------------------------------------


def conditions_of(obj_or_conditions: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> list[Mapping[str, Any]]:
    """The condition list of an object (``status.conditions``), or the list itself."""
    if not obj_or_conditions:
        return []
    if isinstance(obj_or_conditions, Mapping):
        conditions = (obj_or_conditions.get("status") or {}).get("conditions") or []
    else:
        conditions = obj_or_conditions
    return [condition for condition in conditions if isinstance(condition, Mapping)]


def find_condition(obj_or_conditions: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None, condition_type: str) -> Mapping[str, Any] | None:
    """The condition of ``condition_type`` on an object or in a condition list, or None."""
    return next((c for c in conditions_of(obj_or_conditions) if c.get("type") == condition_type), None)


def condition_is(obj_or_conditions: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None, condition_type: str, status: str = "True") -> bool:
    """Whether the condition exists with the given status (``"True"``, ``"False"``, ``"Unknown"``)."""
    condition = find_condition(obj_or_conditions, condition_type)
    return condition is not None and condition.get("status") == status


def summarize_conditions(obj_or_conditions: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Each condition's ``type``, ``status``, ``reason``, ``message`` and ``last_transition_time``."""
    return [
        {
            "type": c.get("type"),
            "status": c.get("status"),
            "reason": c.get("reason"),
            "message": c.get("message"),
            "last_transition_time": c.get("lastTransitionTime"),
        }
        for c in conditions_of(obj_or_conditions)
    ]


# --- rules and evaluation -------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionRule:
    """A condition that must have ``healthy_status``.

    ``failed_reasons`` turn an unhealthy value into ``failed`` instead of ``waiting``;
    ``optional`` rules pass when the condition is absent (older addons do not report it).
    """

    type: str
    healthy_status: str = "True"
    failed_reasons: frozenset[str] = frozenset()
    optional: bool = False


@dataclass(frozen=True)
class Evaluation:
    """Result of evaluating rules: the state and the condition that holds it back."""

    state: str
    condition: str | None = None
    reason: str | None = None
    message: str | None = None
    conditions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.state == READY

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """One line for error messages, e.g. ``SubmarinerGatewaysLabeled=False (InsufficientNodes): ...``."""
        if self.ready:
            return "ready"
        text = "%s: %s" % (self.state, self.condition or "object")
        if self.reason:
            text += " (%s)" % self.reason
        if self.message:
            text += ": %s" % self.message
        return text


SUBMARINER_CONFIG_RULES = (
    ConditionRule(C.COND_CONFIG_APPLIED),
    ConditionRule(C.COND_ENV_PREPARED, failed_reasons=frozenset({"SubmarinerClusterEnvPreparationFailed"})),
    ConditionRule(C.COND_GATEWAYS_LABELED, failed_reasons=frozenset({"InvalidInput", "Failure", "ManagedClusterAddOnDeleted"})),
)

ADDON_RULES = (
    ConditionRule(C.COND_BROKER_CONFIG_APPLIED),
    ConditionRule(C.COND_GATEWAY_NODES_LABELED, failed_reasons=frozenset({"UnsupportedOCPVersion"})),
    ConditionRule(C.COND_AGENT_DEGRADED, healthy_status="False"),
    ConditionRule(C.COND_CONNECTION_DEGRADED, healthy_status="False"),
    ConditionRule(C.COND_ROUTE_AGENT_CONNECTION_DEGRADED, healthy_status="False", optional=True),
    ConditionRule(C.COND_ADDON_AVAILABLE),
)
CONNECTION_CONDITIONS = frozenset({C.COND_CONNECTION_DEGRADED, C.COND_ROUTE_AGENT_CONNECTION_DEGRADED})

MANAGED_CLUSTER_RULES = (ConditionRule(C.COND_CLUSTER_AVAILABLE),)


def _rule_verdict(rule: ConditionRule, condition: Mapping[str, Any] | None, generation: int | None) -> str:
    if condition is None:
        return READY if rule.optional else WAITING
    observed = condition.get("observedGeneration")
    if generation and observed and observed < generation:
        return WAITING
    if condition.get("status") == rule.healthy_status:
        return READY
    if condition.get("reason") in rule.failed_reasons:
        return FAILED
    return WAITING


def _not_yet_message(rule: ConditionRule, condition: Mapping[str, Any] | None, generation: int | None) -> str | None:
    if condition is None:
        return "condition %s is not reported yet" % rule.type
    observed = condition.get("observedGeneration")
    if generation and observed and observed < generation:
        return "condition %s was reported for generation %s, the object is at generation %s" % (rule.type, observed, generation)
    return condition.get("message")


def evaluate_conditions(
    obj_or_conditions: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    rules: Iterable[ConditionRule],
    generation: int | None = None,
) -> Evaluation:
    """Evaluate ``rules`` in order.

    The first ``failed`` rule wins over the first ``waiting`` one, as it explains more. A
    condition whose ``observedGeneration`` is older than ``generation`` (taken from the object's
    ``metadata.generation`` when an object is given) counts as not reported yet.
    """
    if generation is None and isinstance(obj_or_conditions, Mapping):
        generation = (obj_or_conditions.get("metadata") or {}).get("generation")
    conditions = conditions_of(obj_or_conditions)
    summary = summarize_conditions(conditions)
    first_waiting: Evaluation | None = None
    for rule in rules:
        condition = find_condition(conditions, rule.type)
        verdict = _rule_verdict(rule, condition, generation)
        if verdict == READY:
            continue
        blocking = Evaluation(
            state=verdict,
            condition=rule.type,
            reason=(condition or {}).get("reason"),
            message=_not_yet_message(rule, condition, generation),
            conditions=summary,
        )
        if verdict == FAILED:
            return blocking
        first_waiting = first_waiting or blocking
    return first_waiting or Evaluation(state=READY, conditions=summary)


def submariner_config_rules(cloud_prepare: bool = True, join_flow: str = C.JOIN_FLOW_ADDON) -> tuple[ConditionRule, ...]:
    """:data:`SUBMARINER_CONFIG_RULES` for one cluster and hub.

    Without cloud preparation no environment is prepared, so ``SubmarinerClusterEnvironmentPrepared``
    becomes optional. On the ACM 2.2 label join flow (``join_flow="labels"``) no spoke agent labels
    gateways, so ``SubmarinerGatewaysLabeled`` is never reported and becomes optional too. An
    optional condition that is reported still counts.
    """
    optional = set()
    if not cloud_prepare:
        optional.add(C.COND_ENV_PREPARED)
    if join_flow == C.JOIN_FLOW_LABELS:
        optional.add(C.COND_GATEWAYS_LABELED)
    return tuple(replace(rule, optional=True) if rule.type in optional else rule for rule in SUBMARINER_CONFIG_RULES)


def evaluate_submariner_config(obj: Mapping[str, Any] | None, cloud_prepare: bool = True, join_flow: str = C.JOIN_FLOW_ADDON) -> Evaluation:
    """Readiness of a SubmarinerConfig: applied, environment prepared, gateways labelled.

    ``cloud_prepare=False`` (``skip-cloud-prepare``, platforms without a provider) and
    ``join_flow="labels"`` (ACM 2.2) relax the rules as :func:`submariner_config_rules` says.
    """
    if not obj:
        return Evaluation(state=WAITING, condition=None, reason="NotFound", message="the SubmarinerConfig does not exist")
    return evaluate_conditions(obj, submariner_config_rules(cloud_prepare, join_flow))


def evaluate_spoke_cleanup(config: Mapping[str, Any] | None, addon: Mapping[str, Any] | None, cluster: str) -> Evaluation:
    """Whether the spoke agent of ``cluster`` finished its cloud clean-up, so its SubmarinerConfig may go (ACM >= 2.8).

    From ACM 2.8 nothing on the hub holds the SubmarinerConfig or the add-on for the spoke
    (stolostron/submariner-addon release-2.8 dropped the config finalizer; the hub removes the add-on
    finalizer once the ManifestWork is gone). The spoke agent cleans up only while the add-on is being
    deleted and the config exists, then writes ``SubmarinerGatewaysLabeled`` False with reason
    ``ManagedClusterAddOnDeleted`` (``Failure`` and the error otherwise): that is the only evidence.
    Without ``status.managedClusterInfo.platform`` the agent does nothing, and there is nothing to clean;
    nor when no agent ever reported on the config (neither ``SubmarinerClusterEnvironmentPrepared`` nor
    ``SubmarinerGatewaysLabeled``: the add-on never ran, e.g. a run that stopped before the join).
    """
    if not config:
        return Evaluation(state=READY)
    summary = summarize_conditions(config)
    condition = find_condition(config, C.COND_GATEWAYS_LABELED) or {}
    if condition.get("reason") == C.REASON_ADDON_DELETED:
        return Evaluation(state=READY, conditions=summary)
    if not ((config.get("status") or {}).get("managedClusterInfo") or {}).get("platform"):
        return Evaluation(state=READY, reason="NoManagedClusterInfo", conditions=summary,
                          message="the addon never read the cluster's platform, so the spoke prepared nothing")
    if not condition and find_condition(config, C.COND_ENV_PREPARED) is None:
        return Evaluation(state=READY, reason="NeverPrepared", conditions=summary,
                          message="no spoke agent ever acted on this SubmarinerConfig, so there is nothing to clean")
    if addon and not (addon.get("metadata") or {}).get("deletionTimestamp"):
        return Evaluation(state=FAILED, condition="ManagedClusterAddOn", reason="NotDeleting", conditions=summary,
                          message="the ManagedClusterAddOn submariner of cluster %s is not being deleted: its spoke agent cleans"
                                  " the cloud only while it is; delete it first (acm.submariner.submariner_addon state=absent)" % cluster)
    blocking = Evaluation(state=WAITING, condition=C.COND_GATEWAYS_LABELED, reason=condition.get("reason"), conditions=summary,
                          message="the spoke agent of cluster %s has not reported its cloud clean-up (%s=False/%s) yet" % (
                              cluster, C.COND_GATEWAYS_LABELED, C.REASON_ADDON_DELETED))
    if condition.get("reason") == C.REASON_CLEANUP_FAILURE:
        blocking = replace(blocking, state=FAILED, message="the spoke agent of cluster %s failed to clean up: %s" % (
            cluster, condition.get("message")))
    return blocking


def cleanup_leftovers(config: Mapping[str, Any] | None) -> list[str]:
    """What a SubmarinerConfig's status says is still in place on the spoke and in the cloud."""
    if not config:
        return []
    left = []
    if condition_is(config, C.COND_ENV_PREPARED):
        left.append("what cloud prepare made (gateway security group, its rules, gateway subnet tags, gateway MachineSets"
                    " and their instances)")
    labeled = find_condition(config, C.COND_GATEWAYS_LABELED) or {}
    if labeled.get("reason") != C.REASON_ADDON_DELETED and labeled.get("message"):
        left.append("gateway nodes (%s)" % labeled["message"])
    return left


def evaluate_addon(obj: Mapping[str, Any] | None, require_connections: bool = True) -> Evaluation:
    """Health of the ManagedClusterAddOn ``submariner``.

    Healthy: ``SubmarinerBrokerConfigApplied``, ``SubmarinerGatewayNodesLabeled`` and
    ``Available`` True; ``SubmarinerAgentDegraded``, ``SubmarinerConnectionDegraded`` and
    ``RouteAgentConnectionDegraded`` False (inverted polarity). A lone cluster has no peer, so
    its connections are "degraded" by definition: pass ``require_connections=False`` to wait
    for the deployment only.
    """
    if not obj:
        return Evaluation(state=WAITING, condition=None, reason="NotFound", message="the ManagedClusterAddOn does not exist")
    rules = ADDON_RULES if require_connections else tuple(r for r in ADDON_RULES if r.type not in CONNECTION_CONDITIONS)
    return evaluate_conditions(obj, rules)


def evaluate_managed_cluster(obj: Mapping[str, Any] | None) -> Evaluation:
    """Whether a ManagedCluster is Available (``ManagedClusterConditionAvailable=True``)."""
    if not obj:
        return Evaluation(state=FAILED, condition=None, reason="NotFound", message="the ManagedCluster does not exist")
    if not (obj.get("spec") or {}).get("hubAcceptsClient"):
        return Evaluation(
            state=WAITING, condition=C.COND_HUB_ACCEPTED, reason="HubDoesNotAcceptClient",
            message="spec.hubAcceptsClient is not true", conditions=summarize_conditions(obj),
        )
    return evaluate_conditions(obj, MANAGED_CLUSTER_RULES)


def managed_cluster_lost(obj: Mapping[str, Any] | None, name: str) -> str | None:
    """Why a wait on ManagedCluster ``name``'s behalf can no longer end well: the cluster is gone, or its
    ``ManagedClusterConditionAvailable`` is False or Unknown (its klusterlet stopped renewing its lease, as
    open-cluster-management-io/ocm's registration hub lease controller reports it). None while it is not lost."""
    if obj is None:
        return "ManagedCluster {0} no longer exists".format(name)
    condition = find_condition(obj, C.COND_CLUSTER_AVAILABLE)
    if condition is None or condition.get("status") == "True":
        return None
    return "ManagedCluster {0} is no longer Available ({1} is {2}, reason {3}: {4})".format(
        name, C.COND_CLUSTER_AVAILABLE, condition.get("status"), condition.get("reason") or "none",
        condition.get("message") or "no message")


# --- failure classification -------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnosis:
    """A known failure: a stable ``category``, a one-line ``summary`` and a one-line fix ``hint``."""

    category: str
    summary: str
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Pattern:
    category: str
    summary: str
    hint: str
    reasons: frozenset[str] = frozenset()
    message: re.Pattern[str] | None = None

    def matches(self, reason: str | None, text: str) -> bool:
        return (reason is not None and reason in self.reasons) or (self.message is not None and bool(self.message.search(text)))


def _pattern(category: str, summary: str, hint: str, reasons: Iterable[str] = (), message: str | None = None) -> _Pattern:
    return _Pattern(category, summary, hint, frozenset(reasons), re.compile(message, re.IGNORECASE) if message else None)


# Order matters: the first match wins, so specific causes come before generic symptoms.
_PATTERNS = (
    _pattern(
        "broker_missing", "the Broker CR submariner-broker is missing in the broker namespace",
        "create the Broker submariner-broker in the set's broker namespace (acm.submariner.submariner_broker); ACM >= 2.5 needs it",
        reasons={"BrokerConfigMissing"}, message=r"brokers\.submariner\.io object named",
    ),
    _pattern(
        "unsupported_ocp_version", "OVN-Kubernetes needs OpenShift >= 4.11 for Submariner",
        "upgrade the cluster to OpenShift 4.11 or later, or use a cluster with OpenShiftSDN",
        reasons={"UnsupportedOCPVersion"}, message=r"unsupported ocp version",
    ),
    _pattern(
        "cidr_overlap", "the clusters' pod or service CIDRs overlap",
        "give each cluster distinct clusterNetwork/serviceNetwork CIDRs, or enable Globalnet on the Broker before the first cluster joins",
        message=r"overlap",
    ),
    _pattern(
        "instance_type_unavailable", "the gateway instance type is not offered where the gateway must run",
        "choose an instance type offered in the cluster's availability zones (aws_instance_type), e.g. m5.xlarge or m5n.large",
        message=r"(not offered|instancetypeoffering|instance type .*(not supported|unsupported|unavailable)|"
        r"not supported in your requested availability zone|unsupported: your requested instance type)",
    ),
    _pattern(
        "insufficient_subnets", "fewer usable public subnets than requested gateways",
        "lower gateways, pick an instance type offered in more zones, or list the subnets with the submariner.io/subnet-id-list annotation",
        message=r"insufficient number of public subnets",
    ),
    _pattern(
        "cloud_resources_not_found", "the VPC or a security group of the cluster was not found by name",
        "check the infraID and the OCP >= 4.16 naming (<infraID>-node / -controlplane), or set the vpc-id / *-sg-id annotations",
        message=r"(security group .*not found|unable to find (the )?vpc|no vpc found|vpc .*not found)",
    ),
    _pattern(
        "credentials", "the cloud credentials are missing, incomplete or rejected",
        "create the secret in the cluster namespace with aws_access_key_id and aws_secret_access_key and reference it in credentials_secret",
        message=r"(credentialssecret|credentials key|aws_access_key_id|aws_secret_access_key|authfailure|unauthorizedoperation|"
        r"invalidclienttokenid|signaturedoesnotmatch|accessdenied|not authorized)",
    ),
    _pattern(
        "cluster_info_missing", "the ManagedCluster lacks the region or infraID claim",
        "wait until the klusterlet reports its claims, or check the cluster is an installer-provisioned OpenShift cluster",
        message=r"cluster (region|infraid) is empty",
    ),
    _pattern(
        "unsupported_vendor", "the addon cannot prepare this kind of cluster",
        "prepare the cloud yourself (acm.submariner.aws_cloud_prepare) and set skip_cloud_prepare, or use loadBalancerEnable",
        message=r"unsupported vendor",
    ),
    _pattern(
        "invalid_gateways", "the number of gateways is less than 1",
        "set gateways to 1 or more", reasons={"InvalidInput"}, message=r"count of gateways is less than 1",
    ),
    _pattern(
        "gateway_not_labeled", "no node is labelled as a Submariner gateway yet",
        "wait for the gateway machine to become a Node; otherwise label a worker submariner.io/gateway=true or re-apply gatewayConfig.gateways",
        reasons={"InsufficientNodes", "SubmarinerGatewayNodesUnlabeled", "NoScheduledGateways"},
    ),
    _pattern(
        "addon_deleted", "the ManagedClusterAddOn is being deleted",
        "recreate the ManagedClusterAddOn submariner, or finish the uninstall",
        reasons={"ManagedClusterAddOnDeleted"},
    ),
    _pattern(
        "no_connections", "the gateway has no connections",
        "join at least one more cluster to the same ManagedClusterSet; a lone cluster has no peer",
        reasons={"ConnectionsNotEstablished"}, message=r"no connections on gateways",
    ),
    _pattern(
        "ports_blocked", "a tunnel is not established (firewall or NAT ports)",
        "open UDP NAT-T (4500) and NAT discovery (4490/4900) plus ESP (50) to the gateways, use the same IPSecNATTPort everywhere, "
        "and check with acm.submariner.aws_cloud_prepare_info",
        reasons={"ConnectionsDegraded"},
        message=r"(connecting|ike_sa_init|timed? ?out|no response|unreachable|handshake|retransmit)",
    ),
    _pattern(
        "agent_not_deployed", "Submariner is not (yet) deployed on the managed cluster",
        "check the Subscription and catalog source (subscription_config) and the ManifestWorks in the cluster namespace",
        reasons={"CSVNotInstalled", "NoOperatorDeployment", "NoOperatorAvailable", "NoGatewayDaemonSet", "GatewaysUnavailable",
                 "NoRouteAgentDaemonSet", "RouteAgentsUnavailable", "NoLighthouseAgentDeployment", "NoLighthouseCoreDNSDeployment"},
    ),
)


def classify(reason: str | None = None, message: str | None = None, condition: str | None = None) -> Diagnosis | None:
    """Classify a failure from a condition's reason and message (None when not recognised).

    Comma-joined reasons (as ``SubmarinerAgentDegraded`` writes them) are matched one by one.
    ``condition`` is only used as extra text to match.
    """
    reasons = [part.strip() for part in (reason or "").split(",") if part.strip()] or [None]
    text = " ".join(part for part in (condition, reason, message) if part)
    for pattern in _PATTERNS:
        if any(pattern.matches(one, text) for one in reasons):
            return Diagnosis(pattern.category, pattern.summary, pattern.hint)
    return None


def classify_evaluation(evaluation: Evaluation) -> Diagnosis | None:
    """Classify what holds an :class:`Evaluation` back (None when ready or not recognised)."""
    if evaluation.ready:
        return None
    return classify(evaluation.reason, evaluation.message, evaluation.condition)


# --- gateway connections ------------------------------------------------------------------


CONNECTED = "connected"
CONNECTING = "connecting"
ERROR = "error"
CONNECTION_STATES = (CONNECTED, CONNECTING, ERROR)


def summarize_connection(connection: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of a Gateway's ``status.connections`` in snake_case, with a diagnosis when
    it is not connected."""
    endpoint = connection.get("endpoint") or {}
    rtt = connection.get("latencyRTT") or {}
    status = connection.get("status")
    state = status if status in CONNECTION_STATES else "unknown"
    message = connection.get("statusMessage") or ""
    summary: dict[str, Any] = {
        "remote_cluster": endpoint.get("cluster_id"),
        "remote_hostname": endpoint.get("hostname"),
        "remote_public_ip": endpoint.get("public_ip"),
        "remote_private_ip": endpoint.get("private_ip"),
        "cable_driver": endpoint.get("backend"),
        "status": state,
        "message": message,
        "using_ip": connection.get("usingIP"),
        "using_nat": connection.get("usingNAT"),
        "rtt_average": rtt.get("average"),
        "rtt_last": rtt.get("last"),
        "diagnosis": None,
    }
    if state != CONNECTED:
        diagnosis = classify(None, "%s %s" % (state, message))
        summary["diagnosis"] = diagnosis.as_dict() if diagnosis else None
    return summary


def summarize_gateway(gateway: Mapping[str, Any]) -> dict[str, Any]:
    """A Gateway object (or one entry of the Submariner CR's ``status.gateways``) in snake_case."""
    status = gateway.get("status") if isinstance(gateway.get("status"), Mapping) else gateway
    local = status.get("localEndpoint") or {}
    connections = [summarize_connection(c) for c in status.get("connections") or [] if isinstance(c, Mapping)]
    driver = local.get("backend") or None
    for connection in connections:
        if connection["status"] != CONNECTED and driver and connection["cable_driver"] and connection["cable_driver"] != driver:
            connection["diagnosis"] = cable_driver_mismatch(driver, connection["cable_driver"]).as_dict()
    return {
        "name": (gateway.get("metadata") or {}).get("name") or local.get("hostname"),
        "ha_status": status.get("haStatus"),
        "local_cluster": local.get("cluster_id"),
        "hostname": local.get("hostname"),
        "public_ip": local.get("public_ip"),
        "private_ip": local.get("private_ip"),
        "cable_driver": driver,
        "nat_t_port": _as_port((local.get("backend_config") or {}).get("udp-port")),
        "status_failure": status.get("statusFailure") or None,
        "connections": connections,
    }


CABLE_DRIVER_MISMATCH = "cable_driver_mismatch"


def cable_driver_mismatch(local: str, remote: str) -> Diagnosis:
    """Two gateways of different cable drivers: Submariner never compares them (submariner-io/submariner
    ``pkg/cableengine/cableengine.go`` ``InstallCable``), so the only sign is a tunnel that does not come up."""
    return Diagnosis(CABLE_DRIVER_MISMATCH, "the gateways run different cable drivers (%s here, %s there)" % (local, remote),
                     "give every cluster of the set the same cable driver (acm_submariner_cable_driver, SubmarinerConfig cableDriver)")


def _as_port(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def gateway_rollout_problem(gateways: Iterable[Mapping[str, Any]], config_spec: Mapping[str, Any] | None) -> str | None:
    """Why the active gateway does not run the SubmarinerConfig's cable driver and NAT-T port yet (None when it does, or
    when there is no config or no active gateway to compare). After a change, the add-on, the work agent and the operator
    roll the gateway pods one after the other; until the new pods published their endpoint, the tunnels the status shows
    are the old pods'."""
    if config_spec is None:
        return None
    active = [summarize_gateway(gateway) for gateway in gateways]
    active = [gateway for gateway in active if gateway["ha_status"] == "active"]
    if not active:
        return None
    gateway = active[0]
    wanted_driver = str(config_spec.get("cableDriver") or GATEWAY_POD_FIELDS["cableDriver"][1]).lower()
    wanted_port = _as_port(config_spec.get("IPSecNATTPort")) or GATEWAY_POD_FIELDS["IPSecNATTPort"][1]
    differences = []
    if gateway["cable_driver"] and gateway["cable_driver"] != wanted_driver:
        differences.append("cable driver %s (the SubmarinerConfig asks for %s)" % (gateway["cable_driver"], wanted_driver))
    if gateway["nat_t_port"] is not None and gateway["nat_t_port"] != wanted_port:
        differences.append("NAT-T port %d (the SubmarinerConfig asks for %d)" % (gateway["nat_t_port"], wanted_port))
    if not differences:
        return None
    return "the active gateway %s still runs %s: its pods have not restarted with the new values yet" % (
        gateway["hostname"] or gateway["name"], " and ".join(differences))


def stale_gateway_instance_types(nodes: Iterable[Mapping[str, Any]], config_spec: Mapping[str, Any] | None) -> list[str]:
    """A line per gateway node whose instance type is not the one the SubmarinerConfig asks for. The machine-api gives a
    MachineSet's new template only to new Machines, so after a change the running gateways keep their type until their
    Machines are replaced: nothing is broken, but the change is not finished."""
    wanted = (((config_spec or {}).get("gatewayConfig") or {}).get("aws") or {}).get("instanceType")
    if not wanted:
        return []
    return ["gateway node %s runs %s, not the %s the SubmarinerConfig asks for" % (node["name"], node["instance_type"], wanted)
            for node in nodes if node.get("instance_type") and node["instance_type"] != wanted]


def evaluate_connections(gateways: Iterable[Mapping[str, Any]], expected_remotes: Iterable[str] | None = None) -> dict[str, Any]:
    """Overall connection health of one cluster from its gateways.

    Only the ``active`` gateway carries connections (passive ones stand by). Returns ``state``
    (``connected``, ``connecting``, ``error`` or ``missing``), ``gateways``, ``connections``
    (of the active gateway), ``missing_remotes`` and ``problems`` (one line each, with a
    diagnosis when known).
    """
    summaries = [summarize_gateway(g) for g in gateways]
    active = [g for g in summaries if g["ha_status"] == "active"]
    connections = [c for g in active for c in g["connections"]]
    problems: list[dict[str, Any]] = []
    if not active:
        problems.append({"remote_cluster": None, "message": "no active gateway", "diagnosis": classify("NoScheduledGateways")})
    for gateway in active:
        if gateway["status_failure"]:
            problems.append({"remote_cluster": None, "message": gateway["status_failure"], "diagnosis": classify(None, gateway["status_failure"])})
    for connection in connections:
        if connection["status"] != CONNECTED:
            problems.append({"remote_cluster": connection["remote_cluster"], "message": "%s: %s" % (connection["status"], connection["message"]),
                             "diagnosis": connection["diagnosis"]})
    seen = {c["remote_cluster"] for c in connections}
    missing = sorted(set(expected_remotes or ()) - seen)
    for remote in missing:
        problems.append({"remote_cluster": remote, "message": "no connection to %s" % remote, "diagnosis": None})
    for problem in problems:
        if isinstance(problem["diagnosis"], Diagnosis):
            problem["diagnosis"] = problem["diagnosis"].as_dict()
    return {
        "state": _overall_connection_state(active, connections, missing),
        "gateways": summaries,
        "connections": connections,
        "missing_remotes": missing,
        "problems": problems,
    }


def _overall_connection_state(active: list[dict[str, Any]], connections: list[dict[str, Any]], missing: list[str]) -> str:
    states = {c["status"] for c in connections}
    if not active or ERROR in states or "unknown" in states:
        return ERROR
    if CONNECTING in states:
        return CONNECTING
    if missing:
        return "missing"
    return CONNECTED

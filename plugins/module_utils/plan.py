# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan a ``--check`` run of site.yml prints: per cluster, what would be created or changed on the
hub, on the cluster itself and in AWS, read from what the roles' modules answered in check mode.

A Kubernetes object the server dry-run created has no ``resourceVersion`` (the API server assigns one
only when it stores the object), so it would be created; one with a resourceVersion would be changed.
"""

from __future__ import annotations

CLUSTERSET_LABEL = "cluster.open-cluster-management.io/clusterset"
TITLE = "Plan (check mode): nothing was changed and no report was written. A run without --check would:"


def _name(obj: dict) -> str:
    metadata = obj.get("metadata") or {}
    return f"{metadata['namespace']}/{metadata.get('name')}" if metadata.get("namespace") else str(metadata.get("name"))


def object_step(result, side: str) -> list:
    """``<side>: create|change <Kind> <namespace/name>`` for a hub module's check-mode result that changed."""
    if not _ran(result) or not result.get("changed"):
        return []
    obj = result.get("result") or {}
    if not obj:
        return [f"{side}: change {result.get('name', 'an object')}"]
    verb = "change" if (obj.get("metadata") or {}).get("resourceVersion") else "create"
    return [f"{side}: {verb} {obj.get('kind', 'object')} {_name(obj)}"]


def _ran(result) -> bool:
    return isinstance(result, dict) and bool(result) and not result.get("skipped")


def _ports(rule: dict) -> str:
    protocol, first, last = rule.get("protocol"), rule.get("from_port"), rule.get("to_port")
    if first == last == 0 or first is None:
        return str(protocol)
    return f"{protocol}/{first}" if first == last else f"{protocol}/{first}-{last}"


def _rule(rule: dict) -> str:
    source = rule.get("cidr_ip") or rule.get("source_security_group_id")
    return f"{_ports(rule)} from {source} on {rule.get('security_group_id')}"


def credentials_secret_steps(result) -> list:
    """acm.submariner.aws_credentials_secret's create or rotation; it names the keys, never their values."""
    if not _ran(result) or not result.get("changed"):
        return []
    secret = result.get("secret") or {}
    name = _name(secret) if secret.get("metadata") else "the credentials secret"
    if result.get("rotated"):
        return [f"hub: rotate the AWS keys in Secret {name} ({', '.join(result.get('differing_keys') or [])})"]
    return [f"hub: create Secret {name} from the AWS keys given"]


def cloud_prepare_steps(result, infra_id: str) -> list:
    """AWS steps from acm.submariner.aws_cloud_prepare's ``plan`` (direct preparation)."""
    if not _ran(result):
        return []
    plan = result.get("plan") or {}
    steps = []
    if plan.get("create_security_group"):
        steps.append(f"AWS: create security group {infra_id}-submariner-gw-sg in {result.get('vpc_id')}")
    steps += [f"AWS: allow {_rule(rule)}" for rule in plan.get("authorize") or []]
    steps += [f"AWS: revoke {_rule(rule)}" for rule in plan.get("revoke") or []]
    for change in plan.get("tags") or []:
        if change.get("add"):
            steps.append(f"AWS: tag subnet {change['subnet_id']} with {', '.join(sorted(change['add']))}")
        if change.get("remove"):
            steps.append(f"AWS: remove tags {', '.join(change['remove'])} from subnet {change['subnet_id']}")
    return steps


def machineset_steps(result) -> list:
    if not _ran(result) or not result.get("changed"):
        return []
    steps = [f"cluster: create or change gateway MachineSet {name}" for name in result.get("machinesets") or []]
    for entry in result.get("replaced") or []:
        steps.append(f"cluster: replace gateway Machine {entry['machine']} (instance type from {entry['before']} to {entry['after']}):"
                     " a Machine of the new type starts first, then it goes; the tunnels drop while another gateway takes them over")
    return steps


def pruned_machineset_steps(result) -> list:
    """Direct mode's deletion of the gateways of zones no longer asked for (gateway_machineset prune)."""
    if not _ran(result):
        return []
    return [f"cluster: delete gateway MachineSet {name} (fewer gateways)" for name in result.get("deleted") or []]


def aws_finding_steps(findings) -> list:
    """What the submariner-addon would still do in AWS after the SubmarinerConfig (addon preparation)."""
    return [f"AWS (by the submariner-addon): {finding.get('message')}" for finding in findings or [] if isinstance(finding, dict)]


def gateway_restart_steps(result, peers: list) -> list:
    """The tunnels a cluster drops while its gateway pods restart with the SubmarinerConfig's new values."""
    changes = (result or {}).get("gateway_changes") if _ran(result) else None
    if not changes:
        return []
    what = ", ".join(f"{change['name']} from {change['before']} to {change['after']}" for change in changes)
    tunnels = f"its tunnels to {', '.join(peers)} drop until the new pods run" if peers else "it has no peer yet, so no tunnel drops"
    step = f"cluster: restart the gateway pods ({what}): {tunnels}"
    driver = next((change["after"] for change in changes if change["field"] == "cableDriver"), None)
    if driver and peers:
        step += f", and stay down to any of them that does not run {driver}"
    return [step]


def join_steps(results: dict, hub: dict, cluster: str, cluster_set: str) -> list:
    """The join: the set label and, on ACM 2.3 and later, the ManagedClusterAddOn."""
    if results.get("set_missing"):
        steps = [f"hub: label ManagedCluster {cluster} {CLUSTERSET_LABEL}={cluster_set} (once the set exists)"]
        if hub.get("join_flow") == "addon":
            steps.append(f"hub: create ManagedClusterAddOn {cluster}/submariner")
        return steps
    steps = []
    label = results.get("cluster_set_label")
    if _ran(label) and label.get("changed"):
        steps.append(f"hub: label ManagedCluster {cluster} {CLUSTERSET_LABEL}={cluster_set}")
    return steps + object_step(results.get("addon"), "hub")


def cluster_steps(cluster: str, results: dict, hub: dict, cluster_set: str, peers: list = ()) -> list:
    steps = credentials_secret_steps(results.get("credentials_secret"))
    steps += object_step(results.get("submariner_config"), "hub")
    steps += gateway_restart_steps(results.get("submariner_config"), [peer for peer in peers if peer != cluster])
    steps += cloud_prepare_steps(results.get("cloud_prepare"), results.get("infra_id") or "<infraID>")
    steps += machineset_steps(results.get("gateway_machineset"))
    steps += pruned_machineset_steps(results.get("gateway_prune"))
    steps += aws_finding_steps(results.get("aws_findings"))
    steps += join_steps(results, hub, cluster, cluster_set)
    return list(dict.fromkeys(steps))  # SubmarinerConfig may be answered twice (prepare, then check)


def hub_steps(results: dict, hub: dict, cluster_set: str) -> list:
    steps = object_step(results.get("cluster_set"), "hub")
    broker = results.get("broker")
    if _ran(broker):
        steps += object_step(broker, "hub")
    elif hub.get("broker_cr_required"):
        namespace = (results.get("cluster_set") or {}).get("broker_namespace") or "<broker namespace>"
        steps.append(f"hub: create Broker {namespace}/submariner-broker (once the hub made the set's broker namespace {namespace})")
    return steps


def render(hub_results: dict, cluster_results: dict, hub: dict, cluster_set: str, peers: list = ()) -> list:
    """The plan as lines: a title, then the hub and each cluster with what would be done (or nothing). ``peers``: the set's
    clusters outside the run."""
    lines = [TITLE]
    members = sorted(set(cluster_results) | set(peers))
    sections = [(f"hub (ManagedClusterSet {cluster_set})", hub_steps(hub_results or {}, hub or {}, cluster_set))]
    sections += [(name, cluster_steps(name, results or {}, hub or {}, cluster_set, members)) for name, results in sorted(cluster_results.items())]
    for title, steps in sections:
        lines.append(f"{title}:")
        lines += [f"  - {step}" for step in steps] or ["  - nothing to change"]
    return lines

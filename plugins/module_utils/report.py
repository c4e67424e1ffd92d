# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The verification report: a model built from ``submariner_info`` results, and its renderings.

Pure functions, no cluster access. :func:`build_report` turns one ``submariner_info`` result
per managed cluster into a report model (plain data, JSON-ready); :func:`render_markdown`
writes it as Markdown with a Mermaid topology of clusters, gateways and tunnels;
:func:`render_json` and :func:`summary_table` give the JSON file and the console table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils.cidr import describe_overlap, find_overlaps
from ansible_collections.acm.submariner.plugins.module_utils.conditions import CONNECTED, CONNECTING, ERROR, FAILED, READY, WAITING

# Worst first: the overall verdict is the worst cluster state.
STATE_ORDER = (FAILED, WAITING, READY)
UNKNOWN_CLUSTER = "(unknown cluster)"

MISSING = "missing"  # a tunnel only one of two verified clusters sees
# Worst first, for a tunnel seen from both ends.
TUNNEL_ORDER = (ERROR, "unknown", CONNECTING, MISSING, CONNECTED)

MERMAID_LINK_COLOURS = {CONNECTED: "#2da44e", CONNECTING: "#d29922", MISSING: "#d29922"}
MERMAID_FAILED_COLOUR = "#cf222e"


# --- model ------------------------------------------------------------------------------------


def build_report(
    results: Iterable[Mapping[str, Any]],
    generated_at: str | None = None,
    title: str = "Submariner verification",
) -> dict[str, Any]:
    """The report model from ``submariner_info`` results (one per managed cluster).

    The model holds ``title``, ``generated_at``, ``state`` (worst cluster state), ``hub``
    (from the first result that has it), ``clusters`` (compact, sorted by name), ``tunnels``
    (one per cluster pair, the worse of both ends), ``overlaps`` (CIDR overlaps between
    clusters that do not both use Globalnet) and ``problems`` (every cluster's, with its name).
    """
    results = sorted((r for r in results if r and not r.get("skipped")), key=lambda r: str(_cluster_name(r)))
    clusters = [_cluster_entry(result) for result in results]
    problems = [dict(problem, cluster=cluster["name"]) for cluster in clusters for problem in cluster["problems"]]
    return {
        "title": title,
        "generated_at": generated_at,
        "state": worst_state(cluster["state"] for cluster in clusters),
        "hub": next((dict(r["hub"]) for r in results if r.get("hub")), {}),
        "clusters": clusters,
        "tunnels": tunnels(clusters),
        "overlaps": _overlaps(clusters),
        "problems": problems,
    }


def worst_state(states: Iterable[str]) -> str:
    """``failed`` beats ``waiting`` beats ``ready``; no state at all is ``waiting`` (nothing verified)."""
    seen = set(states)
    if not seen:
        return WAITING
    return next((state for state in STATE_ORDER if state in seen), WAITING)


def _cluster_name(result: Mapping[str, Any]) -> str:
    """The cluster a result is about (the submariner_info action names it on a failed result too)."""
    return result.get("cluster") or UNKNOWN_CLUSTER


def _failure_problems(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A task that failed before it could verify anything: its message is the cluster's one problem."""
    if not result.get("failed") or result.get("problems"):
        return []
    return [{"source": "verify", "message": str(result.get("msg") or "the verification failed without a message")}]


def _cluster_entry(result: Mapping[str, Any]) -> dict[str, Any]:
    health = result.get("health") or {}
    gateways = result.get("gateways") or []
    networks = result.get("networks") or {}
    failure = _failure_problems(result)
    return {
        "name": _cluster_name(result),
        "state": FAILED if failure else (health.get("state") or WAITING),
        "connection_state": health.get("connections"),
        "summary": health.get("summary"),
        "cluster_set": (result.get("cluster_set") or {}).get("name"),
        "broker_namespace": (result.get("cluster_set") or {}).get("broker_namespace"),
        "region": (result.get("managed_cluster") or {}).get("region"),
        "networks": {
            "cluster_cidr": list(networks.get("cluster_cidr") or []),
            "service_cidr": list(networks.get("service_cidr") or []),
            "global_cidr": list(networks.get("global_cidr") or []),
            "network_plugin": networks.get("network_plugin"),
        },
        "gateway_nodes": [dict(node) for node in result.get("gateway_nodes") or []],
        "gateways": [_gateway_entry(gateway) for gateway in gateways],
        "problems": [dict(problem) for problem in result.get("problems") or []] + failure,
    }


def _gateway_entry(gateway: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": gateway.get("name"),
        "ha_status": gateway.get("ha_status"),
        "public_ip": gateway.get("public_ip"),
        "private_ip": gateway.get("private_ip"),
        "connections": [
            {key: connection.get(key) for key in ("remote_cluster", "status", "message", "using_ip", "using_nat", "rtt_average", "cable_driver")}
            for connection in gateway.get("connections") or []
        ],
    }


def active_gateway(cluster: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The cluster's active gateway entry (the one carrying connections), else None."""
    return next((g for g in cluster.get("gateways") or [] if g.get("ha_status") == "active"), None)


def tunnels(clusters: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per pair of clusters with a connection from either end.

    ``status`` is the worse of the two ends (a tunnel is only up when both ends say so);
    ``ends`` keeps each end's view (status, message, RTT) keyed by the local cluster.
    """
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for cluster in clusters:
        gateway = active_gateway(cluster)
        for connection in (gateway or {}).get("connections") or []:
            remote = connection.get("remote_cluster")
            if not remote:
                continue
            key = tuple(sorted((str(cluster["name"]), str(remote))))
            entry = pairs.setdefault(key, {"clusters": list(key), "ends": {}})
            entry["ends"][cluster["name"]] = {
                "status": connection.get("status") or "unknown",
                "message": connection.get("message") or "",
                "rtt_average": connection.get("rtt_average"),
                "using_ip": connection.get("using_ip"),
                "using_nat": connection.get("using_nat"),
            }
    names = {cluster["name"] for cluster in clusters}
    result = []
    for key in sorted(pairs):
        entry = pairs[key]
        statuses = [end["status"] for end in entry["ends"].values()]
        if len(entry["ends"]) < 2 and set(key) <= names:
            statuses.append(MISSING)  # the other end, verified too, does not see this tunnel
        entry["status"] = _worst_tunnel_status(statuses)
        entry["rtt_average"] = next((end["rtt_average"] for end in entry["ends"].values() if end["rtt_average"]), None)
        result.append(entry)
    return result


def _worst_tunnel_status(statuses: Iterable[str]) -> str:
    seen = set(statuses)
    return next((status for status in TUNNEL_ORDER if status in seen), "unknown")


def _overlaps(clusters: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """CIDR overlaps between clusters, skipping pairs where both use Globalnet; unparsable CIDRs are left to the problems."""
    networks = [
        {"name": cluster["name"], "cluster_network": cluster["networks"]["cluster_cidr"],
         "service_network": cluster["networks"]["service_cidr"], "globalnet": bool(cluster["networks"]["global_cidr"])}
        for cluster in clusters
    ]
    globalnet = {entry["name"] for entry in networks if entry["globalnet"]}
    try:
        found = find_overlaps(networks)
    except ValueError:
        return []
    return [overlap for overlap in found if not {overlap["cluster_a"], overlap["cluster_b"]} <= globalnet]


# --- Markdown ---------------------------------------------------------------------------------


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown: verdict, Mermaid topology, summary, tunnels, problems, overlaps."""
    sections = [
        _header(report),
        _topology(report),
        _summary_section(report),
        _tunnels_section(report),
        _problems_section(report),
        _overlaps_section(report),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _header(report: Mapping[str, Any]) -> str:
    hub = report.get("hub") or {}
    lines = ["# %s" % report.get("title", "Submariner verification"), ""]
    lines.append("**Result: %s**" % _verdict(report))
    lines.append("")
    facts = [
        ("Generated", report.get("generated_at")),
        ("ACM", hub.get("acm_version") or hub.get("generation")),
        ("Join flow", hub.get("join_flow")),
        ("Cluster sets", ", ".join(sorted({c["cluster_set"] for c in report.get("clusters") or [] if c.get("cluster_set")}))),
        ("Broker namespaces", ", ".join(sorted({c["broker_namespace"] for c in report.get("clusters") or [] if c.get("broker_namespace")}))),
        ("Managed clusters", str(len(report.get("clusters") or []))),
    ]
    lines.extend("- %s: %s" % (label, _md(value)) for label, value in facts if value)
    return "\n".join(lines)


def _verdict(report: Mapping[str, Any]) -> str:
    clusters = report.get("clusters") or []
    tunnel_list = report.get("tunnels") or []
    up = sum(1 for tunnel in tunnel_list if tunnel["status"] == CONNECTED)
    text = "%s (%d of %d tunnels connected, %d problem(s))" % (report.get("state"), up, len(tunnel_list), len(report.get("problems") or []))
    if not clusters:
        text = "nothing verified (no managed cluster)"
    return text


def _mermaid_id(prefix: str, name: Any) -> str:
    return "%s_%s" % (prefix, re.sub(r"[^A-Za-z0-9_]", "_", str(name)))


def _mermaid_text(value: Any) -> str:
    """Text inside a quoted Mermaid label: quotes and angle brackets as entity codes."""
    return str(value).replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _topology(report: Mapping[str, Any]) -> str:
    clusters = report.get("clusters") or []
    if not clusters:
        return ""
    lines = ["## Topology", "", "```mermaid", "flowchart LR"]
    anchors = {}
    for cluster in clusters:
        lines.extend(_mermaid_cluster(cluster, anchors))
    links = []
    for tunnel in report.get("tunnels") or []:
        first, second = tunnel["clusters"]
        if first not in anchors or second not in anchors:
            continue
        up = tunnel["status"] == CONNECTED
        label = tunnel["status"] + (" " + tunnel["rtt_average"] if up and tunnel.get("rtt_average") else "")
        arrow = "<-->" if up else "<-.->"
        lines.append('  %s %s|"%s"| %s' % (anchors[first], arrow, _mermaid_text(label), anchors[second]))
        links.append(MERMAID_LINK_COLOURS.get(tunnel["status"], MERMAID_FAILED_COLOUR))
    for index, colour in enumerate(links):
        lines.append("  linkStyle %d stroke:%s,stroke-width:2px" % (index, colour))
    lines.append("  classDef ready fill:#dafbe1,stroke:#2da44e")
    lines.append("  classDef waiting fill:#fff8c5,stroke:#d29922")
    lines.append("  classDef failed fill:#ffebe9,stroke:#cf222e")
    lines.append("```")
    return "\n".join(lines)


def _mermaid_cluster(cluster: Mapping[str, Any], anchors: dict[str, str]) -> list[str]:
    """A subgraph per cluster with its gateways; the active gateway (else the first, else a
    "no gateway" node) anchors the cluster's tunnels."""
    name = cluster["name"]
    graph_id = _mermaid_id("cluster", name)
    networks = cluster.get("networks") or {}
    cidrs = ", ".join(networks.get("global_cidr") or (networks.get("cluster_cidr") or []) + (networks.get("service_cidr") or []))
    title = name + (" (%s)" % cidrs if cidrs else "")
    lines = ['  subgraph %s["%s"]' % (graph_id, _mermaid_text(title))]
    node_ids = []
    for gateway in cluster.get("gateways") or []:
        node_id = _mermaid_id("gw_" + _mermaid_id("", name).lstrip("_"), gateway.get("name"))
        address = gateway.get("public_ip") or gateway.get("private_ip") or ""
        label = "%s<br/>%s %s" % (_mermaid_text(gateway.get("name")), gateway.get("ha_status") or "?", _mermaid_text(address))
        lines.append('    %s["%s"]' % (node_id, label.rstrip()))
        node_ids.append((gateway.get("ha_status") == "active", node_id))
    if not node_ids:
        node_ids.append((True, _mermaid_id("nogw", name)))
        lines.append('    %s["no gateway"]' % node_ids[0][1])
    anchors[name] = next((node_id for active, node_id in node_ids if active), node_ids[0][1])
    lines.append("  end")
    lines.append("  class %s %s" % (graph_id, cluster.get("state") if cluster.get("state") in STATE_ORDER else WAITING))
    return lines


def _md(value: Any) -> str:
    """A value inside a Markdown table cell or list item."""
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| %s |" % " | ".join(headers), "|%s|" % "|".join(["---"] * len(headers))]
    lines.extend("| %s |" % " | ".join(_md(cell) for cell in row) for row in rows)
    return "\n".join(lines)


def _summary_section(report: Mapping[str, Any]) -> str:
    rows = [summary_row(cluster) for cluster in report.get("clusters") or []]
    if not rows:
        return ""
    return "## Clusters\n\n" + _table(SUMMARY_HEADERS, rows)


def _tunnels_section(report: Mapping[str, Any]) -> str:
    tunnel_list = report.get("tunnels") or []
    if not tunnel_list:
        return ""
    rows = []
    for tunnel in tunnel_list:
        for local, end in sorted(tunnel["ends"].items()):
            remote = next(name for name in tunnel["clusters"] if name != local) if len(set(tunnel["clusters"])) > 1 else local
            nat = "" if end["using_nat"] is None else ("yes" if end["using_nat"] else "no")
            rows.append((local, remote, end["status"], end["using_ip"], nat, end["rtt_average"], end["message"]))
    return "## Tunnels\n\n" + _table(("From", "To", "Status", "Using IP", "NAT", "RTT (avg)", "Message"), rows)


def _problems_section(report: Mapping[str, Any]) -> str:
    problems = report.get("problems") or []
    if not problems:
        return "## Problems\n\nNone."
    lines = ["## Problems", ""]
    for problem in problems:
        lines.append("- " + describe_problem(problem, with_cluster=True))
    return "\n".join(lines)


def _overlaps_section(report: Mapping[str, Any]) -> str:
    overlaps = report.get("overlaps") or []
    if not overlaps:
        return ""
    lines = ["## Overlapping CIDRs", "",
             "Submariner cannot route between these networks unless Globalnet is enabled before the clusters join:", ""]
    lines.extend("- " + _md(describe_overlap(overlap)) for overlap in overlaps)
    return "\n".join(lines)


def describe_problem(problem: Mapping[str, Any], with_cluster: bool = False) -> str:
    """One line: ``[cluster] source: message (category: summary). Fix: hint``."""
    prefix = "%s: " % problem.get("cluster") if with_cluster and problem.get("cluster") else ""
    source = problem.get("source")
    text = "%s%s%s" % (prefix, "%s: " % source if source else "", problem.get("message") or problem.get("summary") or "unknown problem")
    if problem.get("category"):
        text += " (%s: %s)" % (problem["category"], problem.get("summary"))
        if problem.get("hint"):
            text += ". Fix: %s" % problem["hint"]
    return _md(text)


# --- summary table and JSON ---------------------------------------------------------------------

SUMMARY_HEADERS = ("Cluster", "State", "Gateways", "Connections", "Networks", "Problems")


def summary_row(cluster: Mapping[str, Any]) -> tuple[str, str, str, str, str, str]:
    """The summary cells of one cluster: name, state, gateways, connections, networks, problem count."""
    gateways = cluster.get("gateways") or []
    active = active_gateway(cluster)
    connections = (active or {}).get("connections") or []
    up = sum(1 for connection in connections if connection.get("status") == CONNECTED)
    networks = cluster.get("networks") or {}
    nets = "pods %s, services %s" % (",".join(networks.get("cluster_cidr") or []) or "?", ",".join(networks.get("service_cidr") or []) or "?")
    if networks.get("global_cidr"):
        nets += ", global %s" % ",".join(networks["global_cidr"])
    return (
        str(cluster.get("name")),
        str(cluster.get("state")),
        "%d (%s active)" % (len(gateways), "1" if active else "0"),
        "%d/%d connected" % (up, len(connections)),
        nets,
        str(len(cluster.get("problems") or [])),
    )


def summary_table(report: Mapping[str, Any]) -> str:
    """A fixed-width text table for the console, one row per cluster, then the verdict."""
    rows = [SUMMARY_HEADERS] + [summary_row(cluster) for cluster in report.get("clusters") or []]
    widths = [max(len(row[index]) for row in rows) for index in range(len(SUMMARY_HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append("Result: " + _verdict(report))
    return "\n".join(lines)


def render_json(report: Mapping[str, Any]) -> str:
    """The report model as indented JSON with sorted keys (stable for diffs)."""
    return json.dumps(report, indent=2, sort_keys=True) + "\n"

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import re

from ansible_collections.acm.submariner.plugins.module_utils import report


def connection(remote, status="connected", message="", rtt="1.203ms"):
    return {"remote_cluster": remote, "status": status, "message": message, "using_ip": "54.1.2.3",
            "using_nat": True, "rtt_average": rtt if status == "connected" else None, "cable_driver": "libreswan"}


def result(name, state="ready", connections=(), cidrs=("10.128.0.0/14", "172.30.0.0/16"), global_cidr=(), problems=(), gateways=None):
    if gateways is None:
        gateways = [{"name": "ip-%s-gw" % name, "ha_status": "active", "public_ip": "54.0.0.1", "private_ip": "10.0.0.1",
                     "connections": list(connections)}]
    return {
        "cluster": name,
        "hub": {"acm_version": "2.12.2", "generation": "2.12", "join_flow": "addon", "broker_cr_required": True},
        "managed_cluster": {"region": "eu-west-1"},
        "cluster_set": {"name": "submariner", "broker_namespace": "submariner-broker", "broker_present": True},
        "gateway_nodes": [{"name": "ip-%s-gw" % name, "udp_port": "4500"}],
        "gateways": gateways,
        "networks": {"cluster_cidr": [cidrs[0]], "service_cidr": [cidrs[1]], "global_cidr": list(global_cidr), "network_plugin": "OVNKubernetes"},
        "health": {"state": state, "connections": "connected", "summary": state},
        "problems": list(problems),
    }


PORTS_PROBLEM = {"source": "connection", "state": "waiting", "remote_cluster": "cluster2",
                 "message": "connecting: no response from 54.0.0.2:4500/udp (IKE timed out)",
                 "category": "ports_blocked", "summary": "a tunnel is not established (firewall or NAT ports)", "hint": "open UDP 4500"}


def healthy_pair():
    return [
        result("cluster2", connections=[connection("cluster1")], cidrs=("10.132.0.0/14", "172.31.0.0/16")),
        result("cluster1", connections=[connection("cluster2")]),
    ]


def test_model_sorts_clusters_and_pairs_both_ends_of_a_tunnel():
    model = report.build_report(healthy_pair(), generated_at="2026-11-25T10:00:00Z")
    assert [cluster["name"] for cluster in model["clusters"]] == ["cluster1", "cluster2"]
    assert model["state"] == "ready"
    assert model["hub"]["acm_version"] == "2.12.2"
    assert len(model["tunnels"]) == 1
    tunnel = model["tunnels"][0]
    assert tunnel["clusters"] == ["cluster1", "cluster2"]
    assert tunnel["status"] == "connected"
    assert set(tunnel["ends"]) == {"cluster1", "cluster2"}
    assert tunnel["rtt_average"] == "1.203ms"
    assert model["overlaps"] == []
    assert model["problems"] == []


def test_tunnel_is_as_bad_as_its_worse_end_and_problems_carry_the_cluster():
    results = [
        result("cluster1", state="waiting", connections=[connection("cluster2", "connecting", "IKE timed out")], problems=[PORTS_PROBLEM]),
        result("cluster2", connections=[connection("cluster1")], cidrs=("10.132.0.0/14", "172.31.0.0/16")),
    ]
    model = report.build_report(results)
    assert model["state"] == "waiting"
    assert model["tunnels"][0]["status"] == "connecting"
    assert model["problems"] == [dict(PORTS_PROBLEM, cluster="cluster1")]


def test_a_tunnel_seen_from_one_verified_end_only_is_missing():
    results = [result("cluster1", connections=[connection("cluster2")]),
               result("cluster2", connections=[], cidrs=("10.132.0.0/14", "172.31.0.0/16"))]
    assert report.build_report(results)["tunnels"][0]["status"] == "missing"


def test_a_tunnel_to_a_cluster_outside_the_report_keeps_its_status():
    model = report.build_report([result("cluster1", connections=[connection("elsewhere")])])
    assert model["tunnels"][0]["status"] == "connected"


def test_overlaps_are_reported_unless_both_clusters_use_globalnet():
    overlapping = [result("cluster1", connections=[connection("cluster2", "error", "CIDR overlaps")], state="failed"),
                   result("cluster2", connections=[connection("cluster1", "error", "CIDR overlaps")], state="failed")]
    model = report.build_report(overlapping)
    assert model["state"] == "failed"
    assert {(o["cluster_a"], o["cluster_b"], o["cidr_a"]) for o in model["overlaps"]} >= {("cluster1", "cluster2", "10.128.0.0/14")}
    globalnet = [result("cluster1", global_cidr=["242.0.0.0/16"]), result("cluster2", global_cidr=["242.1.0.0/16"])]
    assert report.build_report(globalnet)["overlaps"] == []


def test_worst_state():
    assert report.worst_state(["ready", "failed", "waiting"]) == "failed"
    assert report.worst_state(["ready", "waiting"]) == "waiting"
    assert report.worst_state(["ready"]) == "ready"
    assert report.worst_state([]) == "waiting"


def test_markdown_has_verdict_topology_tables_and_problems():
    results = [
        result("cluster1", state="waiting", connections=[connection("cluster2", "connecting", "IKE timed out")], problems=[PORTS_PROBLEM]),
        result("cluster2", connections=[connection("cluster1")], cidrs=("10.132.0.0/14", "172.31.0.0/16")),
    ]
    text = report.render_markdown(report.build_report(results, generated_at="2026-11-25T10:00:00Z"))
    assert text.startswith("# Submariner verification\n")
    assert "**Result: waiting (0 of 1 tunnels connected, 1 problem(s))**" in text
    assert "- Generated: 2026-11-25T10:00:00Z" in text
    assert "- Broker namespaces: submariner-broker" in text
    mermaid = re.search(r"```mermaid\n(.*?)```", text, re.S).group(1)
    assert mermaid.startswith("flowchart LR\n")
    assert 'subgraph cluster_cluster1["cluster1 (10.128.0.0/14, 172.30.0.0/16)"]' in mermaid
    assert 'gw_cluster1_ip_cluster1_gw <-.->|"connecting"| gw_cluster2_ip_cluster2_gw' in mermaid
    assert "linkStyle 0 stroke:#d29922" in mermaid
    assert "class cluster_cluster1 waiting" in mermaid and "class cluster_cluster2 ready" in mermaid
    assert mermaid.count("subgraph") == mermaid.count("  end\n")
    assert "| cluster1 | waiting | 1 (1 active) | 0/1 connected |" in text
    assert "| cluster1 | cluster2 | connecting | 54.1.2.3 | yes |  | IKE timed out |" in text
    assert "- cluster1: connection: connecting: no response from 54.0.0.2:4500/udp (IKE timed out) (ports_blocked: a tunnel is not " \
           "established (firewall or NAT ports)). Fix: open UDP 4500" in text


def test_markdown_of_a_healthy_set_says_none_and_uses_solid_green_links():
    text = report.render_markdown(report.build_report(healthy_pair()))
    assert "## Problems\n\nNone." in text
    assert '<-->|"connected 1.203ms"|' in text
    assert "linkStyle 0 stroke:#2da44e" in text
    assert "## Overlapping CIDRs" not in text


def test_markdown_lists_overlaps_and_escapes_table_cells():
    results = [result("cluster1", problems=[dict(PORTS_PROBLEM, message="a | b")]), result("cluster2")]
    text = report.render_markdown(report.build_report(results))
    assert "## Overlapping CIDRs" in text
    assert "- cluster1 cluster_network 10.128.0.0/14 overlaps cluster2 cluster_network 10.128.0.0/14" in text
    assert "a \\| b" in text


def test_mermaid_quotes_and_ids_are_safe_for_odd_names():
    odd = result('we"ird.name', gateways=[{"name": "gw<1>", "ha_status": "passive", "connections": []}])
    text = report.render_markdown(report.build_report([odd]))
    assert 'subgraph cluster_we_ird_name["we#quot;ird.name' in text
    assert 'gw#lt;1#gt;<br/>passive' in text


def test_cluster_without_gateways_is_drawn_and_anchors_its_tunnels():
    lonely = result("cluster1", gateways=[], state="failed")
    text = report.render_markdown(report.build_report([lonely]))
    assert 'nogw_cluster1["no gateway"]' in text


def test_empty_report():
    model = report.build_report([])
    assert model["state"] == "waiting"
    text = report.render_markdown(model)
    assert "nothing verified" in text and "```mermaid" not in text
    assert report.summary_table(model).splitlines()[0].startswith("Cluster")


def test_summary_table_aligns_columns_and_ends_with_the_verdict():
    lines = report.summary_table(report.build_report(healthy_pair())).splitlines()
    assert lines[0].split() == ["Cluster", "State", "Gateways", "Connections", "Networks", "Problems"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("cluster1  ready")
    assert lines[2].index("1/1 connected") == lines[0].index("Connections")
    assert lines[-1] == "Result: ready (1 of 1 tunnels connected, 0 problem(s))"


def test_json_round_trips_with_sorted_keys():
    model = report.build_report(healthy_pair(), generated_at="now")
    text = report.render_json(model)
    assert json.loads(text) == json.loads(json.dumps(model))
    assert text.index('"clusters"') < text.index('"generated_at"') < text.index('"tunnels"')


def test_describe_problem_without_classification():
    assert report.describe_problem({"source": "addon", "message": "the cluster has not joined"}) == "addon: the cluster has not joined"


def test_a_failed_verification_is_a_failed_cluster_in_every_format():
    """verify.yml reports every host's result, a failed task's too (named by the submariner_info action plugin)."""
    failed = {"failed": True, "msg": "hub unreachable", "cluster": "aws-sub2"}
    model = report.build_report([failed, {"skipped": True}])
    [cluster] = model["clusters"]
    assert cluster["name"] == "aws-sub2" and cluster["state"] == "failed" and model["state"] == "failed"
    assert model["problems"] == [{"source": "verify", "message": "hub unreachable", "cluster": "aws-sub2"}]
    assert "aws-sub2" in report.render_markdown(model) and "hub unreachable" in report.render_markdown(model)
    assert json.loads(report.render_json(model))["clusters"][0]["state"] == "failed"
    assert report.summary_table(model).splitlines()[2].startswith("aws-sub2")
    nameless = report.build_report([{"failed": True, "msg": "boom"}])
    assert nameless["clusters"][0]["name"] == report.UNKNOWN_CLUSTER and "boom" in report.render_markdown(nameless)


# --- the report files, written by the action plugin acm.submariner.submariner_report_files -------------------------
def test_report_files_are_written_atomically_with_their_modes_and_never_changed(tmp_path):
    import stat  # pylint: disable=import-outside-toplevel

    from ansible_collections.acm.submariner.plugins.action.submariner_report_files import write_report  # pylint: disable=import-outside-toplevel

    path = str(tmp_path / "reports" / "run1")
    answer = write_report({"results": healthy_pair(), "path": path, "generated_at": "2026-12-07T10:00:00Z"}, check_mode=False)
    assert answer == {"changed": False, "paths": [path + ".md", path + ".json"], "state": "ready"}
    markdown, model = (tmp_path / "reports" / "run1.md").read_text(), json.loads((tmp_path / "reports" / "run1.json").read_text())
    assert markdown.startswith("# Submariner verification") and "2026-12-07T10:00:00Z" in markdown
    assert model["generated_at"] == "2026-12-07T10:00:00Z" and [c["name"] for c in model["clusters"]] == ["cluster1", "cluster2"]
    assert stat.S_IMODE((tmp_path / "reports").stat().st_mode) & 0o755 == 0o755
    assert stat.S_IMODE((tmp_path / "reports" / "run1.md").stat().st_mode) == 0o644
    assert sorted(item.name for item in (tmp_path / "reports").iterdir()) == ["run1.json", "run1.md"]  # no temporary left
    again = write_report({"results": healthy_pair(), "path": path, "formats": ["json"]}, check_mode=False)
    assert again["paths"] == [path + ".json"] and not again["changed"]


def test_report_files_in_check_mode_write_nothing_and_bad_arguments_or_places_fail_clearly(tmp_path):
    import pytest  # pylint: disable=import-outside-toplevel
    from ansible.errors import AnsibleActionFail  # pylint: disable=import-outside-toplevel

    from ansible_collections.acm.submariner.plugins.action.submariner_report_files import write_report  # pylint: disable=import-outside-toplevel

    planned = write_report({"results": healthy_pair(), "path": str(tmp_path / "r" / "x")}, check_mode=True)
    assert planned["paths"] == [str(tmp_path / "r" / "x.md"), str(tmp_path / "r" / "x.json")] and not (tmp_path / "r").exists()
    with pytest.raises(AnsibleActionFail, match="formats"):
        write_report({"results": [], "path": str(tmp_path / "y"), "formats": ["html"]}, check_mode=False)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(AnsibleActionFail, match="cannot write the report .*verify_report_dir"):
        write_report({"results": healthy_pair(), "path": str(blocker / "sub" / "x")}, check_mode=False)

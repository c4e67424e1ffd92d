# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/verify.yml (the verify role and submariner_info) against the lab.

The clusters are joined here with plain API objects, as the ACM documentation's manual steps do,
so that these tests depend on the lab and the verify code only. Cases: connected, a closed NAT-T
port (the rule revoked in EC2), and overlapping CIDRs.
"""

from __future__ import annotations

import json
import time

import pytest
from kubernetes.dynamic.exceptions import ConflictError

from tests.lab.fixtures import dynamic_client
from tests.lab.runtime import REPO_ROOT

pytestmark = pytest.mark.lab

VERIFY = REPO_ROOT / "playbooks" / "verify.yml"
SET = "submariner"
BROKER_NAMESPACE = "submariner-broker"
JOIN_TIMEOUT = 60
INFO_TASK = "acm.submariner.verify : Gather the Submariner state of the cluster from the hub and from the cluster itself"


def apply(client, obj):
    resource = client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    namespace = obj["metadata"].get("namespace")
    try:
        resource.create(body=obj, namespace=namespace)
    except ConflictError:
        resource.patch(body=obj, name=obj["metadata"]["name"], namespace=namespace, content_type="application/merge-patch+json")


def managed_clusters(lab):
    hub = dynamic_client(lab)
    return sorted(item.metadata.name for item in hub.resources.get(api_version="cluster.open-cluster-management.io/v1", kind="ManagedCluster").get().items)


def wait_for(predicate, what, timeout=JOIN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def join_all(lab):
    """The documented manual steps on ACM 2.12: set, Broker, label, SubmarinerConfig, ManagedClusterAddOn."""
    hub = dynamic_client(lab)
    apply(hub, {"apiVersion": "cluster.open-cluster-management.io/v1beta2", "kind": "ManagedClusterSet", "metadata": {"name": SET},
                "spec": {"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}})
    namespaces = hub.resources.get(api_version="v1", kind="Namespace")
    wait_for(lambda: any(item.metadata.name == BROKER_NAMESPACE for item in namespaces.get().items), "the broker namespace")
    apply(hub, {"apiVersion": "submariner.io/v1alpha1", "kind": "Broker", "metadata": {"name": "submariner-broker", "namespace": BROKER_NAMESPACE},
                "spec": {}})
    for cluster in managed_clusters(lab):
        apply(hub, {"apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
                    "metadata": {"name": cluster, "labels": {"cluster.open-cluster-management.io/clusterset": SET}}})
        apply(hub, {"apiVersion": "submarineraddon.open-cluster-management.io/v1alpha1", "kind": "SubmarinerConfig",
                    "metadata": {"name": "submariner", "namespace": cluster},
                    "spec": {"credentialsSecret": {"name": cluster + "-aws-creds"}, "gatewayConfig": {"gateways": 1}}})
        apply(hub, {"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ManagedClusterAddOn",
                    "metadata": {"name": "submariner", "namespace": cluster}, "spec": {"installNamespace": "submariner-operator"}})


def gateway_states(lab):
    states = {}
    for context in lab.spokes:
        gateways = dynamic_client(lab, context).resources.get(api_version="submariner.io/v1", kind="Gateway").get(namespace="submariner-operator")
        states[context] = [c["status"] for item in gateways.to_dict()["items"] for c in (item.get("status") or {}).get("connections") or []]
    return states


def run_verify(lab, run_playbook, tmp_path, check=False, **extra_vars):
    report_dir = tmp_path / "report"
    variables = {"verify_report_dir": str(report_dir), "verify_wait_timeout": 30}
    variables.update(extra_vars)
    result = run_playbook(lab, VERIFY, inventory=lab.state_dir / "inventory.yml", extra_vars=variables, check=check)
    if check:
        return result, None, None
    report = json.loads((report_dir / "submariner-report.json").read_text(encoding="utf-8"))
    markdown = (report_dir / "submariner-report.md").read_text(encoding="utf-8")
    return result, report, markdown


def failure_messages(result):
    return [r["result"].get("msg", "") for r in result.results if r["result"].get("failed")]


def assert_the_wait_ended_in_its_first_round(result, why):
    """The wait stopped without a second round: no progress line, and no cluster's health timed out.

    Evidence from the run itself, not from a clock: the action plugin prints a progress line before
    every further round (plugins/plugin_utils/wait_rounds.py), so none means it never waited on.
    """
    progress = [line for line in result.stderr.splitlines() if "waiting for" in line and "s elapsed" in line]
    assert not progress, "%s: the wait must stop at once, yet it went on:\n%s" % (why, "\n".join(progress))
    infos = [r["result"] for r in result.results if r["task"] == INFO_TASK]
    assert infos, "no %r result" % INFO_TASK
    for info in infos:
        assert not (info.get("health") or {}).get("timed_out"), "%s: %s" % (why, info["health"])


@pytest.fixture(name="joined_lab")
def joined_lab_fixture(lab_factory):
    lab = lab_factory.get("acm-2.12", overlap=False)
    join_all(lab)
    wait_for(lambda: all(states == ["connected"] for states in gateway_states(lab).values()), "connected tunnels")
    return lab


def nat_t_rule(lab, cluster):
    ec2 = lab.ec2()
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["%s-*-submariner-gw-sg" % cluster]}])["SecurityGroups"]
    assert groups, "no gateway security group for %s" % cluster
    permission = {"IpProtocol": "udp", "FromPort": 4500, "ToPort": 4500, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    return ec2, groups[0]["GroupId"], permission


def test_connected_clusters_pass_and_get_a_report(joined_lab, run_playbook, tmp_path):
    result, report, markdown = run_verify(joined_lab, run_playbook, tmp_path)
    result.check()
    clusters = managed_clusters(joined_lab)
    assert report["state"] == "ready"
    assert [c["name"] for c in report["clusters"]] == clusters
    assert [t["status"] for t in report["tunnels"]] == ["connected"]
    assert report["problems"] == [] and report["overlaps"] == []
    assert report["hub"]["join_flow"] == "addon"
    assert "```mermaid" in markdown and "<-->" in markdown
    summary = result.task("acm.submariner.verify : Print the summary")["msg"]
    assert any(line.startswith(clusters[0]) and "1/1 connected" in line for line in summary)
    info = result.task(INFO_TASK)
    assert info["changed"] is False and info["health"]["state"] == "ready"
    assert info["gateway_nodes"] and info["gateway_nodes"][0]["udp_port"] == "4500"


def test_closed_nat_t_port_fails_with_the_classified_reason(joined_lab, run_playbook, tmp_path):
    clusters = managed_clusters(joined_lab)
    ec2, group_id, permission = nat_t_rule(joined_lab, clusters[1])
    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    try:
        wait_for(lambda: all(states == ["connecting"] for states in gateway_states(joined_lab).values()), "the tunnel to break")
        result, report, markdown = run_verify(joined_lab, run_playbook, tmp_path, verify_wait_timeout=2)
    finally:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    assert result.returncode != 0
    messages = failure_messages(result)
    assert len(messages) == 2, "both ends of the tunnel fail"
    for message in messages:
        assert "[ports_blocked:" in message and "4500/udp" in message and "Fix: open UDP NAT-T (4500)" in message
    assert report["state"] == "waiting"
    assert report["tunnels"][0]["status"] == "connecting"
    assert "ports_blocked" in markdown and "<-.->" in markdown
    wait_for(lambda: all(states == ["connected"] for states in gateway_states(joined_lab).values()), "the tunnel to heal")


def test_overlapping_cidrs_fail_fast_with_both_networks_named(lab_factory, run_playbook, tmp_path):
    lab = lab_factory.get("acm-2.12", overlap=True)
    join_all(lab)
    wait_for(lambda: all(states == ["error"] for states in gateway_states(lab).values()), "the overlap error")
    result, report, markdown = run_verify(lab, run_playbook, tmp_path, verify_wait_timeout=120)
    assert result.returncode != 0
    assert_the_wait_ended_in_its_first_round(result, "an error does not heal by waiting")
    for message in failure_messages(result):
        assert "[cidr_overlap:" in message and "Globalnet" in message
    assert report["state"] == "failed"
    assert report["overlaps"], "the report names the overlapping CIDRs"
    assert "## Overlapping CIDRs" in markdown and "10.128.0.0/14 overlaps" in markdown


def test_check_mode_neither_waits_nor_fails_but_shows_the_summary(lab_factory, run_playbook, tmp_path):
    lab = lab_factory.get("acm-2.12", overlap=True)  # nothing joined yet, or overlapping: either way not healthy
    result, dummy, dummy = run_verify(lab, run_playbook, tmp_path, check=True, verify_wait_timeout=120)
    result.check()
    assert_the_wait_ended_in_its_first_round(result, "check mode applied nothing, so there is nothing to wait for")
    summary = result.task("acm.submariner.verify : Print the summary")["msg"]
    assert summary[0].split()[:2] == ["Cluster", "State"]
    assert not (tmp_path / "report" / "submariner-report.md").exists(), "check mode writes nothing"

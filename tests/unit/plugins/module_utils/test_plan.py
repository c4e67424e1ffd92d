# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plan.render: the check-mode plan from the roles' check-mode answers."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils.plan import TITLE, render

HUB = {"join_flow": "addon", "broker_cr_required": True}


def dry_run(kind, name, namespace=None, stored=False):
    metadata = {"name": name, **({"namespace": namespace} if namespace else {}), **({"resourceVersion": "12"} if stored else {})}
    return {"changed": True, "result": {"kind": kind, "metadata": metadata}}


def test_new_hub_plan_lists_what_would_be_created_per_cluster():
    hub_results = {"cluster_set": dict(dry_run("ManagedClusterSet", "submariner"), broker_namespace="submariner-broker"),
                   "broker": {"skipped": True}}
    clusters = {"c1": {"submariner_config": dry_run("SubmarinerConfig", "submariner", "c1"), "set_missing": True,
                       "aws_findings": [{"message": "gateway security group c1-x-submariner-gw-sg not found in vpc-1"}],
                       "cluster_set_label": {"skipped": True}, "addon": {}}}
    assert render(hub_results, clusters, HUB, "submariner") == [
        TITLE,
        "hub (ManagedClusterSet submariner):",
        "  - hub: create ManagedClusterSet submariner",
        "  - hub: create Broker submariner-broker/submariner-broker (once the hub made the set's broker namespace submariner-broker)",
        "c1:",
        "  - hub: create SubmarinerConfig c1/submariner",
        "  - AWS (by the submariner-addon): gateway security group c1-x-submariner-gw-sg not found in vpc-1",
        "  - hub: label ManagedCluster c1 cluster.open-cluster-management.io/clusterset=submariner (once the set exists)",
        "  - hub: create ManagedClusterAddOn c1/submariner",
    ]


def test_direct_preparation_and_changes_to_stored_objects():
    cloud = {"changed": True, "vpc_id": "vpc-1", "plan": {
        "create_security_group": True, "revoke": [],
        "authorize": [{"security_group_id": "sg-1", "protocol": "udp", "from_port": 4500, "to_port": 4500, "cidr_ip": "0.0.0.0/0"},
                      {"security_group_id": "sg-2", "protocol": "50", "from_port": 0, "to_port": 0, "source_security_group_id": "sg-3"}],
        "tags": [{"subnet_id": "subnet-1", "add": {"submariner.io/gateway": ""}, "remove": []}]}}
    clusters = {"c1": {"infra_id": "c1-x", "cloud_prepare": cloud,
                       "gateway_machineset": {"changed": True, "machinesets": ["c1-x-submariner-gw-eu-west-1a"]},
                       "cluster_set_label": {"changed": True}, "addon": dry_run("ManagedClusterAddOn", "submariner", "c1", stored=True)}}
    hub_results = {"cluster_set": {"changed": False}, "broker": {"changed": False, "result": {"kind": "Broker"}}}
    assert render(hub_results, clusters, {"join_flow": "addon"}, "set1")[1:] == [
        "hub (ManagedClusterSet set1):",
        "  - nothing to change",
        "c1:",
        "  - AWS: create security group c1-x-submariner-gw-sg in vpc-1",
        "  - AWS: allow udp/4500 from 0.0.0.0/0 on sg-1",
        "  - AWS: allow 50 from sg-3 on sg-2",
        "  - AWS: tag subnet subnet-1 with submariner.io/gateway",
        "  - cluster: create or change gateway MachineSet c1-x-submariner-gw-eu-west-1a",
        "  - hub: label ManagedCluster c1 cluster.open-cluster-management.io/clusterset=set1",
        "  - hub: change ManagedClusterAddOn c1/submariner",
    ]


def test_fewer_gateways_in_direct_mode_plan_the_deletion_of_the_others():
    clusters = {"c1": {"submariner_config": {"changed": False, "result": {"kind": "SubmarinerConfig"}},
                       "gateway_machineset": {"changed": False, "machinesets": ["c1-x-submariner-gw-eu-west-1a"], "deleted": []},
                       "gateway_prune": {"changed": True, "machinesets": ["c1-x-submariner-gw-eu-west-1a", "c1-x-submariner-gw-eu-west-1b"],
                                         "deleted": ["c1-x-submariner-gw-eu-west-1b"]},
                       "set_missing": False, "cluster_set_label": {"changed": False}, "addon": {"changed": False}}}
    assert render({}, clusters, {"join_flow": "addon"}, "s")[-2:] == [
        "c1:", "  - cluster: delete gateway MachineSet c1-x-submariner-gw-eu-west-1b (fewer gateways)"]


def test_a_converged_cluster_has_nothing_to_change():
    clusters = {"c1": {"submariner_config": {"changed": False, "result": {"kind": "SubmarinerConfig"}}, "set_missing": False,
                       "cluster_set_label": {"changed": False}, "addon": {"changed": False}}}
    assert render({}, clusters, {"join_flow": "label"}, "s")[-2:] == ["c1:", "  - nothing to change"]


def test_credentials_secret_created_or_its_keys_rotated_naming_keys_not_values():
    def plan(result):
        clusters = {"c1": {"credentials_secret": result, "set_missing": False, "cluster_set_label": {"changed": False},
                           "addon": {"changed": False}}}
        return render({}, clusters, {"join_flow": "addon"}, "s")[-1]

    secret = {"kind": "Secret", "metadata": {"name": "c1-aws-creds", "namespace": "c1"}}
    assert plan({"changed": True, "rotated": False, "secret": secret}) == "  - hub: create Secret c1/c1-aws-creds from the AWS keys given"
    assert plan({"changed": True, "rotated": True, "secret": secret, "differing_keys": ["aws_access_key_id", "aws_secret_access_key"]}) == (
        "  - hub: rotate the AWS keys in Secret c1/c1-aws-creds (aws_access_key_id, aws_secret_access_key)")
    assert plan({"changed": False, "kept": True, "secret": secret}) == "  - nothing to change"
    assert plan({"skipped": True}) == "  - nothing to change"


def test_a_gateway_restart_names_the_tunnels_that_drop():
    def config(*changes):
        return dict(dry_run("SubmarinerConfig", "submariner", "c1", stored=True), gateway_changes=list(changes))
    driver = {"field": "cableDriver", "name": "cable driver", "before": "libreswan", "after": "vxlan"}
    port = {"field": "IPSecNATTPort", "name": "NAT-T port", "before": 4500, "after": 4501}
    clusters = {"c1": {"submariner_config": config(driver, port), "set_missing": False, "cluster_set_label": {"changed": False}},
                "c2": {"submariner_config": config(port), "set_missing": False, "cluster_set_label": {"changed": False}}}
    lines = render({}, clusters, HUB, "s", peers=["c3"])
    assert lines[lines.index("c1:") + 2] == (
        "  - cluster: restart the gateway pods (cable driver from libreswan to vxlan, NAT-T port from 4500 to 4501): its tunnels to"
        " c2, c3 drop until the new pods run, and stay down to any of them that does not run vxlan")
    assert lines[lines.index("c2:") + 2] == (
        "  - cluster: restart the gateway pods (NAT-T port from 4500 to 4501): its tunnels to c1, c3 drop until the new pods run")
    alone = render({}, {"c1": {"submariner_config": config(port), "set_missing": False}}, HUB, "s")
    assert alone[-1] == "  - cluster: restart the gateway pods (NAT-T port from 4500 to 4501): it has no peer yet, so no tunnel drops"
    assert render({}, {"c1": {"submariner_config": config(), "set_missing": False}}, HUB, "s")[-1] == "  - hub: change SubmarinerConfig c1/submariner"


def test_a_new_instance_type_plans_each_gateway_machine_replacement():
    result = {"changed": True, "machinesets": ["c1-x-submariner-gw-eu-west-1a"],
              "replaced": [{"machineset": "c1-x-submariner-gw-eu-west-1a", "machine": "c1-x-submariner-gw-eu-west-1a-4kq7d",
                            "before": "m5n.large", "after": "c5.large"}]}
    clusters = {"c1": {"gateway_machineset": result, "set_missing": False, "cluster_set_label": {"changed": False}}}
    assert render({}, clusters, HUB, "s")[-2:] == [
        "  - cluster: create or change gateway MachineSet c1-x-submariner-gw-eu-west-1a",
        "  - cluster: replace gateway Machine c1-x-submariner-gw-eu-west-1a-4kq7d (instance type from m5n.large to c5.large): a Machine"
        " of the new type starts first, then it goes; the tunnels drop while another gateway takes them over"]

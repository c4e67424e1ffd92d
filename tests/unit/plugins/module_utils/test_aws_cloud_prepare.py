# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp

GW, WORKER, MASTER = "sg-gw", "sg-worker", "sg-master"
PUBLIC = "Public Submariner traffic"
BETWEEN_WORKERS = "Internal Submariner traffic between the workers"
WORKER_TO_CP = "Internal Submariner traffic from worker to control plane nodes"
CP_TO_WORKER = "Internal Submariner traffic from control plane to worker nodes"


def as_rows(rules):
    return sorted((rule.group_id, rule.protocol, rule.from_port, rule.to_port, rule.source, rule.description) for rule in rules)


# ----------------------------------------------------------------------------- domain.md 2.3, rule for rule

def test_current_profile_is_the_cloud_prepare_table():
    rules = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), ovn_kubernetes=False)
    assert as_rows(rules) == sorted([
        (GW, "udp", 4500, 4500, "0.0.0.0/0", PUBLIC),
        (GW, "udp", 4490, 4490, "0.0.0.0/0", PUBLIC),
        (GW, "50", 0, 0, "0.0.0.0/0", PUBLIC),
        (GW, "51", 0, 0, "0.0.0.0/0", PUBLIC),
        (WORKER, "udp", 4800, 4800, WORKER, BETWEEN_WORKERS),
        (MASTER, "udp", 4800, 4800, WORKER, WORKER_TO_CP),
        (WORKER, "udp", 4800, 4800, MASTER, CP_TO_WORKER),
    ])


def test_ovn_kubernetes_skips_the_internal_rules():
    rules = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), ovn_kubernetes=True)
    assert {rule.group_id for rule in rules} == {GW}
    assert len(rules) == 4


def test_legacy_profile_is_the_acm_2_2_set():
    rules = cp.desired_rules("legacy", GW, WORKER, MASTER, cp.Ports(), ovn_kubernetes=False)
    assert as_rows(rules) == sorted([
        (GW, "udp", 500, 500, "0.0.0.0/0", PUBLIC),
        (GW, "udp", 4500, 4500, "0.0.0.0/0", PUBLIC),
        (WORKER, "udp", 4800, 4800, WORKER, BETWEEN_WORKERS),
        (MASTER, "udp", 4800, 4800, WORKER, WORKER_TO_CP),
        (WORKER, "udp", 4800, 4800, MASTER, CP_TO_WORKER),
        (WORKER, "tcp", 8080, 8080, WORKER, BETWEEN_WORKERS),
        (MASTER, "tcp", 8080, 8080, WORKER, WORKER_TO_CP),
        (WORKER, "tcp", 8080, 8080, MASTER, CP_TO_WORKER),
    ])


@pytest.mark.parametrize("profile, metrics_ports", [("current", set()), ("acm-2.5", {8080, 8081}), ("acm-2.4", {8080}),
                                                    ("legacy", {8080})])
def test_metrics_ports_follow_the_addon_release(profile, metrics_ports):
    """release-2.4 opens TCP 8080 inside the cluster, release-2.5/2.6 8080 and 8081, release-2.7 neither."""
    rules = cp.desired_rules(profile, GW, WORKER, MASTER, cp.Ports(), ovn_kubernetes=False)
    tcp = [rule for rule in rules if rule.protocol == "tcp"]
    assert {rule.from_port for rule in tcp} == metrics_ports
    assert len(tcp) == 3 * len(metrics_ports) and all(rule.group_id in (WORKER, MASTER) for rule in tcp)
    if profile != "legacy":
        assert cp.public_rules(profile, GW, cp.Ports()) == cp.public_rules("current", GW, cp.Ports())
        assert cp.GATEWAY_SG_DESCRIPTIONS[profile] == "Submariner Gateway"


def test_ports_are_parameters():
    ports = cp.Ports(nat_t=4501, nat_discovery=4900, vxlan=4801)
    rules = cp.desired_rules("current", GW, WORKER, MASTER, ports, ovn_kubernetes=False)
    assert {rule.from_port for rule in rules if rule.protocol == "udp"} == {4501, 4900, 4801}


def test_same_nat_ports_give_one_rule():
    rules = cp.public_rules("current", GW, cp.Ports(nat_t=4500, nat_discovery=4500))
    assert [rule.from_port for rule in rules if rule.protocol == "udp"] == [4500]


def test_default_nat_discovery_port_follows_submariner_not_the_addon():
    assert cp.Ports().nat_discovery == 4490
    assert cp.ADDON_NAT_DISCOVERY_PORT == 4900


def test_ip_permission_carries_the_description():
    rule = cp.Rule(WORKER, "udp", 4800, 4800, MASTER, CP_TO_WORKER)
    assert rule.to_ip_permission() == {"IpProtocol": "udp", "FromPort": 4800, "ToPort": 4800,
                                       "UserIdGroupPairs": [{"GroupId": MASTER, "Description": CP_TO_WORKER}]}
    public = cp.Rule(GW, "50", 0, 0, "0.0.0.0/0", PUBLIC)
    assert public.to_ip_permission()["IpRanges"] == [{"CidrIp": "0.0.0.0/0", "Description": PUBLIC}]


# ----------------------------------------------------------------------------- reading EC2 rules

def test_permissions_are_flattened_and_sorted_whatever_the_order():
    permissions = [
        {"IpProtocol": "50", "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": PUBLIC}], "UserIdGroupPairs": []},
        {"IpProtocol": "udp", "FromPort": 4800, "ToPort": 4800,
         "UserIdGroupPairs": [{"GroupId": MASTER, "Description": CP_TO_WORKER, "UserId": "1"}, {"GroupId": WORKER}]},
        {"IpProtocol": "17", "FromPort": 4500, "ToPort": 4500, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ]
    forward = cp.rules_from_permissions(GW, permissions)
    backward = cp.rules_from_permissions(GW, list(reversed(permissions)))
    assert forward == backward
    assert [(rule.protocol, rule.from_port, rule.source) for rule in forward] == [
        ("50", 0, "0.0.0.0/0"), ("udp", 4500, "0.0.0.0/0"), ("udp", 4800, MASTER), ("udp", 4800, WORKER)]


def test_portless_protocols_compare_equal_whatever_ec2_reports():
    reported = cp.rules_from_permissions(GW, [{"IpProtocol": "51", "FromPort": -1, "ToPort": -1,
                                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert reported == [cp.Rule(GW, "51", 0, 0, "0.0.0.0/0", PUBLIC)]


def test_description_is_not_identity_but_ownership():
    ours = cp.Rule(WORKER, "udp", 4800, 4800, WORKER, BETWEEN_WORKERS)
    theirs = cp.Rule(WORKER, "udp", 4800, 4800, WORKER, "opened by hand")
    assert ours == theirs and hash(ours) == hash(theirs)
    assert ours.owned and not theirs.owned


# ----------------------------------------------------------------------------- plan

def test_plan_authorizes_only_what_is_missing():
    desired = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), False)
    current = desired[:3]
    authorize, revoke = cp.plan_rules(desired, current)
    assert authorize == sorted(desired[3:]) and revoke == []


def test_plan_is_empty_when_everything_is_there_in_another_order():
    desired = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), False)
    assert cp.plan_rules(desired, list(reversed(desired))) == ([], [])


def test_plan_never_revokes_foreign_rules():
    foreign = [cp.Rule(WORKER, "tcp", 22, 22, "10.0.0.0/16", ""), cp.Rule(GW, "udp", 500, 500, "0.0.0.0/0", "someone's")]
    desired = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), False)
    _authorize, revoke = cp.plan_rules(desired, desired + foreign)
    assert revoke == []


def test_switching_profile_revokes_our_old_rules():
    legacy = cp.desired_rules("legacy", GW, WORKER, MASTER, cp.Ports(), False)
    current = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), False)
    authorize, revoke = cp.plan_rules(current, legacy)
    assert {(rule.protocol, rule.from_port) for rule in revoke} == {("udp", 500), ("tcp", 8080)}
    assert {(rule.protocol, rule.from_port) for rule in authorize} == {("udp", 4490), ("50", 0), ("51", 0)}


def test_switching_to_ovn_revokes_our_internal_rules_only():
    sdn = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), False)
    ovn = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), True)
    _authorize, revoke = cp.plan_rules(ovn, sdn + [cp.Rule(WORKER, "udp", 4800, 4800, "10.0.0.0/8", "")])
    assert {rule.description for rule in revoke} == {BETWEEN_WORKERS, WORKER_TO_CP, CP_TO_WORKER}


def test_empty_plan():
    assert cp.Plan().empty
    assert not cp.Plan(tag_changes=[cp.TagChange("subnet-1", {"a": ""}, ())]).empty


# ----------------------------------------------------------------------------- naming

@pytest.mark.parametrize("names, expected", [
    (["abc-x1y2z-public-eu-west-1a", "abc-x1y2z-public-eu-west-1b"], "legacy"),
    (["abc-x1y2z-subnet-public-eu-west-1a"], "capi"),
    (["abc-x1y2z-public-eu-west-1a", "abc-x1y2z-subnet-public-eu-west-1b"], "capi"),
    (["my-own-subnet"], None),
    (["abc-x1y2z-public-us-east-1a"], None),          # another region
    (["other-12345-subnet-public-eu-west-1a"], None),  # another cluster
])
def test_naming_detection_follows_cloud_prepare(names, expected):
    assert cp.detect_naming("abc-x1y2z", "eu-west-1", names) == expected


def test_infra_id_is_matched_literally():
    assert cp.detect_naming("a.c", "eu-west-1", ["abc-public-eu-west-1a"]) is None


@pytest.mark.parametrize("naming, names", [
    ("legacy", ("abc-worker-sg", "abc-master-sg")),
    ("capi", ("abc-node", "abc-controlplane")),
])
def test_node_group_names(naming, names):
    assert cp.node_sg_names("abc", naming) == names


def test_gateway_group_name_and_subnet_filter():
    assert cp.gateway_sg_name("abc-x1y2z") == "abc-x1y2z-submariner-gw-sg"
    assert cp.public_subnet_name_pattern("abc-x1y2z", "eu-west-1") == "abc-x1y2z*-public-eu-west-1*"


@pytest.mark.parametrize("tags, owned", [
    ({"kubernetes.io/cluster/abc": "owned"}, True),
    ({"sigs.k8s.io/cluster-api-provider-aws/cluster/abc": "owned"}, True),
    ({"kubernetes.io/cluster/abc": "shared"}, False),
    ({"kubernetes.io/cluster/other": "owned"}, False),
])
def test_cluster_ownership_in_both_schemes(tags, owned):
    assert cp.is_owned_by_cluster(tags, "abc") is owned


# ----------------------------------------------------------------------------- subnets

def subnet(subnet_id, zone, **tags):
    return cp.Subnet(subnet_id, zone, {"Name": f"abc-public-{zone}", **tags})


SUBNETS = [subnet("subnet-a", "eu-west-1a"), subnet("subnet-b", "eu-west-1b"), subnet("subnet-c", "eu-west-1c")]
ALL_ZONES = {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_chooses_as_many_subnets_as_gateways_in_zone_order():
    chosen = cp.choose_gateway_subnets(SUBNETS, ALL_ZONES, 2, "m5n.large")
    assert [item.subnet_id for item in chosen] == ["subnet-a", "subnet-b"]


def test_prefers_already_tagged_subnets():
    subnets = SUBNETS[:2] + [subnet("subnet-c", "eu-west-1c", **{"submariner.io/gateway": ""})]
    chosen = cp.choose_gateway_subnets(subnets, ALL_ZONES, 1, "m5n.large")
    assert [item.subnet_id for item in chosen] == ["subnet-c"]


def test_spreads_over_zones_before_doubling_up():
    subnets = [subnet("subnet-a1", "eu-west-1a"), subnet("subnet-a2", "eu-west-1a"), subnet("subnet-b", "eu-west-1b")]
    chosen = cp.choose_gateway_subnets(subnets, ALL_ZONES, 2, "m5n.large")
    assert [item.subnet_id for item in chosen] == ["subnet-a1", "subnet-b"]


def test_skips_zones_without_the_instance_type():
    chosen = cp.choose_gateway_subnets(SUBNETS, {"eu-west-1b", "eu-west-1c"}, 2, "a1.large")
    assert [item.subnet_id for item in chosen] == ["subnet-b", "subnet-c"]


def test_insufficient_subnets_names_the_zones_lacking_the_type():
    with pytest.raises(cp.CloudPrepareError) as caught:
        cp.choose_gateway_subnets(SUBNETS, {"eu-west-1b", "eu-west-1c"}, 3, "a1.large")
    assert str(caught.value) == ("insufficient number of public subnets (2) to deploy 3 Submariner gateway(s); "
                                 "instance type a1.large is not offered in eu-west-1a")


def test_insufficient_subnets_without_offering_problem():
    with pytest.raises(cp.CloudPrepareError, match=r"^insufficient number of public subnets \(3\) to deploy 4 Submariner gateway\(s\)$"):
        cp.choose_gateway_subnets(SUBNETS, ALL_ZONES, 4, "m5n.large")


BOTH = ["kubernetes.io/role/internal-elb", "submariner.io/gateway"]


def test_tagging_records_the_keys_we_added_on_the_gateway_group_not_the_subnet():
    changes, record = cp.plan_subnet_tags(SUBNETS, SUBNETS[:1], {})
    assert [change.to_dict() for change in changes] == [{
        "subnet_id": "subnet-a", "add": {"kubernetes.io/role/internal-elb": "", "submariner.io/gateway": ""}, "remove": []}]
    assert record == {"subnet-a": BOTH}
    assert cp.plan_record("sg-gw", {}, record).to_dict() == {
        "subnet_id": "sg-gw", "add": {"acm.submariner/prepared-tags/subnet-a": ",".join(BOTH)}, "remove": []}


def test_tags_somebody_else_set_are_not_claimed():
    already = subnet("subnet-a", "eu-west-1a", **{"kubernetes.io/role/internal-elb": "1"})
    [change], record = cp.plan_subnet_tags([already], [already], {})
    assert change.add == {"submariner.io/gateway": ""} and record == {"subnet-a": ["submariner.io/gateway"]}


def test_fully_tagged_subnet_needs_nothing_and_claims_nothing():
    done = subnet("subnet-a", "eu-west-1a", **{"kubernetes.io/role/internal-elb": "", "submariner.io/gateway": ""})
    assert cp.plan_subnet_tags([done], [done], {}) == ([], {})
    assert cp.plan_subnet_tags([done], [done], {"subnet-a": BOTH}) == ([], {"subnet-a": BOTH})
    assert cp.plan_record("sg-gw", {"subnet-a": BOTH}, {"subnet-a": BOTH}) is None


def test_untag_removes_only_what_we_recorded():
    prepared = subnet("subnet-a", "eu-west-1a", **{"kubernetes.io/role/internal-elb": "1", "submariner.io/gateway": ""})
    assert cp.untag_subnet(prepared, ["submariner.io/gateway"]).remove == ("submariner.io/gateway",)


def test_untag_leaves_subnets_tagged_by_others():
    addon = subnet("subnet-a", "eu-west-1a", **{"kubernetes.io/role/internal-elb": "", "submariner.io/gateway": ""})
    assert cp.untag_subnet(addon, []).remove == ()


def test_an_on_subnet_record_of_earlier_releases_is_honoured_and_moved_to_the_group():
    legacy = subnet("subnet-a", "eu-west-1a", **{"kubernetes.io/role/internal-elb": "", "submariner.io/gateway": "",
                                                 "acm.submariner/prepared-tags": "submariner.io/gateway"})
    record = cp.ownership_record({"Name": "x-submariner-gw-sg"}, [legacy])
    assert record == {"subnet-a": ["submariner.io/gateway"]}
    [change], after = cp.plan_subnet_tags([legacy], [legacy], record)
    assert change.add == {} and change.remove == ("acm.submariner/prepared-tags",) and after == record
    assert cp.plan_record("sg-gw", {}, after).add == {"acm.submariner/prepared-tags/subnet-a": "submariner.io/gateway"}
    assert cp.untag_subnet(legacy, record["subnet-a"]).remove == ("submariner.io/gateway", "acm.submariner/prepared-tags")


def test_the_record_is_read_from_the_group_tags_only():
    tags = {"Name": "x-submariner-gw-sg", "acm.submariner/prepared-tags/subnet-a": "submariner.io/gateway,kubernetes.io/role/internal-elb",
            "acm.submariner/prepared-tags/subnet-b": ""}
    assert cp.ownership_record(tags) == {"subnet-a": BOTH}


def test_fewer_gateways_untags_the_subnets_no_longer_chosen():
    tags = {"kubernetes.io/role/internal-elb": "", "submariner.io/gateway": ""}
    subnets = [subnet("subnet-a", "eu-west-1a", **tags), subnet("subnet-b", "eu-west-1b", **tags)]
    chosen = cp.choose_gateway_subnets(subnets, ALL_ZONES, 1, "m5n.large")
    before = {"subnet-a": BOTH, "subnet-b": BOTH}
    changes, after = cp.plan_subnet_tags(subnets, chosen, before)
    assert [(change.subnet_id, change.add, len(change.remove)) for change in changes] == [("subnet-b", {}, 2)]
    assert after == {"subnet-a": BOTH}
    assert cp.plan_record("sg-gw", before, after).remove == ("acm.submariner/prepared-tags/subnet-b",)


def test_apply_tag_changes_gives_the_after_view():
    changes, record = cp.plan_subnet_tags(SUBNETS, SUBNETS[:1], {})
    after = cp.apply_tag_changes({"subnet-a": {"Name": "x"}}, changes)
    assert after["subnet-a"]["submariner.io/gateway"] == ""
    back = cp.apply_tag_changes(after, [cp.untag_subnet(cp.Subnet("subnet-a", "eu-west-1a", after["subnet-a"]), record["subnet-a"])])
    assert back == {"subnet-a": {"Name": "x"}}


# ----------------------------------------------------------------------------- findings

def codes(findings):
    return sorted((item["code"], item["resource"]) for item in findings)


def test_rule_findings_missing_and_wrong_source():
    expected = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), True)
    current = [rule for rule in expected if rule.protocol != "udp"] + [cp.Rule(GW, "udp", 4500, 4500, "10.0.0.0/8", "")]
    findings = cp.rule_findings(expected, current)
    assert codes(findings) == [("rule_missing", GW), ("rule_wrong_source", GW)]
    wrong = next(item for item in findings if item["code"] == "rule_wrong_source")
    assert "UDP 4500" in wrong["message"] and "10.0.0.0/8" in wrong["message"] and wrong["hint"]


def test_addon_discovery_port_is_accepted_when_asked_for():
    addon = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(nat_discovery=4900), True)
    assert cp.rule_findings(addon, addon) == []
    submariner_default = cp.desired_rules("current", GW, WORKER, MASTER, cp.Ports(), True)
    [missing] = cp.rule_findings(submariner_default, addon)
    assert missing["code"] == "rule_missing" and "UDP 4490" in missing["message"]


def test_subnet_findings():
    tagged = subnet("subnet-a", "eu-west-1a", **{"submariner.io/gateway": ""})
    findings = cp.subnet_findings([tagged, SUBNETS[1]], {"eu-west-1b"}, 2, "a1.large")
    assert codes(findings) == [("instance_type_not_offered", "subnet-a"), ("subnet_untagged", "subnet-a"),
                               ("subnet_untagged", "subnet-b")]


def test_no_subnet_findings_when_enough_are_tagged():
    tags = {"submariner.io/gateway": "", "kubernetes.io/role/internal-elb": ""}
    assert cp.subnet_findings([subnet("subnet-a", "eu-west-1a", **tags), SUBNETS[1]], ALL_ZONES, 1, "m5n.large") == []


def test_gateway_instance_findings():
    stopped = {"InstanceId": "i-1", "State": {"Name": "stopped"}}
    assert codes(cp.gateway_instance_findings([stopped], "vpc-1")) == [("no_gateway_instance", "vpc-1")]
    assert "i-1 stopped" in cp.gateway_instance_findings([stopped], "vpc-1")[0]["message"]
    assert cp.gateway_instance_findings([{"InstanceId": "i-2", "State": {"Name": "running"}}], "vpc-1") == []


def test_subnet_findings_with_the_acm_22_addon_tag_never_hint_at_submariner_io_gateway():
    legacy = {"open-cluster-management.io/submariner-addon/gateway": "", "kubernetes.io/role/internal-elb": ""}
    subnets = [subnet("subnet-a", "eu-west-1a", **legacy), SUBNETS[1]]
    assert cp.subnet_findings(subnets, ALL_ZONES, 1, "m5n.large", cp.ADDON_LEGACY_GATEWAY_SUBNET_TAG) == []
    findings = cp.subnet_findings(subnets, ALL_ZONES, 2, "m5n.large", cp.ADDON_LEGACY_GATEWAY_SUBNET_TAG)
    assert codes(findings) == [("subnet_untagged", "subnet-b")]
    assert "submariner.io/gateway" not in findings[0]["message"] + findings[0]["hint"]
    assert [finding["code"] for finding in cp.subnet_findings(subnets, ALL_ZONES, 1, "m5n.large")] == ["subnet_untagged", "subnet_untagged"]

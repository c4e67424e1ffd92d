# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""prepare / cleanup / inspect against moto in-process, on EC2 seeded like the installer
(tests/lab/aws.py). EC2 calls are counted with a botocore event hook."""

from __future__ import annotations

import dataclasses

import boto3
import pytest
from botocore.exceptions import ClientError

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper

from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp
from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare_runner import Options, cleanup, inspect, prepare
from ansible_collections.acm.submariner.plugins.module_utils.aws_ec2 import ClusterEC2

moto = pytest.importorskip("moto")
lab_aws = pytest.importorskip("tests.lab.aws")

REGION = "eu-west-1"
MUTATING = {"CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress",
            "DeleteSecurityGroup", "CreateTags", "DeleteTags"}


class CallLog:
    """Every EC2 operation the client sends, with whether it was a dry run."""

    def __init__(self, client):
        self.calls = []
        client.meta.events.register("before-parameter-build.ec2", self._record)

    def _record(self, params, model, **_kwargs):
        self.calls.append((model.name, bool(params.get("DryRun"))))

    def mutating(self):
        return [name for name, dry_run in self.calls if name in MUTATING and not dry_run]

    def clear(self):
        self.calls.clear()


@pytest.fixture(name="raw")
def raw_fixture(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def cluster_ec2(raw, infra_id):
    return ClusterEC2(RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff(retries=3, delay=0)), infra_id, REGION)


def rule_rows(rules):
    return sorted((rule["security_group_id"], rule["protocol"], rule["from_port"], rule["to_port"],
                   rule.get("cidr_ip") or rule["source_security_group_id"], rule["description"]) for rule in rules)


def ec2_rules(raw, *group_ids):
    groups = raw.describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"]
    return sorted(rule for group in groups for rule in cp.rules_from_permissions(group["GroupId"], group["IpPermissions"]))


def current_table(gw, worker, master):
    return sorted([
        (gw, "udp", 4500, 4500, "0.0.0.0/0", cp.PUBLIC_DESCRIPTION),
        (gw, "udp", 4490, 4490, "0.0.0.0/0", cp.PUBLIC_DESCRIPTION),
        (gw, "50", 0, 0, "0.0.0.0/0", cp.PUBLIC_DESCRIPTION),
        (gw, "51", 0, 0, "0.0.0.0/0", cp.PUBLIC_DESCRIPTION),
        (worker, "udp", 4800, 4800, worker, cp.WORKERS_DESCRIPTION),
        (master, "udp", 4800, 4800, worker, cp.WORKER_TO_CONTROL_PLANE_DESCRIPTION),
        (worker, "udp", 4800, 4800, master, cp.CONTROL_PLANE_TO_WORKER_DESCRIPTION),
    ])


def subnet_tags(raw, subnet_id):
    return lab_aws.tags_to_dict(raw.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0].get("Tags"))


@pytest.mark.parametrize("naming", ["legacy", "capi"])
def test_present_present_absent(raw, naming):
    seeded = lab_aws.seed_cluster(raw, f"n-{naming}", naming=naming)
    before = lab_aws.snapshot(raw)
    log = CallLog(raw)
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)

    first = prepare(ec2, options, check_mode=False)
    assert first["changed"] and first["naming_scheme"] == naming
    gw = first["gateway_security_group_id"]
    assert rule_rows(first["rules"]) == current_table(gw, seeded.worker_sg_id, seeded.control_plane_sg_id)
    actual = [(r.group_id, r.protocol, r.from_port, r.to_port, r.source, r.description)
              for r in ec2_rules(raw, gw, seeded.worker_sg_id, seeded.control_plane_sg_id) if r.owned]
    assert sorted(actual) == current_table(gw, seeded.worker_sg_id, seeded.control_plane_sg_id)
    assert first["gateway_subnet_ids"] == [seeded.public_subnets[seeded.availability_zones[0]]]
    group = raw.describe_security_groups(GroupIds=[gw])["SecurityGroups"][0]
    assert (group["GroupName"], group["Description"]) == (f"{seeded.infra_id}-submariner-gw-sg", "Submariner Gateway")
    public = first["gateway_subnet_ids"][0]
    # Which subnet tags are ours is recorded on our group, never on the subnet.
    assert lab_aws.tags_to_dict(group["Tags"]) == {"Name": f"{seeded.infra_id}-submariner-gw-sg",
                                                   f"acm.submariner/prepared-tags/{public}": "kubernetes.io/role/internal-elb,submariner.io/gateway"}
    assert not [key for key in subnet_tags(raw, public) if key.startswith("acm.submariner")]

    log.clear()
    second = prepare(ec2, options, check_mode=False)
    assert not second["changed"] and log.mutating() == []
    assert not [name for name, dry_run in log.calls if dry_run]   # nothing to do, nothing to verify
    assert second["rules"] == first["rules"]

    gone = cleanup(ec2, options, check_mode=False)
    assert gone["changed"] and gone["gateway_security_group_id"] == gw
    assert lab_aws.snapshot(raw) == before
    log.clear()
    assert not cleanup(ec2, options, check_mode=False)["changed"]
    assert log.mutating() == []


def test_check_mode_changes_nothing(raw):
    seeded = lab_aws.seed_cluster(raw, "check", naming="capi")
    before = lab_aws.snapshot(raw)
    log = CallLog(raw)
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)
    planned = prepare(ec2, options, check_mode=True)
    assert planned["changed"] and planned["plan"]["create_security_group"]
    assert planned["gateway_security_group_id"] is None
    assert len(planned["plan"]["authorize"]) == 7 and len(planned["plan"]["tags"]) == 1
    assert planned["diff"]["before"]["gateway_security_group"] is None
    assert len(planned["diff"]["after"]["rules"]) == 7
    assert log.mutating() == [] and lab_aws.snapshot(raw) == before
    # The permission checks ran, as dry runs only.
    assert sorted(name for name, dry_run in log.calls if dry_run) == ["AuthorizeSecurityGroupIngress", "CreateSecurityGroup", "CreateTags"]

    prepare(ec2, options, check_mode=False)
    prepared = lab_aws.snapshot(raw)
    log.clear()
    planned = cleanup(ec2, options, check_mode=True)
    assert planned["changed"] and planned["plan"]["delete_security_group"] and len(planned["plan"]["revoke"]) == 3
    assert log.mutating() == [] and lab_aws.snapshot(raw) == prepared


def test_ovn_kubernetes_opens_public_rules_only(raw):
    seeded = lab_aws.seed_cluster(raw, "ovn", naming="capi")
    result = prepare(cluster_ec2(raw, seeded.infra_id), Options(infra_id=seeded.infra_id, region=REGION, network_type="OVNKubernetes"), False)
    assert {rule["security_group_id"] for rule in result["rules"]} == {result["gateway_security_group_id"]}
    assert not [rule for rule in ec2_rules(raw, seeded.worker_sg_id, seeded.control_plane_sg_id) if rule.owned]


def test_legacy_profile_then_current_profile(raw):
    seeded = lab_aws.seed_cluster(raw, "profiles")
    ec2 = cluster_ec2(raw, seeded.infra_id)
    legacy = prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION, port_profile="legacy"), False)
    gw, worker, master = legacy["gateway_security_group_id"], seeded.worker_sg_id, seeded.control_plane_sg_id
    assert rule_rows(legacy["rules"]) == sorted([
        (gw, "udp", 500, 500, "0.0.0.0/0", cp.PUBLIC_DESCRIPTION),
        (gw, "udp", 4500, 4500, "0.0.0.0/0", cp.PUBLIC_DESCRIPTION),
        (worker, "udp", 4800, 4800, worker, cp.WORKERS_DESCRIPTION),
        (master, "udp", 4800, 4800, worker, cp.WORKER_TO_CONTROL_PLANE_DESCRIPTION),
        (worker, "udp", 4800, 4800, master, cp.CONTROL_PLANE_TO_WORKER_DESCRIPTION),
        (worker, "tcp", 8080, 8080, worker, cp.WORKERS_DESCRIPTION),
        (master, "tcp", 8080, 8080, worker, cp.WORKER_TO_CONTROL_PLANE_DESCRIPTION),
        (worker, "tcp", 8080, 8080, master, cp.CONTROL_PLANE_TO_WORKER_DESCRIPTION),
    ])
    assert raw.describe_security_groups(GroupIds=[gw])["SecurityGroups"][0]["Description"] == "For submariner gateway"
    current = prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION), False)
    assert {(rule["protocol"], rule["from_port"]) for rule in current["plan"]["revoke"]} == {("udp", 500), ("tcp", 8080)}
    owned = [(r.group_id, r.protocol, r.from_port, r.to_port, r.source, r.description) for r in ec2_rules(raw, gw, worker, master) if r.owned]
    assert sorted(owned) == current_table(gw, worker, master)


def test_foreign_rules_and_tags_survive(raw):
    seeded = lab_aws.seed_cluster(raw, "foreign")
    public_a = seeded.public_subnets[seeded.availability_zones[0]]
    raw.create_tags(Resources=[public_a], Tags=[{"Key": "kubernetes.io/role/internal-elb", "Value": "1"}])
    raw.authorize_security_group_ingress(GroupId=seeded.worker_sg_id, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 4800, "ToPort": 4800, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "by hand"}]}])
    before = lab_aws.snapshot(raw)
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)
    result = prepare(ec2, options, False)
    assert result["plan"]["tags"] == [{"subnet_id": public_a, "add": {"submariner.io/gateway": ""}, "remove": []}]
    assert result["plan"]["ownership_record"]["add"] == {f"acm.submariner/prepared-tags/{public_a}": "submariner.io/gateway"}
    cleanup(ec2, options, False)
    assert lab_aws.snapshot(raw) == before


def test_custom_vpc_by_overrides(raw):
    seeded = lab_aws.seed_cluster(raw, "byo")
    subnets = sorted(seeded.public_subnets.values())
    options = Options(infra_id="custom-12345", region=REGION, gateways=2, vpc_id=seeded.vpc_id, subnet_ids=tuple(subnets),
                      worker_sg_id=seeded.worker_sg_id, control_plane_sg_id=seeded.control_plane_sg_id)
    before = lab_aws.snapshot(raw)
    ec2 = cluster_ec2(raw, "custom-12345")
    result = prepare(ec2, options, False)
    assert result["vpc_id"] == seeded.vpc_id and result["naming_scheme"] is None
    assert len(result["gateway_subnet_ids"]) == 2 and set(result["gateway_subnet_ids"]) <= set(subnets)
    assert rule_rows(result["rules"]) == current_table(result["gateway_security_group_id"], seeded.worker_sg_id, seeded.control_plane_sg_id)
    assert not prepare(ec2, options, False)["changed"]
    cleanup(ec2, options, False)
    assert lab_aws.snapshot(raw) == before


def test_custom_vpc_without_overrides_fails_naming_the_cluster(raw):
    lab_aws.seed_cluster(raw, "other")
    with pytest.raises(cp.CloudPrepareError, match=r"^cluster nope-12345: no VPC named nope-12345-vpc"):
        prepare(cluster_ec2(raw, "nope-12345"), Options(infra_id="nope-12345", region=REGION), False)


def test_insufficient_public_subnets(raw):
    seeded = lab_aws.seed_cluster(raw, "few")
    before = lab_aws.snapshot(raw)
    expected = r"^cluster few-.*: insufficient number of public subnets \(3\) to deploy 4 Submariner gateway\(s\) in VPC vpc-"
    with pytest.raises(cp.CloudPrepareError, match=expected):
        prepare(cluster_ec2(raw, seeded.infra_id), Options(infra_id=seeded.infra_id, region=REGION, gateways=4), False)
    assert lab_aws.snapshot(raw) == before


def test_instance_type_not_offered_everywhere(raw):
    seeded = lab_aws.seed_cluster(raw, "offer")     # eu-west-1a does not offer a1.large in moto's data
    ec2 = cluster_ec2(raw, seeded.infra_id)
    with pytest.raises(cp.CloudPrepareError, match=r"\(2\) to deploy 3 .*a1\.large is not offered in eu-west-1a in VPC vpc-"):
        prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION, gateways=3, instance_type="a1.large"), False)
    two = prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION, gateways=2, instance_type="a1.large"), False)
    assert [subnet["availability_zone"] for subnet in two["gateway_subnets"]] == ["eu-west-1b", "eu-west-1c"]


class DenyingClient:
    """A moto client whose credentials lack some EC2 actions: their dry runs answer UnauthorizedOperation."""

    def __init__(self, client, denied):
        self._client = client
        self._denied = denied

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(**params):
            if params.get("DryRun") and name in self._denied:
                raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "not authorized"}}, name)
            return method(**params)
        return call


def test_missing_permissions_fail_before_any_change(raw):
    seeded = lab_aws.seed_cluster(raw, "denied")
    before = lab_aws.snapshot(raw)
    log = CallLog(raw)
    denying = DenyingClient(raw, {"create_security_group", "create_tags"})
    ec2 = ClusterEC2(RetryingBotoClientWrapper(denying, AWSRetry.jittered_backoff(retries=2, delay=0)), seeded.infra_id, REGION)
    with pytest.raises(cp.CloudPrepareError) as caught:
        prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION), False)
    assert str(caught.value).endswith("missing permission(s): ec2:CreateSecurityGroup, ec2:CreateTags")
    assert seeded.infra_id in str(caught.value)
    assert log.mutating() == [] and lab_aws.snapshot(raw) == before


def test_missing_permissions_for_absent(raw):
    seeded = lab_aws.seed_cluster(raw, "denied-absent")
    prepare(cluster_ec2(raw, seeded.infra_id), Options(infra_id=seeded.infra_id, region=REGION), False)
    denying = DenyingClient(raw, {"delete_security_group", "revoke_security_group_ingress", "delete_tags"})
    ec2 = ClusterEC2(RetryingBotoClientWrapper(denying, AWSRetry.jittered_backoff(retries=2, delay=0)), seeded.infra_id, REGION)
    with pytest.raises(cp.CloudPrepareError, match="ec2:DeleteSecurityGroup, ec2:DeleteTags, ec2:RevokeSecurityGroupIngress$"):
        cleanup(ec2, Options(infra_id=seeded.infra_id, region=REGION), False)


def test_verification_can_be_skipped(raw):
    seeded = lab_aws.seed_cluster(raw, "skip")
    log = CallLog(raw)
    prepare(cluster_ec2(raw, seeded.infra_id), Options(infra_id=seeded.infra_id, region=REGION, verify_permissions=False), False)
    assert not [name for name, dry_run in log.calls if dry_run]


def test_fewer_gateways_untags_only_our_extra_subnet(raw):
    seeded = lab_aws.seed_cluster(raw, "shrink")
    ec2 = cluster_ec2(raw, seeded.infra_id)
    prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION, gateways=2), False)
    one = prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION, gateways=1), False)
    assert [change["remove"] for change in one["plan"]["tags"]] == [["kubernetes.io/role/internal-elb", "submariner.io/gateway"]]
    assert len(one["plan"]["ownership_record"]["remove"]) == 1


def test_somebody_elses_cleanup_leaves_no_record_of_ours_behind(raw):
    """cloud-prepare's cleanup deletes the gateway group and the subnet tags: our record went with the group."""
    seeded = lab_aws.seed_cluster(raw, "foreignclean")
    before = lab_aws.snapshot(raw)
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)
    prepared = prepare(ec2, options, False)
    for subnet_id in prepared["gateway_subnet_ids"]:
        raw.delete_tags(Resources=[subnet_id], Tags=[{"Key": "kubernetes.io/role/internal-elb"}, {"Key": "submariner.io/gateway"}])
    for rule in prepared["rules"]:
        if rule["security_group_id"] != prepared["gateway_security_group_id"]:
            source = rule.get("cidr_ip") or rule["source_security_group_id"]
            raw.revoke_security_group_ingress(GroupId=rule["security_group_id"], IpPermissions=[cp.Rule(
                rule["security_group_id"], rule["protocol"], rule["from_port"], rule["to_port"], source, rule["description"]).to_ip_permission()])
    raw.delete_security_group(GroupId=prepared["gateway_security_group_id"])
    assert lab_aws.snapshot(raw) == before
    assert not cleanup(ec2, options, False)["changed"]


def test_an_on_subnet_record_of_an_earlier_release_moves_to_the_group_and_is_cleaned(raw):
    seeded = lab_aws.seed_cluster(raw, "oldrecord")
    before = lab_aws.snapshot(raw)
    public_a = seeded.public_subnets[seeded.availability_zones[0]]
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)
    prepare(ec2, options, False)
    gw = raw.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{seeded.infra_id}-submariner-gw-sg"]}])["SecurityGroups"][0]
    record_key = f"acm.submariner/prepared-tags/{public_a}"
    raw.delete_tags(Resources=[gw["GroupId"]], Tags=[{"Key": record_key}])
    raw.create_tags(Resources=[public_a], Tags=[{"Key": "acm.submariner/prepared-tags", "Value": "kubernetes.io/role/internal-elb,submariner.io/gateway"}])
    moved = prepare(ec2, options, False)
    assert moved["plan"]["tags"] == [{"subnet_id": public_a, "add": {}, "remove": ["acm.submariner/prepared-tags"]}]
    assert moved["plan"]["ownership_record"]["add"] == {record_key: "kubernetes.io/role/internal-elb,submariner.io/gateway"}
    assert "acm.submariner/prepared-tags" not in subnet_tags(raw, public_a)
    cleanup(ec2, options, False)
    assert lab_aws.snapshot(raw) == before


def test_info_reports_findings_then_ready(raw):
    seeded = lab_aws.seed_cluster(raw, "info", naming="capi")
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)
    fresh = inspect(ec2, options)
    assert not fresh["ready"] and fresh["naming_scheme"] == "capi"
    expected = {"security_group_missing", "rule_missing", "subnet_untagged", "no_gateway_instance"}
    assert {item["code"] for item in fresh["findings"]} == expected
    assert all(item["hint"] and item["resource"] for item in fresh["findings"])

    prepared = prepare(ec2, options, False)
    report = inspect(ec2, options)
    assert [item["code"] for item in report["findings"]] == ["no_gateway_instance"]
    assert report["security_groups"]["gateway"]["group_id"] == prepared["gateway_security_group_id"]
    assert [subnet["subnet_id"] for subnet in report["subnets"] if subnet["gateway"]] == prepared["gateway_subnet_ids"]

    zone = prepared["gateway_subnets"][0]["availability_zone"]
    raw.run_instances(ImageId=seeded.ami_id, InstanceType="m5n.large", MinCount=1, MaxCount=1,
                      SubnetId=prepared["gateway_subnet_ids"][0], SecurityGroupIds=[prepared["gateway_security_group_id"]],
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [
                          {"Key": "Name", "Value": f"{seeded.infra_id}-submariner-gw-{zone}-abcde"}]}])
    ready = inspect(ec2, options)
    assert ready["ready"] and ready["findings"] == []
    assert [instance["state"] for instance in ready["gateway_instances"]] == ["running"]


def test_info_after_the_addon_with_its_discovery_port(raw):
    seeded = lab_aws.seed_cluster(raw, "addon")
    ec2 = cluster_ec2(raw, seeded.infra_id)
    prepare(ec2, Options(infra_id=seeded.infra_id, region=REGION, ports=cp.Ports(nat_discovery=4900)), False)
    addon = Options(infra_id=seeded.infra_id, region=REGION, ports=cp.Ports(nat_discovery=4900))
    assert [item["code"] for item in inspect(ec2, addon)["findings"]] == ["no_gateway_instance"]
    default = dataclasses.replace(addon, ports=cp.Ports())
    assert [item["code"] for item in inspect(ec2, default)["findings"]] == ["rule_missing", "no_gateway_instance"]


def test_info_flags_a_rule_open_to_the_wrong_source(raw):
    seeded = lab_aws.seed_cluster(raw, "wrong", naming="capi")
    ec2 = cluster_ec2(raw, seeded.infra_id)
    options = Options(infra_id=seeded.infra_id, region=REGION)
    result = prepare(ec2, options, False)
    gw = result["gateway_security_group_id"]
    raw.revoke_security_group_ingress(GroupId=gw, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 4500, "ToPort": 4500, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": cp.PUBLIC_DESCRIPTION}]}])
    raw.authorize_security_group_ingress(GroupId=gw, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 4500, "ToPort": 4500, "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}])
    codes = [(item["code"], item["resource"]) for item in inspect(ec2, options)["findings"]]
    assert ("rule_wrong_source", gw) in codes


def test_info_without_vpc(raw):
    report = inspect(cluster_ec2(raw, "ghost-12345"), Options(infra_id="ghost-12345", region=REGION))
    assert report["vpc"] is None and [item["code"] for item in report["findings"]] == ["vpc_not_found"]

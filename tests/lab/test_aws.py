"""EC2 seeding like the OpenShift installer (tests/lab/aws.py), on moto in-process."""

import ipaddress
import re

import boto3
import pytest
from moto import mock_aws

from tests.lab import aws

ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")


@pytest.fixture(name="ec2")
def ec2_fixture():
    with mock_aws():
        yield boto3.client("ec2", region_name=aws.DEFAULT_REGION)


def _by_name(items, key="tags"):
    return {item[key].get("Name"): item for item in items if item[key].get("Name")}


def test_infra_id_is_stable_and_shaped_like_the_installer():
    assert aws.infra_id("aws-sub1") == aws.infra_id("aws-sub1")
    assert aws.infra_id("aws-sub1") != aws.infra_id("aws-sub2")
    assert re.fullmatch(r"aws-sub1-[0-9a-z]{5}", aws.infra_id("aws-sub1"))
    long_id = aws.infra_id("a-very-long-cluster-name-for-testing")
    assert re.fullmatch(r"a-very-long-cluster-n-[0-9a-z]{5}", long_id)


def test_legacy_seed_names_and_tags(ec2):
    seeded = aws.seed_cluster(ec2, "aws-sub1", naming="legacy")
    infra = seeded.infra_id
    owned = f"kubernetes.io/cluster/{infra}"
    state = aws.snapshot(ec2)

    vpc = _by_name(state["vpcs"])[f"{infra}-vpc"]
    assert vpc["id"] == seeded.vpc_id and vpc["tags"][owned] == "owned"
    subnets = _by_name(state["subnets"])
    for zone in ZONES:
        assert subnets[f"{infra}-public-{zone}"]["az"] == zone
        assert subnets[f"{infra}-public-{zone}"]["tags"][owned] == "owned"
        assert "kubernetes.io/role/internal-elb" in subnets[f"{infra}-private-{zone}"]["tags"]
        assert "kubernetes.io/role/internal-elb" not in subnets[f"{infra}-public-{zone}"]["tags"]
    groups = {group["name"]: group for group in state["security_groups"]}
    assert groups[f"{infra}-worker-sg"]["id"] == seeded.worker_sg_id
    assert groups[f"{infra}-master-sg"]["id"] == seeded.control_plane_sg_id
    assert {"protocol": "tcp", "from": 6443, "to": 6443, "cidr": seeded.vpc_cidr, "description": ""} in groups[f"{infra}-master-sg"]["ingress"]
    assert (seeded.worker_sg_name, seeded.control_plane_sg_name) == (f"{infra}-worker-sg", f"{infra}-master-sg")


def test_workers_and_control_plane_run_one_per_zone_in_the_private_subnets(ec2):
    seeded = aws.seed_cluster(ec2, "aws-sub1")
    instances = aws.snapshot(ec2)["instances"]
    control_plane = [instance for instance in instances if "-master-" in instance["tags"]["Name"]]
    workers = [instance for instance in instances if "-worker-" in instance["tags"]["Name"]]
    assert len(instances) == 6 and len(workers) == 3
    assert sorted(instance["tags"]["Name"] for instance in control_plane) == [f"{seeded.infra_id}-master-{index}" for index in range(3)]
    assert {instance["az"] for instance in control_plane} == set(ZONES)
    assert {tuple(instance["security_groups"]) for instance in control_plane} == {(seeded.control_plane_sg_id,)}
    assert {instance["id"] for instance in control_plane} == set(seeded.control_plane_instances.values())
    for instance in workers:
        zone = instance["az"]
        assert re.fullmatch(rf"{seeded.infra_id}-worker-{zone}-[a-z]{{5}}", instance["tags"]["Name"])
        assert instance["tags"][f"kubernetes.io/cluster/{seeded.infra_id}"] == "owned"
        assert instance["state"] == "running"
        assert instance["type"] == "m5.xlarge"
        assert instance["subnet"] == seeded.private_subnets[zone]
        assert instance["security_groups"] == [seeded.worker_sg_id]
        assert instance["image"] == seeded.ami_id
    assert ec2.describe_images(ImageIds=[seeded.ami_id])["Images"]


def test_capi_seed_names_and_tags(ec2):
    seeded = aws.seed_cluster(ec2, "aws-sub2", naming="capi")
    infra = seeded.infra_id
    state = aws.snapshot(ec2)
    assert _by_name(state["vpcs"])[f"{infra}-vpc"]["tags"][f"sigs.k8s.io/cluster-api-provider-aws/cluster/{infra}"] == "owned"
    subnets = _by_name(state["subnets"])
    assert {f"{infra}-subnet-{role}-{zone}" for role in ("public", "private") for zone in ZONES} <= set(subnets)
    assert {group["name"] for group in state["security_groups"]} >= {f"{infra}-node", f"{infra}-controlplane"}


def test_clusters_get_non_overlapping_vpcs(ec2):
    first = aws.seed_cluster(ec2, "aws-sub1")
    second = aws.seed_cluster(ec2, "aws-sub2", naming="capi")
    assert first.vpc_cidr == "10.0.0.0/16"
    assert not ipaddress.ip_network(first.vpc_cidr).overlaps(ipaddress.ip_network(second.vpc_cidr))
    all_subnets = [ipaddress.ip_network(subnet["cidr"]) for subnet in aws.snapshot(ec2)["subnets"]]
    for index, subnet in enumerate(all_subnets):
        assert not any(subnet.overlaps(other) for other in all_subnets[index + 1:])


def test_snapshot_is_stable_and_rule_order_does_not_matter(ec2):
    seeded = aws.seed_cluster(ec2, "aws-sub1")
    assert aws.snapshot(ec2) == aws.snapshot(ec2)
    rules = [{"IpProtocol": "udp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for port in (500, 4500, 4800)]
    one = ec2.create_security_group(GroupName="one", Description="d", VpcId=seeded.vpc_id)["GroupId"]
    other = ec2.create_security_group(GroupName="other", Description="d", VpcId=seeded.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=one, IpPermissions=rules)
    for rule in reversed(rules):
        ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[rule])
    groups = {group["name"]: group for group in aws.snapshot(ec2)["security_groups"]}
    assert groups["one"]["ingress"] == groups["other"]["ingress"]
    assert len(groups["one"]["ingress"]) == 3


def test_snapshot_leaves_out_terminated_instances(ec2):
    seeded = aws.seed_cluster(ec2, "aws-sub1")
    ec2.terminate_instances(InstanceIds=[seeded.worker_instances["eu-west-1a"]])
    remaining = {instance["id"] for instance in aws.snapshot(ec2)["instances"]}
    assert remaining == (set(seeded.worker_instances.values()) | set(seeded.control_plane_instances.values())) - {seeded.worker_instances["eu-west-1a"]}


def test_unknown_naming_is_refused(ec2):
    with pytest.raises(ValueError, match="naming must be one of legacy, capi"):
        aws.seed_cluster(ec2, "aws-sub1", naming="ipi")

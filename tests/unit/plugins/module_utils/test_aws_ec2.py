# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ClusterEC2 against a botocore Stubber: permission classification (moto cannot deny an IAM
action, so this is where a missing permission is exercised), error shaping and retries."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper

from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp
from ansible_collections.acm.submariner.plugins.module_utils import aws_ec2
from ansible_collections.acm.submariner.plugins.module_utils.aws_ec2 import ClusterEC2, DryRunCall

INFRA = "abc-x1y2z"
RULE = cp.Rule("sg-1", "udp", 4800, 4800, "sg-2", cp.WORKERS_DESCRIPTION)


@pytest.fixture(name="stubbed")
def stubbed_fixture():
    client = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield ClusterEC2(RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=2, delay=0)), INFRA, "eu-west-1"), stubber
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code, verdict", [
    ("DryRunOperation", "allowed"),
    ("UnauthorizedOperation", "denied"),
    ("AccessDenied", "denied"),
    ("InvalidGroup.NotFound", None),
])
def test_classify_dry_run(code, verdict):
    assert aws_ec2.classify_dry_run(code) == verdict


def test_missing_permissions_lists_every_denied_action(stubbed):
    ec2, stubber = stubbed
    calls = [
        DryRunCall("CreateSecurityGroup", "create_security_group", {"GroupName": "g", "Description": "d", "VpcId": "vpc-1"}),
        DryRunCall("AuthorizeSecurityGroupIngress", "authorize_security_group_ingress",
                   {"GroupId": "sg-1", "IpPermissions": [RULE.to_ip_permission()]}),
        DryRunCall("CreateTags", "create_tags", {"Resources": ["subnet-1"], "Tags": [{"Key": "k", "Value": ""}]}),
    ]
    stubber.add_client_error("create_security_group", "UnauthorizedOperation", http_status_code=403,
                             expected_params={"GroupName": "g", "Description": "d", "VpcId": "vpc-1", "DryRun": True})
    stubber.add_client_error("authorize_security_group_ingress", "DryRunOperation", http_status_code=412)
    stubber.add_client_error("create_tags", "UnauthorizedOperation", http_status_code=403)
    assert ec2.missing_permissions(calls) == ["ec2:CreateSecurityGroup", "ec2:CreateTags"]


def test_missing_permissions_empty_when_all_allowed(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("delete_security_group", "DryRunOperation", http_status_code=412)
    assert ec2.missing_permissions([DryRunCall("DeleteSecurityGroup", "delete_security_group", {"GroupId": "sg-1"})]) == []


def test_unexpected_dry_run_error_is_raised_with_cluster_and_action(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("delete_tags", "InvalidSubnetID.NotFound", http_status_code=400)
    with pytest.raises(AnsibleAWSError) as caught:
        ec2.missing_permissions([DryRunCall("DeleteTags", "delete_tags", {"Resources": ["subnet-1"], "Tags": [{"Key": "k"}]})])
    assert str(caught.value).startswith(f"cluster {INFRA}: failed to verify permission ec2:DeleteTags")
    assert "InvalidSubnetID.NotFound" in str(caught.value)


def test_errors_name_cluster_resource_and_code(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("authorize_security_group_ingress", "InvalidGroup.NotFound", http_status_code=400)
    with pytest.raises(AnsibleAWSError) as caught:
        ec2.authorize(RULE)
    message = str(caught.value)
    assert INFRA in message and "sg-1" in message and "InvalidGroup.NotFound" in message


def test_duplicate_rule_counts_as_authorized(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("authorize_security_group_ingress", "InvalidPermission.Duplicate", http_status_code=400,
                             expected_params={"GroupId": "sg-1", "IpPermissions": [RULE.to_ip_permission()]})
    ec2.authorize(RULE)


def test_revoke_of_a_vanished_rule_is_done(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("revoke_security_group_ingress", "InvalidPermission.NotFound", http_status_code=400)
    ec2.revoke(RULE)


def test_throttling_is_retried(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("describe_vpcs", "RequestLimitExceeded", http_status_code=503)
    stubber.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1", "Tags": [
        {"Key": "Name", "Value": f"{INFRA}-vpc"}, {"Key": f"kubernetes.io/cluster/{INFRA}", "Value": "owned"}]}]})
    assert ec2.find_vpc()["VpcId"] == "vpc-1"


def test_vpc_not_owned_by_the_cluster_is_ignored(stubbed):
    ec2, stubber = stubbed
    stubber.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1", "Tags": [{"Key": "Name", "Value": f"{INFRA}-vpc"}]}]})
    assert ec2.find_vpc() is None


def test_delete_group_waits_out_dependency_violation(stubbed, monkeypatch):
    ec2, stubber = stubbed
    monkeypatch.setattr(aws_ec2, "DELETE_SG_DELAY", 0)
    for _attempt in range(2):
        stubber.add_client_error("delete_security_group", "DependencyViolation", http_status_code=400)
    stubber.add_response("delete_security_group", {}, {"GroupId": "sg-gw"})
    ec2.delete_group("sg-gw")


def test_delete_group_gives_up_with_the_code(stubbed, monkeypatch):
    ec2, stubber = stubbed
    monkeypatch.setattr(aws_ec2, "DELETE_SG_DELAY", 0)
    monkeypatch.setattr(aws_ec2, "DELETE_SG_RETRIES", 2)
    for _attempt in range(2):
        stubber.add_client_error("delete_security_group", "DependencyViolation", http_status_code=400)
    with pytest.raises(AnsibleAWSError, match="DependencyViolation") as caught:
        ec2.delete_group("sg-gw")
    assert f"{INFRA}-submariner-gw-sg" in str(caught.value)


def test_delete_of_a_vanished_group_is_done(stubbed):
    ec2, stubber = stubbed
    stubber.add_client_error("delete_security_group", "InvalidGroup.NotFound", http_status_code=400)
    ec2.delete_group("sg-gw")


def test_tag_changes_remove_then_add(stubbed):
    ec2, stubber = stubbed
    change = cp.TagChange("subnet-1", {"submariner.io/gateway": ""}, ("old",))
    stubber.add_response("delete_tags", {}, {"Resources": ["subnet-1"], "Tags": [{"Key": "old"}]})
    stubber.add_response("create_tags", {}, {"Resources": ["subnet-1"], "Tags": [{"Key": "submariner.io/gateway", "Value": ""}]})
    ec2.change_tags(change)

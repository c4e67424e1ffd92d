# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two AWS modules' entry points: argument handling, result shape and failures, with moto in-process."""

from __future__ import annotations

import json

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acm.submariner.plugins.modules import aws_cloud_prepare, aws_cloud_prepare_info

moto = pytest.importorskip("moto")
lab_aws = pytest.importorskip("tests.lab.aws")

REGION = "eu-west-1"


@pytest.fixture(name="ec2")
def ec2_fixture(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        yield boto3.client("ec2", region_name=REGION)


@pytest.fixture(name="run")
def run_fixture(capsys):
    def run(module, args, **kwargs):
        with pytest.raises(SystemExit) as exited:
            with patch_module_args({**args, "_ansible_check_mode": kwargs.get("check_mode", False),
                                    "_ansible_diff": kwargs.get("diff", False)}):
                module.main()
        result = json.loads(capsys.readouterr().out)
        return exited.value.code != 0, result
    return run


def test_present_returns_ids_rules_and_no_diff_unless_asked(ec2, run):
    seeded = lab_aws.seed_cluster(ec2, "mod")
    failed, result = run(aws_cloud_prepare, {"infra_id": seeded.infra_id})
    assert not failed and result["changed"]
    assert result["naming_scheme"] == "legacy" and result["vpc_id"] == seeded.vpc_id
    assert result["gateway_security_group_id"].startswith("sg-") and len(result["rules"]) == 7
    assert "diff" not in result
    failed, again = run(aws_cloud_prepare, {"infra_id": seeded.infra_id}, diff=True)
    assert not failed and not again["changed"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_check_mode_with_diff(ec2, run):
    seeded = lab_aws.seed_cluster(ec2, "mod-check", naming="capi")
    before = lab_aws.snapshot(ec2)
    failed, result = run(aws_cloud_prepare, {"infra_id": seeded.infra_id}, check_mode=True, diff=True)
    assert not failed and result["changed"]
    assert result["diff"]["before"]["rules"] == [] and len(result["diff"]["after"]["rules"]) == 7
    [(subnet_id, tags)] = result["diff"]["after"]["subnet_tags"].items()
    assert subnet_id in seeded.public_subnets.values() and tags["submariner.io/gateway"] == ""
    assert lab_aws.snapshot(ec2) == before


def test_gateways_must_be_at_least_one(ec2, run):
    failed, result = run(aws_cloud_prepare, {"infra_id": "abc-12345", "gateways": 0})
    assert failed and result["msg"] == "cluster abc-12345: the count of gateways is less than 1"


def test_aws_errors_carry_code_cluster_and_resource(ec2, run):
    lab_aws.seed_cluster(ec2, "mod-err")
    failed, result = run(aws_cloud_prepare, {"infra_id": "abc-12345", "vpc_id": "vpc-0000000000000000f"})
    assert failed
    assert result["msg"].startswith("cluster abc-12345: failed to describe VPC vpc-0000000000000000f")
    assert result["error"]["code"] == "InvalidVpcID.NotFound"
    assert "boto3_version" in result


def test_info_module_is_read_only(ec2, run):
    seeded = lab_aws.seed_cluster(ec2, "mod-info")
    before = lab_aws.snapshot(ec2)
    failed, result = run(aws_cloud_prepare_info, {"infra_id": seeded.infra_id, "nat_discovery_port": 4900})
    assert not failed and not result["changed"] and not result["ready"]
    assert {item["code"] for item in result["findings"]} >= {"security_group_missing", "no_gateway_instance"}
    assert result["security_groups"]["worker"]["group_id"] == seeded.worker_sg_id
    assert lab_aws.snapshot(ec2) == before

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS modules' entry points: argument handling, result shape and failures, with moto in-process."""

from __future__ import annotations

import json

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acm.submariner.plugins.modules import aws_cloud_prepare, aws_cloud_prepare_info, aws_preflight_info

moto = pytest.importorskip("moto")
lab_aws = pytest.importorskip("tests.lab.aws")

REGION = "eu-west-1"
# Given by the task, as the roles do: the modules refuse credentials that come only from the environment.
KEYS = {"access_key": "testing", "secret_key": "testing"}


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
            with patch_module_args({**kwargs.get("keys", KEYS), **args, "_ansible_check_mode": kwargs.get("check_mode", False),
                                    "_ansible_diff": kwargs.get("diff", False), "_ansible_inject_invocation": True}):
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
    assert failed and result["msg"] == "cluster abc-12345: gateways is 0; give at least 1 gateway per cluster; nothing was sent to AWS."


@pytest.mark.usefixtures("ec2")
@pytest.mark.parametrize("module", [aws_cloud_prepare, aws_cloud_prepare_info])
def test_ports_out_of_range_are_refused_before_any_call(run, module):
    failed, result = run(module, {"infra_id": "abc-12345", "nat_t_port": 70000, "vxlan_port": 0})
    assert failed and result["problems"] == ["nat_t_port is 70000; give a UDP port from 1 to 65535",
                                             "vxlan_port is 0; give a UDP port from 1 to 65535"]


@pytest.mark.parametrize("module", [aws_cloud_prepare, aws_cloud_prepare_info])
@pytest.mark.parametrize("keys", [{"access_key": "", "secret_key": ""}, {"access_key": "testing", "secret_key": ""}, {}],
                         ids=["empty", "secret-empty", "environment-only"])
def test_no_fallback_to_ambient_aws_credentials(ec2, run, module, keys, monkeypatch):
    """Empty keys would let boto3 take the environment's (set by the ec2 fixture), ~/.aws or the instance role."""
    seeded = lab_aws.seed_cluster(ec2, "mod-ambient")
    calls = []
    monkeypatch.setattr("boto3.session.Session.client", lambda *args, **kwargs: calls.append(args))
    failed, result = run(module, {"infra_id": seeded.infra_id}, keys=keys)
    assert failed and calls == []
    assert "refusing to fall back to the controller's own AWS credentials" in result["msg"]
    assert result["msg"].startswith("cluster %s: no AWS " % seeded.infra_id) and result["msg"].endswith("nothing was sent to AWS.")


@pytest.mark.usefixtures("ec2")
def test_a_named_profile_is_the_tasks_choice(run):
    failed, result = run(aws_cloud_prepare_info, {"infra_id": "abc-12345", "access_key": "", "secret_key": "", "profile": "nowhere"})
    assert failed and "fall back" not in result["msg"]


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


@pytest.mark.parametrize("module", [aws_cloud_prepare, aws_cloud_prepare_info])
def test_the_access_key_id_is_never_in_the_result(ec2, run, module):
    """amazon.aws logs the access key ID (no_log=False); AAP keeps a module's invocation in its job events."""
    seeded = lab_aws.seed_cluster(ec2, "mod-keyid")
    key_id = "AKIAUNITTESTKEYID000"
    failed, result = run(module, {"infra_id": seeded.infra_id}, keys={"aws_access_key_id": key_id, "secret_key": "testing"})
    assert not failed, result
    assert result["invocation"]["module_args"]["access_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert key_id not in json.dumps(result)


# --- aws_preflight_info: every cluster at once ------------------------------------------------------------------------
def preflight_entry(name, infra_id, **fields):
    return dict({"name": name, "infra_id": infra_id, "region": REGION, "access_key": "AKIAPREFLIGHT0000001",
                 "secret_key": "preflight-secret"}, **fields)


def test_every_cluster_is_inspected_and_one_that_cannot_be_is_an_answer(ec2, run):
    first, second = lab_aws.seed_cluster(ec2, "pf-one"), lab_aws.seed_cluster(ec2, "pf-two")
    before = lab_aws.snapshot(ec2)
    failed, result = run(aws_preflight_info, {"clusters": [
        preflight_entry("one", first.infra_id, endpoint_url="", vpc_id=""),
        preflight_entry("two", second.infra_id, instance_type="m5n.large"),
        preflight_entry("no-region", "x-1", region=""),
        preflight_entry("no-keys", "x-2", access_key=""),
        preflight_entry("bad-vpc", first.infra_id, vpc_id="vpc-0000000000000000f"),
    ]}, keys={})
    assert not failed and not result["changed"], result
    answers = result["clusters"]
    for name, seeded in (("one", first), ("two", second)):
        assert answers[name]["error"] is None and answers[name]["vpc"]["vpc_id"] == seeded.vpc_id
        assert answers[name]["subnets"] and all("instance_type_offered" in subnet for subnet in answers[name]["subnets"])
    assert answers["no-region"] == {"error": "the cluster region is empty; set acm_submariner_region"}
    assert "refusing to fall back to the controller's own AWS credentials" in answers["no-keys"]["error"]
    assert "InvalidVpcID.NotFound" in answers["bad-vpc"]["error"] and REGION in answers["bad-vpc"]["error"]
    assert lab_aws.snapshot(ec2) == before
    assert "AKIAPREFLIGHT0000001" not in json.dumps(result) and "preflight-secret" not in json.dumps(result)


def test_a_cluster_named_twice_is_refused_before_any_aws_call(ec2, run):
    failed, result = run(aws_preflight_info, {"clusters": [preflight_entry("one", "a-1"), preflight_entry("one", "a-2")]}, keys={})
    assert failed and "one" in result["msg"] and "Nothing was sent to AWS" in result["msg"]

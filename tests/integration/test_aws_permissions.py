# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_cloud_prepare with IAM credentials that lack EC2 permissions, against moto's EC2 server.

moto enforces IAM once ``/moto-api/reset-auth`` lowers its no-auth request budget to 0: every later
request must be signed by an IAM user's access key whose policy allows the action, and the check runs
before EC2 looks at ``DryRun``, so ``DryRun=True`` answers ``AccessDenied`` for a denied action and
``DryRunOperation`` for an allowed one, as AWS does. The server runs in its own process because the
setting is global to the process that serves. Seeding, IAM set-up and snapshots run with auth off.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration import localhost_play

boto3 = pytest.importorskip("boto3")
lab_aws = pytest.importorskip("tests.lab.aws")

REGION = "eu-west-1"
ROOT_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DESCRIBE_ONLY = [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]
ALL_EC2 = [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, data: bytes = b"") -> bytes:
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def _wait_until_serving(endpoint: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer on {endpoint} within 30s")


@pytest.fixture(scope="module", name="endpoint")
def endpoint_fixture():
    """A moto_server process on a free loopback port, stopped (and reaped) when the module ends."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)]
    env = {key: value for key, value in os.environ.items() if key != "INITIAL_NO_AUTH_ACTION_COUNT"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(endpoint, process)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def iam_enforced(endpoint: str):
    """Every request inside the block must be signed by an IAM user allowed to make it."""
    _post(f"{endpoint}/moto-api/reset-auth", b"0")
    try:
        yield
    finally:
        _post(f"{endpoint}/moto-api/reset-auth", b"inf")


def client(endpoint: str, service: str, keys: dict):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint, **keys)


@pytest.fixture(name="ec2")
def ec2_fixture(endpoint):
    """An empty moto account with IAM not enforced, and an EC2 client with the root keys."""
    _post(f"{endpoint}/moto-api/reset-auth", b"inf")
    _post(f"{endpoint}/moto-api/reset")
    return client(endpoint, "ec2", ROOT_KEYS)


def iam_user(endpoint: str, name: str, statements: list) -> dict:
    """Create an IAM user with one inline policy and return its access key as boto3 keyword arguments."""
    iam = client(endpoint, "iam", ROOT_KEYS)
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-ec2", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def all_ec2_except(*actions: str) -> list:
    return ALL_EC2 + [{"Effect": "Deny", "Action": [f"ec2:{action}" for action in actions], "Resource": "*"}]


def run_prepare(endpoint: str, keys: dict, tmp_path: Path, **args) -> dict:
    """Run aws_cloud_prepare once through ansible-playbook with ``keys`` under IAM enforcement; return its result."""
    out = tmp_path / "result.json"
    task = {"acm.submariner.aws_cloud_prepare": args, "register": "prepared", "ignore_errors": True}
    collect = {"ansible.builtin.copy": {"dest": str(out), "content": "{{ prepared | to_json }}"}}
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "module_defaults": localhost_play.AWS_MODULE_DEFAULTS,
                                     "tasks": [task, collect]}]))
    env = localhost_play.aws_env(tmp_path, endpoint, keys["aws_access_key_id"], keys["aws_secret_access_key"], REGION)
    with iam_enforced(endpoint):
        completed = subprocess.run(localhost_play.command(playbook), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    out_text = out.read_text()
    out.unlink()
    return json.loads(out_text)


def missing_message(seeded, *actions: str) -> str:
    return (f"cluster {seeded.infra_id}: the AWS credentials may not make the changes needed in VPC {seeded.vpc_id}; "
            f"missing permission(s): {', '.join(f'ec2:{action}' for action in actions)}")


@pytest.mark.parametrize("statements, missing", [
    (DESCRIBE_ONLY, ("AuthorizeSecurityGroupIngress", "CreateSecurityGroup", "CreateTags")),
    (all_ec2_except("AuthorizeSecurityGroupIngress", "CreateTags"), ("AuthorizeSecurityGroupIngress", "CreateTags")),
], ids=["describe-only", "all-but-authorize-and-tags"])
def test_present_fails_listing_missing_actions(endpoint, ec2, tmp_path, statements, missing):
    seeded = lab_aws.seed_cluster(ec2, "perm")
    keys = iam_user(endpoint, "submariner-prep", statements)
    pristine = lab_aws.snapshot(ec2)

    result = run_prepare(endpoint, keys, tmp_path, infra_id=seeded.infra_id)

    assert result["failed"] and not result.get("changed")
    assert result["msg"] == missing_message(seeded, *missing)
    assert lab_aws.snapshot(ec2) == pristine


def test_full_permissions_prepare_then_absent_without_delete_rights(endpoint, ec2, tmp_path):
    seeded = lab_aws.seed_cluster(ec2, "perm")
    full = iam_user(endpoint, "submariner-prep", ALL_EC2)
    no_cleanup = iam_user(endpoint, "submariner-no-cleanup",
                          all_ec2_except("DeleteSecurityGroup", "RevokeSecurityGroupIngress", "DeleteTags"))

    prepared = run_prepare(endpoint, full, tmp_path, infra_id=seeded.infra_id)
    assert not prepared.get("failed"), prepared.get("msg")
    assert prepared["changed"]
    gateway = ec2.describe_security_groups(GroupIds=[prepared["gateway_security_group_id"]])["SecurityGroups"][0]
    assert gateway["GroupName"] == f"{seeded.infra_id}-submariner-gw-sg"

    prepared_snapshot = lab_aws.snapshot(ec2)
    refused = run_prepare(endpoint, no_cleanup, tmp_path, infra_id=seeded.infra_id, state="absent")
    assert refused["failed"]
    assert refused["msg"] == missing_message(seeded, "DeleteSecurityGroup", "DeleteTags", "RevokeSecurityGroupIngress")
    assert lab_aws.snapshot(ec2) == prepared_snapshot

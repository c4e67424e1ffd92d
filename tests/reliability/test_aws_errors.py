"""Preflight tells AWS failures apart: wrong endpoint, bad keys, a missing permission, a wrong region.

Each case breaks one thing for aws-sub2 in the inventory and runs site.yml as users start it. The real
cause (with the cluster, what failed and what to do) is on the first line of the one failure, and
nothing was written: no mutating request in the lab's request log, the lab's EC2 state unchanged.
Bad keys and a missing permission need IAM enforced, which moto does per server process: those
cases point aws-sub2 at a moto_server of their own (``tests.integration.test_aws_permissions``).
"""

import base64
import dataclasses

import pytest

from tests.integration.test_aws_permissions import _post, endpoint_fixture, iam_enforced, iam_user  # noqa: F401 pylint: disable=unused-import
from tests.reliability import labrun

ONLY_SUBNETS = [{"Effect": "Allow", "Action": "ec2:DescribeSubnets", "Resource": "*"}]


@dataclasses.dataclass
class Case:
    """``variables(lab, endpoint) -> aws-sub2's inventory overrides``; ``expect``: words of the first error line."""

    name: str
    variables: object
    expect: tuple
    iam: bool = False


def iam_keys(statements):
    def variables(_lab, endpoint):
        _post(f"{endpoint}/moto-api/reset-auth", b"inf")
        keys = iam_user(endpoint, "preflight-%d" % len(statements), statements)
        return {"acm_submariner_aws_endpoint_url": endpoint, "acm_submariner_aws_access_key_id": keys["aws_access_key_id"],
                "acm_submariner_aws_secret_access_key": keys["aws_secret_access_key"]}
    return variables


CASES = [
    Case("wrong-endpoint", lambda lab, endpoint: {"acm_submariner_aws_endpoint_url": "http://127.0.0.1:9"},
         ("aws-sub2", "endpoint unreachable", "http://127.0.0.1:9", "acm_submariner_aws_endpoint_url")),
    Case("bad-keys", lambda lab, endpoint: {"acm_submariner_aws_endpoint_url": endpoint,
                                            "acm_submariner_aws_access_key_id": "AKIANOTAKEY000000000",
                                            "acm_submariner_aws_secret_access_key": "not-the-secret"},
         ("aws-sub2", "rejected the credentials", "access key ID"), iam=True),
    Case("missing-permission", iam_keys(ONLY_SUBNETS),
         ("aws-sub2", "may not call ec2:DescribeVpcs", "allow ec2:DescribeVpcs"), iam=True),
    Case("wrong-region", lambda lab, endpoint: {"acm_submariner_region": "us-east-2"},
         ("aws-sub2", "no VPC of the cluster", "us-east-2", "acm_submariner_region")),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_aws_failure_is_named_on_the_first_line(clean_lab, endpoint, tmp_path, case):
    inventory = labrun.write_inventory(clean_lab, tmp_path / "inventory.yml", clusters={"aws-sub2": case.variables(clean_lab, endpoint)})
    ec2_before = clean_lab.ec2_state()
    if case.iam:
        with iam_enforced(endpoint):
            result = labrun.run(clean_lab, inventory=inventory)
    else:
        result = labrun.run(clean_lab, inventory=inventory)

    assert result.returncode != 0, result.stdout[-3000:]
    assert result.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in result.mutating]
    assert clean_lab.ec2_state() == ec2_before
    [failure] = result.failures()
    first_line = str(failure["result"].get("msg", "")).splitlines()[0]
    missing = [word for word in case.expect if word.lower() not in first_line.lower()]
    assert not missing, "the first error line lacks %s: %s" % (missing, first_line)
    assert "cannot inspect AWS" in first_line or case.name == "wrong-region"


def test_rotation_to_keys_aws_rejects_stops_before_any_write_and_keeps_the_old_keys(clean_lab, endpoint, tmp_path):
    """Issue 17's "rotation with keys that fail AWS authentication": aws-sub2's credentials secret is ours (a
    previous run created it) and the inventory now gives keys AWS rejects. Preflight checks the keys given with AWS
    before any write, so the run stops there, naming the cluster and the keys, and the secret keeps the old keys."""
    name = "aws-sub2-submariner-aws"
    old = {"aws_access_key_id": base64.b64encode(b"AKIAOLDKEYS000000002").decode(), "aws_secret_access_key": base64.b64encode(b"old-secret").decode()}
    clean_lab.hub.create({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": dict(old),
                          "metadata": {"name": name, "namespace": "aws-sub2", "labels": {"app.kubernetes.io/managed-by": "acm.submariner"}}})
    try:
        inventory = labrun.write_inventory(clean_lab, tmp_path / "inventory.yml", clusters={"aws-sub2": {
            "acm_submariner_aws_endpoint_url": endpoint, "acm_submariner_credentials_secret": name,
            "acm_submariner_aws_access_key_id": "AKIAREJECTED00000002", "acm_submariner_aws_secret_access_key": "rejected-secret"}})
        with iam_enforced(endpoint):
            result = labrun.run(clean_lab, inventory=inventory)
        assert result.returncode != 0, result.stdout[-3000:]
        assert result.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in result.mutating]
        [failure] = result.failures()
        first_line = str(failure["result"].get("msg", "")).splitlines()[0]
        assert all(word in first_line for word in ("aws-sub2", "rejected the credentials")), first_line
        assert clean_lab.hub.get("v1", "Secret", name, "aws-sub2")["data"] == old
        assert "rejected-secret" not in result.stdout and "AKIAREJECTED00000002" not in result.stdout
    finally:
        clean_lab.hub.delete("v1", "Secret", name, "aws-sub2")

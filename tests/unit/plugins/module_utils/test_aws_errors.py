# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_errors.classify: every AWS failure kind is told apart and says what to do."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError

from ansible_collections.acm.submariner.plugins.module_utils.aws_errors import classify


def client_error(code, message="AWS says no", operation="DescribeVpcs"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize("exception, kind, summary_words, hint_words", [
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9/"), "endpoint_unreachable",
     ("endpoint unreachable", "http://127.0.0.1:9/"), ("acm_submariner_aws_endpoint_url", "eu-west-1")),
    (ConnectTimeoutError(endpoint_url="https://ec2.eu-west-1.amazonaws.com/"), "endpoint_unreachable", ("timeout",), ("proxy",)),
    (ReadTimeoutError(endpoint_url="https://ec2.eu-west-1.amazonaws.com/"), "endpoint_unreachable", ("Read timeout",), ("network",)),
    (NoCredentialsError(), "no_credentials", ("no AWS credentials",), ("credentials secret",)),
    (client_error("AuthFailure", "AWS was not able to validate the provided access credentials"), "auth_failure",
     ("AuthFailure", "rejected the credentials", "validate"), ("access key ID", "acm_submariner_aws_access_key_id")),
    (client_error("InvalidClientTokenId"), "auth_failure", ("InvalidClientTokenId",), ("secret access key",)),
    (client_error("UnauthorizedOperation", "You are not authorized to perform this operation."), "unauthorized",
     ("UnauthorizedOperation", "ec2:DescribeVpcs"), ("allow ec2:DescribeVpcs",)),
    (client_error("AccessDenied", operation="DescribeInstanceTypeOfferings"), "unauthorized",
     ("ec2:DescribeInstanceTypeOfferings",), ("IAM policy",)),
    (client_error("RequestLimitExceeded", "Request limit exceeded."), "throttled", ("RequestLimitExceeded", "throttled"), ("--forks",)),
    (client_error("Throttling"), "throttled", ("Throttling",), ("later",)),
    (client_error("OptInRequired"), "region_not_enabled", ("OptInRequired", "eu-west-1"), ("acm_submariner_region",)),
    (client_error("InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"), "aws_error",
     ("InvalidVpcID.NotFound", "ec2:DescribeVpcs", "vpc-1"), ("AWS error code",)),
])
def test_each_kind_says_what_failed_and_what_to_do(exception, kind, summary_words, hint_words):
    failure = classify(exception, "eu-west-1")
    assert failure.kind == kind
    assert [word for word in summary_words if word not in failure.summary] == [], failure.summary
    assert [word for word in hint_words if word not in failure.hint] == [], failure.hint
    message = failure.message("cluster abc-12345: failed to describe VPC abc-12345-vpc in region eu-west-1")
    assert message.startswith("cluster abc-12345: failed to describe VPC abc-12345-vpc in region eu-west-1: ")
    assert message.endswith(failure.hint)


def test_the_action_and_code_are_kept_for_callers():
    failure = classify(client_error("UnauthorizedOperation", operation="DescribeSubnets"), "us-east-1")
    assert failure.to_dict() == {"kind": "unauthorized", "summary": failure.summary, "hint": failure.hint,
                                 "code": "UnauthorizedOperation", "action": "ec2:DescribeSubnets", "endpoint": None}

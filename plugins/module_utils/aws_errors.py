# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an AWS failure means for the user: which kind it is, what failed and what to do.

One rule for every AWS call of the collection (the modules' error path, and so preflight's findings):
an unreachable endpoint, rejected credentials, a missing IAM permission (with the action), throttling
or a region the account has not enabled are told apart, so that none of them reads as "no VPC".
The error codes are AWS's (EC2 API "Error codes", common client errors) as botocore raises them.
"""

from __future__ import annotations

import dataclasses

try:
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, HTTPClientError, NoCredentialsError
    from botocore.exceptions import PartialCredentialsError
except ImportError:
    ClientError = BotoConnectionError = HTTPClientError = NoCredentialsError = PartialCredentialsError = ()  # AnsibleAWSModule reports it

AUTH_CODES = frozenset({"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
                        "InvalidAccessKeyId", "IncompleteSignature", "ExpiredToken", "ExpiredTokenException", "RequestExpired"})
DENIED_CODES = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "Blocked"})
THROTTLED_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                             "RequestThrottled", "RequestThrottledException", "SlowDown"})
REGION_CODES = frozenset({"OptInRequired", "InvalidRegion"})

KEYS_HINT = ("check the access key ID and secret access key (the cluster's credentials secret on the hub, or "
             "acm_submariner_aws_access_key_id / acm_submariner_aws_secret_access_key) and that the key is active")


@dataclasses.dataclass(frozen=True)
class AWSFailure:
    """One AWS failure, classified: ``kind`` is one of endpoint_unreachable, no_credentials, auth_failure,
    unauthorized, throttled, region_not_enabled or aws_error."""

    kind: str
    summary: str
    hint: str
    code: str | None = None
    action: str | None = None
    endpoint: str | None = None

    def message(self, what: str) -> str:
        """``<what failed>: <what it means>; <what to do>``."""
        return f"{what}: {self.summary}; {self.hint}"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _client_error_parts(exception) -> tuple:
    error = (getattr(exception, "response", None) or {}).get("Error", {})
    return error.get("Code"), error.get("Message") or str(exception)


def _action(exception, service: str) -> str | None:
    operation = getattr(exception, "operation_name", None)
    return f"{service}:{operation}" if operation else None


def classify(exception, region: str | None = None, service: str = "ec2") -> AWSFailure:
    """The AWSFailure that ``exception`` (botocore's) stands for, for a call made in ``region``."""
    if isinstance(exception, (BotoConnectionError, HTTPClientError)):
        endpoint = getattr(exception, "kwargs", {}).get("endpoint_url")
        return AWSFailure("endpoint_unreachable", f"endpoint unreachable: {exception}",
                          f"check acm_submariner_aws_endpoint_url (or AWS_ENDPOINT_URL), the region {region} "
                          "(acm_submariner_region) and the network or proxy between Ansible and AWS", endpoint=endpoint)
    if isinstance(exception, (NoCredentialsError, PartialCredentialsError)):
        return AWSFailure("no_credentials", f"no AWS credentials: {exception}", KEYS_HINT)
    if not isinstance(exception, ClientError):
        return AWSFailure("aws_error", f"{type(exception).__name__}: {exception}", "see the AWS error above")
    code, text = _client_error_parts(exception)
    action = _action(exception, service)
    if code in AUTH_CODES:
        return AWSFailure("auth_failure", f"{code}: AWS rejected the credentials ({text})", KEYS_HINT, code, action)
    if code in DENIED_CODES:
        return AWSFailure("unauthorized", f"{code}: the credentials may not call {action or 'this action'} ({text})",
                          f"allow {action or 'the action'} in the IAM policy of these credentials", code, action)
    if code in THROTTLED_CODES:
        return AWSFailure("throttled", f"{code}: AWS throttled {action or 'the call'}, still after retries ({text})",
                          "run again later, or with fewer --forks", code, action)
    if code in REGION_CODES:
        return AWSFailure("region_not_enabled", f"{code}: region {region} is not usable by this account ({text})",
                          "set acm_submariner_region to the cluster's region, or enable the region for the account", code, action)
    return AWSFailure("aws_error", f"{code}: {action or 'the call'} failed ({text})", "see the AWS error code", code, action)

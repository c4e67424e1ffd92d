# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 access for one OpenShift cluster: discovery by the installer's tags, permission checks and
the few mutating calls cloud-prepare makes.

Every call goes through a client made by ``AnsibleAWSModule.client(..., retry_decorator=...)`` and
opts in to throttling retries with ``aws_retry=True``. Failures are raised as ``AnsibleAWSError``
whose message names the cluster and the resource; the module turns them into ``fail_json_aws``.
"""

from __future__ import annotations

import dataclasses

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    boto3_tag_specifications,
)
from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp

# cloud-prepare retries DeleteSecurityGroup on DependencyViolation: 30 steps from 0.5 s, x1.2.
DELETE_SG_RETRIES = 30
DELETE_SG_DELAY = 0.5
DELETE_SG_BACKOFF = 1.2
DELETE_SG_MAX_DELAY = 10

DRY_RUN_ALLOWED = "DryRunOperation"
DRY_RUN_DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
LIVE_INSTANCE_STATES = ["pending", "running", "stopping", "stopped"]


def classify_dry_run(error_code: str) -> str | None:
    """``allowed`` / ``denied`` for the answer to a ``DryRun=True`` call, None for any other error."""
    if error_code == DRY_RUN_ALLOWED:
        return "allowed"
    if error_code in DRY_RUN_DENIED:
        return "denied"
    return None


def error_code(exception) -> str | None:
    response = getattr(exception, "response", None) or {}
    return response.get("Error", {}).get("Code")


@dataclasses.dataclass(frozen=True)
class DryRunCall:
    """One permission to verify: the IAM action and the EC2 call (with parameters) that needs it."""

    action: str
    method: str
    params: dict


class ClusterEC2:
    """EC2 as seen from one cluster (``infra_id``) in one region."""

    def __init__(self, client, infra_id: str, region: str):
        self.client = client
        self.infra_id = infra_id
        self.region = region

    def _fail(self, what: str, exception):
        return AnsibleAWSError(message=f"cluster {self.infra_id}: failed to {what}", exception=exception)

    def call(self, what: str, method: str, **params):
        """``client.<method>(**params)`` with throttling retries; ``what`` names the resource for errors."""
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(what, exc) from exc

    # ------------------------------------------------------------------ discovery

    def find_vpc(self, vpc_id: str | None = None) -> dict | None:
        """The cluster VPC: ``vpc_id`` if given, else ``Name=<infraID>-vpc`` owned by the cluster."""
        if vpc_id:
            vpcs = self.call(f"describe VPC {vpc_id}", "describe_vpcs", VpcIds=[vpc_id])["Vpcs"]
            return vpcs[0] if vpcs else None
        name = f"{self.infra_id}-vpc"
        vpcs = self.call(f"describe VPC {name}", "describe_vpcs", Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
        owned = [vpc for vpc in vpcs if cp.is_owned_by_cluster(tags_of(vpc), self.infra_id)]
        return owned[0] if owned else None

    def find_public_subnets(self, vpc_id: str, subnet_ids=None) -> list:
        """The given subnets, or the installer's public subnets (both naming schemes), as ``cp.Subnet``."""
        if subnet_ids:
            subnets = self.call(f"describe subnets {', '.join(subnet_ids)}", "describe_subnets", SubnetIds=list(subnet_ids))["Subnets"]
            foreign = sorted(subnet["SubnetId"] for subnet in subnets if subnet["VpcId"] != vpc_id)
            if foreign:
                raise cp.CloudPrepareError(f"cluster {self.infra_id}: subnets {', '.join(foreign)} are not in VPC {vpc_id}")
        else:
            pattern = cp.public_subnet_name_pattern(self.infra_id, self.region)
            filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [pattern]}]
            subnets = self.call(f"describe public subnets {pattern} of VPC {vpc_id}", "describe_subnets", Filters=filters)["Subnets"]
            subnets = [subnet for subnet in subnets if cp.is_owned_by_cluster(tags_of(subnet), self.infra_id)]
        return sorted((cp.Subnet(subnet["SubnetId"], subnet["AvailabilityZone"], tags_of(subnet)) for subnet in subnets),
                      key=lambda subnet: (subnet.availability_zone, subnet.subnet_id))

    def find_prepared_subnets(self, vpc_id: str, record: dict) -> list:
        """Subnets of the VPC that the ownership ``record`` names or that carry an on-subnet record of earlier releases."""
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
        subnets = self.call(f"describe subnets in VPC {vpc_id}", "describe_subnets", Filters=filters)["Subnets"]
        prepared = [cp.Subnet(subnet["SubnetId"], subnet["AvailabilityZone"], tags_of(subnet)) for subnet in subnets]
        prepared = [subnet for subnet in prepared if subnet.subnet_id in record or cp.OWNED_TAGS_TAG in subnet.tags]
        return sorted(prepared, key=lambda subnet: (subnet.availability_zone, subnet.subnet_id))

    def find_group_by_tag_name(self, vpc_id: str, name: str) -> dict | None:
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [name]}]
        groups = self.call(f"describe security group {name}", "describe_security_groups", Filters=filters)["SecurityGroups"]
        return groups[0] if groups else None

    def find_group_by_group_name(self, vpc_id: str, name: str) -> dict | None:
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}]
        groups = self.call(f"describe security group {name}", "describe_security_groups", Filters=filters)["SecurityGroups"]
        return groups[0] if groups else None

    def describe_group(self, group_id: str) -> dict | None:
        try:
            groups = self.client.describe_security_groups(aws_retry=True, GroupIds=[group_id])["SecurityGroups"]
        except ClientError as exc:
            if error_code(exc) == "InvalidGroup.NotFound":
                return None
            raise self._fail(f"describe security group {group_id}", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"describe security group {group_id}", exc) from exc
        return groups[0] if groups else None

    def offered_zones(self, instance_type: str) -> set:
        """Availability zones of the region that offer ``instance_type``."""
        offerings = self.call(
            f"describe instance type offerings for {instance_type}", "describe_instance_type_offerings",
            LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": [instance_type]}],
        )["InstanceTypeOfferings"]
        return {offering["Location"] for offering in offerings}

    def gateway_instances(self, vpc_id: str) -> list:
        """Instances of the VPC tagged ``submariner.io=gateway`` or named like the gateway MachineSet's machines."""
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "instance-state-name", "Values": LIVE_INSTANCE_STATES}]
        reservations = self.call(f"describe instances of VPC {vpc_id}", "describe_instances", Filters=filters)["Reservations"]
        prefix = f"{self.infra_id}-submariner-gw-"
        key, value = cp.GATEWAY_INSTANCE_TAG
        found = []
        for instance in (instance for reservation in reservations for instance in reservation["Instances"]):
            tags = tags_of(instance)
            if tags.get(key) == value or tags.get("Name", "").startswith(prefix):
                found.append(instance)
        return sorted(found, key=lambda instance: instance["InstanceId"])

    # ------------------------------------------------------------------ permissions

    def missing_permissions(self, calls) -> list:
        """The IAM actions (``ec2:<Action>``) that ``DryRun=True`` calls say the credentials lack."""
        missing = []
        for dry_run in calls:
            try:
                getattr(self.client, dry_run.method)(aws_retry=True, DryRun=True, **dry_run.params)
            except ClientError as exc:
                verdict = classify_dry_run(error_code(exc))
                if verdict is None:
                    raise self._fail(f"verify permission ec2:{dry_run.action}", exc) from exc
                if verdict == "denied":
                    missing.append(f"ec2:{dry_run.action}")
            except BotoCoreError as exc:
                raise self._fail(f"verify permission ec2:{dry_run.action}", exc) from exc
        return sorted(set(missing))

    # ------------------------------------------------------------------ changes

    def create_gateway_group(self, vpc_id: str, description: str) -> str:
        name = cp.gateway_sg_name(self.infra_id)
        created = self.call(
            f"create security group {name} in VPC {vpc_id}", "create_security_group",
            GroupName=name, Description=description, VpcId=vpc_id,
            TagSpecifications=boto3_tag_specifications({"Name": name}, ["security-group"]),
        )
        return created["GroupId"]

    def authorize(self, rule) -> None:
        try:
            self.client.authorize_security_group_ingress(aws_retry=True, GroupId=rule.group_id, IpPermissions=[rule.to_ip_permission()])
        except ClientError as exc:
            if error_code(exc) != "InvalidPermission.Duplicate":   # already there: cloud-prepare treats it as done
                raise self._fail(f"authorize {describe_rule(rule)}", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"authorize {describe_rule(rule)}", exc) from exc

    def revoke(self, rule) -> None:
        try:
            # With the rule's own description: EC2 ignores it when matching, moto requires it.
            self.client.revoke_security_group_ingress(aws_retry=True, GroupId=rule.group_id, IpPermissions=[rule.to_ip_permission()])
        except ClientError as exc:
            if error_code(exc) != "InvalidPermission.NotFound":
                raise self._fail(f"revoke {describe_rule(rule)}", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"revoke {describe_rule(rule)}", exc) from exc

    def change_tags(self, change) -> None:
        if change.remove:
            self.call(f"remove tags {', '.join(change.remove)} from subnet {change.subnet_id}", "delete_tags",
                      Resources=[change.subnet_id], Tags=[{"Key": key} for key in change.remove])
        if change.add:
            self.call(f"tag subnet {change.subnet_id}", "create_tags",
                      Resources=[change.subnet_id], Tags=ansible_dict_to_boto3_tag_list(change.add))

    def delete_group(self, group_id: str) -> None:
        """Delete a security group, waiting out ``DependencyViolation`` (instances still attached)."""
        retry = AWSRetry.jittered_backoff(retries=DELETE_SG_RETRIES, delay=DELETE_SG_DELAY, backoff=DELETE_SG_BACKOFF,
                                          max_delay=DELETE_SG_MAX_DELAY, catch_extra_error_codes=["DependencyViolation"])
        try:
            retry(self.client.delete_security_group)(GroupId=group_id)
        except ClientError as exc:
            if error_code(exc) != "InvalidGroup.NotFound":
                raise self._fail(f"delete security group {group_id} ({cp.gateway_sg_name(self.infra_id)})", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"delete security group {group_id}", exc) from exc


def tags_of(resource: dict) -> dict:
    return boto3_tag_list_to_ansible_dict(resource.get("Tags") or [])


def describe_rule(rule) -> str:
    ports = rule.protocol if rule.from_port == rule.to_port == 0 else f"{rule.protocol}/{rule.from_port}"
    if rule.from_port != rule.to_port:
        ports += f"-{rule.to_port}"
    return f"ingress {ports} from {rule.source} on security group {rule.group_id}"

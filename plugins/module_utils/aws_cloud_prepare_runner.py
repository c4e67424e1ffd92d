# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The three things the AWS modules do for one cluster: prepare (present), clean up (absent) and
inspect (info). Each discovers, plans with the pure functions of ``aws_cloud_prepare`` and, unless
in check mode, applies the plan through ``aws_ec2.ClusterEC2``.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp
from ansible_collections.acm.submariner.plugins.module_utils.aws_ec2 import DryRunCall

OVN_KUBERNETES = "ovnkubernetes"


@dataclasses.dataclass(frozen=True)
class Options:
    infra_id: str
    region: str
    gateways: int = 1
    instance_type: str = cp.DEFAULT_INSTANCE_TYPE
    port_profile: str = cp.PROFILE_CURRENT
    ports: cp.Ports = cp.Ports()
    network_type: str | None = None
    gateway_subnet_tag: str = cp.GATEWAY_SUBNET_TAG
    vpc_id: str | None = None
    subnet_ids: tuple = ()
    worker_sg_id: str | None = None
    control_plane_sg_id: str | None = None
    verify_permissions: bool = True

    @property
    def ovn_kubernetes(self) -> bool:
        return (self.network_type or "").lower() == OVN_KUBERNETES

    @classmethod
    def from_params(cls, params: dict, region: str) -> "Options":
        return cls(
            infra_id=params["infra_id"], region=region, gateways=params["gateways"],
            instance_type=params["instance_type"], port_profile=params["port_profile"],
            ports=cp.Ports(params["nat_t_port"], params["nat_discovery_port"], params["vxlan_port"]),
            network_type=params.get("network_type"), vpc_id=params.get("vpc_id"),
            subnet_ids=tuple(params.get("subnet_ids") or ()), worker_sg_id=params.get("worker_security_group_id"),
            control_plane_sg_id=params.get("control_plane_security_group_id"),
            verify_permissions=params.get("verify_permissions", True),
            gateway_subnet_tag=params.get("gateway_subnet_tag") or cp.GATEWAY_SUBNET_TAG,
        )


@dataclasses.dataclass
class ClusterState:
    """What EC2 holds for the cluster right now."""

    vpc: dict
    naming: str | None
    public_subnets: list
    prepared_subnets: list
    worker_sg: dict | None
    control_plane_sg: dict | None
    gateway_sg: dict | None
    rules: list

    @property
    def subnets(self) -> list:
        """Public subnets, then subnets elsewhere in the VPC that still carry tags we added."""
        public_ids = {subnet.subnet_id for subnet in self.public_subnets}
        return self.public_subnets + [subnet for subnet in self.prepared_subnets if subnet.subnet_id not in public_ids]

    @property
    def vpc_id(self) -> str:
        return self.vpc["VpcId"]

    @property
    def worker_sg_id(self):
        return group_id(self.worker_sg)

    @property
    def control_plane_sg_id(self):
        return group_id(self.control_plane_sg)

    @property
    def gateway_sg_id(self):
        return group_id(self.gateway_sg)

    @property
    def group_record(self) -> dict:
        """The ownership record on the gateway group alone (subnet id -> keys we added)."""
        return cp.ownership_record(_tags(self.gateway_sg or {}))

    @property
    def record(self) -> dict:
        """The group's record merged with on-subnet records of earlier releases."""
        return cp.ownership_record(_tags(self.gateway_sg or {}), self.subnets)


def group_id(group):
    return group["GroupId"] if group else None


# ----------------------------------------------------------------------------- discovery

def discover(ec2, options: Options) -> ClusterState | None:
    """The cluster's VPC, public subnets (plus any we tagged) and security groups; None without a VPC."""
    vpc = ec2.find_vpc(options.vpc_id)
    if vpc is None:
        return None
    vpc_id = vpc["VpcId"]
    public = ec2.find_public_subnets(vpc_id, options.subnet_ids)
    naming = cp.detect_naming(options.infra_id, options.region, [subnet.name for subnet in public])
    naming, worker, control_plane = _node_groups(ec2, options, vpc_id, naming)
    gateway = ec2.find_group_by_group_name(vpc_id, cp.gateway_sg_name(options.infra_id))
    rules = []
    for group in (gateway, worker, control_plane):
        if group:
            rules += cp.rules_from_permissions(group["GroupId"], group.get("IpPermissions"))
    recorded = cp.ownership_record(_tags(gateway or {}))
    return ClusterState(vpc, naming, public, ec2.find_prepared_subnets(vpc_id, recorded), worker, control_plane, gateway,
                        sorted(set(rules)))


def _node_groups(ec2, options, vpc_id, naming):
    """(naming, worker SG, control-plane SG): the overrides, else the groups named after the scheme."""
    if naming is None:
        # Custom subnets may follow neither naming: the scheme whose worker group exists decides.
        naming = _naming_from_groups(ec2, options.infra_id, vpc_id)
    worker_name, control_plane_name = cp.node_sg_names(options.infra_id, naming or cp.NAMING_LEGACY)
    worker = ec2.describe_group(options.worker_sg_id) if options.worker_sg_id else ec2.find_group_by_tag_name(vpc_id, worker_name)
    control_plane = (ec2.describe_group(options.control_plane_sg_id) if options.control_plane_sg_id
                     else ec2.find_group_by_tag_name(vpc_id, control_plane_name))
    return naming, worker, control_plane


def _naming_from_groups(ec2, infra_id, vpc_id):
    for scheme in cp.NAMING_SCHEMES:
        if ec2.find_group_by_tag_name(vpc_id, cp.node_sg_names(infra_id, scheme)[0]):
            return scheme
    return None


def _require_node_groups(state: ClusterState, options: Options) -> None:
    missing = []
    worker_name, control_plane_name = cp.node_sg_names(options.infra_id, state.naming or cp.NAMING_LEGACY)
    if state.worker_sg is None:
        missing.append(f"worker security group {options.worker_sg_id or worker_name} (set worker_security_group_id)")
    if state.control_plane_sg is None:
        missing.append(f"control-plane security group {options.control_plane_sg_id or control_plane_name} "
                       "(set control_plane_security_group_id)")
    if missing:
        raise cp.CloudPrepareError(f"cluster {options.infra_id}: not found in VPC {state.vpc_id}: {'; '.join(missing)}")


# ----------------------------------------------------------------------------- present

def prepare(ec2, options: Options, check_mode: bool) -> dict:
    state = discover(ec2, options)
    if state is None:
        raise cp.CloudPrepareError(
            f"cluster {options.infra_id}: no VPC named {options.infra_id}-vpc and owned by the cluster in {options.region}; set vpc_id")
    if not options.ovn_kubernetes:
        _require_node_groups(state, options)
    try:
        chosen = cp.choose_gateway_subnets(state.public_subnets, ec2.offered_zones(options.instance_type),
                                           options.gateways, options.instance_type)
    except cp.CloudPrepareError as exc:
        raise cp.CloudPrepareError(f"cluster {options.infra_id}: {exc} in VPC {state.vpc_id}") from exc
    # Until the gateway group exists (check mode, first run), its rules name it by its group name.
    placeholder = cp.gateway_sg_name(options.infra_id)
    gateway_id = state.gateway_sg_id or placeholder
    desired = cp.desired_rules(options.port_profile, gateway_id, state.worker_sg_id, state.control_plane_sg_id,
                               options.ports, options.ovn_kubernetes)
    authorize, revoke = cp.plan_rules(desired, state.rules)
    tag_changes, record = cp.plan_subnet_tags(state.subnets, chosen, state.record)
    plan = cp.Plan(create_security_group=state.gateway_sg is None, authorize=authorize, revoke=revoke,
                   tag_changes=tag_changes, record_change=cp.plan_record(gateway_id, state.group_record, record))
    _verify_permissions(ec2, options, state, plan)
    if not check_mode and not plan.empty:
        gateway_id = _apply_present(ec2, options, state, plan)
        desired = [dataclasses.replace(rule, group_id=gateway_id) if rule.group_id == placeholder else rule for rule in desired]
    result = _result(state, plan, options)
    result.update(
        gateway_security_group_id=None if gateway_id == placeholder else gateway_id,
        gateway_subnet_ids=[subnet.subnet_id for subnet in chosen],
        gateway_subnets=[{"subnet_id": subnet.subnet_id, "availability_zone": subnet.availability_zone, "name": subnet.name}
                         for subnet in chosen],
        rules=[rule.to_dict() for rule in sorted(desired)],
    )
    return result


def _apply_present(ec2, options, state, plan) -> str:
    placeholder = cp.gateway_sg_name(options.infra_id)
    gateway_id = state.gateway_sg_id
    if plan.create_security_group:
        gateway_id = ec2.create_gateway_group(state.vpc_id, cp.GATEWAY_SG_DESCRIPTIONS[options.port_profile])
    for rule in plan.authorize:
        ec2.authorize(dataclasses.replace(rule, group_id=gateway_id) if rule.group_id == placeholder else rule)
    for rule in plan.revoke:
        ec2.revoke(rule)
    for change in plan.tag_changes:
        ec2.change_tags(change)
    # Recorded once the subnets carry the tags: an interrupted run may leave a tag unclaimed, never a claim on a
    # key we did not add.
    if plan.record_change:
        ec2.change_tags(dataclasses.replace(plan.record_change, subnet_id=gateway_id))
    return gateway_id


# ----------------------------------------------------------------------------- absent

def cleanup(ec2, options: Options, check_mode: bool) -> dict:
    state = discover(ec2, options)
    if state is None:
        return {"changed": False, "naming_scheme": None, "vpc_id": None, "gateway_security_group_id": None,
                "worker_security_group_id": None, "control_plane_security_group_id": None,
                "gateway_subnet_ids": [], "rules": [], "plan": cp.Plan().to_dict()}
    node_groups = {state.worker_sg_id, state.control_plane_sg_id} - {None}
    plan = cp.Plan(
        delete_security_group=state.gateway_sg is not None,
        revoke=[rule for rule in state.rules if rule.owned and rule.group_id in node_groups],
        # The record goes with the gateway group.
        tag_changes=[change for change in (cp.untag_subnet(subnet, state.record.get(subnet.subnet_id, []))
                                           for subnet in state.subnets) if change.remove],
    )
    _verify_permissions(ec2, options, state, plan)
    if not check_mode:
        for change in plan.tag_changes:
            ec2.change_tags(change)
        for rule in plan.revoke:
            ec2.revoke(rule)
        if plan.delete_security_group:
            ec2.delete_group(state.gateway_sg_id)
    result = _result(state, plan, options)
    result.update(gateway_security_group_id=state.gateway_sg_id, gateway_subnet_ids=[], rules=[])
    return result


# ----------------------------------------------------------------------------- shared

def dry_run_calls(plan, state: ClusterState, options: Options) -> list:
    """One ``DryRun=True`` call per EC2 action the plan needs, on a resource the plan touches."""
    calls = []
    placeholder = cp.gateway_sg_name(options.infra_id)
    if plan.create_security_group:
        calls.append(DryRunCall("CreateSecurityGroup", "create_security_group", {
            "GroupName": placeholder, "Description": cp.GATEWAY_SG_DESCRIPTIONS[options.port_profile], "VpcId": state.vpc_id}))
    existing = [group for group in (state.gateway_sg_id, state.worker_sg_id, state.control_plane_sg_id) if group]
    if plan.authorize and existing:
        rule = plan.authorize[0]
        target = rule.group_id if rule.group_id != placeholder else existing[0]
        calls.append(DryRunCall("AuthorizeSecurityGroupIngress", "authorize_security_group_ingress", {
            "GroupId": target, "IpPermissions": [dataclasses.replace(rule, group_id=target).to_ip_permission()]}))
    if plan.revoke:
        rule = plan.revoke[0]
        calls.append(DryRunCall("RevokeSecurityGroupIngress", "revoke_security_group_ingress", {
            "GroupId": rule.group_id, "IpPermissions": [rule.to_ip_permission()]}))
    adding = [change for change in plan.tag_changes if change.add]
    if adding:
        calls.append(DryRunCall("CreateTags", "create_tags", {
            "Resources": [adding[0].subnet_id], "Tags": [{"Key": key, "Value": value} for key, value in adding[0].add.items()]}))
    record = plan.record_change
    if record and state.gateway_sg_id and not adding and record.add:
        calls.append(DryRunCall("CreateTags", "create_tags", {
            "Resources": [state.gateway_sg_id], "Tags": [{"Key": key, "Value": value} for key, value in record.add.items()]}))
    removing = [change for change in plan.tag_changes if change.remove]
    if record and state.gateway_sg_id and not removing and record.remove:
        calls.append(DryRunCall("DeleteTags", "delete_tags", {
            "Resources": [state.gateway_sg_id], "Tags": [{"Key": key} for key in record.remove]}))
    if removing:
        calls.append(DryRunCall("DeleteTags", "delete_tags", {
            "Resources": [removing[0].subnet_id], "Tags": [{"Key": key} for key in removing[0].remove]}))
    if plan.delete_security_group:
        calls.append(DryRunCall("DeleteSecurityGroup", "delete_security_group", {"GroupId": state.gateway_sg_id}))
    return calls


def _verify_permissions(ec2, options, state, plan) -> None:
    if plan.empty or not options.verify_permissions:
        return
    missing = ec2.missing_permissions(dry_run_calls(plan, state, options))
    if missing:
        raise cp.CloudPrepareError(
            f"cluster {options.infra_id}: the AWS credentials may not make the changes needed in VPC {state.vpc_id}; "
            f"missing permission(s): {', '.join(missing)}", )


def _relevant_rules(rules, gateway_id):
    return [rule for rule in rules if rule.group_id == gateway_id or rule.owned]


def _result(state: ClusterState, plan, options: Options) -> dict:
    gateway_id = state.gateway_sg_id or cp.gateway_sg_name(options.infra_id)
    rules_before = _relevant_rules(state.rules, gateway_id)
    if plan.delete_security_group:
        rules_after = [rule for rule in cp.apply_rule_changes(rules_before, [], plan.revoke) if rule.group_id != gateway_id]
    else:
        rules_after = cp.apply_rule_changes(rules_before, plan.authorize, plan.revoke)
    touched = {change.subnet_id for change in plan.tag_changes}
    tags_before = {subnet.subnet_id: dict(subnet.tags) for subnet in state.subnets if subnet.subnet_id in touched}
    group_before = cp.gateway_sg_name(options.infra_id) if state.gateway_sg else None
    group_after = None if plan.delete_security_group else (cp.gateway_sg_name(options.infra_id)
                                                           if state.gateway_sg or plan.create_security_group else None)
    return {
        "changed": not plan.empty,
        "naming_scheme": state.naming,
        "vpc_id": state.vpc_id,
        "worker_security_group_id": state.worker_sg_id,
        "control_plane_security_group_id": state.control_plane_sg_id,
        "plan": plan.to_dict(),
        "diff": {
            "before": {"gateway_security_group": group_before, "rules": [rule.to_dict() for rule in rules_before],
                       "subnet_tags": tags_before},
            "after": {"gateway_security_group": group_after, "rules": [rule.to_dict() for rule in rules_after],
                      "subnet_tags": cp.apply_tag_changes(tags_before, plan.tag_changes)},
        },
    }


# ----------------------------------------------------------------------------- info

def inspect(ec2, options: Options) -> dict:
    state = discover(ec2, options)
    if state is None:
        return {"vpc": None, "naming_scheme": None, "subnets": [], "security_groups": {}, "gateway_instances": [],
                "ready": False, "findings": [cp.finding(
                    "vpc_not_found", f"{options.infra_id}-vpc",
                    f"no VPC named {options.infra_id}-vpc and owned by cluster {options.infra_id} in {options.region}",
                    "check infra_id and region, or set vpc_id for a custom VPC")]}
    offered = ec2.offered_zones(options.instance_type)
    instances = ec2.gateway_instances(state.vpc_id)
    findings = _group_findings(state, options)
    findings += cp.rule_findings(_expected_rules(state, options), state.rules)
    findings += cp.subnet_findings(state.subnets, offered, options.gateways, options.instance_type, options.gateway_subnet_tag)
    findings += cp.gateway_instance_findings(instances, state.vpc_id)
    return {
        "vpc": {"vpc_id": state.vpc_id, "cidr_block": state.vpc.get("CidrBlock"), "tags": _tags(state.vpc)},
        "naming_scheme": state.naming,
        "subnets": [_subnet_report(subnet, offered) for subnet in state.subnets],
        "security_groups": {
            "gateway": _group_report(state.gateway_sg, state.rules),
            "worker": _group_report(state.worker_sg, state.rules),
            "control_plane": _group_report(state.control_plane_sg, state.rules),
        },
        "gateway_instances": [_instance_report(instance) for instance in instances],
        "findings": findings,
        "ready": not findings,
    }


def _expected_rules(state, options):
    """The rules the profile asks for, on the groups that exist (missing groups are findings of their own)."""
    internal_possible = state.worker_sg and state.control_plane_sg
    rules = []
    if state.gateway_sg:
        rules += cp.public_rules(options.port_profile, state.gateway_sg_id, options.ports)
    if internal_possible and not options.ovn_kubernetes:
        rules += cp.internal_rules(options.port_profile, state.worker_sg_id, state.control_plane_sg_id, options.ports)
    return rules


def _group_findings(state, options):
    findings = []
    worker_name, control_plane_name = cp.node_sg_names(options.infra_id, state.naming or cp.NAMING_LEGACY)
    expected = [("gateway", state.gateway_sg, cp.gateway_sg_name(options.infra_id))]
    if not options.ovn_kubernetes:
        expected += [("worker", state.worker_sg, options.worker_sg_id or worker_name),
                     ("control-plane", state.control_plane_sg, options.control_plane_sg_id or control_plane_name)]
    for role, group, name in expected:
        if group is None:
            hint = cp.PREPARE_HINT if role == "gateway" else f"set {role.replace('-', '_')}_security_group_id to the cluster's {role} security group"
            findings.append(cp.finding("security_group_missing", name, f"{role} security group {name} not found in {state.vpc_id}", hint))
    return findings


def _tags(resource):
    return {tag["Key"]: tag.get("Value", "") for tag in resource.get("Tags") or []}


def _subnet_report(subnet, offered):
    return {"subnet_id": subnet.subnet_id, "availability_zone": subnet.availability_zone, "name": subnet.name,
            "tags": dict(subnet.tags), "gateway": subnet.gateway_tagged,
            "instance_type_offered": subnet.availability_zone in offered}


def _group_report(group, rules):
    if not group:
        return None
    return {"group_id": group["GroupId"], "group_name": group.get("GroupName"), "description": group.get("Description"),
            "tags": _tags(group), "rules": [rule.to_dict() for rule in rules if rule.group_id == group["GroupId"]]}


def _instance_report(instance):
    return {"instance_id": instance["InstanceId"], "state": instance.get("State", {}).get("Name"),
            "instance_type": instance.get("InstanceType"),
            "availability_zone": instance.get("Placement", {}).get("AvailabilityZone"),
            "subnet_id": instance.get("SubnetId"), "public_ip": instance.get("PublicIpAddress"),
            "name": _tags(instance).get("Name")}

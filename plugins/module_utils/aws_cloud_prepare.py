# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What Submariner needs from AWS for one OpenShift cluster, as pure data.

Nothing here talks to AWS: the functions take what EC2 described and return the desired rules and
tags, the plan (what to authorize, revoke, tag and untag) and the findings of a verification. The
rule set reproduces submariner-io/cloud-prepare (``current`` profile) and the ACM 2.2 addon
(``legacy`` profile); the descriptions are cloud-prepare's, which is how rules we (or the addon)
created are told apart from everybody else's.
"""

from __future__ import annotations

import dataclasses
import re

from ansible_collections.acm.submariner.plugins.module_utils import constants as C

ANYWHERE = "0.0.0.0/0"

# Port and protocol defaults (domain.md 2.3).
DEFAULT_NAT_T_PORT = 4500
DEFAULT_NAT_DISCOVERY_PORT = C.SUBMARINER_NATT_DISCOVERY_PORT   # Submariner's DefaultNATTDiscoveryPort; the addon defaults to 4900
ADDON_NAT_DISCOVERY_PORT = 4900
DEFAULT_VXLAN_PORT = 4800
LEGACY_IKE_PORT = 500
LEGACY_METRICS_PORT = 8080          # gateway metrics, opened inside the cluster by ACM 2.2-2.6
GLOBALNET_METRICS_PORT = 8081       # globalnet metrics, opened inside the cluster by ACM 2.5-2.6
ESP_PROTOCOL = "50"
AH_PROTOCOL = "51"
DEFAULT_INSTANCE_TYPE = "m5n.large"

# What the submariner-addon's pkg/cloud/aws/aws.go opens, per ACM release (stolostron/submariner-addon):
# legacy  v2.2.11-ACM / release-2.3: UDP IKE + NAT-T public; UDP 4800 + TCP 8080 internal (own code)
# acm-2.4 release-2.4: cloud-prepare, public NAT-T + NAT discovery + ESP/AH; internal 4800/udp + 8080/tcp
# acm-2.5 release-2.5, release-2.6: as acm-2.4, plus 8081/tcp internal (globalnet metrics)
# current release-2.7 onwards: as acm-2.4 without the metrics ports
PROFILE_CURRENT = "current"
PROFILE_ACM_2_5 = "acm-2.5"
PROFILE_ACM_2_4 = "acm-2.4"
PROFILE_LEGACY = "legacy"
PORT_PROFILES = (PROFILE_CURRENT, PROFILE_ACM_2_5, PROFILE_ACM_2_4, PROFILE_LEGACY)
_INTERNAL_TCP_PORTS = {
    PROFILE_CURRENT: (),
    PROFILE_ACM_2_5: (LEGACY_METRICS_PORT, GLOBALNET_METRICS_PORT),
    PROFILE_ACM_2_4: (LEGACY_METRICS_PORT,),
    PROFILE_LEGACY: (LEGACY_METRICS_PORT,),
}

# Installer naming schemes: terraform (OpenShift < 4.16) and cluster-api (>= 4.16).
NAMING_LEGACY = "legacy"
NAMING_CAPI = "capi"
NAMING_SCHEMES = (NAMING_LEGACY, NAMING_CAPI)

# Rule descriptions, exactly as cloud-prepare writes them.
PUBLIC_DESCRIPTION = "Public Submariner traffic"
WORKERS_DESCRIPTION = "Internal Submariner traffic between the workers"
WORKER_TO_CONTROL_PLANE_DESCRIPTION = "Internal Submariner traffic from worker to control plane nodes"
CONTROL_PLANE_TO_WORKER_DESCRIPTION = "Internal Submariner traffic from control plane to worker nodes"
OWNED_RULE_DESCRIPTIONS = frozenset({
    PUBLIC_DESCRIPTION, WORKERS_DESCRIPTION, WORKER_TO_CONTROL_PLANE_DESCRIPTION, CONTROL_PLANE_TO_WORKER_DESCRIPTION,
})

GATEWAY_SG_SUFFIX = "-submariner-gw-sg"
GATEWAY_SG_DESCRIPTIONS = {PROFILE_CURRENT: "Submariner Gateway", PROFILE_ACM_2_5: "Submariner Gateway",
                           PROFILE_ACM_2_4: "Submariner Gateway", PROFILE_LEGACY: "For submariner gateway"}

# Subnet tags (domain.md 2.4). Which of them we added is recorded on the gateway security group, one
# tag per subnet (OWNED_TAGS_PREFIX + subnet id = "key,key"), so that absent removes exactly those and
# never a key somebody else had set before us. The record lives and dies with the group: whoever's
# cleanup deletes the group (cloud-prepare's and the addon's do, with the subnet tags) leaves nothing
# of ours behind on the subnets. Earlier releases kept the record on the subnet itself
# (OWNED_TAGS_TAG); such a record is still honoured and moved to the group, never written.
INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"
GATEWAY_SUBNET_TAG = "submariner.io/gateway"
GATEWAY_SUBNET_TAGS = {INTERNAL_ELB_TAG: "", GATEWAY_SUBNET_TAG: ""}
# The gateway subnet tag of the ACM 2.2 and 2.3 addon, before it used cloud-prepare
# (stolostron/submariner-addon v2.2.11-ACM / v2.3.0-ACM pkg/cloud/aws/aws.go internalGatewayLabel).
ADDON_LEGACY_GATEWAY_SUBNET_TAG = "open-cluster-management.io/submariner-addon/gateway"
GATEWAY_SUBNET_TAG_KEYS = (GATEWAY_SUBNET_TAG, ADDON_LEGACY_GATEWAY_SUBNET_TAG)
OWNED_TAGS_TAG = "acm.submariner/prepared-tags"
OWNED_TAGS_PREFIX = OWNED_TAGS_TAG + "/"

# Gateway instances: the MachineSet tags them submariner.io=gateway and names them <infraID>-submariner-gw-<az>-*.
GATEWAY_INSTANCE_TAG = ("submariner.io", "gateway")

_PORTLESS_PROTOCOLS = {ESP_PROTOCOL, AH_PROTOCOL, "-1"}
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}


class CloudPrepareError(Exception):
    """A condition that stops the preparation, with a message that names the cluster."""


@dataclasses.dataclass(frozen=True, order=True)
class Rule:
    """One ingress rule: a protocol and port range allowed on ``group_id`` from ``source``.

    ``source`` is a CIDR or a security group id. The description is not part of the identity (EC2
    refuses a second rule that differs only by description), but it tells whose rule it is.
    """

    group_id: str
    protocol: str
    from_port: int
    to_port: int
    source: str
    description: str = dataclasses.field(default="", compare=False)

    @property
    def owned(self) -> bool:
        return self.description in OWNED_RULE_DESCRIPTIONS

    @property
    def source_is_cidr(self) -> bool:
        return "/" in self.source

    def to_dict(self) -> dict:
        rule = {"security_group_id": self.group_id, "protocol": self.protocol,
                "from_port": self.from_port, "to_port": self.to_port, "description": self.description}
        rule["cidr_ip" if self.source_is_cidr else "source_security_group_id"] = self.source
        return rule

    def to_ip_permission(self) -> dict:
        permission = {"IpProtocol": self.protocol, "FromPort": self.from_port, "ToPort": self.to_port}
        source = {"CidrIp": self.source} if self.source_is_cidr else {"GroupId": self.source}
        if self.description:
            source["Description"] = self.description
        permission["IpRanges" if self.source_is_cidr else "UserIdGroupPairs"] = [source]
        return permission


@dataclasses.dataclass(frozen=True)
class Ports:
    nat_t: int = DEFAULT_NAT_T_PORT
    nat_discovery: int = DEFAULT_NAT_DISCOVERY_PORT
    vxlan: int = DEFAULT_VXLAN_PORT


@dataclasses.dataclass(frozen=True)
class Subnet:
    subnet_id: str
    availability_zone: str
    tags: dict

    @property
    def name(self) -> str:
        return self.tags.get("Name", "")

    @property
    def gateway_tagged(self) -> bool:
        return GATEWAY_SUBNET_TAG in self.tags

    @property
    def legacy_owned_tag_keys(self) -> list:
        """Keys recorded on the subnet itself by earlier releases."""
        return _split_keys(self.tags.get(OWNED_TAGS_TAG, ""))


def _split_keys(value: str) -> list:
    return sorted(key for key in value.split(",") if key)


@dataclasses.dataclass(frozen=True)
class TagChange:
    """Tags to add to and keys to remove from one subnet."""

    subnet_id: str
    add: dict
    remove: tuple

    def to_dict(self) -> dict:
        return {"subnet_id": self.subnet_id, "add": dict(self.add), "remove": list(self.remove)}


@dataclasses.dataclass
class Plan:
    """What one run changes; empty means nothing to do."""

    create_security_group: bool = False
    delete_security_group: bool = False
    authorize: list = dataclasses.field(default_factory=list)
    revoke: list = dataclasses.field(default_factory=list)
    tag_changes: list = dataclasses.field(default_factory=list)
    # Tags of the gateway security group holding the ownership record (subnet_id: the group or its name).
    record_change: TagChange | None = None

    @property
    def empty(self) -> bool:
        return not (self.create_security_group or self.delete_security_group or self.authorize
                    or self.revoke or self.tag_changes or self.record_change)

    def to_dict(self) -> dict:
        return {
            "create_security_group": self.create_security_group,
            "delete_security_group": self.delete_security_group,
            "authorize": [rule.to_dict() for rule in self.authorize],
            "revoke": [rule.to_dict() for rule in self.revoke],
            "tags": [change.to_dict() for change in self.tag_changes],
            "ownership_record": self.record_change.to_dict() if self.record_change else None,
        }


# ----------------------------------------------------------------------------- names and naming

def gateway_sg_name(infra_id: str) -> str:
    return f"{infra_id}{GATEWAY_SG_SUFFIX}"


def node_sg_names(infra_id: str, naming: str) -> tuple:
    """(worker SG Name tag, control-plane SG Name tag) for an installer naming scheme."""
    if naming == NAMING_CAPI:
        return f"{infra_id}-node", f"{infra_id}-controlplane"
    return f"{infra_id}-worker-sg", f"{infra_id}-master-sg"


def public_subnet_name_pattern(infra_id: str, region: str) -> str:
    """The EC2 ``tag:Name`` filter value cloud-prepare uses for public subnets (both schemes)."""
    return f"{infra_id}*-public-{region}*"


def detect_naming(infra_id: str, region: str, subnet_names) -> str | None:
    """``capi`` when a subnet is named ``<infraID>*-subnet-public-<region>*`` (cloud-prepare's
    setSuffixes), ``legacy`` when one is named ``<infraID>*-public-<region>*``, else None."""
    capi = re.compile(rf"^{re.escape(infra_id)}.*-subnet-public-{re.escape(region)}")
    legacy = re.compile(rf"^{re.escape(infra_id)}.*-public-{re.escape(region)}")
    names = list(subnet_names)
    if any(capi.match(name) for name in names):
        return NAMING_CAPI
    if any(legacy.match(name) for name in names):
        return NAMING_LEGACY
    return None


def is_owned_by_cluster(tags: dict, infra_id: str) -> bool:
    """The installer's ownership tag, in either scheme."""
    keys = (f"kubernetes.io/cluster/{infra_id}", f"sigs.k8s.io/cluster-api-provider-aws/cluster/{infra_id}")
    return any(tags.get(key) == "owned" for key in keys)


# ----------------------------------------------------------------------------- rules

def normalise_protocol(protocol) -> str:
    text = str(protocol).lower()
    return _PROTOCOL_NAMES.get(text, text)


def rules_from_permissions(group_id: str, permissions) -> list:
    """EC2 ``IpPermissions`` of one group as sorted :class:`Rule` objects, one per source.

    Protocols without ports (ESP, AH, all) get ports 0 whatever EC2 reports (it omits them or says
    -1), so that they compare equal to the desired rules.
    """
    rules = []
    for permission in permissions or []:
        protocol = normalise_protocol(permission["IpProtocol"])
        if protocol in _PORTLESS_PROTOCOLS:
            from_port = to_port = 0
        else:
            from_port, to_port = permission.get("FromPort", 0), permission.get("ToPort", 0)
        for ip_range in permission.get("IpRanges") or []:
            rules.append(Rule(group_id, protocol, from_port, to_port, ip_range["CidrIp"], ip_range.get("Description", "")))
        for pair in permission.get("UserIdGroupPairs") or []:
            rules.append(Rule(group_id, protocol, from_port, to_port, pair["GroupId"], pair.get("Description", "")))
    return sorted(rules)


def _udp(group_id, port, source, description):
    return Rule(group_id, "udp", port, port, source, description)


def public_rules(profile: str, gateway_sg_id: str, ports: Ports) -> list:
    """The rules of ``<infraID>-submariner-gw-sg``, open to the Internet."""
    if profile == PROFILE_LEGACY:
        ports_udp = [LEGACY_IKE_PORT, ports.nat_t]
        rules = []
    else:
        ports_udp = [ports.nat_t, ports.nat_discovery]
        rules = [Rule(gateway_sg_id, protocol, 0, 0, ANYWHERE, PUBLIC_DESCRIPTION) for protocol in (ESP_PROTOCOL, AH_PROTOCOL)]
    rules += [_udp(gateway_sg_id, port, ANYWHERE, PUBLIC_DESCRIPTION) for port in ports_udp]
    return sorted(set(rules))


def internal_rules(profile: str, worker_sg_id: str, control_plane_sg_id: str, ports: Ports) -> list:
    """VXLAN (and, up to ACM 2.6, the metrics ports) between workers and from/to the control plane."""
    pairs = [
        (worker_sg_id, worker_sg_id, WORKERS_DESCRIPTION),
        (control_plane_sg_id, worker_sg_id, WORKER_TO_CONTROL_PLANE_DESCRIPTION),
        (worker_sg_id, control_plane_sg_id, CONTROL_PLANE_TO_WORKER_DESCRIPTION),
    ]
    ports_by_protocol = [("udp", ports.vxlan)] + [("tcp", port) for port in _INTERNAL_TCP_PORTS[profile]]
    return sorted({
        Rule(target, protocol, port, port, source, description)
        for target, source, description in pairs
        for protocol, port in ports_by_protocol
    })


def desired_rules(profile: str, gateway_sg_id: str, worker_sg_id: str, control_plane_sg_id: str,
                  ports: Ports, ovn_kubernetes: bool) -> list:
    """Every rule Submariner needs; the internal ones are skipped on OVN-Kubernetes (cloud-prepare)."""
    rules = public_rules(profile, gateway_sg_id, ports)
    if not ovn_kubernetes:
        rules += internal_rules(profile, worker_sg_id, control_plane_sg_id, ports)
    return sorted(rules)


def plan_rules(desired, current) -> tuple:
    """(rules to authorize, rules to revoke): missing desired rules, and owned rules no longer desired.

    Rules whose description is not one of ours are never revoked, even when nothing asks for them.
    """
    current_set = set(current)
    desired_set = set(desired)
    authorize = sorted(rule for rule in desired_set if rule not in current_set)
    revoke = sorted(rule for rule in current_set if rule.owned and rule not in desired_set)
    return authorize, revoke


# ----------------------------------------------------------------------------- subnets

def choose_gateway_subnets(subnets, offered_zones, gateways: int, instance_type: str) -> list:
    """The ``gateways`` public subnets to tag: already tagged ones first, one per AZ before doubling up.

    Only subnets in an availability zone that offers ``instance_type`` qualify.
    """
    usable = [subnet for subnet in subnets if subnet.availability_zone in offered_zones]
    if len(usable) < gateways:
        raise CloudPrepareError(insufficient_subnets_message(subnets, usable, offered_zones, gateways, instance_type))
    ordered = sorted(usable, key=lambda subnet: (not subnet.gateway_tagged, subnet.availability_zone, subnet.subnet_id))
    chosen, zones = [], set()
    for subnet in ordered:
        if subnet.availability_zone not in zones:
            chosen.append(subnet)
            zones.add(subnet.availability_zone)
    chosen += [subnet for subnet in ordered if subnet not in chosen]
    return sorted(chosen[:gateways], key=lambda subnet: (subnet.availability_zone, subnet.subnet_id))


def insufficient_subnets_message(subnets, usable, offered_zones, gateways, instance_type) -> str:
    message = f"insufficient number of public subnets ({len(usable)}) to deploy {gateways} Submariner gateway(s)"
    lacking = sorted({subnet.availability_zone for subnet in subnets} - set(offered_zones))
    if lacking:
        message += f"; instance type {instance_type} is not offered in {', '.join(lacking)}"
    return message


def ownership_record(gateway_group_tags: dict, subnets=()) -> dict:
    """Subnet id -> tag keys we added: the gateway group's record, merged with older on-subnet records."""
    record = {key[len(OWNED_TAGS_PREFIX):]: _split_keys(value) for key, value in (gateway_group_tags or {}).items()
              if key.startswith(OWNED_TAGS_PREFIX)}
    for subnet in subnets:
        if subnet.legacy_owned_tag_keys:
            record[subnet.subnet_id] = sorted(set(record.get(subnet.subnet_id, ())) | set(subnet.legacy_owned_tag_keys))
    return {subnet_id: keys for subnet_id, keys in record.items() if keys}


def plan_subnet_tags(subnets, chosen, record: dict) -> tuple:
    """(subnet tag changes, new ownership record): tag the chosen subnets, untag (only what we added) the others."""
    chosen_ids = {subnet.subnet_id for subnet in chosen}
    changes, new_record = [], {}
    for subnet in sorted(subnets, key=lambda item: item.subnet_id):
        owned = record.get(subnet.subnet_id, [])
        if subnet.subnet_id in chosen_ids:
            missing = {key: value for key, value in GATEWAY_SUBNET_TAGS.items() if key not in subnet.tags}
            change = TagChange(subnet.subnet_id, missing, _legacy_record_key(subnet))
            kept = sorted(set(owned) | set(missing))
            if kept:
                new_record[subnet.subnet_id] = kept
        else:
            change = untag_subnet(subnet, owned)
        if change.add or change.remove:
            changes.append(change)
    return changes, new_record


def _legacy_record_key(subnet) -> tuple:
    return (OWNED_TAGS_TAG,) if OWNED_TAGS_TAG in subnet.tags else ()


def untag_subnet(subnet, owned) -> TagChange:
    """Remove the tags we added (``owned``, from the record) and any on-subnet record of earlier releases."""
    keys = [key for key in owned if key in subnet.tags] + list(_legacy_record_key(subnet))
    return TagChange(subnet.subnet_id, {}, tuple(keys))


def plan_record(group: str, before: dict, after: dict) -> TagChange | None:
    """The gateway group tag changes that turn ownership record ``before`` into ``after``."""
    add = {OWNED_TAGS_PREFIX + subnet_id: ",".join(keys) for subnet_id, keys in sorted(after.items())
           if before.get(subnet_id) != keys}
    remove = tuple(OWNED_TAGS_PREFIX + subnet_id for subnet_id in sorted(before) if subnet_id not in after)
    return TagChange(group, add, remove) if add or remove else None


def apply_tag_changes(tags_by_subnet: dict, changes) -> dict:
    """The subnet tags after ``changes`` (for the diff and check mode)."""
    after = {subnet_id: dict(tags) for subnet_id, tags in tags_by_subnet.items()}
    for change in changes:
        tags = after.setdefault(change.subnet_id, {})
        for key in change.remove:
            tags.pop(key, None)
        tags.update(change.add)
    return after


def apply_rule_changes(rules, authorize, revoke) -> list:
    revoked = set(revoke)
    return sorted({rule for rule in rules if rule not in revoked} | set(authorize))


# ----------------------------------------------------------------------------- verification

def finding(code: str, resource: str, message: str, hint: str) -> dict:
    return {"code": code, "resource": resource, "message": message, "hint": hint}


PREPARE_HINT = ("run acm.submariner.aws_cloud_prepare for this cluster, or let the submariner-addon prepare it "
                "(SubmarinerConfig spec.credentialsSecret)")


def rule_findings(expected, current) -> list:
    """``rule_missing`` for each expected rule that is absent, ``rule_wrong_source`` when the same
    protocol and port is open on the group, but to another source."""
    current_set = set(current)
    findings = []
    for rule in sorted(set(expected)):
        if rule in current_set:
            continue
        others = sorted(other.source for other in current_set
                        if (other.group_id, other.protocol, other.from_port, other.to_port)
                        == (rule.group_id, rule.protocol, rule.from_port, rule.to_port))
        label = rule_label(rule)
        if others:
            findings.append(finding(
                "rule_wrong_source", rule.group_id,
                f"{label} on {rule.group_id} is open to {', '.join(others)}, not to {rule.source}",
                f"allow {label} from {rule.source} on {rule.group_id} ({PREPARE_HINT})"))
        else:
            findings.append(finding(
                "rule_missing", rule.group_id, f"{label} from {rule.source} is not allowed on {rule.group_id}",
                f"allow it ({PREPARE_HINT})"))
    return findings


def rule_label(rule) -> str:
    names = {ESP_PROTOCOL: "ESP (IP protocol 50)", AH_PROTOCOL: "AH (IP protocol 51)"}
    if rule.protocol in names:
        return names[rule.protocol]
    ports = str(rule.from_port) if rule.from_port == rule.to_port else f"{rule.from_port}-{rule.to_port}"
    return f"{rule.protocol.upper()} {ports}"


def subnet_findings(subnets, offered_zones, gateways: int, instance_type: str, gateway_tag: str = GATEWAY_SUBNET_TAG) -> list:
    """Untagged subnets when fewer than ``gateways`` are tagged, partial tags, and tagged subnets in
    zones that do not offer the gateway instance type. ``gateway_tag`` is the key that marks a
    gateway subnet for whoever prepared the cluster."""
    findings = []
    expected = (INTERNAL_ELB_TAG, gateway_tag)
    tagged = [subnet for subnet in subnets if gateway_tag in subnet.tags]
    for subnet in tagged:
        missing = sorted(key for key in expected if key not in subnet.tags)
        if missing:
            findings.append(finding("subnet_untagged", subnet.subnet_id,
                                    f"gateway subnet {subnet.subnet_id} lacks tag(s) {', '.join(missing)}",
                                    f"tag it {', '.join(f'{key}=' for key in missing)} ({PREPARE_HINT})"))
        if subnet.availability_zone not in offered_zones:
            findings.append(finding(
                "instance_type_not_offered", subnet.subnet_id,
                f"instance type {instance_type} is not offered in {subnet.availability_zone}, the zone of gateway subnet {subnet.subnet_id}",
                f"choose an instance type offered in {subnet.availability_zone}, or a public subnet in another zone"))
    if len(tagged) < gateways:
        for subnet in (subnet for subnet in subnets if gateway_tag not in subnet.tags):
            findings.append(finding(
                "subnet_untagged", subnet.subnet_id,
                f"{len(tagged)} of {gateways} gateway subnet(s) tagged; public subnet {subnet.subnet_id} "
                f"({subnet.availability_zone}) has no {gateway_tag} tag",
                f"tag it {INTERNAL_ELB_TAG}= and {gateway_tag}= ({PREPARE_HINT})"))
    return findings


def gateway_instance_findings(instances, vpc_id: str) -> list:
    running = [instance for instance in instances if instance.get("State", {}).get("Name") == "running"]
    if running:
        return []
    states = ", ".join(f"{instance['InstanceId']} {instance.get('State', {}).get('Name')}" for instance in instances)
    return [finding("no_gateway_instance", vpc_id,
                    f"no gateway instance is running in {vpc_id}" + (f" ({states})" if states else ""),
                    "create the gateway MachineSet (acm.submariner.gateway_machineset) or let the submariner-addon "
                    "create it, then wait for its Machine to be Running")]

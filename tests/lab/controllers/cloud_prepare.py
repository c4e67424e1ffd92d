"""The cloud-prepare engine on AWS (``submariner-io/cloud-prepare``, domain.md 2.2 to 2.7), for both profiles.

It knows EC2 and MachineSets, not ACM: the addon controllers (``acm_cloud.py``) decide when it runs,
with which credentials, and turn :class:`CloudPrepareFailed` into condition messages.

Prepare
    find the VPC, public subnets and worker/control-plane SGs by tag for both naming schemes (or
    the ids given as overrides); create ``<infraID>-submariner-gw-sg`` with the profile's public
    rules; open the profile's internal rules between worker and control-plane SGs (not on
    OVN-Kubernetes where the profile says so); tag public subnets whose AZ offers the instance type
    until ``gateways`` are tagged, never untagging one (fewer gateways change nothing, see
    :func:`tag_gateway_subnets`); create or replace one gateway MachineSet ``<infraID>-submariner-gw-<az>``
    per tagged subnet on the spoke (its running Machines keep their instance type: the machine-api
    does not replace them). Every step is idempotent (``InvalidPermission.Duplicate`` counts as success).
Clean up
    for every subnet carrying the profile's gateway tag, delete the gateway MachineSet and remove
    the tags; revoke the internal rules; delete the gateway SG. Only what prepare created.

ACM 2.2 (``profile.gateway_machineset_work``) follows stolostron/submariner-addon v2.2.11-ACM
``pkg/cloud/aws/aws.go`` instead for the gateway: its MachineSet (``pkg/cloud/aws/manifests/machineset.yaml``)
and an aggregate ClusterRole go to the spoke through the hub ManifestWork
``aws-submariner-gateway-machineset`` in the cluster namespace, and clean-up deletes that work.
"""

from __future__ import annotations

import dataclasses
import re

from tests.lab import profiles
from tests.lab.aws import tags_to_dict
from tests.lab.controllers.machine_api import LABEL_CLUSTER, LABEL_MACHINESET, LABEL_ROLE, LABEL_TYPE, MACHINE_API, NAMESPACE, aws_machineset

PUBLIC_CIDR = "0.0.0.0/0"
GATEWAY_LABEL = "submariner.io/gateway"
GATEWAY_TAINT = {"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}
INFRA_ROLE_LABEL = "node-role.kubernetes.io/infra"
OWNER_TAG_KEYS = ("kubernetes.io/cluster/{infra}", "sigs.k8s.io/cluster-api-provider-aws/cluster/{infra}")


class CloudPrepareFailed(Exception):
    """Cloud preparation failed; the text is cloud-prepare's error message."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to prepare for one cluster."""

    profile: profiles.Profile
    infra_id: str
    region: str
    gateways: int = 1
    instance_type: str = ""
    network_type: str = "OpenShiftSDN"
    config_spec: dict | None = None
    vpc_id: str = ""
    subnet_ids: tuple[str, ...] = ()
    worker_sg_id: str = ""
    control_plane_sg_id: str = ""

    @classmethod
    def from_request(cls, request: dict) -> "Plan":
        """The plan for a request as ``acm_cloud.request_for`` builds it."""
        return cls(
            profile=profiles.get(request["profile"]), infra_id=request["infra_id"], region=request["region"],
            gateways=int(request.get("gateways", 1)), instance_type=request.get("instance_type") or "",
            network_type=request.get("network_type") or "", config_spec=request.get("config_spec") or {},
            vpc_id=request.get("vpc_id") or "", subnet_ids=tuple(request.get("subnet_ids") or ()),
            worker_sg_id=request.get("worker_sg_id") or "", control_plane_sg_id=request.get("control_plane_sg_id") or "",
        )

    @property
    def gateway_instance_type(self) -> str:
        return self.instance_type or self.profile.gateway_instance_type

    @property
    def gateway_sg_name(self) -> str:
        return f"{self.infra_id}-submariner-gw-sg"

    def gateway_machineset_name(self, availability_zone: str) -> str:
        return f"{self.infra_id}-submariner-gw-{availability_zone}"

    @property
    def gateway_marker_tag(self) -> str:
        """The subnet tag that marks a subnet as prepared (cleanup finds subnets by it)."""
        return self.profile.gateway_subnet_tags[-1]


@dataclasses.dataclass(frozen=True)
class Discovery:
    """The cluster's AWS resources as cloud-prepare finds them."""

    vpc_id: str
    public_subnets: tuple[dict, ...]     # EC2 Subnet dicts
    worker_sg: dict
    control_plane_sg: dict
    naming: str                          # "legacy" | "capi"


# ------------------------------------------------------------------- entry points for the addon
def prepare(world, request: dict) -> dict:
    """Prepare the cluster of ``request`` with its credentials; the summary of what exists afterwards."""
    plan = Plan.from_request(request)
    ec2 = _ec2_for(world, request, plan, "prepare")
    if plan.profile.gateway_machineset_work:
        return prepare_cluster_acm22(ec2, world.hub, request["cluster"], plan)
    return prepare_cluster(ec2, _spoke(world, request["cluster"]), plan)


def clean_up(world, request: dict) -> dict:
    """Undo :func:`prepare` for the cluster of ``request``; the summary of what was removed."""
    plan = Plan.from_request(request)
    ec2 = _ec2_for(world, request, plan, "clean_up")
    if plan.profile.gateway_machineset_work:
        return clean_up_cluster_acm22(ec2, world.hub, request["cluster"], plan)
    return clean_up_cluster(ec2, _spoke(world, request["cluster"]), plan)


def _ec2_for(world, request: dict, plan, action: str):
    """An EC2 client with the keys the add-on read from the credentials secret for this call (recorded per call)."""
    credentials = request.get("credentials")
    world.cloud_calls.append((request["cluster"], action, (credentials or {}).get("aws_access_key_id", "")))
    return world.ec2(plan.region, credentials)


def _spoke(world, cluster: str):
    spoke = world.spoke_for(cluster)
    if spoke is None:
        raise CloudPrepareFailed(f"managed cluster {cluster} is not reachable")
    return spoke


# ------------------------------------------------------------------- engine
def prepare_cluster(ec2, spoke, plan: Plan) -> dict:
    """Open the ports and deploy the gateways; idempotent. Raises CloudPrepareFailed."""
    if plan.gateways < 1:
        raise CloudPrepareFailed("the count of gateways is less than 1")
    found = discover(ec2, plan)
    gateway_sg = ensure_gateway_security_group(ec2, found.vpc_id, plan)
    internal = open_internal_ports(ec2, found, plan)
    subnets = tag_gateway_subnets(ec2, found, plan)
    ami = worker_ami(ec2, found.vpc_id, plan.infra_id)
    machinesets = [_apply_machineset(spoke, _gateway_machineset(plan, found, subnet, ami)) for subnet in subnets]
    return {"gateway_security_group": gateway_sg, "internal_rules": internal,
            "gateway_subnets": [subnet["SubnetId"] for subnet in subnets], "machinesets": machinesets}


def clean_up_cluster(ec2, spoke, plan: Plan) -> dict:
    """Remove the gateway MachineSets, subnet tags, internal rules and gateway SG. Raises CloudPrepareFailed."""
    found = discover(ec2, plan, require_public_subnets=False)
    released = _release_gateway_subnets(ec2, spoke, found, plan)
    revoked = revoke_internal_ports(ec2, found, plan)
    deleted = delete_gateway_security_group(ec2, found.vpc_id, plan)
    return {"machinesets": released, "revoked_rules": revoked, "gateway_security_group": deleted}


WORK_API = "work.open-cluster-management.io/v1"
ACM22_MACHINESET_ROLE = "open-cluster-management:submariner-addon-machinesets-aggregate-clusterrole"


def prepare_cluster_acm22(ec2, hub, cluster: str, plan: Plan) -> dict:
    """ACM 2.2's PrepareSubmarinerClusterEnv: ports, one tagged subnet, the gateway MachineSet as a ManifestWork."""
    found = discover(ec2, plan)
    ami = worker_ami(ec2, found.vpc_id, plan.infra_id)
    internal = open_internal_ports(ec2, found, plan)
    gateway_sg = ensure_gateway_security_group(ec2, found.vpc_id, plan)
    subnet = choose_gateway_subnets(ec2, found, plan)[0]
    if "kubernetes.io/role/internal-elb" not in tags_to_dict(subnet.get("Tags")):  # tagSubnet: already tagged, kept
        _tag_subnet(ec2, subnet, plan)
    work = {
        "apiVersion": WORK_API, "kind": "ManifestWork",
        "metadata": {"name": plan.profile.gateway_machineset_work, "namespace": cluster},
        "spec": {"workload": {"manifests": [_acm22_machineset_role(), _acm22_machineset(plan, subnet["AvailabilityZone"], ami)]}},
    }
    current = hub.get(WORK_API, "ManifestWork", work["metadata"]["name"], cluster)
    if current is None:
        hub.create(work)
    elif current.get("spec") != work["spec"]:
        current["spec"] = work["spec"]
        hub.update(current)
    return {"gateway_security_group": gateway_sg, "internal_rules": internal, "gateway_subnets": [subnet["SubnetId"]],
            "machinesets": [plan.gateway_machineset_name(subnet["AvailabilityZone"])]}


def clean_up_cluster_acm22(ec2, hub, cluster: str, plan: Plan) -> dict:
    """ACM 2.2's CleanUpSubmarinerClusterEnv: delete the work, untag, revoke; the gateway SG itself stays."""
    deleted_work = hub.get(WORK_API, "ManifestWork", plan.profile.gateway_machineset_work, cluster) is not None
    if deleted_work:
        hub.delete(WORK_API, "ManifestWork", plan.profile.gateway_machineset_work, cluster)
    found = discover(ec2, plan, require_public_subnets=False)
    for subnet in found.public_subnets:
        if plan.gateway_marker_tag in tags_to_dict(subnet.get("Tags")):
            ec2.delete_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": key} for key in plan.profile.gateway_subnet_tags])
    group = _security_group_named(ec2, found.vpc_id, plan.gateway_sg_name)
    if group is not None and group.get("IpPermissions"):  # revokeIPsecPorts: "the ipsec sg may has references"
        ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    revoked = revoke_internal_ports(ec2, found, plan)
    return {"manifestwork": deleted_work, "revoked_rules": revoked, "gateway_security_group": None}


def _acm22_machineset_role() -> dict:
    """v2.2.11-ACM pkg/cloud/aws/manifests/machineset-aggeragate-clusterrole.yaml."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": ACM22_MACHINESET_ROLE, "labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
        "rules": [{"apiGroups": ["machine.openshift.io"], "resources": ["machinesets"],
                   "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]}],
    }


def _acm22_machineset(plan: Plan, zone: str, ami: str) -> dict:
    """v2.2.11-ACM pkg/cloud/aws/manifests/machineset.yaml rendered by deployGatewayNode (m5n.large, legacy names)."""
    name = plan.gateway_machineset_name(zone)
    selector = {LABEL_CLUSTER: plan.infra_id, LABEL_MACHINESET: name}
    return {
        "apiVersion": MACHINE_API, "kind": "MachineSet",
        "metadata": {"labels": {LABEL_CLUSTER: plan.infra_id}, "name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {"labels": {LABEL_CLUSTER: plan.infra_id, LABEL_ROLE: "worker", LABEL_TYPE: "worker", LABEL_MACHINESET: name}},
                "spec": {
                    "metadata": {"labels": {GATEWAY_LABEL: "true"}},
                    "taints": [{"effect": "NoSchedule", "key": GATEWAY_TAINT["key"]}],
                    "providerSpec": {"value": {
                        "ami": {"id": ami},
                        "apiVersion": "awsproviderconfig.openshift.io/v1beta1",
                        "credentialsSecret": {"name": "aws-cloud-credentials"},
                        "deviceIndex": 0,
                        "iamInstanceProfile": {"id": f"{plan.infra_id}-worker-profile"},
                        "instanceType": plan.profile.gateway_instance_type,
                        "kind": "AWSMachineProviderConfig",
                        "placement": {"availabilityZone": zone, "region": plan.region},
                        "securityGroups": [{"filters": [{"name": "tag:Name", "values": [f"{plan.infra_id}-worker-sg", plan.gateway_sg_name]}]}],
                        "subnet": {"filters": [{"name": "tag:Name", "values": [f"{plan.infra_id}-public-{zone}"]}]},
                        "tags": [{"name": f"kubernetes.io/cluster/{plan.infra_id}", "value": "owned"}, {"name": "submariner.io", "value": "gateway"}],
                        "userDataSecret": {"name": "worker-user-data"},
                        "publicIp": True,
                    }},
                },
            },
        },
    }


def discover(ec2, plan: Plan, *, require_public_subnets: bool = True) -> Discovery:
    """The VPC, public subnets and worker/control-plane SGs of the cluster (overrides first)."""
    vpc_id = find_vpc(ec2, plan)
    subnets = find_public_subnets(ec2, vpc_id, plan)
    if require_public_subnets and not subnets:
        raise CloudPrepareFailed(f"no public subnets found in VPC {vpc_id} for infraID {plan.infra_id}")
    naming = naming_of(subnets, plan)
    worker_name, control_plane_name = _security_group_names(plan.infra_id, naming)
    worker = find_security_group(ec2, vpc_id, worker_name, plan.worker_sg_id)
    control_plane = find_security_group(ec2, vpc_id, control_plane_name, plan.control_plane_sg_id)
    return Discovery(vpc_id=vpc_id, public_subnets=tuple(subnets), worker_sg=worker, control_plane_sg=control_plane, naming=naming)


def find_vpc(ec2, plan: Plan) -> str:
    if plan.vpc_id:
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [plan.vpc_id]}])["Vpcs"]
        if not vpcs:
            raise CloudPrepareFailed(f"unable to find VPC {plan.vpc_id}")
        return vpcs[0]["VpcId"]
    name = f"{plan.infra_id}-vpc"
    vpcs = [vpc for vpc in ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
            if _owned(vpc, plan.infra_id)]
    if not vpcs:
        raise CloudPrepareFailed(f"unable to find VPC {name}")
    return vpcs[0]["VpcId"]


def find_public_subnets(ec2, vpc_id: str, plan: Plan) -> list[dict]:
    if plan.subnet_ids:
        subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": list(plan.subnet_ids)}])["Subnets"]
        missing = sorted(set(plan.subnet_ids) - {subnet["SubnetId"] for subnet in subnets})
        if missing:
            raise CloudPrepareFailed(f"unable to find subnets {', '.join(missing)}")
        return sorted(subnets, key=lambda subnet: subnet["AvailabilityZone"])
    pattern = f"{plan.infra_id}*-public-{plan.region}*"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [pattern]}])["Subnets"]
    return sorted((subnet for subnet in subnets if _owned(subnet, plan.infra_id)), key=lambda subnet: subnet["AvailabilityZone"])


def naming_of(subnets: list[dict], plan: Plan) -> str:
    """``capi`` when a public subnet is named ``<infraID>...-subnet-public-<region>...`` (OpenShift >= 4.16), else ``legacy``."""
    capi = re.compile(re.escape(plan.infra_id) + r".*-subnet-public-" + re.escape(plan.region) + ".*")
    if any(capi.fullmatch(tags_to_dict(subnet.get("Tags")).get("Name", "")) for subnet in subnets):
        return "capi"
    return "legacy"


def find_security_group(ec2, vpc_id: str, name: str, group_id: str = "") -> dict:
    if group_id:
        groups = ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroups"]
        if not groups:
            raise CloudPrepareFailed(f"security group {group_id} not found")
        return groups[0]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [name]}])["SecurityGroups"]
    if not groups:
        raise CloudPrepareFailed(f"security group {name} not found")
    return groups[0]


def worker_ami(ec2, vpc_id: str, infra: str) -> str:
    """The AMI of an existing worker instance (``findAMIID``)."""
    reservations = ec2.describe_instances(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [f"{infra}-worker*"]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ])["Reservations"]
    images = sorted({instance["ImageId"] for reservation in reservations for instance in reservation["Instances"]})
    if not images:
        raise CloudPrepareFailed(f"unable to find a worker instance {infra}-worker* to take the AMI ID from")
    return images[0]


# ------------------------------------------------------------------- ports
def ensure_gateway_security_group(ec2, vpc_id: str, plan: Plan) -> str:
    """Create (or find) ``<infraID>-submariner-gw-sg`` and authorize the profile's public rules."""
    existing = _security_group_named(ec2, vpc_id, plan.gateway_sg_name)
    if existing is None:
        group_id = ec2.create_security_group(
            GroupName=plan.gateway_sg_name, Description=plan.profile.gateway_sg_description, VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": plan.gateway_sg_name}]}],
        )["GroupId"]
    else:
        group_id = existing["GroupId"]
    for rule in plan.profile.public_ports(plan.config_spec):
        ip_range = {"CidrIp": PUBLIC_CIDR, **({"Description": rule.description} if rule.description else {})}
        _authorize(ec2, group_id, {**_ports(rule.protocol, rule.port), "IpRanges": [ip_range]})
    return group_id


def open_internal_ports(ec2, found: Discovery, plan: Plan) -> list[dict]:
    opened = []
    for rule in plan.profile.internal_ports(plan.network_type):
        target, source = _role_group(found, rule.target), _role_group(found, rule.source)
        pair = {"GroupId": source, **({"Description": rule.description} if rule.description else {})}
        _authorize(ec2, target, {**_ports(rule.protocol, rule.port), "UserIdGroupPairs": [pair]})
        opened.append({"group": target, "source": source, "protocol": rule.protocol, "port": rule.port})
    return opened


def revoke_internal_ports(ec2, found: Discovery, plan: Plan) -> list[dict]:
    """Revoke the profile's internal rules wherever they are (whatever the CNI was when they were opened)."""
    revoked = []
    groups = {"worker": found.worker_sg, "control_plane": found.control_plane_sg}
    for rule in plan.profile.internal_rules:
        target, source = groups[rule.target], _role_group(found, rule.source)
        pair = _group_rule_pair(target, rule.protocol, rule.port, source)
        if pair is None:
            continue
        # Sent as stored (with its description): moto, unlike AWS, matches the description too.
        ec2.revoke_security_group_ingress(GroupId=target["GroupId"], IpPermissions=[
            {**_ports(rule.protocol, rule.port), "UserIdGroupPairs": [{key: pair[key] for key in ("GroupId", "Description") if key in pair}]}])
        revoked.append({"group": target["GroupId"], "source": source, "protocol": rule.protocol, "port": rule.port})
    return revoked


def delete_gateway_security_group(ec2, vpc_id: str, plan: Plan) -> str | None:
    group = _security_group_named(ec2, vpc_id, plan.gateway_sg_name)
    if group is None:
        return None
    users = _instances_using(ec2, group["GroupId"])
    if users:
        # AWS answers DependencyViolation while an instance's interface still uses the group; moto does not check.
        raise CloudPrepareFailed(f"error deleting security group {plan.gateway_sg_name}: DependencyViolation: resource "
                                 f"{group['GroupId']} has a dependent object (instances {', '.join(users)})")
    try:
        ec2.delete_security_group(GroupId=group["GroupId"])
    except Exception as error:  # pylint: disable=broad-exception-caught
        if _error_code(error) == "DependencyViolation":
            raise CloudPrepareFailed(f"error deleting security group {plan.gateway_sg_name}: {error}") from error
        if _error_code(error) != "InvalidGroup.NotFound":
            raise
    return group["GroupId"]


def _instances_using(ec2, group_id: str) -> list[str]:
    reservations = ec2.describe_instances(Filters=[
        {"Name": "instance.group-id", "Values": [group_id]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "shutting-down", "stopping", "stopped"]},
    ])["Reservations"]
    return sorted(instance["InstanceId"] for reservation in reservations for instance in reservation["Instances"])


# ------------------------------------------------------------------- gateways
def choose_gateway_subnets(ec2, found: Discovery, plan: Plan) -> list[dict]:
    """``gateways`` public subnets whose AZ offers the instance type, already-tagged ones first (ACM 2.2's choice)."""
    zones = offering_zones(ec2, plan.gateway_instance_type)
    usable = [subnet for subnet in found.public_subnets if subnet["AvailabilityZone"] in zones]
    if len(usable) < plan.gateways:
        raise CloudPrepareFailed(f"insufficient number of public subnets ({len(usable)}) to deploy {plan.gateways} Submariner gateway(s)")
    usable.sort(key=lambda subnet: (plan.gateway_marker_tag not in tags_to_dict(subnet.get("Tags")), subnet["AvailabilityZone"]))
    return usable[:plan.gateways]


def tag_gateway_subnets(ec2, found: Discovery, plan: Plan) -> list[dict]:
    """The subnets that get a gateway: every tagged one, and untagged ones tagged until ``gateways`` are tagged.

    submariner-io/cloud-prepare release-0.19 (v0.19.4 in submariner-addon release-2.12) ``pkg/aws/ocpgwdeployer.go``
    ``processSubnets``: it never untags a subnet nor deletes a gateway MachineSet, so fewer gateways change nothing;
    and its stop test is ``len(taggedSubnets) == input.Gateways``, so with more subnets tagged than asked for it
    tags (and deploys a gateway in) every untagged one as well.
    """
    zones = offering_zones(ec2, plan.gateway_instance_type)
    usable = [subnet for subnet in found.public_subnets if subnet["AvailabilityZone"] in zones]
    if len(usable) < plan.gateways:  # validateDeployPrerequisites
        raise CloudPrepareFailed(f"insufficient number of public subnets ({len(usable)}) to deploy {plan.gateways} Submariner gateway(s)")
    tagged = [subnet for subnet in usable if plan.gateway_marker_tag in tags_to_dict(subnet.get("Tags"))]
    for subnet in usable:
        if subnet in tagged:
            continue
        if len(tagged) == plan.gateways:
            break
        _tag_subnet(ec2, subnet, plan)
        tagged.append(subnet)
    return tagged


def offering_zones(ec2, instance_type: str) -> set[str]:
    offerings = ec2.describe_instance_type_offerings(
        LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": [instance_type]}])["InstanceTypeOfferings"]
    return {offering["Location"] for offering in offerings}


def _tag_subnet(ec2, subnet: dict, plan: Plan) -> None:
    ec2.create_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": key, "Value": ""} for key in plan.profile.gateway_subnet_tags])


def _gateway_machineset(plan: Plan, found: Discovery, subnet: dict, ami: str) -> dict:
    zone = subnet["AvailabilityZone"]
    labels = {GATEWAY_LABEL: "true", **({INFRA_ROLE_LABEL: ""} if plan.profile.gateway_infra_label else {})}
    return aws_machineset(
        name=plan.gateway_machineset_name(zone), infra=plan.infra_id, region=plan.region, availability_zone=zone, ami=ami,
        instance_type=plan.gateway_instance_type, subnet_name=tags_to_dict(subnet.get("Tags")).get("Name", subnet["SubnetId"]),
        security_group_names=[tags_to_dict(found.worker_sg.get("Tags")).get("Name", found.worker_sg["GroupName"]), plan.gateway_sg_name],
        node_labels=labels, taints=[dict(GATEWAY_TAINT)], extra_tags=[{"name": "submariner.io", "value": "gateway"}], public_ip=True,
    )


def _apply_machineset(spoke, machineset: dict) -> str:
    name = machineset["metadata"]["name"]
    current = spoke.get(MACHINE_API, "MachineSet", name, NAMESPACE)
    if current is None:
        spoke.create(machineset)
    elif current.get("spec") != machineset["spec"]:
        current["spec"] = machineset["spec"]
        spoke.update(current)
    return name


def _release_gateway_subnets(ec2, spoke, found: Discovery, plan: Plan) -> list[str]:
    """Delete the gateway MachineSet and remove the tags of every tagged subnet."""
    released = []
    for subnet in found.public_subnets:
        if plan.gateway_marker_tag not in tags_to_dict(subnet.get("Tags")):
            continue
        name = plan.gateway_machineset_name(subnet["AvailabilityZone"])
        if spoke.get(MACHINE_API, "MachineSet", name, NAMESPACE) is not None:
            spoke.delete(MACHINE_API, "MachineSet", name, NAMESPACE)
        ec2.delete_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": key} for key in plan.profile.gateway_subnet_tags])
        released.append(name)
    return released


# ------------------------------------------------------------------- helpers
def _security_group_names(infra: str, naming: str) -> tuple[str, str]:
    if naming == "capi":
        return f"{infra}-node", f"{infra}-controlplane"
    return f"{infra}-worker-sg", f"{infra}-master-sg"


def _owned(resource: dict, infra: str) -> bool:
    tags = tags_to_dict(resource.get("Tags"))
    return any(tags.get(key.format(infra=infra)) == "owned" for key in OWNER_TAG_KEYS)


def _security_group_named(ec2, vpc_id: str, name: str) -> dict | None:
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    return groups[0] if groups else None


def _role_group(found: Discovery, role: str) -> str:
    return (found.worker_sg if role == "worker" else found.control_plane_sg)["GroupId"]


def _ports(protocol: str, port: int) -> dict:
    if protocol in ("tcp", "udp"):
        return {"IpProtocol": protocol, "FromPort": port, "ToPort": port}
    return {"IpProtocol": protocol, "FromPort": 0, "ToPort": 0}


def _authorize(ec2, group_id: str, permission: dict) -> None:
    try:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    except Exception as error:  # pylint: disable=broad-exception-caught
        if _error_code(error) != "InvalidPermission.Duplicate":
            raise


def _group_rule_pair(group: dict, protocol: str, port: int, source: str) -> dict | None:
    """The UserIdGroupPair of ``group``'s rule allowing ``protocol``/``port`` from ``source``, if any."""
    wanted = _ports(protocol, port)
    for permission in group.get("IpPermissions", []):
        if (str(permission.get("IpProtocol")), permission.get("FromPort"), permission.get("ToPort")) != (
                wanted["IpProtocol"], wanted["FromPort"], wanted["ToPort"]):
            continue
        for pair in permission.get("UserIdGroupPairs", []):
            if pair.get("GroupId") == source:
                return pair
    return None


def _error_code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")

"""EC2 (moto) seeded the way the OpenShift installer leaves an AWS account.

One call per cluster: :func:`seed_cluster` creates the VPC, one public and one private subnet per
availability zone, the worker and control-plane security groups with a few installer rules and one
running worker and one control-plane instance per zone, all tagged as the installer tags them. Two naming schemes exist:

``legacy`` (OpenShift < 4.16, terraform installer)
    subnets ``<infraID>-public-<az>`` / ``<infraID>-private-<az>``, SGs ``<infraID>-worker-sg`` /
    ``<infraID>-master-sg``, ownership tag ``kubernetes.io/cluster/<infraID>=owned``.
``capi`` (OpenShift >= 4.16, cluster-api installer)
    subnets ``<infraID>-subnet-public-<az>`` / ``<infraID>-subnet-private-<az>``, SGs
    ``<infraID>-node`` / ``<infraID>-controlplane``, ownership tag
    ``sigs.k8s.io/cluster-api-provider-aws/cluster/<infraID>=owned``.

:func:`snapshot` returns a normalised, sorted view of EC2 for ``dump`` and residue checks.

The functions only take a boto3 EC2 client, so they work the same on moto's server and in-process
``mock_aws``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json

DEFAULT_REGION = "eu-west-1"
NAMING_SCHEMES = ("legacy", "capi")
WORKER_INSTANCE_TYPE = "m5.xlarge"
AZ_COUNT = 3
# The installer's default machine network is 10.0.0.0/16; each further cluster gets the next free /16.
_VPC_POOL = ipaddress.ip_network("10.0.0.0/9")
_INFRA_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_AMI_NAME_PATTERN = "RHEL-*"
# The image installer_ami picks among moto's bundled AMIs (its list is fixed per moto release): the
# lowest id of the "RHEL-*" images. Looked up by id, it costs one dictionary hit instead of a scan.
INSTALLER_AMI_ID = "ami-bb9a6bc2"


@dataclasses.dataclass(frozen=True)
class SeededCluster:
    """Ids and names of everything :func:`seed_cluster` created for one cluster."""

    cluster_name: str
    infra_id: str
    region: str
    naming: str
    vpc_id: str
    vpc_cidr: str
    availability_zones: tuple[str, ...]
    public_subnets: dict[str, str]        # availability zone -> subnet id
    private_subnets: dict[str, str]       # availability zone -> subnet id
    worker_sg_id: str
    control_plane_sg_id: str
    ami_id: str
    worker_instances: dict[str, str]      # availability zone -> instance id
    control_plane_instances: dict[str, str]  # availability zone -> instance id of <infraID>-master-<n>

    @property
    def worker_sg_name(self) -> str:
        return security_group_names(self.infra_id, self.naming)[0]

    @property
    def control_plane_sg_name(self) -> str:
        return security_group_names(self.infra_id, self.naming)[1]

    def subnet_name(self, role: str, availability_zone: str) -> str:
        return subnet_name(self.infra_id, role, availability_zone, self.naming)


def infra_id(cluster_name: str) -> str:
    """The installer's infrastructure name: the cluster name (at most 21 characters) and 5 characters.

    The installer draws the suffix at random; here it is derived from the name so that a lab
    restarted with the same options gets the same ids.
    """
    digest = int(hashlib.sha256(cluster_name.encode()).hexdigest(), 16)
    suffix = ""
    for _position in range(5):
        digest, index = divmod(digest, len(_INFRA_ALPHABET))
        suffix += _INFRA_ALPHABET[index]
    return f"{cluster_name[:21].rstrip('-')}-{suffix}"


def ownership_tag_key(infra: str, naming: str) -> str:
    """The tag key the installer puts (value ``owned``) on the VPC and the subnets."""
    _check_naming(naming)
    if naming == "capi":
        return f"sigs.k8s.io/cluster-api-provider-aws/cluster/{infra}"
    return f"kubernetes.io/cluster/{infra}"


def security_group_names(infra: str, naming: str) -> tuple[str, str]:
    """(worker SG name, control-plane SG name) for a naming scheme."""
    _check_naming(naming)
    if naming == "capi":
        return f"{infra}-node", f"{infra}-controlplane"
    return f"{infra}-worker-sg", f"{infra}-master-sg"


def subnet_name(infra: str, role: str, availability_zone: str, naming: str) -> str:
    """Name tag of the ``public`` or ``private`` subnet of an availability zone."""
    _check_naming(naming)
    if role not in ("public", "private"):
        raise ValueError(f"subnet role must be public or private, not {role!r}")
    if naming == "capi":
        return f"{infra}-subnet-{role}-{availability_zone}"
    return f"{infra}-{role}-{availability_zone}"


def control_plane_instance_name(infra: str, index: int) -> str:
    """``<infraID>-master-<n>``, the installer's control-plane machines (both naming schemes)."""
    return f"{infra}-master-{index}"


def worker_instance_name(infra: str, availability_zone: str) -> str:
    """``<infraID>-worker-<az>-xxxxx`` as machine-api names the Machines of the installer's MachineSets."""
    return f"{infra}-worker-{availability_zone}-{_suffix(infra + availability_zone)}"


def seed_cluster(ec2_client, cluster_name: str, *, naming: str = "legacy", region: str = DEFAULT_REGION,
                 vpc_cidr: str | None = None, instance_type: str = WORKER_INSTANCE_TYPE, ami: str | None = None) -> SeededCluster:
    """Create what the installer creates in EC2 for ``cluster_name`` and return the ids.

    ``vpc_cidr`` defaults to the first ``10.x.0.0/16`` not used by another VPC of the region, so
    clusters seeded one after the other never overlap. ``ami`` defaults to :func:`installer_ami`
    (pass it when seeding many clusters: looking it up scans moto's whole image list).
    """
    _check_naming(naming)
    infra = infra_id(cluster_name)
    owned = {ownership_tag_key(infra, naming): "owned"}
    if naming == "capi":
        # CAPA also tags for the in-tree cloud provider.
        owned[f"kubernetes.io/cluster/{infra}"] = "owned"
    cidr = vpc_cidr or _free_vpc_cidr(ec2_client)
    vpc_id = ec2_client.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", {"Name": f"{infra}-vpc", **owned}))["Vpc"]["VpcId"]
    zones = _availability_zones(ec2_client)
    public, private = _create_subnets(ec2_client, vpc_id, cidr, zones, infra, naming, owned)
    worker_sg, master_sg = _create_security_groups(ec2_client, vpc_id, cidr, infra, naming, owned)
    ami = ami or installer_ami(ec2_client)
    instances = {
        zone: _run_instance(ec2_client, worker_instance_name(infra, zone), infra, zone, ami, private[zone], worker_sg, instance_type)
        for zone in zones
    }
    control_plane = {
        zone: _run_instance(ec2_client, control_plane_instance_name(infra, index), infra, zone, ami, private[zone], master_sg, instance_type)
        for index, zone in enumerate(zones)
    }
    return SeededCluster(
        cluster_name=cluster_name, infra_id=infra, region=region, naming=naming, vpc_id=vpc_id,
        vpc_cidr=cidr, availability_zones=tuple(zones), public_subnets=public, private_subnets=private,
        worker_sg_id=worker_sg, control_plane_sg_id=master_sg, ami_id=ami, worker_instances=instances,
        control_plane_instances=control_plane,
    )


def installer_ami(ec2_client) -> str:
    """A real moto AMI standing for the RHCOS image (the same one every time)."""
    images = ec2_client.describe_images(Filters=[{"Name": "image-id", "Values": [INSTALLER_AMI_ID]}])["Images"]
    if not images:  # another moto release
        images = ec2_client.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [_AMI_NAME_PATTERN]}])["Images"]
    if not images:  # moto started with its own MOTO_AMIS_PATH list
        images = ec2_client.describe_images()["Images"]
    if not images:
        raise RuntimeError("moto offers no AMI to seed worker instances from")
    return min(image["ImageId"] for image in images)


def snapshot(ec2_client) -> dict:
    """EC2 state of the client's region, normalised and sorted so two snapshots compare with ``==``.

    Terminated instances are left out: AWS forgets them after a while, and a residue check must not
    fail because a gateway instance was terminated rather than never launched.
    """
    return {
        "vpcs": _snapshot_vpcs(ec2_client),
        "subnets": _snapshot_subnets(ec2_client),
        "security_groups": _snapshot_security_groups(ec2_client),
        "instances": _snapshot_instances(ec2_client),
    }


def tags_to_dict(tags: list[dict] | None) -> dict[str, str]:
    """EC2 ``[{"Key": k, "Value": v}]`` as ``{k: v}``."""
    return {tag["Key"]: tag.get("Value", "") for tag in tags or []}


def _check_naming(naming: str) -> None:
    if naming not in NAMING_SCHEMES:
        raise ValueError(f"naming must be one of {', '.join(NAMING_SCHEMES)}, not {naming!r}")


def _suffix(seed: str) -> str:
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    chars = []
    for _position in range(5):
        digest, index = divmod(digest, 26)
        chars.append(chr(ord("a") + index))
    return "".join(chars)


def _tags(resource_type: str, tags: dict[str, str]) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}]


def _availability_zones(ec2_client) -> list[str]:
    zones = ec2_client.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]
    return sorted(zone["ZoneName"] for zone in zones)[:AZ_COUNT]


def _free_vpc_cidr(ec2_client) -> str:
    used = [ipaddress.ip_network(vpc["CidrBlock"]) for vpc in ec2_client.describe_vpcs()["Vpcs"]]
    for candidate in _VPC_POOL.subnets(new_prefix=16):
        if not any(candidate.overlaps(network) for network in used):
            return str(candidate)
    raise RuntimeError(f"no free /16 left in {_VPC_POOL} for another cluster VPC")


def _subnet_cidrs(vpc_cidr: str, count: int) -> tuple[list[str], list[str]]:
    """Private subnets in the first half of the VPC (/19 each), public ones in the second half (/20)."""
    network = ipaddress.ip_network(vpc_cidr)
    lower, upper = network.subnets(prefixlen_diff=1)
    private = [str(subnet) for subnet in list(lower.subnets(prefixlen_diff=2))[:count]]
    public = [str(subnet) for subnet in list(upper.subnets(prefixlen_diff=3))[:count]]
    return public, private


def _create_subnets(ec2_client, vpc_id, vpc_cidr, zones, infra, naming, owned):
    public_cidrs, private_cidrs = _subnet_cidrs(vpc_cidr, len(zones))
    public, private = {}, {}
    for zone, public_cidr, private_cidr in zip(zones, public_cidrs, private_cidrs):
        public[zone] = _create_subnet(ec2_client, vpc_id, zone, public_cidr,
                                      {"Name": subnet_name(infra, "public", zone, naming), "kubernetes.io/role/elb": "", **owned})
        private[zone] = _create_subnet(ec2_client, vpc_id, zone, private_cidr,
                                       {"Name": subnet_name(infra, "private", zone, naming), "kubernetes.io/role/internal-elb": "", **owned})
    return public, private


def _create_subnet(ec2_client, vpc_id, zone, cidr, tags):
    subnet = ec2_client.create_subnet(VpcId=vpc_id, AvailabilityZone=zone, CidrBlock=cidr, TagSpecifications=_tags("subnet", tags))
    return subnet["Subnet"]["SubnetId"]


def _create_security_groups(ec2_client, vpc_id, vpc_cidr, infra, naming, owned):
    worker_name, master_name = security_group_names(infra, naming)
    worker = _create_security_group(ec2_client, vpc_id, worker_name, "Created by the OpenShift installer", owned)
    master = _create_security_group(ec2_client, vpc_id, master_name, "Created by the OpenShift installer", owned)
    ec2_client.authorize_security_group_ingress(GroupId=master, IpPermissions=_control_plane_rules(vpc_cidr, worker, master))
    ec2_client.authorize_security_group_ingress(GroupId=worker, IpPermissions=_worker_rules(vpc_cidr, worker, master))
    return worker, master


def _create_security_group(ec2_client, vpc_id, name, description, owned):
    created = ec2_client.create_security_group(
        GroupName=name, Description=description, VpcId=vpc_id,
        TagSpecifications=_tags("security-group", {"Name": name, **owned}),
    )
    return created["GroupId"]


def _cidr_rule(protocol, from_port, to_port, cidr):
    return {"IpProtocol": protocol, "FromPort": from_port, "ToPort": to_port, "IpRanges": [{"CidrIp": cidr}]}


def _group_rule(protocol, from_port, to_port, *group_ids):
    return {"IpProtocol": protocol, "FromPort": from_port, "ToPort": to_port,
            "UserIdGroupPairs": [{"GroupId": group_id} for group_id in group_ids]}


def _control_plane_rules(vpc_cidr, worker, master):
    return [
        _cidr_rule("icmp", -1, -1, vpc_cidr),
        _cidr_rule("tcp", 22, 22, vpc_cidr),
        _cidr_rule("tcp", 6443, 6443, vpc_cidr),
        _cidr_rule("tcp", 22623, 22623, vpc_cidr),
        _group_rule("udp", 4789, 4789, worker, master),    # VXLAN (OpenShiftSDN)
        _group_rule("udp", 6081, 6081, worker, master),    # Geneve (OVN-Kubernetes)
        _group_rule("tcp", 2379, 2380, master),            # etcd
        _group_rule("tcp", 10250, 10250, worker, master),  # kubelet
    ]


def _worker_rules(vpc_cidr, worker, master):
    return [
        _cidr_rule("icmp", -1, -1, vpc_cidr),
        _cidr_rule("tcp", 22, 22, vpc_cidr),
        _group_rule("udp", 4789, 4789, worker, master),
        _group_rule("udp", 6081, 6081, worker, master),
        _group_rule("tcp", 10250, 10250, worker, master),
        _group_rule("tcp", 30000, 32767, worker, master),  # NodePort services
    ]


def _run_instance(ec2_client, name, infra, zone, ami, subnet_id, security_group_id, instance_type):
    tags = {"Name": name, f"kubernetes.io/cluster/{infra}": "owned"}
    reservation = ec2_client.run_instances(
        ImageId=ami, InstanceType=instance_type, MinCount=1, MaxCount=1, SubnetId=subnet_id,
        SecurityGroupIds=[security_group_id], Placement={"AvailabilityZone": zone},
        TagSpecifications=_tags("instance", tags),
    )
    return reservation["Instances"][0]["InstanceId"]


def _snapshot_vpcs(ec2_client):
    vpcs = ec2_client.describe_vpcs()["Vpcs"]
    return sorted(
        ({"id": vpc["VpcId"], "cidr": vpc["CidrBlock"], "default": vpc.get("IsDefault", False), "tags": tags_to_dict(vpc.get("Tags"))}
         for vpc in vpcs),
        key=lambda vpc: vpc["id"],
    )


def _snapshot_subnets(ec2_client):
    subnets = paginate(ec2_client, "describe_subnets", "Subnets")
    return sorted(
        ({"id": subnet["SubnetId"], "vpc": subnet["VpcId"], "az": subnet["AvailabilityZone"], "cidr": subnet["CidrBlock"],
          "tags": tags_to_dict(subnet.get("Tags"))} for subnet in subnets),
        key=lambda subnet: subnet["id"],
    )


def _snapshot_security_groups(ec2_client):
    groups = paginate(ec2_client, "describe_security_groups", "SecurityGroups")
    return sorted(
        ({"id": group["GroupId"], "name": group["GroupName"], "vpc": group.get("VpcId"), "description": group.get("Description", ""),
          "tags": tags_to_dict(group.get("Tags")), "ingress": _normalise_permissions(group.get("IpPermissions", []))}
         for group in groups),
        key=lambda group: group["id"],
    )


def _snapshot_instances(ec2_client):
    reservations = paginate(ec2_client, "describe_instances", "Reservations")
    instances = [instance for reservation in reservations for instance in reservation["Instances"]]
    return sorted(
        ({"id": instance["InstanceId"], "type": instance["InstanceType"], "state": instance["State"]["Name"],
          "az": instance["Placement"]["AvailabilityZone"], "subnet": instance.get("SubnetId"), "image": instance["ImageId"],
          "security_groups": sorted(group["GroupId"] for group in instance.get("SecurityGroups", [])),
          "public_ip": instance.get("PublicIpAddress"), "tags": tags_to_dict(instance.get("Tags"))}
         for instance in instances if instance["State"]["Name"] != "terminated"),
        key=lambda instance: instance["id"],
    )


def _normalise_permissions(permissions: list[dict]) -> list[dict]:
    """IpPermissions flattened to one entry per source, sorted (moto returns them in varying order)."""
    entries = []
    for permission in permissions:
        base = {"protocol": str(permission["IpProtocol"]), "from": permission.get("FromPort"), "to": permission.get("ToPort")}
        for ip_range in permission.get("IpRanges", []):
            entries.append({**base, "cidr": ip_range["CidrIp"], "description": ip_range.get("Description", "")})
        for pair in permission.get("UserIdGroupPairs", []):
            entries.append({**base, "group": pair["GroupId"], "description": pair.get("Description", "")})
    return sorted(entries, key=lambda entry: json.dumps(entry, sort_keys=True))


def paginate(ec2_client, operation: str, key: str) -> list[dict]:
    """Every ``key`` item of a paginated EC2 describe call."""
    items = []
    for page in ec2_client.get_paginator(operation).paginate():
        items.extend(page[key])
    return items

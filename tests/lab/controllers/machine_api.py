"""OpenShift machine-api on every spoke: MachineSet -> Machines -> EC2 instances -> Nodes.

* A MachineSet with more ``replicas`` than live Machines gets new Machines (owner reference, the
  template's labels and spec, finalizer ``machine.machine.openshift.io``). Each Machine launches an
  EC2 instance from its providerSpec (AMI, type, subnet and SG filters, ``publicIp``) and is
  ``Provisioning``; one provisioning step (``time_scale``) later its Node exists (Ready, zone and
  template labels, template taints, internal/external IPs) and the Machine is ``Running``.
* An instance type the AZ does not offer (``DescribeInstanceTypeOfferings``) leaves the Machine
  ``Failed`` with an ``errorMessage``, as the AWS actuator does.
* Fewer replicas, a deleted MachineSet or a deleted Machine: the Machine's finalizer terminates the
  instance and deletes the Node before the Machine goes.

The module also builds MachineSets shaped like OpenShift's AWS ones (:func:`aws_machineset`), used
by the world's seeding and by cloud-prepare's gateway MachineSets.
"""

from __future__ import annotations

import hashlib
import itertools

from tests.lab.controllers.base import Controller

MACHINE_API = "machine.openshift.io/v1beta1"
NAMESPACE = "openshift-machine-api"
MACHINE_FINALIZER = "machine.machine.openshift.io"
LABEL_CLUSTER = "machine.openshift.io/cluster-api-cluster"
LABEL_ROLE = "machine.openshift.io/cluster-api-machine-role"
LABEL_TYPE = "machine.openshift.io/cluster-api-machine-type"
LABEL_MACHINESET = "machine.openshift.io/cluster-api-machineset"
ANNOTATION_MACHINE = "machine.openshift.io/machine"
KUBELET_VERSION = "v1.27.16+03a907c"


def build(world) -> list[Controller]:
    return [MachineApiController(world)]


def aws_machineset(*, name: str, infra: str, region: str, availability_zone: str, ami: str, instance_type: str,
                   subnet_name: str, security_group_names: list[str], replicas: int = 1, node_labels: dict | None = None,
                   taints: list[dict] | None = None, extra_tags: list[dict] | None = None, public_ip: bool = False,
                   role: str = "worker") -> dict:
    """A ``machine.openshift.io/v1beta1`` MachineSet as the installer and cloud-prepare write them on AWS."""
    selector = {LABEL_CLUSTER: infra, LABEL_MACHINESET: name}
    provider = {
        "apiVersion": "machine.openshift.io/v1beta1",
        "kind": "AWSMachineProviderConfig",
        "ami": {"id": ami},
        "instanceType": instance_type,
        "blockDevices": [{"ebs": {"encrypted": True, "iops": 0, "kmsKey": {"arn": ""}, "volumeSize": 120, "volumeType": "gp3"}}],
        "credentialsSecret": {"name": "aws-cloud-credentials"},
        "deviceIndex": 0,
        "iamInstanceProfile": {"id": f"{infra}-worker-profile"},
        "metadata": {"creationTimestamp": None},
        "metadataServiceOptions": {},
        "placement": {"availabilityZone": availability_zone, "region": region},
        "securityGroups": [{"filters": [{"name": "tag:Name", "values": list(security_group_names)}]}],
        "subnet": {"filters": [{"name": "tag:Name", "values": [subnet_name]}]},
        "tags": [{"name": f"kubernetes.io/cluster/{infra}", "value": "owned"}] + list(extra_tags or []),
        "userDataSecret": {"name": "worker-user-data"},
    }
    if public_ip:
        provider["publicIp"] = True
    return {
        "apiVersion": MACHINE_API,
        "kind": "MachineSet",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {LABEL_CLUSTER: infra}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {"labels": {**selector, LABEL_ROLE: role, LABEL_TYPE: role}},
                "spec": {
                    "lifecycleHooks": {},
                    "metadata": {"labels": dict(node_labels or {})} if node_labels else {},
                    "providerSpec": {"value": provider},
                    **({"taints": list(taints)} if taints else {}),
                },
            },
        },
    }


def machine_from_template(machineset: dict, name: str) -> dict:
    """A Machine owned by ``machineset`` (labels and spec from its template)."""
    template = machineset["spec"]["template"]
    return {
        "apiVersion": MACHINE_API,
        "kind": "Machine",
        "metadata": {
            "name": name,
            "namespace": machineset["metadata"]["namespace"],
            "labels": dict(template.get("metadata", {}).get("labels") or {}),
            "finalizers": [MACHINE_FINALIZER],
            "ownerReferences": [{
                "apiVersion": MACHINE_API, "kind": "MachineSet", "name": machineset["metadata"]["name"],
                "uid": machineset["metadata"].get("uid", ""), "controller": True, "blockOwnerDeletion": True,
            }],
        },
        "spec": dict(template.get("spec", {})),
    }


def node_for(machine: dict, instance: dict) -> dict:
    """The Node a Machine's instance registers: name = private DNS name, labels, taints, addresses, Ready."""
    provider = machine["spec"]["providerSpec"]["value"]
    zone = provider["placement"]["availabilityZone"]
    region = provider["placement"]["region"]
    name = instance["PrivateDnsName"]
    labels = {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/instance-type": instance["InstanceType"], "failure-domain.beta.kubernetes.io/region": region,
        "failure-domain.beta.kubernetes.io/zone": zone, "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": instance["InstanceType"],
        "node.openshift.io/os_id": "rhcos", "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": zone,
        **_role_labels(machine["metadata"].get("labels", {}).get(LABEL_ROLE, "worker")),
        **(machine["spec"].get("metadata", {}).get("labels") or {}),
    }
    addresses = [{"type": "InternalIP", "address": instance["PrivateIpAddress"]}]
    if instance.get("PublicIpAddress"):
        addresses.append({"type": "ExternalIP", "address": instance["PublicIpAddress"]})
    addresses += [{"type": "Hostname", "address": name}, {"type": "InternalDNS", "address": name}]
    spec = {"providerID": f"aws:///{zone}/{instance['InstanceId']}"}
    if machine["spec"].get("taints"):
        spec["taints"] = [dict(taint) for taint in machine["spec"]["taints"]]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {ANNOTATION_MACHINE: f"{machine['metadata']['namespace']}/{machine['metadata']['name']}"},
        },
        "spec": spec,
        "status": node_status(addresses, instance),
    }


def _role_labels(role: str) -> dict:
    if role == "master":
        return {"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": ""}
    return {f"node-role.kubernetes.io/{role}": ""}


def node_info(instance: dict) -> dict:
    """What the kubelet of an OCP 4.14 RHCOS node reports (every NodeSystemInfo field: clients require them all).

    IDs are derived from the instance so that a reseeded lab shows the same node; on EC2 the SMBIOS
    system UUID starts with "ec2", and the kubelet still fills the deprecated kubeProxyVersion in 1.27.
    """
    digest = hashlib.sha256(instance["InstanceId"].encode()).hexdigest()
    return {
        "architecture": "amd64", "operatingSystem": "linux", "kubeletVersion": KUBELET_VERSION, "kubeProxyVersion": KUBELET_VERSION,
        "containerRuntimeVersion": "cri-o://1.27.6", "kernelVersion": "5.14.0-284.88.1.el9_2.x86_64",
        "osImage": "Red Hat Enterprise Linux CoreOS 414.92.202410211619-0 (Plow)",
        "machineID": digest[32:64], "systemUUID": _uuid_text("ec2" + digest[3:32]), "bootID": _uuid_text(digest[:32]),
    }


def _uuid_text(hexa: str) -> str:
    return "%s-%s-%s-%s-%s" % (hexa[:8], hexa[8:12], hexa[12:16], hexa[16:20], hexa[20:32])


def node_status(addresses: list[dict], instance: dict) -> dict:
    resources = {"cpu": "2", "memory": "8010196Ki", "pods": "250", "ephemeral-storage": "125293548Ki",
                 "hugepages-1Gi": "0", "hugepages-2Mi": "0"}
    return {
        "capacity": dict(resources),
        "allocatable": dict(resources, cpu="1500m", memory="6859220Ki", **{"ephemeral-storage": "114396791822"}),
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "addresses": addresses,
        "conditions": [
            {"type": kind, "status": "False", "reason": reason, "message": message}
            for kind, reason, message in (
                ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            )
        ] + [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
        "nodeInfo": node_info(instance),
    }


def machine_status_running(instance: dict, node_name: str) -> dict:
    addresses = [{"type": "InternalIP", "address": instance["PrivateIpAddress"]}]
    if instance.get("PublicIpAddress"):
        addresses.append({"type": "ExternalIP", "address": instance["PublicIpAddress"]})
    addresses += [{"type": "InternalDNS", "address": node_name}]
    return {
        "phase": "Running",
        "addresses": addresses,
        "nodeRef": {"kind": "Node", "name": node_name},
        "providerStatus": provider_status(instance, "running"),
    }


def provider_status(instance: dict, state: str) -> dict:
    return {
        "apiVersion": "machine.openshift.io/v1beta1", "kind": "AWSMachineProviderStatus",
        "instanceId": instance["InstanceId"], "instanceState": state,
        "conditions": [{"type": "MachineCreation", "status": "True", "reason": "MachineCreationSucceeded",
                        "message": "Machine successfully created"}],
    }


class MachineApiController(Controller):
    """machine-api for every spoke store of the world."""

    name = "machine-api"

    def __init__(self, world):
        super().__init__(world)
        self._names = itertools.count()

    def setup(self) -> None:
        for store in self.world.spokes.values():
            self.watch(store, self.on_machineset, kinds={(MACHINE_API, "MachineSet")})
            self.watch(store, self.on_machine, kinds={(MACHINE_API, "Machine")})

    # --------------------------------------------------------------- MachineSets
    def on_machineset(self, store, event_type, machineset):
        if event_type == "DELETED" or machineset["metadata"].get("deletionTimestamp"):
            for machine in self._owned_machines(store, machineset):
                store.delete(MACHINE_API, "Machine", machine["metadata"]["name"], NAMESPACE)
            return
        self.reconcile_machineset(store, machineset["metadata"]["name"])

    def reconcile_machineset(self, store, name):
        machineset = store.get(MACHINE_API, "MachineSet", name, NAMESPACE)
        if machineset is None or machineset["metadata"].get("deletionTimestamp"):
            return
        live = [machine for machine in self._owned_machines(store, machineset) if not machine["metadata"].get("deletionTimestamp")]
        wanted = int(machineset["spec"].get("replicas", 1))
        for _missing in range(wanted - len(live)):
            self._create_machine(store, machineset)
        for machine in _deletion_order(live, machineset["spec"].get("deletePolicy") or "")[:max(0, len(live) - wanted)]:
            store.delete(MACHINE_API, "Machine", machine["metadata"]["name"], NAMESPACE)
        self._update_machineset_status(store, name)

    def _owned_machines(self, store, machineset):
        selector = machineset["spec"].get("selector", {}).get("matchLabels") or {}
        label_selector = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
        machines = store.list(MACHINE_API, "Machine", NAMESPACE, label_selector=label_selector or None)
        name = machineset["metadata"]["name"]
        return [machine for machine in machines
                if any(ref.get("kind") == "MachineSet" and ref.get("name") == name for ref in machine["metadata"].get("ownerReferences") or [])]

    def _update_machineset_status(self, store, name):
        machineset = store.get(MACHINE_API, "MachineSet", name, NAMESPACE)
        if machineset is None:
            return
        machines = [machine for machine in self._owned_machines(store, machineset) if not machine["metadata"].get("deletionTimestamp")]
        running = sum(1 for machine in machines if machine.get("status", {}).get("phase") == "Running")
        status = {
            "replicas": len(machines), "fullyLabeledReplicas": len(machines), "readyReplicas": running,
            "availableReplicas": running, "observedGeneration": machineset["metadata"].get("generation", 1),
        }
        failed = [machine for machine in machines if machine.get("status", {}).get("phase") == "Failed"]
        if failed:
            status["errorReason"] = "InvalidConfiguration"
            status["errorMessage"] = failed[0]["status"].get("errorMessage", "")

        def change(obj):
            obj["status"] = status
        self.mutate(store, MACHINE_API, "MachineSet", name, NAMESPACE, change, status=True)

    def _create_machine(self, store, machineset):
        name = f"{machineset['metadata']['name']}-{self._suffix(store.name, machineset['metadata']['name'])}"
        machine = store.create(machine_from_template(machineset, name))
        self._provision(store, machine)

    def _suffix(self, *parts):
        digest = hashlib.sha256("/".join(parts + (str(next(self._names)),)).encode()).hexdigest()
        return "".join(chr(ord("a") + int(digest[index:index + 2], 16) % 26) for index in range(0, 10, 2))

    # --------------------------------------------------------------- Machines
    def _provision(self, store, machine):
        provider = machine["spec"]["providerSpec"]["value"]
        ec2 = self.world.ec2(provider["placement"]["region"])
        try:
            instance = self._launch(ec2, machine, provider)
        except MachineError as error:
            failed = {"phase": "Failed", "errorReason": "InvalidConfiguration", "errorMessage": str(error)}
            self._set_machine_status(store, machine["metadata"]["name"], failed)
            return
        self._set_machine_status(store, machine["metadata"]["name"], {
            "phase": "Provisioning",
            "providerStatus": provider_status(instance, "pending"),
            "addresses": [{"type": "InternalIP", "address": instance["PrivateIpAddress"]}],
        })
        self.after(1, self._finish_provisioning, store, machine["metadata"]["name"], instance["InstanceId"], ec2)

    def _launch(self, ec2, machine, provider):
        zone = provider["placement"]["availabilityZone"]
        instance_type = provider["instanceType"]
        offered = ec2.describe_instance_type_offerings(
            LocationType="availability-zone",
            Filters=[{"Name": "location", "Values": [zone]}, {"Name": "instance-type", "Values": [instance_type]}],
        )["InstanceTypeOfferings"]
        if not offered:
            raise MachineError(
                f"error launching instance: Your requested instance type ({instance_type}) is not supported in your requested "
                f"Availability Zone ({zone}). Please retry your request by not specifying an Availability Zone or choosing "
                f"{', '.join(_zones_offering(ec2, instance_type)) or 'another instance type'}.")
        subnet_id = _resolve_subnet(ec2, provider)
        group_ids = _resolve_security_groups(ec2, provider)
        tags = [{"Key": "Name", "Value": machine["metadata"]["name"]}] + [
            {"Key": tag["name"], "Value": tag.get("value", "")} for tag in provider.get("tags") or []]
        reservation = ec2.run_instances(
            ImageId=provider["ami"]["id"], InstanceType=instance_type, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": zone},
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet_id, "Groups": group_ids,
                                "AssociatePublicIpAddress": bool(provider.get("publicIp"))}],
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )
        instance = reservation["Instances"][0]
        # moto keeps the groups of a NetworkInterfaces launch on the ENI only; AWS shows them on the instance too.
        ec2.modify_instance_attribute(InstanceId=instance["InstanceId"], Groups=group_ids)
        return instance

    def _finish_provisioning(self, store, name, instance_id, ec2):
        machine = store.get(MACHINE_API, "Machine", name, NAMESPACE)
        if machine is None or machine["metadata"].get("deletionTimestamp"):
            return
        instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        node = node_for(machine, instance)
        if store.get("v1", "Node", node["metadata"]["name"]) is None:
            status = node.pop("status")
            created = store.create(node)
            created["status"] = status
            store.update_status(created)
        self._set_machine_status(store, name, machine_status_running(instance, node["metadata"]["name"]))
        self._reconcile_owner(store, machine)

    def on_machine(self, store, event_type, machine):
        if event_type == "DELETED":
            self._reconcile_owner(store, machine)
            return
        if machine["metadata"].get("deletionTimestamp") and MACHINE_FINALIZER in (machine["metadata"].get("finalizers") or []):
            self._deprovision(store, machine)

    def _deprovision(self, store, machine):
        """The finalizer's work: terminate the instance, delete the Node, let the Machine go."""
        instance_id = machine.get("status", {}).get("providerStatus", {}).get("instanceId")
        if instance_id:
            region = machine["spec"]["providerSpec"]["value"]["placement"]["region"]
            self.world.ec2(region).terminate_instances(InstanceIds=[instance_id])
        node_name = machine.get("status", {}).get("nodeRef", {}).get("name")
        if node_name and store.get("v1", "Node", node_name) is not None:
            store.delete("v1", "Node", node_name)

        def drop_finalizer(obj):
            obj["metadata"]["finalizers"] = [item for item in obj["metadata"].get("finalizers") or [] if item != MACHINE_FINALIZER]
        self.mutate(store, MACHINE_API, "Machine", machine["metadata"]["name"], NAMESPACE, drop_finalizer)

    def _reconcile_owner(self, store, machine):
        for ref in machine["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "MachineSet":
                self.reconcile_machineset(store, ref["name"])

    def _set_machine_status(self, store, name, status):
        def change(obj):
            obj["status"] = {**obj.get("status", {}), **status}
        self.mutate(store, MACHINE_API, "Machine", name, NAMESPACE, change, status=True)


DELETE_MACHINE_ANNOTATION = "machine.openshift.io/delete-machine"
OLD_DELETE_MACHINE_ANNOTATION = "machine.openshift.io/cluster-api-delete-machine"


def _deletion_order(machines: list[dict], policy: str = "") -> list[dict]:
    """Machines to remove first when a MachineSet scales down, by its ``spec.deletePolicy`` (default Random).

    openshift/machine-api-operator ``pkg/controller/machineset/delete_policy.go`` (master, 10a5e776): Random ranks the
    ``delete-machine`` annotation and failed Machines first, then Machines without a Node, then the rest at random;
    Newest and Oldest rank the annotation (Oldest also the old one) and failures first, then by age. Where upstream picks
    at random the lab takes the newest, the choice that hurts most in a surge replacement."""
    def rank(machine):
        annotations = machine["metadata"].get("annotations") or {}
        status = machine.get("status") or {}
        marked = bool(annotations.get(DELETE_MACHINE_ANNOTATION)) or (policy == "Oldest" and bool(annotations.get(OLD_DELETE_MACHINE_ANNOTATION)))
        failed = bool(status.get("errorReason") or status.get("errorMessage"))
        if policy in ("Newest", "Oldest"):
            return 0 if marked or failed else 1
        if marked or failed:
            return 0
        return 1 if not status.get("nodeRef") else 2
    by_age = sorted(machines, key=lambda item: (item["metadata"].get("creationTimestamp", ""), item["metadata"]["name"]), reverse=policy != "Oldest")
    return sorted(by_age, key=rank)


class MachineError(Exception):
    """The AWS actuator could not create the instance (the Machine becomes Failed)."""


def _zones_offering(ec2, instance_type):
    offerings = ec2.describe_instance_type_offerings(
        LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": [instance_type]}])["InstanceTypeOfferings"]
    return sorted(offering["Location"] for offering in offerings)


def _filters(reference: dict) -> list[dict]:
    return [{"Name": item["name"], "Values": list(item["values"])} for item in reference.get("filters") or []]


def _resolve_subnet(ec2, provider):
    subnet = provider.get("subnet") or {}
    if subnet.get("id"):
        return subnet["id"]
    filters = _filters(subnet) + [{"Name": "availability-zone", "Values": [provider["placement"]["availabilityZone"]]}]
    found = ec2.describe_subnets(Filters=filters)["Subnets"]
    if not found:
        raise MachineError(f"error getting subnet IDs: no subnet IDs were found for filters {_filters(subnet)}")
    return found[0]["SubnetId"]


def _resolve_security_groups(ec2, provider):
    group_ids = []
    for reference in provider.get("securityGroups") or []:
        if reference.get("id"):
            group_ids.append(reference["id"])
            continue
        found = ec2.describe_security_groups(Filters=_filters(reference))["SecurityGroups"]
        if not found:
            raise MachineError(f"error getting security groups IDs: no security group IDs were found for filters {_filters(reference)}")
        group_ids.extend(group["GroupId"] for group in found)
    return sorted(set(group_ids))

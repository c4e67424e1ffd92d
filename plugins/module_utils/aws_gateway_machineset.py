# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Submariner gateway MachineSet on AWS, derived from a worker MachineSet of the same zone.

Pure functions: the shape follows cloud-prepare's ``gw-machineset.yaml.template`` (domain.md 2.5),
with the AMI, IAM profile, user data, block devices and installer tags taken from the worker, so
the gateway boots exactly as the cluster's own workers do.
"""

from __future__ import annotations

import copy

MACHINE_API_VERSION = "machine.openshift.io/v1beta1"
MACHINESET_KIND = "MachineSet"
MACHINE_KIND = "Machine"
MACHINE_API_NAMESPACE = "openshift-machine-api"

LABEL_CLUSTER = "machine.openshift.io/cluster-api-cluster"
LABEL_MACHINESET = "machine.openshift.io/cluster-api-machineset"
LABEL_ROLE = "machine.openshift.io/cluster-api-machine-role"
LABEL_TYPE = "machine.openshift.io/cluster-api-machine-type"

GATEWAY_NODE_LABEL = "submariner.io/gateway"
DELETE_MACHINE_ANNOTATION = "machine.openshift.io/delete-machine"
# One gateway per zone: each gateway MachineSet runs one Machine.
MACHINES_PER_GATEWAY_MACHINESET = 1
INFRA_NODE_LABEL = "node-role.kubernetes.io/infra"
GATEWAY_TAINT = {"key": "node-role.submariner.io/gateway", "effect": "NoSchedule"}
GATEWAY_INSTANCE_TAG = {"name": "submariner.io", "value": "gateway"}
GATEWAY_INFIX = "-submariner-gw-"


class MachineSetError(Exception):
    """The worker MachineSets do not say enough to derive a gateway one."""


def gateway_machineset_name(infra_id: str, availability_zone: str) -> str:
    return f"{infra_id}{GATEWAY_INFIX}{availability_zone}"


def provider_of(machineset: dict) -> dict:
    return (((machineset.get("spec") or {}).get("template") or {}).get("spec") or {}).get("providerSpec", {}).get("value") or {}


def zone_of(machineset: dict) -> str | None:
    return (provider_of(machineset).get("placement") or {}).get("availabilityZone")


def infra_id_of(machineset: dict) -> str | None:
    return ((machineset.get("metadata") or {}).get("labels") or {}).get(LABEL_CLUSTER)


def is_gateway(machineset: dict) -> bool:
    return GATEWAY_INFIX in machineset["metadata"]["name"]


def is_worker(machineset: dict) -> bool:
    labels = (((machineset.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    return labels.get(LABEL_ROLE, "worker") == "worker" and not is_gateway(machineset)


def worker_for_zone(machinesets, infra_id: str, availability_zone: str) -> dict:
    """The cluster's first worker MachineSet (by name) placed in ``availability_zone``."""
    workers = sorted((item for item in machinesets if is_worker(item) and infra_id_of(item) == infra_id),
                     key=lambda item: item["metadata"]["name"])
    for worker in workers:
        if zone_of(worker) == availability_zone:
            return worker
    zones = sorted({zone_of(worker) for worker in workers} - {None})
    raise MachineSetError(
        f"no worker MachineSet of cluster {infra_id} in {availability_zone} to derive the gateway MachineSet from; "
        f"worker MachineSets exist in: {', '.join(zones) or 'no zone'}")


def public_subnet_filter(subnet_name: str | None, infra_id: str, availability_zone: str) -> dict:
    """The zone's gateway subnet, selected by its Name tag as cloud-prepare does.

    cloud-prepare (pkg/aws/ocpgwdeployer.go, ``loadGatewayYAML``) puts the Name tag of the public
    subnet it tagged for the gateway into the template's ``subnet`` filter; it never derives it from
    the worker's private subnet. The name comes from aws_cloud_prepare's ``gateway_subnets``.
    """
    if subnet_name:
        return {"filters": [{"name": "tag:Name", "values": [subnet_name]}]}
    raise MachineSetError(
        f"no gateway subnet named for {availability_zone} of cluster {infra_id}: set public_subnet_names to the Name "
        "tags of the subnets aws_cloud_prepare tagged (its gateway_subnets); a subnet without a Name tag cannot be used")


def security_groups(worker_provider: dict, gateway_sg_name: str) -> list:
    """The worker's security groups plus the gateway group, selected by Name tag as cloud-prepare does."""
    groups = copy.deepcopy(worker_provider.get("securityGroups") or [])
    names = [value for group in groups for item in group.get("filters") or [] if item.get("name") == "tag:Name"
             for value in item.get("values") or []]
    if gateway_sg_name not in names:
        groups.append({"filters": [{"name": "tag:Name", "values": [gateway_sg_name]}]})
    return groups


def gateway_tags(worker_provider: dict) -> list:
    tags = [dict(tag) for tag in worker_provider.get("tags") or [] if tag.get("name") != GATEWAY_INSTANCE_TAG["name"]]
    return tags + [dict(GATEWAY_INSTANCE_TAG)]


def build_gateway_machineset(worker: dict, *, infra_id: str, instance_type: str, gateway_sg_name: str,
                             subnet_name: str | None, infra_label: bool = True) -> dict:
    """The gateway MachineSet for the worker's zone: one replica, public IP, both SGs, gateway label and taint."""
    availability_zone = zone_of(worker)
    name = gateway_machineset_name(infra_id, availability_zone)
    provider = _without_nulls(copy.deepcopy(provider_of(worker)))
    provider.update(
        instanceType=instance_type,
        publicIp=True,
        securityGroups=security_groups(provider, gateway_sg_name),
        subnet=public_subnet_filter(subnet_name, infra_id, availability_zone),
        tags=gateway_tags(provider),
    )
    selector = {LABEL_CLUSTER: infra_id, LABEL_MACHINESET: name}
    node_labels = {GATEWAY_NODE_LABEL: "true"}
    if infra_label:
        node_labels[INFRA_NODE_LABEL] = ""
    return {
        "apiVersion": MACHINE_API_VERSION,
        "kind": MACHINESET_KIND,
        "metadata": {"name": name, "namespace": MACHINE_API_NAMESPACE, "labels": {LABEL_CLUSTER: infra_id}},
        "spec": {
            "replicas": MACHINES_PER_GATEWAY_MACHINESET,
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {"labels": {**selector, LABEL_ROLE: "worker", LABEL_TYPE: "worker"}},
                "spec": {
                    "metadata": {"labels": node_labels},
                    "taints": [dict(GATEWAY_TAINT)],
                    "providerSpec": {"value": provider},
                },
            },
        },
    }


def _without_nulls(value):
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


# ----------------------------------------------------------------------------- readiness

def machine_blocker(machines, nodes_by_name: dict) -> str | None:
    """None when a Machine is Running with a Ready Node labelled as gateway, else what is missing."""
    if not machines:
        return "no Machine yet"
    reasons = []
    for machine in sorted(machines, key=lambda item: item["metadata"]["name"]):
        reason = _machine_reason(machine, nodes_by_name)
        if reason is None:
            return None
        reasons.append(reason)
    return "; ".join(reasons)


def _machine_reason(machine, nodes_by_name):
    name = machine["metadata"]["name"]
    status = machine.get("status") or {}
    if status.get("phase") != "Running":
        message = status.get("errorMessage") or status.get("errorReason") or ""
        return f"Machine {name} is {status.get('phase') or 'pending'}" + (f" ({message})" if message else "")
    node_name = (status.get("nodeRef") or {}).get("name")
    node = nodes_by_name.get(node_name) if node_name else None
    if node is None:
        return f"Machine {name} has no Node yet"
    if not node_ready(node):
        return f"Node {node_name} is not Ready"
    if (node["metadata"].get("labels") or {}).get(GATEWAY_NODE_LABEL) != "true":
        return f"Node {node_name} is not labelled {GATEWAY_NODE_LABEL}=true"
    return None


def node_ready(node: dict) -> bool:
    return any(condition.get("type") == "Ready" and condition.get("status") == "True"
               for condition in (node.get("status") or {}).get("conditions") or [])


def ready_node_names(machines, nodes_by_name: dict) -> list:
    names = []
    for machine in machines:
        if _machine_reason(machine, nodes_by_name) is None:
            names.append(machine["status"]["nodeRef"]["name"])
    return sorted(names)


def instance_type_of(machine: dict) -> str | None:
    """The instance type of a Machine."""
    return (((machine.get("spec") or {}).get("providerSpec") or {}).get("value") or {}).get("instanceType")


def _live_of_type(machines, instance_type: str) -> list:
    return [machine for machine in machines if not machine["metadata"].get("deletionTimestamp") and instance_type_of(machine) == instance_type]


def stale_machines(machines: list, instance_type: str) -> list:
    """The gateway Machines that run another instance type than ``instance_type``, oldest name first. The machine-api
    never replaces a running Machine when its MachineSet's template changes: only a new Machine gets the new type. A
    Machine being deleted, not Running or without a Node is no gateway to replace (a scale-down removes it first)."""
    return sorted((machine for machine in machines if not machine["metadata"].get("deletionTimestamp")
                   and (machine.get("status") or {}).get("phase") == "Running" and ((machine.get("status") or {}).get("nodeRef") or {}).get("name")
                   and instance_type_of(machine) not in (None, instance_type)), key=lambda machine: machine["metadata"]["name"])


def unready_of_type(machines, nodes_by_name: dict, instance_type: str) -> list:
    """The Machines of ``instance_type`` that are not (yet) a Ready gateway: what a failed surge leaves."""
    return [machine for machine in _live_of_type(machines, instance_type) if _machine_reason(machine, nodes_by_name) is not None]


def surge_blocker(machines, nodes_by_name: dict, instance_type: str) -> str | None:
    """None once a Machine of ``instance_type`` runs a Ready gateway Node (the surge Machine that replaces a stale one)."""
    fresh = _live_of_type(machines, instance_type)
    return machine_blocker(fresh, nodes_by_name) if fresh else "no Machine of instance type {0} yet".format(instance_type)


def delete_first(machine: dict) -> dict:
    """A patch that makes the machine-api delete this Machine first when its MachineSet scales down: every delete
    policy ranks the annotation above the others (openshift/machine-api-operator
    ``pkg/controller/machineset/delete_policy.go``, ``DeleteNodeAnnotation``)."""
    return {"apiVersion": MACHINE_API_VERSION, "kind": MACHINE_KIND,
            "metadata": {"name": machine["metadata"]["name"], "namespace": MACHINE_API_NAMESPACE,
                         "annotations": {DELETE_MACHINE_ANNOTATION: "true"}}}


def scaled(name: str, replicas: int) -> dict:
    return {"apiVersion": MACHINE_API_VERSION, "kind": MACHINESET_KIND,
            "metadata": {"name": name, "namespace": MACHINE_API_NAMESPACE}, "spec": {"replicas": replicas}}

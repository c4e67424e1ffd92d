#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gateway_machineset
short_description: Manage the Submariner gateway MachineSets of an OpenShift cluster on AWS
version_added: 0.1.0
description:
  - Runs against a managed OpenShift cluster on AWS (not the hub) and manages one gateway MachineSet
    C(<infraID>-submariner-gw-<az>) per availability zone, as the ACM submariner-addon and C(subctl cloud prepare)
    create them.
  - Each gateway MachineSet is derived from a worker MachineSet of the same zone (AMI, IAM instance profile, user
    data, disks, installer tags), with O(instance_type), a public IP, the worker and C(<infraID>-submariner-gw-sg)
    security groups, the public subnet of the zone, the node label C(submariner.io/gateway=true), the taint
    C(node-role.submariner.io/gateway:NoSchedule) and the instance tag C(submariner.io=gateway).
  - Run M(acm.submariner.aws_cloud_prepare) first so that the gateway security group and the subnet tags exist.
  - With O(wait=true) the module returns once each MachineSet has a Running Machine whose Node is Ready and labelled.
author:
  - acm.submariner maintainers (@acm-submariner)
options:
  infra_id:
    description:
      - The cluster's infrastructure name. Taken from the worker MachineSets' label
        C(machine.openshift.io/cluster-api-cluster) when omitted and unambiguous.
    type: str
  availability_zones:
    description:
      - The zones to run a gateway in, one MachineSet each; typically the zones of the RV(acm.submariner.aws_cloud_prepare#module:gateway_subnets).
      - Required with O(state=present). With O(state=absent), omitting it removes every gateway MachineSet of the cluster.
    type: list
    elements: str
  instance_type:
    description: The gateway instance type.
    type: str
    default: m5n.large
  public_subnet_names:
    description:
      - Name tag of the public subnet to use per zone, for clusters whose worker subnets are not named
        C(<infraID>-private-<az>) or C(<infraID>-subnet-private-<az>).
    type: dict
  infra_node_label:
    description: Also label the gateway nodes C(node-role.kubernetes.io/infra), as current cloud-prepare does (not ACM 2.2).
    type: bool
    default: true
  state:
    description: V(present) creates or updates the gateway MachineSets; V(absent) deletes them (machine-api then removes the instances).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=present), wait until every gateway MachineSet has a Running Machine with a Ready Node labelled
        C(submariner.io/gateway=true); with O(state=absent), until the MachineSets are gone.
      - Skipped in check mode.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait for each MachineSet when O(wait=true).
    type: int
    default: 900
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes
seealso:
  - module: acm.submariner.aws_cloud_prepare
  - module: acm.submariner.aws_cloud_prepare_info
  - name: cloud-prepare gateway MachineSet template
    description: The shape this module reproduces.
    link: https://github.com/submariner-io/cloud-prepare/blob/devel/pkg/aws/gw-machineset.yaml.template
"""

EXAMPLES = r"""
- name: Prepare AWS for cluster1
  acm.submariner.aws_cloud_prepare:
    infra_id: cluster1-x7k2p
    region: eu-west-1
  register: aws_prep

- name: One gateway per prepared subnet, waiting for the nodes
  acm.submariner.gateway_machineset:
    context: cluster1
    infra_id: cluster1-x7k2p
    availability_zones: "{{ aws_prep.gateway_subnets | map(attribute='availability_zone') | list }}"
    instance_type: m5n.large
  register: gateways

- name: Remove the gateways (before aws_cloud_prepare state=absent)
  acm.submariner.gateway_machineset:
    context: cluster1
    infra_id: cluster1-x7k2p
    state: absent
"""

RETURN = r"""
infra_id:
  description: The cluster's infrastructure name used.
  returned: always
  type: str
  sample: cluster1-x7k2p
machinesets:
  description: Names of the gateway MachineSets created, updated, kept or deleted.
  returned: always
  type: list
  elements: str
  sample: [cluster1-x7k2p-submariner-gw-eu-west-1a]
node_names:
  description: Gateway nodes that are Ready and labelled (after the wait, with O(wait=true)).
  returned: always
  type: list
  elements: str
  sample: [ip-10-0-160-12.eu-west-1.compute.internal]
diff:
  description: With C(--diff), each MachineSet before and after, by name.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset as gw
from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare import DEFAULT_INSTANCE_TYPE, gateway_sg_name
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError, HubModule, wait_argument_spec
from ansible_collections.acm.submariner.plugins.module_utils.waiting import Target, wait_gone, wait_until


def argument_spec():
    spec = {
        "infra_id": {"type": "str"},
        "availability_zones": {"type": "list", "elements": "str"},
        "instance_type": {"type": "str", "default": DEFAULT_INSTANCE_TYPE},
        "public_subnet_names": {"type": "dict"},
        "infra_node_label": {"type": "bool", "default": True},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    spec.update(wait_argument_spec(timeout=900))
    spec["wait"]["default"] = True
    return spec


def resolve_infra_id(module, machinesets):
    if module.params["infra_id"]:
        return module.params["infra_id"]
    found = sorted({gw.infra_id_of(item) for item in machinesets if gw.is_worker(item)} - {None})
    if len(found) != 1:
        raise HubError("{0}: cannot tell the cluster's infrastructure name from its worker MachineSets (found: {1});"
                       " set infra_id".format(module.hub.target, ", ".join(found) or "none"))
    return found[0]


def machines_and_nodes(hub, name):
    machines = hub.list(gw.MACHINE_API_VERSION, gw.MACHINE_KIND, gw.MACHINE_API_NAMESPACE,
                        label_selector="{0}={1}".format(gw.LABEL_MACHINESET, name))
    nodes = {}
    for machine in machines:
        node_name = ((machine.get("status") or {}).get("nodeRef") or {}).get("name")
        if node_name:
            nodes[node_name] = hub.get("v1", "Node", node_name)
    return machines, {key: value for key, value in nodes.items() if value}


def wait_ready(hub, name, timeout):
    def blocker(machineset):
        if machineset is None:
            return "the MachineSet does not exist"
        return gw.machine_blocker(*machines_and_nodes(hub, name))

    wait_until(hub, Target(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, name, gw.MACHINE_API_NAMESPACE), blocker, timeout)


def ensure_present(module, machinesets, infra_id):
    params, hub = module.params, module.hub
    outcomes = {}
    for zone in params["availability_zones"]:
        try:
            worker = gw.worker_for_zone(machinesets, infra_id, zone)
            desired = gw.build_gateway_machineset(
                worker, infra_id=infra_id, instance_type=params["instance_type"], gateway_sg_name=gateway_sg_name(infra_id),
                subnet_name=(params["public_subnet_names"] or {}).get(zone), infra_label=params["infra_node_label"])
        except gw.MachineSetError as exc:
            raise HubError("{0}: {1}".format(hub.target, exc)) from exc
        outcomes[desired["metadata"]["name"]] = hub.ensure_present(desired)
    if params["wait"] and not module.check_mode:
        for name in outcomes:
            wait_ready(hub, name, params["wait_timeout"])
    return outcomes


def ensure_absent(module, machinesets, infra_id):
    params, hub = module.params, module.hub
    if params["availability_zones"]:
        names = [gw.gateway_machineset_name(infra_id, zone) for zone in params["availability_zones"]]
    else:
        names = sorted(item["metadata"]["name"] for item in machinesets
                       if gw.is_gateway(item) and gw.infra_id_of(item) == infra_id)
    outcomes = {name: hub.ensure_absent(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, name, gw.MACHINE_API_NAMESPACE)
                for name in names}
    if params["wait"] and not module.check_mode:
        for name, outcome in outcomes.items():
            if outcome.changed:
                target = Target(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, name, gw.MACHINE_API_NAMESPACE)
                wait_gone(hub, target, params["wait_timeout"])
                wait_until(hub, target, lambda _obj, name=name: machines_left(hub, name), params["wait_timeout"])
    return outcomes


def machines_left(hub, name):
    """None once the MachineSet's Machines are gone (their instances terminated), else which remain."""
    machines, _nodes = machines_and_nodes(hub, name)
    if not machines:
        return None
    return "Machine(s) {0} still being deleted".format(", ".join(sorted(item["metadata"]["name"] for item in machines)))


def manage(module):
    hub = module.hub
    machinesets = hub.list(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, gw.MACHINE_API_NAMESPACE)
    infra_id = resolve_infra_id(module, machinesets)
    run = ensure_present if module.params["state"] == "present" else ensure_absent
    outcomes = run(module, machinesets, infra_id)
    nodes = []
    if module.params["state"] == "present":
        for name in outcomes:
            nodes += gw.ready_node_names(*machines_and_nodes(hub, name))
    result = {"changed": any(outcome.changed for outcome in outcomes.values()), "infra_id": infra_id,
              "machinesets": list(outcomes), "node_names": sorted(nodes)}
    return module.with_diff(result, outcomes)


def main():
    module = HubModule(argument_spec=argument_spec(), required_if=[("state", "present", ("availability_zones",))])
    module.run(manage)


if __name__ == "__main__":
    main()

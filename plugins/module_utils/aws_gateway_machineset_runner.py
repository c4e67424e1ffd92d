# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.gateway_machineset does on a managed cluster: read the worker MachineSets, write or
delete the gateway ones, and wait for their Machines and Nodes. The shapes come from aws_gateway_machineset."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset as gw
from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare import gateway_sg_name
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError, object_ref
from ansible_collections.acm.submariner.plugins.module_utils.ownership import is_ours, not_deleted_message
from ansible_collections.acm.submariner.plugins.module_utils.waiting import Target, wait_gone, wait_until


def machineset_target(name):
    return Target(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, name, gw.MACHINE_API_NAMESPACE)


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

    wait_until(hub, machineset_target(name), blocker, timeout)


def machines_left(hub, name):
    """None once the MachineSet's Machines are gone (their instances terminated), else which remain."""
    machines, _nodes = machines_and_nodes(hub, name)
    if not machines:
        return None
    return "Machine(s) {0} still being deleted".format(", ".join(sorted(item["metadata"]["name"] for item in machines)))


def gateway_names(machinesets, infra_id):
    return sorted(item["metadata"]["name"] for item in machinesets if gw.is_gateway(item) and gw.infra_id_of(item) == infra_id)


def stale_gateways(hub, machinesets, names, instance_type):
    """Per kept gateway MachineSet of ours, its Machines of another instance type. A MachineSet someone else made
    is not ours to roll."""
    stale = {}
    ours = {item["metadata"]["name"] for item in machinesets if is_ours(item)}
    for name in names:
        if name in ours:
            found = gw.stale_machines(machines_and_nodes(hub, name)[0], instance_type)
            if found:
                stale[name] = found
    return stale


def replace_stale(module, stale, replicas):
    """Replace each stale Machine by a surge, so that the cluster never has fewer gateways than it asked for: the
    MachineSet is scaled up by one (the machine-api gives the new Machine the new type), and once that Machine's
    gateway Node is Ready, the stale Machine is marked to go first and the MachineSet is scaled back. A scale-down
    alone would let the add-on label a worker as gateway while none is left. In check mode, only plans."""
    params, hub = module.params, module.hub
    replaced = []
    for name, machines in stale.items():
        for machine in machines:
            if not module.params["wait"]:
                module.warn("{0}: gateway Machine {1} runs {2}, not {3}; it is replaced only with wait=true, which the"
                            " replacement needs to keep the gateway up".format(
                                hub.target, machine["metadata"]["name"], gw.instance_type_of(machine), params["instance_type"]))
                continue
            replaced.append({"machineset": name, "machine": machine["metadata"]["name"], "before": gw.instance_type_of(machine),
                             "after": params["instance_type"]})
            if module.check_mode:
                continue
            hub.ensure_present(gw.scaled(name, replicas + 1))
            wait_until(hub, machineset_target(name),
                       lambda _obj, name=name: gw.surge_blocker(*machines_and_nodes(hub, name), params["instance_type"]), params["wait_timeout"])
            hub.ensure_present(gw.delete_first(machine))
            hub.ensure_present(gw.scaled(name, replicas))
            wait_until(hub, machineset_target(name), lambda _obj, name=name, gone=machine["metadata"]["name"]: replacement_blocker(hub, name, gone),
                       params["wait_timeout"])
    return replaced


def replacement_blocker(hub, name, gone):
    machines, nodes = machines_and_nodes(hub, name)
    if any(machine["metadata"]["name"] == gone for machine in machines):
        return "Machine {0} is still being deleted".format(gone)
    return gw.machine_blocker(machines, nodes)


def ensure_present(module, machinesets, infra_id):
    params, hub = module.params, module.hub
    names = [gw.gateway_machineset_name(infra_id, zone) for zone in params["availability_zones"]]
    stale = stale_gateways(hub, machinesets, names, params["instance_type"])
    outcomes = {}
    for zone in params["availability_zones"]:
        try:
            worker = gw.worker_for_zone(machinesets, infra_id, zone)
            desired = gw.build_gateway_machineset(
                worker, infra_id=infra_id, instance_type=params["instance_type"], gateway_sg_name=gateway_sg_name(infra_id),
                subnet_name=(params["public_subnet_names"] or {}).get(zone), infra_label=params["infra_node_label"])
        except gw.MachineSetError as exc:
            raise HubError("{0}: {1}".format(hub.target, exc)) from exc
        outcomes[desired["metadata"]["name"]] = hub.ensure_present(desired, owned=True)
    if module.wait_requested:
        for name in outcomes:
            wait_ready(hub, name, params["wait_timeout"])
    replaced = replace_stale(module, stale, gw.MACHINES_PER_GATEWAY_MACHINESET)
    if params["prune"]:
        # After the wait: the gateways that stay are up before any other goes.
        outcomes.update(delete_ours(module, [name for name in gateway_names(machinesets, infra_id) if name not in outcomes]))
    return outcomes, replaced


def ensure_absent(module, machinesets, infra_id):
    params = module.params
    if params["availability_zones"]:
        names = [gw.gateway_machineset_name(infra_id, zone) for zone in params["availability_zones"]]
    else:
        names = gateway_names(machinesets, infra_id)
    return delete_ours(module, names), []


def delete_ours(module, names):
    """Delete the named gateway MachineSets that carry our label (the others are kept, with a warning), then wait."""
    params, hub = module.params, module.hub
    # Every delete is sent before the first wait, so the instances terminate in parallel.
    outcomes = {name: hub.ensure_absent(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, name, gw.MACHINE_API_NAMESPACE, owned_only=True)
                for name in names}
    for name, outcome in outcomes.items():
        if outcome.kept:
            module.warn("{0}: {1}; if acm.submariner 0.1.0 created it (it did not label its gateway MachineSets), label it {2}={3}"
                        " and run again".format(hub.target, not_deleted_message(object_ref(gw.MACHINESET_KIND, name, gw.MACHINE_API_NAMESPACE)),
                                                C.MANAGED_BY_LABEL, C.MANAGED_BY_VALUE))
    if module.wait_requested:
        for name, outcome in outcomes.items():
            if outcome.changed:
                wait_gone(hub, machineset_target(name), params["wait_timeout"])
                wait_until(hub, machineset_target(name), lambda _obj, name=name: machines_left(hub, name), params["wait_timeout"])
    return outcomes


def manage_gateway_machinesets(module):
    """Run acm.submariner.gateway_machineset for ``module`` (a k8s.HubModule on the managed cluster)."""
    hub = module.hub
    machinesets = hub.list(gw.MACHINE_API_VERSION, gw.MACHINESET_KIND, gw.MACHINE_API_NAMESPACE)
    infra_id = resolve_infra_id(module, machinesets)
    run = ensure_present if module.params["state"] == "present" else ensure_absent
    outcomes, replaced = run(module, machinesets, infra_id)
    nodes, others = [], []
    if module.params["state"] == "present":
        wanted = [gw.gateway_machineset_name(infra_id, zone) for zone in module.params["availability_zones"]]
        for name in wanted:
            nodes += gw.ready_node_names(*machines_and_nodes(hub, name))
        # Left: not pruned, or kept by the prune as not ours.
        others = [name for name in gateway_names(machinesets, infra_id)
                  if name not in wanted and (name not in outcomes or outcomes[name].kept)]
    result = {"changed": any(outcome.changed for outcome in outcomes.values()) or bool(replaced), "infra_id": infra_id,
              "machinesets": list(outcomes), "node_names": sorted(nodes), "others": others,
              "deleted": sorted(name for name, outcome in outcomes.items() if outcome.changed and not outcome.after),
              "replaced": replaced}
    return module.with_diff(result, outcomes)

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
from ansible_collections.acm.submariner.plugins.module_utils.waiting import Target, WaitTimeout, wait_gone, wait_until


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


def stale_gateways(module, machinesets, names):
    """Per gateway MachineSet of ours among ``names``, its gateway Machines of another instance type. Someone else's
    MachineSet gets the new template but its Machines are not ours to roll: a warning names them."""
    params, hub = module.params, module.hub
    by_name = {item["metadata"]["name"]: item for item in machinesets}
    stale = {}
    for name in names:
        found = gw.stale_machines(machines_and_nodes(hub, name)[0], params["instance_type"]) if name in by_name else []
        if not found:
            continue
        listed = ", ".join("{0} ({1})".format(machine["metadata"]["name"], gw.instance_type_of(machine)) for machine in found)
        if not is_ours(by_name[name]):
            module.warn("{0}: gateway MachineSet {1} was not created by acm.submariner (no label {2}={3}), so its Machines {4}"
                        " keep their instance type; replace them yourself, one at a time".format(
                            hub.target, name, C.MANAGED_BY_LABEL, C.MANAGED_BY_VALUE, listed))
        elif not (params["wait"] and params["replace_machines"]):
            module.warn("{0}: gateway Machines {1} of MachineSet {2} keep their instance type, not {3}: they are replaced only"
                        " with replace_machines=true and wait=true (the roles: when acm_submariner_gateway_instance_type is"
                        " set)".format(hub.target, listed, name, params["instance_type"]))
        else:
            stale[name] = found
    return stale


def replace_stale(module, stale, replicas):
    """Replace each stale Machine by a surge, so that the cluster never has fewer gateways than it asked for: the
    MachineSet is scaled up by one (the machine-api gives the new Machine the new type), and once that Machine's
    gateway Node is Ready, the stale Machine is marked to go first and the MachineSet is scaled back. A scale-down
    alone would let the add-on label a worker as gateway while none is left. In check mode, only plans."""
    replaced = []
    for name, machines in stale.items():
        for machine in machines:
            replaced.append({"machineset": name, "machine": machine["metadata"]["name"], "before": gw.instance_type_of(machine),
                             "after": module.params["instance_type"]})
            if not module.check_mode:
                replace_one(module, name, machine["metadata"]["name"], replicas)
    return replaced


def replace_one(module, name, old, replicas):
    params, hub = module.params, module.hub
    instance_type = params["instance_type"]
    hub.ensure_present(gw.scaled(name, replicas + 1))
    try:
        wait_until(hub, machineset_target(name), lambda _obj: gw.surge_blocker(*machines_and_nodes(hub, name), instance_type),
                   params["wait_timeout"])
    except WaitTimeout as exc:
        roll_back_surge(hub, name, instance_type, replicas)
        raise HubError("{0}: gateway MachineSet {1}: no Machine of instance type {2} became a Ready gateway ({3}). The extra"
                       " Machine was scaled away again and {4} still serves as gateway. Check that {2} is offered in the"
                       " zone and within the account's quota (the Machine's status says why), then run again, or go back"
                       " to the former instance type.".format(hub.target, name, instance_type, exc, old)) from exc
    mark_delete_first(hub, old)
    hub.ensure_present(gw.scaled(name, replicas))
    wait_until(hub, machineset_target(name), lambda _obj: replacement_blocker(hub, name, old), params["wait_timeout"])


def mark_delete_first(hub, machine_name):
    """Annotate a Machine that still exists (a patch: a Machine that went meanwhile is not created again)."""
    current = hub.get(gw.MACHINE_API_VERSION, gw.MACHINE_KIND, machine_name, gw.MACHINE_API_NAMESPACE)
    if current is not None and not current["metadata"].get("deletionTimestamp"):
        hub.ensure_present(gw.delete_first(current), current=current)


def roll_back_surge(hub, name, instance_type, replicas):
    machines, nodes = machines_and_nodes(hub, name)
    for machine in gw.unready_of_type(machines, nodes, instance_type):
        mark_delete_first(hub, machine["metadata"]["name"])
    hub.ensure_present(gw.scaled(name, replicas))


def replacement_blocker(hub, name, gone):
    machines, nodes = machines_and_nodes(hub, name)
    if any(machine["metadata"]["name"] == gone for machine in machines):
        return "Machine {0} is still being deleted".format(gone)
    return gw.machine_blocker(machines, nodes)


def ensure_present(module, machinesets, infra_id):
    params, hub = module.params, module.hub
    names = [gw.gateway_machineset_name(infra_id, zone) for zone in params["availability_zones"]]
    stale = stale_gateways(module, machinesets, names)
    current = {item["metadata"]["name"]: item for item in machinesets}
    outcomes = {}
    for zone in params["availability_zones"]:
        try:
            worker = gw.worker_for_zone(machinesets, infra_id, zone)
            desired = gw.build_gateway_machineset(
                worker, infra_id=infra_id, instance_type=params["instance_type"], gateway_sg_name=gateway_sg_name(infra_id),
                subnet_name=(params["public_subnet_names"] or {}).get(zone), infra_label=params["infra_node_label"])
        except gw.MachineSetError as exc:
            raise HubError("{0}: {1}".format(hub.target, exc)) from exc
        name = desired["metadata"]["name"]
        surged = int(((current.get(name) or {}).get("spec") or {}).get("replicas") or 0)
        if name in stale and surged > desired["spec"]["replicas"]:
            # An earlier run's replacement stopped after its scale-up: keep the extra Machine, the replacement resumes.
            desired["spec"]["replicas"] = surged
        outcomes[name] = hub.ensure_present(desired, owned=True)
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

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_machineset's reads and deletes over an in-memory cluster; building the MachineSets is
test_aws_gateway_machineset's, the whole module on the lab is tests/integration's."""

from __future__ import annotations

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset as gw
from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset_runner as runner
from ansible_collections.acm.submariner.plugins.module_utils import ownership
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError, Outcome


OURS = {"app.kubernetes.io/managed-by": "acm.submariner"}


def machineset(name, infra, role="worker", ours=False):
    return {"kind": gw.MACHINESET_KIND, "metadata": {"name": name, "labels": {gw.LABEL_CLUSTER: infra, **(OURS if ours else {})}},
            "spec": {"template": {"metadata": {"labels": {gw.LABEL_ROLE: role}}}}}


def machine(name, machineset_name, instance_type=None, status=None):
    found = {"kind": gw.MACHINE_KIND, "metadata": {"name": name, "labels": {gw.LABEL_MACHINESET: machineset_name}}}
    if instance_type:
        found["spec"] = {"providerSpec": {"value": {"instanceType": instance_type}}}
        found["status"] = {"phase": "Running", "nodeRef": {"name": "node-" + name}} if status is None else status
    return found


class Cluster:
    """The reads and deletes the runner makes, over lists of objects."""

    target = 'context "cluster1"'

    def __init__(self, machinesets, machines=()):
        self.machinesets = list(machinesets)
        self.machines = list(machines)
        self.deleted = []
        self.written = []
        self.scales = []
        self.marked = []

    def list(self, api_version, kind, namespace=None, label_selector=None):
        if kind == gw.MACHINESET_KIND:
            return list(self.machinesets)
        key, dummy, value = label_selector.partition("=")
        return [item for item in self.machines if item["metadata"]["labels"].get(key) == value]

    def get(self, api_version, kind, name, namespace=None):
        if kind == gw.MACHINE_KIND:
            return next((item for item in self.machines if item["metadata"]["name"] == name), None)
        return None

    def ensure_present(self, desired, owned=False, current=None):
        self.written.append((desired["metadata"]["name"], owned))
        if desired.get("kind") == gw.MACHINESET_KIND and "replicas" in (desired.get("spec") or {}) and "template" not in desired["spec"]:
            self.scales.append((desired["metadata"]["name"], desired["spec"]["replicas"]))
        if desired.get("kind") == gw.MACHINE_KIND:
            self.marked.append((desired["metadata"]["name"], desired["metadata"]["annotations"]))
        return Outcome(False, desired, desired)

    def ensure_absent(self, api_version, kind, name, namespace=None, owned_only=False):
        existing = next((item for item in self.machinesets if item["metadata"]["name"] == name), None)
        if existing is None:
            return Outcome(False, {}, {})
        if owned_only and not ownership.is_ours(existing):
            return Outcome(False, existing, existing, kept=True)
        self.deleted.append(name)
        return Outcome(True, existing, {})


class Module:
    def __init__(self, hub, wait_requested=False, **params):
        self.hub = hub
        self.wait_requested = wait_requested
        self.check_mode = False
        self.params = dict({"infra_id": None, "availability_zones": None, "state": "absent", "wait_timeout": 5, "prune": False,
                            "instance_type": "m5n.large", "public_subnet_names": None, "infra_node_label": True, "wait": wait_requested,
                            "replace_machines": True}, **params)
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def with_diff(self, result, outcomes):
        return result


WORKERS = [machineset("abc-worker-eu-west-1a", "abc"), machineset("abc-worker-eu-west-1b", "abc")]
GATEWAYS = [machineset("abc-submariner-gw-eu-west-1a", "abc", ours=True), machineset("other-submariner-gw-eu-west-1a", "other", ours=True)]


def test_infra_id_from_the_workers_unless_given():
    assert runner.resolve_infra_id(Module(Cluster(WORKERS)), WORKERS + GATEWAYS) == "abc"
    assert runner.resolve_infra_id(Module(Cluster(WORKERS), infra_id="given"), WORKERS) == "given"


@pytest.mark.parametrize("machinesets, found", [([], "none"), (WORKERS + [machineset("xyz-worker-a", "xyz")], "abc, xyz")])
def test_infra_id_ambiguous_or_missing_asks_for_it(machinesets, found):
    with pytest.raises(HubError, match=r"cannot tell .* \(found: {0}\); set infra_id".format(found)):
        runner.resolve_infra_id(Module(Cluster(machinesets)), machinesets)


def test_absent_without_zones_deletes_only_this_clusters_gateways():
    cluster = Cluster(WORKERS + GATEWAYS)
    result = runner.manage_gateway_machinesets(Module(cluster))
    assert cluster.deleted == ["abc-submariner-gw-eu-west-1a"]
    assert result == {"changed": True, "infra_id": "abc", "machinesets": ["abc-submariner-gw-eu-west-1a"], "node_names": [], "others": [],
                      "deleted": ["abc-submariner-gw-eu-west-1a"], "replaced": []}


def test_absent_with_zones_names_them_and_missing_ones_change_nothing():
    cluster = Cluster(WORKERS)
    result = runner.manage_gateway_machinesets(Module(cluster, availability_zones=["eu-west-1c"]))
    assert cluster.deleted == [] and result["changed"] is False and result["machinesets"] == ["abc-submariner-gw-eu-west-1c"]


def test_absent_keeps_a_gateway_machineset_we_did_not_create():
    """subctl cloud prepare or the add-on name theirs the same way; only the label tells ours."""
    cluster = Cluster(WORKERS + [machineset("abc-submariner-gw-eu-west-1b", "abc")])
    module = Module(cluster)
    result = runner.manage_gateway_machinesets(module)
    assert cluster.deleted == [] and result["changed"] is False
    assert module.warnings == ['context "cluster1": MachineSet openshift-machine-api/abc-submariner-gw-eu-west-1b was not created by'
                               ' acm.submariner (no label app.kubernetes.io/managed-by=acm.submariner), so it was not deleted; if'
                               ' acm.submariner 0.1.0 created it (it did not label its gateway MachineSets), label it'
                               ' app.kubernetes.io/managed-by=acm.submariner and run again']


@pytest.mark.parametrize("prune, deleted, others", [
    (False, [], ["abc-submariner-gw-eu-west-1b", "abc-submariner-gw-eu-west-1c"]),
    (True, ["abc-submariner-gw-eu-west-1b"], ["abc-submariner-gw-eu-west-1c"]),
])
def test_present_marks_what_it_writes_and_prune_deletes_our_gateways_of_other_zones(monkeypatch, prune, deleted, others):
    monkeypatch.setattr(runner.gw, "worker_for_zone", lambda machinesets, infra, zone: {"zone": zone})
    monkeypatch.setattr(runner.gw, "build_gateway_machineset", lambda worker, **options: {
        "metadata": {"name": gw.gateway_machineset_name(options["infra_id"], worker["zone"])}})
    kept = machineset("abc-submariner-gw-eu-west-1a", "abc", ours=True)
    cluster = Cluster(WORKERS + [kept, machineset("abc-submariner-gw-eu-west-1b", "abc", ours=True),
                                 machineset("abc-submariner-gw-eu-west-1c", "abc")])
    module = Module(cluster, state="present", availability_zones=["eu-west-1a"], prune=prune)
    result = runner.manage_gateway_machinesets(module)
    assert cluster.written == [("abc-submariner-gw-eu-west-1a", True)]
    assert cluster.deleted == deleted == result["deleted"] and result["changed"] is prune and result["others"] == others
    assert bool(module.warnings) is prune


def test_absent_waits_for_the_machines_of_what_it_deleted(monkeypatch):
    cluster = Cluster(WORKERS + GATEWAYS, [machine("abc-gw-m1", "abc-submariner-gw-eu-west-1a")])
    gone, blockers = [], []
    monkeypatch.setattr(runner, "wait_gone", lambda hub, target, timeout: gone.append(target.name))
    monkeypatch.setattr(runner, "wait_until", lambda hub, target, blocker, timeout: blockers.append(blocker(None)))
    runner.manage_gateway_machinesets(Module(cluster, wait_requested=True))
    assert gone == ["abc-submariner-gw-eu-west-1a"]
    assert blockers == ["Machine(s) abc-gw-m1 still being deleted"]
    cluster.machines = []
    assert runner.machines_left(cluster, "abc-submariner-gw-eu-west-1a") is None


def present_with(monkeypatch, gateways, machines, **params):
    monkeypatch.setattr(runner.gw, "worker_for_zone", lambda machinesets, infra, zone: {"zone": zone})
    monkeypatch.setattr(runner.gw, "build_gateway_machineset", lambda worker, **options: {
        "kind": gw.MACHINESET_KIND, "metadata": {"name": gw.gateway_machineset_name(options["infra_id"], worker["zone"])},
        "spec": {"replicas": 1, "template": {}}})
    cluster = Cluster(WORKERS + gateways, machines)
    zones = [item["metadata"]["name"].rsplit("-gw-", 1)[1] for item in gateways]
    return cluster, Module(cluster, state="present", availability_zones=zones, instance_type="c5.large", **params)


def test_a_new_instance_type_replaces_our_gateway_machines_one_by_one_by_a_surge(monkeypatch):
    gateways = [machineset("abc-submariner-gw-eu-west-1a", "abc", ours=True), machineset("abc-submariner-gw-eu-west-1b", "abc", ours=True)]
    machines = [machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large"), machine("abc-gw-b1", "abc-submariner-gw-eu-west-1b", "m5n.large")]
    cluster, module = present_with(monkeypatch, gateways, machines)
    steps = []
    monkeypatch.setattr(runner, "wait_ready", lambda hub, name, timeout: None)
    monkeypatch.setattr(runner, "wait_until", lambda hub, target, blocker, timeout: steps.append(("wait", len(cluster.scales))))
    module.check_mode, module.params["wait"] = True, True
    planned = runner.manage_gateway_machinesets(module)
    assert cluster.scales == [] and cluster.marked == [] and steps == [] and planned["changed"] is True
    assert planned["replaced"] == [{"machineset": "abc-submariner-gw-eu-west-1a", "machine": "abc-gw-a1", "before": "m5n.large", "after": "c5.large"},
                                   {"machineset": "abc-submariner-gw-eu-west-1b", "machine": "abc-gw-b1", "before": "m5n.large", "after": "c5.large"}]
    module.check_mode, module.wait_requested = False, True
    result = runner.manage_gateway_machinesets(module)
    # per Machine: one more of the new type, awaited; then the stale one is marked to go first and the set scaled back
    assert cluster.scales == [("abc-submariner-gw-eu-west-1a", 2), ("abc-submariner-gw-eu-west-1a", 1),
                              ("abc-submariner-gw-eu-west-1b", 2), ("abc-submariner-gw-eu-west-1b", 1)]
    assert steps == [("wait", 1), ("wait", 2), ("wait", 3), ("wait", 4)]
    assert cluster.marked == [("abc-gw-a1", {gw.DELETE_MACHINE_ANNOTATION: "true"}), ("abc-gw-b1", {gw.DELETE_MACHINE_ANNOTATION: "true"})]
    assert [entry["machine"] for entry in result["replaced"]] == ["abc-gw-a1", "abc-gw-b1"]


def test_only_our_running_gateway_machines_of_another_type_are_replaced_and_only_when_asked(monkeypatch):
    monkeypatch.setattr(runner, "wait_until", lambda *args: None)
    monkeypatch.setattr(runner, "wait_ready", lambda *args: None)
    ours = [machineset("abc-submariner-gw-eu-west-1a", "abc", ours=True)]
    for params, wait in (({}, False), ({"replace_machines": False}, True)):
        cluster, module = present_with(monkeypatch, ours, [machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large")], **params)
        module.wait_requested = module.params["wait"] = wait
        assert runner.manage_gateway_machinesets(module)["replaced"] == [] and cluster.scales == []
        assert module.warnings == ['context "cluster1": gateway Machines abc-gw-a1 (m5n.large) of MachineSet abc-submariner-gw-eu-west-1a keep'
                                   ' their instance type, not c5.large: they are replaced only with replace_machines=true and wait=true'
                                   ' (the roles: when acm_submariner_gateway_instance_type is set)']
    theirs = [machineset("abc-submariner-gw-eu-west-1a", "abc")]
    cluster, module = present_with(monkeypatch, theirs, [machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large")])
    module.wait_requested = module.params["wait"] = True
    assert runner.manage_gateway_machinesets(module)["replaced"] == [] and cluster.scales == []
    assert "was not created by acm.submariner" in module.warnings[0] and "abc-gw-a1 (m5n.large)" in module.warnings[0]
    # a Machine of the new type, or one that is no gateway yet (failed, no Node) is not replaced
    for found in (machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "c5.large"),
                  machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large", status={"phase": "Failed"}),
                  machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large", status={"phase": "Provisioning"})):
        cluster, module = present_with(monkeypatch, ours, [found])
        module.wait_requested = module.params["wait"] = True
        assert runner.manage_gateway_machinesets(module)["replaced"] == [] and cluster.scales == [] and module.warnings == []


def test_a_replacement_stopped_after_its_scale_up_resumes_without_a_blind_scale_down(monkeypatch):
    monkeypatch.setattr(runner, "wait_until", lambda *args: None)
    monkeypatch.setattr(runner, "wait_ready", lambda *args: None)
    monkeypatch.setattr(runner.gw, "build_gateway_machineset", lambda worker, **options: {
        "kind": gw.MACHINESET_KIND, "metadata": {"name": gw.gateway_machineset_name(options["infra_id"], worker["zone"])},
        "spec": {"replicas": 1, "template": {}}})
    monkeypatch.setattr(runner.gw, "worker_for_zone", lambda machinesets, infra, zone: {"zone": zone})
    surged = machineset("abc-submariner-gw-eu-west-1a", "abc", ours=True)
    surged["spec"]["replicas"] = 2
    cluster = Cluster(WORKERS + [surged], [machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large"),
                                           machine("abc-gw-a2", "abc-submariner-gw-eu-west-1a", "c5.large")])
    module = Module(cluster, wait_requested=True, state="present", availability_zones=["eu-west-1a"], instance_type="c5.large")
    written = []
    original = cluster.ensure_present
    cluster.ensure_present = lambda desired, owned=False, current=None: written.append(desired.get("spec")) or original(desired, owned, current)
    runner.manage_gateway_machinesets(module)
    assert written[0]["replicas"] == 2, "the MachineSet write keeps the surge"
    assert cluster.scales == [("abc-submariner-gw-eu-west-1a", 2), ("abc-submariner-gw-eu-west-1a", 1)]
    assert cluster.marked == [("abc-gw-a1", {gw.DELETE_MACHINE_ANNOTATION: "true"})]


def test_a_surge_that_never_gets_ready_is_scaled_back_and_named(monkeypatch):
    gateways = [machineset("abc-submariner-gw-eu-west-1a", "abc", ours=True)]
    old = machine("abc-gw-a1", "abc-submariner-gw-eu-west-1a", "m5n.large")
    cluster, module = present_with(monkeypatch, gateways, [old])
    module.wait_requested = module.params["wait"] = True
    monkeypatch.setattr(runner, "wait_ready", lambda *args: None)

    def time_out(hub, target, blocker, timeout):
        cluster.machines.append(machine("abc-gw-a2", "abc-submariner-gw-eu-west-1a", "c5.large", status={"phase": "Failed", "errorMessage": "quota"}))
        raise runner.WaitTimeout("MachineSet abc-submariner-gw-eu-west-1a was not ready: Machine abc-gw-a2 is Failed (quota)")
    monkeypatch.setattr(runner, "wait_until", time_out)
    with pytest.raises(HubError, match=r"gateway MachineSet abc-submariner-gw-eu-west-1a: no Machine of instance type c5.large became a Ready"
                                       r" gateway .*quota.* scaled away again and abc-gw-a1 still serves"):
        runner.manage_gateway_machinesets(module)
    assert cluster.scales == [("abc-submariner-gw-eu-west-1a", 2), ("abc-submariner-gw-eu-west-1a", 1)]
    assert cluster.marked == [("abc-gw-a2", {gw.DELETE_MACHINE_ANNOTATION: "true"})], "the failed new Machine goes, not the old one"


def test_a_machine_gone_before_its_mark_is_not_created_again():
    cluster = Cluster(WORKERS)
    runner.mark_delete_first(cluster, "abc-gw-a1")
    assert cluster.marked == [] and cluster.written == []


def test_the_surge_waits_for_a_ready_gateway_of_the_new_type():
    node = {"metadata": {"name": "n2", "labels": {gw.GATEWAY_NODE_LABEL: "true"}}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    old = dict(machine("m1", "ms", "m5n.large"), status={"phase": "Running", "nodeRef": {"name": "n1"}})
    new = dict(machine("m2", "ms", "c5.large"), status={"phase": "Provisioning"})
    assert gw.surge_blocker([old], {}, "c5.large") == "no Machine of instance type c5.large yet"
    assert gw.surge_blocker([old, new], {}, "c5.large") == "Machine m2 is Provisioning"
    new["status"] = {"phase": "Running", "nodeRef": {"name": "n2"}}
    assert gw.surge_blocker([old, new], {"n2": node}, "c5.large") is None

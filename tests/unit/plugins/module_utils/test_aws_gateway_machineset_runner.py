# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_machineset's reads and deletes over an in-memory cluster; building the MachineSets is
test_aws_gateway_machineset's, the whole module on the lab is tests/integration's."""

from __future__ import annotations

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset as gw
from ansible_collections.acm.submariner.plugins.module_utils import aws_gateway_machineset_runner as runner
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError, Outcome


def machineset(name, infra, role="worker"):
    return {"kind": gw.MACHINESET_KIND, "metadata": {"name": name, "labels": {gw.LABEL_CLUSTER: infra}},
            "spec": {"template": {"metadata": {"labels": {gw.LABEL_ROLE: role}}}}}


def machine(name, machineset_name):
    return {"kind": gw.MACHINE_KIND, "metadata": {"name": name, "labels": {gw.LABEL_MACHINESET: machineset_name}}}


class Cluster:
    """The reads and deletes the runner makes, over lists of objects."""

    target = 'context "cluster1"'

    def __init__(self, machinesets, machines=()):
        self.machinesets = list(machinesets)
        self.machines = list(machines)
        self.deleted = []

    def list(self, api_version, kind, namespace=None, label_selector=None):
        if kind == gw.MACHINESET_KIND:
            return list(self.machinesets)
        key, dummy, value = label_selector.partition("=")
        return [item for item in self.machines if item["metadata"]["labels"].get(key) == value]

    def get(self, api_version, kind, name, namespace=None):
        return None

    def ensure_absent(self, api_version, kind, name, namespace=None):
        self.deleted.append(name)
        exists = any(item["metadata"]["name"] == name for item in self.machinesets)
        return Outcome(exists, {"metadata": {"name": name}} if exists else {}, {})


class Module:
    def __init__(self, hub, wait_requested=False, **params):
        self.hub = hub
        self.wait_requested = wait_requested
        self.check_mode = False
        self.params = dict({"infra_id": None, "availability_zones": None, "state": "absent", "wait_timeout": 5}, **params)

    def with_diff(self, result, outcomes):
        return result


WORKERS = [machineset("abc-worker-eu-west-1a", "abc"), machineset("abc-worker-eu-west-1b", "abc")]
GATEWAYS = [machineset("abc-submariner-gw-eu-west-1a", "abc"), machineset("other-submariner-gw-eu-west-1a", "other")]


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
    assert result == {"changed": True, "infra_id": "abc", "machinesets": ["abc-submariner-gw-eu-west-1a"], "node_names": []}


def test_absent_with_zones_names_them_and_missing_ones_change_nothing():
    cluster = Cluster(WORKERS)
    result = runner.manage_gateway_machinesets(Module(cluster, availability_zones=["eu-west-1c"]))
    assert cluster.deleted == ["abc-submariner-gw-eu-west-1c"] and result["changed"] is False


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

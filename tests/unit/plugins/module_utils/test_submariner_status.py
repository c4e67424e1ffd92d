# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import k8s
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError
from ansible_collections.acm.submariner.plugins.module_utils.waiting import WaitTimeout
from ansible_collections.acm.submariner.plugins.module_utils import submariner_status as info
from ansible_collections.acm.submariner.plugins.modules import submariner_info

PORTS_MESSAGE = "Failed to successfully establish a connection to cluster 'cluster2': no response from 54.0.0.2:4500/udp (IKE timed out)"
OVERLAP_MESSAGE = "The remote cluster 'cluster2' CIDR 10.128.0.0/14 overlaps with the local cluster 'cluster1' CIDR 10.128.0.0/14"


class FakeClient:
    """The HubClient calls submariner_info makes (get, list, served_versions), over a list of objects."""

    def __init__(self, target, objects=(), served=None, missing=()):
        self.target = target
        self.objects = [copy.deepcopy(obj) for obj in objects]
        self.served = served or {}
        self.missing = set(missing)

    def _check(self, api_version, kind):
        if (api_version, kind) in self.missing:
            raise HubError("%s does not serve %s" % (self.target, kind), missing_api=api_version)

    def _matches(self, obj, api_version, kind, namespace):
        meta = obj["metadata"]
        return obj["apiVersion"] == api_version and obj["kind"] == kind and (namespace is None or meta.get("namespace") == namespace)

    def get(self, api_version, kind, name, namespace=None):
        self._check(api_version, kind)
        return next((copy.deepcopy(o) for o in self.objects
                     if self._matches(o, api_version, kind, namespace) and o["metadata"]["name"] == name), None)

    def list(self, api_version, kind, namespace=None, label_selector=None):
        self._check(api_version, kind)
        found = [copy.deepcopy(o) for o in self.objects if self._matches(o, api_version, kind, namespace)]
        if label_selector:
            key, value = label_selector.split("=")
            found = [o for o in found if (o["metadata"].get("labels") or {}).get(key) == value]
        return found

    def served_versions(self, group, kind):
        return list(self.served.get((group, kind), []))


class FakeModule:
    def __init__(self, **params):
        self.params = dict({"cluster": "cluster1", "cluster_auth": None, "peers": ["cluster2"], "install_namespace": C.INSTALL_NAMESPACE,
                            "config_name": None, "wait": False, "wait_timeout": 5, "kubeconfig": None}, **params)
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def condition(condition_type, status, reason="Reason", message=""):
    return {"type": condition_type, "status": status, "reason": reason, "message": message, "lastTransitionTime": "2026-11-25T10:00:00Z"}


def obj(api_version, kind, name, namespace=None, **fields):
    metadata = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata.update(fields.pop("metadata", {}))
    return dict({"apiVersion": api_version, "kind": kind, "metadata": metadata}, **fields)


def managed_cluster(name="cluster1", labels=None):
    labels = {C.CLUSTERSET_LABEL: "submariner"} if labels is None else labels
    return obj(C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, name, metadata={"labels": labels},
               spec={"hubAcceptsClient": True},
               status={"conditions": [condition(C.COND_CLUSTER_AVAILABLE, "True")],
                       "clusterClaims": [{"name": C.CLAIM_REGION, "value": "eu-west-1"}, {"name": C.CLAIM_PLATFORM, "value": "AWS"}]})


def healthy_addon(connection_degraded=("False", "ConnectionsEstablished", "")):
    return obj("addon.open-cluster-management.io/v1alpha1", C.MANAGED_CLUSTER_ADDON_KIND, "submariner", "cluster1", status={"conditions": [
        condition(C.COND_BROKER_CONFIG_APPLIED, "True", "BrokerConfigApplied"),
        condition(C.COND_GATEWAY_NODES_LABELED, "True", "SubmarinerGatewayNodesLabeled"),
        condition(C.COND_AGENT_DEGRADED, "False", "SubmarinerAgentDeployed"),
        condition(C.COND_CONNECTION_DEGRADED, *connection_degraded),
        condition(C.COND_ROUTE_AGENT_CONNECTION_DEGRADED, "False", "ConnectionsEstablished"),
        condition(C.COND_ADDON_AVAILABLE, "True", "ManagedClusterAddOnLeaseUpdated"),
    ]})


def submariner_config(name="submariner", gateways_labeled=True):
    conditions = [condition(C.COND_CONFIG_APPLIED, "True"), condition(C.COND_ENV_PREPARED, "True")]
    if gateways_labeled:
        conditions.append(condition(C.COND_GATEWAYS_LABELED, "True", "Success"))
    return obj(C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, name, "cluster1", spec={"IPSecNATTPort": 4500},
               status={"conditions": conditions})


def hub_212(*overrides, drop=()):
    objects = [
        obj("operator.open-cluster-management.io/v1", "MultiClusterHub", "multiclusterhub", "open-cluster-management",
            status={"currentVersion": "2.12.2"}),
        obj("addon.open-cluster-management.io/v1alpha1", C.CLUSTER_MANAGEMENT_ADDON_KIND, "submariner"),
        obj("cluster.open-cluster-management.io/v1beta2", C.MANAGED_CLUSTER_SET_KIND, "submariner",
            metadata={"annotations": {C.BROKER_NAMESPACE_ANNOTATION: "submariner-broker"}}),
        obj(C.BROKER_API_VERSION, C.BROKER_KIND, C.BROKER_NAME, "submariner-broker"),
        managed_cluster(), healthy_addon(), submariner_config(),
    ]
    objects = [o for o in objects if o["kind"] not in drop]
    objects = [o for o in objects if not any(o["kind"] == x["kind"] for x in overrides)] + list(overrides)
    served = {
        (C.MCH_GROUP, C.MULTICLUSTER_HUB_KIND): ["v1"],
        (C.CLUSTER_GROUP, C.MANAGED_CLUSTER_SET_KIND): ["v1beta2"],
        (C.ADDON_GROUP, C.MANAGED_CLUSTER_ADDON_KIND): ["v1alpha1"],
        (C.ADDON_GROUP, C.CLUSTER_MANAGEMENT_ADDON_KIND): ["v1alpha1"],
        (C.SUBMARINER_ADDON_GROUP, C.SUBMARINER_CONFIG_KIND): ["v1alpha1"],
    }
    return FakeClient('context "hub"', objects, served)


def endpoint(cluster, public_ip):
    return {"cluster_id": cluster, "hostname": "gw-" + cluster, "public_ip": public_ip, "private_ip": "10.0.0.1", "backend": "libreswan"}


def gateway(connections, ha_status="active", name="gw-cluster1"):
    return obj(C.GATEWAY_API_VERSION, C.GATEWAY_KIND, name, C.INSTALL_NAMESPACE, status={
        "haStatus": ha_status, "localEndpoint": endpoint("cluster1", "54.0.0.1") | {"hostname": name},
        "connections": connections, "statusFailure": ""})


def connection(remote="cluster2", status="connected", message=""):
    entry = {"endpoint": endpoint(remote, "54.0.0.2"), "status": status, "statusMessage": message}
    if status == "connected":
        entry["latencyRTT"] = {"average": "1.2ms", "last": "1.1ms"}
    return entry


def submariner_cr(connections):
    mirrored = [dict(c, usingIP="54.0.0.2", usingNAT=True) for c in connections]
    return obj(C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND, "submariner", C.INSTALL_NAMESPACE, status={
        "clusterID": "cluster1", "clusterCIDR": "10.128.0.0/14", "serviceCIDR": "172.30.0.0/16", "globalCIDR": "",
        "networkPlugin": "OVNKubernetes", "natEnabled": True,
        "gateways": [{"haStatus": "active", "localEndpoint": {"hostname": "gw-cluster1"}, "connections": mirrored}]})


def gateway_node(name="gw-cluster1", instance_type="m5n.large"):
    return obj("v1", "Node", name, metadata={"labels": {C.GATEWAY_NODE_LABEL: "true", C.GATEWAY_UDP_PORT_LABEL: "4500",
                                                        "topology.kubernetes.io/zone": "eu-west-1a",
                                                        "node.kubernetes.io/instance-type": instance_type}},
               status={"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}, {"type": "ExternalIP", "address": "54.0.0.1"}],
                       "conditions": [{"type": "Ready", "status": "True"}]})


def spoke(connections=None, nodes=True, missing=()):
    connections = [connection()] if connections is None else connections
    objects = [gateway(connections), submariner_cr(connections)] + ([gateway_node()] if nodes else [])
    return FakeClient('context "cluster1"', objects, missing=missing)


def categories(result):
    return [p["category"] for p in result["problems"]]


# --- gather ----------------------------------------------------------------------------------------


def test_healthy_cluster_is_ready_with_every_detail():
    result = info.gather(FakeModule(), hub_212(), spoke())
    assert result["problems"] == []
    assert result["health"] == {"state": "ready", "connections": "connected", "summary": "ready: 1 gateway(s), 1/1 connections connected",
                                "timed_out": False}
    assert result["changed"] is False
    assert result["hub"] == {"acm_version": "2.12.2", "generation": "2.12", "join_flow": "addon", "broker_cr_required": True}
    assert result["cluster_set"] == {"name": "submariner", "broker_namespace": "submariner-broker", "broker_present": True}
    assert result["addon"]["state"] == "ready" and result["submariner_config"]["state"] == "ready"
    assert result["join_labels"] is None
    assert result["gateway_nodes"] == [{"name": "gw-cluster1", "udp_port": "4500", "zone": "eu-west-1a", "instance_type": "m5n.large",
                                        "internal_ip": "10.0.0.1", "external_ip": "54.0.0.1", "ready": True}]
    [conn] = result["connections"]
    assert (conn["remote_cluster"], conn["status"], conn["rtt_average"]) == ("cluster2", "connected", "1.2ms")
    assert (conn["using_ip"], conn["using_nat"]) == ("54.0.0.2", True), "filled from the Submariner CR where the Gateway CRD prunes them"
    assert result["networks"] == {"cluster_id": "cluster1", "cluster_cidr": ["10.128.0.0/14"], "service_cidr": ["172.30.0.0/16"],
                                  "global_cidr": [], "network_plugin": "OVNKubernetes", "nat_enabled": True}
    assert "claims" not in result["managed_cluster"] and result["managed_cluster"]["region"] == "eu-west-1"


def test_a_gateway_of_another_instance_type_than_the_config_asks_is_a_warning_not_a_problem():
    config = submariner_config()
    config["spec"]["gatewayConfig"] = {"aws": {"instanceType": "c5.large"}}
    module = FakeModule()
    result = info.gather(module, hub_212(config), spoke())
    assert result["problems"] == [] and result["health"]["state"] == "ready"
    assert module.warnings == ["cluster1: gateway node gw-cluster1 runs m5n.large, not the c5.large the SubmarinerConfig asks for. The"
                               " machine-api gives a new instance type only to new Machines: in direct mode site.yml replaces them;"
                               " in addon mode delete each gateway Machine, one at a time (docs/day2.md)"]
    config["spec"]["gatewayConfig"]["aws"]["instanceType"] = "m5n.large"
    module = FakeModule()
    info.gather(module, hub_212(config), spoke())
    assert module.warnings == []


def test_closed_port_is_classified_first_with_the_fix():
    degraded = ("True", "ConnectionsDegraded", "connection to cluster2 is not established (status=connecting): " + PORTS_MESSAGE)
    result = info.gather(FakeModule(), hub_212(healthy_addon(degraded)), spoke([connection(status="connecting", message=PORTS_MESSAGE)]))
    first = result["problems"][0]
    assert (first["source"], first["category"], first["remote_cluster"], first["state"]) == ("connection", "ports_blocked", "cluster2", "waiting")
    assert "4500" in first["hint"] and PORTS_MESSAGE in first["message"]
    assert result["health"]["state"] == "waiting" and result["health"]["connections"] == "connecting"
    assert result["health"]["summary"].startswith("waiting: 2 problem(s), first: connecting: Failed")


def test_overlap_is_a_failure():
    result = info.gather(FakeModule(), hub_212(), spoke([connection(status="error", message=OVERLAP_MESSAGE)]))
    assert categories(result)[0] == "cidr_overlap"
    assert result["problems"][0]["state"] == "failed"
    assert result["health"]["state"] == "failed" and result["health"]["connections"] == "error"


def test_missing_broker_is_reported_once():
    missing = ("False", "BrokerConfigMissing", "Waiting for brokers.submariner.io object named submariner-broker")
    addon = healthy_addon()
    addon["status"]["conditions"][0] = condition(C.COND_BROKER_CONFIG_APPLIED, *missing)
    result = info.gather(FakeModule(), hub_212(addon, drop=(C.BROKER_KIND,)), spoke())
    assert categories(result).count("broker_missing") == 1
    assert result["cluster_set"]["broker_present"] is False
    assert result["health"]["state"] == "failed"


def test_unlabelled_gateway_and_missing_peer():
    result = info.gather(FakeModule(peers=["cluster2", "cluster3"]), hub_212(), spoke(nodes=False))
    assert "gateway_not_labeled" in categories(result)
    missing = [p for p in result["problems"] if p["remote_cluster"] == "cluster3"]
    assert missing and missing[0]["message"] == "no connection to cluster3" and missing[0]["state"] == "waiting"
    assert result["health"]["connections"] == "missing"


def test_lone_cluster_needs_no_connection():
    lonely = ("True", "ConnectionsNotEstablished", "There are no connections on gateways")
    result = info.gather(FakeModule(peers=[]), hub_212(healthy_addon(lonely)), spoke([]))
    assert result["problems"] == [] and result["health"]["state"] == "ready"


def test_not_joined_and_no_config():
    result = info.gather(FakeModule(), hub_212(drop=(C.MANAGED_CLUSTER_ADDON_KIND, C.SUBMARINER_CONFIG_KIND)), None)
    messages = [p["message"] for p in result["problems"]]
    assert "the cluster has not joined: there is no ManagedClusterAddOn cluster1/submariner" in messages
    assert "there is no SubmarinerConfig in the cluster namespace" in messages
    assert result["health"]["connections"] is None and result["gateways"] == [] and result["networks"] is None


def test_cluster_without_set():
    result = info.gather(FakeModule(), hub_212(managed_cluster(labels={})), None)
    assert result["cluster_set"]["name"] is None
    assert any("in no ManagedClusterSet" in p["message"] for p in result["problems"])


def test_submariner_api_missing_on_the_cluster_means_not_deployed():
    result = info.gather(FakeModule(), hub_212(), spoke(missing=[(C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND)]))
    assert categories(result) == ["agent_not_deployed"]
    assert "does not serve the Submariner APIs" in result["problems"][0]["message"]


def test_unreachable_cluster_is_a_problem_not_a_failure():
    problem = info.problem("cluster_api", "failed", "cannot reach the API server of context cluster1")
    result = info.gather(FakeModule(), hub_212(), None, problem)
    assert result["problems"] == [problem] and result["health"]["state"] == "failed"


def test_acm_22_label_flow_reads_the_single_config_and_the_labels():
    labels = {C.CLUSTERSET_LABEL: "submariner"}
    served = {(C.CLUSTER_GROUP, C.MANAGED_CLUSTER_SET_KIND): ["v1alpha1"], (C.SUBMARINER_ADDON_GROUP, C.SUBMARINER_CONFIG_KIND): ["v1alpha1"]}
    objects = [obj("cluster.open-cluster-management.io/v1alpha1", C.MANAGED_CLUSTER_SET_KIND, "submariner"),
               managed_cluster(labels=labels), submariner_config("subconfig", gateways_labeled=False)]
    result = info.gather(FakeModule(), FakeClient("hub", objects, served), spoke())
    assert result["hub"]["join_flow"] == "labels"
    assert result["cluster_set"]["broker_namespace"] == "submariner-clusterset-submariner-broker"
    assert result["cluster_set"]["broker_present"] is None
    assert result["submariner_config"]["name"] == "subconfig"
    assert result["addon"] is None
    assert [p["source"] for p in result["problems"]] == ["join_labels"]
    assert "submariner-agent=true" in result["problems"][0]["message"]

    joined = managed_cluster(labels=dict(labels, **{C.SUBMARINER_AGENT_LABEL: "true"}))
    work = obj(info.MANIFEST_WORK_API_VERSION, info.MANIFEST_WORK_KIND, "submariner-operator", "cluster1",
               status={"conditions": [condition("Applied", "True")]})
    result = info.gather(FakeModule(), FakeClient("hub", objects[:1] + [joined, submariner_config("subconfig", gateways_labeled=False), work], served), spoke())
    assert result["problems"] == [], "ACM 2.2 does not report SubmarinerGatewaysLabeled"
    assert result["join_labels"]["submariner_agent"] == "true" and result["join_labels"]["manifest_work_present"] is True


def test_unknown_cluster_fails_the_module():
    with pytest.raises(HubError, match="no ManagedCluster named 'nope'"):
        info.gather(FakeModule(cluster="nope"), hub_212(), None)


# --- waiting -----------------------------------------------------------------------------------------


def test_tunnels_blocker():
    blocker = info.tunnels_blocker(["cluster2"])
    assert blocker(None) == "the Submariner CR does not exist yet"
    assert blocker(submariner_cr([connection()])) is None
    assert blocker(submariner_cr([connection(status="error", message=OVERLAP_MESSAGE)])) is None, "errors do not heal by waiting"
    assert PORTS_MESSAGE in blocker(submariner_cr([connection(status="connecting", message=PORTS_MESSAGE)]))
    assert blocker(submariner_cr([])) == "no connection to cluster2"


def test_tunnels_blocker_waits_for_the_gateway_to_run_the_config_and_through_a_cable_driver_mismatch():
    vxlan_config = {"spec": {"cableDriver": "vxlan"}}

    def on(driver, *connections):
        found = submariner_cr(list(connections))
        found["status"]["gateways"][0]["localEndpoint"]["backend"] = driver
        return found
    blocker = info.tunnels_blocker(["cluster2"], vxlan_config)
    assert "still runs cable driver libreswan (the SubmarinerConfig asks for vxlan)" in blocker(on("libreswan", connection()))
    # cluster2 still rolls its gateway on libreswan: that error heals once it runs vxlan too, so the wait goes on.
    mismatch = blocker(on("vxlan", connection(status="error", message="Failed to successfully ping the remote endpoint IP '10.0.0.1'")))
    assert mismatch and "error" in mismatch
    assert not info.has_connection_error(on("vxlan", connection(status="error", message="ping")))
    assert blocker(on("vxlan", dict(connection(), endpoint=dict(endpoint("cluster2", "54.0.0.2"), backend="vxlan")))) is None


def test_wait_watches_the_cluster_then_the_addon(monkeypatch):
    calls = []
    monkeypatch.setattr(info, "wait_until", lambda client, target, blocker, timeout: calls.append(("cluster", str(target))) or submariner_cr([connection()]))
    monkeypatch.setattr(info, "wait_for_evaluation",
                        lambda client, target, evaluate, timeout: calls.append(("hub", str(target))) or (healthy_addon(), None))
    result = info.gather(FakeModule(wait=True), hub_212(), spoke())
    assert calls == [("cluster", "Submariner submariner-operator/submariner"), ("hub", "ManagedClusterAddOn cluster1/submariner")]
    assert result["health"]["timed_out"] is False


def test_what_the_wait_saw_is_not_read_again(monkeypatch):
    hub, cluster = hub_212(), spoke()
    reads = []
    for client, name in ((hub, "hub"), (cluster, "cluster")):
        monkeypatch.setattr(client, "get", lambda *args, _get=client.get, _name=name: reads.append((_name, args[1])) or _get(*args))
    monkeypatch.setattr(info, "wait_until", lambda *args: submariner_cr([connection()]))
    monkeypatch.setattr(info, "wait_for_evaluation", lambda *args: (healthy_addon(), None))
    result = info.gather(FakeModule(wait=True), hub, cluster)
    assert result["health"]["state"] == "ready"
    assert ("hub", C.MANAGED_CLUSTER_ADDON_KIND) not in reads and ("cluster", C.SUBMARINER_KIND) not in reads


def test_wait_stops_at_an_error_and_reports_a_timeout(monkeypatch):
    monkeypatch.setattr(info, "wait_until", lambda *args: submariner_cr([connection(status="error", message=OVERLAP_MESSAGE)]))
    monkeypatch.setattr(info, "wait_for_evaluation", lambda *args: pytest.fail("no hub wait after an error"))
    assert info.gather(FakeModule(wait=True), hub_212(), spoke())["health"]["timed_out"] is False

    def timeout(*args):
        raise WaitTimeout("context \"cluster1\": Submariner was not ready after 5s: connecting")

    monkeypatch.setattr(info, "wait_until", timeout)
    result = info.gather(FakeModule(wait=True), hub_212(), spoke([connection(status="connecting", message=PORTS_MESSAGE)]))
    assert result["health"]["timed_out"] is True and "not ready after 5s" in result["health"]["wait_error"]


# --- auth of the managed cluster ---------------------------------------------------------------------


def test_cluster_auth_reuses_the_hub_kubeconfig_only_without_its_own():
    module = FakeModule(kubeconfig="/hub/kubeconfig", cluster_auth={"context": "cluster1", "host": None})
    assert info.cluster_auth_params(module) == {"kubeconfig": "/hub/kubeconfig", "context": "cluster1"}
    module = FakeModule(kubeconfig="/hub/kubeconfig", cluster_auth={"host": "https://c1:6443", "api_key": "t"})
    assert info.cluster_auth_params(module) == {"host": "https://c1:6443", "api_key": "t"}


def test_k8s_auth_environment_is_hidden_while_the_cluster_client_is_built(monkeypatch):
    monkeypatch.setenv("K8S_AUTH_API_KEY", "hub-token")
    monkeypatch.setenv("K8S_AUTH_HOST", "https://hub:6443")
    with info.without_k8s_auth_environment():
        assert not [key for key in os.environ if key.startswith("K8S_AUTH_")]
    assert os.environ["K8S_AUTH_API_KEY"] == "hub-token" and os.environ["K8S_AUTH_HOST"] == "https://hub:6443"


def test_no_cluster_auth_means_hub_only():
    assert info.connect_cluster(FakeModule()) == (None, None)


def test_unreachable_cluster_becomes_a_problem(monkeypatch):
    def refuse(view):
        assert view.params == {"context": "cluster1"} and view.server_side_dry_run is False
        raise HubError("cannot reach the API server of context \"cluster1\"")

    monkeypatch.setattr(info, "HubClient", refuse)
    client, problem = info.connect_cluster(FakeModule(cluster_auth={"context": "cluster1"}))
    assert client is None and problem["source"] == "cluster_api" and problem["state"] == "failed"


def test_acm_212_still_needs_gateways_labeled():
    result = info.gather(FakeModule(), hub_212(submariner_config(gateways_labeled=False)), spoke())
    assert [p["source"] for p in result["problems"]] == ["submariner_config"]
    assert "SubmarinerGatewaysLabeled" in result["problems"][0]["message"]


def test_acm_22_label_flow_accepts_a_config_without_gateways_labeled():
    result = info.describe_submariner_config(submariner_config(gateways_labeled=False), C.JOIN_FLOW_LABELS)
    assert result == ({"name": "submariner", "spec": {"IPSecNATTPort": 4500}, "state": "ready", "conditions": result[0]["conditions"]}, [None])


# --- the module ------------------------------------------------------------------------------------


def run_submariner_info(monkeypatch, capsys, hub, cluster, args):
    from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(_internal, "is_controller", False)  # exit_json prints the result, as on a managed node
    monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
    monkeypatch.setattr(k8s, "HubClient", lambda module: hub)
    monkeypatch.setattr(info, "HubClient", lambda view: cluster if view.params == {"context": "cluster1"} else pytest.fail(view.params))
    with patch_module_args(dict({"context": "hub", "wait": False}, **args)):
        with pytest.raises(SystemExit):
            submariner_info.main()
    return json.loads(capsys.readouterr().out)


def test_module_reports_both_sides(monkeypatch, capsys):
    result = run_submariner_info(monkeypatch, capsys, hub_212(), spoke(), {"cluster": "cluster1", "cluster_auth": {"context": "cluster1"}})
    assert result["changed"] is False and result["health"]["state"] == "ready"
    assert [c["remote_cluster"] for c in result["connections"]] == ["cluster2"]


def test_module_fails_on_an_unknown_cluster(monkeypatch, capsys):
    result = run_submariner_info(monkeypatch, capsys, hub_212(), None, {"cluster": "nope"})
    assert result["failed"] is True and "no ManagedCluster named 'nope'" in result["msg"]

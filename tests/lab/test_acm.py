"""The ACM submariner-addon behaviour of the lab, per profile, through the Store (domain.md sections 1-4).

Each test builds a small in-process lab: one Store per cluster with the profile's CRDs, moto's EC2
server on loopback, the world seeded and its controllers running with ``time_scale`` 0. Tests write
as a user would (create sets, configs, addons, labels) and then read what the controllers made.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
import logging
import threading
import time
import types

import boto3
import pytest

from tests.lab import aws
from tests.lab.apiserver.store import Store
from tests.lab.runtime import reset_moto
from tests.lab.world import World

moto_server = pytest.importorskip("moto.server")
logging.getLogger("werkzeug").setLevel(logging.ERROR)

HUB = "hubcluster"
SET_V1BETA2 = "cluster.open-cluster-management.io/v1beta2"
SET_V1ALPHA1 = "cluster.open-cluster-management.io/v1alpha1"
MC = "cluster.open-cluster-management.io/v1"
ADDON = "addon.open-cluster-management.io/v1alpha1"
CONFIG = "submarineraddon.open-cluster-management.io/v1alpha1"
BROKER = "submariner.io/v1alpha1"
WORK = "work.open-cluster-management.io/v1"
SUBMARINER_V1 = "submariner.io/v1"


_MOTO = {}
_CRDS = {}


def shared_moto_endpoint() -> str:
    """One moto server for the test process (its backend is process-wide anyway); stopped at exit."""
    if "server" not in _MOTO:
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        atexit.register(server.stop)
        host, port = server.get_host_and_port()
        _MOTO["server"], _MOTO["endpoint"] = server, f"http://{host}:{port}"
    return _MOTO["endpoint"]


def cached_crds(world, profile: str, context: str) -> list[dict]:
    """The world's CRDs for a cluster, parsed once per process (YAML parsing dominates a lab's start)."""
    key = (profile, context == HUB)
    if key not in _CRDS:
        _CRDS[key] = world.crds_for(context)
    return _CRDS[key]


class MiniLab:
    """The parts of ``runtime.Lab`` the world and the controllers use, without HTTP servers."""

    def __init__(self, profile: str, *, clusters: int = 2, overlap: bool = False, network_type: str = "OpenShiftSDN",
                 time_scale: float = 0.0, addon_finalizer_waits_for_spoke: bool = False):
        self.options = types.SimpleNamespace(profile=profile, clusters=clusters, overlap=overlap, network_type=network_type,
                                             ocp_naming="legacy", time_scale=time_scale, faults=None, state_dir=".lab", crds_dir=None,
                                             addon_finalizer_waits_for_spoke=addon_finalizer_waits_for_spoke)
        self.aws_endpoint = shared_moto_endpoint()
        # moto keeps one backend per process: every lab starts from an empty account.
        reset_moto(self.aws_endpoint)
        self.hub = Store(HUB)
        self.spokes = {f"cluster{index}": Store(f"cluster{index}") for index in range(1, clusters + 1)}
        self.world = World(self)
        for context, store in [(HUB, self.hub)] + list(self.spokes.items()):
            for crd in cached_crds(self.world, profile, context):
                store.create(copy.deepcopy(crd))
        self.world.seed()
        self.world.start()

    def ec2(self, region: str = aws.DEFAULT_REGION):
        return boto3.client("ec2", endpoint_url=self.aws_endpoint, region_name=region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def stop(self) -> None:
        """Stop the controllers, then empty moto: the next test (maybe on ``mock_aws``) shares its backends."""
        try:
            self.world.stop()
        finally:
            reset_moto(self.aws_endpoint)

    # ---------------------------------------------------------------- helpers for tests
    def settle(self) -> None:
        assert self.world.settle(20), "controllers did not settle"
        assert not self.world.reactor.errors, self.world.reactor.errors

    def spoke(self, cluster: str) -> Store:
        return self.world.spoke_for(cluster)

    def wait_for(self, predicate, timeout: float = 10.0, message: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.world.settle(5)
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {message}")


@contextlib.contextmanager
def running_lab(profile: str, **options):
    lab = MiniLab(profile, **options)
    try:
        lab.settle()
        yield lab
    finally:
        lab.stop()


def condition(obj: dict | None, kind: str) -> dict:
    for entry in ((obj or {}).get("status") or {}).get("conditions") or []:
        if entry["type"] == kind:
            return entry
    return {}


def creds_config(cluster: str, name: str = "submariner", **spec) -> dict:
    body = {"credentialsSecret": {"name": f"{cluster}-aws-creds"}, "gatewayConfig": {"gateways": 1}}
    body.update(spec)
    return {"apiVersion": CONFIG, "kind": "SubmarinerConfig", "metadata": {"name": name, "namespace": cluster}, "spec": body}


def label_cluster(lab, cluster: str, labels: dict) -> None:
    current = lab.hub.get(MC, "ManagedCluster", cluster)
    current["metadata"].setdefault("labels", {}).update(labels)
    lab.hub.update(current)


def create_set(lab, name: str, api_version: str = SET_V1BETA2) -> None:
    lab.hub.create({"apiVersion": api_version, "kind": "ManagedClusterSet", "metadata": {"name": name}, "spec": {}})


def add_addon(lab, cluster: str, name: str = "submariner") -> None:
    lab.hub.create({"apiVersion": ADDON, "kind": "ManagedClusterAddOn", "metadata": {"name": name, "namespace": cluster},
                    "spec": {"installNamespace": "submariner-operator"}})


def create_broker(lab, namespace: str, globalnet: bool = False) -> None:
    lab.hub.create({"apiVersion": BROKER, "kind": "Broker", "metadata": {"name": "submariner-broker", "namespace": namespace},
                    "spec": {"globalnetEnabled": globalnet}})


def join_212(lab, clusters=("aws-sub1", "aws-sub2"), set_name: str = "demo", broker: bool = True, globalnet: bool = False) -> None:
    """The documented ACM >= 2.5 flow (domain.md 4.1): set, Broker, labels, config, addon."""
    create_set(lab, set_name)
    lab.settle()
    if broker:
        create_broker(lab, f"{set_name}-broker", globalnet)
    for cluster in clusters:
        label_cluster(lab, cluster, {"cluster.open-cluster-management.io/clusterset": set_name})
        lab.hub.create(creds_config(cluster))
        add_addon(lab, cluster)
    lab.settle()


def connection_statuses(lab, cluster: str) -> list[str]:
    spoke = lab.spoke(cluster)
    return [conn["status"] for gateway in spoke.list(SUBMARINER_V1, "Gateway", namespace="submariner-operator")
            for conn in (gateway.get("status") or {}).get("connections") or []]


def ec2_residue(lab) -> dict:
    """What cloud prepare leaves in EC2 (gateway SGs, Submariner rules, tagged subnets, gateway instances)."""
    snapshot = aws.snapshot(lab.ec2())
    return {
        "gateway_sgs": [group["name"] for group in snapshot["security_groups"] if group["name"].endswith("-submariner-gw-sg")],
        "internal_rules": [rule for group in snapshot["security_groups"] for rule in group["ingress"]
                           if rule.get("from") in (4800, 8080) and rule.get("group")],
        "tagged_subnets": [subnet["id"] for subnet in snapshot["subnets"]
                           if "submariner.io/gateway" in subnet["tags"] or "open-cluster-management.io/submariner-addon/gateway" in subnet["tags"]],
        "gateway_instances": [instance["id"] for instance in snapshot["instances"] if instance["tags"].get("submariner.io") == "gateway"],
    }


# ================================================================================================ ACM 2.12
def test_212_default_clusterset_webhook_labels_clusters_on_create_and_update():
    with running_lab("acm-2.12", clusters=1) as lab:
        lab.hub.create({"apiVersion": MC, "kind": "ManagedCluster", "metadata": {"name": "imported"}, "spec": {"hubAcceptsClient": True}})
        created = lab.hub.get(MC, "ManagedCluster", "imported")
        assert created["metadata"]["labels"]["cluster.open-cluster-management.io/clusterset"] == "default"
        del created["metadata"]["labels"]["cluster.open-cluster-management.io/clusterset"]
        updated = lab.hub.update(created)
        assert updated["metadata"]["labels"]["cluster.open-cluster-management.io/clusterset"] == "default"


def test_212_broker_namespace_for_exclusive_sets_only():
    with running_lab("acm-2.12", clusters=1) as lab:
        create_set(lab, "demo")
        lab.settle()
        cluster_set = lab.hub.get(SET_V1BETA2, "ManagedClusterSet", "demo")
        assert cluster_set["metadata"]["annotations"]["cluster.open-cluster-management.io/submariner-broker-ns"] == "demo-broker"
        assert "cluster.open-cluster-management.io/submariner-cleanup" in cluster_set["metadata"]["finalizers"]
        namespace = lab.hub.get("v1", "Namespace", "demo-broker")
        assert namespace["metadata"]["labels"]["submariner.io/broker"] == "true"
        assert lab.hub.get("rbac.authorization.k8s.io/v1", "Role", "submariner-k8s-broker-cluster", "demo-broker")
        psk = lab.hub.get("v1", "Secret", "submariner-ipsec-psk", "demo-broker")
        assert len(base64.b64decode(psk["data"]["psk"])) == 48
        assert lab.hub.get("v1", "Namespace", "default-broker") is not None
        assert lab.hub.get("v1", "Namespace", "global-broker") is None  # LabelSelector set: ignored


def test_212_long_set_name_truncated_from_the_head():
    """GenerateBrokerName drops the first len("broker") - 1 characters of the set name, not "to 63"."""
    with running_lab("acm-2.12", clusters=1) as lab:
        name = "s" * 5 + "x" * 55
        create_set(lab, name)
        lab.settle()
        assert lab.hub.get("v1", "Namespace", "x" * 55 + "-broker") is not None
        assert lab.hub.get(SET_V1BETA2, "ManagedClusterSet", name)["metadata"]["annotations"][
            "cluster.open-cluster-management.io/submariner-broker-ns"] == "x" * 55 + "-broker"


def test_212_happy_path_connects_and_reports_every_condition():
    with running_lab("acm-2.12") as lab:
        created_gateways = []
        lab.spoke("aws-sub1").subscribe(lambda event, obj: created_gateways.append(obj) if (event, obj["kind"]) == ("ADDED", "Gateway") else None)
        join_212(lab)
        for cluster in ("aws-sub1", "aws-sub2"):
            addon = lab.wait_for(lambda cluster=cluster: _ready_addon(lab, cluster), message=f"{cluster} connected")
            assert "submarineraddon.open-cluster-management.io/submariner-addon-cleanup" in addon["metadata"]["finalizers"]
            assert condition(addon, "SubmarinerBrokerConfigApplied")["reason"] == "BrokerConfigApplied"
            assert condition(addon, "SubmarinerGatewayNodesLabeled")["reason"] == "SubmarinerGatewayNodesLabeled"
            assert condition(addon, "SubmarinerAgentDegraded")["status"] == "False"
            assert condition(addon, "SubmarinerAgentDegraded")["reason"] == "SubmarinerAgentDeployed"
            assert condition(addon, "RouteAgentConnectionDegraded")["reason"] == "ConnectionsEstablished"
            assert condition(addon, "Available")["status"] == "True"
            config = lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", cluster)
            assert condition(config, "SubmarinerConfigApplied")["status"] == "True"
            assert condition(config, "SubmarinerClusterEnvironmentPrepared")["reason"] == "SubmarinerClusterEnvPrepared"
            labeled = condition(config, "SubmarinerGatewaysLabeled")
            assert labeled["reason"] == "Success" and labeled["message"].startswith('1 node(s) ("ip-')
            info = config["status"]["managedClusterInfo"]
            assert info["platform"] == "AWS" and info["vendor"] == "OpenShift" and info["networkType"] == "OpenShiftSDN"
            assert info["infraId"].startswith(cluster)
            for work in ("submariner-operator", "submariner-resource"):
                assert condition(lab.hub.get(WORK, "ManifestWork", work, cluster), "Applied")["status"] == "True"
            spoke = lab.spoke(cluster)
            submariner = spoke.get(BROKER, "Submariner", "submariner", "submariner-operator")
            assert submariner["spec"]["clusterID"] == cluster and submariner["spec"]["ceIPSecNATTPort"] == 4500
            assert submariner["spec"]["brokerK8sRemoteNamespace"] == "demo-broker"
            assert submariner["status"]["gateways"][0]["connections"][0]["status"] == "connected"
            gateway_node = spoke.list("v1", "Node", label_selector="submariner.io/gateway=true")[0]
            assert gateway_node["metadata"]["labels"]["gateway.submariner.io/udp-port"] == "4500"
            for name in ("submariner-gateway", "submariner-routeagent"):
                assert spoke.get("apps/v1", "DaemonSet", name, "submariner-operator") is not None
        broker_ns = "demo-broker"
        assert {sa["metadata"]["name"] for sa in lab.hub.list("v1", "ServiceAccount", namespace=broker_ns)} >= {"aws-sub1", "aws-sub2"}
        token = lab.hub.get("v1", "Secret", "aws-sub1-broker", broker_ns)
        assert token["type"] == "kubernetes.io/service-account-token"
        assert lab.hub.get("rbac.authorization.k8s.io/v1", "RoleBinding", "submariner-k8s-broker-cluster-aws-sub1", broker_ns)
        info = lab.hub.get("v1", "ConfigMap", "submariner-globalnet-info", broker_ns)
        assert info["data"]["globalnetEnabled"] == "false"
        assert len(lab.hub.list(SUBMARINER_V1, "Cluster", namespace=broker_ns)) == 2
        assert len(lab.hub.list(SUBMARINER_V1, "Endpoint", namespace=broker_ns)) == 2
        connection = lab.spoke("aws-sub1").list(SUBMARINER_V1, "Gateway", namespace="submariner-operator")[0]["status"]["connections"][0]
        assert connection["endpoint"]["cluster_id"] == "aws-sub2" and connection["endpoint"]["public_ip"]
        # The served Gateway schema keeps what current Submariner writes (profiles.gateway_connection_fields).
        assert isinstance(connection["usingIP"], str) and connection["usingIP"] and isinstance(connection["usingNAT"], bool)
        assert connection["latencyRTT"]["average"].endswith("ms")
        # Gateway's CRD has no status subresource: the status is part of the created object.
        assert created_gateways and all(gateway["status"]["haStatus"] == "active" for gateway in created_gateways)
        aggregate = lab.spoke("aws-sub1").get("rbac.authorization.k8s.io/v1", "ClusterRole", "open-cluster-management:submariner-addon:aggregate-admin")
        assert aggregate["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"


def _ready_addon(lab, cluster):
    addon = lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", cluster)
    degraded = condition(addon, "SubmarinerConnectionDegraded")
    return addon if degraded.get("reason") == "ConnectionsEstablished" and degraded["status"] == "False" else None


def test_212_missing_broker_then_broker_created():
    with running_lab("acm-2.12") as lab:
        join_212(lab, clusters=("aws-sub1",), broker=False)
        addon = lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        missing = condition(addon, "SubmarinerBrokerConfigApplied")
        assert (missing["status"], missing["reason"]) == ("False", "BrokerConfigMissing")
        assert missing["message"] == 'Waiting for brokers.submariner.io object named "submariner-broker" to be created in "demo-broker" namespace'
        assert lab.hub.get(WORK, "ManifestWork", "submariner-resource", "aws-sub1") is None
        create_broker(lab, "demo-broker")
        lab.settle()
        addon = lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        assert condition(addon, "SubmarinerBrokerConfigApplied")["reason"] == "BrokerConfigApplied"
        assert lab.hub.get(WORK, "ManifestWork", "submariner-resource", "aws-sub1") is not None


def test_212_config_with_another_name_is_ignored():
    with running_lab("acm-2.12", clusters=1) as lab:
        lab.hub.create(creds_config("aws-sub1", name="subconfig"))
        lab.settle()
        config = lab.hub.get(CONFIG, "SubmarinerConfig", "subconfig", "aws-sub1")
        assert not (config.get("status") or {}).get("conditions")
        assert ec2_residue(lab)["gateway_sgs"] == []


def test_212_config_errors_are_the_documented_ones():
    with running_lab("acm-2.12", clusters=2) as lab:
        join_212(lab, clusters=())
        label_cluster(lab, "aws-sub1", {"cluster.open-cluster-management.io/clusterset": "demo"})
        config = creds_config("aws-sub1")
        del config["spec"]["credentialsSecret"]
        lab.hub.create(config)
        add_addon(lab, "aws-sub1")
        label_cluster(lab, "aws-sub2", {"cluster.open-cluster-management.io/clusterset": "demo"})
        lab.hub.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "partial", "namespace": "aws-sub2"},
                        "data": {"aws_access_key_id": base64.b64encode(b"AKIA").decode()}})
        lab.hub.create(creds_config("aws-sub2", credentialsSecret={"name": "partial"}))
        add_addon(lab, "aws-sub2")
        lab.settle()
        first = condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1"), "SubmarinerClusterEnvironmentPrepared")
        assert (first["status"], first["reason"]) == ("False", "SubmarinerClusterEnvPreparationFailed")
        assert first["message"] == "Failed to prepare submariner cluster environment: no CredentialsSecret reference provided"
        second = condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub2"), "SubmarinerClusterEnvironmentPrepared")
        assert second["message"].endswith("the aws credentials key aws_secret_access_key is not in secret aws-sub2/partial")


def test_212_zero_gateways_is_invalid_input():
    with running_lab("acm-2.12", clusters=1) as lab:
        create_set(lab, "demo")
        lab.settle()
        create_broker(lab, "demo-broker")
        label_cluster(lab, "aws-sub1", {"cluster.open-cluster-management.io/clusterset": "demo"})
        lab.hub.create(creds_config("aws-sub1", gatewayConfig={"gateways": 0}))
        add_addon(lab, "aws-sub1")
        lab.settle()
        config = lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1")
        assert condition(config, "SubmarinerGatewaysLabeled")["reason"] == "InvalidInput"
        assert condition(config, "SubmarinerClusterEnvironmentPrepared")["message"].endswith("the count of gateways is less than 1")


def test_212_skip_cloud_prepare_labels_existing_workers():
    with running_lab("acm-2.12", clusters=1) as lab:
        create_set(lab, "demo")
        lab.settle()
        create_broker(lab, "demo-broker")
        label_cluster(lab, "aws-sub1", {"cluster.open-cluster-management.io/clusterset": "demo"})
        config = creds_config("aws-sub1", gatewayConfig={"gateways": 2})
        config["metadata"]["annotations"] = {"submariner.io/skip-cloud-prepare": "true"}
        lab.hub.create(config)
        add_addon(lab, "aws-sub1")
        lab.settle()
        gateways = lab.spoke("aws-sub1").list("v1", "Node", label_selector="submariner.io/gateway=true")
        assert len(gateways) == 2
        assert len({node["metadata"]["labels"]["topology.kubernetes.io/zone"] for node in gateways}) == 2
        assert all(node["metadata"]["annotations"]["submariner.io/random-gateway-node"] == "true" for node in gateways)
        assert condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1"), "SubmarinerGatewaysLabeled")["reason"] == "Success"
        assert ec2_residue(lab)["gateway_sgs"] == []


def test_212_insufficient_nodes_while_the_gateway_machine_provisions():
    with running_lab("acm-2.12", clusters=1, time_scale=0.2) as lab:
        create_set(lab, "demo")
        lab.settle()
        create_broker(lab, "demo-broker")
        label_cluster(lab, "aws-sub1", {"cluster.open-cluster-management.io/clusterset": "demo"})
        lab.hub.create(creds_config("aws-sub1"))
        add_addon(lab, "aws-sub1")
        reasons = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "Success" not in reasons:
            reason = condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1"), "SubmarinerGatewaysLabeled").get("reason")
            if reason and (not reasons or reasons[-1] != reason):
                reasons.append(reason)
            time.sleep(0.02)
        assert reasons == ["InsufficientNodes", "Success"]
        labeled = condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1"), "SubmarinerGatewaysLabeled")
        assert labeled["status"] == "True"


def test_212_uninstall_in_the_documented_order_leaves_no_aws_residue():
    """Add-on first; the config only once the spoke reported its clean-up (what roles/uninstall waits for)."""
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        lab.wait_for(lambda: _ready_addon(lab, "aws-sub1"), message="connected")
        assert ec2_residue(lab)["gateway_sgs"]
        for cluster in ("aws-sub1", "aws-sub2"):
            lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", cluster)
        for cluster in ("aws-sub1", "aws-sub2"):
            lab.wait_for(lambda cluster=cluster: condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", cluster),
                                                           "SubmarinerGatewaysLabeled").get("reason") == "ManagedClusterAddOnDeleted",
                         message=f"{cluster}: clean-up reported")
            lab.hub.delete(CONFIG, "SubmarinerConfig", "submariner", cluster)
        lab.wait_for(lambda: all(lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", cluster) is None
                                 for cluster in ("aws-sub1", "aws-sub2")), message="addons gone")
        for cluster in ("aws-sub1", "aws-sub2"):
            assert lab.spoke(cluster).get(BROKER, "Submariner", "submariner", "submariner-operator") is None
            assert lab.spoke(cluster).list("apps/v1", "Deployment", namespace="submariner-operator") == []
            assert lab.spoke(cluster).list("submariner.io/v1", "Gateway", namespace="submariner-operator") == []
        lab.hub.delete(SET_V1BETA2, "ManagedClusterSet", "demo")
        lab.settle()
        lab.wait_for(lambda: lab.hub.get("v1", "Namespace", "demo-broker") is None, message="broker namespace gone")
        lab.wait_for(lambda: lab.hub.get(SET_V1BETA2, "ManagedClusterSet", "demo") is None, message="set gone")
        lab.wait_for(lambda: not any(ec2_residue(lab).values()), message="no AWS residue")


def test_212_rotated_keys_are_read_at_the_next_preparation_and_clean_up():
    """stolostron/submariner-addon release-2.12: the agent gets the credentials secret from the hub each time it builds
    a cloud provider (pkg/cloud/cloud.go providerFactory.Get), and prepares again only when the SubmarinerConfig's spec
    changed (config_controller.go skipSyncingUnchangedConfig). A rotated secret alone triggers nothing; the next
    preparation (a changed spec) and the clean-up use the new keys."""
    with running_lab("acm-2.12") as lab:
        join_212(lab, clusters=("aws-sub1", "aws-sub2"))
        lab.wait_for(lambda: _ready_addon(lab, "aws-sub1"), message="connected")
        secret = lab.hub.get("v1", "Secret", "aws-sub1-aws-creds", "aws-sub1")
        old_key = base64.b64decode(secret["data"]["aws_access_key_id"]).decode()
        assert [call for call in lab.world.cloud_calls if call[0] == "aws-sub1"] == [("aws-sub1", "prepare", old_key)]
        secret["data"] = {"aws_access_key_id": base64.b64encode(b"AKIAROTATED000000001").decode(),
                          "aws_secret_access_key": base64.b64encode(b"rotated-secret").decode()}
        lab.hub.update(secret)
        calls = len(lab.world.cloud_calls)
        lab.settle()
        assert lab.world.cloud_calls[calls:] == []

        config = lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1")
        config["spec"]["gatewayConfig"]["gateways"] = 2
        lab.hub.update(config)
        lab.wait_for(lambda: ("aws-sub1", "prepare", "AKIAROTATED000000001") in lab.world.cloud_calls, message="prepared again")
        lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        lab.wait_for(lambda: ("aws-sub1", "clean_up", "AKIAROTATED000000001") in lab.world.cloud_calls, message="cleaned up")
        assert not [call for call in lab.world.cloud_calls[calls:] if call[0] == "aws-sub1" and call[2] != "AKIAROTATED000000001"]


def _hold_instance_termination(lab, cluster: str) -> list:
    """Keep the gateway instances of ``cluster`` from terminating (as a slow AWS would): the gateway SG stays in use."""
    machine_api = next(ctrl for ctrl in lab.world.controllers if ctrl.name == "machine-api")
    held = []
    original = machine_api._deprovision  # pylint: disable=protected-access

    def hold(store, machine):
        if store is lab.spoke(cluster):
            held.append(machine["metadata"]["name"])
            return None
        return original(store, machine)
    machine_api._deprovision = hold  # pylint: disable=protected-access
    return held


def test_212_hub_drops_the_addon_finalizer_once_the_manifestwork_is_gone():
    """Upstream (release-2.12 cleanUpSubmarinerAgent): the add-on goes without waiting for the spoke's cloud clean-up."""
    with running_lab("acm-2.12", clusters=1) as lab:
        join_212(lab, clusters=("aws-sub1",))
        lab.wait_for(lambda: ec2_residue(lab)["gateway_instances"], message="gateway instance")
        held = _hold_instance_termination(lab, "aws-sub1")
        lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        lab.wait_for(lambda: lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1") is None, message="addon gone")
        config = lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1")
        assert condition(config, "SubmarinerGatewaysLabeled").get("reason") != "ManagedClusterAddOnDeleted"
        assert ec2_residue(lab)["gateway_sgs"]  # still in use by the held gateway instance
        assert held


def _without_finalizers(store, obj: dict) -> None:
    stripped = copy.deepcopy(obj)
    stripped["metadata"]["finalizers"] = []
    store.update(stripped)


def test_212_spoke_agent_reads_the_addon_from_its_lister_when_the_cr_goes():
    """The add-on may go between the Submariner CR's deletion and the agent's handling of it: the agent still cleans.

    The ordering pinned here (CR deleted, then the add-on finalizer removed, both before the agent's handler
    runs) made an interrupted uninstall hang: the agent re-read the add-on from the hub, found it gone, and
    never cleaned the cloud. Upstream's agent reads its lister (config_controller.go ``addOnLister``).
    """
    with running_lab("acm-2.12", clusters=1) as lab:
        join_212(lab, clusters=("aws-sub1",))
        lab.wait_for(lambda: ec2_residue(lab)["gateway_instances"], message="gateway instance")
        spoke = lab.spoke("aws-sub1")
        release = threading.Event()
        lab.world.reactor.submit(release.wait, 30)  # the controllers see the three writes below only afterwards
        try:
            lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
            _without_finalizers(spoke, spoke.get(BROKER, "Submariner", "submariner", "submariner-operator"))
            spoke.delete(BROKER, "Submariner", "submariner", "submariner-operator")
            _without_finalizers(lab.hub, lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1"))
            assert lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1") is None
        finally:
            release.set()
        lab.wait_for(lambda: condition(lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1"),
                                       "SubmarinerGatewaysLabeled").get("reason") == "ManagedClusterAddOnDeleted",
                     message="clean-up reported")
        lab.wait_for(lambda: not any(ec2_residue(lab).values()), message="no AWS residue")


def test_212_legacy_option_holds_the_addon_until_the_spoke_reported():
    """``addon_finalizer_waits_for_spoke``: the old lab kindness, kept only to pin it."""
    with running_lab("acm-2.12", clusters=1, addon_finalizer_waits_for_spoke=True) as lab:
        join_212(lab, clusters=("aws-sub1",))
        lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        lab.wait_for(lambda: lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1") is None, message="addon gone")
        config = lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1")
        assert condition(config, "SubmarinerGatewaysLabeled")["reason"] == "ManagedClusterAddOnDeleted"
        assert not any(ec2_residue(lab).values())


def test_212_deleting_the_config_first_leaks_aws_resources():
    with running_lab("acm-2.12", clusters=1) as lab:
        join_212(lab, clusters=("aws-sub1",))
        lab.hub.delete(CONFIG, "SubmarinerConfig", "submariner", "aws-sub1")
        lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        lab.wait_for(lambda: lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1") is None, message="addon gone")
        residue = ec2_residue(lab)
        assert residue["gateway_sgs"] and residue["tagged_subnets"] and residue["internal_rules"]
        assert lab.spoke("aws-sub1").list("machine.openshift.io/v1beta1", "MachineSet", namespace="openshift-machine-api",
                                          label_selector=None)


def test_212_ovn_on_old_openshift_is_unsupported():
    with running_lab("acm-2.12", clusters=1, network_type="OVNKubernetes") as lab:
        managed_cluster = lab.hub.get(MC, "ManagedCluster", "aws-sub1")
        for claim in managed_cluster["status"]["clusterClaims"]:
            if claim["name"] == "version.openshift.io":
                claim["value"] = "4.10.67"
        lab.hub.update_status(managed_cluster)
        join_212(lab, clusters=("aws-sub1",))
        addon = lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        labeled = condition(addon, "SubmarinerGatewayNodesLabeled")
        assert (labeled["status"], labeled["reason"]) == ("False", "UnsupportedOCPVersion")


# ================================================================================================ ACM 2.2
def join_22(lab, clusters=("aws-sub1", "aws-sub2"), set_name: str = "demo") -> None:
    """The blog flow: SubmarinerConfig (any name), v1alpha1 set, the two labels."""
    for cluster in clusters:
        lab.hub.create(creds_config(cluster, name="subconfig"))
    create_set(lab, set_name, SET_V1ALPHA1)
    lab.settle()
    for cluster in clusters:
        label_cluster(lab, cluster, {"cluster.open-cluster-management.io/submariner-agent": "true",
                                     "cluster.open-cluster-management.io/clusterset": set_name})
    lab.settle()


def test_22_happy_path_with_labels_and_any_config_name():
    with running_lab("acm-2.2") as lab:
        join_22(lab)
        namespace = lab.hub.get("v1", "Namespace", "submariner-clusterset-demo-broker")
        assert namespace["metadata"]["labels"]["submariner.io/broker"] == "true"
        assert lab.hub.get("v1", "Secret", "submariner-ipsec-psk", "submariner-clusterset-demo-broker")
        for cluster in ("aws-sub1", "aws-sub2"):
            managed_cluster = lab.hub.get(MC, "ManagedCluster", cluster)
            assert "cluster.open-cluster-management.io/submariner-agent-cleanup" in managed_cluster["metadata"]["finalizers"]
            assert lab.hub.get(WORK, "ManifestWork", "submariner-operator", cluster) is not None
            assert lab.hub.get(WORK, "ManifestWork", "submariner-resource", cluster) is None
            config = lab.hub.get(CONFIG, "SubmarinerConfig", "subconfig", cluster)
            assert "submarineraddon.open-cluster-management.io/config-cleanup" in config["metadata"]["finalizers"]
            assert condition(config, "SubmarinerClusterEnvironmentPrepared")["reason"] == "SubmarinerClusterEnvPrepared"
            lab.wait_for(lambda cluster=cluster: connection_statuses(lab, cluster) == ["connected"], message=f"{cluster} connected")
            submariner = lab.spoke(cluster).get(BROKER, "Submariner", "submariner", "submariner-operator")
            assert submariner["spec"]["ceIPSecIKEPort"] == 500
        groups = {group["name"]: group for group in aws.snapshot(lab.ec2())["security_groups"]}
        gateway_sg = next(group for name, group in groups.items() if name.startswith("aws-sub1") and name.endswith("-submariner-gw-sg"))
        assert {(rule["protocol"], rule["from"]) for rule in gateway_sg["ingress"]} == {("udp", 500), ("udp", 4500)}


def test_22_two_configs_in_a_namespace_are_both_ignored():
    with running_lab("acm-2.2", clusters=1) as lab:
        lab.hub.create(creds_config("aws-sub1", name="one"))
        lab.hub.create(creds_config("aws-sub1", name="two"))
        lab.settle()
        for name in ("one", "two"):
            assert not condition(lab.hub.get(CONFIG, "SubmarinerConfig", name, "aws-sub1"), "SubmarinerConfigApplied")


def test_22_removing_a_label_undeploys_and_deleting_the_config_cleans_aws():
    with running_lab("acm-2.2") as lab:
        join_22(lab)
        current = lab.hub.get(MC, "ManagedCluster", "aws-sub1")
        del current["metadata"]["labels"]["cluster.open-cluster-management.io/submariner-agent"]
        lab.hub.update(current)
        lab.settle()
        assert lab.hub.get(WORK, "ManifestWork", "submariner-operator", "aws-sub1") is None
        assert "cluster.open-cluster-management.io/submariner-agent-cleanup" not in \
            (lab.hub.get(MC, "ManagedCluster", "aws-sub1")["metadata"].get("finalizers") or [])
        assert lab.spoke("aws-sub1").get(BROKER, "Submariner", "submariner", "submariner-operator") is None
        lab.wait_for(lambda: connection_statuses(lab, "aws-sub2") == [], message="aws-sub2 lost its peer")
        for cluster in ("aws-sub1", "aws-sub2"):
            lab.hub.delete(CONFIG, "SubmarinerConfig", "subconfig", cluster)
        lab.wait_for(lambda: not any(ec2_residue(lab)["tagged_subnets"] + ec2_residue(lab)["internal_rules"]), message="AWS cleaned")
        assert lab.hub.list(WORK, "ManifestWork", "aws-sub1") == []
        # v2.2.11-ACM pkg/cloud/aws/aws.go CleanUpSubmarinerClusterEnv revokes the IPsec rules but leaves the group.
        groups = {group["name"]: group for group in aws.snapshot(lab.ec2())["security_groups"]}
        assert ec2_residue(lab)["gateway_sgs"] and all(groups[name]["ingress"] == [] for name in ec2_residue(lab)["gateway_sgs"])
        lab.hub.delete(SET_V1ALPHA1, "ManagedClusterSet", "demo")
        lab.wait_for(lambda: lab.hub.get("v1", "Namespace", "submariner-clusterset-demo-broker") is None, message="broker ns gone")


def test_22_serves_the_22_crd_and_honours_none_of_the_later_gateway_options():
    """ACM 2.2 prunes gatewayConfig, hard-codes m5n.large and one gateway, ignores the annotations, and
    ships the gateway MachineSet in the ManifestWork aws-submariner-gateway-machineset (v2.2.11-ACM aws.go)."""
    with running_lab("acm-2.2") as lab:
        config = creds_config("aws-sub1", name="subconfig", gatewayConfig={"gateways": 2, "aws": {"instanceType": "c5.large"}})
        config["metadata"]["annotations"] = {"submariner.io/subnet-id-list": "subnet-0000", "submariner.io/skip-cloud-prepare": "true"}
        stored = lab.hub.create(config)
        assert "gatewayConfig" not in stored["spec"]
        stored_set = lab.hub.create({"apiVersion": SET_V1ALPHA1, "kind": "ManagedClusterSet", "metadata": {"name": "demo"},
                                     "spec": {"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}})
        assert stored_set["spec"] == {}
        lab.settle()
        work = lab.wait_for(lambda: lab.hub.get(WORK, "ManifestWork", "aws-submariner-gateway-machineset", "aws-sub1"), message="work")
        kinds = [manifest["kind"] for manifest in work["spec"]["workload"]["manifests"]]
        assert kinds == ["ClusterRole", "MachineSet"]
        machinesets = lab.wait_for(lambda: [ms for ms in lab.spoke("aws-sub1").list("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api")
                                            if "-submariner-gw-" in ms["metadata"]["name"]], message="gateway MachineSet on the spoke")
        assert len(machinesets) == 1
        assert machinesets[0]["spec"]["template"]["spec"]["providerSpec"]["value"]["instanceType"] == "m5n.large"
        assert len(ec2_residue(lab)["tagged_subnets"]) == 1
        config = lab.hub.get(CONFIG, "SubmarinerConfig", "subconfig", "aws-sub1")
        assert condition(config, "SubmarinerClusterEnvironmentPrepared")["status"] == "True"


def test_22_without_credentials_secret_prepares_nothing():
    with running_lab("acm-2.2", clusters=1) as lab:
        lab.hub.create({"apiVersion": CONFIG, "kind": "SubmarinerConfig", "metadata": {"name": "subconfig", "namespace": "aws-sub1"},
                        "spec": {}})
        lab.settle()
        assert lab.hub.list(WORK, "ManifestWork", "aws-sub1") == []
        assert ec2_residue(lab)["gateway_sgs"] == []


def test_212_addon_with_another_name_or_outside_a_set_does_nothing():
    with running_lab("acm-2.12", clusters=2) as lab:
        create_set(lab, "demo")
        lab.settle()
        create_broker(lab, "demo-broker")
        label_cluster(lab, "aws-sub1", {"cluster.open-cluster-management.io/clusterset": "demo"})
        add_addon(lab, "aws-sub1", name="submariner-extra")
        label_cluster(lab, "aws-sub2", {"cluster.open-cluster-management.io/clusterset": "missing"})
        add_addon(lab, "aws-sub2")
        lab.settle()
        for cluster, name in (("aws-sub1", "submariner-extra"), ("aws-sub2", "submariner")):
            addon = lab.hub.get(ADDON, "ManagedClusterAddOn", name, cluster)
            assert not addon["metadata"].get("finalizers") and not (addon.get("status") or {}).get("conditions")
            assert lab.hub.list(WORK, "ManifestWork", namespace=cluster) == []


def test_212_default_set_needs_its_own_broker():
    with running_lab("acm-2.12", clusters=1) as lab:
        add_addon(lab, "aws-sub1")  # the webhook put the cluster in "default"
        lab.settle()
        addon = lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        assert condition(addon, "SubmarinerBrokerConfigApplied")["message"].endswith('in "default-broker" namespace')


def test_212_subnet_annotation_chooses_the_gateway_subnet():
    with running_lab("acm-2.12", clusters=1) as lab:
        seeded = lab.world.seeded["aws-sub1"]
        zone = seeded.availability_zones[-1]
        create_set(lab, "demo")
        lab.settle()
        create_broker(lab, "demo-broker")
        label_cluster(lab, "aws-sub1", {"cluster.open-cluster-management.io/clusterset": "demo"})
        config = creds_config("aws-sub1")
        config["metadata"]["annotations"] = {"submariner.io/subnet-id-list": seeded.public_subnets[zone],
                                             "submariner.io/vpc-id": seeded.vpc_id}
        lab.hub.create(config)
        add_addon(lab, "aws-sub1")
        lab.settle()
        assert ec2_residue(lab)["tagged_subnets"] == [seeded.public_subnets[zone]]
        gateway = lab.spoke("aws-sub1").list("v1", "Node", label_selector="submariner.io/gateway=true")[0]
        assert gateway["metadata"]["labels"]["topology.kubernetes.io/zone"] == zone


def test_212_custom_natt_port_reaches_the_gateway_sg_node_label_and_submariner_cr():
    with running_lab("acm-2.12") as lab:
        create_set(lab, "demo")
        lab.settle()
        create_broker(lab, "demo-broker")
        for cluster in ("aws-sub1", "aws-sub2"):
            label_cluster(lab, cluster, {"cluster.open-cluster-management.io/clusterset": "demo"})
            lab.hub.create(creds_config(cluster, IPSecNATTPort=4501, cableDriver="vxlan"))
            add_addon(lab, cluster)
        lab.settle()
        lab.wait_for(lambda: connection_statuses(lab, "aws-sub1") == ["connected"], message="connected on 4501")
        spoke = lab.spoke("aws-sub1")
        assert spoke.list("v1", "Node", label_selector="submariner.io/gateway=true")[0]["metadata"]["labels"][
            "gateway.submariner.io/udp-port"] == "4501"
        spec = spoke.get(BROKER, "Submariner", "submariner", "submariner-operator")["spec"]
        assert (spec["ceIPSecNATTPort"], spec["cableDriver"]) == (4501, "vxlan")

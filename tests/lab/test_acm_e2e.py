"""End to end through a started lab (HTTPS API servers, moto server, world) and the official kubernetes client.

A user's documented ACM 2.12 flow (domain.md 4.1) until both clusters report their connection
established, then the documented uninstall order until nothing is left in EC2.
"""

from __future__ import annotations

import time

import pytest

kubernetes = pytest.importorskip("kubernetes")

from kubernetes import client  # noqa: E402  pylint: disable=wrong-import-position

from tests.lab.fixtures import api_client  # noqa: E402  pylint: disable=wrong-import-position

pytestmark = pytest.mark.lab
CLUSTERS = ("aws-sub1", "aws-sub2")
SET_LABEL = "cluster.open-cluster-management.io/clusterset"


def wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def condition(obj, kind):
    return next((entry for entry in (obj.get("status") or {}).get("conditions") or [] if entry["type"] == kind), {})


@pytest.fixture(name="e2e_lab")
def e2e_lab_fixture(lab_factory):
    lab = lab_factory.get(profile="acm-2.12", overlap=False, network_type="OpenShiftSDN", clusters=2)
    yield lab
    lab_factory.stop_all()  # the test changed the lab: nobody else may reuse it


def test_join_connect_and_uninstall_through_the_kubernetes_client(e2e_lab):
    custom = client.CustomObjectsApi(api_client(e2e_lab))
    core = client.CoreV1Api(api_client(e2e_lab))
    custom.create_cluster_custom_object("cluster.open-cluster-management.io", "v1beta2", "managedclustersets",
                                        {"apiVersion": "cluster.open-cluster-management.io/v1beta2", "kind": "ManagedClusterSet",
                                         "metadata": {"name": "e2e"}, "spec": {}})
    broker_ns = wait(lambda: (custom.get_cluster_custom_object("cluster.open-cluster-management.io", "v1beta2", "managedclustersets", "e2e")
                              ["metadata"].get("annotations") or {}).get("cluster.open-cluster-management.io/submariner-broker-ns"),
                     what="broker namespace annotation")
    wait(lambda: core.read_namespace(broker_ns), what="broker namespace")
    custom.create_namespaced_custom_object("submariner.io", "v1alpha1", broker_ns, "brokers", {
        "apiVersion": "submariner.io/v1alpha1", "kind": "Broker", "metadata": {"name": "submariner-broker"}, "spec": {"globalnetEnabled": False}})
    for cluster in CLUSTERS:
        custom.patch_cluster_custom_object("cluster.open-cluster-management.io", "v1", "managedclusters", cluster,
                                           {"metadata": {"labels": {SET_LABEL: "e2e"}}})
        custom.create_namespaced_custom_object("submarineraddon.open-cluster-management.io", "v1alpha1", cluster, "submarinerconfigs", {
            "apiVersion": "submarineraddon.open-cluster-management.io/v1alpha1", "kind": "SubmarinerConfig",
            "metadata": {"name": "submariner"},
            "spec": {"credentialsSecret": {"name": f"{cluster}-aws-creds"}, "gatewayConfig": {"gateways": 1}, "NATTDiscoveryPort": 4490}})
        custom.create_namespaced_custom_object("addon.open-cluster-management.io", "v1alpha1", cluster, "managedclusteraddons", {
            "apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ManagedClusterAddOn",
            "metadata": {"name": "submariner"}, "spec": {"installNamespace": "submariner-operator"}})

    def established(cluster):
        addon = custom.get_namespaced_custom_object("addon.open-cluster-management.io", "v1alpha1", cluster, "managedclusteraddons", "submariner")
        return condition(addon, "SubmarinerConnectionDegraded").get("reason") == "ConnectionsEstablished"

    for cluster in CLUSTERS:
        wait(lambda cluster=cluster: established(cluster), what=f"{cluster} connection established")
        config = custom.get_namespaced_custom_object("submarineraddon.open-cluster-management.io", "v1alpha1", cluster,
                                                     "submarinerconfigs", "submariner")
        assert condition(config, "SubmarinerGatewaysLabeled")["reason"] == "Success"
    groups = e2e_lab.ec2().describe_security_groups(Filters=[{"Name": "group-name", "Values": ["*-submariner-gw-sg"]}])["SecurityGroups"]
    assert len(groups) == 2
    assert all(any(rule.get("FromPort") == 4490 for rule in group["IpPermissions"]) for group in groups)

    for cluster in CLUSTERS:
        custom.delete_namespaced_custom_object("addon.open-cluster-management.io", "v1alpha1", cluster, "managedclusteraddons", "submariner")
    for cluster in CLUSTERS:
        wait(lambda cluster=cluster: not custom.list_namespaced_custom_object(
            "addon.open-cluster-management.io", "v1alpha1", cluster, "managedclusteraddons")["items"], what=f"{cluster} addon gone")
        custom.delete_namespaced_custom_object("submarineraddon.open-cluster-management.io", "v1alpha1", cluster, "submarinerconfigs", "submariner")
    custom.delete_cluster_custom_object("cluster.open-cluster-management.io", "v1beta2", "managedclustersets", "e2e")
    wait(lambda: broker_ns not in {ns.metadata.name for ns in core.list_namespace().items}, what="broker namespace deleted")
    wait(lambda: not e2e_lab.ec2().describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["*-submariner-gw-sg"]}])["SecurityGroups"], what="gateway SGs deleted")
    subnets = e2e_lab.ec2().describe_subnets(Filters=[{"Name": "tag-key", "Values": ["submariner.io/gateway"]}])["Subnets"]
    assert subnets == []

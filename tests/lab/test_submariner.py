"""Submariner's gateway engine in the lab: connections follow EC2 security groups and cluster CIDRs.

A connection between two joined clusters is ``connected`` only when the tunnel's ports are open on
both gateways' security groups in moto and the clusters' CIDRs do not overlap (or Globalnet is on).
"""

from __future__ import annotations

import time

from tests.lab.test_acm import (
    ADDON, BROKER, CONFIG, SET_V1ALPHA1, SUBMARINER_V1, add_addon, condition, connection_statuses, create_set, creds_config, join_212, join_22,
    label_cluster, running_lab,
)


def gateway_connections(lab, cluster: str) -> list[dict]:
    return [conn for gateway in lab.spoke(cluster).list(SUBMARINER_V1, "Gateway", namespace="submariner-operator")
            for conn in (gateway.get("status") or {}).get("connections") or []]


def gateway_sg(lab, cluster: str) -> dict:
    ec2 = lab.ec2()
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{cluster}-*-submariner-gw-sg"]}])["SecurityGroups"]
    assert len(groups) == 1, groups
    return groups[0]


def udp_rule(port: int) -> dict:
    return {"IpProtocol": "udp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def wait_statuses(lab, cluster: str, wanted: list[str], timeout: float = 10.0) -> None:
    lab.wait_for(lambda: connection_statuses(lab, cluster) == wanted, timeout=timeout,
                 message=f"{cluster} connections {wanted} (now {connection_statuses(lab, cluster)})")


def test_overlapping_cidrs_without_globalnet_are_an_error():
    with running_lab("acm-2.12", overlap=True) as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub1", ["error"])
        connection = gateway_connections(lab, "aws-sub1")[0]
        assert "10.128.0.0/14" in connection["statusMessage"] and "overlaps" in connection["statusMessage"]
        addon = lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1")
        degraded = condition(addon, "SubmarinerConnectionDegraded")
        assert (degraded["status"], degraded["reason"]) == ("True", "ConnectionsDegraded")
        assert "status=error" in degraded["message"]


def test_overlapping_cidrs_with_globalnet_connect_through_global_cidrs():
    with running_lab("acm-2.12", overlap=True) as lab:
        join_212(lab, globalnet=True)
        wait_statuses(lab, "aws-sub1", ["connected"])
        wait_statuses(lab, "aws-sub2", ["connected"])
        global_cidrs = {lab.spoke(cluster).get(BROKER, "Submariner", "submariner", "submariner-operator")["spec"]["globalCIDR"]
                        for cluster in ("aws-sub1", "aws-sub2")}
        assert global_cidrs == {"242.0.0.0/16", "242.1.0.0/16"}
        remote = gateway_connections(lab, "aws-sub1")[0]["endpoint"]
        assert remote["subnets"] == [lab.spoke("aws-sub2").get(BROKER, "Submariner", "submariner", "submariner-operator")["spec"]["globalCIDR"]]
        assert lab.spoke("aws-sub1").get("apps/v1", "DaemonSet", "submariner-globalnet", "submariner-operator") is not None
        info = lab.hub.get("v1", "ConfigMap", "submariner-globalnet-info", "demo-broker")
        assert info["data"]["globalnetEnabled"] == "true" and "242.1.0.0/16" in info["data"]["clusterInfo"]


def test_a_revoked_natt_rule_breaks_the_connection_and_reopening_restores_it():
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub1", ["connected"])
        group_id = gateway_sg(lab, "aws-sub2")["GroupId"]
        lab.ec2().revoke_security_group_ingress(GroupId=group_id, IpPermissions=[udp_rule(4500)])
        wait_statuses(lab, "aws-sub1", ["connecting"])
        wait_statuses(lab, "aws-sub2", ["connecting"])
        message = gateway_connections(lab, "aws-sub1")[0]["statusMessage"]
        assert message.startswith("Failed to successfully establish a connection") and "4500/udp" in message
        lab.wait_for(lambda: condition(lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub1"),
                                       "SubmarinerConnectionDegraded").get("status") == "True", message="degraded")
        lab.ec2().authorize_security_group_ingress(GroupId=group_id, IpPermissions=[udp_rule(4500)])
        wait_statuses(lab, "aws-sub1", ["connected"])


def test_each_gateway_is_reached_on_its_own_natt_port():
    """libreswan: left ikeport the local NAT-T port, right the remote endpoint's udp-port (pkg/cable/libreswan)."""
    with running_lab("acm-2.12") as lab:
        join_212(lab, clusters=("aws-sub1",))
        label_cluster(lab, "aws-sub2", {"cluster.open-cluster-management.io/clusterset": "demo"})
        lab.hub.create(creds_config("aws-sub2", IPSecNATTPort=4501))
        add_addon(lab, "aws-sub2")
        lab.settle()
        wait_statuses(lab, "aws-sub1", ["connected"])
        wait_statuses(lab, "aws-sub2", ["connected"])
        assert lab.spoke("aws-sub2").get(BROKER, "Submariner", "submariner", "submariner-operator")["spec"]["ceIPSecNATTPort"] == 4501
        # aws-sub1 listens on 4500 only: closing 4501 there changes nothing, closing it on aws-sub2 does.
        assert udp_rule(4501)["FromPort"] not in [rule["FromPort"] for rule in gateway_sg(lab, "aws-sub1")["IpPermissions"]]
        lab.ec2().revoke_security_group_ingress(GroupId=gateway_sg(lab, "aws-sub2")["GroupId"], IpPermissions=[udp_rule(4501)])
        wait_statuses(lab, "aws-sub1", ["connecting"])
        assert "4501/udp" in gateway_connections(lab, "aws-sub1")[0]["statusMessage"]


def test_the_esp_rule_is_not_needed_behind_nat():
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub1", ["connected"])
        group_id = gateway_sg(lab, "aws-sub2")["GroupId"]
        lab.ec2().revoke_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "50", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        time.sleep(1.2)  # two EC2 polls
        wait_statuses(lab, "aws-sub1", ["connected"])


def test_acm_22_needs_the_ike_port():
    with running_lab("acm-2.2") as lab:
        join_22(lab)
        wait_statuses(lab, "aws-sub2", ["connected"])
        lab.ec2().revoke_security_group_ingress(GroupId=gateway_sg(lab, "aws-sub1")["GroupId"], IpPermissions=[udp_rule(500)])
        wait_statuses(lab, "aws-sub2", ["connecting"])
        assert "500/udp" in gateway_connections(lab, "aws-sub2")[0]["statusMessage"]


def test_broker_objects_mirror_the_joined_clusters_and_leaving_removes_them():
    with running_lab("acm-2.12", clusters=3) as lab:
        join_212(lab, clusters=("aws-sub1", "aws-sub2", "aws-sub3"))
        wait_statuses(lab, "aws-sub1", ["connected", "connected"])
        clusters = {obj["metadata"]["name"]: obj for obj in lab.hub.list(SUBMARINER_V1, "Cluster", namespace="demo-broker")}
        assert set(clusters) == {"aws-sub1", "aws-sub2", "aws-sub3"}
        assert clusters["aws-sub1"]["spec"]["cluster_cidr"] == ["10.132.0.0/14"]
        endpoints = lab.hub.list(SUBMARINER_V1, "Endpoint", namespace="demo-broker")
        assert sorted(endpoint["spec"]["cluster_id"] for endpoint in endpoints) == ["aws-sub1", "aws-sub2", "aws-sub3"]
        submariner = lab.spoke("aws-sub1").get(BROKER, "Submariner", "submariner", "submariner-operator")
        assert submariner["status"]["clusterCIDR"] == "10.132.0.0/14" and submariner["status"]["networkPlugin"] == "OpenShiftSDN"
        assert len(submariner["status"]["gateways"][0]["connections"]) == 2
        label_cluster(lab, "aws-sub3", {"cluster.open-cluster-management.io/clusterset": "other"})
        lab.hub.delete(ADDON, "ManagedClusterAddOn", "submariner", "aws-sub3")
        wait_statuses(lab, "aws-sub1", ["connected"])
        lab.wait_for(lambda: {obj["metadata"]["name"] for obj in lab.hub.list(SUBMARINER_V1, "Cluster", namespace="demo-broker")}
                     == {"aws-sub1", "aws-sub2"}, message="aws-sub3 left the broker")


def test_a_revoked_route_agent_port_degrades_the_route_agent_connections():
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub1", ["connected"])
        worker_sg = lab.world.seeded["aws-sub1"].worker_sg_id
        group = lab.ec2().describe_security_groups(GroupIds=[worker_sg])["SecurityGroups"][0]
        internal = [rule for rule in group["IpPermissions"] if rule.get("FromPort") == 4800]
        assert internal, "cloud prepare opened UDP 4800 on the worker SG"
        lab.ec2().revoke_security_group_ingress(GroupId=worker_sg, IpPermissions=[
            {key: rule[key] for key in ("IpProtocol", "FromPort", "ToPort", "UserIdGroupPairs")} for rule in internal])

        def route_agents(cluster):
            return condition(lab.hub.get(ADDON, "ManagedClusterAddOn", "submariner", cluster), "RouteAgentConnectionDegraded")

        lab.wait_for(lambda: route_agents("aws-sub1").get("status") == "True", message="route agents degraded")
        assert route_agents("aws-sub1")["reason"] == "ConnectionsDegraded" and "UDP 4800" in route_agents("aws-sub1")["message"]
        assert route_agents("aws-sub2")["status"] == "False"
        wait_statuses(lab, "aws-sub1", ["connected"])  # the tunnel between the gateways is not affected


def set_config(lab, cluster: str, **spec) -> None:
    config = lab.hub.get(CONFIG, "SubmarinerConfig", "submariner", cluster)
    config["spec"].update(spec)
    lab.hub.update(config)


def broker_backends(lab) -> dict:
    return {endpoint["spec"]["cluster_id"]: endpoint["spec"]["backend"] for endpoint in lab.hub.list(SUBMARINER_V1, "Endpoint", namespace="demo-broker")}


def test_a_changed_cable_driver_rolls_the_gateway_and_clusters_of_different_drivers_never_connect():
    """The operator rolls the gateway pods on a new SUBMARINER_CABLEDRIVER; nothing compares two clusters' drivers, so
    each driver fails its own way against another (submariner-io/submariner pkg/cable/*, devel 5b70b1e4)."""
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub1", ["connected"])
        seen = []

        def record(_event_type, obj):
            if obj.get("kind") == "Gateway":
                seen.append([conn["status"] for conn in (obj.get("status") or {}).get("connections") or []])
        lab.spoke("aws-sub2").subscribe(record)
        set_config(lab, "aws-sub1", cableDriver="vxlan")
        # vxlan records the connection and its health check fails; libreswan finds no SA and keeps connecting.
        wait_statuses(lab, "aws-sub1", ["error"])
        wait_statuses(lab, "aws-sub2", ["connecting"])
        assert [] in seen, "aws-sub2 kept its connection to aws-sub1 while aws-sub1's gateway pods restarted: %s" % seen
        assert gateway_connections(lab, "aws-sub1")[0]["statusMessage"].startswith("Failed to successfully ping the remote endpoint IP")
        assert broker_backends(lab) == {"aws-sub1": "vxlan", "aws-sub2": "libreswan"}
        set_config(lab, "aws-sub2", cableDriver="wireguard")
        # wireguard cannot parse a peer without a public key: no connection at all.
        lab.wait_for(lambda: connection_statuses(lab, "aws-sub2") == [] and broker_backends(lab)["aws-sub2"] == "wireguard", timeout=10,
                     message="aws-sub2 on wireguard with no connection")
        set_config(lab, "aws-sub2", cableDriver="vxlan")
        wait_statuses(lab, "aws-sub1", ["connected"])
        wait_statuses(lab, "aws-sub2", ["connected"])
        spec = lab.spoke("aws-sub2").get(BROKER, "Submariner", "submariner", "submariner-operator")["spec"]
        assert spec["cableDriver"] == "vxlan"


def test_a_changed_natt_port_rolls_the_gateway_and_the_tunnels_come_back():
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub2", ["connected"])
        readiness = []

        def record(_event_type, obj):
            if obj.get("kind") == "DaemonSet" and obj["metadata"]["name"] == "submariner-gateway":
                readiness.append((obj.get("status") or {}).get("numberReady"))
        lab.spoke("aws-sub1").subscribe(record)
        set_config(lab, "aws-sub1", IPSecNATTPort=4501)

        def on_4501():
            found = gateway_connections(lab, "aws-sub2")
            return found and found[0]["endpoint"]["backend_config"]["udp-port"] == "4501" and found[0]["status"] == "connected"
        lab.wait_for(on_4501, timeout=15, message="aws-sub2 connected to aws-sub1 on 4501")
        assert 0 in readiness, "the gateway DaemonSet of aws-sub1 never went unready while its pods restarted: %s" % readiness


def test_a_cable_driver_its_submariner_lacks_keeps_the_gateway_down():
    """ACM 2.2 deploys Submariner 0.8.1, which has no vxlan: the gateway exits at start (pkg/cable/driver.go)."""
    with running_lab("acm-2.2") as lab:
        for cluster in ("aws-sub1", "aws-sub2"):
            lab.hub.create(creds_config(cluster, name="subconfig", cableDriver="vxlan" if cluster == "aws-sub1" else "libreswan"))
        create_set(lab, "demo", SET_V1ALPHA1)
        lab.settle()
        for cluster in ("aws-sub1", "aws-sub2"):
            label_cluster(lab, cluster, {"cluster.open-cluster-management.io/submariner-agent": "true",
                                         "cluster.open-cluster-management.io/clusterset": "demo"})
        lab.settle()
        lab.wait_for(lambda: lab.spoke("aws-sub1").get("apps/v1", "DaemonSet", "submariner-gateway", "submariner-operator") is not None,
                     timeout=15, message="the operator made the gateway DaemonSet")
        time.sleep(1)
        lab.settle()
        daemonset = lab.spoke("aws-sub1").get("apps/v1", "DaemonSet", "submariner-gateway", "submariner-operator")
        assert daemonset["status"]["numberReady"] == 0 and daemonset["status"]["numberUnavailable"] >= 1
        assert connection_statuses(lab, "aws-sub1") == [] and connection_statuses(lab, "aws-sub2") == []


def gateway_statuses(lab, cluster: str) -> dict:
    return {gateway["metadata"]["name"]: (gateway.get("status") or {}).get("haStatus")
            for gateway in lab.spoke(cluster).list(SUBMARINER_V1, "Gateway", namespace="submariner-operator")}


def test_the_active_gateway_keeps_its_lease_and_its_replacement_drops_the_tunnels_until_another_takes_over():
    """Leader election (submariner-io/submariner pkg/gateway/gateway.go): a new gateway joins as passive; when the
    active one's Machine is replaced, the other takes over and dials its peers again."""
    with running_lab("acm-2.12") as lab:
        join_212(lab)
        wait_statuses(lab, "aws-sub2", ["connected"])
        (first,) = gateway_statuses(lab, "aws-sub1")
        set_config(lab, "aws-sub1", gatewayConfig={"gateways": 2})
        lab.wait_for(lambda: len(gateway_statuses(lab, "aws-sub1")) == 2, timeout=20, message="a second gateway on aws-sub1")
        assert gateway_statuses(lab, "aws-sub1")[first] == "active"
        seen = []

        def record(_event_type, obj):
            if obj.get("kind") == "Gateway":
                seen.extend(conn["status"] for conn in (obj.get("status") or {}).get("connections") or [])
        lab.spoke("aws-sub2").subscribe(record)
        machine = next(item for item in lab.spoke("aws-sub1").list("machine.openshift.io/v1beta1", "Machine", namespace="openshift-machine-api")
                       if (item.get("status") or {}).get("nodeRef", {}).get("name") == first)
        lab.spoke("aws-sub1").delete("machine.openshift.io/v1beta1", "Machine", machine["metadata"]["name"], "openshift-machine-api")
        lab.wait_for(lambda: first not in gateway_statuses(lab, "aws-sub1") and "active" in gateway_statuses(lab, "aws-sub1").values(),
                     timeout=20, message="another gateway active on aws-sub1")
        wait_statuses(lab, "aws-sub2", ["connected"])
        assert "connecting" in seen, "aws-sub2's tunnel to aws-sub1 never dropped while aws-sub1's active gateway changed: %s" % seen

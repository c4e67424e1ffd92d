"""Day 2 on a connected set (docs/day2.md): changing a cluster's gateways with site.yml, against the lab.

Adding and removing a cluster are tested with the batches test in test_site.py.
"""

from tests.integration.test_site import failure_messages, run, total
from tests.lab.fixtures import mutating_requests, without_run_lease

# Each test gets its labs from lab_factory and leaves none it changed for another: make test spreads them (tests/conftest.py).
XDIST_SPREAD = True

CONFIG_API = "submarineraddon.open-cluster-management.io/v1alpha1"
MACHINE_API = "machine.openshift.io/v1beta1"
GATEWAY_TAG = "submariner.io/gateway"


def gateways_of(lab, cluster):
    """What the cluster's gateways look like on the hub, on its API server and in EC2."""
    seeded, spoke = lab.world.seeded[cluster], lab.world.spoke_for(cluster)
    config = lab.hub.get(CONFIG_API, "SubmarinerConfig", "submariner", cluster)
    machinesets = [item["metadata"]["name"] for item in spoke.list(MACHINE_API, "MachineSet", namespace="openshift-machine-api")
                   if "-submariner-gw-" in item["metadata"]["name"]]
    nodes = [node for node in spoke.list("v1", "Node", label_selector=GATEWAY_TAG + "=true")
             if any(item["type"] == "Ready" and item["status"] == "True" for item in node["status"]["conditions"])]
    ec2 = lab.world.ec2(seeded.region)
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [seeded.vpc_id]}, {"Name": "tag-key", "Values": [GATEWAY_TAG]}])
    instances = [instance for reservation in ec2.describe_instances(Filters=[
        {"Name": "vpc-id", "Values": [seeded.vpc_id]}, {"Name": "tag:submariner.io", "Values": ["gateway"]},
        {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"] for instance in reservation["Instances"]]
    return {"config": config["spec"]["gatewayConfig"]["gateways"], "machinesets": len(machinesets), "ready_nodes": len(nodes),
            "tagged_subnets": len(subnets["Subnets"]), "instances": len(instances)}


def connected(lab, cluster):
    spoke = lab.world.spoke_for(cluster)
    return sorted((connection["endpoint"]["cluster_id"], connection["status"])
                  for gateway in spoke.list("submariner.io/v1", "Gateway", namespace="submariner-operator")
                  for connection in (gateway.get("status") or {}).get("connections") or [])


def test_more_gateways_then_fewer_is_refused_in_addon_mode(lab_factory):
    """A second gateway: site.yml with acm_submariner_gateways=2 reaches the SubmarinerConfig, the add-on's MachineSets
    and EC2, the tunnels are up again, and a second run changes nothing. Going back to 1 stops in preflight, writing
    nothing: the add-on would keep both gateways and tag the third subnet too (cloud-prepare processSubnets)."""
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False)
    code, _stats, output = run(lab, "site.yml")
    assert code == 0, failure_messages(output)
    assert gateways_of(lab, "aws-sub1") == {"config": 1, "machinesets": 1, "ready_nodes": 1, "tagged_subnets": 1, "instances": 1}

    code, stats, output = run(lab, "site.yml", extra_vars={"acm_submariner_gateways": 2})
    assert code == 0, failure_messages(output)
    assert total(stats, "changed") > 0
    for cluster, peer in (("aws-sub1", "aws-sub2"), ("aws-sub2", "aws-sub1")):
        assert gateways_of(lab, cluster) == {"config": 2, "machinesets": 2, "ready_nodes": 2, "tagged_subnets": 2, "instances": 2}
        assert connected(lab, cluster) == [(peer, "connected")]
    code, stats, output = run(lab, "site.yml", extra_vars={"acm_submariner_gateways": 2})
    assert code == 0, failure_messages(output)
    assert total(stats, "changed") == 0, output[-3000:]

    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", extra_vars={"acm_submariner_gateways": 1})
    assert code != 0
    messages = " ".join(failure_messages(output))
    assert "aws-sub1: acm_submariner_gateways is 1 but 2 public subnets already carry the gateway tag submariner.io/gateway" in messages
    assert "would run 3 gateways" in messages, messages
    assert without_run_lease(mutating_requests(lab, mark)) == []
    assert gateways_of(lab, "aws-sub1")["machinesets"] == 2

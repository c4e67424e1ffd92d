"""Day 2 on a connected set (docs/day2.md): rotating AWS keys, changing a cluster's gateways, NAT-T port and cable driver with site.yml, against the lab.

Adding and removing a cluster are tested with the batches test in test_site.py.
"""

import base64
import json

import yaml

from tests.integration.least_privilege import WAITING_TIME_SCALE, bind_mode, refused_requests, runner_inventory
from tests.integration.test_site import failure_messages, plan_lines, run, total
from tests.lab.fixtures import dump, mutating_requests, without_run_lease

# Each test gets its labs from lab_factory and leaves none it changed for another: make test spreads them (tests/conftest.py).
XDIST_SPREAD = True

CONFIG_API = "submarineraddon.open-cluster-management.io/v1alpha1"
MACHINE_API = "machine.openshift.io/v1beta1"
SUBMARINER_API = "submariner.io/v1"
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


def nat_t_of(lab, cluster):
    """The NAT-T port in the SubmarinerConfig, the Submariner CR, the gateway nodes' label, and the UDP ports the
    gateway security group opens to the world."""
    seeded, spoke = lab.world.seeded[cluster], lab.world.spoke_for(cluster)
    config = lab.hub.get(CONFIG_API, "SubmarinerConfig", "submariner", cluster)
    submariner = spoke.get("submariner.io/v1alpha1", "Submariner", "submariner", "submariner-operator")
    labels = {node["metadata"]["labels"].get("gateway.submariner.io/udp-port")
              for node in spoke.list("v1", "Node", label_selector=GATEWAY_TAG + "=true")}
    groups = lab.world.ec2(seeded.region).describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [seeded.vpc_id]}, {"Name": "group-name", "Values": [seeded.infra_id + "-submariner-gw-sg"]}])
    public = sorted(rule["FromPort"] for group in groups["SecurityGroups"] for rule in group["IpPermissions"]
                    if rule["IpProtocol"] == "udp" and any(item["CidrIp"] == "0.0.0.0/0" for item in rule.get("IpRanges", [])))
    return {"config": config["spec"]["IPSecNATTPort"], "submariner": submariner["spec"]["ceIPSecNATTPort"],
            "node_labels": sorted(labels), "public_udp": public}


PAIRS = (("aws-sub1", "aws-sub2"), ("aws-sub2", "aws-sub1"))
OURS = {"app.kubernetes.io/managed-by": "acm.submariner"}


def keys_for(cluster, generation):
    """AWS keys the lab's moto accepts (any), distinct per cluster and per rotation."""
    suffix = "%02d%s" % (generation, cluster[-1])
    return {"acm_submariner_aws_access_key_id": "AKIAROTATION00000" + suffix, "acm_submariner_aws_secret_access_key": "rotation-secret-" + suffix}


def give_keys(inventory, generation):
    """Each cluster's AWS keys in the inventory, and a credentials secret the lab did not seed (so that it is ours)."""
    data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    for cluster, host in data["all"]["children"]["managed_clusters"]["hosts"].items():
        host.update(keys_for(cluster, generation), acm_submariner_credentials_secret=cluster + "-submariner-aws")
    inventory.write_text(yaml.safe_dump(data), encoding="utf-8")


def credentials_of(lab, cluster):
    secret = lab.hub.get("v1", "Secret", cluster + "-submariner-aws", cluster)
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}, secret["metadata"].get("labels")


def key_values(generation):
    """Every form a key of that generation could leak in: plain and base64."""
    values = [value for cluster in ("aws-sub1", "aws-sub2") for value in keys_for(cluster, generation).values()]
    return values + [base64.b64encode(value.encode()).decode() for value in values]


def change(lab, inventory, extra_vars):
    """site.yml with a changed value; the runner is refused nothing. Returns the mark before it and the changed count."""
    mark = lab.requests.mark()
    code, stats, output = run(lab, "site.yml", inventory=inventory, extra_vars=extra_vars)
    assert code == 0, failure_messages(output)
    assert refused_requests(lab, mark) == []
    return mark, total(stats, "changed")


def checked_plan(lab, inventory, extra_vars):
    """site.yml --check --diff with a changed value: it writes nothing (but its run lease); the plan's lines."""
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory, extra_vars=extra_vars, check=True, diff=True)
    assert code == 0, failure_messages(output)
    assert without_run_lease(mutating_requests(lab, mark)) == []
    return plan_lines(output)


def second_run_changes_nothing(lab, inventory, extra_vars):
    code, stats, output = run(lab, "site.yml", inventory=inventory, extra_vars=extra_vars)
    assert code == 0, failure_messages(output)
    assert total(stats, "changed") == 0, output[-3000:]
    return output


def assert_gateways_and_connected(lab, count):
    for cluster, peer in PAIRS:
        assert gateways_of(lab, cluster) == {"config": count, "machinesets": count, "ready_nodes": count,
                                             "tagged_subnets": count, "instances": count}
        assert connected(lab, cluster) == [(peer, "connected")]


def test_rotated_keys_more_gateways_fewer_refused_and_nat_t_in_addon_mode(lab_factory, tmp_path):
    """As the least-privilege runner with the shipped addon-mode roles, the inventory giving each cluster's AWS keys.
    New keys: --check --diff plans the rotation, the run patches the two credentials secrets (ours) and nothing else,
    and the old keys are gone from every cluster. A second gateway: site.yml with acm_submariner_gateways=2 reaches the
    SubmarinerConfig, the add-on's MachineSets and EC2 (the add-on preparing with the new keys), the tunnels are up
    again. Going back to 1 stops in preflight, writing nothing: the add-on would keep
    both gateways and tag the third subnet too (cloud-prepare processSubnets). Then another NAT-T port on both clusters,
    and another cable driver."""
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False)
    inventory = runner_inventory(lab, tmp_path)
    give_keys(inventory, 1)
    bind_mode(lab, "addon")
    code, _stats, output = run(lab, "site.yml", inventory=inventory)
    assert code == 0, failure_messages(output)
    assert gateways_of(lab, "aws-sub1") == {"config": 1, "machinesets": 1, "ready_nodes": 1, "tagged_subnets": 1, "instances": 1}
    first = keys_for("aws-sub1", 1)
    assert credentials_of(lab, "aws-sub1") == ({"aws_access_key_id": first["acm_submariner_aws_access_key_id"],
                                                "aws_secret_access_key": first["acm_submariner_aws_secret_access_key"]}, OURS)

    # New AWS keys: --check --diff plans the rotation, naming the keys and not their values; the run then patches the
    # two secrets and nothing else, and the old keys are nowhere on the hub or the clusters.
    give_keys(inventory, 2)
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory, check=True, diff=True)
    assert code == 0, failure_messages(output)
    assert without_run_lease(mutating_requests(lab, mark)) == []
    for cluster in ("aws-sub1", "aws-sub2"):
        assert "  - hub: rotate the AWS keys in Secret %s/%s-submariner-aws (aws_access_key_id, aws_secret_access_key)" % (
            cluster, cluster) in plan_lines(output)
    assert "(hidden, the value given)" in output
    mark, changed = change(lab, inventory, {})
    patched = sorted((r["verb"], r["path"]) for r in without_run_lease(mutating_requests(lab, mark)))
    assert patched == [("patch", "/api/v1/namespaces/%s/secrets/%s-submariner-aws" % (cluster, cluster)) for cluster in ("aws-sub1", "aws-sub2")]
    assert changed == 2
    assert credentials_of(lab, "aws-sub2")[0]["aws_access_key_id"] == keys_for("aws-sub2", 2)["acm_submariner_aws_access_key_id"]
    everything = json.dumps(dump(lab))
    assert [value for value in key_values(1) if value in everything] == []
    calls = len(lab.world.cloud_calls)

    _mark, changed = change(lab, inventory, {"acm_submariner_gateways": 2})
    assert changed > 0
    assert_gateways_and_connected(lab, 2)
    # The add-on read the rotated keys for this preparation (it gets the secret from the hub each time).
    assert sorted(set(lab.world.cloud_calls[calls:])) == [
        (cluster, "prepare", keys_for(cluster, 2)["acm_submariner_aws_access_key_id"]) for cluster in ("aws-sub1", "aws-sub2")]

    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory, extra_vars={"acm_submariner_gateways": 1})
    assert code != 0
    messages = " ".join(failure_messages(output))
    assert "aws-sub1: acm_submariner_gateways is 1 but 2 public subnets already carry the gateway tag submariner.io/gateway" in messages
    assert "would run 3 gateways" in messages, messages
    assert without_run_lease(mutating_requests(lab, mark)) == []
    assert gateways_of(lab, "aws-sub1")["machinesets"] == 2

    # Another NAT-T port: the add-on re-renders the Submariner CR and opens the new port, and never revokes the old
    # one (cloud-prepare createGatewaySG only authorizes; its clean-up deletes the whole group).
    changed_port = {"acm_submariner_gateways": 2, "acm_submariner_nat_t_port": 4501}
    change(lab, inventory, changed_port)
    assert refused_requests(lab, mark) == []
    for cluster, peer in PAIRS:
        state = nat_t_of(lab, cluster)
        assert (state["config"], state["submariner"], state["node_labels"]) == (4501, 4501, ["4501"]), state
        assert {4500, 4501} <= set(state["public_udp"]), state
        assert connected(lab, cluster) == [(peer, "connected")]

    # Another cable driver, on every cluster of the set at once, and another gateway instance type: --check --diff names
    # the tunnels that drop while the gateway pods restart, and writes nothing; the run reaches the Submariner CRs and
    # the Endpoints the gateways announce, the tunnels are up again, and a second run changes nothing (for the gateways
    # and the NAT-T port too). The add-on gives its gateway MachineSets the new type; the machine-api leaves the running
    # Machines as they are (docs/day2.md says how to finish).
    changed_driver = dict(changed_port, acm_submariner_cable_driver="vxlan", acm_submariner_gateway_instance_type="c5.large")
    plan = checked_plan(lab, inventory, changed_driver)
    for cluster, peer in PAIRS:
        assert ("  - cluster: restart the gateway pods (cable driver from libreswan to vxlan): its tunnels to %s drop until the new"
                " pods run, and stay down to any of them that does not run vxlan" % peer) in plan, plan
    change(lab, inventory, changed_driver)
    announced = {item["spec"]["cluster_id"]: item["spec"]["backend"] for item in lab.hub.list(SUBMARINER_API, "Endpoint", namespace="submariner-broker")}
    assert announced == {"aws-sub1": "vxlan", "aws-sub2": "vxlan"}
    for cluster, peer in PAIRS:
        assert lab.world.spoke_for(cluster).get("submariner.io/v1alpha1", "Submariner", "submariner", "submariner-operator")["spec"]["cableDriver"] == "vxlan"
        assert connected(lab, cluster) == [(peer, "connected")]
        assert lab.hub.get(CONFIG_API, "SubmarinerConfig", "submariner", cluster)["spec"]["gatewayConfig"]["aws"]["instanceType"] == "c5.large"
        assert machineset_instance_types(lab, cluster) == ["c5.large", "c5.large"]
        assert gateway_instance_types(lab, cluster) == ["m5n.large", "m5n.large"]
    output = second_run_changes_nothing(lab, inventory, changed_driver)
    # verify says which gateways the change has not reached, and how to finish it
    for cluster in ("aws-sub1", "aws-sub2"):
        assert "%s: gateway node ip-" % cluster in output and "runs m5n.large, not the c5.large the SubmarinerConfig asks for" in output


def test_fewer_gateways_in_direct_mode(lab_factory, tmp_path):
    """Direct mode, as the least-privilege runner: 1 gateway, then 2 (another subnet tagged, another MachineSet of ours,
    its node Ready and labelled, the tunnels up), then 1 again (planned by --check first, writing nothing):
    aws_cloud_prepare untags the subnet it tagged, the SubmarinerConfig asks for 1, then the other gateway MachineSet
    (ours) goes with its instance; the tunnels are up again. Then another NAT-T port on one cluster, and another
    instance type, after which a second run changes nothing (it would rewrite any change it did not keep)."""
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False, time_scale=WAITING_TIME_SCALE)
    inventory = runner_inventory(lab, tmp_path, {"acm_submariner_aws_prep_mode": "direct"})
    bind_mode(lab, "direct")
    code, _stats, output = run(lab, "site.yml", inventory=inventory)
    assert code == 0, failure_messages(output)
    assert_gateways_and_connected(lab, 1)
    _mark, changed = change(lab, inventory, {"acm_submariner_gateways": 2})
    assert changed > 0
    assert_gateways_and_connected(lab, 2)

    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory, check=True, extra_vars={"acm_submariner_gateways": 1})
    assert code == 0, failure_messages(output)
    assert without_run_lease(mutating_requests(lab, mark)) == []
    plan = plan_lines(output)
    for cluster in ("aws-sub1", "aws-sub2"):
        assert "  - cluster: delete gateway MachineSet %s-submariner-gw-eu-west-1b (fewer gateways)" % lab.world.seeded[cluster].infra_id in plan, plan

    mark, changed = change(lab, inventory, {"acm_submariner_gateways": 1})
    assert changed > 0
    deletes = [(r["cluster"], r["path"].rsplit("/", 1)[-1]) for r in without_run_lease(mutating_requests(lab, mark)) if r["verb"] == "delete"]
    assert sorted(name for _cluster, name in deletes) == sorted(
        lab.world.seeded[cluster].infra_id + "-submariner-gw-eu-west-1b" for cluster in ("aws-sub1", "aws-sub2")), deletes
    assert_gateways_and_connected(lab, 1)

    # Another NAT-T port on aws-sub1 only: aws_cloud_prepare opens it and revokes the old one, and each side is
    # reached on its own port (libreswan's right ikeport is the remote endpoint's udp-port).
    inventory_data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    inventory_data["all"]["children"]["managed_clusters"]["hosts"]["aws-sub1"]["acm_submariner_nat_t_port"] = 4501
    inventory.write_text(yaml.safe_dump(inventory_data), encoding="utf-8")
    change(lab, inventory, {"acm_submariner_gateways": 1})
    assert refused_requests(lab, mark) == []
    changed, kept = nat_t_of(lab, "aws-sub1"), nat_t_of(lab, "aws-sub2")
    assert (changed["config"], changed["submariner"], changed["node_labels"]) == (4501, 4501, ["4501"]), changed
    assert 4501 in changed["public_udp"] and 4500 not in changed["public_udp"], changed
    assert (kept["submariner"], kept["node_labels"]) == (4500, ["4500"]) and 4500 in kept["public_udp"], kept
    assert connected(lab, "aws-sub1") == [("aws-sub2", "connected")] and connected(lab, "aws-sub2") == [("aws-sub1", "connected")]

    # Another gateway instance type: the machine-api gives only new Machines the MachineSet's new type, so each gateway
    # Machine is replaced by a surge (one more of the new type, then the old one goes): never fewer gateways than asked
    # for, so the add-on labels no worker meanwhile. --check names the replacement and writes nothing.
    new_type = {"acm_submariner_gateways": 1, "acm_submariner_gateway_instance_type": "c5.large"}
    plan = checked_plan(lab, inventory, new_type)
    for cluster in ("aws-sub1", "aws-sub2"):
        assert any(line.startswith("  - cluster: replace gateway Machine %s-submariner-gw-eu-west-1a-" % lab.world.seeded[cluster].infra_id)
                   and line.endswith("(instance type from m5n.large to c5.large): a Machine of the new type starts first, then it goes;"
                                     " the tunnels drop while another gateway takes them over") for line in plan), plan
    mark, _changed = change(lab, inventory, new_type)
    for cluster in ("aws-sub1", "aws-sub2"):
        # the new template, the scale-up, the old Machine marked to go first, the scale-back: never fewer gateways
        written = [(r["verb"], r["path"].split("/")[-2]) for r in without_run_lease(mutating_requests(lab, mark, lab.world.spoke_for(cluster).name))
                   if "/machinesets/" in r["path"] or "/machines/" in r["path"]]
        assert written == [("patch", "machinesets"), ("patch", "machinesets"), ("patch", "machines"), ("patch", "machinesets")], written
    for cluster, peer in PAIRS:
        assert gateway_instance_types(lab, cluster) == ["c5.large"]
        assert gateways_of(lab, cluster) == {"config": 1, "machinesets": 1, "ready_nodes": 1, "tagged_subnets": 1, "instances": 1}
        assert connected(lab, cluster) == [(peer, "connected")]
    assert refused_requests(lab, mark) == []
    second_run_changes_nothing(lab, inventory, new_type)


def machineset_instance_types(lab, cluster):
    return sorted(item["spec"]["template"]["spec"]["providerSpec"]["value"]["instanceType"]
                  for item in lab.world.spoke_for(cluster).list(MACHINE_API, "MachineSet", namespace="openshift-machine-api")
                  if "-submariner-gw-" in item["metadata"]["name"])


def gateway_instance_types(lab, cluster):
    """The instance types of the cluster's running (or starting) gateway instances in EC2."""
    seeded = lab.world.seeded[cluster]
    reservations = lab.world.ec2(seeded.region).describe_instances(Filters=[
        {"Name": "vpc-id", "Values": [seeded.vpc_id]}, {"Name": "tag:submariner.io", "Values": ["gateway"]},
        {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"]
    return sorted(instance["InstanceType"] for reservation in reservations for instance in reservation["Instances"])


def test_nat_t_port_and_cable_driver_on_acm_22(lab_factory, tmp_path):
    """ACM 2.2 (labels flow, SubmarinerConfig subconfig, Submariner 0.8.1), as the least-privilege runner: another NAT-T
    port and the wireguard cable driver for the whole set in one run. --check --diff names the tunnels that drop; the
    run reaches the Submariner CRs and the gateway security groups (the 2.2 add-on prepares again for the changed
    config), the tunnels are up again, and a second run changes nothing. vxlan is refused there (test_bad_input.py)."""
    lab = lab_factory.get(profile="acm-2.2", clusters=2, overlap=False, time_scale=WAITING_TIME_SCALE)
    inventory = runner_inventory(lab, tmp_path, {"acm_submariner_config_name": "subconfig"})
    bind_mode(lab, "addon")
    code, _stats, output = run(lab, "site.yml", inventory=inventory)
    assert code == 0, failure_messages(output)
    changed = {"acm_submariner_nat_t_port": 4501, "acm_submariner_cable_driver": "wireguard"}
    plan = checked_plan(lab, inventory, changed)
    for cluster, peer in PAIRS:
        assert ("  - cluster: restart the gateway pods (cable driver from libreswan to wireguard, NAT-T port from 4500 to 4501): its"
                " tunnels to %s drop until the new pods run, and stay down to any of them that does not run wireguard" % peer) in plan, plan
    change(lab, inventory, changed)
    for cluster, peer in PAIRS:
        seeded, spoke = lab.world.seeded[cluster], lab.world.spoke_for(cluster)
        spec = spoke.get("submariner.io/v1alpha1", "Submariner", "submariner", "submariner-operator")["spec"]
        assert (spec["cableDriver"], spec["ceIPSecNATTPort"]) == ("wireguard", 4501)
        groups = lab.world.ec2(seeded.region).describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [seeded.vpc_id]}, {"Name": "group-name", "Values": [seeded.infra_id + "-submariner-gw-sg"]}])
        assert 4501 in [rule["FromPort"] for group in groups["SecurityGroups"] for rule in group["IpPermissions"] if rule["IpProtocol"] == "udp"]
        assert connected(lab, cluster) == [(peer, "connected")]
    second_run_changes_nothing(lab, inventory, changed)

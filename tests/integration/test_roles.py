"""The roles in their other modes: direct AWS preparation (capi naming, a VPC the installer did not lay out), host + token auth."""

import pytest
import yaml

from tests.integration.least_privilege import WAITING_TIME_SCALE, assert_roles_are_what_the_run_used, bind_mode, runner_inventory
from tests.integration.molecule_scenarios import assert_scenario_verified, leftovers_since, run_scenario_verify, scenario_lab, scenario_vars
from tests.integration.test_site import CHECK_MODE_VERIFY, failure_messages, our_leftovers, run, total
from tests.lab.fixtures import dump, mutating_requests, without_run_lease

# Each test gets its labs from lab_factory and leaves none it changed for another: make test spreads them (tests/conftest.py).
XDIST_SPREAD = True


@pytest.mark.parametrize("profile, scenario", [("acm-2.12", "direct"), ("acm-2.2", None)], ids=["acm-2.12", "acm-2.2"])
def test_direct_mode_prepares_aws_itself_and_uninstall_removes_it(lab_factory, tmp_path, profile, scenario):
    """aws_cloud_prepare + gateway_machineset + skip-cloud-prepare: converges, is idempotent, leaves nothing.

    As the least-privilege runner (tests/integration/least_privilege.py) with the shipped direct-mode roles,
    and the converge and uninstall used exactly what preflight reviews for direct mode, on both profiles.
    On acm-2.12 this is also the molecule scenario ``direct`` (its lab, its variables, its verify.yml:
    tests/integration/molecule_scenarios.py), which make test does not run through molecule.
    """
    if scenario:
        lab, direct = scenario_lab(lab_factory, scenario, time_scale=WAITING_TIME_SCALE), scenario_vars(scenario)
    else:
        lab = lab_factory.get(profile=profile, clusters=2, overlap=False, time_scale=WAITING_TIME_SCALE)
        direct = {"acm_submariner_aws_prep_mode": "direct"}
    assert direct["acm_submariner_aws_prep_mode"] == "direct"
    inventory = runner_inventory(lab, tmp_path, direct)
    bind_mode(lab, "direct")
    before = dump(lab)
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory)
    assert code == 0, failure_messages(output)
    assert_roles_are_what_the_run_used(lab, mark, "site", "direct", profile)
    for context in ("cluster1", "cluster2"):
        machine_sets = lab.spokes[context].list("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api")
        assert any("-submariner-gw-" in item["metadata"]["name"] for item in machine_sets), context
    for config in lab.hub.list("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig"):
        assert config["metadata"]["annotations"]["submariner.io/skip-cloud-prepare"] == "true"
        assert "credentialsSecret" not in config["spec"]

    mark = lab.requests.mark()
    code, stats, output = run(lab, "site.yml", inventory=inventory)
    assert code == 0, failure_messages(output)
    assert total(stats, "changed") == 0, stats
    assert without_run_lease(mutating_requests(lab, mark)) == []
    if scenario:
        assert_scenario_verified(run_scenario_verify(lab, scenario, tmp_path), scenario)

    bind_mode(lab, "uninstall")
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "playbooks/uninstall.yml", inventory=inventory)
    assert code == 0, failure_messages(output)
    assert_roles_are_what_the_run_used(lab, mark, "uninstall", "direct", profile)
    assert our_leftovers(lab) == []
    assert leftovers_since(before, lab) == []


def byo_network_inventory(lab, path):
    """Public subnets renamed away from the installer's names, and every cluster's VPC, subnets and SGs in its host vars."""
    inventory = yaml.safe_load((lab.state_dir / "inventory.yml").read_text(encoding="utf-8"))
    hosts = inventory["all"]["children"]["managed_clusters"]["hosts"]
    ec2 = lab.ec2()
    for name, seeded in lab.world.seeded.items():
        for zone, subnet_id in seeded.public_subnets.items():
            ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Name", "Value": f"byo-{name}-gateways-{zone}"}])
        hosts[name].update(acm_submariner_aws_vpc_id=seeded.vpc_id, acm_submariner_aws_subnet_ids=sorted(seeded.public_subnets.values()),
                           acm_submariner_aws_worker_security_group_id=seeded.worker_sg_id,
                           acm_submariner_aws_control_plane_security_group_id=seeded.control_plane_sg_id)
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return path


def test_direct_mode_in_a_vpc_the_installer_did_not_name(lab_factory, tmp_path):
    """No public subnet is called <infraID>-...-public-<az>: the overrides find the network, and each gateway
    MachineSet selects the subnet aws_cloud_prepare tagged by its Name (cloud-prepare's rule), not a guess."""
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False, ocp_naming="capi", network_type="OpenShiftSDN")
    try:
        inventory = byo_network_inventory(lab, tmp_path / "inventory.yml")
        direct = {"acm_submariner_aws_prep_mode": "direct"}
        code, _stats, output = run(lab, "site.yml", extra_vars=direct, inventory=inventory)
        assert code == 0, failure_messages(output)
        for context, (name, seeded) in zip(("cluster1", "cluster2"), sorted(lab.world.seeded.items())):
            gateways = [item for item in lab.spokes[context].list("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api")
                        if "-submariner-gw-" in item["metadata"]["name"]]
            assert gateways, context
            for gateway in gateways:
                provider = gateway["spec"]["template"]["spec"]["providerSpec"]["value"]
                zone = provider["placement"]["availabilityZone"]
                assert provider["subnet"] == {"filters": [{"name": "tag:Name", "values": [f"byo-{name}-gateways-{zone}"]}]}
                assert gateway["status"].get("readyReplicas") == 1, gateway["status"]
            tagged = lab.ec2().describe_subnets(Filters=[{"Name": "tag-key", "Values": ["submariner.io/gateway"]},
                                                         {"Name": "vpc-id", "Values": [seeded.vpc_id]}])["Subnets"]
            assert {subnet["SubnetId"] for subnet in tagged} <= set(seeded.public_subnets.values()) and tagged
        code, _stats, output = run(lab, "playbooks/uninstall.yml", extra_vars=direct, inventory=inventory)
        assert code == 0, failure_messages(output)
        assert our_leftovers(lab) == []
    finally:
        lab_factory.stop_all()  # its EC2 names were changed: no other test may reuse this lab


def token_inventory(lab, path):
    """The lab's inventory with host + token auth on every host instead of kubeconfig + context."""
    kubeconfig = yaml.safe_load(lab.kubeconfig.read_text(encoding="utf-8"))
    servers = {item["name"]: item["cluster"] for item in kubeconfig["clusters"]}
    tokens = {item["name"]: item["user"]["token"] for item in kubeconfig["users"]}
    inventory = yaml.safe_load((lab.state_dir / "inventory.yml").read_text(encoding="utf-8"))
    for group in inventory["all"]["children"].values():
        for host in group["hosts"].values():
            context = host.pop("acm_submariner_hub_context", None) or host.pop("acm_submariner_cluster_context")
            host.pop("acm_submariner_kubeconfig")
            host.update({"acm_submariner_api_host": servers[context]["server"], "acm_submariner_api_key": tokens[context + "-admin"],
                         "acm_submariner_ca_cert": servers[context]["certificate-authority"]})
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return path


def test_host_and_token_auth_sends_each_call_to_its_cluster(lab_factory, tmp_path):
    """With host + token per host, --check reads each spoke's networks from the spoke itself and writes nothing."""
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False)
    inventory = token_inventory(lab, tmp_path / "inventory.yml")
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", check=True, extra_vars=CHECK_MODE_VERIFY, inventory=inventory)
    assert code == 0, failure_messages(output)
    assert mutating_requests(lab, mark) == []
    records = lab.requests.since(mark)
    for context in ("cluster1", "cluster2"):
        assert any(record["cluster"] == context and "/networks/cluster" in record["path"] for record in records), context
    assert not any(record["cluster"] == "hubcluster" and "/networks/" in record["path"] for record in records)

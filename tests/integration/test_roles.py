"""The roles in their other modes: direct AWS preparation on the capi installer naming, and host + token auth."""

import yaml

from tests.integration.test_site import CHECK_MODE_VERIFY, failure_messages, our_leftovers, run, total
from tests.lab.fixtures import mutating_requests


def test_direct_mode_prepares_aws_itself_and_uninstall_removes_it(lab_factory):
    """aws_cloud_prepare + gateway_machineset + skip-cloud-prepare: converges, is idempotent, leaves nothing."""
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False, ocp_naming="capi")
    direct = {"acm_submariner_aws_prep_mode": "direct"}
    code, _stats, output = run(lab, "site.yml", extra_vars=direct)
    assert code == 0, failure_messages(output)
    for context in ("cluster1", "cluster2"):
        machine_sets = lab.spokes[context].list("machine.openshift.io/v1beta1", "MachineSet", "openshift-machine-api")
        assert any("-submariner-gw-" in item["metadata"]["name"] for item in machine_sets), context
    for config in lab.hub.list("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig"):
        assert config["metadata"]["annotations"]["submariner.io/skip-cloud-prepare"] == "true"
        assert "credentialsSecret" not in config["spec"]

    mark = lab.requests.mark()
    code, stats, output = run(lab, "site.yml", extra_vars=direct)
    assert code == 0, failure_messages(output)
    assert total(stats, "changed") == 0, stats
    assert mutating_requests(lab, mark) == []

    code, _stats, output = run(lab, "playbooks/uninstall.yml", extra_vars=direct)
    assert code == 0, failure_messages(output)
    assert our_leftovers(lab) == []


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

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hub modules run by ansible-playbook against the lab, on today's ACM (acm-2.12) and the blog's (acm-2.2).

"No write" is measured in the lab's request log (writes that are not dry runs), not assumed. The lab's
API server validates and prunes every object against the upstream CRDs ($LAB_CRDS_DIR or
../shared/crds), so an object written here is an object the real API server would accept: the
autouse ``validating_hub`` fixture proves it on each test's hub (a bad type is refused, an unknown
field is pruned) so that no test here can pass on a lab that does not validate.
"""

from __future__ import annotations

import base64

import pytest
import yaml

from tests.lab.fixtures import api_client
from tests.lab.runtime import Faults

pytestmark = [pytest.mark.lab, pytest.mark.slow]

CLUSTER_API = "cluster.open-cluster-management.io/v1"
CONFIG_API = "submarineraddon.open-cluster-management.io/v1alpha1"
ADDON_API = "addon.open-cluster-management.io/v1alpha1"
SET_LABEL = "cluster.open-cluster-management.io/clusterset"
AGENT_LABEL = "cluster.open-cluster-management.io/submariner-agent"
CLUSTERS = ("aws-sub1", "aws-sub2")


# ---------------------------------------------------------------------- helpers
def assert_hub_validates(lab):
    """The hub refuses what the upstream SubmarinerConfig schema refuses and prunes what it lacks (dry runs)."""
    from kubernetes import client  # pylint: disable=import-outside-toplevel
    from kubernetes.client.exceptions import ApiException  # pylint: disable=import-outside-toplevel
    api = client.CustomObjectsApi(api_client(lab))
    group, version = CONFIG_API.split("/")

    def dry_create(spec):
        body = {"apiVersion": CONFIG_API, "kind": "SubmarinerConfig", "metadata": {"name": "hm-canary"}, "spec": spec}
        return api.create_namespaced_custom_object(group, version, "aws-sub1", "submarinerconfigs", body, dry_run="All")

    with pytest.raises(ApiException) as caught:
        dry_create({"IPSecNATTPort": "not-a-port"})
    assert caught.value.status == 422 and "spec.IPSecNATTPort" in caught.value.body, "the lab does not validate against the upstream CRD"
    assert "labCanary" not in dry_create({"IPSecNATTPort": 4500, "labCanary": True})["spec"], "the lab does not prune"


@pytest.fixture(autouse=True)
def validating_hub(request):
    for name in ("lab", "lab_22"):
        if name in request.fixturenames:
            assert_hub_validates(request.getfixturevalue(name))


def task(name, module, args=None, **keywords):
    """One task calling ``acm.submariner.<module>``; keywords are task keywords (diff, ignore_errors...)."""
    entry = {"name": name, "acm.submariner." + module: dict(args or {})}
    entry.update(keywords)
    return entry


def playbook(*tasks, defaults=None):
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/acm.submariner.submariner": dict({"kubeconfig": "{{ lab_kubeconfig }}", "context": "hubcluster"}, **(defaults or {}))},
        "tasks": list(tasks),
    }
    return yaml.safe_dump([play], sort_keys=False)


def run(run_playbook, lab, *tasks, check=False, extra_vars=None, defaults=None):
    """Run the tasks; return (PlaybookResult, writes): writes are the requests that were not dry runs."""
    mark = lab.requests.mark()
    result = run_playbook(lab, playbook(*tasks, defaults=defaults), check=check, extra_vars=extra_vars)
    return result, lab.requests.mutating_since(mark)


def labels(lab, cluster):
    return lab.hub.get(CLUSTER_API, "ManagedCluster", cluster)["metadata"].get("labels") or {}


def secret_values(lab, namespace, name):
    """The decoded values of a lab secret, to prove they never reach the output."""
    secret = lab.hub.get("v1", "Secret", name, namespace)
    values = [base64.b64decode(value).decode() for value in (secret.get("data") or {}).values()]
    return values + list((secret.get("stringData") or {}).values())


# ---------------------------------------------------------------------- acm-2.12
def test_hub_info_today(lab, run_playbook):
    result, writes = run(run_playbook, lab, task("info", "hub_info"), task("some", "hub_info", {"clusters": ["aws-sub2"]}))
    result.check()
    info = result.task("info")
    assert not info["changed"] and writes == []
    hub = info["hub"]
    assert hub["acm_version"] == "2.12.2" and hub["version_source"] == "multiclusterhub"
    assert (hub["join_flow"], hub["broker_cr_required"], hub["config_name_rule"]) == ("addon", True, "submariner")
    assert hub["managed_cluster_set_version"] == "v1beta2" and hub["managed_cluster_addon_version"] == "v1alpha1"
    assert hub["submariner_addon_installed"] is True
    clusters = {cluster["name"]: cluster for cluster in info["managed_clusters"]}
    assert set(CLUSTERS) <= set(clusters)
    assert clusters["aws-sub1"]["available"] is True and clusters["aws-sub1"]["platform"] == "AWS"
    assert clusters["aws-sub1"]["infra_id"] and clusters["aws-sub1"]["region"] == "eu-west-1"
    sets = {item["name"]: item for item in info["managed_cluster_sets"]}
    assert sets["default"]["broker_namespace"] == "default-broker"
    assert sets["global"]["broker_namespace"] is None  # a LabelSelector set: the addon ignores it
    assert [cluster["name"] for cluster in result.task("some")["managed_clusters"]] == ["aws-sub2"]


def test_cluster_set_check_create_idempotent_absent(lab, run_playbook):
    create = task("set", "managed_cluster_set", {"name": "hm-alpha", "labels": {"team": "net"}, "wait": True, "wait_timeout": 30}, diff=True)

    result, writes = run(run_playbook, lab, create, check=True)
    checked = result.check().task("set")
    assert checked["changed"] and writes == []
    assert lab.hub.get("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "hm-alpha") is None
    assert checked["diff"]["after"]["metadata"]["name"] == "hm-alpha"

    result, writes = run(run_playbook, lab, create)
    created = result.check().task("set")
    assert created["changed"] and len(writes) == 1
    assert created["api_version"] == "cluster.open-cluster-management.io/v1beta2"
    assert created["broker_namespace"] == "hm-alpha-broker" and created["broker_namespace_exists"]
    stored = lab.hub.get("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "hm-alpha")
    assert stored["spec"]["clusterSelector"]["selectorType"] == "ExclusiveClusterSetLabel"
    assert stored["metadata"]["labels"]["team"] == "net"
    assert created["diff"]["before"] == {} and created["diff"]["after"]["spec"]["clusterSelector"]

    result, writes = run(run_playbook, lab, create)
    again = result.check().task("set")
    assert not again["changed"] and writes == []
    assert again["diff"] == {"before": {}, "after": {}}

    remove = task("set", "managed_cluster_set", {"name": "hm-alpha", "state": "absent", "wait": True, "wait_timeout": 30})
    result, writes = run(run_playbook, lab, remove, check=True)
    assert result.check().task("set")["changed"] and writes == []
    result, writes = run(run_playbook, lab, remove)
    assert result.check().task("set")["changed"] and len(writes) == 1
    assert lab.hub.get("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "hm-alpha") is None
    result, writes = run(run_playbook, lab, remove)
    assert not result.check().task("set")["changed"] and writes == []


def test_membership_overwrites_default_and_touches_only_its_labels(lab, run_playbook):
    before = labels(lab, "aws-sub1")
    join = task("join", "managed_cluster", {"name": "aws-sub1", "cluster_set": "hm-members", "labels": {"hm-test": "yes"},
                                            "wait": True, "wait_timeout": 30}, diff=True)
    result, writes = run(run_playbook, lab, task("set", "managed_cluster_set", {"name": "hm-members"}), join)
    joined = result.check().task("join")
    assert joined["changed"] and joined["join_flow"] == "addon"
    assert joined["patch"] == {"metadata": {"labels": {SET_LABEL: "hm-members", "hm-test": "yes"},
                                            "annotations": {"acm.submariner/clusterset": "hm-members"}}}
    assert [w["verb"] for w in writes].count("patch") == 1
    after = labels(lab, "aws-sub1")
    assert after[SET_LABEL] == "hm-members" and after["hm-test"] == "yes" and AGENT_LABEL not in after
    assert {k: v for k, v in after.items() if k not in (SET_LABEL, "hm-test")} == {k: v for k, v in before.items() if k != SET_LABEL}
    assert joined["diff"]["before"]["metadata"]["labels"] == {SET_LABEL: before[SET_LABEL]}
    assert joined["cluster"]["available"] is True

    result, writes = run(run_playbook, lab, join)
    assert not result.check().task("join")["changed"] and writes == []

    leave = task("leave", "managed_cluster", {"name": "aws-sub1", "cluster_set": "hm-members", "state": "absent", "labels": {"hm-test": None}})
    result, writes = run(run_playbook, lab, leave, check=True)
    assert result.check().task("leave")["changed"] and writes == []
    result, writes = run(run_playbook, lab, leave)
    assert result.check().task("leave")["changed"]
    assert "hm-test" not in labels(lab, "aws-sub1") and labels(lab, "aws-sub1").get(SET_LABEL) != "hm-members"
    run(run_playbook, lab, task("set", "managed_cluster_set", {"name": "hm-members", "state": "absent"}))[0].check()


def test_submariner_config_today(lab, run_playbook):
    lab.hub.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hm-partial", "namespace": "aws-sub2"},
                    "stringData": {"aws_access_key_id": "AKIAHALFKEY"}})
    base = {"cluster": "aws-sub2", "credentials_secret": "aws-sub2-aws-creds", "gateways": 1, "aws_instance_type": "m5n.large",
            "ipsec_natt_port": 4500, "natt_discovery_port": 4490, "cable_driver": "libreswan"}
    result, writes = run(
        run_playbook, lab,
        task("wrong name", "submariner_config", dict(base, name="subconfig"), ignore_errors=True),
        task("half secret", "submariner_config", dict(base, credentials_secret="hm-partial"), ignore_errors=True),
        task("no secret", "submariner_config", dict(base, credentials_secret="hm-missing"), ignore_errors=True),
    )
    assert writes == []
    wrong = result.task("wrong name")
    assert wrong["failed"] and "only reads a SubmarinerConfig named 'submariner'" in wrong["msg"]
    half = result.task("half secret")
    assert half["failed"] and "aws_secret_access_key" in half["msg"] and "aws-sub2/hm-partial" in half["msg"]
    assert "AKIAHALFKEY" not in result.stdout
    assert "does not exist" in result.task("no secret")["msg"]

    # On ACM >= 2.8 the spoke prepares the cloud, so the environment is prepared once the add-on is deployed.
    create = task("config", "submariner_config", base, diff=True)
    addon = task("addon", "submariner_addon", {"cluster": "aws-sub2"})
    ready = task("ready", "submariner_config", dict(base, wait=True, wait_timeout=60))
    result, writes = run(run_playbook, lab, create, addon, ready)
    result.check()
    assert result.task("config")["changed"] and len(writes) == 2 and result.task("config")["name"] == "submariner"
    assert result.task("config")["diff"]["after"]["spec"]["gatewayConfig"]["gateways"] == 1
    config = result.task("ready")
    assert not config["changed"] and config["readiness"]["state"] == "ready"
    assert {c["type"]: c["status"] for c in config["conditions"]} == {
        "SubmarinerConfigApplied": "True", "SubmarinerClusterEnvironmentPrepared": "True", "SubmarinerGatewaysLabeled": "True"}
    spec = lab.hub.get(CONFIG_API, "SubmarinerConfig", "submariner", "aws-sub2")["spec"]
    assert spec["gatewayConfig"] == {"gateways": 1, "aws": {"instanceType": "m5n.large"}}
    assert (spec["IPSecNATTPort"], spec["NATTDiscoveryPort"], spec["credentialsSecret"]) == (4500, 4490, {"name": "aws-sub2-aws-creds"})
    for value in secret_values(lab, "aws-sub2", "aws-sub2-aws-creds"):
        assert value not in result.stdout

    result, writes = run(run_playbook, lab, create, addon)
    assert not any(r["result"]["changed"] for r in result.check().results) and writes == []

    bigger = task("config", "submariner_config", dict(base, gateways=2, skip_cloud_prepare=True), diff=True)
    result, writes = run(run_playbook, lab, bigger, check=True)
    checked = result.check().task("config")
    assert checked["changed"] and writes == []
    assert checked["diff"]["before"]["spec"]["gatewayConfig"]["gateways"] == 1
    assert checked["diff"]["after"]["spec"]["gatewayConfig"]["gateways"] == 2
    assert checked["diff"]["after"]["metadata"]["annotations"] == {"submariner.io/skip-cloud-prepare": "true"}
    assert lab.hub.get(CONFIG_API, "SubmarinerConfig", "submariner", "aws-sub2")["spec"]["gatewayConfig"]["gateways"] == 1

    # Fewer gateways than the addon prepared: planned (and written) with a warning, as the addon removes none.
    lab.hub.patch(CONFIG_API, "SubmarinerConfig", "submariner", "aws-sub2", {"spec": {"gatewayConfig": {"gateways": 2}}})
    result, writes = run(run_playbook, lab, task("config", "submariner_config", base, diff=True), check=True)
    checked = result.check().task("config")
    assert checked["changed"] and writes == []
    assert any("SubmarinerConfig aws-sub2/submariner: spec.gatewayConfig.gateways goes from 2 to 1" in warning
               for warning in checked.get("warnings", [])), checked.get("warnings")

    remove = [task("addon", "submariner_addon", {"cluster": "aws-sub2", "state": "absent", "wait": True, "wait_timeout": 30}),
              task("config", "submariner_config", {"cluster": "aws-sub2", "state": "absent", "wait": True, "wait_timeout": 30})]
    result, writes = run(run_playbook, lab, *remove)
    assert result.check().task("config")["changed"] and len(writes) == 2
    assert lab.hub.get(CONFIG_API, "SubmarinerConfig", "submariner", "aws-sub2") is None


def test_join_broker_addon_today(lab, run_playbook):
    """The whole hub side of today's flow; the lab's default CIDRs overlap, so connections stay down."""
    join = [task("set", "managed_cluster_set", {"name": "hm-join", "wait": True, "wait_timeout": 30}),
            task("broker", "submariner_broker", {"cluster_set": "hm-join", "wait": True, "wait_timeout": 30}, diff=True)]
    for cluster in CLUSTERS:
        join += [task("member " + cluster, "managed_cluster", {"name": cluster, "cluster_set": "hm-join"}),
                 task("config " + cluster, "submariner_config", {"cluster": cluster, "credentials_secret": cluster + "-aws-creds"}),
                 task("addon " + cluster, "submariner_addon", {"cluster": cluster}, diff=True)]
    result, writes = run(run_playbook, lab, *join)
    result.check()
    broker = result.task("broker")
    assert broker["changed"] and broker["namespace"] == "hm-join-broker" and broker["required"] is True
    stored = lab.hub.get("submariner.io/v1alpha1", "Broker", "submariner-broker", "hm-join-broker")
    assert stored["metadata"]["labels"]["cluster.open-cluster-management.io/backup"] == "submariner"
    addon = lab.hub.get(ADDON_API, "ManagedClusterAddOn", "submariner", "aws-sub1")
    assert addon["spec"]["installNamespace"] == "submariner-operator"
    assert len(writes) == 1 + 1 + 3 * len(CLUSTERS)

    result, writes = run(run_playbook, lab, *join)
    assert not any(r["result"].get("changed") for r in result.check().results) and writes == []

    waits = [task("deployed " + cluster, "submariner_addon", {"cluster": cluster, "wait": True, "wait_timeout": 60, "wait_for_connections": False})
             for cluster in CLUSTERS]
    waits += [task("connected", "submariner_addon", {"cluster": "aws-sub1", "wait": True, "wait_timeout": 3}, ignore_errors=True),
              task("globalnet", "submariner_broker", {"cluster_set": "hm-join", "globalnet_enabled": True}, ignore_errors=True)]
    residue = task("residue", "submariner_residue_info", {"cluster": "aws-sub1", "cluster_set": "hm-join", "broker_namespace": "hm-join-broker",
                                                          "cluster_auth": {"kubeconfig": "{{ lab_kubeconfig }}", "context": "cluster1"}})
    result, writes = run(run_playbook, lab, *waits, residue)
    assert writes == []
    found = result.task("residue")["leftovers"]
    assert {"hub SubmarinerConfig submariner", "hub ManagedClusterAddOn submariner", "spoke Submariner submariner",
            "hub ManagedCluster label cluster.open-cluster-management.io/clusterset=hm-join"} <= set(found), found
    assert result.task("deployed aws-sub2")["readiness"]["state"] == "ready"
    connected = result.task("connected")
    assert connected["failed"] and "SubmarinerConnectionDegraded" in connected["msg"] and "not ready after 3s" in connected["msg"]
    assert connected["diagnosis"]["category"] == "cidr_overlap"
    globalnet = result.task("globalnet")
    assert globalnet["failed"] and "aws-sub1, aws-sub2 already joined" in globalnet["msg"]
    assert globalnet["joined_clusters"] == list(CLUSTERS)

    leave = [task("addon " + cluster, "submariner_addon", {"cluster": cluster, "state": "absent", "wait": True, "wait_timeout": 30})
             for cluster in CLUSTERS]
    leave += [task("config " + cluster, "submariner_config", {"cluster": cluster, "state": "absent"}) for cluster in CLUSTERS]
    leave += [task("broker", "submariner_broker", {"cluster_set": "hm-join", "state": "absent"})]
    leave += [task("member " + cluster, "managed_cluster", {"name": cluster, "cluster_set": "hm-join", "state": "absent"}) for cluster in CLUSTERS]
    leave += [task("set", "managed_cluster_set", {"name": "hm-join", "state": "absent", "wait": True, "wait_timeout": 30})]
    result, writes = run(run_playbook, lab, *leave)
    assert all(r["result"]["changed"] for r in result.check().results)
    assert lab.hub.get(ADDON_API, "ManagedClusterAddOn", "submariner", "aws-sub1") is None
    result, writes = run(run_playbook, lab, residue)
    assert result.check().task("residue")["leftovers"] == [] and writes == []


def test_errors_name_context_object_and_fix(lab, run_playbook):
    too_long = "s" * 57
    tasks = [
        task("unknown cluster", "managed_cluster", {"name": "nope"}, ignore_errors=True),
        task("set too long", "managed_cluster_set", {"name": too_long}, ignore_errors=True),
        task("read-only", "managed_cluster_set", {"name": "hm-forbidden", "context": "hubcluster-readonly"}, ignore_errors=True),
        task("bad token", "hub_info", {"host": "{{ hub_url }}", "api_key": "not-a-token", "ca_cert": "{{ ca }}", "kubeconfig": None,
                                       "context": None}, ignore_errors=True),
        task("unreachable", "hub_info", {"host": "https://127.0.0.1:9", "api_key": "x", "kubeconfig": None, "context": None},
             ignore_errors=True),
        task("unknown set", "managed_cluster", {"name": "aws-sub1", "cluster_set": "hm-nowhere"}, ignore_errors=True),
    ]
    result, writes = run(run_playbook, lab, *tasks, extra_vars={"hub_url": lab.server_url("hubcluster"), "ca": str(lab.ca_file)})
    assert writes == []
    unknown = result.task("unknown cluster")
    assert unknown["failed"] and "no ManagedCluster named 'nope'" in unknown["msg"] and "aws-sub1, aws-sub2" in unknown["msg"]
    assert "63" in result.task("set too long")["msg"]
    forbidden = result.task("read-only")["msg"]
    assert 'context "hubcluster-readonly"' in forbidden and "403" in forbidden and "ManagedClusterSet hm-forbidden" in forbidden
    unauthorized = result.task("bad token")["msg"]
    assert "401" in unauthorized and lab.server_url("hubcluster") in unauthorized and "oc login" in unauthorized
    assert "cannot reach the API server of API server https://127.0.0.1:9" in result.task("unreachable")["msg"]
    assert "has no ManagedClusterSet 'hm-nowhere'" in result.task("unknown set")["msg"]


def test_conflicts_are_retried_from_a_fresh_read(lab, run_playbook):
    """Injected 409s on writes (seeded, so the run is repeatable): every task still converges."""
    tasks = [task("set", "managed_cluster_set", {"name": "hm-conflicts", "labels": {"round": "1"}})]
    tasks += [task("member " + cluster, "managed_cluster", {"name": cluster, "labels": {"hm-conflicts": "yes"}}) for cluster in CLUSTERS]
    tasks += [task("relabel %d" % n, "managed_cluster_set", {"name": "hm-conflicts", "labels": {"round": str(n)}}) for n in (2, 3, 4)]
    mark = lab.requests.mark()
    lab.set_faults(Faults(conflict_rate=0.3, seed=1))
    try:
        result = run_playbook(lab, playbook(*tasks))
    finally:
        lab.set_faults("off")
    result.check()
    conflicts = [r for r in lab.requests.since(mark) if r["status"] == 409]
    assert conflicts, "the seeded faults injected no 409 this time; pick another seed"
    assert lab.hub.get("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "hm-conflicts")["metadata"]["labels"]["round"] == "4"
    assert all(labels(lab, cluster)["hm-conflicts"] == "yes" for cluster in CLUSTERS)
    cleanup = [task("member " + cluster, "managed_cluster", {"name": cluster, "labels": {"hm-conflicts": None}}) for cluster in CLUSTERS]
    run(run_playbook, lab, *cleanup, task("set", "managed_cluster_set", {"name": "hm-conflicts", "state": "absent"}))[0].check()


def test_missing_submariner_addon(lab_factory, run_playbook):
    lab = lab_factory.get("acm-2.12", clusters=1)
    assert_hub_validates(lab)
    lab.hub.delete("addon.open-cluster-management.io/v1alpha1", "ClusterManagementAddOn", "submariner")
    lab.hub.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", "submarinerconfigs.submarineraddon.open-cluster-management.io")
    result, writes = run(
        run_playbook, lab,
        task("info", "hub_info"),
        task("config", "submariner_config", {"cluster": "aws-sub1"}, ignore_errors=True),
        task("addon", "submariner_addon", {"cluster": "aws-sub1"}, ignore_errors=True),
    )
    assert writes == []
    assert result.task("info")["hub"]["submariner_addon_installed"] is False
    assert "submariner-addon is not installed on the hub" in result.task("config")["msg"]
    assert "submariner-addon is not installed on the hub" in result.task("addon")["msg"]


# ---------------------------------------------------------------------- acm-2.2 (the blog)
def test_blog_seed_on_acm_22(lab_22, run_playbook):
    lab = lab_22
    steps = [task("info", "hub_info"),
             task("set", "managed_cluster_set", {"name": "submariner", "wait": True, "wait_timeout": 30})]
    for cluster in CLUSTERS:
        steps += [task("config " + cluster, "submariner_config", {
            "cluster": cluster, "name": "subconfig", "credentials_secret": cluster + "-aws-creds",
            "ipsec_ike_port": 500, "ipsec_natt_port": 4500, "aws_instance_type": "m5n.large",
            "subscription_config": {"channel": "alpha", "starting_csv": "submariner.v0.8.1"}}),
            task("member " + cluster, "managed_cluster", {"name": cluster, "cluster_set": "submariner", "wait": True, "wait_timeout": 30})]
    steps += [task("broker", "submariner_broker", {"cluster_set": "submariner"}),
              task("addon", "submariner_addon", {"cluster": "aws-sub1"}, ignore_errors=True),
              task("ready", "submariner_config", {"cluster": "aws-sub1", "name": "subconfig", "credentials_secret": "aws-sub1-aws-creds",
                                                  "wait": True, "wait_timeout": 60}),
              task("second config", "submariner_config", {"cluster": "aws-sub1", "name": "another"}, ignore_errors=True),
              task("two gateways", "submariner_config", {"cluster": "aws-sub1", "name": "subconfig", "gateways": 2}, ignore_errors=True)]
    result, writes = run(run_playbook, lab, *steps)
    result.check()
    hub = result.task("info")["hub"]
    assert (hub["acm_version"], hub["join_flow"], hub["config_name_rule"], hub["broker_cr_required"]) == ("2.2.11", "labels", "any", False)
    assert hub["managed_cluster_set_version"] == "v1alpha1"
    cluster_set = result.task("set")
    assert cluster_set["broker_namespace"] == "submariner-clusterset-submariner-broker" and cluster_set["broker_namespace_exists"]
    assert cluster_set["api_version"] == "cluster.open-cluster-management.io/v1alpha1"
    for cluster in CLUSTERS:
        subscription = lab.hub.get(CONFIG_API, "SubmarinerConfig", "subconfig", cluster)["spec"]["subscriptionConfig"]
        assert (subscription["channel"], subscription["startingCSV"]) == ("alpha", "submariner.v0.8.1")
        assert labels(lab, cluster)[SET_LABEL] == "submariner" and labels(lab, cluster)[AGENT_LABEL] == "true"
    broker = result.task("broker")
    assert not broker["changed"] and broker["required"] is False
    assert "join Submariner with labels" in result.task("addon")["msg"]
    assert result.task("ready")["readiness"]["state"] == "ready"
    assert "only reads a SubmarinerConfig when it is the only one" in result.task("second config")["msg"]
    assert not [w for w in writes if "another" in w["path"]]
    # ACM 2.2's CRD has no gatewayConfig and its addon deploys one gateway: refused, nothing written after the ready step.
    assert "gateways is 2, but this hub runs ACM 2.2.11, whose submariner-addon always deploys one gateway" in result.task("two gateways")["msg"]
    assert "gatewayConfig" not in lab.hub.get(CONFIG_API, "SubmarinerConfig", "subconfig", "aws-sub1")["spec"]

    result, writes = run(run_playbook, lab, *[step for step in steps if not step.get("ignore_errors")])
    assert not any(r["result"].get("changed") for r in result.check().results) and writes == []

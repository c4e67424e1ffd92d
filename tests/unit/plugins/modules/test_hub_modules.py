# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hub modules end to end over a fake API client (kubernetes.core's K8SClient interface).

The whole stack below ``main()`` runs for real (argument spec, hub facts, builders, merge patch,
errors); only the API server is replaced by an in-memory one that records writes and honours
``dry_run``. The lab-backed integration tests cover the same modules over HTTPS.
"""

from __future__ import annotations

import copy
import json
import threading

import pytest
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import ConflictError, ForbiddenError, NotFoundError, ResourceNotFoundError
from kubernetes.dynamic.resource import ResourceInstance

from ansible_collections.acm.submariner.plugins.module_utils import k8s, preflight_reads, rbac
from ansible_collections.acm.submariner.plugins.modules import (
    aws_credentials_secret,
    cluster_network_info,
    hub_info,
    hub_preflight_info,
    managed_cluster,
    managed_cluster_set,
    submariner_addon,
    submariner_broker,
    spoke_preflight_info,
    submariner_config,
    submariner_residue_info,
)

SET_LABEL = "cluster.open-cluster-management.io/clusterset"
AGENT_LABEL = "cluster.open-cluster-management.io/submariner-agent"

# group -> version -> kinds, per ACM generation
SERVED_TODAY = {
    "operator.open-cluster-management.io": {"v1": ["MultiClusterHub"]},
    "cluster.open-cluster-management.io": {"v1": ["ManagedCluster"], "v1beta2": ["ManagedClusterSet", "ManagedClusterSetBinding"]},
    "addon.open-cluster-management.io": {"v1alpha1": ["ManagedClusterAddOn", "ClusterManagementAddOn"]},
    "submarineraddon.open-cluster-management.io": {"v1alpha1": ["SubmarinerConfig"]},
    "submariner.io": {"v1alpha1": ["Broker"], "v1": ["Cluster"]},
    "": {"v1": ["Namespace", "Secret"]},
}
SERVED_22 = {
    "operator.open-cluster-management.io": {"v1": ["MultiClusterHub"]},
    "cluster.open-cluster-management.io": {"v1": ["ManagedCluster"], "v1alpha1": ["ManagedClusterSet", "ManagedClusterSetBinding"]},
    "addon.open-cluster-management.io": {"v1alpha1": ["ManagedClusterAddOn", "ClusterManagementAddOn"]},
    "submarineraddon.open-cluster-management.io": {"v1alpha1": ["SubmarinerConfig"]},
    "": {"v1": ["Namespace", "Secret"]},
}


OURS = {"app.kubernetes.io/managed-by": "acm.submariner"}
JOINED = "acm.submariner/clusterset"
PREVIOUS = "acm.submariner/previous-clusterset"


def obj(api_version, kind, name, namespace=None, **fields):
    metadata = {"name": name, "resourceVersion": "1"}
    if namespace:
        metadata["namespace"] = namespace
    metadata.update(fields.pop("metadata", {}))
    return dict({"apiVersion": api_version, "kind": kind, "metadata": metadata}, **fields)


def managed_cluster_obj(name, clusterset="default", extra_labels=None):
    labels = {"cloud": "Amazon", SET_LABEL: clusterset, **(extra_labels or {})}
    return obj("cluster.open-cluster-management.io/v1", "ManagedCluster", name, metadata={"labels": labels},
               spec={"hubAcceptsClient": True},
               status={"conditions": [{"type": "ManagedClusterConditionAvailable", "status": "True", "reason": "Available"}],
                       "clusterClaims": [{"name": "platform.open-cluster-management.io", "value": "AWS"},
                                         {"name": "product.open-cluster-management.io", "value": "OpenShift"}]})


def hub_objects(version="2.12.2"):
    return [
        obj("operator.open-cluster-management.io/v1", "MultiClusterHub", "multiclusterhub", "open-cluster-management",
            status={"currentVersion": version}),
        obj("addon.open-cluster-management.io/v1alpha1", "ClusterManagementAddOn", "submariner"),
        managed_cluster_obj("cluster1"), managed_cluster_obj("cluster2"),
        obj("v1", "Namespace", "cluster1"), obj("v1", "Namespace", "cluster2"),
        obj("v1", "Secret", "cluster1-aws-creds", "cluster1", data={"aws_access_key_id": "QUtJQQ==", "aws_secret_access_key": "c2VjcmV0"}),
    ]


class FakeResource:
    def __init__(self, api_version, kind):
        self.api_version, self.kind = api_version, kind


class FakeApi:
    """An API server in memory, behind kubernetes.core's K8SClient interface."""

    def __init__(self, served, objects):
        self.served = served
        self.store = {}
        self.writes = []
        self.requests = []
        self.dry_run = False
        self.client = self
        for item in objects:
            self._put(copy.deepcopy(item))

    @staticmethod
    def _key(api_version, kind, name, namespace):
        return (api_version.split("/")[0] if "/" in api_version else "", kind, namespace, name)

    def _put(self, item):
        meta = item["metadata"]
        self.store[self._key(item["apiVersion"], item["kind"], meta["name"], meta.get("namespace"))] = item

    def resource(self, kind, api_version):
        self.requests.append((api_version, kind))
        group, dummy, version = api_version.rpartition("/")
        if kind not in self.served.get(group, {}).get(version, []):
            raise ResourceNotFoundError("no match for {0} {1}".format(api_version, kind))
        return FakeResource(api_version, kind)

    def get(self, resource, name=None, namespace=None, label_selector=None):
        if name:
            found = self.store.get(self._key(resource.api_version, resource.kind, name, namespace))
            if found is None:
                raise NotFoundError(ApiException(status=404, reason="NotFound"))
            return ResourceInstance(None, copy.deepcopy(found))
        items = [copy.deepcopy(item) for (group, kind, ns, dummy), item in sorted(self.store.items())
                 if kind == resource.kind and (namespace is None or ns == namespace) and _matches(item, label_selector)]
        return ResourceInstance(None, {"kind": resource.kind + "List", "items": items})

    def create(self, resource, definition, namespace=None, field_manager=None):
        key = self._key(resource.api_version, resource.kind, definition["metadata"]["name"], namespace)
        if key in self.store:
            raise ConflictError(ApiException(status=409, reason="AlreadyExists"))
        created = copy.deepcopy(definition)
        created["metadata"]["resourceVersion"] = "1"
        self._write("create", resource, created)
        return ResourceInstance(None, created)

    def patch(self, resource, patch, name=None, namespace=None, content_type=None, field_manager=None):
        assert content_type == "application/merge-patch+json"
        current = copy.deepcopy(self.store[self._key(resource.api_version, resource.kind, name, namespace)])
        if patch["metadata"]["resourceVersion"] != current["metadata"]["resourceVersion"]:
            raise ConflictError(ApiException(status=409, reason="Conflict"))
        _merge(current, patch)
        current["metadata"]["resourceVersion"] = str(int(current["metadata"]["resourceVersion"]) + 1)
        self._write("patch", resource, current, patch)
        return ResourceInstance(None, current)

    def delete(self, resource, name=None, namespace=None):
        key = self._key(resource.api_version, resource.kind, name, namespace)
        self.writes.append(("delete", resource.kind, name, self.dry_run))
        if not self.dry_run:
            del self.store[key]
        return ResourceInstance(None, {"kind": "Status"})

    def _write(self, verb, resource, item, patch=None):
        self.writes.append((verb, resource.kind, item["metadata"]["name"], self.dry_run) + ((patch,) if patch else ()))
        if not self.dry_run:
            self._put(dict(item, apiVersion=resource.api_version, kind=resource.kind))

    def request(self, method, path):
        self.requests.append((method, path))
        parts = path.strip("/").split("/")[1:]
        group = parts[0]
        if group not in self.served:
            raise NotFoundError(ApiException(status=404, reason="NotFound"))
        if len(parts) == 1:
            versions = [{"groupVersion": group + "/" + v, "version": v} for v in self.served[group]]
            return ResourceInstance(None, {"kind": "APIGroup", "versions": versions})
        kinds = self.served[group].get(parts[1], [])
        return ResourceInstance(None, {"kind": "APIResourceList", "resources": [{"name": k.lower() + "s", "kind": k} for k in kinds]})

    @property
    def resources(self):
        return self

    def search(self, prefix=None, group=None, api_version=None):
        """The client discovery's search of one group version (as kubernetes.dynamic answers it)."""
        self.requests.append(("search", "{0}/{1}".format(group, api_version)))
        return [FakeResource("{0}/{1}".format(group, api_version), kind) for kind in self.served.get(group, {}).get(api_version, [])]

    def real_writes(self):
        return [write for write in self.writes if not write[3]]


def _merge(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _matches(item, selector):
    if not selector:
        return True
    key, dummy, value = selector.partition("=")
    return (item["metadata"].get("labels") or {}).get(key) == value


@pytest.fixture(name="run_module")
def run_module_fixture(monkeypatch, capsys):
    def run(module, api, args, check_mode=False, diff=False):
        def client_for(module=None):
            api.dry_run = module.check_mode
            return api

        monkeypatch.setattr(k8s, "get_api_client", client_for)
        monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
        arguments = dict({"context": "hubcluster"}, _ansible_check_mode=check_mode, _ansible_diff=diff, **args)
        with patch_module_args(arguments):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return run


# ---------------------------------------------------------------------- hub_info
def test_hub_info_on_both_generations(run_module):
    today = run_module(hub_info, FakeApi(SERVED_TODAY, hub_objects()), {})
    assert (today["hub"]["join_flow"], today["hub"]["managed_cluster_set_version"]) == ("addon", "v1beta2")
    assert [c["name"] for c in today["managed_clusters"]] == ["cluster1", "cluster2"]
    blog = run_module(hub_info, FakeApi(SERVED_22, hub_objects("2.2.11")), {"clusters": ["cluster2"]})
    assert (blog["hub"]["join_flow"], blog["hub"]["config_name_rule"]) == ("labels", "any")
    assert [c["name"] for c in blog["managed_clusters"]] == ["cluster2"]


def test_hub_info_unknown_cluster_lists_known(run_module):
    result = run_module(hub_info, FakeApi(SERVED_TODAY, hub_objects()), {"clusters": ["cluster9"]})
    assert result["failed"] and result["known_clusters"] == ["cluster1", "cluster2"]
    assert 'context "hubcluster" has no ManagedCluster named \'cluster9\'' in result["msg"]


# ---------------------------------------------------------------------- managed_cluster_set
def test_set_newest_version_and_legacy_namespace(run_module):
    api = FakeApi(SERVED_22, hub_objects("2.2.11"))
    result = run_module(managed_cluster_set, api, {"name": "submariner"})
    assert result["changed"] and result["api_version"] == "cluster.open-cluster-management.io/v1alpha1"
    assert result["broker_namespace"] == "submariner-clusterset-submariner-broker"
    assert result["result"]["spec"] == {}  # v1alpha1 has no selector


def test_set_annotation_wins_and_rerun_writes_nothing(run_module):
    existing = obj("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "submariner",
                   metadata={"annotations": {"cluster.open-cluster-management.io/submariner-broker-ns": "custom-ns"},
                             "labels": OURS},
                   spec={"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}})
    api = FakeApi(SERVED_TODAY, hub_objects() + [existing])
    result = run_module(managed_cluster_set, api, {"name": "submariner"}, diff=True)
    assert not result["changed"] and api.writes == []
    assert result["broker_namespace"] == "custom-ns" and result["diff"] == {"before": {}, "after": {}}


def test_set_name_too_long_for_its_broker_namespace(run_module):
    api = FakeApi(SERVED_22, hub_objects("2.2.11"))
    result = run_module(managed_cluster_set, api, {"name": "a" * 35})
    assert result["failed"] and "would exceed 63" in result["msg"] and api.writes == []


def test_set_check_mode_is_a_dry_run(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(managed_cluster_set, api, {"name": "submariner", "bindings": ["apps"]}, check_mode=True)
    assert result["changed"] and api.real_writes() == []
    assert [write[:2] for write in api.writes] == [("create", "ManagedClusterSet"), ("create", "ManagedClusterSetBinding")]


def _set_with_members(*members):
    cluster_set = obj("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "submariner", metadata={"labels": OURS},
                      spec={"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}})
    clusters = [managed_cluster_obj(name, clusterset="submariner" if name in members else "default") for name in ("cluster1", "cluster2")]
    return FakeApi(SERVED_TODAY, hub_objects()[:2] + clusters + [cluster_set])


@pytest.mark.parametrize("check_mode", [False, True])
def test_set_absent_keeps_a_set_that_still_has_clusters(run_module, check_mode):
    """Removing one cluster (uninstall --limit) must not delete the set the others stay in."""
    api = _set_with_members("cluster2")
    result = run_module(managed_cluster_set, api, {"name": "submariner", "state": "absent", "bindings": ["apps"]}, check_mode=check_mode)
    assert not result.get("failed") and not result["changed"] and api.writes == []
    assert result["kept"] and result["members"] == ["cluster2"]
    assert any("cluster cluster2 is still in ManagedClusterSet submariner" in json.dumps(warning) for warning in result["warnings"]), result["warnings"]


def test_set_absent_plan_counts_the_clusters_the_run_takes_out_only_in_check_mode(run_module):
    """uninstall --check: the cluster step removed no label, yet the plan must say the set would go."""
    plan_api = _set_with_members("cluster2")
    plan = run_module(managed_cluster_set, plan_api, {"name": "submariner", "state": "absent", "leaving_clusters": ["cluster2"]},
                      check_mode=True)
    assert plan["changed"] and not plan["kept"] and plan_api.real_writes() == []
    real_api = _set_with_members("cluster2")
    real = run_module(managed_cluster_set, real_api, {"name": "submariner", "state": "absent", "leaving_clusters": ["cluster2"]})
    assert real["kept"] and real["members"] == ["cluster2"] and real_api.writes == []


def test_set_absent_deletes_the_set_once_its_clusters_left(run_module):
    api = _set_with_members()
    result = run_module(managed_cluster_set, api, {"name": "submariner", "state": "absent"})
    assert result["changed"] and not result["kept"] and result["members"] == []
    assert [write[:3] for write in api.real_writes()] == [("delete", "ManagedClusterSet", "submariner")]


# ---------------------------------------------------------------------- managed_cluster
def test_cluster_label_flow_sets_both_labels_and_only_them(run_module):
    api = FakeApi(SERVED_22, hub_objects("2.2.11"))
    api.store[("cluster.open-cluster-management.io", "ManagedClusterSet", None, "submariner")] = obj(
        "cluster.open-cluster-management.io/v1alpha1", "ManagedClusterSet", "submariner", metadata={"labels": OURS})
    result = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "submariner"}, diff=True)
    assert result["changed"] and result["join_flow"] == "labels"
    labels = {SET_LABEL: "submariner", AGENT_LABEL: "true"}
    assert result["patch"] == {"metadata": {"labels": labels, "annotations": {JOINED: "submariner"}}}
    (verb, kind, name, dry, patch), = api.writes
    assert patch == {"metadata": {"labels": labels, "annotations": {JOINED: "submariner"}, "resourceVersion": "1"}}
    assert result["labels"]["cloud"] == "Amazon"
    assert result["diff"]["before"] == {"metadata": {"labels": {SET_LABEL: "default"}}}


def test_cluster_unknown_set_and_unknown_cluster(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    no_set = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "ghost"})
    assert no_set["failed"] and "no ManagedClusterSet 'ghost'" in no_set["msg"]
    no_cluster = run_module(managed_cluster, api, {"name": "ghost"})
    assert no_cluster["failed"] and "cluster1, cluster2" in no_cluster["msg"] and api.writes == []


def test_cluster_absent_removes_only_the_membership_we_made(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "other", "state": "absent"})
    assert not result["changed"] and api.writes == []
    result = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "default", "state": "absent"})
    assert not result["changed"] and api.writes == []
    key = ("cluster.open-cluster-management.io", "ManagedCluster", None, "cluster1")
    api.store[key]["metadata"]["labels"][SET_LABEL] = "submariner"
    api.store[key]["metadata"]["annotations"] = {JOINED: "submariner", PREVIOUS: "prod"}
    result = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "submariner", "state": "absent"})
    assert result["changed"] and result["labels"][SET_LABEL] == "prod"
    assert api.store[key]["metadata"].get("annotations") in (None, {})


def test_cluster_not_moved_out_of_another_set_or_into_someone_elses(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    api.store[("cluster.open-cluster-management.io", "ManagedClusterSet", None, "submariner")] = obj(
        "cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "submariner", metadata={"labels": OURS})
    api.store[("cluster.open-cluster-management.io", "ManagedClusterSet", None, "prod")] = obj(
        "cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "prod")
    key = ("cluster.open-cluster-management.io", "ManagedCluster", None, "cluster1")
    api.store[key]["metadata"]["labels"][SET_LABEL] = "prod"
    refused = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "submariner"})
    assert refused["failed"] and "cluster1 is in ManagedClusterSet prod" in refused["msg"] and api.writes == []
    theirs = run_module(managed_cluster, api, {"name": "cluster2", "cluster_set": "prod"})
    assert theirs["failed"] and "acm_submariner_adopt_set" in theirs["msg"] and api.writes == []
    reserved = run_module(managed_cluster, api, {"name": "cluster2", "cluster_set": "default"})
    assert reserved["failed"] and "belongs to ACM" in reserved["msg"] and api.writes == []
    moved = run_module(managed_cluster, api, {"name": "cluster1", "cluster_set": "submariner", "move_from_other_set": True})
    assert moved["changed"] and api.store[key]["metadata"]["annotations"] == {JOINED: "submariner", PREVIOUS: "prod"}


# ---------------------------------------------------------------------- submariner_config
def test_config_full_spec_with_exact_json_names(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    args = {"cluster": "cluster1", "credentials_secret": "cluster1-aws-creds", "ipsec_natt_port": 4500, "natt_discovery_port": 4490,
            "gateways": 2, "aws_instance_type": "m5.xlarge", "cable_driver": "wireguard", "load_balancer_enable": False,
            "subscription_config": {"channel": "stable-0.18", "install_plan_approval": "Manual"},
            "image_pull_specs": {"submariner": "quay.io/x/gw:1"}, "subnet_ids": ["subnet-1", "subnet-2"], "skip_cloud_prepare": False}
    result = run_module(submariner_config, api, args)
    assert result["changed"] and result["name"] == "submariner"
    spec = result["result"]["spec"]
    assert spec["IPSecNATTPort"] == 4500 and spec["NATTDiscoveryPort"] == 4490 and spec["cableDriver"] == "wireguard"
    assert spec["gatewayConfig"] == {"gateways": 2, "aws": {"instanceType": "m5.xlarge"}}
    assert spec["subscriptionConfig"] == {"channel": "stable-0.18", "installPlanApproval": "Manual"}
    assert spec["imagePullSpecs"] == {"submarinerImagePullSpec": "quay.io/x/gw:1"}
    assert spec["loadBalancerEnable"] is False and spec["credentialsSecret"] == {"name": "cluster1-aws-creds"}
    assert result["result"]["metadata"]["annotations"] == {"submariner.io/subnet-id-list": "subnet-1,subnet-2"}
    assert result["readiness"]["state"] == "waiting"
    assert "c2VjcmV0" not in json.dumps(result)

    assert result["gateway_changes"] == []     # a new SubmarinerConfig: the cluster has no tunnels to drop yet
    again = run_module(submariner_config, api, args)
    assert not again["changed"] and len(api.writes) == 1 and again["gateway_changes"] == []
    planned = run_module(submariner_config, api, dict(args, cable_driver="vxlan", ipsec_natt_port=4501), check_mode=True)
    assert planned["changed"] and [write for write in api.writes if not write[3]] == api.writes[:1]
    assert planned["gateway_changes"] == [{"field": "cableDriver", "name": "cable driver", "before": "wireguard", "after": "vxlan"},
                                          {"field": "IPSecNATTPort", "name": "NAT-T port", "before": 4500, "after": 4501}]
    old_hub = run_module(submariner_config, FakeApi(SERVED_TODAY, hub_objects("2.3.2")), dict(args, cable_driver="vxlan"))
    assert old_hub["failed"] and "vxlan needs ACM 2.4 or later" in old_hub["msg"]

    annotated = copy.deepcopy(api.store[("submarineraddon.open-cluster-management.io", "SubmarinerConfig", "cluster1", "submariner")])
    annotated["metadata"]["annotations"]["submariner.io/skip-cloud-prepare"] = "true"
    api._put(annotated)
    removed = run_module(submariner_config, api, args)
    assert removed["changed"] and api.writes[-1][4]["metadata"]["annotations"] == {"submariner.io/skip-cloud-prepare": None}


def test_config_name_rule_per_generation(run_module):
    today = run_module(submariner_config, FakeApi(SERVED_TODAY, hub_objects()), {"cluster": "cluster1", "name": "subconfig"})
    assert today["failed"] and "only reads a SubmarinerConfig named 'submariner'" in today["msg"]
    assert "SubmarinerConfig cluster1/subconfig for managed cluster cluster1" in today["msg"]
    blog = run_module(submariner_config, FakeApi(SERVED_22, hub_objects("2.2.11")), {"cluster": "cluster1", "name": "subconfig"})
    assert blog["changed"] and blog["result"]["metadata"]["name"] == "subconfig"


def test_config_secret_checked_before_writing(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects() + [obj("v1", "Secret", "half", "cluster1", data={"aws_access_key_id": "QUtJQQ=="})])
    result = run_module(submariner_config, api, {"cluster": "cluster1", "credentials_secret": "half"})
    assert result["failed"] and "aws_secret_access_key" in result["msg"] and api.writes == []
    missing = run_module(submariner_config, api, {"cluster": "cluster1", "credentials_secret": "nope"})
    assert missing["failed"] and "does not exist" in missing["msg"]


def test_config_refuses_a_new_global_cidr_once_the_cluster_joined(run_module):
    addon = obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1", spec={})
    config = obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1",
                 spec={"globalCIDR": "242.0.0.0/16"}, metadata={"labels": OURS})
    api = FakeApi(SERVED_TODAY, hub_objects() + [addon, config])
    result = run_module(submariner_config, api, {"cluster": "cluster1", "global_cidr": "242.1.0.0/16"})
    assert result["failed"] and api.writes == []
    assert ("SubmarinerConfig cluster1/submariner: refusing to set global_cidr to 242.1.0.0/16 (now 242.0.0.0/16): managed cluster"
            " cluster1 already joined") in result["msg"]
    assert "submariner-globalnet-info" in result["msg"] and "nothing was written" in result["msg"]
    allocated = FakeApi(SERVED_TODAY, hub_objects() + [addon])
    chosen = run_module(submariner_config, allocated, {"cluster": "cluster1", "global_cidr": "242.1.0.0/16"})
    assert chosen["failed"] and "(the add-on chose the current one)" in chosen["msg"] and allocated.writes == []
    assert not run_module(submariner_config, api, {"cluster": "cluster1", "global_cidr": "242.0.0.0/16"}).get("failed")
    before_join = run_module(submariner_config, FakeApi(SERVED_TODAY, hub_objects()), {"cluster": "cluster1", "global_cidr": "242.1.0.0/16"})
    assert before_join["changed"] and before_join["result"]["spec"]["globalCIDR"] == "242.1.0.0/16"


def test_config_absent_warns_when_addon_still_there(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects() + [
        obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1", spec={},
            metadata={"labels": OURS}),
        obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1", spec={})])
    result = run_module(submariner_config, api, {"cluster": "cluster1", "state": "absent"})
    assert result["changed"] and any("Delete the add-on first" in json.dumps(warning) for warning in result["warnings"])


def test_config_absent_keeps_someone_elses_config(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects() + [
        obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1", spec={})])
    result = run_module(submariner_config, api, {"cluster": "cluster1", "state": "absent"})
    assert not result["changed"] and api.writes == []
    assert any("not created by acm.submariner" in json.dumps(warning) for warning in result["warnings"])


@pytest.mark.parametrize("args, words", [
    ({"ipsec_natt_port": 70000}, ["ipsec_natt_port is 70000", "1 to 65535"]),
    ({"gateways": -5}, ["gateways is -5", "at least 1"]),
    ({"ipsec_natt_port": 4490, "natt_discovery_port": 4490}, ["both 4490", "different ports"]),
])
def test_config_refuses_bad_settings_before_any_request(run_module, args, words):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(submariner_config, api, dict(args, cluster="cluster1"))
    assert result["failed"] and api.writes == [] and api.requests == []
    assert all(word in result["msg"] for word in words), result["msg"]


@pytest.mark.parametrize("module, args, words", [
    (submariner_addon, {"cluster": "cluster1\n"}, ["cluster: ManagedCluster name 'cluster1\\n'", "DNS-1123"]),
    (submariner_addon, {"cluster": "cluster1", "wait": True, "wait_timeout": -1}, ["wait_timeout is -1", "at least 1"]),
    (submariner_config, {"cluster": "Cluster1"}, ["cluster: ManagedCluster name 'Cluster1'"]),
    (managed_cluster, {"name": "cluster1", "cluster_set": "sub\n"}, ["cluster_set: ManagedClusterSet name 'sub\\n'"]),
    (submariner_broker, {"cluster_set": "submariner", "globalnet_enabled": True, "globalnet_cidr_range": "242.0.0.1/16"},
     ["globalnet_cidr_range '242.0.0.1/16' is not an IPv4 network"]),
    (submariner_broker, {"cluster_set": "submariner", "default_globalnet_cluster_size": 0}, ["default_globalnet_cluster_size is 0"]),
], ids=["addon-name", "addon-wait-timeout", "config-name", "cluster-set-name", "broker-range", "broker-cluster-size"])
def test_modules_refuse_bad_options_before_any_request(run_module, module, args, words):
    """Direct module users get the rules preflight applies (validation.option_problems), before the hub is asked anything."""
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(module, api, args)
    assert result["failed"] and api.requests == [], result
    assert all(word in result["msg"] for word in words), result["msg"]
    assert result["msg"].endswith('nothing was sent to context "hubcluster".')


# ---------------------------------------------------------------------- submariner_addon
def test_addon_today_and_refused_on_label_flow(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(submariner_addon, api, {"cluster": "cluster2"}, check_mode=True, diff=True)
    assert result["changed"] and api.real_writes() == []
    assert result["diff"]["after"]["spec"] == {"installNamespace": "submariner-operator"}
    blog = run_module(submariner_addon, FakeApi(SERVED_22, hub_objects("2.2.11")), {"cluster": "cluster2"})
    assert blog["failed"] and "join_flow=labels" in blog["msg"]


def test_addon_reports_what_holds_it_back(run_module):
    addon = obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1",
                spec={"installNamespace": "submariner-operator"},
                status={"conditions": [{"type": "SubmarinerBrokerConfigApplied", "status": "False", "reason": "BrokerConfigMissing",
                                        "message": 'Waiting for brokers.submariner.io object named "submariner-broker"'}]})
    result = run_module(submariner_addon, FakeApi(SERVED_TODAY, hub_objects() + [addon]), {"cluster": "cluster1"})
    assert not result["changed"]
    assert result["readiness"]["condition"] == "SubmarinerBrokerConfigApplied"
    assert result["diagnosis"]["category"] == "broker_missing"


def test_addon_reports_the_submariner_config_the_join_waits_for(run_module):
    addon = obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1",
                spec={"installNamespace": "submariner-operator"})
    config = obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1",
                 status={"conditions": [{"type": "SubmarinerConfigApplied", "status": "True", "reason": "Applied"},
                                        {"type": "SubmarinerClusterEnvironmentPrepared", "status": "False", "reason": "Failed",
                                         "message": "UnauthorizedOperation"}]})
    api = FakeApi(SERVED_TODAY, hub_objects() + [addon, config])
    plain = run_module(submariner_addon, api, {"cluster": "cluster1"})
    assert plain["submariner_config"] is None
    preparing = run_module(submariner_addon, api, {"cluster": "cluster1", "submariner_config": {"name": "submariner"}})
    assert preparing["submariner_config"]["name"] == "submariner" and not preparing["changed"]
    assert preparing["submariner_config"]["readiness"]["state"] != "ready"
    assert preparing["submariner_config"]["readiness"]["condition"] == "SubmarinerClusterEnvironmentPrepared"
    assert api.real_writes() == []
    # Applied and gateways labelled, no environment reported: ready only when the add-on does not prepare the cloud.
    config["status"]["conditions"] = [{"type": "SubmarinerConfigApplied", "status": "True", "reason": "Applied"},
                                      {"type": "SubmarinerGatewaysLabeled", "status": "True", "reason": "Success"}]
    api = FakeApi(SERVED_TODAY, hub_objects() + [addon, config])
    prepared_by_addon = run_module(submariner_addon, api, {"cluster": "cluster1", "submariner_config": {"name": "submariner"}})
    assert prepared_by_addon["submariner_config"]["readiness"]["condition"] == "SubmarinerClusterEnvironmentPrepared"
    skipped = run_module(submariner_addon, api, {"cluster": "cluster1", "submariner_config": {"name": "submariner", "skip_cloud_prepare": True}})
    assert skipped["submariner_config"]["readiness"]["state"] == "ready"


# ---------------------------------------------------------------------- submariner_broker
def broker_hub(joined=False, globalnet=False):
    objects = hub_objects() + [
        obj("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "submariner",
            spec={"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}),
        obj("v1", "Namespace", "submariner-broker"),
        obj("submariner.io/v1alpha1", "Broker", "submariner-broker", "submariner-broker", spec={"globalnetEnabled": globalnet},
            metadata={"labels": {"cluster.open-cluster-management.io/backup": "submariner"}}),
    ]
    if joined:
        objects[2] = managed_cluster_obj("cluster1", clusterset="submariner")
        objects.append(obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1", spec={}))
    return FakeApi(SERVED_TODAY, objects)


def test_broker_refuses_globalnet_change_after_join(run_module):
    api = broker_hub(joined=True)
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "globalnet_enabled": True})
    assert result["failed"] and result["joined_clusters"] == ["cluster1"] and "already joined" in result["msg"]
    assert api.writes == []


def test_broker_globalnet_before_join_and_same_value_after(run_module):
    api = broker_hub()
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "globalnet_enabled": True, "globalnet_cidr_range": "242.0.0.0/8"})
    assert result["changed"] and result["globalnet_enabled"] and result["namespace"] == "submariner-broker"
    joined = broker_hub(joined=True, globalnet=True)
    same = run_module(submariner_broker, joined, {"cluster_set": "submariner", "globalnet_enabled": True})
    assert not same["changed"] and joined.writes == []


def test_broker_refuses_another_globalnet_pool_once_clusters_joined(run_module):
    """The add-on keeps the pool it recorded in ConfigMap submariner-globalnet-info and would ignore a new one silently."""
    api = broker_hub(joined=True, globalnet=True)
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "globalnet_enabled": True, "globalnet_cidr_range": "243.0.0.0/16",
                                                 "default_globalnet_cluster_size": 65536})
    assert result["failed"] and result["joined_clusters"] == ["cluster1"] and api.writes == []
    assert ("refusing to change globalnet_cidr_range (acm_submariner_globalnet_cidr_range) from 242.0.0.0/8 to 243.0.0.0/16 of Broker"
            " submariner-broker/submariner-broker: clusters cluster1 already joined") in result["msg"]
    assert "submariner-globalnet-info" in result["msg"] and "uninstall.yml" in result["msg"]
    size = run_module(submariner_broker, api, {"cluster_set": "submariner", "globalnet_enabled": True, "default_globalnet_cluster_size": 1024})
    assert size["failed"] and "default_globalnet_cluster_size (acm_submariner_globalnet_cluster_size) from 65536 to 1024" in size["msg"]
    same = run_module(submariner_broker, api, {"cluster_set": "submariner", "globalnet_enabled": True, "globalnet_cidr_range": "242.0.0.0/8"})
    assert not same.get("failed"), "the add-on default range, given, changes nothing"
    before_join = broker_hub(globalnet=True)
    params = {"cluster_set": "submariner", "globalnet_enabled": True, "globalnet_cidr_range": "243.0.0.0/16"}
    assert run_module(submariner_broker, before_join, params)["changed"]


def test_broker_not_needed_on_acm_22(run_module):
    api = FakeApi(SERVED_22, hub_objects("2.2.11") + [obj("cluster.open-cluster-management.io/v1alpha1", "ManagedClusterSet", "submariner")])
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "globalnet_enabled": True})
    assert not result["changed"] and result["required"] is False
    assert result["namespace"] == "submariner-clusterset-submariner-broker"
    assert any("Globalnet options were not applied" in json.dumps(warning) for warning in result["warnings"])


def test_broker_absent_on_a_rerun_without_the_set_is_a_no_op(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "state": "absent"})
    assert not result.get("failed") and not result["changed"] and result["namespace"] == "submariner-broker"
    assert api.writes == []


def test_broker_absent_keeps_the_broker_while_a_cluster_of_the_set_has_joined(run_module):
    api = broker_hub(joined=True)
    api.store[("submariner.io", "Broker", "submariner-broker", "submariner-broker")]["metadata"]["labels"].update(OURS)
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "state": "absent"})
    assert not result["changed"] and result["kept"] and result["joined_clusters"] == ["cluster1"] and api.writes == []
    assert any("cluster cluster1 is still in ManagedClusterSet submariner" in json.dumps(warning) for warning in result["warnings"]), result["warnings"]
    del api.store[("addon.open-cluster-management.io", "ManagedClusterAddOn", "cluster1", "submariner")]
    deleted = run_module(submariner_broker, api, {"cluster_set": "submariner", "state": "absent"})
    assert deleted["changed"] and not deleted["kept"] and deleted["joined_clusters"] == []


def test_broker_absent_plan_counts_the_clusters_the_run_takes_out_only_in_check_mode(run_module):
    api = broker_hub(joined=True)
    api.store[("submariner.io", "Broker", "submariner-broker", "submariner-broker")]["metadata"]["labels"].update(OURS)
    args = {"cluster_set": "submariner", "state": "absent", "leaving_clusters": ["cluster1"]}
    plan = run_module(submariner_broker, api, args, check_mode=True)
    assert plan["changed"] and not plan["kept"] and api.real_writes() == []
    real = run_module(submariner_broker, api, args)
    assert real["kept"] and real["joined_clusters"] == ["cluster1"] and api.real_writes() == []


class AddonForbiddenApi(FakeApi):
    """Credentials whose RBAC does not cover the add-ons of cluster2's namespace."""

    def get(self, resource, name=None, namespace=None, label_selector=None):
        if resource.kind == "ManagedClusterAddOn" and namespace == "cluster2":
            raise ForbiddenError(ApiException(status=403, reason="Forbidden"))
        return super().get(resource, name, namespace, label_selector)


def test_broker_absent_keeps_the_broker_when_a_member_add_on_cannot_be_read(run_module):
    """uninstall --limit with per-namespace RBAC: a member outside the run whose add-on is unreadable counts as joined."""
    base = broker_hub()
    api = AddonForbiddenApi(SERVED_TODAY, list(base.store.values()) + [managed_cluster_obj("cluster2", clusterset="submariner")])
    api.store[("submariner.io", "Broker", "submariner-broker", "submariner-broker")]["metadata"]["labels"].update(OURS)
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "state": "absent"})
    assert not result.get("failed") and result["kept"] and result["joined_clusters"] == ["cluster2"] and api.writes == []


def test_broker_absent_by_namespace_keeps_the_broker_while_clusters_announce_themselves_in_it(run_module):
    api = broker_hub()
    api.store[("submariner.io", "Broker", "submariner-broker", "submariner-broker")]["metadata"]["labels"].update(OURS)
    api._put(obj("submariner.io/v1", "Cluster", "cluster2", "submariner-broker", spec={"cluster_id": "cluster2"}))  # pylint: disable=protected-access
    result = run_module(submariner_broker, api, {"namespace": "submariner-broker", "state": "absent"})
    assert not result["changed"] and result["kept"] and result["joined_clusters"] == ["cluster2"] and api.writes == []
    warning = json.dumps(result["warnings"])
    assert "clusters cluster2 announce themselves in namespace submariner-broker" in warning and "None" not in warning, warning


def test_hub_modules_given_the_hub_facts_detect_nothing(run_module):
    facts = run_module(hub_info, FakeApi(SERVED_TODAY, hub_objects()), {})["hub"]
    api = broker_hub()
    result = run_module(submariner_broker, api, {"cluster_set": "submariner", "hub": facts})
    assert not result["changed"]
    detection = [r for r in api.requests if r[0] == "get" and r[1].startswith("/apis/")]
    assert detection == [] and ("operator.open-cluster-management.io/v1", "MultiClusterHub") not in api.requests
    wrong = run_module(submariner_broker, broker_hub(), {"cluster_set": "submariner", "hub": {"join_flow": "addon"}})
    assert wrong["failed"] and "lacks" in wrong["msg"] and "acm.submariner.hub_info" in wrong["msg"]


def test_broker_missing_namespace_without_wait(run_module):
    api = broker_hub()
    del api.store[("", "Namespace", None, "submariner-broker")]
    result = run_module(submariner_broker, api, {"cluster_set": "submariner"})
    assert result["failed"] and "does not exist yet" in result["msg"] and "wait=true" in result["msg"]


# ---------------------------------------------------------------------- submariner_config: uninstall on ACM >= 2.8
def _config_for_uninstall(reason=None, message="1 node(s) (\"ip-10-0-1-5\") are labeled as gateways", prepared=True):
    conditions = [{"type": "SubmarinerGatewaysLabeled", "status": "False" if reason else "True", "reason": reason or "Success",
                   "message": message}]
    if prepared:
        conditions.append({"type": "SubmarinerClusterEnvironmentPrepared", "status": "True", "reason": "SubmarinerClusterEnvPrepared"})
    # Created by the collection, so it carries the ownership label that state=absent requires.
    return obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1", spec={},
               status={"managedClusterInfo": {"platform": "AWS"}, "conditions": conditions},
               metadata={"labels": {"app.kubernetes.io/managed-by": "acm.submariner"}})


def _deleting_addon():
    return obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1", spec={},
               metadata={"deletionTimestamp": "2026-12-06T02:00:00Z", "finalizers": ["x"]})


UNINSTALL_ARGS = {"cluster": "cluster1", "state": "absent", "wait_for_cleanup": True, "wait_timeout": 5}


def test_config_absent_deletes_once_the_spoke_reported_its_cleanup(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects() + [_config_for_uninstall("ManagedClusterAddOnDeleted", "There are no nodes labeled as gateways")])
    result = run_module(submariner_config, api, UNINSTALL_ARGS)
    assert result["changed"] and result["cleanup"]["state"] == "ready"
    assert [write[:3] for write in api.real_writes()] == [("delete", "SubmarinerConfig", "submariner")]


def test_config_absent_refuses_while_the_addon_is_not_being_deleted(run_module):
    addon = obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1", spec={})
    api = FakeApi(SERVED_TODAY, hub_objects() + [_config_for_uninstall(), addon])
    result = run_module(submariner_config, api, UNINSTALL_ARGS)
    assert result["failed"] and api.writes == []
    assert "cluster1" in result["msg"] and "delete it first" in result["msg"]


def test_config_absent_times_out_naming_the_cluster_and_what_is_left(run_module, monkeypatch):
    from ansible_collections.acm.submariner.plugins.module_utils import hub_submariner_config, waiting

    def no_evidence(hub, target, blocker, timeout, **kwargs):
        reason = blocker(hub.get(target.api_version, target.kind, target.name, target.namespace))
        assert reason is not None
        raise waiting.WaitTimeout("{0} was not ready after {1}s: {2}".format(target, timeout, reason), waited=timeout)

    monkeypatch.setattr(hub_submariner_config, "wait_until", no_evidence)
    api = FakeApi(SERVED_TODAY, hub_objects() + [_config_for_uninstall(), _deleting_addon()])
    result = run_module(submariner_config, api, UNINSTALL_ARGS)
    assert result["failed"] and api.writes == []
    assert "cluster cluster1: the spoke agent did not report its cloud clean-up within 5s" in result["msg"]
    assert "gateway security group" in result["msg"] and "ip-10-0-1-5" in result["msg"]
    assert result["cleanup"]["state"] == "waiting"


def test_config_absent_reports_a_failed_cleanup(run_module, monkeypatch):
    from ansible_collections.acm.submariner.plugins.module_utils import hub_submariner_config, waiting

    def no_evidence(hub, target, blocker, timeout, **kwargs):
        raise waiting.WaitTimeout(blocker(hub.get(target.api_version, target.kind, target.name, target.namespace)), waited=timeout)

    monkeypatch.setattr(hub_submariner_config, "wait_until", no_evidence)
    config = _config_for_uninstall("Failure", "failed to clean up the submariner cluster environment: DependencyViolation")
    result = run_module(submariner_config, FakeApi(SERVED_TODAY, hub_objects() + [config]), UNINSTALL_ARGS)
    assert result["failed"] and "failed to clean up: failed to clean up the submariner cluster environment" in result["msg"]


def test_config_absent_check_mode_reports_the_missing_evidence_without_waiting(run_module, monkeypatch):
    from ansible_collections.acm.submariner.plugins.module_utils import hub_submariner_config

    monkeypatch.setattr(hub_submariner_config, "wait_until", lambda *args, **kwargs: pytest.fail("check mode must not wait"))
    api = FakeApi(SERVED_TODAY, hub_objects() + [_config_for_uninstall(), _deleting_addon()])
    result = run_module(submariner_config, api, UNINSTALL_ARGS, check_mode=True, diff=True)
    assert result["changed"] and api.real_writes() == [] and result["cleanup"]["state"] == "waiting"
    assert any("a real run waits for it" in json.dumps(warning) for warning in result["warnings"]), result["warnings"]
    assert result["diff"]["before"] and not result["diff"]["after"]


def test_config_absent_does_not_wait_before_acm_28(run_module, monkeypatch):
    from ansible_collections.acm.submariner.plugins.module_utils import hub_submariner_config

    monkeypatch.setattr(hub_submariner_config, "wait_until", lambda *args, **kwargs: pytest.fail("2.2 must not wait"))
    config = _config_for_uninstall()
    config["metadata"]["name"] = "subconfig"
    api = FakeApi(SERVED_22, hub_objects("2.2.11") + [config])
    result = run_module(submariner_config, api, dict(UNINSTALL_ARGS, name="subconfig"))
    assert result["changed"] and "cleanup" not in result


# ---------------------------------------------------------------------- cluster_network_info
NETWORK_SPEC = {"clusterNetwork": [{"cidr": "10.132.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.31.0.0/16"]}


def test_cluster_network_read_absent_and_unknown_api(run_module):
    served = {"config.openshift.io": {"v1": ["Network"]}, "": {"v1": ["Namespace"]}}
    found = run_module(cluster_network_info, FakeApi(served, [obj("config.openshift.io/v1", "Network", "cluster", spec=NETWORK_SPEC)]), {})
    assert (found["network"], found["error"], found["target"]) == (NETWORK_SPEC, None, 'context "hubcluster"')
    assert run_module(cluster_network_info, FakeApi(served, []), {})["network"] is None
    not_openshift = run_module(cluster_network_info, FakeApi({"": {"v1": ["Namespace"]}}, []), {})
    assert (not_openshift["network"], not_openshift["error"]) == (None, None)


@pytest.mark.parametrize("status, words", [(401, ("401 Unauthorized", "api_key")), (403, ("403 Forbidden", "RBAC"))])
def test_cluster_network_unreadable_is_explained_not_raised(monkeypatch, capsys, status, words):
    def refused(module=None):
        raise ApiException(status=status, reason="Denied")

    monkeypatch.setattr(k8s, "get_api_client", refused)
    monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
    with patch_module_args({"context": "cluster2"}):
        with pytest.raises(SystemExit):
            cluster_network_info.main()
    result = json.loads(capsys.readouterr().out)
    assert not result.get("failed") and result["network"] is None
    assert result["error"].startswith('context "cluster2"'), result["error"]
    assert all(word in result["error"] for word in words), result["error"]
    assert "HTTP response headers" not in result["error"] and "traceback" not in result["error"].lower()


# ---------------------------------------------------------------------- spoke_preflight_info
SPOKE_SERVED = {"config.openshift.io": {"v1": ["Network"]}, "": {"v1": ["Namespace"]}}


class ReviewingApi(FakeApi):
    """FakeApi that also answers SelfSubjectAccessReviews: allowed unless (verb, resource) is in ``denied``."""

    def __init__(self, served, objects, denied=()):
        super().__init__(served, objects)
        self.denied = set(denied)
        self.reviews = []
        self.threads = set()

    def request(self, method, path, body=None):  # pylint: disable=arguments-differ
        self.threads.add(threading.get_ident())
        if method == "post":
            attributes = body["spec"]["resourceAttributes"]
            self.reviews.append(attributes)
            allowed = (attributes["verb"], attributes["resource"]) not in self.denied
            return ResourceInstance(None, {"kind": "SelfSubjectAccessReview", "status": {"allowed": allowed}})
        return super().request(method, path)


class SpokeApi(ReviewingApi):
    """A managed cluster's API server: its Network object, and the access reviews."""

    def __init__(self, network="the usual", denied=(), served=None):
        network = NETWORK_SPEC if network == "the usual" else network
        objects = [obj("config.openshift.io/v1", "Network", "cluster", spec=network)] if network else []
        super().__init__(SPOKE_SERVED if served is None else served, objects, denied)


@pytest.fixture(name="ask")
def ask_fixture(monkeypatch, capsys):
    def run(apis, clusters, run="site", hub=None):
        def client_for(module=None):
            answer = apis[module.params["context"]]
            if isinstance(answer, Exception):
                raise answer
            return answer

        monkeypatch.setattr(k8s, "get_api_client", client_for)
        monkeypatch.setenv("K8S_AUTH_CONTEXT", "the-hub-context")
        with patch_module_args({"run": run, "hub": hub, "clusters": clusters}):
            with pytest.raises(SystemExit):
                spoke_preflight_info.main()
        return json.loads(capsys.readouterr().out)

    return run


def entry(name, **fields):
    return dict({"name": name, "auth": {"context": name}}, **fields)


def test_every_cluster_is_reviewed_and_read_with_its_own_credentials(ask):
    apis = {"c1": SpokeApi(), "c2": SpokeApi(network={"clusterNetwork": [{"cidr": "10.140.0.0/14"}], "serviceNetwork": ["172.40.0.0/16"]})}
    result = ask(apis, [entry("c1"), entry("c2", aws_prep_mode="direct")])
    assert not result.get("failed") and not result["changed"]
    c1, c2 = result["clusters"]["c1"], result["clusters"]["c2"]
    assert c1["network"] == NETWORK_SPEC and c2["network"]["serviceNetwork"] == ["172.40.0.0/16"]
    assert (c1["target"], c1["error"], c1["missing"], c1["msg"]) == ('context "c1"', None, [], None)
    expected = {"addon": len(rbac.needed(rbac.SPOKE, "site", "addon")), "direct": len(rbac.needed(rbac.SPOKE, "site", "direct"))}
    assert (c1["checked"], c2["checked"]) == (expected["addon"], expected["direct"])
    assert (len(apis["c1"].reviews), len(apis["c2"].reviews)) == (expected["addon"], expected["direct"])
    assert c2["role_file"] == rbac.role_file(rbac.SPOKE, "direct")
    # The clusters were asked from threads of their own, not from the module's main thread.
    assert threading.get_ident() not in apis["c1"].threads | apis["c2"].threads


def test_clusters_that_share_a_client_are_asked_one_after_the_other_in_one_thread(ask):
    shared = SpokeApi()
    apis = {"shared": shared, "c3": SpokeApi()}
    result = ask(apis, [entry("c1", auth={"context": "shared"}), entry("c2", auth={"context": "shared"}), entry("c3")])
    assert not result.get("failed") and set(result["clusters"]) == {"c1", "c2", "c3"}
    assert result["clusters"]["c1"]["checked"] == result["clusters"]["c2"]["checked"] > 0
    # kubernetes.core pools one client per credentials, and its discovery cache is not thread-safe.
    assert len(shared.threads) == 1 and threading.get_ident() not in shared.threads


def test_a_missing_permission_is_an_answer_naming_the_cluster_and_the_role_file(ask):
    permission = rbac.needed(rbac.SPOKE, "site", "direct")[0]
    apis = {"c1": SpokeApi(), "c2": SpokeApi(denied=[(permission.verb, permission.resource)])}
    result = ask(apis, [entry("c1", aws_prep_mode="direct"), entry("c2", aws_prep_mode="direct")])
    assert not result.get("failed")
    c2 = result["clusters"]["c2"]
    assert c2["missing"] == [{"verb": permission.verb, "group": permission.group, "resource": permission.resource, "namespace": ""}]
    assert c2["msg"].startswith("c2: the credentials lack 1 permission(s)") and rbac.role_file(rbac.SPOKE, "direct") in c2["msg"]
    assert c2["network"] == NETWORK_SPEC and result["clusters"]["c1"]["missing"] == []


@pytest.mark.parametrize("status, words", [(401, ("401 Unauthorized",)), (403, ("403 Forbidden", "RBAC"))])
def test_an_unreachable_cluster_is_explained_and_the_others_still_answer(ask, status, words):
    apis = {"c1": ApiException(status=status, reason="Denied"), "c2": SpokeApi()}
    result = ask(apis, [entry("c1"), entry("c2")])
    assert not result.get("failed")
    c1 = result["clusters"]["c1"]
    assert c1["error"].startswith('context "c1"') and all(word in c1["error"] for word in words), c1["error"]
    assert "HTTP response headers" not in c1["error"] and c1["network"] is None
    assert result["clusters"]["c2"]["network"] == NETWORK_SPEC


def test_networks_are_read_only_when_asked_and_a_cluster_without_the_api_has_none(ask):
    apis = {"c1": SpokeApi(), "c2": SpokeApi(network=None, served={"": {"v1": ["Namespace"]}})}
    result = ask(apis, [entry("c1", read_network=False), entry("c2")], run="uninstall")
    assert result["clusters"]["c1"]["network"] is None and not [r for r in apis["c1"].requests if "Network" in r]
    assert (result["clusters"]["c2"]["network"], result["clusters"]["c2"]["error"]) == (None, None)
    assert result["clusters"]["c1"]["checked"] == len(rbac.needed(rbac.SPOKE, "uninstall"))


def test_a_cluster_named_twice_is_refused_before_any_request(ask):
    api = SpokeApi()
    result = ask({"c1": api}, [entry("c1"), entry("c1")])
    assert result["failed"] and "c1" in result["msg"] and "Nothing was sent" in result["msg"]
    assert api.requests == [] and api.reviews == []


def test_an_unknown_auth_key_is_refused_and_a_token_never_shows(ask):
    api = SpokeApi()
    refused = ask({"c1": api}, [entry("c1", auth={"context": "c1", "token": "x"})])
    assert refused["failed"] and "clusters[c1].auth.token is not a kubernetes.core connection option" in refused["msg"]
    assert api.requests == [] and api.reviews == []
    answered = ask({"c1": SpokeApi()}, [entry("c1", auth={"context": "c1", "api_key": "sha256~very-secret-token"})])
    assert "sha256~very-secret-token" not in json.dumps(answered) and answered["clusters"]["c1"]["network"] == NETWORK_SPEC


def test_the_hub_environment_does_not_fill_a_clusters_gap(monkeypatch):
    """K8S_AUTH_* describe the hub: a cluster given a host keeps its own settings only."""
    seen = []

    class Module:
        params = {}
        no_log_values = set()
        check_mode = False

        def requires(self, *args, **kwargs):
            return None

    def client_for(module=None):
        import os  # pylint: disable=import-outside-toplevel

        seen.append((dict(module.params), os.environ.get("K8S_AUTH_CONTEXT")))
        return SpokeApi()

    monkeypatch.setattr(k8s, "get_api_client", client_for)
    monkeypatch.setenv("K8S_AUTH_CONTEXT", "the-hub-context")
    client, error = preflight_reads.connect(Module(), {"name": "c1", "auth": {"host": "https://c1:6443", "api_key": "t", "context": None}})
    assert error is None and client is not None
    assert seen == [({"host": "https://c1:6443", "api_key": "t"}, None)]


# ---------------------------------------------------------------------- hub_preflight_info
HUB_SERVED = dict(SERVED_TODAY, **{"coordination.k8s.io": {"v1": ["Lease"]}, "submariner.io": {"v1alpha1": ["Broker"], "v1": ["Cluster", "Endpoint"]}})
INSTALL_CONFIG = "networking:\n  clusterNetwork: [{cidr: 10.136.0.0/14, hostPrefix: 23}]\n  serviceNetwork: [172.33.0.0/16]\n  networkType: OVNKubernetes\n"


def preflight_hub_objects():
    import base64  # pylint: disable=import-outside-toplevel

    return hub_objects() + [
        obj("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "submariner", metadata={"labels": OURS},
            spec={"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}),
        obj("submariner.io/v1", "Cluster", "cluster3", "submariner-broker",
            spec={"cluster_id": "cluster3", "cluster_cidr": ["10.140.0.0/14"], "service_cidr": ["172.40.0.0/16"]}),
        obj("submariner.io/v1", "Endpoint", "cluster3-submariner-cable-cluster3-10-0-1-2", "submariner-broker",
            spec={"cluster_id": "cluster3", "backend": "vxlan"}),
        obj("v1", "Secret", "cluster2-install-config", "cluster2", data={"install-config.yaml": base64.b64encode(INSTALL_CONFIG.encode()).decode()}),
    ]


PREFLIGHT_ARGS = {
    "cluster_set": "submariner", "lease": {"run": "site"}, "access": {"clusters": ["cluster1", "cluster2"]},
    "credentials_secrets": [{"cluster": "cluster1", "name": "cluster1-aws-creds"},
                            {"cluster": "cluster2", "name": "cluster2-aws-creds", "access_key": "AKIANEW", "secret_key": "new"}],
    "install_configs": ["cluster2"], "set_peers": True,
}


def test_hub_preflight_reads_everything_in_one_run_and_writes_nothing(run_module):
    api = ReviewingApi(HUB_SERVED, preflight_hub_objects())
    result = run_module(hub_preflight_info, api, PREFLIGHT_ARGS)
    assert not result.get("failed") and not result["changed"] and api.writes == []
    assert result["hub"]["join_flow"] == "addon" and [c["name"] for c in result["managed_clusters"]] == ["cluster1", "cluster2"]
    assert {item["name"]: item["labels"] for item in result["managed_cluster_sets"]}["submariner"] == OURS
    assert result["access"]["missing"] == [] and result["access"]["checked"] == len(api.reviews) > 0
    cluster1, cluster2 = result["credentials_secrets"]["cluster1"], result["credentials_secrets"]["cluster2"]
    assert (cluster1["present"], cluster1["owned"], cluster1["keys_match"]) == (True, False, None)
    assert cluster1["key_names"] == ["aws_access_key_id", "aws_secret_access_key"]
    # No keys given for cluster1: its stored keys are handed to the AWS inspection; cluster2's given keys never come back.
    assert cluster1["aws_keys"] == {"access_key": "AKIA", "secret_key": "secret"}
    assert (cluster2["present"], cluster2["keys_match"], cluster2["key_names"]) == (False, False, None) and "aws_keys" not in cluster2
    assert "AKIANEW" not in json.dumps(result)
    assert result["install_config_networks"]["cluster2"] == {"cluster_network": ["10.136.0.0/14"], "service_network": ["172.33.0.0/16"],
                                                             "network_type": "OVNKubernetes", "source": "install-config"}
    assert result["set_peers"] == [{"name": "cluster3", "cluster_network": ["10.140.0.0/14"], "service_network": ["172.40.0.0/16"],
                                    "cable_driver": "vxlan"}]


def test_hub_preflight_fails_first_on_a_lease_another_live_run_holds(run_module):
    from ansible_collections.acm.submariner.plugins.module_utils import run_lease  # pylint: disable=import-outside-toplevel

    held = run_lease.build_lease("submariner", "other-host:4242", "site", 300, run_lease.now())
    held["metadata"]["resourceVersion"] = "1"
    api = ReviewingApi(HUB_SERVED, preflight_hub_objects() + [held])
    result = run_module(hub_preflight_info, api, PREFLIGHT_ARGS)
    assert result["failed"] and "other-host:4242" in result["msg"], result["msg"]
    assert api.writes == [] and api.reviews == [] and ("v1", "Secret") not in api.requests


def test_hub_preflight_does_not_review_an_unknown_mode_and_still_answers(run_module):
    api = ReviewingApi(HUB_SERVED, preflight_hub_objects())
    result = run_module(hub_preflight_info, api, dict(PREFLIGHT_ARGS, access={"aws_prep_mode": "manual"}))
    assert not result.get("failed") and result["access"] == {"checked": 0, "role_file": None, "missing": [], "msg": None}
    assert api.reviews == [] and result["credentials_secrets"]["cluster1"]["present"]


def test_hub_preflight_stops_reading_at_a_missing_hub_permission(run_module):
    api = ReviewingApi(HUB_SERVED, preflight_hub_objects(), denied=[("create", "submarinerconfigs")])
    result = run_module(hub_preflight_info, api, dict(PREFLIGHT_ARGS, lease=None))
    assert not result.get("failed") and result["access"]["missing"]
    assert "submarinerconfigs" in result["access"]["msg"] and rbac.role_file(rbac.HUB, "addon") in result["access"]["msg"]
    assert "credentials_secrets" not in result and ("v1", "Secret") not in api.requests


def test_hub_preflight_refuses_a_globalnet_change_on_a_joined_set_read_only(run_module):
    broker = obj("submariner.io/v1alpha1", "Broker", "submariner-broker", "submariner-broker", metadata={"labels": OURS},
                 spec={"globalnetEnabled": True, "globalnetCIDRRange": "242.0.0.0/8"})
    api = ReviewingApi(HUB_SERVED, preflight_hub_objects() + [broker])
    same = run_module(hub_preflight_info, api, dict(PREFLIGHT_ARGS, broker={"globalnet_enabled": True, "globalnet_cidr_range": "242.0.0.0/8"}))
    assert not same.get("failed") and same["globalnet_refusal"] is None
    off = run_module(hub_preflight_info, api, dict(PREFLIGHT_ARGS, broker={"globalnet_enabled": False}))
    assert not off.get("failed") and "refusing to disable Globalnet" in off["globalnet_refusal"] and "cluster3" in off["globalnet_refusal"]
    pool = run_module(hub_preflight_info, api, dict(PREFLIGHT_ARGS, broker={"globalnet_enabled": True, "globalnet_cidr_range": "243.0.0.0/16"}))
    assert "acm_submariner_globalnet_cidr_range" in pool["globalnet_refusal"] and "243.0.0.0/16" in pool["globalnet_refusal"]
    assert api.writes == []
    # No Broker yet: nothing to refuse, whatever is asked.
    fresh = run_module(hub_preflight_info, ReviewingApi(HUB_SERVED, preflight_hub_objects()), dict(PREFLIGHT_ARGS, broker={"globalnet_enabled": True}))
    assert fresh["globalnet_refusal"] is None and "globalnet_refusal" not in run_module(
        hub_preflight_info, ReviewingApi(HUB_SERVED, preflight_hub_objects()), PREFLIGHT_ARGS)


def test_hub_preflight_asks_every_spoke_in_the_same_run_even_when_a_hub_permission_is_missing(monkeypatch, capsys):
    hub = ReviewingApi(HUB_SERVED, preflight_hub_objects(), denied=[("create", "submarinerconfigs")])
    spokes = {"cluster1": SpokeApi(), "cluster2": SpokeApi(denied=[("get", "networks")], network=None)}

    def client_for(module=None):
        return spokes.get(module.params.get("context")) or hub

    monkeypatch.setattr(k8s, "get_api_client", client_for)
    monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
    args = dict(PREFLIGHT_ARGS, context="hubcluster", lease=None,
                spokes=[{"name": "cluster1", "auth": {"context": "cluster1"}},
                        {"name": "cluster2", "auth": {"context": "cluster2"}, "read_network": False}])
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            hub_preflight_info.main()
    result = json.loads(capsys.readouterr().out)
    assert not result.get("failed") and result["access"]["missing"] and "credentials_secrets" not in result
    assert set(result["spokes"]) == {"cluster1", "cluster2"}
    assert result["spokes"]["cluster1"]["missing"] == [] and result["spokes"]["cluster1"]["network"] == NETWORK_SPEC
    assert result["spokes"]["cluster2"]["missing"] and "cluster2" in result["spokes"]["cluster2"]["msg"]
    assert spokes["cluster1"].reviews and hub.writes == [] and spokes["cluster1"].writes == []


# ---------------------------------------------------------------------- submariner_residue_info
RESIDUE_SERVED = dict(SERVED_TODAY, **{"work.open-cluster-management.io": {"v1": ["ManifestWork"]},
                                       "submariner.io": {"v1alpha1": ["Broker"], "v1": ["Cluster", "Endpoint"]}})
SPOKE_RESIDUE_SERVED = {"submariner.io": {"v1alpha1": ["Submariner"], "v1": ["Gateway"]}, "": {"v1": ["Node"]},
                        "machine.openshift.io": {"v1beta1": ["MachineSet"]}}


def test_residue_lists_only_ours_and_what_the_addon_left_on_hub_and_spoke(monkeypatch, capsys):
    member = managed_cluster_obj("cluster1", clusterset="submariner", extra_labels={"cluster.open-cluster-management.io/submariner-agent": "true"})
    member["metadata"]["annotations"] = {JOINED: "submariner"}
    hub = FakeApi(RESIDUE_SERVED, hub_objects()[:1] + [
        member,
        obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1", metadata={"labels": OURS}),
        obj("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "theirs", "cluster1"),
        obj("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", "cluster1"),
        obj("work.open-cluster-management.io/v1", "ManifestWork", "submariner-operator", "cluster1"),
        obj("work.open-cluster-management.io/v1", "ManifestWork", "somebody-elses-work", "cluster1"),
        obj("submariner.io/v1", "Cluster", "cluster1", "submariner-broker", metadata={"labels": {"submariner-io/clusterID": "cluster1"}}),
        obj("submariner.io/v1", "Endpoint", "cluster2-endpoint", "submariner-broker", metadata={"labels": {"submariner-io/clusterID": "cluster2"}}),
    ])
    spoke = FakeApi(SPOKE_RESIDUE_SERVED, [
        obj("submariner.io/v1alpha1", "Submariner", "submariner", "submariner-operator"),
        obj("v1", "Node", "gateway-node", metadata={"labels": {"submariner.io/gateway": "true"}}),
        obj("v1", "Node", "worker-node", metadata={"labels": {"node-role.kubernetes.io/worker": ""}}),
        obj("machine.openshift.io/v1beta1", "MachineSet", "infra-x-submariner-gw-eu-west-1a", "openshift-machine-api"),
        obj("machine.openshift.io/v1beta1", "MachineSet", "infra-x-worker-eu-west-1a", "openshift-machine-api"),
    ])

    def client_for(module=None):
        return spoke if module.params.get("context") == "cluster1" else hub

    monkeypatch.setattr(k8s, "get_api_client", client_for)
    monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
    args = {"context": "hubcluster", "cluster": "cluster1", "cluster_set": "submariner", "broker_namespace": "submariner-broker",
            "cluster_auth": {"context": "cluster1"}}
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            submariner_residue_info.main()
    result = json.loads(capsys.readouterr().out)
    assert not result.get("failed") and not result["changed"] and result["spoke_checked"]
    assert result["leftovers"] == [
        "hub SubmarinerConfig submariner", "hub ManifestWork submariner-operator", "hub broker namespace Cluster cluster1",
        "hub ManagedCluster label cluster.open-cluster-management.io/clusterset=submariner",
        "hub ManagedCluster annotation acm.submariner/clusterset",
        "hub ManagedCluster label cluster.open-cluster-management.io/submariner-agent",
        "spoke Submariner submariner", "spoke Node gateway-node", "spoke MachineSet infra-x-submariner-gw-eu-west-1a"]
    assert hub.writes == [] and spoke.writes == []


def test_residue_of_a_clean_cluster_is_empty_and_a_user_set_label_is_not_ours(run_module):
    # In the set by the user's hand (no acm.submariner annotation), no Submariner kinds served any more.
    api = FakeApi(SERVED_TODAY, hub_objects()[:1] + [managed_cluster_obj("cluster1", clusterset="submariner")])
    result = run_module(submariner_residue_info, api, {"cluster": "cluster1", "cluster_set": "submariner"})
    assert not result.get("failed") and result["leftovers"] == [] and not result["spoke_checked"]


# ---------------------------------------------------------------------- aws_credentials_secret
NEW_KEYS = {"access_key": "AKIANEWKEY0000000001", "secret_key": "new-secret-value"}


def b64(text):
    import base64

    return base64.b64encode(text.encode()).decode()


def secret_values_absent(result, api=None):
    """No key value, plain or base64, anywhere in the module's answer."""
    text = json.dumps(result)
    values = ["AKIA", "c2VjcmV0", NEW_KEYS["access_key"], NEW_KEYS["secret_key"], b64(NEW_KEYS["access_key"]), b64(NEW_KEYS["secret_key"])]
    return not [value for value in values if value in text]


def test_credentials_secret_created_marked_then_unchanged(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    planned = run_module(aws_credentials_secret, api, dict(NEW_KEYS, cluster="cluster2"), check_mode=True, diff=True)
    assert planned["changed"] and not planned["rotated"] and api.real_writes() == []
    assert planned["diff"]["after"]["data"] == {"aws_access_key_id": "(hidden)", "aws_secret_access_key": "(hidden)"}
    created = run_module(aws_credentials_secret, api, dict(NEW_KEYS, cluster="cluster2"))
    assert created["changed"] and created["secret"]["metadata"]["labels"] == OURS and "data" not in created["secret"]
    stored = api.store[("", "Secret", "cluster2", "cluster2-aws-creds")]
    assert stored["data"] == {"aws_access_key_id": b64(NEW_KEYS["access_key"]), "aws_secret_access_key": b64(NEW_KEYS["secret_key"])}
    again = run_module(aws_credentials_secret, api, dict(NEW_KEYS, cluster="cluster2"))
    assert not again["changed"] and again["keys_match"] and len(api.real_writes()) == 1
    assert secret_values_absent([planned, created, again])


def test_credentials_secret_ours_is_rotated_in_place_and_the_diff_hides_the_values(run_module):
    ours = obj("v1", "Secret", "cluster1-creds", "cluster1", metadata={"labels": OURS}, type="Opaque",
               data={"aws_access_key_id": "QUtJQQ==", "aws_secret_access_key": "c2VjcmV0"})
    api = FakeApi(SERVED_TODAY, hub_objects() + [ours])
    args = dict(NEW_KEYS, cluster="cluster1", name="cluster1-creds")
    planned = run_module(aws_credentials_secret, api, args, check_mode=True, diff=True)
    assert planned["changed"] and planned["rotated"] and api.real_writes() == []
    assert planned["differing_keys"] == ["aws_access_key_id", "aws_secret_access_key"]
    assert planned["diff"] == {"before": {"data": {"aws_access_key_id": "(hidden, the value before)",
                                                   "aws_secret_access_key": "(hidden, the value before)"}},
                               "after": {"data": {"aws_access_key_id": "(hidden, the value given)",
                                                  "aws_secret_access_key": "(hidden, the value given)"}}}
    rotated = run_module(aws_credentials_secret, api, args, diff=True)
    assert rotated["changed"] and rotated["rotated"]
    (verb, kind, name, _dry, patch), = api.real_writes()
    assert (verb, kind, name) == ("patch", "Secret", "cluster1-creds")
    assert patch["data"] == {"aws_access_key_id": b64(NEW_KEYS["access_key"]), "aws_secret_access_key": b64(NEW_KEYS["secret_key"])}
    assert patch["metadata"]["resourceVersion"] == "1"  # a concurrent change conflicts instead of being overwritten
    assert not run_module(aws_credentials_secret, api, args)["changed"]
    assert secret_values_absent([planned, rotated])


def test_credentials_secret_of_someone_else_is_never_written_and_differing_keys_are_named(run_module):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(aws_credentials_secret, api, dict(NEW_KEYS, cluster="cluster1"), diff=True)
    assert not result["changed"] and result["kept"] and not result["rotated"] and api.writes == []
    warning = json.dumps(result["warnings"])
    assert "Secret cluster1/cluster1-aws-creds was not created by acm.submariner" in warning
    assert "aws_access_key_id and aws_secret_access_key differ" in warning and "acm_submariner_credentials_secret" in warning
    assert secret_values_absent(result)


def test_credentials_secret_absent_deletes_only_ours(run_module):
    ours = obj("v1", "Secret", "cluster2-aws-creds", "cluster2", metadata={"labels": OURS}, data={"aws_access_key_id": "QUtJQQ=="})
    api = FakeApi(SERVED_TODAY, hub_objects() + [ours])
    kept = run_module(aws_credentials_secret, api, {"cluster": "cluster1", "state": "absent"})
    assert not kept["changed"] and kept["kept"] and "was kept" in json.dumps(kept["warnings"]) and api.writes == []
    deleted = run_module(aws_credentials_secret, api, {"cluster": "cluster2", "state": "absent"})
    assert deleted["changed"] and not deleted["kept"] and api.real_writes() == [("delete", "Secret", "cluster2-aws-creds", False)]
    assert not run_module(aws_credentials_secret, api, {"cluster": "cluster2", "state": "absent"})["changed"]


@pytest.mark.parametrize("args, words", [
    ({"cluster": "cluster1"}, ["state is present but all of the following are missing: access_key, secret_key"]),
    ({"cluster": "cluster1", "access_key": "", "secret_key": "x"}, ["must both be non-empty", "nothing was sent"]),
    ({"cluster": "Not_A_Cluster", "access_key": "a", "secret_key": "b"}, ["Not_A_Cluster"]),
])
def test_credentials_secret_refuses_missing_keys_before_any_request(run_module, args, words):
    api = FakeApi(SERVED_TODAY, hub_objects())
    result = run_module(aws_credentials_secret, api, args)
    assert result["failed"] and all(word in result["msg"] for word in words), result["msg"]
    assert api.writes == [] and not [request for request in api.requests if request[0] != "search"]

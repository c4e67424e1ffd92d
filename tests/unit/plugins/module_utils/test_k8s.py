# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import json

import pytest
from kubernetes.client.rest import ApiException
from http.client import RemoteDisconnected

from kubernetes.dynamic.exceptions import (
    ConflictError,
    DynamicApiError,
    ForbiddenError,
    InternalServerError,
    NotFoundError,
    ResourceNotFoundError,
    ServerTimeoutError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessibleEntityError,
)
from kubernetes.dynamic.resource import ResourceInstance
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError, SSLError

from ansible_collections.acm.submariner.plugins.module_utils import k8s
from ansible_collections.acm.submariner.plugins.module_utils.hub import hub_facts


def api_error(cls, status, message, headers=None):
    exc = ApiException(status=status, reason=cls.__name__)
    exc.body = json.dumps({"kind": "Status", "code": status, "message": message})
    exc.headers = headers
    return cls(exc)


def instance(obj):
    obj = copy.deepcopy(obj)
    obj.setdefault("kind", "Status")
    return ResourceInstance(None, obj)


class FakeResource:
    def __init__(self, api_version, kind):
        self.api_version = api_version
        self.kind = kind


class FakeK8SClient:
    """Stands in for kubernetes.core's K8SClient: a dict store plus a log of calls."""

    def __init__(self, objects=(), served=None):
        self.store = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): copy.deepcopy(o) for o in objects}
        self.served = served or {}
        self.calls = []
        self.field_managers = []
        self.dry_run = False
        self.fail_next = {}
        self.client = self

    def resource(self, kind, api_version):
        if (api_version, kind) in self.served.get("missing", ()):
            raise ResourceNotFoundError("no match")
        return FakeResource(api_version, kind)

    def _raise_if_asked(self, verb):
        failures = self.fail_next.get(verb)
        if failures:
            raise failures.pop(0)

    def get(self, resource, name=None, namespace=None, **params):
        self.calls.append(("get", resource.kind, name))
        self._raise_if_asked("get")
        if name is None:
            items = [o for (kind, ns, dummy), o in self.store.items() if kind == resource.kind and ns == namespace]
            return instance({"items": items})
        obj = self.store.get((resource.kind, namespace, name))
        if obj is None:
            raise api_error(NotFoundError, 404, "{0} not found".format(name))
        return instance(obj)

    def create(self, resource, definition, namespace=None, field_manager=None):
        self.calls.append(("create", resource.kind, definition["metadata"]["name"]))
        self.field_managers.append(field_manager)
        self._raise_if_asked("create")
        obj = copy.deepcopy(definition)
        obj["metadata"]["resourceVersion"] = "1"
        if not self.dry_run:
            self.store[(resource.kind, namespace, obj["metadata"]["name"])] = obj
        return instance(obj)

    def patch(self, resource, patch, name=None, namespace=None, content_type=None, field_manager=None):
        self.calls.append(("patch", resource.kind, name, copy.deepcopy(patch), content_type))
        self.field_managers.append(field_manager)
        self._raise_if_asked("patch")
        obj = copy.deepcopy(self.store[(resource.kind, namespace, name)])
        _apply_merge_patch(obj, patch)
        obj["metadata"]["resourceVersion"] = str(int(obj["metadata"]["resourceVersion"]) + 1)
        if not self.dry_run:
            self.store[(resource.kind, namespace, name)] = obj
        return instance(obj)

    def delete(self, resource, name=None, namespace=None):
        self.calls.append(("delete", resource.kind, name))
        self._raise_if_asked("delete")
        if not self.dry_run:
            self.store.pop((resource.kind, namespace, name))
        return instance({})

    def request(self, method, path):
        self.calls.append(("request", path))
        doc = self.served.get(path)
        if doc is None:
            raise api_error(NotFoundError, 404, "the server could not find the requested resource")
        return instance(doc)

    @property
    def resources(self):
        return self

    def search(self, prefix=None, group=None, api_version=None):
        """The client discovery's search of one group version: its kinds from ``served`` (no subresources)."""
        self.calls.append(("search", group, api_version))
        listing = self.served.get("/apis/{0}/{1}".format(group, api_version)) or {}
        return [FakeResource("{0}/{1}".format(group, api_version), item["kind"])
                for item in listing.get("resources") or [] if "/" not in item["name"]]

    def writes(self):
        return [call for call in self.calls if call[0] in ("create", "patch", "delete")]


def _apply_merge_patch(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _apply_merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def make_hub(fake, target='context "hubcluster"', sleeps=None):
    """A HubClient over ``fake`` whose retries record their pauses in ``sleeps`` instead of sleeping."""
    hub = k8s.HubClient.__new__(k8s.HubClient)
    hub.module = None
    hub.target = target
    hub.client = fake
    hub._discovery = {}
    recorded = [] if sleeps is None else sleeps
    hub.retry_policy = k8s.RetryPolicy(sleep=recorded.append, jitter=lambda: 0.5)
    return hub


def cluster_labels(labels):
    """A ManagedCluster desired state naming only these labels."""
    return {"apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster", "metadata": {"name": "cluster1", "labels": labels}}


CLUSTER = {
    "apiVersion": "cluster.open-cluster-management.io/v1",
    "kind": "ManagedCluster",
    "metadata": {"name": "cluster1", "resourceVersion": "7", "labels": {"cluster.open-cluster-management.io/clusterset": "default", "cloud": "Amazon"}},
    "spec": {"hubAcceptsClient": True},
}


class TestMergePatch:
    def test_only_named_keys_that_differ(self):
        existing = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"x": 1, "keep": True}}
        desired = {"metadata": {"labels": {"a": "1", "c": "3"}}, "spec": {"x": 2}}
        assert k8s.merge_patch(existing, desired) == {"metadata": {"labels": {"c": "3"}}, "spec": {"x": 2}}

    def test_none_removes_only_present_keys(self):
        existing = {"metadata": {"labels": {"a": "1"}}}
        assert k8s.merge_patch(existing, {"metadata": {"labels": {"a": None, "zz": None}}}) == {"metadata": {"labels": {"a": None}}}

    def test_equal_gives_empty_patch(self):
        assert k8s.merge_patch(CLUSTER, {"spec": {"hubAcceptsClient": True}}) == {}

    def test_lists_are_replaced_whole(self):
        assert k8s.merge_patch({"spec": {"l": [1, 2]}}, {"spec": {"l": [1]}}) == {"spec": {"l": [1]}}

    def test_new_subtree_drops_nulls(self):
        assert k8s.merge_patch({}, {"spec": {"a": 1, "b": None}}) == {"spec": {"a": 1}}


class TestEnsurePresent:
    def test_creates_missing_object(self):
        fake = FakeK8SClient()
        outcome = make_hub(fake).ensure_present({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}})
        assert outcome.changed
        assert [c[0] for c in fake.writes()] == ["create"]
        assert outcome.diff["after"]["data"] == {"k": "v"}

    def test_no_write_when_nothing_differs(self):
        fake = FakeK8SClient([CLUSTER])
        outcome = make_hub(fake).ensure_present(cluster_labels({"cloud": "Amazon"}))
        assert not outcome.changed
        assert fake.writes() == []
        assert outcome.diff == {"before": {}, "after": {}}

    def test_patch_is_merge_patch_with_resource_version(self):
        fake = FakeK8SClient([CLUSTER])
        desired = {"apiVersion": CLUSTER["apiVersion"], "kind": "ManagedCluster",
                   "metadata": {"name": "cluster1", "labels": {"cluster.open-cluster-management.io/clusterset": "submariner"}}}
        outcome = make_hub(fake).ensure_present(desired)
        (verb, kind, name, patch, content_type), = fake.writes()
        assert (verb, content_type) == ("patch", "application/merge-patch+json")
        assert patch == {"metadata": {"labels": {"cluster.open-cluster-management.io/clusterset": "submariner"}, "resourceVersion": "7"}}
        assert outcome.diff["before"]["metadata"]["labels"] == {"cluster.open-cluster-management.io/clusterset": "default"}
        assert outcome.diff["after"]["metadata"]["labels"] == {"cluster.open-cluster-management.io/clusterset": "submariner"}
        assert "resourceVersion" not in outcome.diff["after"]["metadata"]

    def test_conflict_is_retried_from_a_fresh_read(self):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["patch"] = [api_error(ConflictError, 409, "the object has been modified")]
        outcome = make_hub(fake).ensure_present(cluster_labels({"x": "y"}))
        assert outcome.changed
        assert [c[0] for c in fake.calls] == ["get", "patch", "get", "patch"]

    def test_create_conflict_turns_into_update(self):
        fake = FakeK8SClient()
        desired = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}}

        def appear_then_conflict(*args, **kwargs):
            fake.store[("ConfigMap", "ns", "c")] = dict(desired, metadata=dict(desired["metadata"], resourceVersion="3"), data={"k": "old"})
            raise api_error(ConflictError, 409, "already exists")

        fake.create = appear_then_conflict
        outcome = make_hub(fake).ensure_present(desired)
        assert outcome.changed and outcome.after["data"] == {"k": "v"}

    def test_endless_conflicts_fail_clearly(self):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["patch"] = [api_error(ConflictError, 409, "modified") for dummy in range(k8s.CONFLICT_RETRIES)]
        with pytest.raises(k8s.HubError, match="kept changing"):
            make_hub(fake).ensure_present(cluster_labels({"x": "y"}))

    def test_check_mode_dry_run_stores_nothing(self):
        fake = FakeK8SClient([CLUSTER])
        fake.dry_run = True
        outcome = make_hub(fake).ensure_present(cluster_labels({"x": "y"}))
        assert outcome.changed
        assert "x" not in fake.store[("ManagedCluster", None, "cluster1")]["metadata"]["labels"]


class TestErrors:
    def test_missing_crd_names_the_addon(self):
        fake = FakeK8SClient(served={"missing": [("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig")]})
        with pytest.raises(k8s.HubError) as info:
            make_hub(fake).get("submarineraddon.open-cluster-management.io/v1alpha1", "SubmarinerConfig", "submariner", "cluster1")
        assert "submariner-addon is not installed on the hub" in str(info.value)
        assert 'context "hubcluster"' in str(info.value)

    def test_unauthorized_names_context_and_fix(self):
        fake = FakeK8SClient()
        fake.fail_next["get"] = [api_error(UnauthorizedError, 401, "Unauthorized")]
        with pytest.raises(k8s.HubError) as info:
            make_hub(fake).get("v1", "Namespace", "x")
        message = str(info.value)
        assert 'context "hubcluster"' in message and "401" in message and "oc login" in message
        assert info.value.details["status"] == 401

    def test_forbidden_carries_server_message(self):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["patch"] = [api_error(ForbiddenError, 403, 'managedclusters "cluster1" is forbidden: user "ro" cannot patch')]
        with pytest.raises(k8s.HubError) as info:
            make_hub(fake, 'context "hubcluster-readonly"').ensure_present(cluster_labels({"x": "y"}))
        message = str(info.value)
        assert "hubcluster-readonly" in message and "403" in message and "cannot patch" in message
        assert "updating ManagedCluster cluster1" in message
        assert "files/rbac/" in message and "docs/rbac.md" in message, "a 403 names where the least-privilege roles are"

    def test_invalid_object(self):
        fake = FakeK8SClient()
        fake.fail_next["create"] = [api_error(UnprocessibleEntityError, 422, "spec.gatewayConfig.gateways: Invalid value")]
        with pytest.raises(k8s.HubError, match="invalid while creating ConfigMap ns/c: spec.gatewayConfig"):
            make_hub(fake).ensure_present({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}})

    def test_unreachable_after_every_retry(self):
        fake = FakeK8SClient()
        fake.fail_next["get"] = [MaxRetryError(None, "/api", NewConnectionError(None, "Connection refused")) for dummy in range(6)]
        with pytest.raises(k8s.HubError, match="cannot reach the API server of context \"hubcluster\"") as info:
            make_hub(fake).get("v1", "Namespace", "x")
        assert "Tried 6 times" in str(info.value) and info.value.details["attempts"] == 6

    def test_tls_failure_is_not_retried(self):
        fake = FakeK8SClient()
        fake.fail_next["get"] = [MaxRetryError(None, "/api", SSLError("CERTIFICATE_VERIFY_FAILED"))]
        with pytest.raises(k8s.HubError, match="cannot verify the TLS certificate"):
            make_hub(fake).get("v1", "Namespace", "x")
        assert len(fake.calls) == 1


def unavailable():
    return api_error(ServiceUnavailableError, 503, "etcdserver: leader changed")


TRANSIENT = [
    pytest.param(lambda: api_error(TooManyRequestsError, 429, "too many requests"), id="429"),
    pytest.param(lambda: api_error(InternalServerError, 500, "internal error"), id="500"),
    pytest.param(lambda: api_error(DynamicApiError, 502, "bad gateway"), id="502"),
    pytest.param(unavailable, id="503"),
    pytest.param(lambda: api_error(ServerTimeoutError, 504, "gateway timeout"), id="504"),
    pytest.param(lambda: ProtocolError("Connection aborted.", RemoteDisconnected("closed without response")), id="dropped"),
    pytest.param(lambda: MaxRetryError(None, "/apis", NewConnectionError(None, "Connection refused")), id="refused"),
    pytest.param(lambda: ReadTimeoutError(None, "/apis", "Read timed out."), id="timeout"),
    pytest.param(lambda: RemoteDisconnected("Remote end closed connection without response"), id="remote-disconnected"),
]

FINAL = [
    pytest.param(lambda: api_error(ForbiddenError, 403, "forbidden"), 403, id="403"),
    pytest.param(lambda: api_error(NotFoundError, 404, 'namespaces "ns" not found'), 404, id="404"),
    pytest.param(lambda: api_error(UnprocessibleEntityError, 422, "invalid"), 422, id="422"),
    pytest.param(lambda: api_error(DynamicApiError, 400, "bad request"), 400, id="400"),
]

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}}


class TestRetries:
    @pytest.mark.parametrize("failure", TRANSIENT)
    def test_read_succeeds_after_transient_failures(self, failure):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["get"] = [failure(), failure()]
        sleeps = []
        obj = make_hub(fake, sleeps=sleeps).get(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        assert obj["metadata"]["name"] == "cluster1"
        assert len(fake.calls) == 3 and len(sleeps) == 2

    @pytest.mark.parametrize("failure", TRANSIENT)
    def test_list_succeeds_after_transient_failures(self, failure):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["get"] = [failure() for dummy in range(5)]
        items = make_hub(fake).list(CLUSTER["apiVersion"], "ManagedCluster")
        assert [item["metadata"]["name"] for item in items] == ["cluster1"]
        assert len(fake.calls) == 6

    @pytest.mark.parametrize("verb", ["create", "patch", "delete"])
    @pytest.mark.parametrize("failure", TRANSIENT)
    def test_writes_are_retried(self, verb, failure):
        fake = FakeK8SClient([CLUSTER] if verb != "create" else [])
        fake.fail_next[verb] = [failure()]
        hub = make_hub(fake)
        if verb == "create":
            outcome = hub.ensure_present(CONFIG_MAP)
        elif verb == "patch":
            outcome = hub.ensure_present(cluster_labels({"x": "y"}))
        else:
            outcome = hub.ensure_absent(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        assert outcome.changed
        assert [call[0] for call in fake.writes()] == [verb, verb]

    @pytest.mark.parametrize("failure, status", FINAL)
    def test_other_client_errors_are_not_retried(self, failure, status):
        fake = FakeK8SClient()
        fake.fail_next["create"] = [failure()]
        sleeps = []
        with pytest.raises(k8s.HubError) as info:
            make_hub(fake, sleeps=sleeps).ensure_present(CONFIG_MAP)
        assert info.value.details["status"] == status and "Tried" not in str(info.value)
        assert [call[0] for call in fake.writes()] == ["create"] and sleeps == []

    def test_exhausted_message_names_what_where_how_often_and_the_fix(self):
        fake = FakeK8SClient()
        fake.fail_next["get"] = [unavailable() for dummy in range(6)]
        with pytest.raises(k8s.HubError) as info:
            make_hub(fake).list("operator.open-cluster-management.io/v1", "MultiClusterHub")
        message = str(info.value)
        assert 'context "hubcluster" answered 503 while listing MultiClusterHub: etcdserver: leader changed.' in message
        assert "Tried 6 times" in message and "run again" in message
        assert info.value.details == {"status": 503, "attempts": 6}
        assert len(fake.calls) == 6

    def test_backoff_doubles_up_to_the_cap(self):
        fake = FakeK8SClient()
        fake.fail_next["get"] = [unavailable() for dummy in range(6)]
        sleeps = []
        with pytest.raises(k8s.HubError):
            make_hub(fake, sleeps=sleeps).get("v1", "Namespace", "x")
        assert sleeps == [0.2, 0.4, 0.8, 1.6, 3.0]

    def test_jitter_spreads_each_pause(self):
        policy = k8s.RetryPolicy(jitter=lambda: 0.0)
        assert policy.delay(1, unavailable()) == pytest.approx(0.1)
        policy = k8s.RetryPolicy(jitter=lambda: 0.99)
        assert policy.delay(1, unavailable()) == pytest.approx(0.298)
        assert policy.delay(6, unavailable()) == 3.0

    def test_retry_after_is_honoured_on_429(self):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["get"] = [api_error(TooManyRequestsError, 429, "slow down", headers={"Retry-After": "2"}),
                                 api_error(TooManyRequestsError, 429, "slow down", headers={"retry-after": "60"})]
        sleeps = []
        assert make_hub(fake, sleeps=sleeps).get(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        assert sleeps == [2.0, 10.0]

    def test_discovery_is_retried(self):
        served = {"/apis/submariner.io": {"versions": []}}
        fake = FakeK8SClient(served=served)
        request = fake.request
        failures = [unavailable()]

        def flaky(method, path):
            if failures:
                raise failures.pop()
            return request(method, path)

        fake.request = flaky
        assert make_hub(fake).served_versions("submariner.io", "Broker") == []

    def test_resent_create_that_finds_its_first_attempt_is_a_change(self):
        fake = FakeK8SClient()
        create = fake.create

        def lands_then_drops(resource, definition, namespace=None, field_manager=None):
            create(resource, definition, namespace=namespace)
            fake.create = conflicting
            raise ProtocolError("Connection aborted.", RemoteDisconnected("closed without response"))

        def conflicting(resource, definition, namespace=None, field_manager=None):
            fake.calls.append(("create", resource.kind, definition["metadata"]["name"]))
            raise api_error(ConflictError, 409, 'configmaps "c" already exists')

        fake.create = lands_then_drops
        outcome = make_hub(fake).ensure_present(CONFIG_MAP)
        assert outcome.changed and outcome.diff["before"] == {} and outcome.after["data"] == {"k": "v"}
        assert [call[0] for call in fake.writes()] == ["create", "create"]

    def test_resent_create_that_finds_another_object_updates_it(self):
        fake = FakeK8SClient()
        fake.fail_next["create"] = [unavailable(), api_error(ConflictError, 409, 'configmaps "c" already exists')]
        theirs = dict(copy.deepcopy(CONFIG_MAP), data={"k": "theirs"})
        theirs["metadata"]["resourceVersion"] = "3"
        create = fake.create

        def someone_else_creates(resource, definition, namespace=None, field_manager=None):
            if len(fake.fail_next["create"]) == 1:
                fake.store[("ConfigMap", "ns", "c")] = copy.deepcopy(theirs)
            return create(resource, definition, namespace=namespace)

        fake.create = someone_else_creates
        outcome = make_hub(fake).ensure_present(CONFIG_MAP)
        assert outcome.changed and outcome.after["data"] == {"k": "v"}
        assert fake.writes()[-1][3] == {"data": {"k": "v"}, "metadata": {"resourceVersion": "3"}}

    def test_resent_patch_that_finds_its_first_attempt_is_a_change(self):
        fake = FakeK8SClient([CLUSTER])
        patch = fake.patch

        def lands_then_drops(resource, body, name=None, namespace=None, content_type=None, field_manager=None):
            patch(resource, body, name=name, namespace=namespace, content_type=content_type)
            fake.patch = stale
            raise ProtocolError("Connection aborted.", RemoteDisconnected("closed without response"))

        def stale(resource, body, name=None, namespace=None, content_type=None, field_manager=None):
            fake.calls.append(("patch", resource.kind, name, body, content_type))
            raise api_error(ConflictError, 409, "the object has been modified")

        fake.patch = lands_then_drops
        outcome = make_hub(fake).ensure_present(cluster_labels({"x": "y"}))
        assert outcome.changed and outcome.after["metadata"]["labels"]["x"] == "y"
        assert "x" not in outcome.before["metadata"]["labels"]

    def test_delete_conflict_is_retried_from_a_fresh_read(self):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["delete"] = [api_error(ConflictError, 409, "precondition failed")]
        outcome = make_hub(fake).ensure_absent(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        assert outcome.changed
        assert [c[0] for c in fake.calls] == ["get", "delete", "get", "delete"]

    def test_resent_delete_that_finds_it_gone_is_a_change(self):
        fake = FakeK8SClient([CLUSTER])
        delete = fake.delete

        def lands_then_drops(resource, name=None, namespace=None):
            delete(resource, name=name, namespace=namespace)
            fake.delete = gone
            raise ProtocolError("Connection aborted.", RemoteDisconnected("closed without response"))

        def gone(resource, name=None, namespace=None):
            fake.calls.append(("delete", resource.kind, name))
            raise api_error(NotFoundError, 404, "not found")

        fake.delete = lands_then_drops
        outcome = make_hub(fake).ensure_absent(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        assert outcome.changed and outcome.before["metadata"]["name"] == "cluster1"


class TestReads:
    def test_get_missing_is_none(self):
        assert make_hub(FakeK8SClient()).get("v1", "Namespace", "nope") is None

    def test_served_versions_per_kind(self):
        served = {
            "/apis/cluster.open-cluster-management.io": {"versions": [
                {"groupVersion": "cluster.open-cluster-management.io/v1beta2", "version": "v1beta2"},
                {"groupVersion": "cluster.open-cluster-management.io/v1beta1", "version": "v1beta1"},
            ]},
            "/apis/cluster.open-cluster-management.io/v1beta2": {"resources": [
                {"name": "managedclustersets", "kind": "ManagedClusterSet"},
                {"name": "managedclustersets/status", "kind": "ManagedClusterSet"},
            ]},
            "/apis/cluster.open-cluster-management.io/v1beta1": {"resources": [{"name": "placements", "kind": "Placement"}]},
        }
        hub = make_hub(FakeK8SClient(served=served))
        assert hub.served_versions("cluster.open-cluster-management.io", "ManagedClusterSet") == ["v1beta2"]
        assert hub.served_versions("submariner.io", "Broker") == []

    def test_a_write_given_what_the_caller_read_does_not_read_it_again(self):
        fake = FakeK8SClient([CLUSTER])
        hub = make_hub(fake)
        current = hub.get(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        outcome = hub.ensure_present(cluster_labels({"cloud": "AWS"}), current=current)
        assert outcome.changed and [c[0] for c in fake.calls] == ["get", "patch"]
        fake.calls.clear()
        assert hub.ensure_present(CONFIG_MAP, current=None).changed and [c[0] for c in fake.calls] == ["create"]
        fake.calls.clear()
        assert hub.ensure_absent(CLUSTER["apiVersion"], "ManagedCluster", "cluster1", current=current).changed
        assert [c[0] for c in fake.calls] == ["delete"]

    def test_a_conflict_on_a_given_read_reads_afresh(self):
        fake = FakeK8SClient([CLUSTER])
        fake.fail_next["patch"] = [api_error(ConflictError, 409, "the object has been modified")]
        hub = make_hub(fake)
        outcome = hub.ensure_present(cluster_labels({"cloud": "AWS"}), current=copy.deepcopy(CLUSTER))
        assert outcome.changed and [c[0] for c in fake.calls] == ["patch", "get", "patch"]

    def test_serves_answers_from_the_client_discovery(self):
        fake = FakeK8SClient(served={"missing": [("submariner.io/v1alpha1", "Broker")]})
        hub = make_hub(fake)
        assert hub.serves("submariner.io/v1", "Cluster") is True
        assert hub.serves("submariner.io/v1alpha1", "Broker") is False
        assert not [call for call in fake.calls if call[0] == "request"]

    def test_ensure_absent(self):
        fake = FakeK8SClient([CLUSTER])
        hub = make_hub(fake)
        assert hub.ensure_absent("v1", "ConfigMap", "nope", "ns").changed is False
        outcome = hub.ensure_absent(CLUSTER["apiVersion"], "ManagedCluster", "cluster1")
        assert outcome.changed and outcome.diff["before"]["metadata"]["name"] == "cluster1"
        assert [c[0] for c in fake.writes()] == ["delete"]


class TestDescribeTarget:
    def test_context_param_wins(self, monkeypatch):
        monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
        assert k8s.describe_target({"context": "hub"}) == 'context "hub"'

    def test_env_context(self, monkeypatch):
        monkeypatch.setenv("K8S_AUTH_CONTEXT", "envhub")
        assert k8s.describe_target({}) == 'context "envhub"'

    def test_current_context_from_file(self, monkeypatch, tmp_path):
        monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
        monkeypatch.delenv("K8S_AUTH_HOST", raising=False)
        path = tmp_path / "kubeconfig"
        path.write_text("current-context: cluster9\ncontexts: []\n")
        assert k8s.describe_target({"kubeconfig": str(path)}) == 'context "cluster9"'

    def test_host(self, monkeypatch):
        monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
        assert k8s.describe_target({"host": "https://h:6443"}) == "API server https://h:6443"

    def test_context_names_its_server(self, monkeypatch, tmp_path):
        monkeypatch.delenv("K8S_AUTH_HOST", raising=False)
        path = tmp_path / "kubeconfig"
        path.write_text("contexts: [{name: c2, context: {cluster: k2, user: u}}]\n"
                        "clusters: [{name: k2, cluster: {server: 'https://api.c2:6443'}}]\n")
        assert k8s.describe_target({"kubeconfig": str(path), "context": "c2"}) == 'context "c2" (https://api.c2:6443)'
        assert k8s.describe_target({"kubeconfig": str(path), "context": "c9"}) == 'context "c9"'


def test_wait_spec_keeps_kubernetes_core_shape():
    spec = k8s.wait_argument_spec(timeout=42)
    assert spec == {"wait": {"type": "bool", "default": False}, "wait_timeout": {"type": "int", "default": 42}}
    assert "validate_certs" in k8s.auth_argument_spec()


def test_writer_spec_adds_state_and_wait_without_touching_options():
    options = {"name": {"type": "str", "required": True}}
    spec = k8s.writer_argument_spec(options, wait_timeout=900)
    assert spec["state"] == {"type": "str", "choices": ["present", "absent"], "default": "present"}
    assert spec["wait_timeout"]["default"] == 900 and spec["wait"]["default"] is False
    spec["name"]["required"] = False
    assert options == {"name": {"type": "str", "required": True}}


class Facts:
    """The fields of hub.HubFacts the lookups read."""

    def __init__(self, set_version="v1beta2", addon_version="v1alpha1"):
        self.managed_cluster_set_version = set_version
        self.managed_cluster_addon_version = addon_version


SET = {"apiVersion": "cluster.open-cluster-management.io/v1beta2", "kind": "ManagedClusterSet", "metadata": {"name": "submariner"}}
ADDON = {"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ManagedClusterAddOn",
         "metadata": {"name": "submariner", "namespace": "cluster1"}}


class TestHubLookups:
    def test_cluster_set_found(self):
        assert k8s.require_managed_cluster_set(make_hub(FakeK8SClient([SET])), Facts(), "submariner")["metadata"]["name"] == "submariner"

    @pytest.mark.parametrize("facts", [Facts(), Facts(set_version=None)], ids=["absent", "api not served"])
    def test_cluster_set_missing_says_create_it(self, facts):
        with pytest.raises(k8s.HubError, match="context \"hubcluster\" has no ManagedClusterSet 'other': create it first"):
            k8s.require_managed_cluster_set(make_hub(FakeK8SClient([SET])), facts, "other")

    def test_submariner_addon(self):
        fake = FakeK8SClient([ADDON])
        assert k8s.get_submariner_addon(make_hub(fake), Facts(), "cluster1")["metadata"]["namespace"] == "cluster1"
        assert k8s.get_submariner_addon(make_hub(fake), Facts(), "cluster2") is None
        calls = len(fake.calls)
        assert k8s.get_submariner_addon(make_hub(fake), Facts(addon_version=None), "cluster1") is None
        assert len(fake.calls) == calls  # no add-on API: nothing to ask


OURS = {"app.kubernetes.io/managed-by": "acm.submariner"}


def config_map(labels=None):
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}}
    if labels:
        obj["metadata"]["labels"] = dict(labels)
    return obj


class TestOwnership:
    def test_owned_create_carries_the_marker_and_every_write_the_field_manager(self):
        fake = FakeK8SClient()
        outcome = make_hub(fake).ensure_present(config_map(), owned=True)
        assert outcome.after["metadata"]["labels"] == OURS
        assert fake.field_managers == ["acm.submariner"]

    def test_owned_update_never_marks_someone_elses_object(self):
        metadata = {"name": "c", "namespace": "ns", "labels": {"team": "net"}, "resourceVersion": "3"}
        fake = FakeK8SClient([dict(config_map({"team": "net"}), metadata=metadata)])
        make_hub(fake).ensure_present(dict(config_map(), data={"k": "w"}), owned=True)
        (verb, _kind, _name, patch, _type), = fake.writes()
        assert verb == "patch" and "labels" not in patch["metadata"]
        assert fake.field_managers == ["acm.submariner"]

    def test_owned_only_delete_keeps_an_object_without_the_marker(self):
        fake = FakeK8SClient([dict(config_map(), metadata={"name": "c", "namespace": "ns", "resourceVersion": "1"})])
        outcome = make_hub(fake).ensure_absent("v1", "ConfigMap", "c", "ns", owned_only=True)
        assert outcome.kept and not outcome.changed and fake.writes() == []

    def test_owned_only_delete_deletes_ours(self):
        fake = FakeK8SClient([dict(config_map(), metadata={"name": "c", "namespace": "ns", "labels": OURS, "resourceVersion": "1"})])
        outcome = make_hub(fake).ensure_absent("v1", "ConfigMap", "c", "ns", owned_only=True)
        assert outcome.changed and not outcome.kept
        assert [c[0] for c in fake.writes()] == ["delete"]


class FakeFactsModule:
    def __init__(self, hub_param, managed_cluster=None):
        self.params = {"hub": hub_param, "managed_cluster": managed_cluster}

    @property
    def hub(self):
        raise AssertionError("the facts were given: no client is needed")


def test_module_hub_facts_takes_the_hub_option_without_a_request():
    facts = hub_facts("2.12.2", ["v1beta2"], ["v1alpha1"])
    assert k8s.module_hub_facts(FakeFactsModule(facts.as_dict())) == facts


def test_module_hub_facts_refuses_a_dictionary_that_is_not_hub_info_s():
    with pytest.raises(k8s.HubError, match="lacks .*join_flow.*Pass the hub result of acm.submariner.hub_info"):
        k8s.module_hub_facts(FakeFactsModule({"acm_version": "2.12.2"}))


def test_module_managed_cluster_takes_the_summary_of_that_cluster_only():
    summary = {"name": "cluster1", "platform": "AWS"}
    assert k8s.module_managed_cluster(FakeFactsModule(None, summary), "cluster1") is summary
    with pytest.raises(AssertionError, match="no client"):
        k8s.module_managed_cluster(FakeFactsModule(None, summary), "cluster2")

"""The lab's RBAC (tests/lab/apiserver/rbac.py) against kube-apiserver's rules: matching, bindings, aggregation, reviews, 401/403."""

import uuid

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.lab.apiserver.rbac import Attributes, Authorizer, Identity, request_attributes, rule_allows
from tests.lab.apiserver.store import Store
from tests.lab.runtime import HUB_CONTEXT

RBAC = "rbac.authorization.k8s.io/v1"
ALICE = Identity.user("alice", ["devs"])
ROBOT = Identity.service_account("tools", "robot")


def res(verb, resource, group="", namespace="", name="", subresource=""):
    return Attributes(verb=verb, resource_request=True, group=group, resource=resource, namespace=namespace, name=name,
                      subresource=subresource)


@pytest.mark.parametrize("rule, attrs, allowed", [
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, res("get", "pods"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, res("list", "pods"), False),
    ({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}, res("delete", "widgets", "lab.example.com"), True),
    ({"verbs": ["get"], "apiGroups": ["apps"], "resources": ["pods"]}, res("get", "pods"), False),
    # a subresource is its own resource: pods does not grant pods/status, */status does
    ({"verbs": ["update"], "apiGroups": [""], "resources": ["pods"]}, res("update", "pods", subresource="status", name="p"), False),
    ({"verbs": ["update"], "apiGroups": [""], "resources": ["pods/status"]}, res("update", "pods", subresource="status", name="p"), True),
    ({"verbs": ["update"], "apiGroups": [""], "resources": ["*/status"]}, res("update", "pods", subresource="status", name="p"), True),
    ({"verbs": ["update"], "apiGroups": [""], "resources": ["*/status"]}, res("update", "pods", subresource="finalizers", name="p"), False),
    # resourceNames: only named requests match, never a list or a create
    ({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["s1"]}, res("get", "secrets", name="s1"), True),
    ({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["s1"]}, res("get", "secrets", name="s2"), False),
    ({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["s1"]}, res("list", "secrets"), False),
    # non-resource URLs: exact, prefix*, and never for a resource request
    ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, Attributes(verb="get", path="/healthz"), True),
    ({"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, Attributes(verb="get", path="/apis/apps/v1"), True),
    ({"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, Attributes(verb="get", path="/apis"), False),
    ({"verbs": ["get"], "nonResourceURLs": ["*"]}, res("get", "pods"), False),
    ({"verbs": ["get"], "apiGroups": ["*"], "resources": ["*"]}, Attributes(verb="get", path="/version"), False),
])
def test_rule_allows_as_upstream(rule, attrs, allowed):
    assert rule_allows(attrs, rule) is allowed


@pytest.mark.parametrize("method, path, query, expected", [
    ("GET", "/api/v1/namespaces/ns1/pods", {}, ("list", "", "pods", "", "ns1")),
    ("GET", "/api/v1/namespaces/ns1/pods", {"watch": ["true"]}, ("watch", "", "pods", "", "ns1")),
    ("GET", "/api/v1/namespaces/ns1", {}, ("get", "", "namespaces", "", "ns1")),
    ("PUT", "/api/v1/namespaces/ns1/finalize", {}, ("update", "", "namespaces", "finalize", "ns1")),
    ("DELETE", "/apis/apps/v1/namespaces/ns1/deployments", {}, ("deletecollection", "apps", "deployments", "", "ns1")),
    ("PATCH", "/apis/cluster.open-cluster-management.io/v1/managedclusters/c1/status", {},
     ("patch", "cluster.open-cluster-management.io", "managedclusters", "status", "")),
])
def test_request_attributes_as_requestinfo(method, path, query, expected):
    attrs = request_attributes(method, path, query)
    assert attrs.resource_request and (attrs.verb, attrs.group, attrs.resource, attrs.subresource, attrs.namespace) == expected


@pytest.mark.parametrize("path", ["/api", "/apis", "/apis/apps", "/apis/apps/v1", "/api/v1", "/version", "/openapi/v2"])
def test_discovery_paths_are_non_resource_requests(path):
    assert not request_attributes("GET", path, {}).resource_request


@pytest.fixture(name="authorizer")
def authorizer_fixture():
    return Authorizer(Store("rbac-test"))


def role(kind, name, rules, namespace=None, labels=None, aggregation=None):
    obj = {"apiVersion": RBAC, "kind": kind, "metadata": {"name": name, "labels": labels or {}}, "rules": rules}
    if namespace:
        obj["metadata"]["namespace"] = namespace
    if aggregation:
        obj["aggregationRule"] = {"clusterRoleSelectors": aggregation}
    return obj


def binding(kind, name, role_kind, role_name, subjects, namespace=None):
    obj = {"apiVersion": RBAC, "kind": kind, "metadata": {"name": name}, "subjects": subjects,
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}}
    if namespace:
        obj["metadata"]["namespace"] = namespace
    return obj


READ_PODS = [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}]


def test_nothing_but_the_bootstrap_defaults_without_bindings(authorizer):
    assert not authorizer.authorize(ALICE, res("list", "pods", namespace="a"))[0]
    assert authorizer.authorize(ALICE, Attributes(verb="get", path="/apis/apps/v1"))[0]
    assert authorizer.authorize(ALICE, res("create", "selfsubjectaccessreviews", "authorization.k8s.io"))[0]
    assert not authorizer.authorize(ALICE, Attributes(verb="post", path="/apis"))[0]
    admin = Identity.user("system:admin", ["system:masters"])
    assert authorizer.authorize(admin, res("delete", "anything", "any.group", name="x"))[0]
    assert authorizer.authorize(admin, Attributes(verb="get", path="/metrics"))[0]


def test_a_role_binding_grants_in_its_namespace_only(authorizer):
    store = authorizer.store
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})
    store.create(role("ClusterRole", "pod-reader", READ_PODS))
    store.create(binding("RoleBinding", "alice-reads", "ClusterRole", "pod-reader", [{"kind": "User", "name": "alice"}], "a"))
    allowed, reason = authorizer.authorize(ALICE, res("list", "pods", namespace="a"))
    assert allowed and reason == 'RBAC: allowed by RoleBinding "alice-reads/a"'
    assert not authorizer.authorize(ALICE, res("list", "pods", namespace="b"))[0]
    assert not authorizer.authorize(ALICE, res("list", "pods"))[0]


def test_group_and_service_account_subjects(authorizer):
    store = authorizer.store
    store.create(role("ClusterRole", "pod-reader", READ_PODS))
    store.create(binding("ClusterRoleBinding", "devs", "ClusterRole", "pod-reader", [{"kind": "Group", "name": "devs"}]))
    assert authorizer.authorize(ALICE, res("get", "pods", namespace="x", name="p"))[0]
    assert not authorizer.authorize(ROBOT, res("get", "pods", namespace="x", name="p"))[0]
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tools"}})
    # A ServiceAccount subject without a namespace is the binding's namespace's.
    store.create(binding("RoleBinding", "robot", "ClusterRole", "pod-reader", [{"kind": "ServiceAccount", "name": "robot"}], "tools"))
    assert authorizer.authorize(ROBOT, res("get", "pods", namespace="tools", name="p"))[0]
    assert not authorizer.authorize(ROBOT, res("get", "pods", namespace="other", name="p"))[0]
    assert "system:serviceaccounts:tools" in ROBOT.groups and "system:authenticated" in ROBOT.groups


def test_a_missing_role_is_the_denial_reason(authorizer):
    authorizer.store.create(binding("ClusterRoleBinding", "dangling", "ClusterRole", "nope", [{"kind": "User", "name": "alice"}]))
    assert authorizer.authorize(ALICE, res("get", "pods")) == (False, 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found')


def test_aggregated_cluster_role_has_the_rules_of_the_roles_it_selects(authorizer):
    store = authorizer.store
    store.create(role("ClusterRole", "monitoring", [], aggregation=[{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}]))
    store.create(binding("ClusterRoleBinding", "alice-monitors", "ClusterRole", "monitoring", [{"kind": "User", "name": "alice"}]))
    assert not authorizer.authorize(ALICE, res("list", "pods"))[0]
    store.create(role("ClusterRole", "pods-part", READ_PODS, labels={"rbac.example.com/aggregate-to-monitoring": "true"}))
    store.create(role("ClusterRole", "other", [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]))
    assert authorizer.authorize(ALICE, res("list", "pods"))[0]
    assert not authorizer.authorize(ALICE, res("delete", "pods", name="p"))[0]
    status = authorizer.rules_review(ALICE, "default")
    assert {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]} in status["resourceRules"]


# ---------------------------------------------------------------------- over HTTP
@pytest.fixture(name="rbac_lab", scope="module")
def rbac_lab_fixture(lab_factory):
    return lab_factory.get("acm-2.12", world=False, clusters=1)


def as_identity(lab, identity):
    configuration = client.Configuration()
    configuration.host = lab.server_url(HUB_CONTEXT)
    configuration.ssl_ca_cert = str(lab.ca_file)
    configuration.api_key = {"BearerToken": lab.issue_token(HUB_CONTEXT, identity)}
    configuration.api_key_prefix = {"BearerToken": "Bearer"}
    return client.ApiClient(configuration)


def test_self_subject_reviews_answer_from_the_same_rules(rbac_lab):
    name = "u-" + uuid.uuid4().hex[:6]
    rbac_lab.hub.create(role("ClusterRole", name, [{"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"],
                                                    "resourceNames": ["settings"]}]))
    rbac_lab.hub.create(binding("ClusterRoleBinding", name, "ClusterRole", name, [{"kind": "User", "name": name}]))
    api = client.AuthorizationV1Api(as_identity(rbac_lab, Identity.user(name)))

    def allowed(**attributes):
        return api.create_self_subject_access_review({"spec": {"resourceAttributes": attributes}}).status.allowed

    assert allowed(verb="get", resource="configmaps", namespace="x", name="settings")
    assert not allowed(verb="get", resource="configmaps", namespace="x", name="other")
    assert not allowed(verb="list", resource="configmaps", namespace="x")
    assert api.create_self_subject_access_review({"spec": {"nonResourceAttributes": {"verb": "get", "path": "/apis"}}}).status.allowed
    rules = api.create_self_subject_rules_review({"spec": {"namespace": "x"}}).status
    assert any(rule.resource_names == ["settings"] and rule.verbs == ["get"] for rule in rules.resource_rules)
    assert any("/apis/*" in rule.non_resource_urls for rule in rules.non_resource_rules) and rules.incomplete is False
    with pytest.raises(ApiException) as caught:
        api.create_self_subject_rules_review({"spec": {}})
    assert caught.value.status == 400 and "no namespace on request" in caught.value.body
    with pytest.raises(ApiException) as caught:
        api.create_self_subject_access_review({"spec": {}})
    assert caught.value.status == 422


def test_forbidden_names_the_user_verb_resource_and_scope(rbac_lab):
    api = client.CoreV1Api(as_identity(rbac_lab, Identity.user("nobody")))
    with pytest.raises(ApiException) as caught:
        api.read_namespaced_secret("s", "kube-system")
    assert caught.value.status == 403
    assert ('secrets \\"s\\" is forbidden: User \\"nobody\\" cannot get resource \\"secrets\\" in API group \\"\\" '
            'in the namespace \\"kube-system\\"') in caught.value.body
    with pytest.raises(ApiException) as caught:
        api.api_client.call_api("/metrics", "GET", auth_settings=["BearerToken"])
    assert caught.value.status == 403 and 'forbidden: User \\"nobody\\" cannot get path \\"/metrics\\"' in caught.value.body
    assert client.VersionApi(api.api_client).get_code().git_version  # /version: system:public-info-viewer


def test_a_service_account_token_stops_working_with_its_service_account(rbac_lab):
    name = "sa-" + uuid.uuid4().hex[:6]
    rbac_lab.hub.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": "default"}})
    api = client.AuthorizationV1Api(as_identity(rbac_lab, Identity.service_account("default", name)))
    rules = {"spec": {"namespace": "default"}}
    assert api.create_self_subject_rules_review(rules).status.incomplete is False
    rbac_lab.hub.delete("v1", "ServiceAccount", name, "default")
    with pytest.raises(ApiException) as caught:
        api.create_self_subject_rules_review(rules)
    assert caught.value.status == 401

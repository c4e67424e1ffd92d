"""kube-apiserver rules the in-process Store enforces without HTTP: per-kind name validation, status on create."""

import pytest

from tests.lab.apiserver import ApiError, Store

GROUP = "lab.example.com"


def gadget_crd(status_subresource):
    """A namespaced CRD whose only version has (or lacks) the status subresource."""
    schema = {"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                               "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
    version = {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
    if status_subresource:
        version["subresources"] = {"status": {}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "gadgets." + GROUP},
            "spec": {"group": GROUP, "scope": "Namespaced", "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                     "versions": [version]}}


def gadget(name="g"):
    return {"apiVersion": GROUP + "/v1", "kind": "Gadget", "metadata": {"name": name, "namespace": "default"},
            "spec": {"size": 1}, "status": {"phase": "Ready"}}


def rbac(kind, name, namespace=None):
    obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": name}}
    if namespace:
        obj["metadata"]["namespace"] = namespace
    if kind.endswith("Binding"):
        obj["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"}
        obj["subjects"] = [{"kind": "Group", "name": "system:open-cluster-management:cluster1", "apiGroup": "rbac.authorization.k8s.io"}]
    else:
        obj["rules"] = []
    return obj


@pytest.fixture(name="store")
def store_fixture():
    return Store("store-test")


@pytest.mark.parametrize("kind, namespace", [("ClusterRole", None), ("ClusterRoleBinding", None), ("Role", "default"), ("RoleBinding", "default")])
def test_rbac_names_may_contain_colons(store, kind, namespace):
    name = "open-cluster-management:submariner-addon:agent"
    created = store.create(rbac(kind, name, namespace))
    assert created["metadata"]["name"] == name
    assert store.get("rbac.authorization.k8s.io/v1", kind, name, namespace)["metadata"]["uid"] == created["metadata"]["uid"]


@pytest.mark.parametrize("name, message", [("a/b", "may not contain '/'"), ("a%b", "may not contain '%'"), ("..", "may not be '..'")])
def test_rbac_names_are_path_segments(store, name, message):
    with pytest.raises(ApiError) as caught:
        store.create(rbac("ClusterRole", name))
    assert caught.value.code == 422 and message in caught.value.status()["message"]


@pytest.mark.parametrize("obj", [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a:b", "namespace": "default"}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "Upper", "namespace": "default"}},
])
def test_other_kinds_keep_dns_name_rules(store, obj):
    with pytest.raises(ApiError) as caught:
        store.create(obj)
    assert caught.value.code == 422 and "RFC 1123" in caught.value.status()["message"]


def test_create_keeps_status_without_a_status_subresource(store):
    store.create(gadget_crd(status_subresource=False))
    assert store.create(gadget())["status"] == {"phase": "Ready"}
    assert store.get(GROUP + "/v1", "Gadget", "g", "default")["status"] == {"phase": "Ready"}


def test_create_ignores_status_with_a_status_subresource(store):
    store.create(gadget_crd(status_subresource=True))
    assert "status" not in store.create(gadget())
    assert "status" not in store.get(GROUP + "/v1", "Gadget", "g", "default")

"""The lab's API server as kubernetes.core's modules see it, run by ansible-playbook."""

import uuid

import pytest

from tests.lab.fixtures import mutating_requests
from tests.lab.test_apiserver import GROUP, WIDGETS, widget_crd

pytestmark = pytest.mark.slow

AUTH = """
  module_defaults:
    group/kubernetes.core.k8s:
      kubeconfig: "{{ lab_kubeconfig }}"
      context: hubcluster
"""


@pytest.fixture(name="k8s_lab", scope="module")
def k8s_lab_fixture(lab_factory):
    lab = lab_factory.get("acm-2.12", world=False, clusters=1)
    if lab.hub.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", WIDGETS) is None:
        lab.hub.create(widget_crd(versions=("v1", "v1beta1")))
    return lab


def new_namespace(lab):
    name = "a-" + uuid.uuid4().hex[:8]
    lab.hub.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def play(tasks, namespace):
    return "- hosts: localhost\n  gather_facts: false\n%s  vars:\n    ns: %s\n  tasks:\n%s" % (AUTH, namespace, tasks)


SAME = """
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: same, namespace: "{{ ns }}"}, data: {k: v}}
          - {apiVersion: "%(group)s/v1", kind: Widget, metadata: {name: same, namespace: "{{ ns }}"}, spec: {size: 2, color: blue}}
""" % {"group": GROUP}
OBJECTS = """
    - name: objects
      kubernetes.core.k8s:
        definition:
""" + SAME

TASKS = OBJECTS + """          - {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: "{{ ns }}", labels: {a: "1"}}, data: {k: v}}
          - {apiVersion: "%(group)s/v1", kind: Widget, metadata: {name: w, namespace: "{{ ns }}"}, spec: {size: 2}}
    - name: patched
      kubernetes.core.k8s:
        state: patched
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: "{{ ns }}", labels: {b: "2"}}}
    - name: custom changed
      kubernetes.core.k8s:
        definition: {apiVersion: "%(group)s/v1", kind: Widget, metadata: {name: w, namespace: "{{ ns }}"}, spec: {size: 3}}
    - name: replace configmap
      kubernetes.core.k8s:
        force: true
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: "{{ ns }}"}, data: {a: "9"}}
    - name: replace widget
      kubernetes.core.k8s:
        force: true
        definition: {apiVersion: "%(group)s/v1", kind: Widget, metadata: {name: w, namespace: "{{ ns }}"}, spec: {size: 4}}
      ignore_errors: true
    - name: by label
      kubernetes.core.k8s_info:
        api_version: "%(group)s/v1"
        kind: Widget
        namespace: "{{ ns }}"
        label_selectors: ["color in (blue, green)", "!missing"]
    - name: wait ready
      kubernetes.core.k8s_info:
        api_version: "%(group)s/v1"
        kind: Widget
        name: blue-one
        namespace: "{{ ns }}"
        wait: true
        wait_timeout: 10
        wait_condition: {type: Ready, status: "True"}
    - name: json patch
      kubernetes.core.k8s_json_patch:
        kubeconfig: "{{ lab_kubeconfig }}"
        context: hubcluster
        api_version: "%(group)s/v1"
        kind: Widget
        name: listed
        namespace: "{{ ns }}"
        patch:
          - {op: replace, path: /spec/size, value: 5}
          - {op: add, path: /spec/items/-, value: {name: b, value: "2"}}
    - name: apply
      kubernetes.core.k8s:
        apply: true
        server_side_apply: {field_manager: ansible-lab, force_conflicts: true}
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: ssa, namespace: "{{ ns }}"}, data: {k: v}}
    - name: apply again
      kubernetes.core.k8s:
        apply: true
        server_side_apply: {field_manager: ansible-lab, force_conflicts: true}
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: ssa, namespace: "{{ ns }}"}, data: {k: v}}
    - name: absent
      kubernetes.core.k8s:
        state: absent
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: "{{ ns }}"}}
    - name: absent again
      kubernetes.core.k8s:
        state: absent
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: "{{ ns }}"}}
""" % {"group": GROUP}


def seed_widgets(lab, namespace):
    for name, color in (("red-one", "red"), ("blue-one", "blue")):
        lab.hub.create({"apiVersion": GROUP + "/v1", "kind": "Widget", "metadata": {"name": name, "namespace": namespace,
                                                                                    "labels": {"color": color}}, "spec": {"size": 1}})
    lab.hub.patch(GROUP + "/v1", "Widget", "blue-one", namespace, {"status": {"conditions": [
        {"type": "Ready", "status": "True", "reason": "Done", "message": "ready", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}},
        subresource="status")
    lab.hub.create({"apiVersion": GROUP + "/v1", "kind": "Widget", "metadata": {"name": "listed", "namespace": namespace},
                    "spec": {"size": 1, "items": [{"name": "a", "value": "1"}]}})


@pytest.fixture(name="run", scope="module")
def run_fixture(k8s_lab):
    """One playbook with every task below, run once for the module (ansible-playbook start-up is the slow part)."""
    from tests.lab.fixtures import run_playbook  # pylint: disable=import-outside-toplevel
    namespace = new_namespace(k8s_lab)
    seed_widgets(k8s_lab, namespace)
    mark = k8s_lab.requests.mark()
    result = run_playbook(k8s_lab, play(TASKS, namespace)).check()
    return {"lab": k8s_lab, "namespace": namespace, "result": result, "requests": k8s_lab.requests.since(mark)}


def test_k8s_present_creates_and_reports_changes(run):
    result = run["result"]
    assert result.task("objects")["changed"] and len(result.task("objects")["result"]["results"]) == 4
    assert result.task("custom changed")["changed"] and result.task("custom changed")["result"]["spec"]["size"] == 3
    assert result.task("custom changed")["result"]["metadata"]["generation"] == 2


def test_k8s_state_patched_merges_labels(run):
    assert run["result"].task("patched")["result"]["metadata"]["labels"] == {"a": "1", "b": "2"}


def test_k8s_absent_deletes_then_reports_no_change(run):
    result = run["result"]
    assert result.task("absent")["changed"] and not result.task("absent again")["changed"]
    assert run["lab"].hub.get("v1", "ConfigMap", "c", run["namespace"]) is None


def test_force_replaces_core_objects_and_gets_422_on_custom_resources_like_a_real_server(run):
    result = run["result"]
    assert result.task("replace configmap")["result"]["data"] == {"a": "9"}
    assert result.task("replace widget")["failed"] and "must be specified for an update" in result.task("replace widget")["msg"]
    assert [r["status"] for r in run["requests"] if r["method"] == "PUT"] == [200, 422]


def test_k8s_info_label_selectors_and_wait_condition(run):
    result = run["result"]
    assert [r["metadata"]["name"] for r in result.task("by label")["resources"]] == ["blue-one"]
    assert result.task("wait ready")["resources"][0]["status"]["conditions"][0]["type"] == "Ready"
    lists = [r for r in run["requests"] if r["verb"] == "list"]
    assert any("labelSelector=color+in+%28blue%2C+green%29%2C%21missing" in r["query"] for r in lists)


def test_k8s_json_patch(run):
    patched = run["result"].task("json patch")
    assert patched["changed"] and [i["name"] for i in patched["result"]["spec"]["items"]] == ["a", "b"]
    assert patched["result"]["spec"]["size"] == 5


def test_server_side_apply_with_a_field_manager_is_idempotent(run):
    result = run["result"]
    assert result.task("apply")["changed"] and not result.task("apply again")["changed"]
    stored = run["lab"].hub.get("v1", "ConfigMap", "ssa", run["namespace"])
    assert [(m["manager"], m["operation"]) for m in stored["metadata"]["managedFields"]] == [("ansible-lab", "Apply")]
    applies = [r for r in run["requests"] if r["method"] == "PATCH" and r["path"].endswith("/configmaps/ssa")]
    assert applies and all("fieldManager=ansible-lab" in r["query"] for r in applies)


def test_a_second_run_writes_nothing(run, run_playbook):
    lab, namespace = run["lab"], run["namespace"]
    mark = lab.requests.mark()
    second = run_playbook(lab, play(OBJECTS, namespace)).check()
    assert not second.task("objects")["changed"]
    assert mutating_requests(lab, mark) == []
    # kubernetes.core tries a strategic merge first and falls back to a merge patch on the 415 a custom resource answers.
    assert [(r["method"], r["status"]) for r in lab.requests.since(mark) if r["write"]] == [("PATCH", 200), ("PATCH", 415), ("PATCH", 200)]


def test_check_mode_sends_dry_run_requests_and_stores_nothing(run, run_playbook):
    lab, namespace = run["lab"], run["namespace"]
    tasks = """
    - name: create in check mode
      kubernetes.core.k8s:
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: new, namespace: "{{ ns }}"}, data: {k: v}}
    - name: change in check mode
      kubernetes.core.k8s:
        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: same, namespace: "{{ ns }}"}, data: {k: changed}}
"""
    mark = lab.requests.mark()
    result = run_playbook(lab, play(tasks, namespace), check=True).check()
    assert result.task("create in check mode")["changed"] and result.task("change in check mode")["changed"]
    assert result.task("change in check mode")["result"]["data"] == {"k": "changed"}
    assert lab.hub.get("v1", "ConfigMap", "new", namespace) is None
    assert lab.hub.get("v1", "ConfigMap", "same", namespace)["data"] == {"k": "v"}
    writes = [r for r in lab.requests.since(mark) if r["method"] in ("POST", "PATCH", "PUT")]
    assert writes and all(r["dry_run"] and not r["mutating"] for r in writes)

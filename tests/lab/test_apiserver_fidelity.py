"""kube-apiserver fidelity the official clients and kubectl rely on: defaults, Accept conversions, OpenAPI, health, options, paging."""

import base64
import json
import ssl
import urllib.error
import urllib.request
import uuid

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.lab.apiserver import openapi_pb
from tests.lab.controllers.machine_api import node_for
from tests.lab.fixtures import api_client, dynamic_client
from tests.lab.test_apiserver import widget_crd

GROUP = "fidelity.example.com"
GADGETS = "gadgets.%s" % GROUP
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"


def gadget_crd():
    crd = widget_crd(name=GADGETS, plural="gadgets", kind="Gadget")
    crd["spec"]["versions"][0]["additionalPrinterColumns"] = [
        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
        {"name": "Color", "type": "string", "jsonPath": ".spec.color", "priority": 1},
        {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    return crd


@pytest.fixture(name="api_lab", scope="module")
def api_lab_fixture(lab_factory):
    lab = lab_factory.get("acm-2.12", world=False, clusters=1)
    if lab.hub.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", GADGETS) is None:
        lab.hub.create(gadget_crd())
    return lab


@pytest.fixture(name="core")
def core_fixture(api_lab):
    return client.CoreV1Api(api_client(api_lab))


@pytest.fixture(name="ns")
def ns_fixture(core):
    name = "fid-" + uuid.uuid4().hex[:8]
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


def http(lab, method, path, headers=None, body=None, context="hubcluster"):
    """``(status, headers, raw body)`` of one request to a lab API server with the admin token."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(lab.server_url(context) + path, data=data, method=method,
                                     headers=dict({"Authorization": "Bearer " + lab.tokens[context]["admin"],
                                                   "Content-Type": "application/json"}, **(headers or {})))
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=str(lab.ca_file)), timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def http_json(lab, method, path, **kwargs):
    status, _headers, raw = http(lab, method, path, **kwargs)
    return status, json.loads(raw)


# ---------------------------------------------------------------------------------------- names (issue 12)
@pytest.mark.parametrize("kind, path", [("ConfigMap", "/api/v1/namespaces/default/configmaps"), ("Namespace", "/api/v1/namespaces")])
def test_a_name_with_a_trailing_newline_is_422_as_go_regexps_match_whole_strings(api_lab, kind, path):
    status, body = http_json(api_lab, "POST", path, body={"apiVersion": "v1", "kind": kind, "metadata": {"name": "lab\n"}})
    assert status == 422, body
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert 'Invalid value: "lab\\n"' in body["message"]


def test_a_label_value_with_a_trailing_newline_is_422(api_lab):
    status, body = http_json(api_lab, "POST", "/api/v1/namespaces/default/configmaps",
                             body={"metadata": {"name": "labelled", "labels": {"a": "b\n"}}})
    assert status == 422, body


# ---------------------------------------------------------------------------------------- defaults
def test_a_created_service_gets_its_defaults_an_allocated_ip_and_an_empty_load_balancer_status(api_lab, core, ns):
    created = core.create_namespaced_service(ns, {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    raw = api_lab.hub.get("v1", "Service", "web", ns)
    spec = raw["spec"]
    assert raw["status"] == {"loadBalancer": {}}
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert (spec["type"], spec["sessionAffinity"], spec["internalTrafficPolicy"]) == ("ClusterIP", "None", "Cluster")
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")
    assert spec["clusterIPs"] == [spec["clusterIP"]] and spec["clusterIP"].startswith("172.30.")
    assert created.status.load_balancer is not None
    node_port = core.create_namespaced_service(ns, {"metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": [{"port": 443}]}})
    assert 30000 <= node_port.spec.ports[0].node_port <= 32767
    assert node_port.spec.external_traffic_policy == "Cluster"
    assert node_port.spec.cluster_ip != created.spec.cluster_ip
    replaced = core.patch_namespaced_service("web", ns, {"metadata": {"labels": {"x": "y"}}})
    assert replaced.spec.cluster_ip == created.spec.cluster_ip


def test_a_created_pod_is_pending_with_spec_defaults(core, ns):
    core.create_namespaced_pod(ns, {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "a", "image": "registry.example.com/a:1.0"}, {"name": "b", "image": "registry.example.com/b"}]}})
    pod = core.read_namespaced_pod("p", ns)
    assert (pod.status.phase, pod.status.qos_class) == ("Pending", "BestEffort")
    assert (pod.spec.restart_policy, pod.spec.dns_policy, pod.spec.scheduler_name) == ("Always", "ClusterFirst", "default-scheduler")
    assert (pod.spec.termination_grace_period_seconds, pod.spec.service_account_name, pod.spec.enable_service_links) == (30, "default", True)
    assert [c.image_pull_policy for c in pod.spec.containers] == ["IfNotPresent", "Always"]
    assert pod.spec.containers[0].termination_message_path == "/dev/termination-log"


def test_deployments_and_daemonsets_get_their_defaults_and_a_status(api_lab, ns):
    apps = client.AppsV1Api(api_client(api_lab))
    template = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "x", "image": "registry.example.com/x:1"}]}}
    apps.create_namespaced_deployment(ns, {"metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": template}})
    raw = api_lab.hub.get("apps/v1", "Deployment", "d", ns)
    assert raw["status"] == {}
    assert raw["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert (raw["spec"]["replicas"], raw["spec"]["revisionHistoryLimit"], raw["spec"]["progressDeadlineSeconds"]) == (1, 10, 600)
    assert raw["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    apps.create_namespaced_daemon_set(ns, {"metadata": {"name": "ds"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": template}})
    daemon_set = apps.read_namespaced_daemon_set("ds", ns)
    assert (daemon_set.status.desired_number_scheduled, daemon_set.status.number_ready) == (0, 0)
    assert daemon_set.spec.update_strategy.rolling_update.max_unavailable == 1


def test_list_node_works_for_kubelet_nodes_and_nodes_created_without_status(api_lab, core):
    instance = {"InstanceId": "i-0123456789abcdef0", "InstanceType": "m5.large", "PrivateDnsName": "ip-10-0-0-9.ec2.internal",
                "PrivateIpAddress": "10.0.0.9"}
    machine = {"metadata": {"name": "m", "namespace": "openshift-machine-api", "labels": {}},
               "spec": {"providerSpec": {"value": {"placement": {"availabilityZone": "us-east-1a", "region": "us-east-1"}}}}}
    node = node_for(machine, instance)
    info = node["status"]["nodeInfo"]
    assert all(info[field] for field in ("bootID", "machineID", "systemUUID", "kernelVersion", "osImage", "containerRuntimeVersion",
                                         "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture")), info
    if api_lab.hub.get("v1", "Node", node["metadata"]["name"]) is None:
        api_lab.hub.create(node)
        core.create_node({"metadata": {"name": "bare-node"}})
    names = [item.metadata.name for item in core.list_node().items]
    assert {"bare-node", node["metadata"]["name"]} <= set(names)
    selected = core.list_node(field_selector="spec.unschedulable=false").items
    assert {item.metadata.name for item in selected} == set(names)
    assert core.list_node(field_selector="spec.unschedulable=true").items == []


# ---------------------------------------------------------------------------------------- Accept
def test_tables_for_builtin_kinds_have_kubectl_columns_and_wide_ones_by_priority(api_lab):
    api_lab.hub.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "table-node", "labels": {"node-role.kubernetes.io/worker": ""}},
                        "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.29.1"},
                                   "addresses": [{"type": "InternalIP", "address": "10.1.2.3"}]}}) \
        if api_lab.hub.get("v1", "Node", "table-node") is None else None
    status, headers, raw = http(api_lab, "GET", "/api/v1/nodes/table-node", headers={"Accept": TABLE})
    table = json.loads(raw)
    assert status == 200 and headers["Content-Type"].startswith("application/json;as=Table")
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[:5] == ["Name", "Status", "Roles", "Age", "Version"]
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"]][:2] == ["Internal-IP", "External-IP"]
    row = table["rows"][0]
    assert row["cells"][:3] == ["table-node", "Ready", "worker"] and row["cells"][4:7] == ["v1.29.1", "10.1.2.3", "<none>"]
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["name"] == "table-node"


def test_custom_resource_tables_use_additional_printer_columns(api_lab, ns):
    api_lab.hub.create({"apiVersion": GROUP + "/v1", "kind": "Gadget", "metadata": {"name": "g", "namespace": ns}, "spec": {"size": 3}})
    api_lab.hub.patch(GROUP + "/v1", "Gadget", "g", ns, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
                      subresource="status")
    status, table = http_json(api_lab, "GET", "/apis/%s/v1/namespaces/%s/gadgets?includeObject=Object" % (GROUP, ns), headers={"Accept": TABLE})
    assert status == 200
    assert [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", 0), ("Size", "integer", 0), ("Color", "string", 1), ("Ready", "string", 0), ("Age", "date", 0)]
    cells = table["rows"][0]["cells"]
    assert cells[:4] == ["g", 3, "red", "True"] and cells[4].endswith("s")
    assert table["rows"][0]["object"]["kind"] == "Gadget"


def test_partial_object_metadata_yaml_and_not_acceptable(api_lab, ns):
    partial = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    status, body = http_json(api_lab, "GET", "/api/v1/namespaces/%s/configmaps" % ns, headers={"Accept": partial})
    assert status == 200 and body["kind"] == "PartialObjectMetadataList" and body["apiVersion"] == "meta.k8s.io/v1"
    status, body = http_json(api_lab, "GET", "/api/v1/namespaces/%s" % ns,
                             headers={"Accept": "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"})
    assert (status, body["kind"], sorted(body)) == (200, "PartialObjectMetadata", ["apiVersion", "kind", "metadata"])
    status, body = http_json(api_lab, "GET", "/api/v1/namespaces/%s/configmaps" % ns,
                             headers={"Accept": "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"})
    assert (status, body["reason"]) == (406, "NotAcceptable")
    status, headers, raw = http(api_lab, "GET", "/api/v1/namespaces/" + ns, headers={"Accept": "application/yaml"})
    assert status == 200 and headers["Content-Type"] == "application/yaml" and yaml.safe_load(raw)["metadata"]["name"] == ns
    status, body = http_json(api_lab, "GET", "/api/v1/namespaces/" + ns, headers={"Accept": "application/vnd.kubernetes.protobuf"})
    assert (status, body["code"], body["reason"]) == (406, 406, "NotAcceptable")


def test_yaml_request_bodies_are_accepted(api_lab, ns):
    body = yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-yaml"}, "data": {"k": "v"}}).encode()
    status, _headers, _raw = http(api_lab, "POST", "/api/v1/namespaces/%s/configmaps" % ns, body=body,
                                  headers={"Content-Type": "application/yaml"})
    assert status == 201 and api_lab.hub.get("v1", "ConfigMap", "from-yaml", ns)["data"] == {"k": "v"}


# ---------------------------------------------------------------------------------------- OpenAPI, health
def test_openapi_v3_documents_every_group_version_with_patch_parameters_and_crd_schemas(api_lab):
    status, root = http_json(api_lab, "GET", "/openapi/v3")
    assert status == 200 and "api/v1" in root["paths"] and "apis/%s/v1" % GROUP in root["paths"]
    status, document = http_json(api_lab, "GET", root["paths"]["apis/%s/v1" % GROUP]["serverRelativeURL"])
    assert status == 200 and document["openapi"].startswith("3.")
    item = document["paths"]["/apis/%s/v1/namespaces/{namespace}/gadgets/{name}" % GROUP]["patch"]
    assert item["x-kubernetes-group-version-kind"] == {"group": GROUP, "version": "v1", "kind": "Gadget"}
    assert "fieldValidation" in [p["name"] for p in item["parameters"]]
    assert "application/strategic-merge-patch+json" not in item["requestBody"]["content"]
    schema = document["components"]["schemas"]["com.example.fidelity.v1.Gadget"]
    assert schema["properties"]["spec"]["properties"]["size"]["type"] == "integer"
    assert schema["properties"]["metadata"]["allOf"][0]["$ref"].endswith("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    _status, core_doc = http_json(api_lab, "GET", "/openapi/v3/api/v1")
    containers = core_doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"


def test_openapi_v2_answers_json_and_gnostic_protobuf(api_lab):
    status, swagger = http_json(api_lab, "GET", "/openapi/v2", headers={"Accept": "application/json"})
    assert status == 200 and swagger["swagger"] == "2.0" and "io.k8s.api.core.v1.ConfigMap" in swagger["definitions"]
    status, headers, raw = http(api_lab, "GET", "/openapi/v2", headers={"Accept": openapi_pb.MEDIA_TYPES[0]})
    assert status == 200 and headers["Content-Type"] == openapi_pb.RETURNED_MEDIA_TYPE
    assert raw.startswith(b"\x0a\x032.0")  # field 1 (swagger), length 3, "2.0"
    status, _headers, _raw = http(api_lab, "GET", "/openapi/v3/api/v1", headers={"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"})
    assert status == 406


@pytest.mark.parametrize("path, expected", [("/healthz", b"ok"), ("/livez", b"ok"), ("/readyz", b"ok"), ("/readyz/ping", b"ok"),
                                            ("/livez?verbose", b"[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n")])
def test_health_endpoints_answer(api_lab, path, expected):
    status, headers, raw = http(api_lab, "GET", path)
    assert (status, raw) == (200, expected) and headers["Content-Type"].startswith("text/plain")


# ---------------------------------------------------------------------------------------- options, selectors, paging, Status
def test_a_dry_run_value_other_than_all_is_422_and_creates_nothing(api_lab, ns):
    status, body = http_json(api_lab, "POST", "/api/v1/namespaces/%s/configmaps?dryRun=Bogus" % ns, body={"metadata": {"name": "bogus"}})
    assert status == 422, body
    assert body["message"] == 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Bogus"]: supported values: "All"'
    assert body["details"] == {"group": "meta.k8s.io", "kind": "CreateOptions", "causes": [
        {"reason": "FieldValueNotSupported", "message": 'Unsupported value: ["Bogus"]: supported values: "All"', "field": "dryRun"}]}
    assert api_lab.hub.get("v1", "ConfigMap", "bogus", ns) is None
    status, body = http_json(api_lab, "DELETE", "/api/v1/namespaces/%s?dryRun=Yes" % ns)
    assert (status, body["details"]["kind"]) == (422, "DeleteOptions")


def test_limit_and_continue_page_through_a_consistent_snapshot(api_lab, core, ns):
    for index in range(5):
        core.create_namespaced_config_map(ns, {"metadata": {"name": "cm-%d" % index}})
    first = core.list_namespaced_config_map(ns, limit=2)
    assert [i.metadata.name for i in first.items] == ["cm-0", "cm-1"]
    assert first.metadata.remaining_item_count == 3 and first.metadata._continue
    token = json.loads(base64.urlsafe_b64decode(first.metadata._continue + "=="))
    assert token == {"v": "meta.k8s.io/v1", "rv": int(first.metadata.resource_version), "start": "cm-1\x00"}
    core.delete_namespaced_config_map("cm-2", ns)
    core.create_namespaced_config_map(ns, {"metadata": {"name": "cm-20"}})
    second = core.list_namespaced_config_map(ns, limit=2, _continue=first.metadata._continue)
    assert [i.metadata.name for i in second.items] == ["cm-2", "cm-3"]
    assert second.metadata.resource_version == first.metadata.resource_version
    last = core.list_namespaced_config_map(ns, limit=2, _continue=second.metadata._continue)
    assert [i.metadata.name for i in last.items] == ["cm-4"] and not last.metadata._continue
    selected = core.list_namespaced_config_map(ns, limit=1, field_selector="metadata.name!=cm-0")
    assert selected.metadata.remaining_item_count is None and selected.metadata._continue
    with pytest.raises(ApiException) as error:
        core.list_namespaced_config_map(ns, limit=2, _continue="bm90LWpzb24")
    assert error.value.status == 400 and "invalid continue token" in json.loads(error.value.body)["message"]


def test_status_bodies_keep_kube_apiservers_field_order(api_lab):
    _status, _headers, raw = http(api_lab, "GET", "/api/v1/namespaces/default/configmaps/missing")
    assert raw == (b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"missing\\" not found",'
                   b'"reason":"NotFound","details":{"name":"missing","kind":"configmaps"},"code":404}')
    _status, _headers, raw = http(api_lab, "GET", "/apis/nothing.example.com/v1/things")
    assert raw == (b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the '
                   b'requested resource","reason":"NotFound","details":{},"code":404}')


def test_kinds_tools_create_without_workloads_are_served(api_lab, ns):
    dynamic = dynamic_client(api_lab)
    template = {"metadata": {"labels": {"app": "t"}}, "spec": {"restartPolicy": "Never", "containers": [{"name": "t", "image": "busybox:1"}]}}
    rc = dynamic.resources.get(api_version="v1", kind="ReplicationController").create(
        {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {"template": template}}, namespace=ns)
    assert (rc.spec.replicas, dict(rc.spec.selector), rc.status.replicas) == (1, {"app": "t"}, 0)
    job = dynamic.resources.get(api_version="batch/v1", kind="Job").create(
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "job"}, "spec": {"template": template}}, namespace=ns)
    assert (job.spec.completions, job.spec.parallelism, job.spec.backoffLimit) == (1, 1, 6)
    assert job.spec.selector.matchLabels["batch.kubernetes.io/controller-uid"] == job.metadata.uid
    cron = dynamic.resources.get(api_version="batch/v1", kind="CronJob").create(
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cron"},
         "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}}, namespace=ns)
    assert (cron.spec.concurrencyPolicy, cron.spec.successfulJobsHistoryLimit) == ("Allow", 3)
    apiservices = dynamic.resources.get(api_version="apiregistration.k8s.io/v1", kind="APIService")
    apiservices.create({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1.fidelity.example.com"},
                        "spec": {"group": "fidelity.example.com", "version": "v1", "groupPriorityMinimum": 1000, "versionPriority": 15}})
    assert apiservices.get(name="v1.fidelity.example.com").spec.group == "fidelity.example.com"
    apiservices.delete(name="v1.fidelity.example.com")


def test_unknown_custom_resource_fields_follow_field_validation(api_lab, ns):
    body = {"apiVersion": GROUP + "/v1", "kind": "Gadget", "metadata": {"name": "strict"}, "spec": {"size": 1, "shape": "round"}}
    path = "/apis/%s/v1/namespaces/%s/gadgets" % (GROUP, ns)
    status, answer = http_json(api_lab, "POST", path + "?fieldValidation=Strict", body=body)
    assert (status, answer["reason"]) == (400, "BadRequest")
    assert answer["message"] == 'Gadget in version "v1" cannot be handled as a Gadget: strict decoding error: unknown field "spec.shape"'
    assert api_lab.hub.get(GROUP + "/v1", "Gadget", "strict", ns) is None
    status, headers, _raw = http(api_lab, "POST", path, body=body)
    assert status == 201 and headers.get_all("Warning") == ['299 - "unknown field \\"spec.shape\\""']
    assert "shape" not in api_lab.hub.get(GROUP + "/v1", "Gadget", "strict", ns)["spec"]

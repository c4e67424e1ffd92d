"""What kube-apiserver adds to built-in kinds on the way in: scheme defaults, registry strategies, Go zero values.

Sources (kubernetes/kubernetes):
- scheme defaults: pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go;
- create strategies (status reset, generated fields): pkg/registry/core/pod/strategy.go,
  pkg/registry/core/service/strategy.go + storage/alloc.go, pkg/registry/apps/deployment/strategy.go,
  pkg/registry/apps/daemonset/strategy.go, pkg/registry/batch/job/strategy.go;
- Go's encoding of non-pointer structs without ``omitempty`` (``status.loadBalancer: {}``, every
  ``nodeInfo`` field): staging/src/k8s.io/api/core/v1/types.go.
"""

import copy
import re

DEFAULT_TERMINATION_GRACE_PERIOD = 30
# ServiceAccount and DefaultTolerationSeconds admission plugins (plugin/pkg/admission/serviceaccount,
# plugin/pkg/admission/defaulttolerationseconds): every Pod runs as "default" and tolerates 300 s of
# not-ready/unreachable unless it says otherwise.
DEFAULT_TOLERATIONS = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
)
NODE_INFO_FIELDS = ("machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
                    "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture")
NODE_PORT_RANGE = (30000, 32767)
_IMAGE_TAG = re.compile(r":([\w][\w.-]{0,127})$")


# ---------------------------------------------------------------------------------------- pod templates
def _image_tag(image):
    """The tag of an image reference ("latest" when it has neither tag nor digest), as pkg/util/parsers does."""
    if "@" in (image or ""):
        return ""
    match = _IMAGE_TAG.search((image or "").rsplit("/", 1)[-1])
    return match.group(1) if match else "latest"


def container(obj):
    """SetDefaults_Container."""
    if not obj.get("imagePullPolicy"):
        obj["imagePullPolicy"] = "Always" if _image_tag(obj.get("image")) == "latest" else "IfNotPresent"
    obj.setdefault("terminationMessagePath", "/dev/termination-log")
    obj.setdefault("terminationMessagePolicy", "File")
    obj.setdefault("resources", {})
    for port in obj.get("ports") or []:
        port.setdefault("protocol", "TCP")


def pod_spec(spec):
    """SetDefaults_PodSpec plus the container defaults of every container list."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("securityContext", {})
    spec.setdefault("terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD)
    spec.setdefault("schedulerName", "default-scheduler")
    for field in ("initContainers", "containers"):
        for item in spec.get(field) or []:
            container(item)


def pod_template(template):
    if isinstance(template, dict):
        template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        pod_spec(template.setdefault("spec", {}))


def _qos_class(spec):
    """pkg/apis/core/helper/qos: Guaranteed when every container limits = requests for cpu and memory."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests_any = False
    guaranteed = True
    for item in containers:
        resources = item.get("resources") or {}
        limits = resources.get("limits") or {}
        requests = resources.get("requests") or limits
        if limits or requests:
            requests_any = True
        for name in ("cpu", "memory"):
            if name not in limits or str(requests.get(name)) != str(limits.get(name)):
                guaranteed = False
    if not requests_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


# ---------------------------------------------------------------------------------------- per kind
def pod(obj, creating):
    spec = obj.setdefault("spec", {})
    pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    for item in spec.get("containers") or []:
        resources = item.get("resources") or {}
        if resources.get("limits") and "requests" not in resources:
            resources["requests"] = dict(resources["limits"])
    if creating:
        spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
        spec["serviceAccount"] = spec["serviceAccountName"]
        tolerations = spec.setdefault("tolerations", [])
        for toleration in DEFAULT_TOLERATIONS:
            if not any(t.get("key") == toleration["key"] and t.get("effect") in (None, "", "NoExecute") for t in tolerations):
                tolerations.append(dict(toleration))
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}


def service(obj, stored, allocate=None):
    """SetDefaults_Service; on create (``allocate`` given) the REST layer's IP families, cluster IP and node ports."""
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {}).setdefault("timeoutSeconds", 10800)
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if stored is not None:
        old = stored.get("spec") or {}
        for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if field in old and spec["type"] != "ExternalName":
                spec.setdefault(field, copy.deepcopy(old[field]))
        old_ports = {(p.get("port"), p.get("protocol")): p.get("nodePort") for p in old.get("ports") or []}
        for port in spec.get("ports") or []:
            if "nodePort" not in port and old_ports.get((port.get("port"), port.get("protocol"))):
                port["nodePort"] = old_ports[(port.get("port"), port.get("protocol"))]
        obj["status"] = copy.deepcopy(stored.get("status") or {"loadBalancer": {}})
        return
    if allocate is None:
        return
    if spec["type"] != "ExternalName":
        if spec.get("clusterIP") != "None" or spec.get("selector"):
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("ipFamilies", ["IPv4"])
        if "clusterIP" not in spec:
            spec["clusterIP"] = allocate("clusterIP")
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    if spec["type"] in ("NodePort", "LoadBalancer") and (spec["type"] == "NodePort" or spec.get("allocateLoadBalancerNodePorts")):
        for port in spec.get("ports") or []:
            port.setdefault("nodePort", allocate("nodePort"))
    obj["status"] = {"loadBalancer": {}}


def deployment(obj, creating):
    """SetDefaults_Deployment (apps/v1); the strategy resets status on create."""
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    pod_template(spec.get("template"))
    if creating:
        obj["status"] = {}


def daemon_set(obj, creating):
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    pod_template(spec.get("template"))
    if creating:
        obj["status"] = {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0}


def replication_controller(obj, creating):
    spec = obj.setdefault("spec", {})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        if not obj["metadata"].get("labels"):
            obj["metadata"]["labels"] = dict(labels)
    spec.setdefault("replicas", 1)
    pod_template(spec.get("template"))
    if creating:
        obj["status"] = {"replicas": 0}


def job(obj, creating):
    """SetDefaults_Job and the job strategy's generated selector (manualSelector unset).

    Defaults run again when the stored object is read back, so a Job created without labels
    shows the generated template labels in its own metadata.
    """
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    pod_template(spec.get("template"))
    if creating and not spec.get("manualSelector"):
        uid, name = obj["metadata"]["uid"], obj["metadata"]["name"]
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        template_labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
        template_labels.update({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
                                "controller-uid": uid, "job-name": name})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if labels and not obj["metadata"].get("labels"):
        obj["metadata"]["labels"] = dict(labels)
    if creating:
        obj["status"] = {}


def cron_job(obj, creating):
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.setdefault("jobTemplate", {})
    job_template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    pod_template(job_template.setdefault("spec", {}).get("template"))
    if creating:
        obj["status"] = {}


def node(obj):
    """Go encodes NodeStatus.nodeInfo and daemonEndpoints whatever they hold: every field is there, "" or 0."""
    status = obj.setdefault("status", {})
    info = status.setdefault("nodeInfo", {})
    for field in NODE_INFO_FIELDS:
        info.setdefault(field, "")
    status.setdefault("daemonEndpoints", {}).setdefault("kubeletEndpoint", {}).setdefault("Port", 0)
    capacity = status.get("capacity")
    if capacity and "allocatable" not in status:
        status["allocatable"] = dict(capacity)


def api_service(obj, creating):
    if creating:
        obj["status"] = {}

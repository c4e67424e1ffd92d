"""``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``: the server-side printing kubectl get asks for.

Columns and cells follow kubernetes/kubernetes pkg/printers/internalversion/printers.go (built-in
kinds), staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor/
tableconvertor.go (custom resources: Name + additionalPrinterColumns, else Age) and
staging/src/k8s.io/apiserver/pkg/registry/rest/table.go (everything else: Name, Created At).
"""

import datetime
import re

NAME_DESCRIPTION = ("Name must be unique within a namespace. Is required when creating resources, although some resources may allow a "
                    "client to request the generation of an appropriate name automatically. Name is primarily intended for creation "
                    "idempotence and configuration definition. Cannot be updated. More info: "
                    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
CREATED_DESCRIPTION = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed "
                       "to be set in happens-before order across separate operations. Clients may not set this value. It is represented "
                       "in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
                       "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")
NONE = "<none>"


def column(name, kind="string", priority=0, description="", fmt=""):
    return {"name": name, "type": kind, "format": fmt, "description": description, "priority": priority}


NAME = column("Name", fmt="name", description=NAME_DESCRIPTION)
AGE = column("Age", description=CREATED_DESCRIPTION)
CREATED_AT = column("Created At", "date", description=CREATED_DESCRIPTION)


# ------------------------------------------------------------------------------------------ helpers
def _parse_time(stamp):
    try:
        return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def human_duration(seconds):
    """apimachinery/pkg/util/duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return "%ds" % seconds
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return "%dm%ds" % (minutes, rest) if rest else "%dm" % minutes
    if minutes < 60 * 3:
        return "%dm" % minutes
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return "%dh%dm" % (hours, rest) if rest else "%dh" % hours
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        rest = hours % 24
        return "%dd%dh" % (hours // 24, rest) if rest else "%dd" % (hours // 24)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    years = hours // (24 * 365)
    if years < 8:
        return "%dy%dd" % (years, (hours // 24) % 365)
    return "%dy" % years


def since(stamp, unknown="<unknown>"):
    """translateTimestampSince: the human duration since an RFC 3339 stamp."""
    parsed = _parse_time(stamp)
    if parsed is None:
        return unknown
    return human_duration(int((datetime.datetime.now(datetime.timezone.utc) - parsed).total_seconds()))


def age(obj):
    return since((obj.get("metadata") or {}).get("creationTimestamp"))


def _containers(spec):
    containers = ((spec or {}).get("template") or {}).get("spec", {}).get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _selector(selector):
    """metav1.LabelSelector or a plain map, printed as a label selector string."""
    if not selector:
        return NONE
    labels = selector.get("matchLabels", selector if "matchExpressions" not in selector else {}) or {}
    terms = ["%s=%s" % item for item in sorted(labels.items()) if isinstance(item[1], str)]
    for expression in selector.get("matchExpressions") or []:
        operator = expression.get("operator", "")
        values = ",".join(sorted(expression.get("values") or []))
        if operator == "Exists":
            terms.append(expression["key"])
        elif operator == "DoesNotExist":
            terms.append("!" + expression["key"])
        else:
            terms.append("%s %s (%s)" % (expression["key"], operator.lower(), values))
    return ",".join(terms) or NONE


# ------------------------------------------------------------------------------------------ built-in printers
def _node(obj):
    status = obj.get("status") or {}
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = []
    if "Ready" in conditions:
        state.append("Ready" if conditions["Ready"] == "True" else "NotReady")
    else:
        state.append("Unknown")
    if (obj.get("spec") or {}).get("unschedulable"):
        state.append("SchedulingDisabled")
    labels = (obj.get("metadata") or {}).get("labels") or {}
    roles = sorted({key[len("node-role.kubernetes.io/"):] for key in labels if key.startswith("node-role.kubernetes.io/")}
                   | ({labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set()))
    info = status.get("nodeInfo") or {}
    addresses = status.get("addresses") or []

    def address(kind):
        return next((a.get("address") for a in addresses if a.get("type") == kind), NONE)
    return [obj["metadata"]["name"], ",".join(state), ",".join(r for r in roles if r) or NONE, age(obj), info.get("kubeletVersion", ""),
            address("InternalIP"), address("ExternalIP"), info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _pod(obj):
    status = obj.get("status") or {}
    containers = (obj.get("spec") or {}).get("containers") or []
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(s.get("restartCount", 0) for s in statuses)
    reason = status.get("reason") or status.get("phase") or ""
    for item in statuses:
        waiting = (item.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            reason = waiting["reason"]
    if obj["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    gates = (obj.get("spec") or {}).get("readinessGates") or []
    return [obj["metadata"]["name"], "%d/%d" % (ready, len(containers)), reason, restarts, age(obj), status.get("podIP") or NONE,
            (obj.get("spec") or {}).get("nodeName") or NONE, status.get("nominatedNodeName") or NONE,
            "%d/%d" % (0, len(gates)) if gates else NONE]


def _service(obj):
    spec = obj.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = list(spec.get("externalIPs") or [])
    if kind == "ExternalName":
        external_ip = spec.get("externalName") or NONE
    elif kind == "LoadBalancer":
        addresses = [i.get("ip") or i.get("hostname") for i in ingress] + external
        external_ip = ",".join(a for a in addresses if a) or "<pending>"
    else:
        external_ip = ",".join(external) or NONE
    ports = []
    for port in spec.get("ports") or []:
        text = "%s/%s" % (port.get("port"), port.get("protocol", "TCP"))
        if port.get("nodePort"):
            text = "%s:%s/%s" % (port.get("port"), port["nodePort"], port.get("protocol", "TCP"))
        ports.append(text)
    return [obj["metadata"]["name"], kind, spec.get("clusterIP") or NONE, external_ip, ",".join(ports) or NONE, age(obj),
            _selector(spec.get("selector"))]


def _deployment(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec)
    return [obj["metadata"]["name"], "%d/%d" % (status.get("readyReplicas", 0), spec.get("replicas", 0)), status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0), age(obj), names, images, _selector(spec.get("selector"))]


def _daemon_set(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec)
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return [obj["metadata"]["name"], status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0), status.get("numberReady", 0),
            status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0),
            ",".join("%s=%s" % item for item in sorted(node_selector.items())) or NONE, age(obj), names, images, _selector(spec.get("selector"))]


def _replication_controller(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec)
    return [obj["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0), status.get("readyReplicas", 0), age(obj), names, images,
            _selector(spec.get("selector"))]


def _job(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec)
    completions = spec.get("completions")
    start, end = _parse_time(status.get("startTime")), _parse_time(status.get("completionTime"))
    duration = ""
    if start is not None:
        end = end or datetime.datetime.now(datetime.timezone.utc)
        duration = human_duration(int((end - start).total_seconds()))
    return [obj["metadata"]["name"], "%d/%s" % (status.get("succeeded", 0), completions if completions is not None else 1), duration,
            age(obj), names, images, _selector(spec.get("selector"))]


def _cron_job(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers((spec.get("jobTemplate") or {}).get("spec"))
    return [obj["metadata"]["name"], spec.get("schedule", ""), spec.get("timeZone") or NONE, bool(spec.get("suspend")),
            len(status.get("active") or []), since(status.get("lastScheduleTime"), NONE), age(obj), names, images,
            _selector(((spec.get("jobTemplate") or {}).get("spec") or {}).get("selector"))]


def _binding(obj):
    subjects = obj.get("subjects") or []

    def names(kind):
        found = [("%s/%s" % (s.get("namespace", ""), s["name"]) if kind == "ServiceAccount" else s["name"]) for s in subjects if s.get("kind") == kind]
        return ", ".join(found)
    ref = obj.get("roleRef") or {}
    return [obj["metadata"]["name"], "%s/%s" % (ref.get("kind", ""), ref.get("name", "")), age(obj), names("User"), names("Group"),
            names("ServiceAccount")]


def _api_service(obj):
    spec = obj.get("spec") or {}
    service = spec.get("service")
    conditions = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
    available = conditions.get("Available")
    if available is None:
        state = "Unknown"
    elif available.get("status") == "True":
        state = "True"
    else:
        state = "%s (%s)" % (available.get("status"), available.get("reason"))
    return [obj["metadata"]["name"], "%s/%s" % (service.get("namespace"), service.get("name")) if service else "Local", state, age(obj)]


def _event(obj):
    involved = obj.get("involvedObject") or {}
    source = obj.get("source") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime") or obj["metadata"].get("creationTimestamp")
    first = obj.get("firstTimestamp") or obj.get("eventTime") or obj["metadata"].get("creationTimestamp")
    return [since(last), obj.get("type", ""), obj.get("reason", ""), "%s/%s" % ((involved.get("kind") or "").lower(), involved.get("name", "")),
            involved.get("fieldPath", ""), ", ".join(v for v in (source.get("component"), source.get("host")) if v),
            (obj.get("message") or "").strip(), since(first), obj.get("count", 1), obj["metadata"]["name"]]


BUILTIN = {
    ("", "Node"): ([NAME, column("Status", description="The status of the node"), column("Roles", description="The roles of the node"), AGE,
                    column("Version"), column("Internal-IP", priority=1), column("External-IP", priority=1), column("OS-Image", priority=1),
                    column("Kernel-Version", priority=1), column("Container-Runtime", priority=1)], _node),
    ("", "Namespace"): ([NAME, column("Status", description="The status of the namespace"), AGE],
                        lambda o: [o["metadata"]["name"], (o.get("status") or {}).get("phase", ""), age(o)]),
    ("", "Pod"): ([NAME, column("Ready"), column("Status"), column("Restarts", "string"), AGE, column("IP", priority=1),
                   column("Node", priority=1), column("Nominated Node", priority=1), column("Readiness Gates", priority=1)], _pod),
    ("", "Service"): ([NAME, column("Type"), column("Cluster-IP"), column("External-IP"), column("Port(s)"), AGE,
                       column("Selector", priority=1)], _service),
    ("", "Endpoints"): ([NAME, column("Endpoints"), AGE], lambda o: [o["metadata"]["name"], ",".join(
        "%s:%s" % (a.get("ip"), p.get("port")) for s in o.get("subsets") or [] for a in s.get("addresses") or []
        for p in s.get("ports") or []) or NONE, age(o)]),
    ("", "ConfigMap"): ([NAME, column("Data", "integer"), AGE],
                        lambda o: [o["metadata"]["name"], len(o.get("data") or {}) + len(o.get("binaryData") or {}), age(o)]),
    ("", "Secret"): ([NAME, column("Type"), column("Data", "integer"), AGE],
                     lambda o: [o["metadata"]["name"], o.get("type", ""), len(o.get("data") or {}), age(o)]),
    ("", "ServiceAccount"): ([NAME, column("Secrets", "integer"), AGE],
                             lambda o: [o["metadata"]["name"], len(o.get("secrets") or []), age(o)]),
    ("", "Event"): ([column("Last Seen"), column("Type"), column("Reason"), column("Object"), column("Subobject", priority=1),
                     column("Source", priority=1), column("Message"), column("First Seen", priority=1), column("Count", "integer", 1),
                     dict(NAME, priority=1)], _event),
    ("", "ReplicationController"): ([NAME, column("Desired", "integer"), column("Current", "integer"), column("Ready", "integer"), AGE,
                                     column("Containers", priority=1), column("Images", priority=1), column("Selector", priority=1)],
                                    _replication_controller),
    ("apps", "Deployment"): ([NAME, column("Ready"), column("Up-to-date", "integer"), column("Available", "integer"), AGE,
                              column("Containers", priority=1), column("Images", priority=1), column("Selector", priority=1)], _deployment),
    ("apps", "DaemonSet"): ([NAME, column("Desired", "integer"), column("Current", "integer"), column("Ready", "integer"),
                             column("Up-to-date", "integer"), column("Available", "integer"), column("Node Selector"), AGE,
                             column("Containers", priority=1), column("Images", priority=1), column("Selector", priority=1)], _daemon_set),
    ("batch", "Job"): ([NAME, column("Completions"), column("Duration"), AGE, column("Containers", priority=1),
                        column("Images", priority=1), column("Selector", priority=1)], _job),
    ("batch", "CronJob"): ([NAME, column("Schedule"), column("Timezone"), column("Suspend", "boolean"), column("Active", "integer"),
                            column("Last Schedule"), AGE, column("Containers", priority=1), column("Images", priority=1),
                            column("Selector", priority=1)], _cron_job),
    ("rbac.authorization.k8s.io", "RoleBinding"): ([NAME, column("Role"), AGE, column("Users", priority=1), column("Groups", priority=1),
                                                   column("ServiceAccounts", priority=1)], _binding),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): ([NAME, column("Role"), AGE, column("Users", priority=1),
                                                          column("Groups", priority=1), column("ServiceAccounts", priority=1)], _binding),
    ("rbac.authorization.k8s.io", "Role"): ([NAME, CREATED_AT], lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp")]),
    ("rbac.authorization.k8s.io", "ClusterRole"): ([NAME, CREATED_AT],
                                                   lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp")]),
    ("apiregistration.k8s.io", "APIService"): ([NAME, column("Service"), column("Available"), AGE], _api_service),
}


# ------------------------------------------------------------------------------------------ custom resources
_SEGMENT = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\*|\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*[\"']([^\"']*)[\"']\)\]|\['([^']+)'\]")


def json_path(obj, path):
    """The values a CRD printer column's simple JSONPath selects (client-go jsonpath subset CRDs allow)."""
    values = [obj]
    position = 0
    path = path.strip()
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None:
            return []
        position = match.end()
        field, index, filter_key, filter_value, quoted = match.groups()
        found = []
        for value in values:
            if (field or quoted) and isinstance(value, dict) and (field or quoted) in value:
                found.append(value[field or quoted])
            elif index == "*" and isinstance(value, list):
                found.extend(value)
            elif index == "*" and isinstance(value, dict):
                found.extend(value.values())
            elif index is not None and index != "*" and isinstance(value, list) and int(index) < len(value):
                found.append(value[int(index)])
            elif filter_key and isinstance(value, list):
                for item in value:
                    current = item
                    for part in filter_key.split("."):
                        current = current.get(part) if isinstance(current, dict) else None
                    if current is not None and str(current) == filter_value:
                        found.append(item)
        values = found
    return values


def _go_print(value):
    """fmt.Fprint of a decoded JSON value, as the jsonpath printer writes string columns."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[%s]" % " ".join(_go_print(item) for item in value)
    if isinstance(value, dict):
        return "map[%s]" % " ".join("%s:%s" % (key, _go_print(value[key])) for key in sorted(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(kind, value):
    """The CRD table convertor's cell: jsonpath printing for strings, cellForJSONValue for the other types."""
    if value is None:
        return None
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return _go_print(value)
    if kind == "integer":
        return int(value) if numeric else None
    if kind == "number":
        return float(value) if numeric else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "date":
        return since(value, "<invalid>") if isinstance(value, str) else None
    return None


def custom_columns(printer_columns):
    """Name, then the version's additionalPrinterColumns (default: Age from creationTimestamp)."""
    columns = printer_columns or ({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp", "description": CREATED_DESCRIPTION},)
    paths = [c.get("jsonPath") or c.get("JSONPath", "") for c in columns]
    definitions = [NAME] + [column(c["name"], c.get("type", "string"), c.get("priority", 0),
                                   c.get("description") or "Custom resource definition column (in JSONPath format): %s" % path, c.get("format", ""))
                            for c, path in zip(columns, paths)]

    def cells(obj):
        row = [obj["metadata"]["name"]]
        for definition, path in zip(definitions[1:], paths):
            found = json_path(obj, path)
            row.append(_cell(definition["type"], found[0]) if found else None)
        return row
    return definitions, cells


# ------------------------------------------------------------------------------------------ the Table
def converter(rtype):
    """``(columnDefinitions, cells(obj))`` for a resource type."""
    if rtype.custom:
        return custom_columns(rtype.printer_columns)
    if rtype.group_kind in BUILTIN:
        return BUILTIN[rtype.group_kind]
    return [NAME, CREATED_AT], lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp")]


def partial_metadata(obj, version="v1"):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/" + version, "metadata": obj.get("metadata") or {}}


def table(rtype, items, list_metadata, include_object="Metadata", version="v1", headers=True):
    """A meta.k8s.io Table of ``items`` (``include_object``: None, Metadata or Object as in TableOptions)."""
    definitions, cells = converter(rtype)
    rows = []
    for obj in items:
        row = {"cells": cells(obj)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object == "None":
            row["object"] = None
        else:
            row["object"] = partial_metadata(obj, version)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/" + version, "metadata": list_metadata,
            "columnDefinitions": definitions if headers else None, "rows": rows}

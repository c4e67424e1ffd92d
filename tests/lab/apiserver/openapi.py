"""``/openapi/v3`` (root and one document per group/version) and ``/openapi/v2``, built from what the server serves.

Follows kube-apiserver's published documents (kubernetes/kubernetes api/openapi-spec/v3/*.json and
staging/src/k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder/builder.go for CRDs):
one path per REST operation with ``x-kubernetes-action`` and ``x-kubernetes-group-version-kind``,
the query parameters each verb takes (``dryRun``, ``fieldManager``, ``fieldValidation``, ``force``
...), the patch media types each kind accepts (strategic merge only for built-in kinds) and component
schemas named like upstream's (``io.k8s.api.core.v1.ConfigMap``, reversed group for CRDs). Custom
resource schemas are the CRD version's ``openAPIV3Schema`` with ``metadata`` as ObjectMeta; built-in
schemas come from the official ``kubernetes`` Python client's models (generated from upstream's
spec), with the strategic-merge keys the lab's patch code uses.
"""

import copy
import functools
import hashlib
import json
import re
import threading

from .resources import STRATEGIC_MERGE_KEYS, STRATEGIC_SET_LISTS

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
REF_V3 = "#/components/schemas/"
META_TYPES = frozenset({"ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
                        "Condition", "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions"})
BUILTIN_PACKAGES = {
    "": "io.k8s.api.core",
    "apps": "io.k8s.api.apps",
    "batch": "io.k8s.api.batch",
    "rbac.authorization.k8s.io": "io.k8s.api.rbac",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
    "apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration",
}
# Nested model names by the API group whose package defines them (the rest are core/v1).
_PACKAGE_PREFIXES = (
    ("apps", ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "RollingUpdateDaemonSet", "RollingUpdateDeployment", "ControllerRevision")),
    ("batch", ("Job", "CronJob", "PodFailurePolicy", "SuccessPolicy", "UncountedTerminatedPods")),
    ("rbac.authorization.k8s.io", ("Role", "ClusterRole", "PolicyRule", "Subject", "AggregationRule")),
    ("apiextensions.k8s.io", ("CustomResource", "JSONSchemaProps", "ExternalDocumentation", "WebhookClientConfig", "WebhookConversion",
                              "ValidationRule", "SelectableField", "ApiextensionsV1")),
    ("apiregistration.k8s.io", ("APIService", "ApiregistrationV1")),
)
API_VERSION_DESCRIPTION = ("APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized "
                           "schemas to the latest internal value, and may reject unrecognized values. More info: "
                           "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources")
KIND_DESCRIPTION = ("Kind is a string value representing the REST resource this object represents. Servers may infer this from the "
                    "endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: "
                    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")
METADATA_DESCRIPTION = ("Standard object's metadata. More info: "
                        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
STRATEGIC = "application/strategic-merge-patch+json"
_CACHE_LOCK = threading.Lock()
_DOCUMENTS = {}


# ------------------------------------------------------------------------------------------ naming
def schema_prefix(group, version):
    """``io.k8s.api.core.v1.`` for built-in groups, the reversed group for the others (``io.open-cluster-management.cluster.v1.``)."""
    package = BUILTIN_PACKAGES.get(group) or ".".join(reversed(group.split(".")))
    return "%s.%s." % (package, version)


def _camel_group(group):
    if not group:
        return "Core"
    group = group[:-len(".k8s.io")] if group.endswith(".k8s.io") else group
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[.-]", group) if part)


def _operation_id(verb, rtype, suffix="", all_namespaces=False):
    scope = "Namespaced" if rtype.namespaced and not all_namespaces else ""
    collection = "Collection" if verb == "deletecollection" else ""
    name = {"deletecollection": "delete", "get": "read"}.get(verb, verb)
    tail = "ForAllNamespaces" if all_namespaces else ""
    return "%s%s%s%s%s%s%s%s" % (name, _camel_group(rtype.group), rtype.version[:1].upper() + rtype.version[1:], collection, scope,
                                 rtype.kind, suffix, tail)


# ------------------------------------------------------------------------------------------ built-in schemas
def _description(doc):
    """The field description inside a generated model property's docstring."""
    if not doc:
        return ""
    lines = [line.strip() for line in doc.split("\n")]
    text = []
    for line in lines[1:]:
        if line.startswith(":return:"):
            break
        if line:
            text.append(line.replace("  # noqa: E501", ""))
    return " ".join(text)


def _model_group(bare):
    for group, prefixes in _PACKAGE_PREFIXES:
        if bare.startswith(prefixes):
            return group
    return ""


def _component_name(class_name):
    match = re.match(r"^(?:[A-Z][a-z]+)?V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])", class_name)
    version_match = re.search(r"V(\d+(?:alpha\d+|beta\d+)?)", class_name)
    bare = class_name[match.end():] if match else class_name
    if bare in META_TYPES:
        return META + bare
    version = "v" + version_match.group(1) if version_match else "v1"
    return schema_prefix(_model_group(class_name if class_name.startswith(("Apiextensions", "Apiregistration")) else bare), version) + bare


def _merge_key(owner, field):
    if field in STRATEGIC_SET_LISTS:
        return {"x-kubernetes-patch-strategy": "merge"}
    if field == "ports":
        return {"x-kubernetes-patch-merge-key": "port" if owner.endswith("ServiceSpec") else "containerPort", "x-kubernetes-patch-strategy": "merge"}
    key = STRATEGIC_MERGE_KEYS.get(field)
    return {"x-kubernetes-patch-merge-key": key, "x-kubernetes-patch-strategy": "merge"} if key else {}


class _ModelSchemas:
    """Component schemas of the official client's models, keyed by upstream's definition names."""

    def __init__(self):
        from kubernetes.client import models  # pylint: disable=import-outside-toplevel
        self.models = models
        self.schemas = {META + "Time": {"type": "string", "format": "date-time",
                                        "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON."}}

    def ref(self, class_name):
        name = _component_name(class_name)
        if name not in self.schemas:
            cls = getattr(self.models, class_name, None)
            if cls is None:
                return {}
            self.schemas[name] = {}
            self.schemas[name] = self._object(cls, class_name)
        return {"$ref": REF_V3 + name}

    def _object(self, cls, class_name):
        properties = {}
        for attribute, kind in cls.openapi_types.items():
            field = cls.attribute_map[attribute]
            schema = self._type(kind)
            description = _description(getattr(getattr(cls, attribute, None), "__doc__", ""))
            if "$ref" in schema:
                schema = {"allOf": [schema]}
            if description:
                schema["description"] = description
            if kind.startswith("list["):
                schema.update(_merge_key(class_name, field))
            properties[field] = schema
        return {"type": "object", "properties": properties}

    def _type(self, kind):
        if kind.startswith("list["):
            return {"type": "array", "items": self._type(kind[5:-1])}
        if kind.startswith("dict["):
            return {"type": "object", "additionalProperties": self._type(kind[5:-1].split(",", 1)[1].strip())}
        simple = {"str": {"type": "string"}, "int": {"type": "integer", "format": "int64"}, "bool": {"type": "boolean"},
                  "float": {"type": "number", "format": "double"}, "object": {}}
        if kind in simple:
            return dict(simple[kind])
        if kind == "datetime":
            return {"$ref": REF_V3 + META + "Time"}
        return self.ref(kind)


@functools.lru_cache(maxsize=1)
def _models():
    try:
        return _ModelSchemas()
    except ImportError:
        return None


def _builtin_schema(rtype, schemas):
    """The kind's schema (and what it references) from the client models; a preserve-unknown object without them."""
    models = _models()
    version = rtype.version[:1].upper() + rtype.version[1:]
    if models is not None:
        with _CACHE_LOCK:
            # core/v1 Event is CoreV1Event in the client (events.k8s.io owns V1Event's name there).
            ref = models.ref(("Core" if not rtype.group and rtype.kind == "Event" else "") + version + rtype.kind)
            if ref:
                name = ref["$ref"][len(REF_V3):]
                _copy_reachable(models.schemas, name, schemas)
                return name
    name = schema_prefix(rtype.group, rtype.version) + rtype.kind
    schemas[name] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                     "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                    "metadata": {"allOf": [{"$ref": REF_V3 + META + "ObjectMeta"}]}}}
    return name


def _custom_schema(rtype, schemas):
    name = schema_prefix(rtype.group, rtype.version) + rtype.kind
    schema = copy.deepcopy(rtype.schema) if rtype.schema else {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    properties = schema.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string", "description": API_VERSION_DESCRIPTION}
    properties["kind"] = {"type": "string", "description": KIND_DESCRIPTION}
    properties["metadata"] = {"allOf": [{"$ref": REF_V3 + META + "ObjectMeta"}], "description": METADATA_DESCRIPTION}
    schemas[name] = schema
    models = _models()
    if models is not None:
        with _CACHE_LOCK:
            models.ref("V1ObjectMeta")
            _copy_reachable(models.schemas, META + "ObjectMeta", schemas)
    return name


def _copy_reachable(source, name, target):
    """Copy schema ``name`` and every schema it references from ``source`` into ``target``."""
    pending = [name]
    while pending:
        current = pending.pop()
        if current in target or current not in source:
            continue
        target[current] = copy.deepcopy(source[current])
        pending.extend(_references(target[current]))


def _references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value[len(REF_V3):]
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


# ------------------------------------------------------------------------------------------ paths
def _query(name, kind="string", description=""):
    return {"name": name, "in": "query", "description": description, "schema": {"type": kind, "uniqueItems": True}}


WRITE_PARAMETERS = [_query("dryRun", description="When present, indicates that modifications should not be persisted. Valid values are: "
                           "- All: all dry run stages will be processed"), _query("fieldManager"),
                    _query("fieldValidation", description="fieldValidation instructs the server on how to handle objects in the request "
                           "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict")]
LIST_PARAMETERS = [_query("allowWatchBookmarks", "boolean"), _query("continue"), _query("fieldSelector"), _query("labelSelector"),
                   _query("limit", "integer"), _query("resourceVersion"), _query("resourceVersionMatch"), _query("sendInitialEvents", "boolean"),
                   _query("timeoutSeconds", "integer"), _query("watch", "boolean")]
DELETE_PARAMETERS = [_query("dryRun"), _query("gracePeriodSeconds", "integer"), _query("propagationPolicy")]


def _path_parameter(name):
    return {"name": name, "in": "path", "required": True, "description": "%s of the %s" % (name, "resource" if name == "name" else "object"),
            "schema": {"type": "string", "uniqueItems": True}}


def _content(ref):
    return {kind: {"schema": ref} for kind in ("application/json", "application/yaml")}


def _operation(rtype, verb, action, ref, parameters, body=None, suffix="", all_namespaces=False):
    operation = {
        "tags": ["%s_%s" % (_camel_group(rtype.group).lower(), rtype.version)],
        "description": "%s %s" % (verb, rtype.kind),
        "operationId": _operation_id(verb, rtype, suffix, all_namespaces),
        "parameters": parameters,
        "responses": {"200": {"description": "OK", "content": _content(ref)}, "401": {"description": "Unauthorized"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
    }
    if body is not None:
        operation["requestBody"] = {"content": body, "required": True}
    return operation


def _paths_for(rtype, name):
    ref = {"$ref": REF_V3 + name}
    list_ref = {"$ref": REF_V3 + name + "List"}
    status_ref = {"$ref": REF_V3 + META + "Status"}
    base = "/api/" + rtype.version if not rtype.group else "/apis/%s/%s" % (rtype.group, rtype.version)
    prefix = base + ("/namespaces/{namespace}" if rtype.namespaced else "")
    scope = [_path_parameter("namespace")] if rtype.namespaced else []
    patch_types = PATCH_TYPES if rtype.custom else PATCH_TYPES + (STRATEGIC,)
    patch_body = {kind: {"schema": {"$ref": REF_V3 + META + "Patch"}} for kind in patch_types}
    paths = {
        "%s/%s" % (prefix, rtype.plural): {
            "get": _operation(rtype, "list", "list", list_ref, LIST_PARAMETERS),
            "post": _operation(rtype, "create", "post", ref, WRITE_PARAMETERS, _content(ref)),
            "delete": _operation(rtype, "deletecollection", "deletecollection", status_ref, DELETE_PARAMETERS + LIST_PARAMETERS),
            "parameters": scope + [_query("pretty")],
        },
        "%s/%s/{name}" % (prefix, rtype.plural): {
            "get": _operation(rtype, "get", "get", ref, []),
            "put": _operation(rtype, "replace", "put", ref, WRITE_PARAMETERS, _content(ref)),
            "patch": _operation(rtype, "patch", "patch", ref, WRITE_PARAMETERS + [_query("force", "boolean")], patch_body),
            "delete": _operation(rtype, "delete", "delete", status_ref, DELETE_PARAMETERS),
            "parameters": [_path_parameter("name")] + scope + [_query("pretty")],
        },
    }
    if rtype.status_subresource:
        paths["%s/%s/{name}/status" % (prefix, rtype.plural)] = {
            "get": _operation(rtype, "get", "get", ref, [], suffix="Status"),
            "put": _operation(rtype, "replace", "put", ref, WRITE_PARAMETERS, _content(ref), suffix="Status"),
            "patch": _operation(rtype, "patch", "patch", ref, WRITE_PARAMETERS + [_query("force", "boolean")], patch_body, suffix="Status"),
            "parameters": [_path_parameter("name")] + scope + [_query("pretty")],
        }
    if rtype.namespaced:
        paths["%s/%s" % (base, rtype.plural)] = {
            "get": _operation(rtype, "list", "list", list_ref, LIST_PARAMETERS, all_namespaces=True),
            "parameters": [_query("pretty")],
        }
    return paths


def _meta_schemas(schemas):
    schemas[META + "Patch"] = {"type": "object", "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."}
    if META + "ObjectMeta" not in schemas:
        schemas[META + "ObjectMeta"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schemas.setdefault(META + "Status", {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "code": {"type": "integer", "format": "int32"}, "details": {"type": "object"},
        "kind": {"type": "string"}, "message": {"type": "string"}, "metadata": {"type": "object"}, "reason": {"type": "string"},
        "status": {"type": "string"}}})
    schemas.setdefault(META + "ListMeta", {"type": "object", "properties": {
        "continue": {"type": "string"}, "remainingItemCount": {"type": "integer", "format": "int64"}, "resourceVersion": {"type": "string"}}})


def group_version_document(types, version_info):
    """The OpenAPI v3 document of one group/version."""
    paths, schemas = {}, {}
    for rtype in sorted(types, key=lambda t: t.plural):
        name = _custom_schema(rtype, schemas) if rtype.custom else _builtin_schema(rtype, schemas)
        schemas[name]["x-kubernetes-group-version-kind"] = [{"group": rtype.group, "kind": rtype.kind, "version": rtype.version}]
        schemas[name + "List"] = {
            "type": "object", "required": ["items"],
            "properties": {"apiVersion": {"type": "string", "description": API_VERSION_DESCRIPTION},
                           "items": {"type": "array", "items": {"$ref": REF_V3 + name}},
                           "kind": {"type": "string", "description": KIND_DESCRIPTION},
                           "metadata": {"allOf": [{"$ref": REF_V3 + META + "ListMeta"}], "default": {}}},
            "x-kubernetes-group-version-kind": [{"group": rtype.group, "kind": rtype.kind + "List", "version": rtype.version}],
        }
        paths.update(_paths_for(rtype, name))
    _meta_schemas(schemas)
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": version_info.get("gitVersion", "")},
            "paths": paths, "components": {"schemas": schemas}}


def _response_v2(response):
    """An OpenAPI v3 response as v2 has it: the description and the schema of its (first) content."""
    converted = {"description": response["description"]}
    if response.get("content"):
        converted["schema"] = _to_v2(next(iter(response["content"].values()))["schema"])
    return converted


def _to_v2(node):
    """OpenAPI v3 fragments as Swagger 2.0 (refs into definitions, allOf-wrapped refs flattened)."""
    if isinstance(node, list):
        return [_to_v2(item) for item in node]
    if not isinstance(node, dict):
        return node
    if list(node.get("allOf") or []) and len(node["allOf"]) == 1 and "$ref" in node["allOf"][0]:
        node = dict(node, **node["allOf"][0])
        node.pop("allOf")
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = value.replace(REF_V3, "#/definitions/")
        elif key != "nullable":
            out[key] = _to_v2(value)
    return out


def swagger_v2(registry, version_info):
    definitions, paths = {}, {}
    for (group, version), types in _group_versions(registry).items():
        document = group_version_document(types, version_info)
        definitions.update(_to_v2(document["components"]["schemas"]))
        for path, item in document["paths"].items():
            converted = {}
            for method, operation in item.items():
                if method == "parameters":
                    converted[method] = [_v2_parameter(p) for p in operation]
                    continue
                operation = dict(operation)
                parameters = [_v2_parameter(p) for p in operation.get("parameters", [])]
                body = operation.pop("requestBody", None)
                if body:
                    schema = next(iter(body["content"].values()))["schema"]
                    parameters.append({"name": "body", "in": "body", "required": True, "schema": _to_v2(schema)})
                    operation["consumes"] = list(body["content"])
                operation["parameters"] = parameters
                operation["produces"] = ["application/json", "application/yaml"]
                operation["responses"] = {code: _response_v2(response) for code, response in operation["responses"].items()}
                converted[method] = operation
            paths[path] = converted
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": version_info.get("gitVersion", "")}, "paths": paths,
            "definitions": definitions}


def _v2_parameter(parameter):
    converted = {key: value for key, value in parameter.items() if key != "schema"}
    converted.update(parameter.get("schema") or {})
    return converted


def _group_versions(registry):
    found = {}
    for rtype in registry.all_types():
        found.setdefault((rtype.group, rtype.version), []).append(rtype)
    return found


def _gv_path(group, version):
    return "api/" + version if not group else "apis/%s/%s" % (group, version)


def protobuf(registry, swagger):
    """The v2 document in protobuf, cached like the JSON one."""
    from . import openapi_pb  # pylint: disable=import-outside-toplevel
    return _cached(registry, "v2-protobuf", lambda: openapi_pb.document(swagger))


def digest(data):
    return hashlib.sha512(data).hexdigest().upper()


def _cached(registry, key, build):
    cache_key = (id(registry), registry.revision, key)
    with _CACHE_LOCK:
        found = _DOCUMENTS.get(cache_key)
    if found is None:
        found = build()
        with _CACHE_LOCK:
            if len(_DOCUMENTS) > 256:
                _DOCUMENTS.clear()
            _DOCUMENTS[cache_key] = found
    return found


def document(registry, path, version_info):
    """The document served at ``path`` (/openapi/v2, /openapi/v3, /openapi/v3/<api|apis/g>/<v>), or None."""
    if path == "/openapi/v2":
        return _cached(registry, "v2", lambda: swagger_v2(registry, version_info))
    groups = _group_versions(registry)
    if path == "/openapi/v3":
        def root():
            # The hash only has to change with the document (clients use it as a cache key): hash its inputs, not the document.
            entries = {}
            for (group, version), types in sorted(groups.items()):
                described = [[t.plural, t.kind, t.namespaced, t.status_subresource, t.schema] for t in sorted(types, key=lambda t: t.plural)]
                inputs = json.dumps([version_info.get("gitVersion")] + described, sort_keys=True, default=str).encode()
                entries[_gv_path(group, version)] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (_gv_path(group, version), digest(inputs))}
            return {"paths": entries}
        return _cached(registry, "v3-root", root)
    for (group, version), types in groups.items():
        if path == "/openapi/v3/" + _gv_path(group, version):
            return _cached(registry, (group, version), lambda t=types: group_version_document(t, version_info))
    return None

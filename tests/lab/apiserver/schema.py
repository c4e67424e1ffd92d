"""Custom resource validation the way kube-apiserver does it: prune unknown fields, apply defaults, check the schema.

Also the conversion of an ``apiextensions.k8s.io/v1beta1`` CustomResourceDefinition into the
``apiextensions.k8s.io/v1`` form kube-apiserver stores and returns (ACM 2.2 installs its CRDs as
v1beta1; the lab serves only apiextensions v1, as every Kubernetes from 1.22 does).
"""

import copy
import functools
import json

import jsonschema

_COMPOSITIONS = ("allOf", "anyOf", "oneOf")
_ROOT_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _to_draft7(node):
    """Translate an OpenAPI v3 structural schema into JSON Schema Draft 7."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {name: _to_draft7(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _to_draft7(value) if isinstance(value, dict) else value
        elif key in _COMPOSITIONS:
            out[key] = [_to_draft7(sub) for sub in value]
        elif key.startswith("x-kubernetes-") or key in ("nullable", "format", "example", "externalDocs"):
            continue
        else:
            out[key] = copy.deepcopy(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        if "anyOf" not in out:
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else list(out["type"]) + ["null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        out = {"anyOf": [{"type": "null"}, out]} if "anyOf" in out or "oneOf" in out else out
    return out


_V1BETA1_PER_VERSION = (("validation", "schema"), ("subresources", "subresources"),
                        ("additionalPrinterColumns", "additionalPrinterColumns"))


def crd_as_v1(crd):
    """The ``apiextensions.k8s.io/v1`` form of a CRD; a v1 CRD comes back unchanged (a copy).

    Follows kubernetes/apiextensions-apiserver ``pkg/apis/apiextensions/v1beta1/conversion.go``
    (ref release-1.20, what an ACM 2.2 hub on OpenShift 4.6/4.7 ran): the top-level
    ``validation``, ``subresources`` and ``additionalPrinterColumns`` move into every version
    (``validation`` becomes ``schema``; v1beta1 printer columns' ``JSONPath`` becomes
    ``jsonPath``), the top-level ``version`` goes, ``preserveUnknownFields`` stays. v1beta1
    defaults ``preserveUnknownFields`` to true, which turns pruning off for the whole CRD: the lab
    does not emulate that, so such a CRD is refused rather than served with pruning it would not
    have (every ACM 2.2 CRD in ``../shared/crds/alternates`` sets it to false).
    """
    crd = copy.deepcopy(crd)
    if crd.get("apiVersion") != "apiextensions.k8s.io/v1beta1":
        return crd
    spec = crd["spec"]
    name = (crd.get("metadata") or {}).get("name")
    if spec.get("preserveUnknownFields", True) is not False:
        raise ValueError("CRD %s: apiextensions v1beta1 with preserveUnknownFields true (the v1beta1 default) "
                         "disables pruning, which the lab does not emulate" % name)
    versions = spec.get("versions") or [{"name": spec["version"], "served": True, "storage": True}]
    shared = {target: spec.pop(source) for source, target in _V1BETA1_PER_VERSION if source in spec}
    spec.pop("version", None)
    for version in versions:
        for target, value in shared.items():
            version.setdefault(target, copy.deepcopy(value))
        if "schema" in version and "openAPIV3Schema" not in version["schema"]:
            version["schema"] = {"openAPIV3Schema": version["schema"]}
        for column in version.get("additionalPrinterColumns") or ():
            if "JSONPath" in column:
                column["jsonPath"] = column.pop("JSONPath")
    spec["versions"] = versions
    crd["apiVersion"] = "apiextensions.k8s.io/v1"
    crd.pop("status", None)
    return crd


def compile_schema(openapi_schema):
    """The CompiledSchema for an ``openAPIV3Schema``; identical schemas (the same CRD on many clusters) compile once."""
    return _compile_cached(json.dumps(openapi_schema, sort_keys=True))


@functools.lru_cache(maxsize=512)
def _compile_cached(schema_json):
    return CompiledSchema(json.loads(schema_json))


class CompiledSchema:
    """A CRD version's ``openAPIV3Schema``, ready to prune, default and validate objects."""

    def __init__(self, openapi_schema):
        self.openapi = openapi_schema
        self.validator = jsonschema.Draft7Validator(_to_draft7(openapi_schema))

    def prune_and_default(self, obj, unknown=None):
        """Drop fields the schema does not know (their paths appended to ``unknown``) and fill in defaults, in place."""
        _walk(obj, self.openapi, root=True, path="", unknown=unknown if unknown is not None else [])

    def errors(self, obj):
        """``(reason, field, message)`` for every schema violation, as kube-apiserver words them."""
        causes = [_cause(error) for error in self.validator.iter_errors(obj)]
        return sorted(set(causes), key=lambda cause: cause[1])


def _walk(value, schema, root=False, path="", unknown=None):
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        _walk_object(value, schema, root, path, unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(item, schema["items"], path="%s[%d]" % (path, index), unknown=unknown)


def _walk_object(value, schema, root, path, unknown):
    # kubernetes/apiextensions-apiserver pkg/apiserver/schema/pruning/algorithm.go (prune, release-1.20
    # and later unchanged): an object schema without properties, additionalProperties or
    # x-kubernetes-preserve-unknown-fields drops every key (ACM 2.2's ManagedClusterSet ``spec: {type: object}``).
    properties = schema.get("properties")
    additional = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
    if properties is None and additional is None and (preserve or schema.get("type") != "object"):
        return
    for key in list(value):
        if root and key in _ROOT_FIELDS:
            continue
        child = "%s.%s" % (path, key) if path else key
        if properties and key in properties:
            _walk(value[key], properties[key], path=child, unknown=unknown)
        elif isinstance(additional, dict):
            _walk(value[key], additional, path=child, unknown=unknown)
        elif not preserve and additional is not True:
            del value[key]
            if unknown is not None:
                unknown.append(child)
    for key, sub in (properties or {}).items():
        if key not in value and isinstance(sub, dict) and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
            _walk(value[key], sub, path="%s.%s" % (path, key) if path else key, unknown=None)


def _field_path(error):
    path = ""
    for part in error.absolute_path:
        path += "[%d]" % part if isinstance(part, int) else ("." + part if path else part)
    return path


def _type_name(instance):
    return _JSON_TYPES.get(type(instance), "object")


def _cause(error):
    field = _field_path(error)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return ("FieldValueRequired", "%s.%s" % (field, missing) if field else missing, "Required value")
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        actual = _type_name(error.instance)
        return ("FieldValueInvalid", field, 'Invalid value: "%s": %s in body must be of type %s: "%s"' % (actual, field or "body", expected, actual))
    if error.validator == "enum":
        supported = ", ".join(json.dumps(value) for value in error.validator_value)
        return ("FieldValueNotSupported", field, "Unsupported value: %s: supported values: %s" % (json.dumps(error.instance), supported))
    return ("FieldValueInvalid", field, "Invalid value: %s: %s" % (json.dumps(error.instance, sort_keys=True)[:200], error.message))

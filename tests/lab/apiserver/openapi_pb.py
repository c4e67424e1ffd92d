"""The Swagger 2.0 document in gnostic's protobuf encoding (``application/com.github.proto-openapi.spec.v2@v1.0+protobuf``).

kubectl asks /openapi/v2 for protobuf only (client-go discovery's OpenAPISchema; ``kubectl explain``
fetches it before anything else). Field numbers follow google/gnostic openapiv2/OpenAPIv2.proto;
messages are written by hand with the protobuf wire format (varint and length-delimited fields,
proto3 defaults omitted) since the lab has no protobuf runtime. Schema keywords Swagger 2.0 has no
field for (anyOf, oneOf, not, nullable) are dropped, as kube-apiserver drops them from v2.
"""

import struct

import yaml

# Clients ask with "@", which Go's mime package cannot parse back, so kube-openapi's handler
# (k8s.io/kube-openapi/pkg/handler/handler.go) answers with a "." in its place.
MEDIA_TYPES = ("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
RETURNED_MEDIA_TYPE = MEDIA_TYPES[1]


def _varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _bytes(field, data):
    return _key(field, 2) + _varint(len(data)) + data


def _string(field, text):
    return _bytes(field, text.encode()) if text else b""


def _bool(field, value):
    return _key(field, 0) + _varint(1) if value else b""


def _int(field, value):
    return _key(field, 0) + _varint(int(value)) if value else b""


def _double(field, value):
    return _key(field, 1) + struct.pack("<d", float(value)) if value else b""


def _message(field, data, always=False):
    return _bytes(field, data) if data or always else b""


def _any(value):
    """gnostic Any: the value as YAML text (field 2)."""
    text = yaml.safe_dump(value, default_flow_style=False)
    return _string(2, text.removesuffix("...\n").strip())


def _named_any(field, name, value):
    return _message(field, _string(1, name) + _message(2, _any(value), always=True), always=True)


def _extensions(field, node):
    return b"".join(_named_any(field, key, value) for key, value in node.items() if key.startswith("x-"))


def schema(node):
    """A JSON Schema (Swagger 2.0 flavour) as a gnostic Schema message."""
    if not isinstance(node, dict):
        return b""
    out = [_string(1, node.get("$ref") if isinstance(node.get("$ref"), str) else ""), _string(2, node.get("format", "")),
           _string(4, node.get("description", ""))]
    if "default" in node:
        out.append(_message(5, _any(node["default"]), always=True))
    out += [_double(6, node.get("multipleOf")), _double(7, node.get("maximum")), _bool(8, node.get("exclusiveMaximum")),
            _double(9, node.get("minimum")), _bool(10, node.get("exclusiveMinimum")), _int(11, node.get("maxLength")),
            _int(12, node.get("minLength")), _string(13, node.get("pattern", "")), _int(14, node.get("maxItems")),
            _int(15, node.get("minItems")), _bool(16, node.get("uniqueItems")), _int(17, node.get("maxProperties")),
            _int(18, node.get("minProperties"))]
    out += [_string(19, name) for name in node.get("required") or []]
    out += [_message(20, _any(value), always=True) for value in node.get("enum") or []]
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out.append(_message(21, _message(1, schema(additional), always=True), always=True))
    elif isinstance(additional, bool):
        out.append(_message(21, _key(2, 0) + _varint(int(additional)), always=True))
    kind = node.get("type")
    if kind:
        out.append(_message(22, b"".join(_string(1, k) for k in ([kind] if isinstance(kind, str) else kind)), always=True))
    if isinstance(node.get("items"), dict):
        out.append(_message(23, _message(1, schema(node["items"]), always=True), always=True))
    out += [_message(24, schema(item), always=True) for item in node.get("allOf") or []]
    if isinstance(node.get("properties"), dict):
        out.append(_message(25, b"".join(_message(1, _string(1, name) + _message(2, schema(value), always=True), always=True)
                                         for name, value in node["properties"].items()), always=True))
    out.append(_bool(27, node.get("readOnly")))
    if "example" in node:
        out.append(_message(30, _any(node["example"]), always=True))
    out.append(_extensions(31, node))
    return b"".join(out)


def _parameter(parameter):
    if parameter.get("in") == "body":
        body = (_string(1, parameter.get("description", "")) + _string(2, parameter["name"]) + _string(3, "body")
                + _bool(4, parameter.get("required")) + _message(5, schema(parameter.get("schema") or {}), always=True))
        return _message(1, _message(1, body, always=True), always=True)
    if parameter.get("in") == "path":
        sub = (_bool(1, parameter.get("required")) + _string(2, "path") + _string(3, parameter.get("description", ""))
               + _string(4, parameter["name"]) + _string(5, parameter.get("type", "")) + _bool(19, parameter.get("uniqueItems")))
        choice = 4
    else:
        sub = (_bool(1, parameter.get("required")) + _string(2, "query") + _string(3, parameter.get("description", ""))
               + _string(4, parameter["name"]) + _string(6, parameter.get("type", "")) + _bool(20, parameter.get("uniqueItems")))
        choice = 3
    return _message(1, _message(2, _message(choice, sub, always=True), always=True), always=True)


def _operation(operation):
    out = [_string(1, tag) for tag in operation.get("tags") or []]
    out += [_string(3, operation.get("description", "")), _string(5, operation.get("operationId", ""))]
    out += [_string(6, item) for item in operation.get("produces") or []]
    out += [_string(7, item) for item in operation.get("consumes") or []]
    out += [_message(8, _parameter(p), always=True) for p in operation.get("parameters") or []]
    responses = b""
    for code, response in (operation.get("responses") or {}).items():
        body = _string(1, response.get("description", ""))
        if response.get("schema"):
            body += _message(2, _message(1, schema(response["schema"]), always=True), always=True)
        responses += _message(1, _string(1, code) + _message(2, _message(1, body, always=True), always=True), always=True)
    out.append(_message(9, responses, always=True))
    out.append(_extensions(13, operation))
    return b"".join(out)


_METHODS = {"get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8}


def document(swagger):
    """The whole Swagger 2.0 ``swagger`` dict as a gnostic openapi.v2.Document."""
    info = swagger.get("info") or {}
    paths = b""
    for path, item in (swagger.get("paths") or {}).items():
        body = b"".join(_message(_METHODS[method], _operation(operation), always=True)
                        for method, operation in item.items() if method in _METHODS)
        body += b"".join(_message(9, _parameter(p), always=True) for p in item.get("parameters") or [])
        paths += _message(2, _string(1, path) + _message(2, body, always=True), always=True)
    definitions = b"".join(_message(1, _string(1, name) + _message(2, schema(value), always=True), always=True)
                           for name, value in (swagger.get("definitions") or {}).items())
    return (_string(1, swagger.get("swagger", "2.0")) + _message(2, _string(1, info.get("title", "")) + _string(2, info.get("version", "")))
            + _message(8, paths, always=True) + _message(9, definitions, always=True))

"""Content negotiation as kube-apiserver does it: the Accept header picks the encoding and an optional conversion.

staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/negotiate.go picks the first
acceptable clause; handlers/response.go converts to ``Table``, ``PartialObjectMetadata`` or
``PartialObjectMetadataList`` (group meta.k8s.io, version v1 or v1beta1) and answers 406 when a
conversion does not fit the object. The lab encodes JSON and YAML; it has no protobuf codec, so a
client asking only for protobuf gets the 406 a server without that serializer gives.
"""

import dataclasses
import json

import yaml

from . import tables
from .errors import ApiError, bad_request

JSON = "application/json"
YAML = "application/yaml"
SUPPORTED = (JSON, YAML)
CONVERSIONS = ("Table", "PartialObjectMetadata", "PartialObjectMetadataList")
NOT_ACCEPTABLE = "only the following media types are accepted: application/json, application/yaml"


@dataclasses.dataclass
class MediaType:
    """The negotiated answer: ``encoding`` (JSON or YAML) and an optional conversion ``(kind, version)``."""

    encoding: str = JSON
    convert: tuple | None = None

    @property
    def content_type(self):
        if self.convert is None:
            return self.encoding
        return "%s;as=%s;v=%s;g=meta.k8s.io" % (self.encoding, self.convert[0], self.convert[1])


def _clauses(header):
    for clause in (header or "").split(","):
        parts = [part.strip() for part in clause.split(";")]
        if not parts[0]:
            continue
        params = {}
        for part in parts[1:]:
            key, _sep, value = part.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        yield parts[0].lower(), params


def negotiate(header, streaming=False):
    """The MediaType for an Accept header, or 406 NotAcceptable."""
    if not (header or "").strip():
        return MediaType()
    for mime, params in _clauses(header):
        if mime in ("*/*", "application/*"):
            mime = JSON
        if mime not in SUPPORTED:
            continue
        if streaming and params.get("stream") not in (None, "watch"):
            continue
        target = params.get("as")
        if target is None:
            return MediaType(mime)
        if target in CONVERSIONS and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return MediaType(mime, (target, params["v"]))
    raise ApiError(406, "NotAcceptable", NOT_ACCEPTABLE)


def encode(body, encoding):
    if encoding == YAML:
        return yaml.safe_dump(body, default_flow_style=False, sort_keys=True).encode()
    return json.dumps(body, separators=(",", ":")).encode()


def decode(raw, content_type):
    """A request body: JSON, or YAML (application/yaml, and the apply-patch YAML)."""
    try:
        if content_type in (YAML, "application/apply-patch+yaml"):
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise bad_request("couldn't get version/kind; json parse error: %s" % exc) from exc


def options_for_table(query):
    """TableOptions.includeObject: "", None, Metadata or Object (ValidateTableOptions)."""
    include = (query.get("includeObject") or [""])[-1]
    if include not in ("", "None", "Metadata", "Object"):
        raise bad_request('Unable to convert to Table as requested: includeObject: Unsupported value: "%s": '
                          'supported values: "Metadata", "None", "Object"' % include)
    return include or "Metadata"


def transform_object(media, rtype, obj, query):
    """One object as the negotiated conversion wants it."""
    if media.convert is None:
        return obj
    kind, version = media.convert
    if kind == "PartialObjectMetadata":
        return tables.partial_metadata(obj, version)
    if kind == "PartialObjectMetadataList":
        raise ApiError(406, "NotAcceptable", "you requested PartialObjectMetadataList, but the requested object is not a list (*unstructured.Unstructured)")
    return tables.table(rtype, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion", "")}, options_for_table(query), version)


def transform_list(media, rtype, list_body, query):
    """A list as the negotiated conversion wants it."""
    if media.convert is None:
        return list_body
    kind, version = media.convert
    if kind == "PartialObjectMetadata":
        raise ApiError(406, "NotAcceptable", "you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)")
    if kind == "PartialObjectMetadataList":
        return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/" + version, "metadata": list_body["metadata"],
                "items": [tables.partial_metadata(item, version) for item in list_body["items"]]}
    return tables.table(rtype, list_body["items"], list_body["metadata"], options_for_table(query), version)

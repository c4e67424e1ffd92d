"""The HTTPS front end of a Store: kube-apiserver's REST paths, discovery, auth, watch and error bodies."""

import json
import select
import socket
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import media, openapi, openapi_pb
from .rbac import Attributes, Authorizer, Identity, request_attributes
from .errors import ApiError, bad_request, conflict, forbidden, invalid, method_not_allowed, status_body, unsupported_media_type
from .selectors import parse_field_selector, parse_label_selector

DEFAULT_VERSION_INFO = {
    "major": "1",
    "minor": "29",
    "gitVersion": "v1.29.10+67d3387",
    "gitCommit": "67d33876e3b6d4dc0d04a4e0b8be1e1b1e5fd6a9",
    "gitTreeState": "clean",
    "buildDate": "2024-10-22T08:21:43Z",
    "goVersion": "go1.21.13 (Red Hat 1.21.13-5.el9_4) X:strictfipsruntime",
    "compiler": "gc",
    "platform": "linux/amd64",
}
PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Kinds whose DELETE answers with the deleted object rather than a Status (as their registries do).
RETURNS_DELETED_OBJECT = frozenset({("", "Pod"), ("", "Namespace"), ("apiextensions.k8s.io", "CustomResourceDefinition")})
MAX_WATCH_SECONDS = 1800
# authorization.k8s.io/v1 reviews the server answers for the requester (pkg/registry/authorization/selfsubject*review/rest.go).
REVIEWS = {"selfsubjectaccessreviews": "SelfSubjectAccessReview", "selfsubjectrulesreviews": "SelfSubjectRulesReview"}
# Health endpoints and their named checks (a kube-apiserver's default set, minus post-start hooks).
HEALTH_ENDPOINTS = {
    "healthz": ("ping", "log", "etcd"),
    "livez": ("ping", "log", "etcd"),
    "readyz": ("ping", "log", "etcd", "etcd-readiness", "informer-sync", "shutdown"),
}


class Request:
    """What one HTTP request addresses, once its path is parsed."""

    def __init__(self, method, path, query):
        self.method = method
        self.path = path
        self.query = query
        self.rtype = None
        self.group = None
        self.version = None
        self.namespace = None
        self.name = None
        self.subresource = None
        self.verb = None
        self.media = media.MediaType()
        self.warnings = []

    def param(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    @property
    def dry_run(self):
        return "All" in self.query.get("dryRun", [])

    def check_options(self, body_dry_run=()):
        """ValidateCreate/Update/Patch/DeleteOptions (apimachinery/pkg/apis/meta/v1/validation): dryRun only "All", known fieldValidation."""
        causes = []
        dry_run = list(self.query.get("dryRun", [])) + list(body_dry_run or [])
        if any(value != "All" for value in dry_run):
            causes.append(("FieldValueNotSupported", "dryRun", 'Unsupported value: %s: supported values: "All"' % json.dumps(dry_run)))
        validation = self.param("fieldValidation")
        if self.method in ("POST", "PUT", "PATCH") and validation not in (None, "", "Ignore", "Warn", "Strict"):
            causes.append(("FieldValueNotSupported", "fieldValidation",
                           'Unsupported value: %s: supported values: "Ignore", "Strict", "Warn"' % json.dumps(validation)))
        if causes:
            kind = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions", "DELETE": "DeleteOptions"}[self.method]
            raise invalid(kind, "meta.k8s.io", "", causes)

    @property
    def is_write(self):
        return self.method in WRITE_METHODS


class ApiServer:
    """One cluster's API endpoint on loopback, serving ``store`` over TLS with bearer-token auth.

    ``tokens`` maps a bearer token to an rbac.Identity, or to "admin" (system:admin in system:masters, bound to
    cluster-admin) or "readonly" (the ServiceAccount lab/readonly, bound to get/list/watch on everything). Every
    request is authorized by RBAC over the store (rbac.py); ``add_token`` registers more identities at run time.
    ``on_request_start()`` returns a request's sequence number as it arrives and ``on_request(record)``
    receives one dict per request, once answered, for the request log; ``faults(request)``
    may return a Fault-like object (``delay``, ``status``, ``drop``) to disturb an HTTP request.
    """

    def __init__(self, store, tokens, ssl_context=None, host="127.0.0.1", port=0, version_info=None, on_request=None, faults=None,
                 on_request_start=None):
        self.store = store
        self.tokens = {token: _identity(kind) for token, kind in tokens.items()}
        self.authorizer = Authorizer(store)
        self.version_info = dict(version_info or DEFAULT_VERSION_INFO)
        self.on_request = on_request
        self.on_request_start = on_request_start
        self.faults = faults
        self.stopping = threading.Event()
        self.httpd = _Server((host, port), _Handler, self, ssl_context)
        self.host, self.port = self.httpd.server_address[:2]
        self._thread = None

    @property
    def url(self):
        return "https://%s:%d" % (self.host, self.port)

    def add_token(self, token, identity):
        """Authenticate ``token`` as ``identity`` from now on (an rbac.Identity, "admin" or "readonly")."""
        self.tokens[token] = _identity(identity)

    def authenticate(self, token):
        """The Identity of a bearer token, or None (401). A ServiceAccount's token only works while the ServiceAccount
        exists (staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount: the token's object must still be there)."""
        identity = self.tokens.get(token)
        if identity is None or not identity.requires_object:
            return identity
        namespace, name = identity.service_account_ref
        return identity if self.store.get("v1", "ServiceAccount", name, namespace) is not None else None

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="apiserver-%s" % self.store.name, daemon=True)
        self._thread.start()

    def stop(self):
        self.stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd.close_connections()
        if self._thread:
            self._thread.join(5)


def _forbidden(identity, attrs, reason):
    """responsewriters/errors.go ``ForbiddenStatusError`` wrapped by apierrors.NewForbidden."""
    message = 'User "%s" %s' % (identity.name, attrs.describe()) + (": " + reason if reason else "")
    if not attrs.resource_request:
        return forbidden("forbidden: " + message)
    target = attrs.resource + ("." + attrs.group if attrs.group else "")
    target = '%s "%s"' % (target, attrs.name) if attrs.name else target
    return forbidden("%s is forbidden: %s" % (target, message), name=attrs.name or None, group=attrs.group, plural=attrs.resource)


def _identity(kind):
    if isinstance(kind, Identity):
        return kind
    if kind == "admin":
        return Identity.user("system:admin", ["system:masters"], label="admin")
    if kind == "readonly":
        return Identity.service_account("lab", "readonly", label="readonly", requires_object=False)
    raise ValueError("a token maps to an rbac.Identity, 'admin' or 'readonly', not %r" % (kind,))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, handler, api, ssl_context):
        self.api = api
        self.ssl_context = ssl_context
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """Hang up on idle keep-alive clients so their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake then happens in the handler thread, so a slow client cannot stall accept().
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60
    server_version = "lab-apiserver"
    sys_version = ""
    _pending_record = None

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Requests are logged through ApiServer.on_request, not on stderr."""

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ssl.SSLError, ConnectionError, socket.timeout, OSError):
            self.close_connection = True

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_DELETE(self):
        self._serve("DELETE")

    @property
    def api(self):
        return self.server.api

    def _serve(self, method):
        started = time.perf_counter()
        split = urllib.parse.urlsplit(self.path)
        request = Request(method, split.path.rstrip("/") or "/", urllib.parse.parse_qs(split.query))
        identity = self._identity()
        sequence = self.api.on_request_start() if self.api.on_request_start is not None else None
        self._pending_record = (request, identity, started, sequence, self.api.store.commits_by_this_thread())
        status = 500
        try:
            status = self._dispatch(request, identity)
        except ApiError as error:
            status = self._send_error(error)
        except (ConnectionError, ssl.SSLError, BrokenPipeError):
            status = 499
            self.close_connection = True
        except Exception as exc:  # pylint: disable=broad-exception-caught
            status = self._send_error(ApiError(500, "InternalError", "Internal error occurred: %s: %s" % (type(exc).__name__, exc)))
        self._record(status)

    def _record(self, status):
        """Log the current request once; called before the last bytes of an answer leave, so a client never outruns the log."""
        pending, self._pending_record = self._pending_record, None
        if pending is None or self.api.on_request is None:
            return
        request, identity, started, sequence, commits_before = pending
        changed = self.api.store.commits_by_this_thread() != commits_before
        self.api.on_request({
            "time": round(time.time(), 6),
            "sequence": sequence,
            "cluster": self.api.store.name,
            "method": request.method,
            "verb": request.verb or request.method.lower(),
            "path": request.path,
            "query": urllib.parse.urlencode(request.query, doseq=True),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "write": request.is_write and not request.dry_run,
            "mutating": changed,
            "dry_run": request.dry_run,
            "token": identity.label if identity else "none",
            "user": identity.name if identity else None,
        })

    def _identity(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.api.authenticate(header[len("Bearer "):].strip())

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _parse_body(self, raw, content_type=None):
        if not raw:
            return None
        if content_type is None:
            content_type = (self.headers.get("Content-Type") or media.JSON).split(";")[0].strip().lower()
        return media.decode(raw, content_type)

    def _send_json(self, code, body, extra_headers=None, media_type=None):
        media_type = media_type or media.MediaType()
        data = media.encode(body, media_type.encoding)
        return self._send_bytes(code, data, media_type.content_type, extra_headers)

    def _send_bytes(self, code, data, content_type, extra_headers=None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in (extra_headers or {}).items():
            for item in value if isinstance(value, list) else [value]:
                self.send_header(key, item)
        self.end_headers()
        self._record(code)
        self.wfile.write(data)
        return code

    def _send_error(self, error, extra_headers=None):
        try:
            return self._send_json(error.code, error.status(), extra_headers)
        except (ConnectionError, ssl.SSLError, OSError):
            self.close_connection = True
            return error.code

    # ------------------------------------------------------------------ routing
    def _dispatch(self, request, identity):
        raw = self._read_body() if request.method in ("POST", "PUT", "PATCH", "DELETE") else b""
        if identity is None:
            return self._send_json(401, ApiError(401, "Unauthorized", "Unauthorized").status())
        # The authorization filter runs before any handler (staging/src/k8s.io/apiserver/pkg/endpoints/filters/authorization.go).
        attrs = request_attributes(request.method, request.path, request.query)
        allowed, reason = self.api.authorizer.authorize(identity, attrs)
        if not allowed:
            raise _forbidden(identity, attrs, reason)
        if attrs.resource_request and attrs.group == "authorization.k8s.io" and attrs.resource in REVIEWS:
            return self._review(request, raw, identity, attrs)
        if request.path.split("/")[1] in HEALTH_ENDPOINTS and request.method == "GET":
            request.verb = "get"
            return self._health(request)
        if request.path == "/openapi/v2" or request.path.startswith("/openapi/v3"):
            request.verb = "get"
            return self._openapi(request)
        discovery = self._discovery(request.path)
        if discovery is not None:
            request.verb = "get"
            return self._send_json(200, discovery)
        self._resolve(request)
        fault = self.api.faults(request) if self.api.faults else None
        if fault is not None:
            handled = self._inject(fault, request)
            if handled is not None:
                return handled
        return self._handle_resource(request, raw)

    def _review(self, request, raw, identity, attrs):
        """SelfSubjectAccessReview / SelfSubjectRulesReview: answered from the same RBAC rules, never stored."""
        if request.method != "POST" or attrs.name:
            raise method_not_allowed()
        request.verb = "create"
        kind = REVIEWS[attrs.resource]
        body = self._parse_body(raw) or {}
        spec = body.get("spec") if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise bad_request("not a %s" % kind)
        if kind == "SelfSubjectRulesReview":
            if not spec.get("namespace"):
                raise bad_request("no namespace on request")
            status = self.api.authorizer.rules_review(identity, spec["namespace"])
        else:
            status = self._access_review(identity, spec)
        return self._send_json(201, {"kind": kind, "apiVersion": "authorization.k8s.io/v1", "metadata": {"creationTimestamp": None},
                                     "spec": spec, "status": status})

    def _access_review(self, identity, spec):
        """selfsubjectaccessreview/rest.go + validation: exactly one of resourceAttributes and nonResourceAttributes."""
        resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if bool(resource) == bool(non_resource):
            cause = (("FieldValueInvalid", "spec.nonResourceAttributes", "cannot be specified in combination with resourceAttributes")
                     if resource else
                     ("FieldValueRequired", "spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
            raise invalid("SelfSubjectAccessReview", "authorization.k8s.io", "", [cause])
        if resource:
            attrs = Attributes(verb=resource.get("verb", ""), resource_request=True, group=resource.get("group", ""),
                               resource=resource.get("resource", ""), subresource=resource.get("subresource", ""),
                               name=resource.get("name", ""), namespace=resource.get("namespace", ""))
        else:
            attrs = Attributes(verb=non_resource.get("verb", ""), path=non_resource.get("path", ""))
        allowed, reason = self.api.authorizer.authorize(identity, attrs)
        return {"allowed": allowed, "reason": reason} if reason else {"allowed": allowed}

    def _health(self, request):
        """/healthz, /livez, /readyz and their per-check paths (staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go)."""
        parts = request.path.strip("/").split("/")
        endpoint = parts[0]
        checks = HEALTH_ENDPOINTS[endpoint]
        if len(parts) > 2 or (len(parts) == 2 and parts[1] not in checks):
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        if len(parts) == 2:
            body = "ok"
        elif "verbose" in urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True):
            body = "".join("[+]%s ok\n" % check for check in checks) + "%s check passed\n" % endpoint
        else:
            body = "ok"
        return self._send_bytes(200, body.encode(), "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})

    def _openapi(self, request):
        """OpenAPI documents: JSON, and for /openapi/v2 also gnostic protobuf (what kubectl asks for)."""
        accepted = [clause.split(";")[0].strip().lower() for clause in (self.headers.get("Accept") or "*/*").split(",")]
        usable = [mime for mime in accepted if mime in (media.JSON, "*/*", "application/*")
                  or (mime in openapi_pb.MEDIA_TYPES and request.path == "/openapi/v2")]
        if not usable:
            # kube-apiserver also serves v3 as protobuf; the lab has no such codec.
            return self._send_bytes(406, b"406: Not Acceptable", "text/plain; charset=utf-8")
        document = openapi.document(self.api.store.registry, request.path, self.api.version_info)
        if document is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        if usable[0] in openapi_pb.MEDIA_TYPES:
            data, content_type = openapi.protobuf(self.api.store.registry, document), openapi_pb.RETURNED_MEDIA_TYPE
        else:
            data, content_type = json.dumps(document, separators=(",", ":")).encode(), media.JSON
        headers = {"Etag": '"%s"' % openapi.digest(data)}
        if request.param("hash"):
            headers["Cache-Control"] = "public, immutable"
            headers["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        return self._send_bytes(200, data, content_type, headers)

    def _inject(self, fault, request):
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return 0
        rtype = request.rtype
        if fault.status == 409 and request.is_write:
            return self._send_error(conflict(rtype.plural, rtype.group, request.name or ""))
        if fault.status == 429:
            return self._send_error(ApiError(429, "TooManyRequests", "Too many requests, please try again later.", {"retryAfterSeconds": 1}),
                                    {"Retry-After": "1"})
        if fault.status == 503:
            return self._send_error(ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request"))
        if fault.status:
            return self._send_error(ApiError(fault.status, "InternalError", "Internal error occurred: etcdserver: request timed out"))
        return None

    def _discovery(self, path):
        if path == "/version":
            return self.api.version_info
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "%s:%d" % (self.api.host, self.api.port)}]}
        if path == "/apis":
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups()}
        if path == "/api/v1":
            return self._resource_list("", "v1")
        parts = path.split("/")
        if len(parts) == 3 and parts[1] == "apis":
            group = next((g for g in self._groups() if g["name"] == parts[2]), None)
            if group is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return dict(group, kind="APIGroup", apiVersion="v1")
        if len(parts) == 4 and parts[1] == "apis":
            return self._resource_list(parts[2], parts[3])
        return None

    def _groups(self):
        groups = []
        for group, versions in sorted(self.api.store.registry.group_versions().items()):
            entries = [{"groupVersion": "%s/%s" % (group, version), "version": version} for version in versions]
            groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
        return groups

    def _resource_list(self, group, version):
        types = [t for t in self.api.store.registry.all_types() if t.group == group and t.version == version]
        if not types:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        resources = []
        for rtype in sorted(types, key=lambda t: t.plural):
            resources.extend(rtype.discovery())
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "%s/%s" % (group, version) if group else version,
                "resources": resources}

    def _resolve(self, request):
        parts = [urllib.parse.unquote(p) for p in request.path.strip("/").split("/")]
        if parts[:2] == ["api", "v1"]:
            request.group, request.version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            request.group, request.version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        registry = self.api.store.registry
        if len(rest) >= 3 and rest[0] == "namespaces":
            candidate = registry.by_resource(request.group, request.version, rest[2])
            if candidate is not None and candidate.namespaced:
                request.namespace, rest = rest[1], rest[2:]
        rtype = registry.by_resource(request.group, request.version, rest[0]) if rest else None
        if rtype is None or len(rest) > 3:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        request.rtype = rtype
        request.name = rest[1] if len(rest) > 1 else None
        request.subresource = rest[2] if len(rest) > 2 else None
        if request.subresource and not (request.subresource == "status" and rtype.status_subresource):
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        request.verb = self._verb(request)

    @staticmethod
    def _verb(request):
        collection = request.name is None
        if request.method == "GET":
            if request.param("watch", "false").lower() in ("true", "1"):
                return "watch"
            return "list" if collection else "get"
        verbs = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "deletecollection" if collection else "delete"}
        verb = verbs[request.method]
        if (request.method == "POST") != collection and verb != "deletecollection":
            raise method_not_allowed()
        return verb

    # ------------------------------------------------------------------ resources
    def _handle_resource(self, request, raw):
        handler = {
            "get": self._get,
            "list": self._list,
            "watch": self._watch,
            "create": self._create,
            "update": self._update,
            "patch": self._patch,
            "delete": self._delete,
            "deletecollection": self._delete_collection,
        }[request.verb]
        request.media = media.negotiate(self.headers.get("Accept"), streaming=request.verb == "watch")
        if not request.is_write or request.verb in ("delete", "deletecollection"):
            return handler(request, raw)
        request.check_options()
        # Without the parameter kube-apiserver warns about unknown fields (Warn is the default since 1.23).
        with self.api.store.field_validation(request.param("fieldValidation") or "Warn") as warnings:
            request.warnings = warnings
            return handler(request, raw)

    def _send_object(self, code, request, obj):
        headers = {}
        if request.warnings:
            # One Warning header per message in kube-apiserver; http.server writes repeated keys only through a list.
            headers["Warning"] = ['299 - "%s"' % message.replace('"', '\\"') for message in request.warnings]
        return self._send_json(code, media.transform_object(request.media, request.rtype, obj, request.query), headers, media_type=request.media)

    def _field_manager(self, request):
        manager = request.param("fieldManager")
        if manager:
            return manager
        agent = self.headers.get("User-Agent", "unknown")
        return agent.split("/", 1)[0] or "unknown"

    def _get(self, request, _raw):
        rtype = request.rtype
        obj = self.api.store.get(rtype.api_version, rtype.kind, request.name, request.namespace)
        if obj is None:
            raise ApiError(404, "NotFound", '%s "%s" not found' % (rtype.qualified_plural, request.name),
                           {"name": request.name, "group": rtype.group, "kind": rtype.plural})
        return self._send_object(200, request, obj)

    def _list(self, request, _raw):
        rtype = request.rtype
        try:
            limit = int(request.param("limit") or 0)
        except ValueError as exc:
            raise bad_request("limit: Invalid value: %s: must be an integer" % json.dumps(request.param("limit"))) from exc
        token = request.param("continue")
        if token and request.param("resourceVersion") not in (None, "", "0"):
            raise bad_request("specifying resource version is not allowed when using continue")
        items, metadata = self.api.store.list_page(rtype.api_version, rtype.kind, request.namespace, request.param("labelSelector"),
                                                   request.param("fieldSelector"), limit=max(limit, 0), continue_token=token)
        body = {"kind": rtype.kind + "List", "apiVersion": rtype.api_version, "metadata": metadata, "items": items}
        return self._send_json(200, media.transform_list(request.media, rtype, body, request.query), media_type=request.media)

    def _body_object(self, request, raw):
        obj = self._parse_body(raw)
        if not isinstance(obj, dict):
            raise bad_request("Object 'Kind' is missing in the request body")
        rtype = request.rtype
        if obj.get("kind") not in (None, rtype.kind):
            raise bad_request("the API version in the data (%s) does not match the expected API version (%s)"
                              % (obj.get("apiVersion"), rtype.api_version) if obj.get("kind") is None else
                              "%s in version \"%s\" cannot be handled as a %s: the kind in the data does not match" % (
                                  obj.get("kind"), rtype.version, rtype.kind))
        group = obj.get("apiVersion", "").rpartition("/")[0]
        if obj.get("apiVersion") and group != rtype.group:
            raise bad_request("the API version in the data (%s) does not match the expected API version (%s)" % (obj["apiVersion"], rtype.api_version))
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        meta = obj.setdefault("metadata", {})
        if rtype.namespaced:
            if meta.get("namespace") and meta["namespace"] != request.namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = request.namespace
        if request.name and meta.get("name") and meta["name"] != request.name:
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)" % (meta["name"], request.name))
        if request.name:
            meta["name"] = request.name
        return obj

    def _create(self, request, raw):
        obj = self._body_object(request, raw)
        created = self.api.store.create(obj, dry_run=request.dry_run, field_manager=self._field_manager(request))
        return self._send_object(201, request, created)

    def _update(self, request, raw):
        obj = self._body_object(request, raw)
        store = self.api.store
        if request.subresource == "status":
            updated = store.update_status(obj, dry_run=request.dry_run, field_manager=self._field_manager(request))
        else:
            updated = store.update(obj, dry_run=request.dry_run, field_manager=self._field_manager(request))
        return self._send_object(200, request, updated)

    def _patch(self, request, raw):
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        patch_type = PATCH_TYPES.get(content_type)
        if patch_type is None:
            raise unsupported_media_type(content_type)
        body = self._parse_body(raw, content_type)
        if body is None:
            raise bad_request("the body of the request was empty")
        rtype = request.rtype
        store = self.api.store
        existed = patch_type != "apply" or store.get(rtype.api_version, rtype.kind, request.name, request.namespace) is not None
        if patch_type == "apply" and isinstance(body, dict):
            if body.get("kind") not in (None, rtype.kind):
                raise bad_request("the kind in the apply patch (%s) does not match the URL (%s)" % (body.get("kind"), rtype.kind))
        force = request.param("force", "false").lower() == "true"
        result = store.patch(rtype.api_version, rtype.kind, request.name, request.namespace, body, patch_type, dry_run=request.dry_run,
                             subresource=request.subresource, field_manager=self._field_manager(request) if patch_type != "apply"
                             else request.param("fieldManager"), force=force)
        return self._send_object(200 if existed else 201, request, result)

    def _delete_options(self, request, raw):
        options = self._parse_body(raw) or {}
        if not isinstance(options, dict):
            raise bad_request("DeleteOptions must be an object")
        request.check_options(options.get("dryRun") or ())
        dry_run = request.dry_run or "All" in (options.get("dryRun") or [])
        policy = options.get("propagationPolicy") or request.param("propagationPolicy")
        if policy not in (None, "Orphan", "Background", "Foreground"):
            raise ApiError(422, "Invalid", 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "%s": '
                           'supported values: "Foreground", "Background", "Orphan", "nil"' % policy)
        return dry_run, options.get("preconditions") or {}, policy

    def _delete(self, request, raw):
        dry_run, preconditions, policy = self._delete_options(request, raw)
        rtype = request.rtype
        if (rtype.group, rtype.kind) == ("", "Namespace") and request.name in ("default", "kube-system", "kube-public"):
            raise forbidden('namespaces "%s" is forbidden: this namespace may not be deleted' % request.name,
                            name=request.name, plural="namespaces")
        obj, removed = self.api.store.delete_detailed(rtype.api_version, rtype.kind, request.name, request.namespace,
                                                      dry_run=dry_run, preconditions=preconditions, propagation_policy=policy)
        if removed and not rtype.custom and (rtype.group, rtype.kind) not in RETURNS_DELETED_OBJECT:
            details = {"name": request.name, "group": rtype.group, "kind": rtype.plural, "uid": obj["metadata"]["uid"]}
            return self._send_json(200, status_body("Success", details=details), media_type=media.MediaType(request.media.encoding))
        return self._send_object(200, request, obj)

    def _delete_collection(self, request, raw):
        dry_run, _preconditions, policy = self._delete_options(request, raw)
        rtype = request.rtype
        store = self.api.store
        items = store.list(rtype.api_version, rtype.kind, request.namespace, request.param("labelSelector"), request.param("fieldSelector"))
        deleted = []
        for item in items:
            obj, _removed = store.delete_detailed(rtype.api_version, rtype.kind, item["metadata"]["name"],
                                                  item["metadata"].get("namespace"), dry_run=dry_run, propagation_policy=policy)
            deleted.append(obj)
        body = {"kind": rtype.kind + "List", "apiVersion": rtype.api_version, "metadata": {"resourceVersion": store.resource_version},
                "items": deleted}
        return self._send_json(200, media.transform_list(request.media, rtype, body, request.query), media_type=request.media)

    # ------------------------------------------------------------------ watch
    def _watch(self, request, _raw):
        rtype = request.rtype
        store = self.api.store
        labels_match = parse_label_selector(request.param("labelSelector"))
        fields_match = parse_field_selector(request.param("fieldSelector"), rtype.group, rtype.kind)
        timeout = min(float(request.param("timeoutSeconds", MAX_WATCH_SECONDS)), MAX_WATCH_SECONDS)
        try:
            watcher = store.start_watch(rtype.api_version, rtype.kind, request.namespace, request.param("resourceVersion"))
        except ApiError as error:
            if error.code != 410:
                raise
            # kube-apiserver answers a too old resourceVersion inside the stream, as an ERROR event.
            self._start_stream()
            self._write_chunk(json.dumps({"type": "ERROR", "object": error.status()}).encode() + b"\n")
            self._write_chunk(b"")
            return 200
        try:
            self._start_stream()
            deadline = time.monotonic() + timeout
            first_row = True

            def matches(obj):
                return (labels_match is None or labels_match(obj["metadata"].get("labels") or {})) and (fields_match is None or fields_match(obj))

            while not self.api.stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                event = watcher.next(min(remaining, 0.5))
                if event is None:
                    if self._client_gone():
                        # kube-apiserver ends a watch when its client goes away, not at timeoutSeconds.
                        self.close_connection = True
                        return 499
                    continue
                event_type = _selected_event_type(*event, matches)
                if event_type is None:
                    continue
                obj = event[1]
                obj["apiVersion"] = rtype.api_version
                obj, first_row = self._watch_object(request, obj, first_row), False
                self._write_chunk(json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n")
            self._write_chunk(b"")
        finally:
            watcher.close()
        return 200

    def _watch_object(self, request, obj, first):
        """A watch event's object under the negotiated conversion; Table events carry column headers only in the first one."""
        convert = request.media.convert
        if convert is None:
            return obj
        if convert[0] == "PartialObjectMetadata":
            return media.tables.partial_metadata(obj, convert[1])
        if convert[0] == "Table":
            return media.tables.table(request.rtype, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                                      media.options_for_table(request.query), convert[1], headers=first)
        raise ApiError(406, "NotAcceptable", media.NOT_ACCEPTABLE)

    def _client_gone(self):
        """Whether the client closed a streaming request's connection (it has nothing else to send meanwhile)."""
        try:
            readable, _writable, _errors = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

    def _write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def _selected_event_type(event_type, obj, old, matches):
    """The event a selector-filtered watch reports: objects entering or leaving the selection are ADDED/DELETED."""
    new_match = matches(obj)
    if event_type != "MODIFIED" or old is None:
        return event_type if new_match else None
    old_match = matches(old)
    if new_match and old_match:
        return "MODIFIED"
    if new_match:
        return "ADDED"
    return "DELETED" if old_match else None

"""kube-apiserver shaped errors: every failure a client can see is a ``Status`` object."""

HTTP_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


# metav1.Status, StatusDetails and StatusCause fields in declaration order: encoding/json writes them so
# (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go), and empty ones carry omitempty.
_DETAIL_KEYS = ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")
_CAUSE_KEYS = ("reason", "message", "field")


def status_body(status, message=None, reason=None, details=None, code=None):
    """A ``Status`` as kube-apiserver encodes it; ``details`` ``{}`` stays (a non-nil empty StatusDetails), None drops it."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status}
    if message:
        body["message"] = message
    if reason:
        body["reason"] = reason
    if details is not None:
        ordered = {key: details[key] for key in _DETAIL_KEYS if details.get(key) not in (None, "", [], 0)}
        if ordered.get("causes"):
            ordered["causes"] = [{key: cause[key] for key in _CAUSE_KEYS if cause.get(key)} for cause in ordered["causes"]]
        body["details"] = ordered
    if code:
        body["code"] = code
    return body


class ApiError(Exception):
    """An error the API server answers with a ``Status`` body."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self):
        """The ``Status`` object kube-apiserver returns for this error, keys in its Go field order."""
        return status_body("Failure", message=self.message, reason=self.reason, details=self.details, code=self.code)

    def __repr__(self):
        return "ApiError(%d, %r, %r)" % (self.code, self.reason, self.message)


def _details(name, group, plural, **extra):
    details = {"kind": plural}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details.update(extra)
    return details


def qualified(plural, group):
    """``plural.group`` as kube-apiserver names a resource in messages (core group: ``plural``)."""
    return "%s.%s" % (plural, group) if group else plural


def not_found(plural, group, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(plural, group), name), _details(name, group, plural))


def already_exists(plural, group, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(plural, group), name), _details(name, group, plural))


def conflict(plural, group, name, why="the object has been modified; please apply your changes to the latest version and try again"):
    message = 'Operation cannot be fulfilled on %s "%s": %s' % (qualified(plural, group), name, why)
    return ApiError(409, "Conflict", message, _details(name, group, plural))


def invalid(kind, group, name, causes):
    """422 Invalid; ``causes`` is a list of ``(reason, field, message)``."""
    qualified_kind = "%s.%s" % (kind, group) if group else kind
    summary = ", ".join("%s: %s" % (field, message) if field else message for _reason, field, message in causes)
    if len(causes) > 1:
        summary = "[%s]" % summary
    message = '%s "%s" is invalid: %s' % (qualified_kind, name, summary)
    details = {
        "name": name,
        "kind": kind,
        "causes": [{"reason": reason, "message": message, "field": field} for reason, field, message in causes],
    }
    if group:
        details["group"] = group
    return ApiError(422, "Invalid", message, details)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def forbidden(message, name=None, group=None, plural=None):
    return ApiError(403, "Forbidden", message, _details(name, group, plural) if plural else None)


def unsupported_media_type(content_type):
    message = ("the body of the request was in an unknown format (%s) - accepted media types include: "
               "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml" % content_type)
    return ApiError(415, "UnsupportedMediaType", message)


def method_not_allowed(message="the server does not allow this method on the requested resource"):
    return ApiError(405, "MethodNotAllowed", message)

"""Label and field selectors with kube-apiserver's grammar and errors."""

import re

from .errors import bad_request

_LABEL_TERM = re.compile(
    r"""^\s*(?:
        (?P<not_exists>!)\s*(?P<nkey>[^\s=!,()]+)\s*$ |
        (?P<skey>[^\s=!,()]+)\s+(?P<setop>in|notin)\s*\((?P<values>[^()]*)\)\s*$ |
        (?P<ekey>[^\s=!,()]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s=!,()]*)\s*$ |
        (?P<xkey>[^\s=!,()]+)\s*$
    )""",
    re.VERBOSE,
)
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


def _split_terms(text):
    """Split on commas that are not inside parentheses."""
    terms, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return terms


def _check_key(key, selector):
    if not _LABEL_KEY.fullmatch(key):
        raise bad_request('unable to parse requirement: invalid label key "%s": name part must consist of alphanumeric characters, '
                          "'-', '_' or '.', and must start and end with an alphanumeric character (selector %r)" % (key, selector))


def _check_value(value, selector):
    if not _LABEL_VALUE.fullmatch(value):
        raise bad_request('unable to parse requirement: values[0]: Invalid value: "%s": a valid label must be an empty string or '
                          "consist of alphanumeric characters, '-', '_' or '.' (selector %r)" % (value, selector))


def parse_label_selector(text):
    """Compile a label selector string into a predicate on a labels dict (``None`` selects everything)."""
    if not text or not text.strip():
        return None
    requirements = []
    for term in _split_terms(text):
        match = _LABEL_TERM.match(term)
        if not match:
            raise bad_request("unable to parse requirement: found '%s', expected: in, notin, =, ==, !=, gt, lt" % term.strip())
        if match.group("nkey"):
            key = match.group("nkey")
            _check_key(key, text)
            requirements.append(lambda labels, k=key: k not in labels)
        elif match.group("skey"):
            key, setop = match.group("skey"), match.group("setop")
            _check_key(key, text)
            values = frozenset(v.strip() for v in match.group("values").split(",") if v.strip())
            for value in values:
                _check_value(value, text)
            if setop == "in":
                requirements.append(lambda labels, k=key, vs=values: k in labels and labels[k] in vs)
            else:
                requirements.append(lambda labels, k=key, vs=values: k not in labels or labels[k] not in vs)
        elif match.group("ekey"):
            key, op, value = match.group("ekey"), match.group("op"), match.group("value")
            _check_key(key, text)
            _check_value(value, text)
            if op == "!=":
                requirements.append(lambda labels, k=key, v=value: labels.get(k) != v)
            else:
                requirements.append(lambda labels, k=key, v=value: k in labels and labels[k] == v)
        else:
            key = match.group("xkey")
            _check_key(key, text)
            requirements.append(lambda labels, k=key: k in labels)
    return lambda labels: all(requirement(labels) for requirement in requirements)


# Field labels each kind supports besides metadata.name / metadata.namespace, as kube-apiserver registers them.
EXTRA_FIELD_LABELS = {
    ("", "Secret"): ("type",),
    ("", "Pod"): ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"),
    ("", "Event"): ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "source", "type"),
    ("", "Namespace"): ("status.phase",),
    ("", "Node"): ("spec.unschedulable",),
    ("", "ReplicationController"): ("status.replicas",),
}


# Field labels of non-string Go fields: a missing field is its zero value, as the typed object's
# ToSelectableFields writes it (pkg/registry/core/node/strategy.go: strconv.FormatBool(node.Spec.Unschedulable);
# pkg/registry/core/replicationcontroller/strategy.go: strconv.Itoa(int(rc.Status.Replicas))).
ZERO_VALUES = {"spec.unschedulable": "false", "status.replicas": "0"}


def _field_value(obj, path):
    value = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            value = None
            break
        value = value.get(part)
    if value is None:
        return ZERO_VALUES.get(path, "")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_field_selector(text, group, kind):
    """Compile a field selector string into a predicate on an object (``None`` selects everything)."""
    if not text or not text.strip():
        return None
    allowed = ("metadata.name", "metadata.namespace") + EXTRA_FIELD_LABELS.get((group, kind), ())
    requirements = []
    for term in text.split(","):
        match = re.fullmatch(r"\s*([^\s=!]+)\s*(==|=|!=)\s*(\S*)\s*", term)
        if not match:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (text, term))
        field, op, value = match.groups()
        if field not in allowed:
            raise bad_request('field label not supported: %s' % field)
        if op == "!=":
            requirements.append(lambda obj, f=field, v=value: _field_value(obj, f) != v)
        else:
            requirements.append(lambda obj, f=field, v=value: _field_value(obj, f) == v)
    return lambda obj: all(requirement(obj) for requirement in requirements)

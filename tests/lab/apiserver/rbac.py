"""RBAC as kube-apiserver enforces it: who a bearer token is, which rules bind to it, and whether a request is allowed.

Follows kubernetes/kubernetes (master, read through the stored snapshot):
- plugin/pkg/auth/authorizer/rbac/rbac.go: ``RuleAllows`` (verb, API group, resource[/subresource], name; or verb + non-resource URL);
- pkg/apis/rbac/v1/evaluation_helpers.go: ``VerbMatches``, ``APIGroupMatches``, ``ResourceMatches`` (``*``, exact, ``*/sub``),
  ``ResourceNameMatches`` (empty list = any), ``NonResourceURLMatches`` (``*``, exact, ``prefix*``);
- pkg/registry/rbac/validation/rule.go: ``VisitRulesFor`` (ClusterRoleBindings, then the namespace's RoleBindings),
  ``appliesToUser`` (User by name, Group by membership, ServiceAccount by namespace/name, the binding's namespace by default);
- pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go: a ClusterRole with an ``aggregationRule`` has the
  rules of every ClusterRole its selectors match (computed here at authorization time instead of by a controller);
- plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and controller_policy.go: ``cluster-admin`` (bound to ``system:masters``),
  ``system:discovery``, ``system:basic-user`` and ``system:public-info-viewer`` (bound to ``system:authenticated``). The lab serves
  these as built-in defaults; a stored object of the same name replaces one, as reconciliation would leave it;
- staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go: how a path becomes a resource or non-resource request;
- staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go: ``system:serviceaccount:<ns>:<name>`` and its groups.
"""

import dataclasses
import urllib.parse

SA_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"
RBAC_API = "rbac.authorization.k8s.io/v1"
# requestinfo.go: /api/v1/namespaces/<ns>/<these> are subresources of the namespace, not resources of their own.
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
VERBS_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "patch"}


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who a token authenticates as (user.Info): a name and its groups; ``label`` is what the request log shows."""

    name: str
    groups: tuple = ()
    label: str = ""
    requires_object: bool = False  # a ServiceAccount token: valid only while its ServiceAccount exists

    @classmethod
    def user(cls, name, groups=(), label=None):
        return cls(name, tuple(groups) + (AUTHENTICATED,), label or name)

    @classmethod
    def service_account(cls, namespace, name, label=None, requires_object=True):
        return cls(SA_PREFIX + "%s:%s" % (namespace, name),
                   ("system:serviceaccounts", "system:serviceaccounts:" + namespace, AUTHENTICATED), label or name, requires_object)

    @property
    def service_account_ref(self):
        """``(namespace, name)`` of a ServiceAccount identity, else None."""
        if not self.name.startswith(SA_PREFIX):
            return None
        namespace, _sep, name = self.name[len(SA_PREFIX):].partition(":")
        return namespace, name


def _rule(verbs, groups=None, resources=None, urls=None):
    rule = {"verbs": list(verbs)}
    if resources is not None:
        rule.update(apiGroups=list(groups), resources=list(resources))
    if urls is not None:
        rule["nonResourceURLs"] = list(urls)
    return rule


# bootstrappolicy/policy.go ClusterRoles and ClusterRoleBindings (names, rules and subjects as upstream defines them).
BOOTSTRAP_CLUSTER_ROLES = {
    "cluster-admin": [_rule(["*"], ["*"], ["*"]), _rule(["*"], urls=["*"])],
    "system:discovery": [_rule(["get"], urls=["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                                              "/readyz", "/version", "/version/"])],
    "system:public-info-viewer": [_rule(["get"], urls=["/healthz", "/livez", "/readyz", "/version", "/version/"])],
    "system:basic-user": [_rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                          _rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])],
}
# Not upstream: what the lab's "-readonly" contexts are bound to (an administrator's read-everything role, like OpenShift's
# cluster-reader but with Secrets), kept out of the stores so that dumps show only what tests and runs create.
LAB_CLUSTER_ROLES = {"lab:read-everything": [_rule(["get", "list", "watch"], ["*"], ["*"])]}
LAB_CLUSTER_ROLE_BINDINGS = {"lab:read-everything": ("lab:read-everything", [{"kind": "ServiceAccount", "namespace": "lab", "name": "readonly"}])}
BOOTSTRAP_CLUSTER_ROLE_BINDINGS = {
    "cluster-admin": ("cluster-admin", [{"kind": "Group", "name": "system:masters"}]),
    "system:discovery": ("system:discovery", [{"kind": "Group", "name": AUTHENTICATED}]),
    "system:public-info-viewer": ("system:public-info-viewer", [{"kind": "Group", "name": AUTHENTICATED},
                                                                {"kind": "Group", "name": "system:unauthenticated"}]),
    "system:basic-user": ("system:basic-user", [{"kind": "Group", "name": AUTHENTICATED}]),
}

DEFAULT_CLUSTER_ROLES = {**BOOTSTRAP_CLUSTER_ROLES, **LAB_CLUSTER_ROLES}
DEFAULT_CLUSTER_ROLE_BINDINGS = {**BOOTSTRAP_CLUSTER_ROLE_BINDINGS, **LAB_CLUSTER_ROLE_BINDINGS}


@dataclasses.dataclass
class Attributes:
    """authorizer.Attributes of one request (requestinfo.go)."""

    verb: str
    path: str = ""
    resource_request: bool = False
    group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""

    def describe(self):
        """What the request wanted, as a Forbidden message names it (responsewriters/errors.go ForbiddenStatusError)."""
        if not self.resource_request:
            return 'cannot %s path "%s"' % (self.verb, self.path)
        resource = self.resource + ("/" + self.subresource if self.subresource else "")
        scope = 'in the namespace "%s"' % self.namespace if self.namespace else "at the cluster scope"
        return 'cannot %s resource "%s" in API group "%s" %s' % (self.verb, resource, self.group, scope)


def request_attributes(method, path, query):
    """requestinfo.go ``NewRequestInfo``: a path under /api/v1 or /apis/<group>/<version> with a resource is a resource request."""
    parts = [urllib.parse.unquote(part) for part in path.strip("/").split("/") if part]
    lowered = method.lower()
    if not parts or parts[0] not in ("api", "apis"):
        return Attributes(verb=lowered, path=path)
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    group = "" if parts[0] == "api" else (parts[1] if len(parts) > 1 else "")
    if not rest:
        return Attributes(verb=lowered, path=path)
    attrs = Attributes(verb="", path=path, resource_request=True, group=group)
    if rest[0] == "namespaces" and len(rest) > 1:
        attrs.namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    attrs.resource = rest[0]
    attrs.name = rest[1] if len(rest) > 1 else ""
    attrs.subresource = rest[2] if len(rest) > 2 else ""
    attrs.verb = _resource_verb(method, bool(attrs.name), query)
    return attrs


def _resource_verb(method, named, query):
    if method == "GET":
        watch = (query.get("watch") or [""])[-1].lower() in ("true", "1")
        return "watch" if watch else ("get" if named else "list")
    if method == "DELETE":
        return "delete" if named else "deletecollection"
    return VERBS_BY_METHOD.get(method, method.lower())


# ---------------------------------------------------------------------- rule matching (evaluation_helpers.go)
def _verb_matches(rule, verb):
    return any(item in ("*", verb) for item in rule.get("verbs") or ())


def _group_matches(rule, group):
    return any(item in ("*", group) for item in rule.get("apiGroups") or ())


def _resource_matches(rule, combined, subresource):
    for item in rule.get("resources") or ():
        if item in ("*", combined):
            return True
        if subresource and item == "*/" + subresource:
            return True
    return False


def _name_matches(rule, name):
    names = rule.get("resourceNames") or ()
    return not names or name in names


def _url_matches(rule, path):
    for item in rule.get("nonResourceURLs") or ():
        if item in ("*", path) or (item.endswith("*") and path.startswith(item.rstrip("*"))):
            return True
    return False


def rule_allows(attrs, rule):
    """rbac.go ``RuleAllows``."""
    if not _verb_matches(rule, attrs.verb):
        return False
    if attrs.resource_request:
        combined = attrs.resource + ("/" + attrs.subresource if attrs.subresource else "")
        return (_group_matches(rule, attrs.group) and _resource_matches(rule, combined, attrs.subresource)
                and _name_matches(rule, attrs.name))
    return _url_matches(rule, attrs.path)


# ---------------------------------------------------------------------- rule resolution (validation/rule.go)
def _applies_to(identity, subject, namespace):
    kind = subject.get("kind")
    if kind == "User":
        return subject.get("name") == identity.name
    if kind == "Group":
        return subject.get("name") in identity.groups
    if kind == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        return bool(sa_namespace) and identity.name == SA_PREFIX + "%s:%s" % (sa_namespace, subject.get("name"))
    return False


def _selector_matches(selector, labels):
    """A metav1.LabelSelector against an object's labels (an empty selector matches everything)."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or ():
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if ((operator == "In" and not (present and labels[key] in values))
                or (operator == "NotIn" and present and labels[key] in values)
                or (operator == "Exists" and not present) or (operator == "DoesNotExist" and present)):
            return False
    return True


class Authorizer:
    """RBAC over one cluster's Store, plus the bootstrap defaults."""

    def __init__(self, store):
        self.store = store

    def cluster_role_rules(self, name):
        stored = self.store.get(RBAC_API, "ClusterRole", name)
        if stored is None:
            if name in DEFAULT_CLUSTER_ROLES:
                return DEFAULT_CLUSTER_ROLES[name], None
            return None, 'clusterrole.rbac.authorization.k8s.io "%s" not found' % name
        aggregation = stored.get("aggregationRule")
        if not aggregation:
            return stored.get("rules") or [], None
        selectors = aggregation.get("clusterRoleSelectors") or []
        rules = []
        for role in self.store.list(RBAC_API, "ClusterRole"):
            labels = role["metadata"].get("labels") or {}
            if role["metadata"]["name"] != name and any(_selector_matches(selector, labels) for selector in selectors):
                rules += [rule for rule in role.get("rules") or [] if rule not in rules]
        return rules, None

    def _role_ref_rules(self, ref, namespace):
        if ref.get("kind") == "ClusterRole":
            return self.cluster_role_rules(ref.get("name"))
        if ref.get("kind") == "Role" and namespace:
            role = self.store.get(RBAC_API, "Role", ref.get("name"), namespace)
            if role is None:
                return None, 'role.rbac.authorization.k8s.io "%s" not found' % ref.get("name")
            return role.get("rules") or [], None
        return None, 'unsupported role reference kind: "%s"' % ref.get("kind")

    def _bindings(self, namespace):
        """(source, roleRef, subjects, binding namespace) of every ClusterRoleBinding, then the namespace's RoleBindings."""
        stored = {binding["metadata"]["name"]: binding for binding in self.store.list(RBAC_API, "ClusterRoleBinding")}
        for name, (role, subjects) in DEFAULT_CLUSTER_ROLE_BINDINGS.items():
            if name not in stored:
                yield 'ClusterRoleBinding "%s"' % name, {"kind": "ClusterRole", "name": role}, subjects, ""
        for name, binding in stored.items():
            yield 'ClusterRoleBinding "%s"' % name, binding.get("roleRef") or {}, binding.get("subjects") or [], ""
        if namespace:
            for binding in self.store.list(RBAC_API, "RoleBinding", namespace=namespace):
                source = 'RoleBinding "%s/%s"' % (binding["metadata"]["name"], namespace)
                yield source, binding.get("roleRef") or {}, binding.get("subjects") or [], namespace

    def visit_rules(self, identity, namespace):
        """``(source, rule, error)`` for every rule bound to ``identity`` in ``namespace`` (rule.go ``VisitRulesFor``)."""
        for source, ref, subjects, binding_namespace in self._bindings(namespace):
            if not any(_applies_to(identity, subject, binding_namespace) for subject in subjects):
                continue
            rules, error = self._role_ref_rules(ref, binding_namespace)
            if error:
                yield source, None, error
                continue
            for rule in rules:
                yield source, rule, None

    def authorize(self, identity, attrs):
        """``(allowed, reason)`` as rbac.go ``Authorize``: allowed by the first rule that matches, else the resolution errors."""
        errors = []
        for source, rule, error in self.visit_rules(identity, attrs.namespace):
            if rule is not None and rule_allows(attrs, rule):
                return True, "RBAC: allowed by %s" % source
            if error:
                errors.append(error)
        return False, ("RBAC: [%s]" % ", ".join(errors) if len(errors) > 1 else "RBAC: %s" % errors[0]) if errors else ""

    def rules_review(self, identity, namespace):
        """SelfSubjectRulesReview status (selfsubjectrulesreview/rest.go, rbac.go ``RulesFor``)."""
        resource_rules, non_resource_rules, errors = [], [], []
        for _source, rule, error in self.visit_rules(identity, namespace):
            if error:
                errors.append(error)
                continue
            if rule.get("resources"):
                entry = {"verbs": list(rule["verbs"]), "apiGroups": list(rule.get("apiGroups") or []), "resources": list(rule["resources"])}
                if rule.get("resourceNames"):
                    entry["resourceNames"] = list(rule["resourceNames"])
                resource_rules.append(entry)
            if rule.get("nonResourceURLs"):
                non_resource_rules.append({"verbs": list(rule["verbs"]), "nonResourceURLs": list(rule["nonResourceURLs"])})
        status = {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": False}
        if errors:
            status["evaluationError"] = ", ".join(errors)
        return status

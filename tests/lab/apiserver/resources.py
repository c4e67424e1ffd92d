"""Resource types the server knows: the built-in kinds and those defined by CustomResourceDefinitions."""

import dataclasses
import re

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclasses.dataclass(frozen=True)
class ResourceType:
    """One served group/version/resource, with what discovery says about it."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple = ()
    categories: tuple = ()
    status_subresource: bool = False
    scale_subresource: bool = False
    custom: bool = False
    has_generation: bool = False
    schema: dict | None = None
    preserve_unknown: bool = False
    verbs: tuple = ALL_VERBS
    printer_columns: tuple = ()  # a CRD version's additionalPrinterColumns

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def group_kind(self):
        return (self.group, self.kind)

    @property
    def qualified_plural(self):
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    def discovery(self):
        """APIResource entries (the resource and its subresources) for an APIResourceList."""
        entry = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
            "storageVersionHash": "",
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        entries = [entry]
        if self.status_subresource:
            entries.append({"name": self.plural + "/status", "singularName": "", "namespaced": self.namespaced,
                            "kind": self.kind, "verbs": ["get", "patch", "update"]})
        if self.scale_subresource:
            entries.append({"name": self.plural + "/scale", "singularName": "", "namespaced": self.namespaced,
                            "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]})
        return entries


def _builtin(group, version, kind, plural, namespaced, short_names=(), status=False, generation=False, verbs=ALL_VERBS, categories=()):
    return ResourceType(group=group, version=version, kind=kind, plural=plural, singular=kind.lower(), namespaced=namespaced,
                        short_names=tuple(short_names), status_subresource=status, has_generation=generation, verbs=verbs,
                        categories=tuple(categories))


BUILTIN_TYPES = (
    _builtin("", "v1", "Namespace", "namespaces", False, ["ns"], status=True,
             verbs=("create", "delete", "get", "list", "patch", "update", "watch")),
    _builtin("", "v1", "Node", "nodes", False, ["no"], status=True),
    _builtin("", "v1", "Secret", "secrets", True),
    _builtin("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
    _builtin("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"]),
    _builtin("", "v1", "Pod", "pods", True, ["po"], status=True, generation=True, categories=["all"]),
    _builtin("", "v1", "Service", "services", True, ["svc"], status=True, categories=["all"],
             verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    _builtin("", "v1", "Endpoints", "endpoints", True, ["ep"]),
    _builtin("", "v1", "Event", "events", True, ["ev"]),
    _builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False, ["crd", "crds"],
             status=True, generation=True),
    _builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    _builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    _builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _builtin("apps", "v1", "Deployment", "deployments", True, ["deploy"], status=True, generation=True, categories=["all"]),
    _builtin("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"], status=True, generation=True, categories=["all"]),
    # Kinds tools create even on clusters without workloads (kubectl, client test suites).
    _builtin("", "v1", "ReplicationController", "replicationcontrollers", True, ["rc"], status=True, generation=True, categories=["all"]),
    _builtin("batch", "v1", "Job", "jobs", True, status=True, generation=True, categories=["all"]),
    _builtin("batch", "v1", "CronJob", "cronjobs", True, ["cj"], status=True, generation=True, categories=["all"]),
    _builtin("apiregistration.k8s.io", "v1", "APIService", "apiservices", False, status=True, categories=["api-extensions"]),
    # kubernetes/kubernetes staging/src/k8s.io/api/coordination/v1/types.go (GA in 1.14): run locks, leader election.
    _builtin("coordination.k8s.io", "v1", "Lease", "leases", True),
    # Answered by the server from RBAC, never stored (server.py REVIEWS; pkg/registry/authorization).
    _builtin("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", False, verbs=("create",)),
    _builtin("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", False, verbs=("create",)),
)

# Core kinds that take strategic merge patches, and the merge key of their associative lists by field name.
STRATEGIC_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": None,  # containerPort for containers, port for services: chosen by content
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "conditions": "type",
    "tolerations": None,
    "hostAliases": "ip",
    "subsets": None,
    "taints": "key",
}
# Primitive lists merged as sets by strategic merge patch.
STRATEGIC_SET_LISTS = frozenset({"finalizers"})


def types_from_crd(crd):
    """The ResourceTypes a CustomResourceDefinition serves (one per served version)."""
    spec = crd["spec"]
    names = spec["names"]
    found = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or spec.get("subresources") or {}
        schema = (version.get("schema") or spec.get("validation") or {}).get("openAPIV3Schema")
        found.append(ResourceType(
            group=spec["group"],
            version=version["name"],
            kind=names["kind"],
            plural=names["plural"],
            singular=names.get("singular") or names["kind"].lower(),
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            status_subresource="status" in subresources,
            scale_subresource="scale" in subresources,
            custom=True,
            has_generation=True,
            schema=schema,
            preserve_unknown=bool(schema is None or schema.get("x-kubernetes-preserve-unknown-fields")),
            printer_columns=tuple(version.get("additionalPrinterColumns") or spec.get("additionalPrinterColumns") or ()),
        ))
    return found


class Registry:
    """The resource types one server serves; CRDs add and remove theirs at runtime."""

    def __init__(self):
        self._by_gvk = {}
        self._by_gvr = {}
        self._by_crd = {}
        self.revision = 0  # grows whenever the served types change (OpenAPI documents are cached by it)
        for rtype in BUILTIN_TYPES:
            self._add(rtype)

    def _add(self, rtype):
        self._by_gvk[(rtype.group, rtype.version, rtype.kind)] = rtype
        self._by_gvr[(rtype.group, rtype.version, rtype.plural)] = rtype

    def _remove(self, rtype):
        self._by_gvk.pop((rtype.group, rtype.version, rtype.kind), None)
        self._by_gvr.pop((rtype.group, rtype.version, rtype.plural), None)

    def set_crd(self, name, types):
        """Serve ``types`` for the CRD ``name``, replacing what it served before."""
        self.revision += 1
        for rtype in self._by_crd.pop(name, ()):
            self._remove(rtype)
        self._by_crd[name] = list(types)
        for rtype in types:
            self._add(rtype)

    def remove_crd(self, name):
        self.set_crd(name, [])
        del self._by_crd[name]

    def by_kind(self, api_version, kind):
        group, _sep, version = api_version.rpartition("/")
        return self._by_gvk.get((group, version, kind))

    def by_resource(self, group, version, plural):
        return self._by_gvr.get((group, version, plural))

    def all_types(self):
        return list(self._by_gvr.values())

    def group_versions(self):
        """``{group: [versions]}`` for every served non-core group, versions in discovery preference order."""
        groups = {}
        for group, version, _plural in self._by_gvr:
            if group:
                groups.setdefault(group, set()).add(version)
        return {group: sorted(versions, key=version_priority, reverse=True) for group, versions in groups.items()}

    def versions_of(self, group, kind):
        return [rtype for (g, _v, k), rtype in self._by_gvk.items() if g == group and k == kind]


def version_priority(version):
    """Kubernetes version ordering: GA > beta > alpha, higher numbers first (``v1 > v1beta2 > v1alpha1``)."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (-1, 0, 0, version)
    major, stage, minor = match.groups()
    stage_rank = {"alpha": 0, "beta": 1, None: 2}[stage]
    return (stage_rank, int(major), int(minor or 0), "")

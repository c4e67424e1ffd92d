# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Kubernetes permissions a run needs, in one place.

``PERMISSIONS`` is the rule: every verb on every resource that site.yml (AWS preparation ``addon`` or
``direct``), verify.yml and uninstall.yml send to the hub and to each managed cluster, with the
namespace it is sent to and the hubs on which it is sent. The shipped ClusterRoles (``files/rbac/``,
rendered by :func:`cluster_role`) and the preflight check (:func:`access_reviews` and
:func:`missing_permissions`, run by the ``access_review`` module before the first write) both come
from it. docs/rbac.md tells how it was derived from the lab's request log.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub import broker_namespace

HUB = "hub"
SPOKE = "spoke"
SIDES = (HUB, SPOKE)
# Role modes: site.yml with AWS preparation addon (also used for ``skip``) or direct, verify.yml, uninstall.yml.
MODES = ("addon", "direct", "verify", "uninstall")
RUNS = ("site", "verify", "uninstall")
SITE = ("addon", "direct")
EVERY_RUN = ("addon", "direct", "verify", "uninstall")
AWS_PREP_MODES = ("addon", "direct", "skip")
ROLE_DIR = "files/rbac"
ROLE_PREFIX = "acm-submariner"

# Where a namespaced permission is reviewed; a plain string is a fixed namespace.
CLUSTER_SCOPE = "cluster scope"          # a cluster-scoped resource
ALL_NAMESPACES = "all namespaces"        # a namespaced resource listed or watched across namespaces
CLUSTER_NAMESPACES = "cluster namespaces"  # each managed cluster's namespace on the hub
BROKER_NAMESPACE = "broker namespace"    # the set's broker namespace on the hub
# The namespaces of the clusters whose AWS keys the inventory gives: site creates their credentials secret or rotates
# its keys (addon mode), uninstall deletes it when the collection created it.
CREDENTIALS_NAMESPACES = "namespaces of clusters given AWS keys"
LEASE_NAMESPACE = "acm-submariner"       # run_lease's namespace
OPERATOR_NAMESPACE = "submariner-operator"
MACHINE_API_NAMESPACE = "openshift-machine-api"

# Hubs a permission is needed on (hub_info's facts): every hub, ACM >= 2.3 (ManagedClusterAddOn join),
# ACM 2.2 (label join) or ACM >= 2.5 (Broker CR).
EVERY_HUB = "every hub"
ADDON_JOIN = "addon join"
LABEL_JOIN = "label join"
BROKER_CR = "broker CR"


@dataclasses.dataclass(frozen=True)
class Permission:
    """One verb on one resource, on the hub or on a managed cluster, for some modes."""

    side: str
    verb: str
    group: str
    resource: str
    scope: str
    modes: tuple
    hubs: str = EVERY_HUB
    aws_prep: tuple = AWS_PREP_MODES  # uninstall only: the AWS preparation mode the clusters were prepared with

    @property
    def qualified_resource(self):
        return "{0}.{1}".format(self.resource, self.group) if self.group else self.resource

    def describe(self):
        return "{0} {1}".format(self.verb, self.qualified_resource)


def _grant(side, group, resource, scope, verbs_by_modes, hubs=EVERY_HUB, aws_prep=AWS_PREP_MODES):
    """Permissions for ``{verbs: modes}`` on one resource."""
    return [Permission(side, verb, group, resource, scope, tuple(modes), hubs, tuple(aws_prep))
            for verbs, modes in verbs_by_modes.items() for verb in verbs.split()]


PERMISSIONS = tuple(
    # ---- hub: hub_info (every run), preflight, broker, join, verify, uninstall
    _grant(HUB, C.MCH_GROUP, "multiclusterhubs", ALL_NAMESPACES, {"list": EVERY_RUN})
    + _grant(HUB, C.ADDON_GROUP, "clustermanagementaddons", CLUSTER_SCOPE, {"get": EVERY_RUN})
    + _grant(HUB, C.CLUSTER_GROUP, "managedclusters", CLUSTER_SCOPE, {"get list": EVERY_RUN, "patch": ("addon", "direct", "uninstall")})
    # Every wait lists its object by name and, until the object settles, watches it (waiting.py); a refused
    # watch does not fail the run but falls back to polling, so each awaited kind is granted watch too.
    + _grant(HUB, C.CLUSTER_GROUP, "managedclustersets", CLUSTER_SCOPE,
             {"get list": EVERY_RUN, "create": SITE, "delete watch": ("uninstall",)})
    # site waits for the broker namespace the submariner-addon creates.
    + _grant(HUB, "", "namespaces", CLUSTER_SCOPE, {"list watch create": SITE, "get": ("addon", "direct", "uninstall"), "delete": ("uninstall",)})
    + _grant(HUB, "", "secrets", CLUSTER_NAMESPACES, {"get": ("addon", "direct", "uninstall")})
    + _grant(HUB, "", "secrets", CREDENTIALS_NAMESPACES, {"create patch": ("addon",), "delete": ("uninstall",)})
    # patch: a day-2 change (gateways, NAT-T port) rewrites the config a first run created.
    + _grant(HUB, C.SUBMARINER_ADDON_GROUP, "submarinerconfigs", CLUSTER_NAMESPACES,
             {"get list watch": ("addon", "direct", "uninstall"), "create patch": SITE, "delete": ("uninstall",)})
    # verify reads the config by name where the name is fixed (ACM >= 2.3), else lists the namespace's only one.
    + _grant(HUB, C.SUBMARINER_ADDON_GROUP, "submarinerconfigs", CLUSTER_NAMESPACES, {"get": ("verify",)}, ADDON_JOIN)
    + _grant(HUB, C.SUBMARINER_ADDON_GROUP, "submarinerconfigs", CLUSTER_NAMESPACES, {"list": ("verify",)}, LABEL_JOIN)
    + _grant(HUB, C.ADDON_GROUP, "managedclusteraddons", CLUSTER_NAMESPACES,
             {"get": ("addon", "direct", "uninstall"), "list": ("addon", "direct", "verify"), "delete": ("uninstall",),
              "watch": ("addon", "direct", "verify", "uninstall"), "create": SITE},
             ADDON_JOIN)
    # uninstall's residue check looks for add-ons on every hub (none are expected on ACM 2.2).
    + _grant(HUB, C.ADDON_GROUP, "managedclusteraddons", CLUSTER_NAMESPACES, {"list": ("uninstall",)})
    + _grant(HUB, "work.open-cluster-management.io", "manifestworks", CLUSTER_NAMESPACES, {"get": ("uninstall",)})
    + _grant(HUB, "work.open-cluster-management.io", "manifestworks", CLUSTER_NAMESPACES, {"get": ("addon", "direct", "verify")}, LABEL_JOIN)
    # patch: a run takes over the lease a dead run left (its process ended), compare-and-swap on its resourceVersion.
    + _grant(HUB, "coordination.k8s.io", "leases", LEASE_NAMESPACE,
             {"get create delete patch": ("addon", "direct", "uninstall"), "list": ("uninstall",)})
    + _grant(HUB, C.SUBMARINER_GROUP, "brokers", BROKER_NAMESPACE, {"get": EVERY_RUN, "create": SITE, "delete": ("uninstall",)}, BROKER_CR)
    # preflight reads the networks the set's clusters announced (a --limit run checks a newcomer against them).
    + _grant(HUB, C.SUBMARINER_GROUP, "clusters", BROKER_NAMESPACE, {"list": SITE + ("uninstall",)})
    # uninstall's residue check: a cluster that left a set which stays must no longer announce itself there; preflight
    # reads the cable driver each cluster's gateway announces (every cluster of a set must use the same one).
    + _grant(HUB, C.SUBMARINER_GROUP, "endpoints", BROKER_NAMESPACE, {"list": SITE + ("uninstall",)})
    # ---- managed clusters: networks (preflight), Submariner status (join, verify, uninstall), gateway MachineSets (direct)
    + _grant(SPOKE, C.OPENSHIFT_CONFIG_GROUP, "networks", CLUSTER_SCOPE, {"get": SITE})
    + _grant(SPOKE, "", "nodes", CLUSTER_SCOPE, {"list": EVERY_RUN, "get": ("direct",)})
    + _grant(SPOKE, "", "nodes", CLUSTER_SCOPE, {"get": ("uninstall",)}, aws_prep=("direct",))
    + _grant(SPOKE, C.SUBMARINER_GROUP, "submariners", OPERATOR_NAMESPACE, {"list watch": ("addon", "direct", "verify")})
    # ACM 2.2's join waits on the Submariner CR by name (agent_join's until-loop); verify watches it instead.
    + _grant(SPOKE, C.SUBMARINER_GROUP, "submariners", OPERATOR_NAMESPACE, {"get": ("addon", "direct")}, LABEL_JOIN)
    + _grant(SPOKE, C.SUBMARINER_GROUP, "gateways", OPERATOR_NAMESPACE, {"list": ("addon", "direct", "verify")})
    + _grant(SPOKE, C.SUBMARINER_GROUP, "submariners", ALL_NAMESPACES, {"list": ("uninstall",)})
    + _grant(SPOKE, C.SUBMARINER_GROUP, "gateways", ALL_NAMESPACES, {"list": ("uninstall",)})
    + _grant(SPOKE, "machine.openshift.io", "machinesets", MACHINE_API_NAMESPACE,
             {"create get list watch delete patch": ("direct",), "list": ("uninstall",)})
    + _grant(SPOKE, "machine.openshift.io", "machinesets", MACHINE_API_NAMESPACE, {"get watch delete": ("uninstall",)}, aws_prep=("direct",))
    # get patch: a new gateway instance type marks the old Machine to go first when the MachineSet scales back.
    + _grant(SPOKE, "machine.openshift.io", "machines", MACHINE_API_NAMESPACE, {"list": ("direct",), "get patch": ("direct",)})
    + _grant(SPOKE, "machine.openshift.io", "machines", MACHINE_API_NAMESPACE, {"list": ("uninstall",)}, aws_prep=("direct",))
)


def role_mode(run, aws_prep_mode):
    """The mode whose role a run needs: site's AWS preparation (``skip`` needs no more than ``addon``), or the run."""
    if run == "site":
        return "direct" if aws_prep_mode == "direct" else "addon"
    return run


def role_name(side, mode):
    return "{0}-{1}-{2}".format(ROLE_PREFIX, side, mode)


def role_file(side, mode):
    """Where the collection ships the ClusterRole of ``side`` and ``mode``."""
    return "{0}/{1}.yaml".format(ROLE_DIR, role_name(side, mode))


def _hub_needs(permission, hub):
    if permission.hubs == EVERY_HUB:
        return True
    if permission.hubs == BROKER_CR:
        return bool(hub.get("broker_cr_required"))
    join_flow = hub.get("join_flow") or C.JOIN_FLOW_ADDON
    return join_flow == (C.JOIN_FLOW_ADDON if permission.hubs == ADDON_JOIN else C.JOIN_FLOW_LABELS)


def needed(side, run, aws_prep_mode="addon", hub=None):
    """The permissions one run needs on ``side`` of a hub described by ``hub`` (hub_info's facts; None: every hub)."""
    mode = role_mode(run, aws_prep_mode)
    return [permission for permission in PERMISSIONS
            if permission.side == side and mode in permission.modes
            and (hub is None or _hub_needs(permission, hub))
            and (run != "uninstall" or hub is None or aws_prep_mode in permission.aws_prep)]


def cluster_role(side, mode):
    """The ClusterRole (a dict) that grants every permission ``mode`` may need on ``side``, on any hub."""
    verbs = {}
    for permission in PERMISSIONS:
        if permission.side == side and mode in permission.modes:
            verbs.setdefault((permission.group, permission.resource), [])
            if permission.verb not in verbs[(permission.group, permission.resource)]:
                verbs[(permission.group, permission.resource)].append(permission.verb)
    by_verbs = {}
    for (group, resource), resource_verbs in sorted(verbs.items()):
        by_verbs.setdefault((group, tuple(sorted(resource_verbs))), []).append(resource)
    rules = [{"apiGroups": [group], "resources": sorted(resources), "verbs": list(rule_verbs)}
             for (group, rule_verbs), resources in sorted(by_verbs.items())]
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": role_name(side, mode), "labels": {"app.kubernetes.io/part-of": "acm.submariner"}},
        "rules": rules,
    }


def review_namespaces(permission, clusters=(), broker_ns=None, credentials_clusters=()):
    """The namespaces a permission is reviewed in ("" for the cluster scope and across namespaces)."""
    if permission.scope in (CLUSTER_SCOPE, ALL_NAMESPACES):
        return [""]
    if permission.scope == CLUSTER_NAMESPACES:
        return list(clusters)
    if permission.scope == CREDENTIALS_NAMESPACES:
        return list(credentials_clusters)
    if permission.scope == BROKER_NAMESPACE:
        return [broker_ns] if broker_ns else []
    return [permission.scope]


def access_reviews(permissions, clusters=(), broker_ns=None, credentials_clusters=()):
    """``(permission, namespace, SelfSubjectAccessReview body)`` for every permission in every namespace it is used in."""
    reviews = []
    for permission in permissions:
        for namespace in review_namespaces(permission, clusters, broker_ns, credentials_clusters):
            attributes = {"verb": permission.verb, "group": permission.group, "resource": permission.resource}
            if namespace:
                attributes["namespace"] = namespace
            reviews.append((permission, namespace, {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                                    "spec": {"resourceAttributes": attributes}}))
    return reviews


def run_broker_namespace(cluster_set, hub):
    """The broker namespace of ``cluster_set`` on this hub (the name rule of its ACM generation)."""
    if not cluster_set or not hub:
        return None
    return broker_namespace(cluster_set, hub.get("broker_namespace_rule") or C.BROKER_NS_RULE_CURRENT)


def missing_message(target, side, run, aws_prep_mode, missing):
    """The first line names the cluster, each missing verb/resource/namespace, and the role file that grants them."""
    mode = role_mode(run, aws_prep_mode)
    items = ", ".join("{0} (in namespace {1})".format(permission.describe(), namespace) if namespace else permission.describe()
                      for permission, namespace in missing)
    return ("{0}: the credentials lack {1} permission(s) that {2}.yml needs: {3}. Nothing was changed. Apply {4} (ClusterRole {5}) from the "
            "collection and bind it to this identity (docs/rbac.md).").format(
                target, len(missing), "site" if run == "site" else run, items, role_file(side, mode), role_name(side, mode))

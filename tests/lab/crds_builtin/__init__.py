"""Minimal CustomResourceDefinitions the lab installs when ``../shared/crds/`` is absent.

One entry per file name of ``../shared/crds/`` the profiles use, with the same group, kind, plural,
scope, short names, served versions and status subresource as upstream. Their schemas accept any
content (``x-kubernetes-preserve-unknown-fields``): the lab still runs, only without schema
validation.
"""

from __future__ import annotations

# file name -> (group, kind, plural, scope, short names, versions as (name, served, storage, status))
_DEFINITIONS = {
    "addondeploymentconfigs.addon.open-cluster-management.io.yaml":
        ("addon.open-cluster-management.io", "AddOnDeploymentConfig", "addondeploymentconfigs", "Namespaced", [],
         [("v1alpha1", True, True, False)]),
    "brokers.submariner.io.yaml":
        ("submariner.io", "Broker", "brokers", "Namespaced", [], [("v1alpha1", True, True, True)]),
    "clusterdeployments.hive.openshift.io.yaml":
        ("hive.openshift.io", "ClusterDeployment", "clusterdeployments", "Namespaced", ["cd"], [("v1", True, True, True)]),
    "clustermanagementaddons.addon.open-cluster-management.io.yaml":
        ("addon.open-cluster-management.io", "ClusterManagementAddOn", "clustermanagementaddons", "Cluster", ["cma", "cmas"],
         [("v1alpha1", True, True, True)]),
    "clusters.submariner.io.yaml":
        ("submariner.io", "Cluster", "clusters", "Namespaced", [], [("v1", True, True, False)]),
    "endpoints.submariner.io.yaml":
        ("submariner.io", "Endpoint", "endpoints", "Namespaced", [], [("v1", True, True, False)]),
    "gateways.submariner.io.yaml":
        ("submariner.io", "Gateway", "gateways", "Namespaced", [], [("v1", True, True, False)]),
    "machines.machine.openshift.io.yaml":
        ("machine.openshift.io", "Machine", "machines", "Namespaced", [], [("v1beta1", True, True, True)]),
    "machinesets.machine.openshift.io.yaml":
        ("machine.openshift.io", "MachineSet", "machinesets", "Namespaced", [], [("v1beta1", True, True, True)]),
    "managedclusteraddons.addon.open-cluster-management.io.yaml":
        ("addon.open-cluster-management.io", "ManagedClusterAddOn", "managedclusteraddons", "Namespaced", ["mca", "mcas"],
         [("v1alpha1", True, True, True)]),
    "managedclusters.cluster.open-cluster-management.io.yaml":
        ("cluster.open-cluster-management.io", "ManagedCluster", "managedclusters", "Cluster", ["mcl", "mcls"], [("v1", True, True, True)]),
    "managedclustersetbindings.cluster.open-cluster-management.io.v1alpha1.yaml":
        ("cluster.open-cluster-management.io", "ManagedClusterSetBinding", "managedclustersetbindings", "Namespaced",
         ["mclsetbinding", "mclsetbindings"], [("v1alpha1", True, True, False)]),
    "managedclustersetbindings.cluster.open-cluster-management.io.yaml":
        ("cluster.open-cluster-management.io", "ManagedClusterSetBinding", "managedclustersetbindings", "Namespaced",
         ["mclsetbinding", "mclsetbindings"], [("v1beta2", True, True, True)]),
    "managedclustersets.cluster.open-cluster-management.io.v1alpha1.yaml":
        ("cluster.open-cluster-management.io", "ManagedClusterSet", "managedclustersets", "Cluster", ["mclset", "mclsets"],
         [("v1alpha1", True, True, True)]),
    "managedclustersets.cluster.open-cluster-management.io.yaml":
        ("cluster.open-cluster-management.io", "ManagedClusterSet", "managedclustersets", "Cluster", ["mclset", "mclsets"],
         [("v1beta2", True, True, True)]),
    "managedclusterviews.view.open-cluster-management.io.yaml":
        ("view.open-cluster-management.io", "ManagedClusterView", "managedclusterviews", "Namespaced", [], [("v1beta1", True, True, True)]),
    "manifestworks.work.open-cluster-management.io.yaml":
        ("work.open-cluster-management.io", "ManifestWork", "manifestworks", "Namespaced", [], [("v1", True, True, True)]),
    "multiclusterhubs.operator.open-cluster-management.io.yaml":
        ("operator.open-cluster-management.io", "MultiClusterHub", "multiclusterhubs", "Namespaced", ["mch"], [("v1", True, True, True)]),
    "networks.config.openshift.io.yaml":
        ("config.openshift.io", "Network", "networks", "Cluster", [], [("v1", True, True, False)]),
    "servicediscoveries.submariner.io.yaml":
        ("submariner.io", "ServiceDiscovery", "servicediscoveries", "Namespaced", [], [("v1alpha1", True, True, True)]),
    "serviceexports.multicluster.x-k8s.io.yaml":
        ("multicluster.x-k8s.io", "ServiceExport", "serviceexports", "Namespaced", ["svcex", "svcexport"],
         [("v1alpha1", True, False, True), ("v1beta1", True, True, True)]),
    "serviceimports.multicluster.x-k8s.io.yaml":
        ("multicluster.x-k8s.io", "ServiceImport", "serviceimports", "Namespaced", ["svcim", "svcimport"],
         [("v1alpha1", True, False, True), ("v1beta1", True, True, True)]),
    "submarinerconfigs.submarineraddon.open-cluster-management.io.yaml":
        ("submarineraddon.open-cluster-management.io", "SubmarinerConfig", "submarinerconfigs", "Namespaced", [],
         [("v1alpha1", True, True, True)]),
    "submariners.submariner.io.yaml":
        ("submariner.io", "Submariner", "submariners", "Namespaced", [], [("v1alpha1", True, True, True)]),
}
# ACM 2.2's copies (../shared/crds/alternates) stand in for the same kinds.
_DEFINITIONS.update({
    "alternates/submarinerconfigs.submarineraddon.open-cluster-management.io.acm-2.2.apiextv1beta1.yaml":
        _DEFINITIONS["submarinerconfigs.submarineraddon.open-cluster-management.io.yaml"],
    "alternates/managedclustersets.cluster.open-cluster-management.io.v1alpha1.acm-2.2.apiextv1beta1.yaml":
        _DEFINITIONS["managedclustersets.cluster.open-cluster-management.io.v1alpha1.yaml"],
    "alternates/managedclustersetbindings.cluster.open-cluster-management.io.v1alpha1.acm-2.2.apiextv1beta1.yaml":
        _DEFINITIONS["managedclustersetbindings.cluster.open-cluster-management.io.v1alpha1.yaml"],
})

FILE_NAMES = tuple(sorted(_DEFINITIONS))


def builtin_crd(file_name: str) -> dict:
    """The minimal CRD standing for ``file_name`` of ``../shared/crds/`` (KeyError when unknown)."""
    group, kind, plural, scope, short_names, versions = _DEFINITIONS[file_name]
    names = {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()}
    if short_names:
        names["shortNames"] = list(short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": names,
            "scope": scope,
            "versions": [_version(name, served, storage, status) for name, served, storage, status in versions],
        },
    }


def _version(name: str, served: bool, storage: bool, status: bool) -> dict:
    version = {
        "name": name,
        "served": served,
        "storage": storage,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }
    if status:
        version["subresources"] = {"status": {}}
    return version

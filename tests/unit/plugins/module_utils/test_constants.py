# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import constants as C

CRD_DIR = os.environ.get("ACM_SUBMARINER_CRDS", "/work/shared/crds")

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_KEY_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")

LABEL_AND_ANNOTATION_KEYS = [
    C.CLUSTERSET_LABEL, C.SUBMARINER_AGENT_LABEL, C.BACKUP_LABEL, C.BROKER_NAMESPACE_LABEL, C.GATEWAY_NODE_LABEL,
    C.GATEWAY_UDP_PORT_LABEL, C.BROKER_NAMESPACE_ANNOTATION, C.SKIP_CLOUD_PREPARE_ANNOTATION, C.VPC_ID_ANNOTATION,
    C.SUBNET_ID_LIST_ANNOTATION, C.CONTROL_PLANE_SG_ID_ANNOTATION, C.WORKER_SG_ID_ANNOTATION, C.ADDON_INSTALL_NAMESPACE_ANNOTATION,
]


@pytest.mark.parametrize("key", LABEL_AND_ANNOTATION_KEYS)
def test_label_and_annotation_keys_are_valid_kubernetes_keys(key):
    prefix, name = key.rsplit("/", 1)
    assert prefix and len(prefix) <= 253 and _DNS_SUBDOMAIN.match(prefix), key
    assert len(name) <= 63 and _KEY_NAME.match(name), key


@pytest.mark.parametrize(
    "key, expected",
    [
        (C.CLUSTERSET_LABEL, "cluster.open-cluster-management.io/clusterset"),
        (C.SUBMARINER_AGENT_LABEL, "cluster.open-cluster-management.io/submariner-agent"),
        (C.BROKER_NAMESPACE_ANNOTATION, "cluster.open-cluster-management.io/submariner-broker-ns"),
        (C.SKIP_CLOUD_PREPARE_ANNOTATION, "submariner.io/skip-cloud-prepare"),
        (C.SUBNET_ID_LIST_ANNOTATION, "submariner.io/subnet-id-list"),
        (C.GATEWAY_UDP_PORT_LABEL, "gateway.submariner.io/udp-port"),
        (C.ADDON_INSTALL_NAMESPACE_ANNOTATION, "addon.open-cluster-management.io/v1alpha1-install-namespace"),
    ],
)
def test_spelling_of_the_keys_acm_reads(key, expected):
    assert key == expected


def test_condition_types_are_distinct():
    types = [value for name, value in vars(C).items() if name.startswith("COND_")]
    assert len(types) == len(set(types)) == 12


def test_version_preferences_newest_first():
    assert C.MANAGED_CLUSTER_SET_VERSIONS == ("v1beta2", "v1beta1", "v1alpha1")
    assert C.SERVICE_EXPORT_VERSIONS == ("v1beta1", "v1alpha1")
    # v1alpha1 first: it is the storage version and the only one with spec.installNamespace
    assert C.MANAGED_CLUSTER_ADDON_VERSIONS[0] == "v1alpha1"


def test_fixed_names():
    assert (C.SUBMARINER_CONFIG_NAME, C.ADDON_NAME, C.BROKER_NAME, C.INSTALL_NAMESPACE) == (
        "submariner", "submariner", "submariner-broker", "submariner-operator")
    assert C.AWS_CREDENTIALS_KEYS == ("aws_access_key_id", "aws_secret_access_key")


def _crd(filename):
    yaml = pytest.importorskip("yaml")
    path = os.path.join(CRD_DIR, filename)
    if not os.path.isfile(path):
        pytest.skip("CRD %s not available" % path)
    with open(path, encoding="utf-8") as handle:
        return next(doc for doc in yaml.safe_load_all(handle) if doc)


@pytest.mark.parametrize(
    "api_version, kind, filename",
    [
        (C.SUBMARINER_CONFIG_API_VERSION, C.SUBMARINER_CONFIG_KIND, "submarinerconfigs.submarineraddon.open-cluster-management.io.yaml"),
        (C.BROKER_API_VERSION, C.BROKER_KIND, "brokers.submariner.io.yaml"),
        (C.SUBMARINER_API_VERSION, C.SUBMARINER_KIND, "submariners.submariner.io.yaml"),
        (C.GATEWAY_API_VERSION, C.GATEWAY_KIND, "gateways.submariner.io.yaml"),
        (C.MANAGED_CLUSTER_API_VERSION, C.MANAGED_CLUSTER_KIND, "managedclusters.cluster.open-cluster-management.io.yaml"),
        (C.MULTICLUSTER_HUB_API_VERSION, C.MULTICLUSTER_HUB_KIND, "multiclusterhubs.operator.open-cluster-management.io.yaml"),
        (C.NETWORK_CONFIG_API_VERSION, C.NETWORK_CONFIG_KIND, "networks.config.openshift.io.yaml"),
        (C.MANAGED_CLUSTER_VIEW_API_VERSION, C.MANAGED_CLUSTER_VIEW_KIND, "managedclusterviews.view.open-cluster-management.io.yaml"),
        (C.CLUSTER_DEPLOYMENT_API_VERSION, C.CLUSTER_DEPLOYMENT_KIND, "clusterdeployments.hive.openshift.io.yaml"),
        (C.ADDON_GROUP + "/v1alpha1", C.MANAGED_CLUSTER_ADDON_KIND, "managedclusteraddons.addon.open-cluster-management.io.yaml"),
        (C.ADDON_GROUP + "/v1alpha1", C.CLUSTER_MANAGEMENT_ADDON_KIND, "clustermanagementaddons.addon.open-cluster-management.io.yaml"),
        (C.CLUSTER_GROUP + "/v1beta2", C.MANAGED_CLUSTER_SET_KIND, "managedclustersets.cluster.open-cluster-management.io.yaml"),
        (C.CLUSTER_GROUP + "/v1beta2", C.MANAGED_CLUSTER_SET_BINDING_KIND, "managedclustersetbindings.cluster.open-cluster-management.io.yaml"),
        (C.MCS_GROUP + "/v1beta1", C.SERVICE_EXPORT_KIND, "serviceexports.multicluster.x-k8s.io.yaml"),
    ],
)
def test_api_versions_and_kinds_match_the_crds(api_version, kind, filename):
    crd = _crd(filename)
    group, version = api_version.split("/")
    assert crd["spec"]["group"] == group
    assert crd["spec"]["names"]["kind"] == kind
    assert version in [v["name"] for v in crd["spec"]["versions"] if v.get("served")]

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names, API groups, labels, annotations and condition types used across the collection.

Every string that ACM, the submariner-addon or Submariner gives a meaning to lives here, so
that modules, roles and tests spell it exactly once. Sources are in the project's domain
reference (sections 1, 3 and 4).
"""

from __future__ import annotations

# --- API groups ---------------------------------------------------------------------------
CLUSTER_GROUP = "cluster.open-cluster-management.io"
ADDON_GROUP = "addon.open-cluster-management.io"
SUBMARINER_ADDON_GROUP = "submarineraddon.open-cluster-management.io"
SUBMARINER_GROUP = "submariner.io"
MCS_GROUP = "multicluster.x-k8s.io"
MCH_GROUP = "operator.open-cluster-management.io"
OPENSHIFT_CONFIG_GROUP = "config.openshift.io"
VIEW_GROUP = "view.open-cluster-management.io"
HIVE_GROUP = "hive.openshift.io"

# --- API versions and kinds -----------------------------------------------------------------
MANAGED_CLUSTER_API_VERSION = CLUSTER_GROUP + "/v1"
MANAGED_CLUSTER_KIND = "ManagedCluster"
MANAGED_CLUSTER_SET_KIND = "ManagedClusterSet"
MANAGED_CLUSTER_SET_BINDING_KIND = "ManagedClusterSetBinding"
# Newest first: the order in which a served version is preferred.
MANAGED_CLUSTER_SET_VERSIONS = ("v1beta2", "v1beta1", "v1alpha1")

MANAGED_CLUSTER_ADDON_KIND = "ManagedClusterAddOn"
CLUSTER_MANAGEMENT_ADDON_KIND = "ClusterManagementAddOn"
# v1alpha1 is the storage version and the only one with spec.installNamespace.
MANAGED_CLUSTER_ADDON_VERSIONS = ("v1alpha1", "v1beta1")

SUBMARINER_CONFIG_API_VERSION = SUBMARINER_ADDON_GROUP + "/v1alpha1"
SUBMARINER_CONFIG_KIND = "SubmarinerConfig"
SUBMARINER_CONFIG_PLURAL = "submarinerconfigs"

BROKER_API_VERSION = SUBMARINER_GROUP + "/v1alpha1"
BROKER_KIND = "Broker"
SUBMARINER_API_VERSION = SUBMARINER_GROUP + "/v1alpha1"
SUBMARINER_KIND = "Submariner"
GATEWAY_API_VERSION = SUBMARINER_GROUP + "/v1"
# The Cluster objects each joined cluster announces itself with, in the set's broker namespace.
SUBMARINER_CLUSTER_API_VERSION = SUBMARINER_GROUP + "/v1"
SUBMARINER_CLUSTER_KIND = "Cluster"
SUBMARINER_ENDPOINT_KIND = "Endpoint"
GATEWAY_KIND = "Gateway"

SERVICE_EXPORT_KIND = "ServiceExport"
SERVICE_EXPORT_VERSIONS = ("v1beta1", "v1alpha1")

MULTICLUSTER_HUB_API_VERSION = MCH_GROUP + "/v1"
MULTICLUSTER_HUB_KIND = "MultiClusterHub"
NETWORK_CONFIG_API_VERSION = OPENSHIFT_CONFIG_GROUP + "/v1"
NETWORK_CONFIG_KIND = "Network"
NETWORK_CONFIG_NAME = "cluster"
MANAGED_CLUSTER_VIEW_API_VERSION = VIEW_GROUP + "/v1beta1"
MANAGED_CLUSTER_VIEW_KIND = "ManagedClusterView"
CLUSTER_DEPLOYMENT_API_VERSION = HIVE_GROUP + "/v1"
CLUSTER_DEPLOYMENT_KIND = "ClusterDeployment"

# --- Fixed object names ---------------------------------------------------------------------
SUBMARINER_CONFIG_NAME = "submariner"  # the only name ACM >= 2.3 reads
ADDON_NAME = "submariner"  # ManagedClusterAddOn and ClusterManagementAddOn
CLUSTER_MANAGEMENT_ADDON_NAME = "submariner"
INSTALL_NAMESPACE = "submariner-operator"
BROKER_NAME = "submariner-broker"
SUBMARINER_CR_NAME = "submariner"
IPSEC_PSK_SECRET_NAME = "submariner-ipsec-psk"
GLOBALNET_CONFIGMAP_NAME = "submariner-globalnet-info"

# Broker namespace naming per ACM generation (see hub.broker_namespace).
LEGACY_BROKER_NAMESPACE_PREFIX = "submariner-clusterset-"
BROKER_NAMESPACE_SUFFIX = "-broker"
NAMESPACE_MAX_LENGTH = 63

# The ManifestWorks the submariner-addon writes in a cluster's namespace (the operator and its resources).
MANIFEST_WORK_API_VERSION = "work.open-cluster-management.io/v1"
MANIFEST_WORK_KIND = "ManifestWork"
SUBMARINER_MANIFEST_WORKS = ("submariner-operator", "submariner-resource")
# The cluster id label of the Cluster and Endpoint objects a cluster announces in the broker namespace.
CLUSTER_ID_LABEL = "submariner-io/clusterID"

# --- Labels ---------------------------------------------------------------------------------
CLUSTERSET_LABEL = CLUSTER_GROUP + "/clusterset"
SUBMARINER_AGENT_LABEL = CLUSTER_GROUP + "/submariner-agent"  # ACM 2.2 join flow
SUBMARINER_AGENT_LABEL_VALUE = "true"
BACKUP_LABEL = CLUSTER_GROUP + "/backup"
BACKUP_LABEL_VALUE = "submariner"
BROKER_NAMESPACE_LABEL = SUBMARINER_GROUP + "/broker"
GATEWAY_NODE_LABEL = SUBMARINER_GROUP + "/gateway"
GATEWAY_UDP_PORT_LABEL = "gateway." + SUBMARINER_GROUP + "/udp-port"
DEFAULT_CLUSTERSET = "default"
GLOBAL_CLUSTERSET = "global"
# ACM's own sets: never used, adopted or deleted by this collection.
RESERVED_CLUSTERSETS = (DEFAULT_CLUSTERSET, GLOBAL_CLUSTERSET)

# --- Ownership: what this collection created (it deletes only what carries the marker) ----
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "acm.submariner"
FIELD_MANAGER = "acm.submariner"
# On a ManagedCluster: the set acm.submariner put it in, and the non-default set it was in before.
JOINED_SET_ANNOTATION = "acm.submariner/clusterset"
PREVIOUS_SET_ANNOTATION = "acm.submariner/previous-clusterset"

# --- Annotations ----------------------------------------------------------------------------
BROKER_NAMESPACE_ANNOTATION = CLUSTER_GROUP + "/submariner-broker-ns"
SKIP_CLOUD_PREPARE_ANNOTATION = SUBMARINER_GROUP + "/skip-cloud-prepare"
VPC_ID_ANNOTATION = SUBMARINER_GROUP + "/vpc-id"
SUBNET_ID_LIST_ANNOTATION = SUBMARINER_GROUP + "/subnet-id-list"
CONTROL_PLANE_SG_ID_ANNOTATION = SUBMARINER_GROUP + "/control-plane-sg-id"
WORKER_SG_ID_ANNOTATION = SUBMARINER_GROUP + "/worker-sg-id"
ADDON_INSTALL_NAMESPACE_ANNOTATION = ADDON_GROUP + "/v1alpha1-install-namespace"

# --- ManagedCluster claims ------------------------------------------------------------------
CLAIM_PLATFORM = "platform.open-cluster-management.io"
CLAIM_PRODUCT = "product.open-cluster-management.io"
CLAIM_REGION = "region.open-cluster-management.io"
CLAIM_INFRASTRUCTURE = "infrastructure.openshift.io"  # JSON: {"infraName": "<infraID>"}
CLAIM_OPENSHIFT_VERSION = "version.openshift.io"
CLAIM_KUBE_VERSION = "kubeversion.open-cluster-management.io"
CLAIM_CLUSTER_ID = "id.openshift.io"

# --- Condition types ------------------------------------------------------------------------
# ManagedCluster
COND_CLUSTER_AVAILABLE = "ManagedClusterConditionAvailable"
COND_CLUSTER_JOINED = "ManagedClusterJoined"
COND_HUB_ACCEPTED = "HubAcceptedManagedCluster"
# SubmarinerConfig
COND_CONFIG_APPLIED = "SubmarinerConfigApplied"
COND_ENV_PREPARED = "SubmarinerClusterEnvironmentPrepared"
COND_GATEWAYS_LABELED = "SubmarinerGatewaysLabeled"
# Reasons of SubmarinerGatewaysLabeled the spoke agent writes while the add-on is deleted (ACM >= 2.8):
# clean-up done, or its error (stolostron/submariner-addon pkg/spoke/submarineragent/config_controller.go).
REASON_ADDON_DELETED = "ManagedClusterAddOnDeleted"
REASON_CLEANUP_FAILURE = "Failure"
# ManagedClusterAddOn submariner
COND_BROKER_CONFIG_APPLIED = "SubmarinerBrokerConfigApplied"
COND_GATEWAY_NODES_LABELED = "SubmarinerGatewayNodesLabeled"
COND_AGENT_DEGRADED = "SubmarinerAgentDegraded"
COND_CONNECTION_DEGRADED = "SubmarinerConnectionDegraded"
COND_ROUTE_AGENT_CONNECTION_DEGRADED = "RouteAgentConnectionDegraded"
COND_ADDON_AVAILABLE = "Available"

# --- Join flows, naming rules, port profiles (values of the hub facts) ----------------------
JOIN_FLOW_LABELS = "labels"  # ACM 2.2: clusterset + submariner-agent labels
JOIN_FLOW_ADDON = "addon"  # ACM >= 2.3: ManagedClusterAddOn submariner
JOIN_FLOWS = (JOIN_FLOW_LABELS, JOIN_FLOW_ADDON)
CONFIG_NAME_RULE_ANY = "any"
CONFIG_NAME_RULE_FIXED = "submariner"
BROKER_NS_RULE_LEGACY = "legacy"  # submariner-clusterset-<set>-broker
BROKER_NS_RULE_CURRENT = "current"  # <set>-broker
BROKER_NS_RULES = (BROKER_NS_RULE_LEGACY, BROKER_NS_RULE_CURRENT)
PORT_PROFILE_LEGACY = "legacy"  # UDP 500 + 4500 public, 4800 + TCP 8080 internal
PORT_PROFILE_CURRENT = "current"  # UDP NAT-T + NAT discovery, ESP/AH public, 4800 internal (ACM >= 2.7)
PORT_PROFILE_ACM_2_5 = "acm-2.5"  # current + TCP 8080 and 8081 internal (ACM 2.5-2.6)
PORT_PROFILE_ACM_2_4 = "acm-2.4"  # current + TCP 8080 internal (ACM 2.4)

# --- Credentials secret keys ---------------------------------------------------------------
AWS_ACCESS_KEY_ID_KEY = "aws_access_key_id"
AWS_SECRET_ACCESS_KEY_KEY = "aws_secret_access_key"
AWS_CREDENTIALS_KEYS = (AWS_ACCESS_KEY_ID_KEY, AWS_SECRET_ACCESS_KEY_KEY)
# The credentials secret of a cluster, in its namespace on the hub, unless one is named: <cluster>-aws-creds
# (the name the ACM console and the submariner-addon documentation use).
CREDENTIALS_SECRET_SUFFIX = "-aws-creds"

# --- Defaults worth naming ------------------------------------------------------------------
GATEWAY_INSTANCE_TYPE_LEGACY = "m5n.large"  # addon default up to ACM 2.16
GATEWAY_INSTANCE_TYPE_CURRENT = "m5.xlarge"  # addon default from ACM 2.17
GATEWAY_SUBNET_TAG_KEY = "submariner.io/gateway"  # cloud-prepare's, used by the addon from ACM 2.4
ADDON_LEGACY_GATEWAY_SUBNET_TAG_KEY = "open-cluster-management.io/submariner-addon/gateway"  # the ACM 2.2/2.3 addon's
SUBMARINER_NATT_DISCOVERY_PORT = 4490  # what Submariner listens on (addon default is 4900)

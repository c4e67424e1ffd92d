"""What the submariner-addon hub controller ships to a managed cluster: ManifestWorks and their manifests.

ACM >= 2.3 splits the payload in two ManifestWorks in the cluster namespace (domain.md section 4.1):
``submariner-operator`` (Namespace, OperatorGroup, OLM Subscription, aggregate ClusterRoles) and
``submariner-resource`` (the IPsec PSK and broker secrets and the ``Submariner`` CR). ACM 2.2 ships
everything in the single ``submariner-operator`` ManifestWork.
"""

from __future__ import annotations

from tests.lab.controllers import acm_common as c

OLM_V1ALPHA1 = "operators.coreos.com/v1alpha1"
OLM_V1 = "operators.coreos.com/v1"
RHACM_REPOSITORY = "registry.redhat.io/rhacm2"
# ACM names its RBAC objects "open-cluster-management:<component>:<role>" (domain.md 1.5).
AGGREGATE_ADMIN_ROLE = "open-cluster-management:submariner-addon:aggregate-admin"


def manifest_work(name: str, namespace: str, manifests: list[dict]) -> dict:
    return {
        "apiVersion": c.WORK_V1,
        "kind": "ManifestWork",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"workload": {"manifests": manifests}},
    }


def operator_manifests(profile: str, config: dict | None) -> list[dict]:
    """Namespace, OperatorGroup, Subscription and the aggregate ClusterRoles of the ``submariner-operator`` work."""
    subscription = ((config or {}).get("spec") or {}).get("subscriptionConfig") or {}
    annotations = ((config or {}).get("metadata") or {}).get("annotations") or {}
    namespace = {"apiVersion": c.V1, "kind": "Namespace", "metadata": {"name": c.INSTALL_NAMESPACE}}
    if profile == c.PROFILE_212:
        namespace["metadata"]["annotations"] = {"addon.open-cluster-management.io/deletion-orphan": "true"}
    manifests = [namespace]
    if "skipOperatorGroup" not in annotations:
        manifests.append({
            "apiVersion": OLM_V1, "kind": "OperatorGroup",
            "metadata": {"name": "submariner-operator", "namespace": c.INSTALL_NAMESPACE},
            "spec": {"targetNamespaces": [c.INSTALL_NAMESPACE]},
        })
    subscription_spec = {
        "name": "submariner",
        "channel": subscription.get("channel") or c.SUBMARINER_CHANNEL[profile],
        "source": subscription.get("source") or "redhat-operators",
        "sourceNamespace": subscription.get("sourceNamespace") or "openshift-marketplace",
        "installPlanApproval": subscription.get("installPlanApproval") or "Automatic",
        "startingCSV": subscription.get("startingCSV") or c.SUBMARINER_CSV[profile],
    }
    manifests.append({
        "apiVersion": OLM_V1ALPHA1, "kind": "Subscription",
        "metadata": {"name": "submariner", "namespace": c.INSTALL_NAMESPACE},
        "spec": subscription_spec,
    })
    manifests.append({
        "apiVersion": c.RBAC_V1, "kind": "ClusterRole",
        "metadata": {"name": AGGREGATE_ADMIN_ROLE,
                     "labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
        "rules": [{"apiGroups": ["submariner.io"], "resources": ["*"], "verbs": ["*"]}],
    })
    return manifests


def resource_manifests(profile: str, cluster: str, config: dict | None, broker: dict) -> list[dict]:
    """Secrets and the ``Submariner`` CR (``submariner-resource`` work, or the tail of the 2.2 work)."""
    psk_secret = {
        "apiVersion": c.V1, "kind": "Secret", "type": "Opaque",
        "metadata": {"name": c.PSK_SECRET, "namespace": c.INSTALL_NAMESPACE},
        "data": {"psk": broker["psk"]},
    }
    broker_secret = {
        "apiVersion": c.V1, "kind": "Secret", "type": "Opaque",
        "metadata": {"name": c.BROKER_SECRET, "namespace": c.INSTALL_NAMESPACE},
        "data": {"token": broker["token"], "ca.crt": broker["ca"]},
    }
    return [psk_secret, broker_secret, submariner_cr(profile, cluster, config, broker)]


def submariner_cr(profile: str, cluster: str, config: dict | None, broker: dict) -> dict:
    """The ``Submariner`` CR the addon renders (hard-coded values per domain.md section 1.2)."""
    spec = (config or {}).get("spec") or {}
    ports = c.config_ports(config)
    cr_spec = {
        "broker": "k8s",
        "brokerK8sApiServer": broker["api_server"],
        "brokerK8sRemoteNamespace": broker["namespace"],
        "brokerK8sInsecure": bool(spec.get("insecureBrokerConnection", False)),
        "cableDriver": spec.get("cableDriver") or c.DEFAULT_CABLE_DRIVER,
        "ceIPSecDebug": bool(spec.get("IPSecDebug", False)),
        "ceIPSecNATTPort": ports["natt"],
        "clusterCIDR": "",
        "serviceCIDR": "",
        "clusterID": cluster,
        "debug": bool(spec.get("Debug", False)),
        "namespace": c.INSTALL_NAMESPACE,
        "natEnabled": bool(spec.get("NATTEnable", True)),
        "serviceDiscoveryEnabled": True,
        "repository": RHACM_REPOSITORY,
        "version": c.SUBMARINER_VERSION[profile],
        "globalCIDR": broker.get("global_cidr", ""),
    }
    if profile == c.PROFILE_22:
        # ACM 2.2 templated the IKE port and the PSK and token inline.
        cr_spec.update({"ceIPSecIKEPort": ports["ike"], "ceIPSecPSK": broker["psk"],
                        "brokerK8sApiServerToken": broker["token"], "brokerK8sCA": broker["ca"]})
    else:
        cr_spec.update({
            "brokerK8sSecret": c.BROKER_SECRET,
            "ceIPSecPSKSecret": c.PSK_SECRET,
            "ceIPSecForceUDPEncaps": bool(spec.get("forceUDPEncaps", False)),
            "airGappedDeployment": bool(spec.get("airGappedDeployment", False)),
            "loadBalancerEnabled": bool(spec.get("loadBalancerEnable", False)),
            "haltOnCertificateError": bool(spec.get("haltOnCertificateError", True)),
        })
    return {
        "apiVersion": c.SUBMARINER_OPERATOR_V1ALPHA1, "kind": "Submariner",
        "metadata": {"name": c.SUBMARINER_CR, "namespace": c.INSTALL_NAMESPACE},
        "spec": cr_spec,
    }

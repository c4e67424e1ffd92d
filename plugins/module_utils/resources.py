# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure builders of every object the collection writes, with the exact JSON names of the CRDs.

Builders take snake_case module options and return plain dicts ready for the API. Unset
options (None) are left out, so the server's defaults apply and a later run compares equal.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import ownership

# SubmarinerConfig spec: module option -> JSON path in spec. Casing follows the CRD exactly
# (several fields start with capitals). gatewayConfig.aws.instanceType is the real path;
# upstream's docs show gatewayConfig.instanceType, which the CRD does not have.
SUBMARINER_CONFIG_FIELDS: dict[str, tuple[str, ...]] = {
    "cable_driver": ("cableDriver",),
    "global_cidr": ("globalCIDR",),
    "ipsec_ike_port": ("IPSecIKEPort",),
    "ipsec_natt_port": ("IPSecNATTPort",),
    "natt_discovery_port": ("NATTDiscoveryPort",),
    "natt_enable": ("NATTEnable",),
    "air_gapped_deployment": ("airGappedDeployment",),
    "load_balancer_enable": ("loadBalancerEnable",),
    "insecure_broker_connection": ("insecureBrokerConnection",),
    "halt_on_certificate_error": ("haltOnCertificateError",),
    "hosted_cluster": ("hostedCluster",),
    "ipsec_debug": ("IPSecDebug",),
    "force_udp_encaps": ("forceUDPEncaps",),
    "ipsec_cert_auth_mode": ("IPSecCertAuthMode",),
    "debug": ("Debug",),
    "credentials_secret": ("credentialsSecret", "name"),
    "gateways": ("gatewayConfig", "gateways"),
    "aws_instance_type": ("gatewayConfig", "aws", "instanceType"),
    "gcp_instance_type": ("gatewayConfig", "gcp", "instanceType"),
    "azure_instance_type": ("gatewayConfig", "azure", "instanceType"),
    "rhos_instance_type": ("gatewayConfig", "rhos", "instanceType"),
}

# Sub-options of the dict options subscription_config and image_pull_specs.
SUBSCRIPTION_CONFIG_FIELDS: dict[str, str] = {
    "source": "source",
    "source_namespace": "sourceNamespace",
    "channel": "channel",
    "starting_csv": "startingCSV",
    "install_plan_approval": "installPlanApproval",
}
IMAGE_PULL_SPEC_FIELDS: dict[str, str] = {
    "submariner": "submarinerImagePullSpec",
    "route_agent": "submarinerRouteAgentImagePullSpec",
    "lighthouse_agent": "lighthouseAgentImagePullSpec",
    "lighthouse_coredns": "lighthouseCoreDNSImagePullSpec",
    "globalnet": "submarinerGlobalnetImagePullSpec",
    "metrics_proxy": "metricsProxyImagePullSpec",
    "nettest": "nettestImagePullSpec",
    "network_plugin_syncer": "submarinerNetworkPluginSyncerImagePullSpec",
}
NESTED_SUBMARINER_CONFIG_FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    "subscription_config": ("subscriptionConfig", SUBSCRIPTION_CONFIG_FIELDS),
    "image_pull_specs": ("imagePullSpecs", IMAGE_PULL_SPEC_FIELDS),
}

# Annotations the module manages on a SubmarinerConfig: option -> annotation key.
SUBMARINER_CONFIG_ANNOTATIONS: dict[str, str] = {
    "skip_cloud_prepare": C.SKIP_CLOUD_PREPARE_ANNOTATION,
    "vpc_id": C.VPC_ID_ANNOTATION,
    "subnet_ids": C.SUBNET_ID_LIST_ANNOTATION,
    "control_plane_sg_id": C.CONTROL_PLANE_SG_ID_ANNOTATION,
    "worker_sg_id": C.WORKER_SG_ID_ANNOTATION,
}

# First ACM release whose SubmarinerConfig CRD has the field (domain reference, section 1.2).
# Older addons ignore the field (and structural CRDs prune it), so setting it has no effect.
_SINCE_22 = (2, 2)
SUBMARINER_CONFIG_FIELDS_SINCE: dict[str, tuple[int, int]] = {
    "cable_driver": _SINCE_22,
    "ipsec_ike_port": _SINCE_22,
    "ipsec_natt_port": _SINCE_22,
    "credentials_secret": _SINCE_22,
    "gateways": (2, 3),
    "aws_instance_type": (2, 3),
    "natt_discovery_port": (2, 4),
    "natt_enable": (2, 4),
    "global_cidr": (2, 5),
    "load_balancer_enable": (2, 5),
    "gcp_instance_type": (2, 5),
    "azure_instance_type": (2, 5),
    "rhos_instance_type": (2, 5),
    "insecure_broker_connection": (2, 6),
    "ipsec_debug": (2, 6),
    "debug": (2, 6),
    "air_gapped_deployment": (2, 7),
    "halt_on_certificate_error": (2, 9),
    "force_udp_encaps": (2, 10),
    "hosted_cluster": (2, 12),
    "ipsec_cert_auth_mode": (2, 15),
    "subscription_config.install_plan_approval": (2, 5),
    "image_pull_specs.globalnet": (2, 5),
    "image_pull_specs.metrics_proxy": (2, 6),
    "image_pull_specs.nettest": (2, 6),
    "image_pull_specs.network_plugin_syncer": (2, 6),
}

# What the addon deploys when the SubmarinerConfig names no driver (stolostron/submariner-addon
# pkg/hub/submarinerbrokerinfo/brokerinfo.go defaultCableDriver).
DEFAULT_CABLE_DRIVER = "libreswan"
CABLE_DRIVERS = (DEFAULT_CABLE_DRIVER, "wireguard", "vxlan")
# The ACM generation from which the Submariner its addon deploys has each cable driver (submariner-io/submariner:
# pkg/cable/vxlan from v0.10.0-m2, commit 369f8e81; ACM 2.3 deploys Submariner 0.9 (stolostron/submariner-addon
# release-2.3 CR version v0.9), ACM 2.4 deploys 0.11). An older gateway exits with "unsupported cable type"
# (pkg/cable/driver.go). The addon passes the value on unchecked (pkg/hub/submarinerbrokerinfo/brokerinfo.go).
CABLE_DRIVER_SINCE: dict[str, tuple[int, int]] = {"libreswan": (2, 2), "wireguard": (2, 2), "vxlan": (2, 4)}
INSTALL_PLAN_APPROVALS = ("Automatic", "Manual")


def credentials_secret_name(cluster: str, given: str | None = None) -> str:
    """The AWS credentials secret of ``cluster`` on the hub: ``given`` when set, else ``<cluster>-aws-creds``."""
    return given or cluster + C.CREDENTIALS_SECRET_SUFFIX


def _set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _metadata(name: str, namespace: str | None = None, labels: Mapping[str, str] | None = None,
              annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    return metadata


def submariner_config_spec(options: Mapping[str, Any]) -> dict[str, Any]:
    """The SubmarinerConfig ``spec`` for the given snake_case options; None values are left out.

    Keys of ``options`` that are not spec options (annotations, name, auth...) are ignored, so
    a module may pass its whole ``params``.
    """
    spec: dict[str, Any] = {}
    for option, path in SUBMARINER_CONFIG_FIELDS.items():
        value = options.get(option)
        if value is not None:
            _set_path(spec, path, value)
    for option, (json_name, fields) in NESTED_SUBMARINER_CONFIG_FIELDS.items():
        nested = {fields[key]: value for key, value in (options.get(option) or {}).items() if value is not None and key in fields}
        if nested:
            spec[json_name] = nested
    return spec


def _set_options(options: Mapping[str, Any]) -> list[str]:
    names = [option for option in SUBMARINER_CONFIG_FIELDS if options.get(option) is not None]
    for option in NESTED_SUBMARINER_CONFIG_FIELDS:
        names.extend("%s.%s" % (option, key) for key, value in (options.get(option) or {}).items() if value is not None)
    return names


# SubmarinerConfig fields the operator passes to the gateway DaemonSet's pod template, so that a change restarts the
# gateway pods and drops the cluster's tunnels meanwhile (submariner-io/submariner-operator
# controllers/submariner/gateway_resources.go, env SUBMARINER_CABLEDRIVER, CE_IPSEC_NATTPORT, CE_IPSEC_IKEPORT,
# SUBMARINER_NATENABLED, CE_IPSEC_FORCEENCAPS, CE_IPSEC_DEBUG, devel 393ed877), with their CRD defaults.
GATEWAY_POD_FIELDS: dict[str, tuple[str, Any]] = {
    "cableDriver": ("cable driver", DEFAULT_CABLE_DRIVER),
    "IPSecNATTPort": ("NAT-T port", 4500),
    "IPSecIKEPort": ("IKE port", 500),
    "NATTEnable": ("NAT traversal", True),
    "forceUDPEncaps": ("forced UDP encapsulation", False),
    "IPSecDebug": ("IPsec debug", False),
}


def gateway_pod_changes(before_spec: Mapping[str, Any] | None, after_spec: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The changes between two SubmarinerConfig specs that restart the gateway pods (``field``, ``name``, ``before``,
    ``after``); none for a config that did not exist yet (the cluster has no tunnels to drop)."""
    if before_spec is None or after_spec is None:
        return []
    changes = []
    for field, (name, default) in GATEWAY_POD_FIELDS.items():
        before, after = before_spec.get(field, default), after_spec.get(field, default)
        if before != after:
            changes.append({"field": field, "name": name, "before": before, "after": after})
    return changes


# What the addon of an older ACM does for a gateway option its CRD lacks: ACM 2.2's addon deploys one
# gateway (stolostron/submariner-addon v2.2.11-ACM pkg/cloud/aws/aws.go, findSubnet/tagSubnet pick one
# subnet) of a hard-coded instance type (the hub facts' default_gateway_instance_type). A value equal to
# that is what the hub does anyway: it is left out of the write instead of being refused.
FIXED_WHEN_UNSUPPORTED: dict[str, Any] = {"gateways": 1, "cable_driver": DEFAULT_CABLE_DRIVER}
_BEHAVIOUR_WHEN_UNSUPPORTED = {
    "gateways": "always deploys one gateway",
    "aws_instance_type": "always uses the instance type %s",
    "cable_driver": "deploys a Submariner without that cable driver (its gateway would exit with \"unsupported cable type\")",
}
_UNSET = object()


@dataclass(frozen=True)
class OptionRefusal:
    """A set SubmarinerConfig option that the hub's CRD lacks and whose value the hub would not honour, or a value its
    Submariner lacks (a cable driver, :data:`CABLE_DRIVER_SINCE`)."""

    option: str
    value: Any
    since: tuple[int, int]

    def message(self, acm_version: str, name: str | None = None, fixed: Any = _UNSET) -> str:
        """The error, naming ``name`` (the option, or the variable that sets it), the hub's version and the fix."""
        name = name or self.option
        behaviour = _BEHAVIOUR_WHEN_UNSUPPORTED.get(self.option, "has no field %s in its SubmarinerConfig CRD, which prunes it"
                                                    % ".".join(_json_path(self.option)))
        if "%s" in behaviour:
            behaviour %= fixed
        keep = " (or set it to %s)" % fixed if fixed is not _UNSET else ""
        needing = "%s %s" % (name, self.value) if self.option == "cable_driver" else name  # a value, not a field, is missing
        return ("%s is %s, but this hub runs ACM %s, whose submariner-addon %s: %s needs ACM %d.%d or later."
                " Unset %s%s, or upgrade the hub." % ((name, self.value, acm_version, behaviour, needing) + self.since + (name, keep)))


def _generation(generation: tuple[int, int] | str) -> tuple[int, int]:
    if isinstance(generation, str):
        major, minor = generation.split(".")[:2]
        return int(major), int(minor)
    return tuple(generation[:2])  # type: ignore[return-value]


def _json_path(option: str) -> tuple[str, ...]:
    if "." in option:
        parent, key = option.split(".", 1)
        json_name, fields = NESTED_SUBMARINER_CONFIG_FIELDS[parent]
        return (json_name, fields[key])
    return SUBMARINER_CONFIG_FIELDS[option]


def _option_value(options: Mapping[str, Any], option: str) -> Any:
    if "." in option:
        parent, key = option.split(".", 1)
        return (options.get(parent) or {}).get(key)
    return options.get(option)


def _without_option(options: dict[str, Any], option: str) -> None:
    if "." in option:
        parent, key = option.split(".", 1)
        options[parent] = {name: value for name, value in (options.get(parent) or {}).items() if name != key}
    else:
        options[option] = None


def config_options_for_hub(options: Mapping[str, Any], generation: tuple[int, int] | str,
                           fixed: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[OptionRefusal]]:
    """Split SubmarinerConfig options by what the CRD of ACM ``generation`` has.

    Returns the options to write (every option the hub's CRD lacks set to None, so it is never
    written: a structural CRD would prune it and every later run would rewrite it) and the
    refusals: options the CRD lacks whose value differs from ``fixed`` (what that addon does
    anyway, :data:`FIXED_WHEN_UNSUPPORTED` plus the hub's instance type).
    """
    generation = _generation(generation)
    kept = dict(options)
    refused = []
    for option in _set_options(options):
        since = SUBMARINER_CONFIG_FIELDS_SINCE.get(option, _SINCE_22)
        if generation >= since:
            continue
        value = _option_value(options, option)
        _without_option(kept, option)
        if (fixed or {}).get(option, _UNSET) != value:
            refused.append(OptionRefusal(option, value, since))
    driver_since = CABLE_DRIVER_SINCE.get(options.get("cable_driver"))
    if driver_since and generation < driver_since and "cable_driver" in kept:
        kept["cable_driver"] = None
        refused.append(OptionRefusal("cable_driver", options["cable_driver"], driver_since))
    return kept, refused


def fixed_values(default_gateway_instance_type: str | None) -> dict[str, Any]:
    """``fixed`` for :func:`config_options_for_hub` on a hub whose addon uses ``default_gateway_instance_type``."""
    fixed = dict(FIXED_WHEN_UNSUPPORTED)
    if default_gateway_instance_type:
        fixed["aws_instance_type"] = default_gateway_instance_type
    return fixed


def refusal_messages(refused: Iterable[OptionRefusal], acm_version: str, fixed: Mapping[str, Any] | None = None,
                     names: Mapping[str, str] | None = None) -> list[str]:
    """One message per refusal; ``names`` maps an option to what the user set (an inventory variable)."""
    fixed = fixed or {}
    return [refusal.message(acm_version, (names or {}).get(refusal.option), fixed.get(refusal.option, _UNSET)) for refusal in refused]


def options_newer_than(options: Mapping[str, Any], generation: tuple[int, int] | str) -> list[str]:
    """Messages for the set spec options that the SubmarinerConfig CRD of ACM ``generation``
    (``(2, 2)`` or ``"2.2"``) does not have yet; empty when all are known."""
    generation = _generation(generation)
    return ["%s needs ACM %d.%d or later; this hub is ACM %d.%d, whose submariner-addon ignores it" % ((refusal.option,) + refusal.since + generation)
            for refusal in config_options_for_hub(options, generation)[1]]


def submariner_config_annotations(options: Mapping[str, Any]) -> dict[str, str | None]:
    """Annotations for the behaviour options, as a merge-patch fragment.

    A set option gives its string value; ``skip_cloud_prepare=False`` and an empty
    ``subnet_ids`` list give None (remove the annotation); unset options are left out.
    """
    annotations: dict[str, str | None] = {}
    for option, key in SUBMARINER_CONFIG_ANNOTATIONS.items():
        value = options.get(option)
        if value is None:
            continue
        if option == "skip_cloud_prepare":
            annotations[key] = "true" if value else None
        elif option == "subnet_ids":
            annotations[key] = ",".join(_as_list(value)) or None
        else:
            annotations[key] = str(value) or None
    return annotations


def _as_list(value: str | Iterable[str]) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip() for item in value if item and item.strip()]


def build_submariner_config(namespace: str, options: Mapping[str, Any], name: str = C.SUBMARINER_CONFIG_NAME) -> dict[str, Any]:
    """A complete SubmarinerConfig in the managed cluster's namespace on the hub.

    Annotations that ``options`` asks to remove are not in the object; use
    :func:`submariner_config_annotations` to build the patch that removes them.
    """
    annotations = {key: value for key, value in submariner_config_annotations(options).items() if value is not None}
    return {
        "apiVersion": C.SUBMARINER_CONFIG_API_VERSION,
        "kind": C.SUBMARINER_CONFIG_KIND,
        "metadata": _metadata(name, namespace, annotations=annotations),
        "spec": submariner_config_spec(options),
    }


def build_managed_cluster_set(name: str, version: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A ManagedClusterSet for the served API ``version`` whose members are chosen by the
    exclusive ``cluster.open-cluster-management.io/clusterset`` label.

    v1beta2 calls that selector ``ExclusiveClusterSetLabel``; v1beta1 calls the same selector
    ``LegacyClusterSetLabel`` (its enum rejects the v1beta2 name); v1alpha1 has no selector.
    """
    spec: dict[str, Any]
    if version == "v1beta2":
        spec = {"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}
    elif version == "v1beta1":
        spec = {"clusterSelector": {"selectorType": "LegacyClusterSetLabel"}}
    elif version == "v1alpha1":
        spec = {}
    else:
        raise ValueError("unsupported ManagedClusterSet version %r, expected one of %s" % (version, ", ".join(C.MANAGED_CLUSTER_SET_VERSIONS)))
    return {
        "apiVersion": "%s/%s" % (C.CLUSTER_GROUP, version),
        "kind": C.MANAGED_CLUSTER_SET_KIND,
        "metadata": _metadata(name, labels=labels),
        "spec": spec,
    }


def build_managed_cluster_set_binding(set_name: str, namespace: str, version: str) -> dict[str, Any]:
    """A ManagedClusterSetBinding of ``set_name`` into ``namespace`` (name must equal the set)."""
    if version not in C.MANAGED_CLUSTER_SET_VERSIONS:
        raise ValueError("unsupported ManagedClusterSetBinding version %r" % (version,))
    return {
        "apiVersion": "%s/%s" % (C.CLUSTER_GROUP, version),
        "kind": C.MANAGED_CLUSTER_SET_BINDING_KIND,
        "metadata": _metadata(set_name, namespace),
        "spec": {"clusterSet": set_name},
    }


def build_managed_cluster_addon(cluster: str, version: str = "v1alpha1", install_namespace: str = C.INSTALL_NAMESPACE) -> dict[str, Any]:
    """The ManagedClusterAddOn ``submariner`` in the cluster's namespace.

    v1alpha1 carries ``spec.installNamespace``; v1beta1 dropped the field, and the conversion
    keeps it in the ``addon.open-cluster-management.io/v1alpha1-install-namespace`` annotation.
    """
    if version == "v1alpha1":
        return {
            "apiVersion": "%s/%s" % (C.ADDON_GROUP, version),
            "kind": C.MANAGED_CLUSTER_ADDON_KIND,
            "metadata": _metadata(C.ADDON_NAME, cluster),
            "spec": {"installNamespace": install_namespace},
        }
    if version == "v1beta1":
        return {
            "apiVersion": "%s/%s" % (C.ADDON_GROUP, version),
            "kind": C.MANAGED_CLUSTER_ADDON_KIND,
            "metadata": _metadata(C.ADDON_NAME, cluster, annotations={C.ADDON_INSTALL_NAMESPACE_ANNOTATION: install_namespace}),
            "spec": {},
        }
    raise ValueError("unsupported ManagedClusterAddOn version %r, expected one of %s" % (version, ", ".join(C.MANAGED_CLUSTER_ADDON_VERSIONS)))


def build_broker(
    namespace: str,
    globalnet_enabled: bool | None = None,
    globalnet_cidr_range: str | None = None,
    default_globalnet_cluster_size: int | None = None,
) -> dict[str, Any]:
    """The Broker ``submariner-broker`` (ACM >= 2.5) with the ACM backup label.

    Unset Globalnet options are left out: the addon then uses ``242.0.0.0/8`` and 65536.
    """
    spec: dict[str, Any] = {}
    if globalnet_enabled is not None:
        spec["globalnetEnabled"] = bool(globalnet_enabled)
    if globalnet_cidr_range is not None:
        spec["globalnetCIDRRange"] = globalnet_cidr_range
    if default_globalnet_cluster_size is not None:
        spec["defaultGlobalnetClusterSize"] = int(default_globalnet_cluster_size)
    return {
        "apiVersion": C.BROKER_API_VERSION,
        "kind": C.BROKER_KIND,
        "metadata": _metadata(C.BROKER_NAME, namespace, labels={C.BACKUP_LABEL: C.BACKUP_LABEL_VALUE}),
        "spec": spec,
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def build_aws_credentials_secret(name: str, namespace: str, access_key_id: str, secret_access_key: str) -> dict[str, Any]:
    """The AWS credentials Secret the addon reads (keys ``aws_access_key_id`` and
    ``aws_secret_access_key``), with ``data`` base64-encoded as the API returns it."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _metadata(name, namespace),
        "data": {
            C.AWS_ACCESS_KEY_ID_KEY: _b64(access_key_id),
            C.AWS_SECRET_ACCESS_KEY_KEY: _b64(secret_access_key),
        },
    }


def aws_credentials_problems(secret: Mapping[str, Any] | None) -> list[str]:
    """What is wrong with an AWS credentials Secret read from the API (empty when usable)."""
    if not secret:
        return ["the secret does not exist"]
    data = secret.get("data") or {}
    string_data = secret.get("stringData") or {}
    problems = []
    for key in C.AWS_CREDENTIALS_KEYS:
        if not data.get(key) and not string_data.get(key):
            problems.append("the secret has no (or an empty) key %r" % key)
    return problems


def membership_patch(
    metadata: Mapping[str, Any] | None,
    set_name: str | None,
    flow: str,
    extra_labels: Mapping[str, str | None] | None = None,
    remove_labels: Iterable[str] | None = None,
    state: str = "present",
    move: bool = False,
) -> dict[str, Any]:
    """The minimal JSON merge patch for a ManagedCluster's labels and our annotations; ``{}`` when nothing changes.

    ``metadata`` is the cluster's current metadata (``labels`` and ``annotations``).

    ``present``: puts the cluster in ``set_name`` (from ``default`` freely, from another set only
    with ``move``, recording that set; ValueError otherwise: see ownership.move_problem), adds
    ``submariner-agent=true`` on the ``labels`` flow (ACM 2.2), applies ``extra_labels`` (a None
    value deletes that label) and deletes ``remove_labels``.

    ``absent``: only when acm.submariner put the cluster in ``set_name`` (any set when None): puts it
    back in its recorded previous set (or removes the label) and drops the agent label on the
    ``labels`` flow; deletes the ``extra_labels`` keys and ``remove_labels`` in any case.

    Only keys whose value really changes are in the patch, so it touches nothing else.
    """
    if flow not in C.JOIN_FLOWS:
        raise ValueError("unknown join flow %r, expected one of %s" % (flow, ", ".join(C.JOIN_FLOWS)))
    if state not in ("present", "absent"):
        raise ValueError("state must be present or absent, not %r" % (state,))
    metadata = metadata or {}
    labels = dict(metadata.get("labels") or {})
    annotations = dict(metadata.get("annotations") or {})
    desired: dict[str, str | None] = {}
    notes: dict[str, str | None] = {}
    if state == "present":
        if set_name:
            problem = ownership.move_problem(metadata.get("name") or "the cluster", labels.get(C.CLUSTERSET_LABEL), set_name, move)
            if problem:
                raise ValueError(problem)
            desired, notes = ownership.join_changes(labels, annotations, set_name)
        if flow == C.JOIN_FLOW_LABELS:
            desired[C.SUBMARINER_AGENT_LABEL] = C.SUBMARINER_AGENT_LABEL_VALUE
        desired.update(extra_labels or {})
    else:
        if flow == C.JOIN_FLOW_LABELS and ownership.joined_by_us(annotations, set_name):
            desired[C.SUBMARINER_AGENT_LABEL] = None
        label_changes, notes = ownership.leave_changes(labels, annotations, set_name)
        desired.update(label_changes)
        desired.update(dict.fromkeys(extra_labels or {}))
    desired.update(dict.fromkeys(remove_labels or ()))
    patch: dict[str, Any] = {}
    changes = {key: value for key, value in desired.items() if _label_differs(labels, key, value)}
    if changes:
        patch["labels"] = changes
    note_changes = {key: value for key, value in notes.items() if _label_differs(annotations, key, value)}
    if note_changes:
        patch["annotations"] = note_changes
    return {"metadata": patch} if patch else {}


def _label_differs(current: Mapping[str, str], key: str, value: str | None) -> bool:
    if value is None:
        return key in current
    return current.get(key) != value


def apply_label_patch(current_labels: Mapping[str, str] | None, patch: Mapping[str, Any]) -> dict[str, str]:
    """The labels after applying a patch from :func:`membership_patch` (for diff/check mode)."""
    labels = dict(current_labels or {})
    for key, value in ((patch.get("metadata") or {}).get("labels") or {}).items():
        if value is None:
            labels.pop(key, None)
        else:
            labels[key] = value
    return labels

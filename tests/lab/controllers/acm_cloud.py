"""The submariner-addon's side of cloud preparation: gating, credentials and conditions (domain.md 2.1, 2.7).

The EC2 work itself (ports, subnet tags, gateway MachineSets, clean-up) is the cloud-prepare
engine's (``cloud_prepare.py``); this module decides whether it runs, with which inputs and
credentials, and turns its errors into the addon's condition messages.
"""

from __future__ import annotations

import base64

from tests.lab import profiles
from tests.lab.controllers import acm_common as c
from tests.lab.controllers import cloud_prepare

SKIPPED_VENDORS = ("ROSA", "ARO", "ROKS")
AWS_KEYS = ("aws_access_key_id", "aws_secret_access_key")
VPC_ANNOTATION = "submariner.io/vpc-id"
SUBNETS_ANNOTATION = "submariner.io/subnet-id-list"
CONTROL_PLANE_SG_ANNOTATION = "submariner.io/control-plane-sg-id"
WORKER_SG_ANNOTATION = "submariner.io/worker-sg-id"


class CloudPrepareError(Exception):
    """An input or cloud error; its text is what the addon puts after "Failed to prepare ...: "."""


def uses_cloud(config: dict, managed_cluster: dict, profile_name: str = c.PROFILE_212) -> bool:
    """Whether a cloud provider prepares this cluster (otherwise existing workers are labelled)."""
    if profiles.get(profile_name).cloud_prepare_gate == "credentials-secret":
        # stolostron/submariner-addon v2.2.11-ACM pkg/hub/submarineragent/controller.go syncSubmarinerConfig:
        # "no platform credentials, the submariner cluster environment neet not to be prepared".
        return bool(((config.get("spec") or {}).get("credentialsSecret") or {}).get("name"))
    if c.annotations_of(config).get(c.SKIP_CLOUD_PREPARE_ANNOTATION) == "true":
        return False
    claims = c.claims_of(managed_cluster)
    return claims.get(c.CLAIM_PLATFORM) == "AWS" and claims.get(c.CLAIM_PRODUCT) not in SKIPPED_VENDORS


def request_for(world, profile_name: str, config: dict, managed_cluster: dict) -> dict:
    """Validate the inputs in the addon's order and return the cloud-prepare request (raises CloudPrepareError)."""
    claims = c.claims_of(managed_cluster)
    vendor = claims.get(c.CLAIM_PRODUCT, "")
    if vendor != "OpenShift":
        raise CloudPrepareError(f"unsupported vendor {vendor!r}")
    credentials = aws_credentials(world.hub, config)
    region = claims.get(c.CLAIM_REGION, "")
    if not region:
        raise CloudPrepareError("cluster region is empty")
    infra_id = c.infra_id_of(managed_cluster)
    if not infra_id:
        raise CloudPrepareError("cluster infraID is empty")
    spec = config.get("spec") or {}
    profile = profiles.get(profile_name)
    # ACM 2.2 (v2.2.11-ACM pkg/cloud/aws/aws.go): one gateway subnet, instanceType = "m5n.large", no
    # override annotations; its CRD prunes gatewayConfig anyway, this keeps the rule if a test writes around it.
    gateways = c.desired_gateways(config) if profile.reads_gateway_config else 1
    if gateways < 1:
        raise CloudPrepareError("the count of gateways is less than 1")
    gateway_config = spec.get("gatewayConfig") if profile.reads_gateway_config else None
    annotations = c.annotations_of(config) if profile.reads_prepare_annotations else {}
    subnets = [item.strip() for item in annotations.get(SUBNETS_ANNOTATION, "").split(",") if item.strip()]
    return {
        "profile": profile_name,
        "cluster": managed_cluster["metadata"]["name"],
        "region": region,
        "infra_id": infra_id,
        "credentials": credentials,
        "gateways": gateways,
        "instance_type": ((gateway_config or {}).get("aws") or {}).get("instanceType") or "",
        "config_spec": spec,
        "network_type": spoke_network_type(world, managed_cluster["metadata"]["name"]),
        "vpc_id": annotations.get(VPC_ANNOTATION, ""),
        "subnet_ids": subnets,
        "worker_sg_id": annotations.get(WORKER_SG_ANNOTATION, ""),
        "control_plane_sg_id": annotations.get(CONTROL_PLANE_SG_ANNOTATION, ""),
    }


def aws_credentials(hub, config: dict) -> dict:
    """The AWS keys of ``spec.credentialsSecret`` (a Secret in the config's namespace on the hub)."""
    namespace = config["metadata"]["namespace"]
    reference = ((config.get("spec") or {}).get("credentialsSecret") or {}).get("name")
    if not reference:
        raise CloudPrepareError("no CredentialsSecret reference provided")
    secret = hub.get(c.V1, "Secret", reference, namespace)
    if secret is None:
        raise CloudPrepareError(f'secrets "{reference}" not found')
    data = secret.get("data") or {}
    values = {}
    for key in AWS_KEYS:
        if key not in data:
            raise CloudPrepareError(f"the aws credentials key {key} is not in secret {namespace}/{reference}")
        values[key] = base64.b64decode(data[key]).decode()
    return values


def spoke_network_type(world, cluster: str) -> str:
    spoke = c.spoke_of(world, cluster)
    network = spoke.get(c.NETWORK_CONFIG_V1, "Network", "cluster") if spoke is not None else None
    return ((network or {}).get("spec") or {}).get("networkType", "")


def prepare(world, profile_name: str, config: dict, managed_cluster: dict) -> str | None:
    """Run cloud prepare for the cluster; the error text, or None on success."""
    try:
        request = request_for(world, profile_name, config, managed_cluster)
        cloud_prepare.prepare(world, request)
    except CloudPrepareError as error:
        return str(error)
    except cloud_prepare.CloudPrepareFailed as error:
        return str(error)
    return None


def clean_up(world, profile_name: str, config: dict, managed_cluster: dict) -> str | None:
    """Undo cloud prepare; the error text, or None on success (nothing to undo counts as success)."""
    try:
        request = request_for(world, profile_name, config, managed_cluster)
        cloud_prepare.clean_up(world, request)
    except CloudPrepareError as error:
        return str(error)
    except cloud_prepare.CloudPrepareFailed as error:
        return str(error)
    return None


def prepared_condition(error: str | None) -> tuple:
    if error is None:
        return ("SubmarinerClusterEnvironmentPrepared", "True", "SubmarinerClusterEnvPrepared",
                "Submariner cluster environment was prepared")
    return ("SubmarinerClusterEnvironmentPrepared", "False", "SubmarinerClusterEnvPreparationFailed",
            f"Failed to prepare submariner cluster environment: {error}")

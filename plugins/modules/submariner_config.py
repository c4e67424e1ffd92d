#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_config
short_description: Manage the SubmarinerConfig of a managed cluster on the ACM hub
version_added: 0.1.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Creates, updates or deletes the C(SubmarinerConfig) (C(submarineraddon.open-cluster-management.io/v1alpha1))
    in a managed cluster's namespace on the hub. With a credentials secret the submariner-addon prepares
    the cloud (gateway security group and ports, gateway node) and configures Submariner from it.
  - Every spec field of the upstream CRD is an option, written with the CRD's exact JSON names
    (C(IPSecNATTPort), C(NATTDiscoveryPort), C(gatewayConfig.gateways), C(gatewayConfig.aws.instanceType), ...).
    Options left unset are not written, so the addon's defaults apply.
  - Ownership - an object it creates carries the label C(app.kubernetes.io/managed-by=acm.submariner) (writes use
    the field manager C(acm.submariner)); an existing one without it is updated but never labelled, and
    O(state=absent) deletes only an object with the label (another is kept, with a warning).
  - The name follows the hub's rule. ACM 2.2 reads a SubmarinerConfig of any name when it is the only
    one in the namespace (the blog used V(subconfig)); from ACM 2.3 only V(submariner) is read, and
    another name fails the task instead of creating an object the addon ignores.
  - Writes only the C(spec) fields the hub's ACM generation has in its SubmarinerConfig CRD (the
    first release of each field is listed with its option). An older CRD would prune the rest, and
    every later run would rewrite the object. A field the CRD lacks is left out when its value is
    what that addon does anyway (ACM 2.2 hard-codes one gateway and m5n.large); any other value, such
    as O(gateways=2) or O(natt_discovery_port) on ACM 2.2, fails the task before any write, naming
    the option, the hub's ACM version and the fix.
  - Before any request, refuses ports outside 1-65535, fewer than 1 gateway and a NAT-T port equal to the NAT
    discovery port, naming every such option.
  - Before writing, checks that the credentials secret exists in the cluster namespace and, for AWS
    clusters, has the keys C(aws_access_key_id) and C(aws_secret_access_key). Secret values are never
    read into the result.
  - With O(wait=true), waits for C(SubmarinerConfigApplied), C(SubmarinerClusterEnvironmentPrepared) and
    C(SubmarinerGatewaysLabeled) and returns every condition; on timeout the task fails with the
    condition that blocked, its reason and message, and a fix when the failure is a known one.
options:
  cluster:
    description:
      - Name of the ManagedCluster; the SubmarinerConfig lives in the namespace of the same name on the hub.
    type: str
    required: true
    aliases: [namespace]
  name:
    description:
      - Name of the SubmarinerConfig. Defaults to V(submariner), the only name ACM 2.3 and later read.
      - On ACM 2.2 any name works if it is the only SubmarinerConfig in the namespace.
    type: str
    default: submariner
  state:
    description:
      - V(present) creates or updates the SubmarinerConfig, V(absent) deletes it.
      - From ACM 2.8 the addon cleans up the cloud when the ManagedClusterAddOn is deleted while the
        SubmarinerConfig still exists; delete the add-on (M(acm.submariner.submariner_addon)) first.
    type: str
    choices: [present, absent]
    default: present
  credentials_secret:
    description:
      - Name of the secret with the cloud credentials in the cluster namespace (C(spec.credentialsSecret.name)),
        for example V(cluster1-aws-creds). Without it the addon does not prepare the cloud.
    type: str
  cable_driver:
    description: C(spec.cableDriver), the tunnel technology.
    type: str
    choices: [libreswan, wireguard, vxlan]
  global_cidr:
    description:
      - C(spec.globalCIDR), this cluster's Globalnet CIDR (only with Globalnet enabled on the Broker).
      - Once the cluster joined (its ManagedClusterAddOn exists), another value is refused before any write, the
        submariner-addon keeping the CIDR it allocated at the join (ConfigMap C(submariner-globalnet-info)) and ignoring
        a new one. To change it, remove the cluster from the set and add it again.
    type: str
  ipsec_ike_port:
    description: C(spec.IPSecIKEPort). Only ACM 2.2 and 2.3 use it.
    type: int
  ipsec_natt_port:
    description:
      - C(spec.IPSecNATTPort), the UDP NAT-T port the cluster's gateways listen on (addon default 4500). Clusters may
        use different ports; each gateway is reached on its own.
      - Refused before any request when the cluster's nodes already use the UDP port (4789 VXLAN, 4800 Submariner's
        VXLAN, 6081 Geneve, 9000-9999 host-level services, 30000-32767 node ports), when it is the IKE port
        O(ipsec_ike_port) (default 500), or when it equals O(natt_discovery_port).
    type: int
  natt_discovery_port:
    description:
      - C(spec.NATTDiscoveryPort), the UDP NAT discovery port opened in the cloud firewall (addon default 4900).
      - Submariner listens on 4490, so V(4490) is the value that works.
      - Refused before any request for the same UDP ports as O(ipsec_natt_port).
    type: int
  natt_enable:
    description: C(spec.NATTEnable).
    type: bool
  air_gapped_deployment:
    description: C(spec.airGappedDeployment).
    type: bool
  load_balancer_enable:
    description: C(spec.loadBalancerEnable), a LoadBalancer Service in front of the gateway (ROSA, ARO).
    type: bool
  insecure_broker_connection:
    description: C(spec.insecureBrokerConnection).
    type: bool
  halt_on_certificate_error:
    description: C(spec.haltOnCertificateError).
    type: bool
  hosted_cluster:
    description: C(spec.hostedCluster) (HyperShift).
    type: bool
  ipsec_debug:
    description: C(spec.IPSecDebug).
    type: bool
  force_udp_encaps:
    description: C(spec.forceUDPEncaps).
    type: bool
  ipsec_cert_auth_mode:
    description: C(spec.IPSecCertAuthMode).
    type: bool
  debug:
    description: C(spec.Debug).
    type: bool
  gateways:
    description:
      - C(spec.gatewayConfig.gateways), the number of gateways (more than 1 enables gateway HA). ACM 2.3 and later.
      - ACM 2.2 always deploys one gateway, so only V(1) is accepted there (and not written).
      - Lowering it where the addon prepares AWS (ACM 2.4 and later) is written with a warning, as the addon removes no
        gateway (and may add some); the site playbook's preflight refuses it. See docs/day2.md.
    type: int
  aws_instance_type:
    description:
      - C(spec.gatewayConfig.aws.instanceType) of the gateway node (addon default m5n.large, m5.xlarge from ACM 2.17). ACM 2.3 and later.
      - ACM 2.2 hard-codes m5n.large, so only that value is accepted there (and not written).
    type: str
  gcp_instance_type:
    description: C(spec.gatewayConfig.gcp.instanceType).
    type: str
  azure_instance_type:
    description: C(spec.gatewayConfig.azure.instanceType).
    type: str
  rhos_instance_type:
    description: C(spec.gatewayConfig.rhos.instanceType).
    type: str
  subscription_config:
    description: C(spec.subscriptionConfig), where OLM installs Submariner from.
    type: dict
    suboptions:
      source:
        description: C(source), the CatalogSource.
        type: str
      source_namespace:
        description: C(sourceNamespace).
        type: str
      channel:
        description: C(channel), for example V(alpha) on ACM 2.2 or V(stable-0.18).
        type: str
      starting_csv:
        description: C(startingCSV), for example V(submariner.v0.8.1).
        type: str
      install_plan_approval:
        description: C(installPlanApproval).
        type: str
        choices: [Automatic, Manual]
  image_pull_specs:
    description: C(spec.imagePullSpecs), image overrides.
    type: dict
    suboptions:
      submariner:
        description: C(submarinerImagePullSpec).
        type: str
      route_agent:
        description: C(submarinerRouteAgentImagePullSpec).
        type: str
      lighthouse_agent:
        description: C(lighthouseAgentImagePullSpec).
        type: str
      lighthouse_coredns:
        description: C(lighthouseCoreDNSImagePullSpec).
        type: str
      globalnet:
        description: C(submarinerGlobalnetImagePullSpec).
        type: str
      metrics_proxy:
        description: C(metricsProxyImagePullSpec).
        type: str
      nettest:
        description: C(nettestImagePullSpec).
        type: str
      network_plugin_syncer:
        description: C(submarinerNetworkPluginSyncerImagePullSpec) (deprecated upstream).
        type: str
  skip_cloud_prepare:
    description:
      - Annotation C(submariner.io/skip-cloud-prepare). V(true) makes the addon label existing workers
        instead of preparing the cloud; V(false) removes the annotation.
    type: bool
  vpc_id:
    description: Annotation C(submariner.io/vpc-id) for a custom AWS VPC (ACM 2.12 and later). An empty string removes it.
    type: str
  subnet_ids:
    description: Annotation C(submariner.io/subnet-id-list), the public subnets for gateways. An empty list removes it.
    type: list
    elements: str
  control_plane_sg_id:
    description: Annotation C(submariner.io/control-plane-sg-id). An empty string removes it.
    type: str
  worker_sg_id:
    description: Annotation C(submariner.io/worker-sg-id). An empty string removes it.
    type: str
  wait:
    description:
      - With O(state=present), wait until the config is applied, the cluster environment prepared and the
        gateways labelled (environment preparation is not required with O(skip_cloud_prepare=true) or on
        platforms the addon does not prepare).
      - With O(state=absent), wait until the SubmarinerConfig is gone.
  wait_for_cleanup:
    description:
      - With O(state=absent) on ACM 2.8 and later, do not delete the SubmarinerConfig before the spoke's
        submariner-addon agent reported that it cleaned up the cloud (C(SubmarinerGatewaysLabeled) V(False)
        with reason V(ManagedClusterAddOnDeleted)). From 2.8 the agent cleans up only while the
        ManagedClusterAddOn is being deleted and the SubmarinerConfig still exists, and nothing on the hub
        waits for it, so deleting the config earlier leaks the gateway security group, its rules, the
        subnet tags and the gateway instances.
      - Fails at once when the ManagedClusterAddOn exists and is not being deleted (delete it first), and
        after O(wait_timeout) seconds naming the cluster and what the config's status says is left.
      - Ignored before ACM 2.8, where the hub's finalizer on the SubmarinerConfig runs the clean-up. In
        check mode the evidence is reported in RV(cleanup), not waited for.
    type: bool
    default: false
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.hub.FACTS
  - acm.submariner.hub.MANAGED_CLUSTER_FACTS
  - acm.submariner.hub.WAIT
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.submariner_addon
  - module: acm.submariner.managed_cluster
  - module: acm.submariner.hub_info
  - name: SubmarinerConfig API (submariner-addon)
    description: The upstream CRD this module writes.
    link: https://github.com/stolostron/submariner-addon/blob/main/docs/submarinerConfig.md
"""

EXAMPLES = r"""
# The blog (ACM 2.2): SubmarinerConfig "subconfig" with the cluster's AWS credentials.
- name: Prepare cluster1 on AWS the ACM 2.2 way
  acm.submariner.submariner_config:
    kubeconfig: "{{ hub_kubeconfig }}"
    context: hubcluster
    cluster: cluster1
    name: subconfig
    credentials_secret: cluster1-aws-creds
    ipsec_ike_port: 500
    ipsec_natt_port: 4500
    aws_instance_type: m5n.large
    subscription_config:
      channel: alpha
      starting_csv: submariner.v0.8.1

# Today: the name is always "submariner"; wait until the gateway node is labelled.
- name: Prepare cluster1 on AWS
  acm.submariner.submariner_config:
    context: hubcluster
    cluster: cluster1
    credentials_secret: cluster1-aws-creds
    gateways: 1
    aws_instance_type: m5.xlarge
    ipsec_natt_port: 4500
    natt_discovery_port: 4490
    cable_driver: libreswan
    wait: true
    wait_timeout: 900
  register: config

- name: Show every condition the addon reported
  ansible.builtin.debug:
    var: config.conditions

# Uninstall on ACM >= 2.8: the add-on first, then the config once the spoke agent cleaned AWS.
- name: Delete the ManagedClusterAddOn submariner of cluster1
  acm.submariner.submariner_addon:
    context: hubcluster
    cluster: cluster1
    state: absent
    wait: true

- name: Delete the SubmarinerConfig of cluster1 once its spoke reported the clean-up
  acm.submariner.submariner_config:
    context: hubcluster
    cluster: cluster1
    state: absent
    wait_for_cleanup: true
    wait: true
    wait_timeout: 900

- name: Custom VPC, and the firewall already opened by acm.submariner.aws_cloud_prepare
  acm.submariner.submariner_config:
    context: hubcluster
    cluster: cluster2
    credentials_secret: cluster2-aws-creds
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0a1b2c3d4e5f60718]
    skip_cloud_prepare: true
"""

RETURN = r"""
result:
  description: The SubmarinerConfig as the API server returned it (or would store it, in check mode); empty when absent.
  returned: success
  type: dict
  sample:
    apiVersion: submarineraddon.open-cluster-management.io/v1alpha1
    kind: SubmarinerConfig
    metadata: {name: submariner, namespace: cluster1}
    spec: {credentialsSecret: {name: cluster1-aws-creds}, gatewayConfig: {gateways: 1, aws: {instanceType: m5.xlarge}}}
name:
  description: The name of the SubmarinerConfig.
  returned: success
  type: str
  sample: submariner
conditions:
  description: Every condition of the SubmarinerConfig, after the wait when O(wait=true).
  returned: O(state=present)
  type: list
  elements: dict
  sample:
    - {type: SubmarinerConfigApplied, status: "True", reason: SubmarinerConfigApplied, message: SubmarinerConfig was applied,
       last_transition_time: "2026-11-25T10:00:00Z"}
readiness:
  description:
    - The evaluation of the conditions, C(state) V(ready), V(waiting) or V(failed), with the blocking
      C(condition), C(reason) and C(message).
  returned: O(state=present)
  type: dict
  sample: {state: waiting, condition: SubmarinerGatewaysLabeled, reason: InsufficientNodes, message: "0 node(s) are labeled as gateways"}
gateway_changes:
  description:
    - The changed fields that restart the cluster's gateway pods (the operator passes them to the gateway's pod
      template), so that the cluster's tunnels drop until the pods run again. Empty for a new SubmarinerConfig.
    - Each with C(field), C(name), C(before) and C(after), defaults counted (an unset C(cableDriver) is V(libreswan)).
  returned: O(state=present)
  type: list
  elements: dict
  sample: [{field: cableDriver, name: cable driver, before: libreswan, after: vxlan}]
cleanup:
  description:
    - With O(state=absent) and O(wait_for_cleanup=true) on ACM 2.8 and later, the spoke's clean-up evidence
      as last seen, C(state) V(ready) once reported (or when the config is gone or the spoke prepared nothing).
  returned: O(state=absent), O(wait_for_cleanup=true), the config existed and ACM 2.8 or later
  type: dict
  sample: {state: ready, condition: null, reason: null, message: null, conditions: []}
diff:
  description: Before and after of what changed, with C(--diff).
  returned: changed and diff mode
  type: dict
  sample: {before: {spec: {gatewayConfig: {gateways: 1}}}, after: {spec: {gatewayConfig: {gateways: 2}}}}
"""

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub_submariner_config import manage_config
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, hub_facts_argument_spec, writer_argument_spec
from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    CABLE_DRIVERS,
    IMAGE_PULL_SPEC_FIELDS,
    INSTALL_PLAN_APPROVALS,
    SUBSCRIPTION_CONFIG_FIELDS,
)

BOOL_FIELDS = (
    "natt_enable", "air_gapped_deployment", "load_balancer_enable", "insecure_broker_connection",
    "halt_on_certificate_error", "hosted_cluster", "ipsec_debug", "force_udp_encaps", "ipsec_cert_auth_mode", "debug",
)
INT_FIELDS = ("ipsec_ike_port", "ipsec_natt_port", "natt_discovery_port", "gateways")
STR_FIELDS = ("credentials_secret", "global_cidr", "aws_instance_type", "gcp_instance_type", "azure_instance_type",
              "rhos_instance_type", "vpc_id", "control_plane_sg_id", "worker_sg_id")


def argument_spec():
    spec = writer_argument_spec({
        **hub_facts_argument_spec(managed_cluster=True),
        "cluster": {"type": "str", "required": True, "aliases": ["namespace"]},
        "name": {"type": "str", "default": C.SUBMARINER_CONFIG_NAME},
        "cable_driver": {"type": "str", "choices": list(CABLE_DRIVERS)},
        "skip_cloud_prepare": {"type": "bool"},
        "subnet_ids": {"type": "list", "elements": "str"},
        "wait_for_cleanup": {"type": "bool", "default": False},
        "subscription_config": {"type": "dict", "options": {key: {"type": "str"} for key in SUBSCRIPTION_CONFIG_FIELDS}},
        "image_pull_specs": {"type": "dict", "options": {key: {"type": "str"} for key in IMAGE_PULL_SPEC_FIELDS}},
    })
    spec["subscription_config"]["options"]["install_plan_approval"]["choices"] = list(INSTALL_PLAN_APPROVALS)
    spec.update({key: {"type": "bool"} for key in BOOL_FIELDS})
    spec.update({key: {"type": "int"} for key in INT_FIELDS})
    spec.update({key: {"type": "str"} for key in STR_FIELDS})
    spec["credentials_secret"]["no_log"] = False  # the name of a Secret, not a secret
    return spec


def main():
    # The ports and gateways are the module's own rule (validation.submariner_config_problems), named with the object.
    module = HubModule(argument_spec=argument_spec(), names={"cluster": "cluster"},
                       checked_by_module=("ipsec_natt_port", "natt_discovery_port", "ipsec_ike_port", "gateways"))
    module.run(manage_config)


if __name__ == "__main__":
    main()

"""Bad input: every case fails before any write, with one message naming the cluster, the object and the fix.

Each case is what a user gets wrong (an inventory variable, an extra var, or a lab where the hub or a
cluster is not ready); the run is site.yml as users start it. "Before any write" is measured: no
mutating request reaches any API server between two marks of the lab's request log, and the EC2
state is unchanged.
"""

import dataclasses
import datetime
import pathlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.reliability import labrun

MC_API = "cluster.open-cluster-management.io/v1"
NETWORK_API = "config.openshift.io/v1"
AVAILABLE = "ManagedClusterConditionAvailable"


@dataclasses.dataclass
class Case:
    """``arrange(lab, tmp_path) -> (inventory or None, extra_vars, undo or None)``; ``expect``: words the message must hold."""

    name: str
    arrange: object
    expect: tuple
    finding: str = ""  # why the collection lets it through today (the case is a strict xfail until fixed)


def extra(**variables):
    return lambda lab, tmp_path: (None, variables, None)


def host_vars(host, **variables):
    return lambda lab, tmp_path: (labrun.write_inventory(lab, tmp_path / "inventory.yml", clusters={host: variables}), {}, None)


def hub_vars(**variables):
    return lambda lab, tmp_path: (labrun.write_inventory(lab, tmp_path / "inventory.yml", hub=_resolve(lab, variables)), {}, None)


def _resolve(lab, variables):
    """Values given as callables of the lab (URLs and files known only once it runs)."""
    return {key: value(lab) if callable(value) else value for key, value in variables.items()}


def with_store_patch(context, api_version, kind, name, namespace, patch, subresource=None, **variables):
    """Patch an object in the lab (as a cluster in that state would be); the undo restores the saved fields."""
    def arrange(lab, tmp_path):
        store = lab.store(context)
        before = store.get(api_version, kind, name, namespace)
        store.patch(api_version, kind, name, namespace, patch, subresource=subresource)

        def undo():
            restore = {key: before.get(key) for key in patch}
            store.patch(api_version, kind, name, namespace, restore, subresource=subresource)
        return None, variables, undo
    return arrange


def not_available(lab, tmp_path):
    """aws-sub2's klusterlet stopped renewing its lease: Available is Unknown."""
    store = lab.hub
    before = store.get(MC_API, "ManagedCluster", "aws-sub2")
    conditions = [dict(c, status="Unknown", reason="ManagedClusterLeaseUpdateStopped",
                       message="Registration agent stopped updating its lease.") if c["type"] == AVAILABLE else c
                  for c in before["status"]["conditions"]]
    store.patch(MC_API, "ManagedCluster", "aws-sub2", None, {"status": {"conditions": conditions}}, subresource="status")
    return None, {}, lambda: store.patch(MC_API, "ManagedCluster", "aws-sub2", None,
                                         {"status": {"conditions": before["status"]["conditions"]}}, subresource="status")


def claim(name, value):
    def arrange(lab, tmp_path):
        store = lab.hub
        before = store.get(MC_API, "ManagedCluster", "aws-sub2")["status"]["clusterClaims"]
        claims = [dict(c, value=value) if c["name"] == name else c for c in before]
        store.patch(MC_API, "ManagedCluster", "aws-sub2", None, {"status": {"clusterClaims": claims}}, subresource="status")
        return None, {}, lambda: store.patch(MC_API, "ManagedCluster", "aws-sub2", None, {"status": {"clusterClaims": before}},
                                             subresource="status")
    return arrange


def foreign_ca(lab, tmp_path):
    """A CA that did not sign the lab's serving certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-the-lab-ca")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    path = pathlib.Path(tmp_path) / "foreign-ca.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def hub_token_auth(token=None, url=None, ca=None):
    return hub_vars(acm_submariner_kubeconfig=None, acm_submariner_hub_context=None,
                    acm_submariner_api_host=url or (lambda lab: lab.server_url("hubcluster")),
                    acm_submariner_api_key=token or (lambda lab: lab.tokens["hubcluster"]["admin"]),
                    acm_submariner_ca_cert=ca or (lambda lab: str(lab.ca_file)))


def wrong_ca(lab, tmp_path):
    ca_file = foreign_ca(lab, tmp_path)
    return hub_token_auth(ca=lambda _lab: ca_file)(lab, tmp_path)


SECRET = ("v1", "Secret", "aws-sub2-aws-creds", "aws-sub2")
CASES = [
    Case("unknown-cluster", host_vars("aws-sub9", acm_submariner_cluster_context="cluster2"), ("aws-sub9", "ManagedCluster", "it has")),
    Case("unknown-context", host_vars("aws-sub2", acm_submariner_cluster_context="cluster9"), ("aws-sub2", "cluster9", "context")),
    Case("missing-kubeconfig", host_vars("aws-sub2", acm_submariner_kubeconfig="/nonexistent/kubeconfig"),
         ("aws-sub2", "/nonexistent/kubeconfig")),
    Case("no-credentials", host_vars("aws-sub2", acm_submariner_kubeconfig=""), ("aws-sub2", "acm_submariner_kubeconfig")),
    Case("missing-credentials-secret", host_vars("aws-sub2", acm_submariner_credentials_secret="no-such-secret"),
         ("aws-sub2", "no-such-secret", "does not exist", "acm_submariner_aws_access_key_id")),
    Case("incomplete-credentials-secret", with_store_patch("hubcluster", *SECRET, {"data": {"aws_secret_access_key": None}}),
         ("aws-sub2", "aws-sub2-aws-creds", "aws_secret_access_key")),
    Case("set-name-too-long", extra(acm_submariner_cluster_set="s" * 57), ("s" * 57, "63", "cluster set")),
    Case("set-name-not-dns-label", extra(acm_submariner_cluster_set="Sub_Set"), ("Sub_Set", "DNS-1123", "cluster set")),
    Case("prep-mode-unknown", extra(acm_submariner_aws_prep_mode="manual"), ("aws-sub1", "acm_submariner_aws_prep_mode", "direct")),
    Case("cluster-network-overlap", with_store_patch("cluster2", NETWORK_API, "Network", "cluster", None,
                                                     {"spec": {"clusterNetwork": [{"cidr": "10.132.0.0/14", "hostPrefix": 23}]}}),
         ("aws-sub1", "aws-sub2", "10.132.0.0/14", "acm_submariner_globalnet")),
    Case("service-network-overlap", with_store_patch("cluster2", NETWORK_API, "Network", "cluster", None,
                                                     {"spec": {"serviceNetwork": ["172.31.128.0/17"]}}),
         ("aws-sub1", "aws-sub2", "172.31.128.0/17", "acm_submariner_globalnet")),
    Case("invalid-cidr", with_store_patch("cluster2", NETWORK_API, "Network", "cluster", None,
                                          {"spec": {"serviceNetwork": ["172.30.0.0/33"]}}), ("aws-sub2", "172.30.0.0/33")),
    Case("cluster-not-available", not_available, ("aws-sub2", "not Available", "ManagedClusterLeaseUpdateStopped")),
    Case("platform-not-aws", claim("platform.open-cluster-management.io", "GCP"), ("aws-sub2", "GCP", "acm_submariner_aws_prep_mode")),
    Case("vendor-not-openshift", claim("product.open-cluster-management.io", "EKS"), ("aws-sub2", "EKS", "vendor")),
    Case("no-infra-id", claim("infrastructure.openshift.io", "{}"), ("aws-sub2", "infraID")),
    Case("gateways-zero", extra(acm_submariner_gateways=0), ("aws-sub1", "gateways", "1")),
    Case("instance-type-not-offered", extra(acm_submariner_gateway_instance_type="x9.imaginary"),
         ("aws-sub1", "x9.imaginary", "offered")),
    Case("nat-t-port-out-of-range", extra(acm_submariner_nat_t_port=70000), ("aws-sub1", "70000", "nat_t_port")),
    Case("nat-t-port-zero", extra(acm_submariner_nat_t_port=0), ("aws-sub1", "nat_t_port")),
    Case("nat-discovery-port-out-of-range", extra(acm_submariner_nat_discovery_port=65536), ("aws-sub1", "65536", "nat_discovery_port")),
    Case("nat-t-equals-nat-discovery", extra(acm_submariner_nat_t_port=4490, acm_submariner_nat_discovery_port=4490),
         ("aws-sub1", "4490", "different ports")),
    # Issue 17's "port already used by another rule": a port the installer's security group rules open for the nodes.
    Case("nat-t-port-the-nodes-use", extra(acm_submariner_nat_t_port=4789),
         ("aws-sub1", "acm_submariner_nat_t_port is 4789", "VXLAN (OpenShift SDN)", "choose a port outside")),
    Case("cable-driver-unknown", extra(acm_submariner_cable_driver="strongswan"),
         ("aws-sub1", "acm_submariner_cable_driver is 'strongswan'", "libreswan, wireguard, vxlan")),
    # Issue 17: clusters of one set on different cable drivers never connect, and Submariner reports no mismatch.
    Case("cable-driver-mix", host_vars("aws-sub1", acm_submariner_cable_driver="vxlan"),
         ("different cable drivers (aws-sub1: vxlan, aws-sub2: libreswan)", "the same acm_submariner_cable_driver")),
    Case("globalnet-cidr-invalid", extra(acm_submariner_globalnet=True, acm_submariner_globalnet_cidr_range="242.0.0.0/33"),
         ("242.0.0.0/33", "globalnet")),
    Case("region-unknown", extra(acm_submariner_region="mars-north-1"), ("aws-sub1", "mars-north-1", "region")),
    Case("wrong-token-401", hub_token_auth(token="sha256~not-a-valid-token"), ("hub", "401", "token")),
    # Preflight's SelfSubjectAccessReviews (roles/preflight/tasks/access.yml) name what the token lacks and the role to apply.
    Case("read-only-token-403", hub_vars(acm_submariner_hub_context="hubcluster-readonly"),
         ("hub", "lack", "create namespaces", "files/rbac/acm-submariner-hub-addon.yaml")),
    Case("unreachable-hub-api", hub_token_auth(url="https://127.0.0.1:9"), ("hub", "127.0.0.1:9")),
    Case("unreachable-cluster-api", host_vars("aws-sub2", acm_submariner_api_host="https://127.0.0.1:9", acm_submariner_api_key="x",
                                              acm_submariner_kubeconfig=None),
         ("aws-sub2", "127.0.0.1:9")),
    Case("wrong-ca", wrong_ca, ("hub", "certificate", "ca_cert")),
    # Checks that used to come after writes (issue 12): each is now a Python rule of preflight.
    Case("more-gateways-than-public-subnets", extra(acm_submariner_gateways=100),
         ("aws-sub1", "acm_submariner_gateways is 100", "public subnet(s)", "at most")),
    Case("globalnet-range-too-small", extra(acm_submariner_globalnet=True, acm_submariner_globalnet_cidr_range="242.0.0.0/16"),
         ("globalnet", "242.0.0.0/16", "aws-sub1, aws-sub2", "larger range")),
    # The rule is the same in addon mode; direct mode is where boto3 used to take the controller's own credentials.
    Case("empty-credentials-secret-direct-mode",
         with_store_patch("hubcluster", *SECRET, {"data": {"aws_access_key_id": "", "aws_secret_access_key": ""}},
                          acm_submariner_aws_prep_mode="direct"),
         ("aws-sub2", "aws-sub2/aws-sub2-aws-creds", "no value for aws_access_key_id, aws_secret_access_key", "fall back")),
    Case("empty-cluster-group", lambda lab, tmp_path: (labrun.write_inventory(lab, tmp_path / "inventory.yml",
                                                                              drop=("aws-sub1", "aws-sub2")), {}, None),
         ("managed_clusters", "empty")),
]


# A case the roles let through must not wait 15 minutes for a gateway that cannot come.
SHORT_WAITS = {"broker_wait_timeout": 30, "aws_prep_wait_timeout": 30, "agent_join_wait_timeout": 30}


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.finding), pytest.mark.converges] if case.finding else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_bad_input_fails_before_any_write(lab_factory, clean_lab, tmp_path, case):
    inventory, extra_vars, undo = case.arrange(clean_lab, tmp_path)
    ec2_before = clean_lab.ec2_state()
    result = ec2_after = None
    try:
        result = labrun.run(clean_lab, inventory=inventory, extra_vars=dict(SHORT_WAITS, **extra_vars))
        ec2_after = clean_lab.ec2_state()
    finally:
        if undo:
            undo()
        if result is None or result.mutating:
            lab_factory.stop_all()  # the next case gets a lab nobody wrote to
    assert result.returncode != 0, "site.yml succeeded with %s:\n%s" % (case.name, result.stdout[-3000:])
    assert result.mutating == [], "writes before the failure: %s" % [(r["cluster"], r["verb"], r["path"]) for r in result.mutating]
    assert ec2_after == ec2_before
    failed_tasks = {failure["task"] for failure in result.failures()}
    assert len(failed_tasks) == 1, "more than one failing task: %s" % result.failure_messages()
    # What the user reads: "fatal: [host]: ... msg"; the host is the cluster (or hub) the message is about.
    message = " ".join("%s: %s" % (failure["host"], failure["result"].get("msg", "")) for failure in result.failures()) or result.output
    missing = [word for word in case.expect if word.lower() not in message.lower()]
    assert not missing, "the message lacks %s: %s" % (missing, message[:2000])


CONFIG_NAMED = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Write a SubmarinerConfig under a name the hub's submariner-addon does not read
      acm.submariner.submariner_config:
        kubeconfig: "{{ kubeconfig }}"
        context: hubcluster
        cluster: aws-sub1
        name: subconfig
        credentials_secret: aws-sub1-aws-creds
"""


def test_submariner_config_name_not_allowed_on_this_acm(clean_lab, tmp_path):
    """ACM 2.3 and later read only the SubmarinerConfig named submariner: any other name fails before the write."""
    playbook = tmp_path / "config.yml"
    playbook.write_text(CONFIG_NAMED, encoding="utf-8")
    inventory = tmp_path / "localhost.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                         "      ansible_python_interpreter: {{ ansible_playbook_python }}\n", encoding="utf-8")
    result = labrun.run(clean_lab, playbook, inventory=inventory, extra_vars={"kubeconfig": str(clean_lab.kubeconfig)})
    assert result.returncode != 0
    assert result.mutating == []
    message = " ".join(result.failure_messages())
    missing = [word for word in ("aws-sub1", "subconfig", "submariner") if word not in message]
    assert not missing, "the message lacks %s: %s" % (missing, message)


@pytest.mark.parametrize("variables, expect", [
    ({"acm_submariner_gateways": 2}, ("acm_submariner_gateways is 2", "ACM 2.2.11", "always deploys one gateway", "Unset acm_submariner_gateways")),
    ({"acm_submariner_gateway_instance_type": "c5.large"},
     ("acm_submariner_gateway_instance_type is c5.large", "ACM 2.2.11", "m5n.large", "Unset acm_submariner_gateway_instance_type")),
    # Issue 17's cable driver the ACM generation does not support: ACM 2.2 deploys Submariner 0.8.1, which has no vxlan.
    ({"acm_submariner_cable_driver": "vxlan"}, ("acm_submariner_cable_driver is vxlan", "ACM 2.2.11", "unsupported cable type",
                                                "vxlan needs ACM 2.4 or later", "set it to libreswan")),
], ids=["two-gateways", "instance-type", "cable-driver-vxlan"])
def test_options_acm_22_cannot_honour_fail_in_preflight(lab_factory, tmp_path, variables, expect):
    """ACM 2.2's addon hard-codes one m5n.large gateway and its CRD prunes gatewayConfig: refused before any write."""
    lab = lab_factory.get("acm-2.2", overlap=False, time_scale=0.0)
    ec2_before = lab.ec2_state()
    result = labrun.run(lab, extra_vars=dict(SHORT_WAITS, **variables))
    assert result.returncode != 0, result.stdout[-3000:]
    assert result.mutating == [], "writes before the failure: %s" % [(r["cluster"], r["verb"], r["path"]) for r in result.mutating]
    assert lab.ec2_state() == ec2_before
    failures = result.failures()
    assert len(failures) == 1 and "Stop before any change" in failures[0]["task"], result.failure_messages()
    message = " ".join(result.failure_messages())
    missing = [word for word in expect if word not in message]
    assert not missing, "the message lacks %s: %s" % (missing, message)
    assert "submariner.io/gateway" not in message

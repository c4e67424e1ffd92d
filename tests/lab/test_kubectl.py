"""The kubectl found on PATH against a lab: apply, get (tables, -o wide), explain — what users run next to the collection."""

import os
import shutil
import subprocess
import textwrap

import pytest

from tests.lab.runtime import HUB_CONTEXT

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl on PATH (Debian: apt-get install kubectl; or any upstream build)")
MANIFEST = textwrap.dedent("""\
    apiVersion: cluster.open-cluster-management.io/v1beta2
    kind: ManagedClusterSet
    metadata:
      name: kubectl-applied
      labels:
        lab.example.com/by: kubectl
    spec:
      clusterSelector:
        selectorType: ExclusiveClusterSetLabel
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: kubectl-applied
      namespace: default
    data:
      key: value
    """)


@pytest.fixture(name="kubectl")
def kubectl_fixture(lab, tmp_path):
    """``kubectl(*args, context=...) -> CompletedProcess`` with the lab's kubeconfig and a throwaway HOME and cache."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KUBE", "K8S_AUTH_"))}
    env.update(HOME=str(tmp_path), KUBECACHEDIR=str(tmp_path / "cache"), KUBECONFIG=str(lab.kubeconfig))

    def run(*args, context=HUB_CONTEXT, stdin=None):
        completed = subprocess.run([KUBECTL, "--context", context, *args], input=stdin, env=env, cwd=tmp_path, capture_output=True,
                                   text=True, timeout=120, check=False)
        assert completed.returncode == 0, "kubectl %s failed:\n%s%s" % (" ".join(args), completed.stdout, completed.stderr)
        return completed
    return run


def _table(output):
    lines = output.strip().splitlines()
    return lines[0].split(), lines[1:]


def test_apply_creates_then_reapplying_changes_nothing(lab, kubectl):
    created = kubectl("apply", "-f", "-", stdin=MANIFEST)
    assert created.stdout.splitlines() == ["managedclusterset.cluster.open-cluster-management.io/kubectl-applied created",
                                           "configmap/kubectl-applied created"], created.stdout
    stored = lab.hub.get("cluster.open-cluster-management.io/v1beta2", "ManagedClusterSet", "kubectl-applied")
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]
    mark = lab.requests.mark()
    again = kubectl("apply", "-f", "-", stdin=MANIFEST)
    assert again.stdout.splitlines() == ["managedclusterset.cluster.open-cluster-management.io/kubectl-applied unchanged",
                                         "configmap/kubectl-applied unchanged"], again.stdout
    assert lab.requests.mutating_since(mark, HUB_CONTEXT) == []
    kubectl("delete", "-f", "-", stdin=MANIFEST)


def test_get_nodes_prints_kubectls_columns(lab, kubectl):
    header, rows = _table(kubectl("get", "nodes", context="cluster1").stdout)
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    nodes = lab.spokes["cluster1"].list("v1", "Node")
    assert len(rows) == len(nodes) and all(row.split()[1] == "Ready" for row in rows)
    assert {row.split()[2] for row in rows} == {"worker", "control-plane,master"}
    wide_header, wide_rows = _table(kubectl("get", "nodes", "-o", "wide", context="cluster1").stdout)
    assert wide_header[5:] == ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    internal_ips = {address["address"] for node in nodes for address in node["status"]["addresses"] if address["type"] == "InternalIP"}
    assert {row.split()[5] for row in wide_rows} == internal_ips


def test_get_o_wide_of_a_custom_resource_adds_its_priority_columns(kubectl):
    narrow, _rows = _table(kubectl("get", "machines", "-n", "openshift-machine-api", context="cluster1").stdout)
    wide, rows = _table(kubectl("get", "machines", "-n", "openshift-machine-api", "-o", "wide", context="cluster1").stdout)
    assert "PROVIDERID" not in narrow and "PROVIDERID" in wide and "NODE" in wide
    assert rows and all("Running" in row.split() for row in rows)
    header, rows = _table(kubectl("get", "managedclusters").stdout)
    assert header[:3] == ["NAME", "HUB", "ACCEPTED"] and rows


def test_explain_managedclusters_reads_the_served_schema(kubectl):
    explained = kubectl("explain", "managedclusters.spec").stdout
    assert "KIND:       ManagedCluster" in explained and "hubAcceptsClient" in explained

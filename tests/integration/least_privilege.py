"""Runs as a least-privilege identity: a ServiceAccount whose only binding is one shipped ClusterRole (files/rbac/).

Each cluster of the lab gets a ServiceAccount ``acm-submariner-rbac/runner``; ``bind_mode`` makes a run mode's
roles its only permissions (the lab enforces RBAC as kube-apiserver does, tests/lab/apiserver/rbac.py), and
``runner_inventory`` reaches every cluster with its token. ``assert_roles_are_what_the_run_used`` turns the
request log into permissions (tests/lab/rbac_from_log.py) and compares them with the list preflight reviews
(plugins/module_utils/rbac.py): the roles are what the runs used, no more. Used by the addon-mode lifecycle
(test_site.py's addon_lifecycle: acm-2.12 there, acm-2.2 in tests/matrix/test_smoke.py), the direct-mode
lifecycles of test_roles.py (both profiles), and by test_rbac.py.
"""

import pathlib

import pytest
import yaml

from tests.lab.apiserver.rbac import Identity
from tests.lab.fixtures import REPO_ROOT
from tests.lab.rbac_from_log import permissions
from tests.lab.runtime import HUB_CONTEXT

pytest.importorskip("ansible_collections.acm.submariner.plugins.module_utils.rbac")
from ansible_collections.acm.submariner.plugins.module_utils import rbac  # noqa: E402  pylint: disable=wrong-import-position

NAMESPACE = "acm-submariner-rbac"
ACCOUNT = "runner"
BINDING = "acm-submariner-rbac-runner"
SA_NAME = "system:serviceaccount:%s:%s" % (NAMESPACE, ACCOUNT)
RBAC_API = "rbac.authorization.k8s.io/v1"
# hub_info's facts that decide which permissions a hub needs, per profile.
HUB_FACTS = {
    "acm-2.12": {"join_flow": "addon", "broker_cr_required": True, "broker_namespace_rule": "current"},
    "acm-2.2": {"join_flow": "labels", "broker_cr_required": False, "broker_namespace_rule": "legacy"},
}


# The lifecycles that run as the runner start their labs with this time scale (seconds per provisioning step):
# a real hub's controllers take seconds, so a run's waits find their objects unsettled and watch them. At
# time scale 0 the lab settles at once and the roles' watches go untested.
WAITING_TIME_SCALE = 0.2


def shipped_role(side, mode):
    """The ClusterRole as the collection ships it (the YAML file, not the Python list)."""
    documents = list(yaml.safe_load_all((REPO_ROOT / rbac.role_file(side, mode)).read_text(encoding="utf-8")))
    assert len(documents) == 1 and documents[0]["kind"] == "ClusterRole"
    return documents[0]


def bind(lab, context, role):
    """Make ``role`` (a ClusterRole dict) the runner's only permissions on ``context`` (beside the bootstrap defaults)."""
    store = lab.store(context)
    for kind, name in (("ClusterRoleBinding", BINDING), ("ClusterRole", role["metadata"]["name"])):
        if store.get(RBAC_API, kind, name) is not None:
            store.delete(RBAC_API, kind, name)
    store.create(role)
    store.create({"apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": {"name": BINDING},
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role["metadata"]["name"]},
                  "subjects": [{"kind": "ServiceAccount", "name": ACCOUNT, "namespace": NAMESPACE}]})


def bind_mode(lab, mode):
    for context in lab.contexts:
        bind(lab, context, shipped_role(rbac.HUB if context == HUB_CONTEXT else rbac.SPOKE, mode))


def runner_inventory(lab, directory, variables=None):
    """The lab's inventory with every cluster reached as the runner ServiceAccount (its own kubeconfig), and
    ``variables`` for all hosts (as a molecule scenario's inventory gives them)."""
    tokens = {}
    for context in lab.contexts:
        store = lab.store(context)
        if store.get("v1", "Namespace", NAMESPACE) is None:
            store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        if store.get("v1", "ServiceAccount", ACCOUNT, NAMESPACE) is None:
            store.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": ACCOUNT, "namespace": NAMESPACE}})
        tokens[context] = lab.issue_token(context, Identity.service_account(NAMESPACE, ACCOUNT, label=ACCOUNT))
    directory = pathlib.Path(directory)
    kubeconfig = directory / "runner-kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(lab.kubeconfig_with_tokens(tokens)), encoding="utf-8")
    kubeconfig.chmod(0o600)
    inventory = yaml.safe_load((lab.state_dir / "inventory.yml").read_text(encoding="utf-8"))
    groups = inventory["all"]["children"]
    for group in groups.values():
        for host in group["hosts"].values():
            host["acm_submariner_kubeconfig"] = str(kubeconfig)
    if variables:
        inventory["all"].setdefault("vars", {}).update(variables)
    path = directory / "runner-inventory.yml"
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return path


def used_by_runner(lab, mark):
    """``{side: {(verb, group, resource)}}`` the runner's requests since ``mark`` were allowed."""
    records = [record for record in lab.requests.since(mark) if record.get("user") == SA_NAME]
    used = {rbac.HUB: set(), rbac.SPOKE: set()}
    for cluster, triples in permissions(records).items():
        used[rbac.HUB if cluster == HUB_CONTEXT else rbac.SPOKE] |= triples
    return used


def reviewed(run_name, aws_prep, profile):
    """``{side: {(verb, group, resource)}}`` preflight reviews for this run on this profile's hub."""
    return {side: {(p.verb, p.group, p.resource) for p in rbac.needed(side, run_name, aws_prep, HUB_FACTS[profile])}
            for side in rbac.SIDES}


# Sent only when a wait finds its object not yet settled at its first read: every wait lists its object by name and
# watches it until it settles (plugins/module_utils/waiting.py), so every watch the roles grant is such a request.
# Uninstall's wait for a deleted gateway MachineSet also reads the Nodes of the Machines still going
# (aws_gateway_machineset_runner.machines_left). The lab settles most objects at once where a real hub takes
# seconds, so a run may need these and not use them. Used and not reviewed still fails, and so does a request the
# runner was refused (``refused_requests``: a wait would fall back to polling).
SENT_ONLY_WHILE_WAITING = {
    ("uninstall", rbac.SPOKE, "direct"): {("get", "", "nodes")},
}


# Needed, but not by the runs of these tests: on ACM 2.2 the broker namespace does not exist yet when a first
# site run's preflight looks for the clusters announced in it (on later hubs the Broker step lists them too), and
# only an uninstall limited to some clusters (the set stays) looks for the removed cluster's Cluster and Endpoint
# there (tests/integration/test_site.py::test_three_clusters_join_in_batches_then_one_leaves_and_rejoins runs it);
# only a day-2 change patches a SubmarinerConfig, and a direct-mode site run deletes a gateway MachineSet only when
# a cluster asks for fewer gateways (tests/integration/test_day2.py runs both as the least-privilege runner).
# Preflight lists the Endpoints in the broker namespace (the cable driver each cluster announces) only once the set
# exists, on a re-run or a day-2 run (test_day2.py runs those as the least-privilege runner, refused nothing).
# These runs give no AWS keys, so they never write a credentials secret (test_day2.py's addon test gives keys, and
# creates and rotates the secret as the least-privilege runner).
DAY2_CONFIG_PATCH = ("patch", "submarineraddon.open-cluster-management.io", "submarinerconfigs")
ENDPOINTS_LIST = ("list", "submariner.io", "endpoints")
# Only a day-2 run with a new gateway instance type patches a gateway MachineSet and replaces its Machines (direct mode;
# test_day2.py runs it as the least-privilege runner).
NEW_INSTANCE_TYPE = {("patch", "machine.openshift.io", "machinesets"), ("get", "machine.openshift.io", "machines"),
                     ("patch", "machine.openshift.io", "machines")}
# Only a run after one that failed once it held the lease takes that lease over (run_lease patches it, compare-and-swap
# on its resourceVersion); these runs take none over.
LEASE_TAKEOVER = ("patch", "coordination.k8s.io", "leases")
CREDENTIALS_WRITES = {("create", "", "secrets"), ("patch", "", "secrets")}
CREDENTIALS_DELETE = ("delete", "", "secrets")
NOT_SENT_BY_THESE_RUNS = {
    ("site", rbac.SPOKE, "acm-2.12"): {("delete", "machine.openshift.io", "machinesets")} | NEW_INSTANCE_TYPE,
    ("site", rbac.SPOKE, "acm-2.2"): {("delete", "machine.openshift.io", "machinesets")} | NEW_INSTANCE_TYPE,
    ("site", rbac.HUB, "acm-2.12"): {DAY2_CONFIG_PATCH, ENDPOINTS_LIST, LEASE_TAKEOVER} | CREDENTIALS_WRITES,
    ("site", rbac.HUB, "acm-2.2"): {("list", "submariner.io", "clusters"), DAY2_CONFIG_PATCH, ENDPOINTS_LIST, LEASE_TAKEOVER} | CREDENTIALS_WRITES,
    ("uninstall", rbac.HUB, "acm-2.2"): {("list", "submariner.io", "clusters"), ENDPOINTS_LIST, CREDENTIALS_DELETE, LEASE_TAKEOVER},
    ("uninstall", rbac.HUB, "acm-2.12"): {("list", "submariner.io", "clusters"), ENDPOINTS_LIST, CREDENTIALS_DELETE, LEASE_TAKEOVER},
}


def sent_only_while_waiting(run_name, side, aws_prep, needed, profile=None):
    return ({permission for permission in needed if permission[0] == "watch"} | SENT_ONLY_WHILE_WAITING.get((run_name, side, aws_prep), set())
            | NOT_SENT_BY_THESE_RUNS.get((run_name, side, profile), set()))


def refused_requests(lab, mark):
    """The runner's requests since ``mark`` that the lab refused (401/403): a role that lacks something the run
    tolerates (a wait that falls back to polling) shows here and nowhere else."""
    return [(record["cluster"], record["method"], record["path"]) for record in lab.requests.since(mark)
            if record.get("user") == SA_NAME and record.get("status") in (401, 403)]


def assert_roles_are_what_the_run_used(lab, mark, run_name, aws_prep, profile):
    # A refused request the run survived is a role too small: a wait that fell back to polling (the broker
    # namespace's watch, refused only when the addon was slower than site's first look, went unseen this way).
    refused = refused_requests(lab, mark)
    assert refused == [], "%s (%s, %s): the lab refused the runner %s" % (run_name, aws_prep, profile, refused)
    used, needed = used_by_runner(lab, mark), reviewed(run_name, aws_prep, profile)
    differences = {}
    for side in rbac.SIDES:
        unused = needed[side] - used[side] - sent_only_while_waiting(run_name, side, aws_prep, needed[side], profile)
        if used[side] - needed[side] or unused:
            differences[side] = {"used, not reviewed": sorted(used[side] - needed[side]), "reviewed, not used": sorted(unused)}
    assert not differences, "%s (%s, %s): %s" % (run_name, aws_prep, profile, differences)

"""Least privilege: site, verify and uninstall with exactly the shipped ClusterRoles (files/rbac/), and preflight naming a missing one.

Each cluster of the lab gets a ServiceAccount ``acm-submariner-rbac/runner`` whose only binding is the
ClusterRole of the run's mode (the lab enforces RBAC as kube-apiserver does, tests/lab/apiserver/rbac.py),
and the inventory reaches every cluster with that ServiceAccount's token. One lifecycle per profile:
acm-2.12 in AWS preparation ``direct`` (its spoke role holds the ``addon`` one) and acm-2.2 in ``addon``.
Each run's request log is turned into permissions (tests/lab/rbac_from_log.py) and compared with the list
preflight reviews (plugins/module_utils/rbac.py): the roles are what the runs used, no more.
"""

import pathlib

import pytest
import yaml

from tests.integration.test_site import failure_messages, our_leftovers, run
from tests.lab.apiserver.rbac import Identity
from tests.lab.fixtures import REPO_ROOT, mutating_requests, without_run_lease
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


def runner_inventory(lab, directory):
    """The lab's inventory with every cluster reached as the runner ServiceAccount (its own kubeconfig)."""
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


def assert_roles_are_what_the_run_used(lab, mark, run_name, aws_prep, profile):
    used, needed = used_by_runner(lab, mark), reviewed(run_name, aws_prep, profile)
    differences = {side: {"used, not reviewed": sorted(used[side] - needed[side]), "reviewed, not used": sorted(needed[side] - used[side])}
                   for side in rbac.SIDES if used[side] != needed[side]}
    assert not differences, "%s (%s, %s): %s" % (run_name, aws_prep, profile, differences)


@pytest.mark.parametrize("profile, aws_prep", [("acm-2.12", "direct"), ("acm-2.2", "addon")])
def test_site_verify_uninstall_with_exactly_the_shipped_roles(lab_factory, tmp_path, profile, aws_prep):
    """Each run passes with only its mode's roles, and used exactly what preflight reviews for it."""
    lab = lab_factory.get(profile=profile, clusters=2, overlap=False)
    inventory = runner_inventory(lab, tmp_path)
    extra = {"acm_submariner_aws_prep_mode": aws_prep}

    bind_mode(lab, aws_prep)
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", extra_vars=extra, inventory=inventory)
    assert code == 0, failure_messages(output)
    assert_roles_are_what_the_run_used(lab, mark, "site", aws_prep, profile)

    bind_mode(lab, "verify")
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "playbooks/verify.yml", extra_vars=extra, inventory=inventory)
    assert code == 0, failure_messages(output)
    assert_roles_are_what_the_run_used(lab, mark, "verify", aws_prep, profile)

    bind_mode(lab, "uninstall")
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "playbooks/uninstall.yml", extra_vars=extra, inventory=inventory)
    assert code == 0, failure_messages(output)
    assert_roles_are_what_the_run_used(lab, mark, "uninstall", aws_prep, profile)
    assert our_leftovers(lab) == []


# ---------------------------------------------------------------------- one permission removed
def _cases():
    """(side, mode, permission, run, aws_prep, hub facts) for every permission of every shipped role, where it is needed."""
    cases = []
    for side in rbac.SIDES:
        for mode in rbac.MODES:
            seen = set()
            for permission in rbac.PERMISSIONS:
                key = (permission.verb, permission.group, permission.resource)
                if permission.side != side or mode not in permission.modes or key in seen:
                    continue
                seen.add(key)
                run_name = "site" if mode in rbac.SITE else mode
                aws_prep = mode if mode in rbac.SITE else ("direct" if permission.aws_prep == ("direct",) else "addon")
                hub = HUB_FACTS["acm-2.2" if permission.hubs == rbac.LABEL_JOIN else "acm-2.12"]
                cases.append(pytest.param(side, mode, permission, run_name, aws_prep, hub,
                                          id="%s-%s-%s-%s" % (side, mode, permission.verb, permission.qualified_resource)))
    return cases


def without(role, permission):
    """``role`` with one verb of one resource taken away."""
    rules = []
    for rule in role["rules"]:
        if permission.group in rule["apiGroups"] and permission.resource in rule["resources"] and permission.verb in rule["verbs"]:
            others = [resource for resource in rule["resources"] if resource != permission.resource]
            if others:
                rules.append(dict(rule, resources=others))
            verbs = [verb for verb in rule["verbs"] if verb != permission.verb]
            if verbs:
                rules.append(dict(rule, resources=[permission.resource], verbs=verbs))
        else:
            rules.append(rule)
    assert rules != role["rules"], "the shipped role lacks %s" % permission.describe()
    return dict(role, rules=rules)


@pytest.fixture(name="runner_client", scope="module")
def runner_client_fixture(lab_factory, tmp_path_factory):
    """The lab and a kubernetes ApiClient per context, as the runner ServiceAccount."""
    from kubernetes import config  # pylint: disable=import-outside-toplevel
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False)
    inventory = runner_inventory(lab, tmp_path_factory.mktemp("runner"))
    kubeconfig = str(inventory.parent / "runner-kubeconfig")
    return lab, {context: config.new_client_from_config(kubeconfig, context=context) for context in lab.contexts}


def review(client, side, run_name, aws_prep, hub, target):
    """What the access_review module does, with the official client: the missing permissions, and the failure message."""
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
    api = k8s.AuthorizationV1Api(client)
    missing = []
    permissions_needed = rbac.needed(side, run_name, aws_prep, hub)
    broker_ns = rbac.run_broker_namespace("submariner", hub) if side == rbac.HUB else None
    for permission, namespace, body in rbac.access_reviews(permissions_needed, ["aws-sub1", "aws-sub2"], broker_ns):
        if not api.create_self_subject_access_review(body).status.allowed:
            missing.append((permission, namespace))
    return missing, (rbac.missing_message(target, side, run_name, aws_prep, missing) if missing else None)


@pytest.mark.parametrize("side, mode, permission, run_name, aws_prep, hub", _cases())
def test_a_role_without_one_permission_fails_the_review_naming_it(runner_client, side, mode, permission, run_name, aws_prep, hub):
    """The full role passes the review; without any one verb the review names it, the cluster and the role file."""
    lab, clients = runner_client
    context = HUB_CONTEXT if side == rbac.HUB else "cluster1"
    role = shipped_role(side, mode)
    bind(lab, context, role)
    assert review(clients[context], side, run_name, aws_prep, hub, context) == ([], None)

    bind(lab, context, without(role, permission))
    missing, message = review(clients[context], side, run_name, aws_prep, hub, context)
    assert missing and {p.describe() for p, _namespace in missing} == {permission.describe()}
    assert message is not None and message.startswith(context + ": the credentials lack")
    assert permission.describe() in message and rbac.role_file(side, mode) in message and "Nothing was changed" in message


def test_site_stops_in_preflight_naming_a_missing_hub_permission(runner_client, tmp_path):
    """site.yml without ``create managedclusteraddons`` on the hub: preflight names it and the role file; 0 writes."""
    lab, _clients = runner_client
    inventory = runner_inventory(lab, tmp_path)
    bind_mode(lab, "addon")
    missing = rbac.Permission(rbac.HUB, "create", "addon.open-cluster-management.io", "managedclusteraddons", "", ())
    bind(lab, HUB_CONTEXT, without(shipped_role(rbac.HUB, "addon"), missing))
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory)
    assert code != 0
    first = failure_messages(output)[0].splitlines()[0]
    assert first.startswith("hub: the credentials lack 2 permission(s) that site.yml needs: "
                            "create managedclusteraddons.addon.open-cluster-management.io (in namespace aws-sub1)"), first
    assert "files/rbac/acm-submariner-hub-addon.yaml" in first
    assert mutating_requests(lab, mark) == []


def test_uninstall_stops_in_preflight_naming_a_missing_spoke_permission(runner_client, tmp_path):
    """uninstall.yml (direct) without ``delete machinesets`` on cluster1: named before the lease, the first write; 0 writes."""
    lab, _clients = runner_client
    inventory = runner_inventory(lab, tmp_path)
    bind_mode(lab, "uninstall")
    missing = rbac.Permission(rbac.SPOKE, "delete", "machine.openshift.io", "machinesets", "", ())
    bind(lab, "cluster1", without(shipped_role(rbac.SPOKE, "uninstall"), missing))
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "playbooks/uninstall.yml", inventory=inventory, extra_vars={"acm_submariner_aws_prep_mode": "direct"})
    assert code != 0
    first = failure_messages(output)[0].splitlines()[0]
    assert first.startswith("aws-sub1: the credentials lack 1 permission(s) that uninstall.yml needs: "
                            "delete machinesets.machine.openshift.io (in namespace openshift-machine-api)"), first
    assert "files/rbac/acm-submariner-spoke-uninstall.yaml" in first
    assert without_run_lease(mutating_requests(lab, mark)) == [] and mutating_requests(lab, mark) == []

"""Least privilege: each shipped ClusterRole (files/rbac/) passes the permission review, and without any one of its
permissions the review, and preflight before the first write, names it, the cluster and the role file.

The whole runs with exactly the shipped roles are the lifecycles of test_site.py (addon mode, acm-2.12 and acm-2.2)
and test_roles.py (direct mode), as the runner of tests/integration/least_privilege.py.
"""

import pytest
import yaml

from tests.integration.least_privilege import HUB_FACTS, bind, bind_mode, rbac, runner_inventory, shipped_role
from tests.integration.test_site import failure_messages, run
from tests.lab.fixtures import mutating_requests, without_run_lease
from tests.lab.runtime import HUB_CONTEXT


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
    # aws-sub1 is given AWS keys: the credentials secret's writes are reviewed in its namespace.
    for permission, namespace, body in rbac.access_reviews(permissions_needed, ["aws-sub1", "aws-sub2"], broker_ns, ["aws-sub1"]):
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


def run_without(lab, inventory, context, mode, missing, playbook="site.yml", extra_vars=None):
    """``playbook`` as the runner bound to ``mode``'s shipped roles, ``context``'s without ``missing``: it must fail.
    Returns its first error line, the request mark taken before it, and its output."""
    bind_mode(lab, mode)
    bind(lab, context, without(shipped_role(missing.side, mode), missing))
    mark = lab.requests.mark()
    code, _stats, output = run(lab, playbook, inventory=inventory, extra_vars=extra_vars)
    assert code != 0
    return failure_messages(output)[0].splitlines()[0], mark, output


def test_site_stops_in_preflight_naming_a_missing_hub_permission(runner_client, tmp_path):
    """site.yml without ``create managedclusteraddons`` on the hub: preflight names it and the role file; 0 writes."""
    lab, _clients = runner_client
    missing = rbac.Permission(rbac.HUB, "create", "addon.open-cluster-management.io", "managedclusteraddons", "", ())
    first, mark, _output = run_without(lab, runner_inventory(lab, tmp_path), HUB_CONTEXT, "addon", missing)
    assert first.startswith("hub: the credentials lack 2 permission(s) that site.yml needs: "
                            "create managedclusteraddons.addon.open-cluster-management.io (in namespace aws-sub1)"), first
    assert "files/rbac/acm-submariner-hub-addon.yaml" in first
    assert mutating_requests(lab, mark) == []


def test_keys_given_for_one_cluster_review_the_secret_writes_in_its_namespace_only(runner_client, tmp_path):
    """aws-sub2 is given AWS keys: site.yml's preflight reviews create and patch secrets in namespace aws-sub2 (the
    credentials secret aws_prep creates or rotates), and nowhere else; a role without patch secrets stops there; 0 writes."""
    lab, _clients = runner_client
    inventory = runner_inventory(lab, tmp_path)
    data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    data["all"]["children"]["managed_clusters"]["hosts"]["aws-sub2"].update(
        acm_submariner_aws_access_key_id="AKIAREVIEWED00000002", acm_submariner_aws_secret_access_key="reviewed-secret")
    inventory.write_text(yaml.safe_dump(data), encoding="utf-8")
    missing = rbac.Permission(rbac.HUB, "patch", "", "secrets", "", ())
    first, mark, output = run_without(lab, inventory, HUB_CONTEXT, "addon", missing)
    assert first.startswith("hub: the credentials lack 1 permission(s) that site.yml needs: patch secrets (in namespace aws-sub2)."), first
    assert mutating_requests(lab, mark) == []
    assert "reviewed-secret" not in output


def test_uninstall_stops_in_preflight_naming_a_missing_spoke_permission(runner_client, tmp_path):
    """uninstall.yml (direct) without ``delete machinesets`` on cluster1: named before the lease, the first write; 0 writes."""
    lab, _clients = runner_client
    missing = rbac.Permission(rbac.SPOKE, "delete", "machine.openshift.io", "machinesets", "", ())
    first, mark, _output = run_without(lab, runner_inventory(lab, tmp_path), "cluster1", "uninstall", missing, playbook="playbooks/uninstall.yml",
                                       extra_vars={"acm_submariner_aws_prep_mode": "direct"})
    assert first.startswith("aws-sub1: the credentials lack 1 permission(s) that uninstall.yml needs: "
                            "delete machinesets.machine.openshift.io (in namespace openshift-machine-api)"), first
    assert "files/rbac/acm-submariner-spoke-uninstall.yaml" in first
    assert without_run_lease(mutating_requests(lab, mark)) == [] and mutating_requests(lab, mark) == []


def test_site_stops_at_hub_info_naming_the_refused_read_and_the_roles(runner_client, tmp_path):
    """hub_info runs before the review (the review needs its facts): without ``list multiclusterhubs`` its 403 names
    the hub, the refused read, and where the shipped roles are; 0 writes."""
    lab, _clients = runner_client
    inventory = runner_inventory(lab, tmp_path)
    bind_mode(lab, "addon")
    missing = rbac.Permission(rbac.HUB, "list", rbac.C.MCH_GROUP, "multiclusterhubs", "", ())
    bind(lab, HUB_CONTEXT, without(shipped_role(rbac.HUB, "addon"), missing))
    mark = lab.requests.mark()
    code, _stats, output = run(lab, "site.yml", inventory=inventory)
    assert code != 0
    first = failure_messages(output)[0].splitlines()[0]
    for words in (HUB_CONTEXT, "403 Forbidden", "multiclusterhubs", "files/rbac/", "docs/rbac.md"):
        assert words in first, "%r not in %s" % (words, first)
    assert mutating_requests(lab, mark) == []

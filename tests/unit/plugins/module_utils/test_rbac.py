# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import yaml

from ansible_collections.acm.submariner.plugins.module_utils import rbac

ROOT = pathlib.Path(__file__).resolve().parents[4]
ACM_212 = {"join_flow": "addon", "broker_cr_required": True, "broker_namespace_rule": "current"}
ACM_22 = {"join_flow": "labels", "broker_cr_required": False, "broker_namespace_rule": "legacy"}


def test_shipped_role_files_are_rendered_from_the_list():
    """files/rbac/ is what scripts/rbac-roles.py renders from PERMISSIONS (the list preflight reviews)."""
    completed = subprocess.run([sys.executable, str(ROOT / "scripts" / "rbac-roles.py"), "--check"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def _granted(role):
    return {(verb, group, resource) for rule in role["rules"] for group in rule["apiGroups"]
            for resource in rule["resources"] for verb in rule["verbs"]}


@pytest.mark.parametrize("side", rbac.SIDES)
@pytest.mark.parametrize("mode", rbac.MODES)
def test_each_role_grants_exactly_what_its_mode_may_review(side, mode):
    role = yaml.safe_load((ROOT / rbac.role_file(side, mode)).read_text(encoding="utf-8"))
    run = "site" if mode in rbac.SITE else mode
    reviewed = set()
    for hub in (ACM_212, ACM_22):
        for aws_prep in ("addon", "direct", "skip"):
            if run == "site" and rbac.role_mode(run, aws_prep) != mode:
                continue
            reviewed |= {(p.verb, p.group, p.resource) for p in rbac.needed(side, run, aws_prep, hub)}
    assert _granted(role) == reviewed
    assert role["metadata"]["name"] == rbac.role_name(side, mode) and not any("*" in str(rule) for rule in role["rules"])


def test_the_hub_generation_decides_join_and_broker_permissions():
    on_212 = {p.describe() for p in rbac.needed(rbac.HUB, "site", "addon", ACM_212)}
    on_22 = {p.describe() for p in rbac.needed(rbac.HUB, "site", "addon", ACM_22)}
    assert "create managedclusteraddons.addon.open-cluster-management.io" in on_212 - on_22
    assert "create brokers.submariner.io" in on_212 - on_22
    # Site waits on the SubmarinerConfig on every hub (ACM 2.2: SubmarinerConfigApplied; later: the cloud preparation).
    assert "watch submarinerconfigs.submarineraddon.open-cluster-management.io" in on_22 & on_212
    assert "patch managedclusters.cluster.open-cluster-management.io" in on_212 & on_22


def test_uninstall_of_direct_clusters_also_deletes_machinesets():
    addon = {p.describe() for p in rbac.needed(rbac.SPOKE, "uninstall", "addon", ACM_212)}
    direct = {p.describe() for p in rbac.needed(rbac.SPOKE, "uninstall", "direct", ACM_212)}
    assert direct - addon == {"delete machinesets.machine.openshift.io", "get machinesets.machine.openshift.io",
                              "watch machinesets.machine.openshift.io", "list machines.machine.openshift.io", "get nodes"}


def test_verify_reads_only():
    for side in rbac.SIDES:
        assert {p.verb for p in rbac.needed(side, "verify", "addon")} <= {"get", "list", "watch"}


def test_reviews_go_to_each_namespace_a_permission_is_used_in():
    permissions = [p for p in rbac.needed(rbac.HUB, "site", "addon", ACM_212) if p.resource in ("secrets", "brokers", "leases", "namespaces")]
    reviews = rbac.access_reviews(permissions, ["c1", "c2"], rbac.run_broker_namespace("submariner", ACM_212))
    where = {(p.verb, p.resource, namespace) for p, namespace, _body in reviews}
    assert {("get", "secrets", "c1"), ("get", "secrets", "c2"), ("create", "brokers", "submariner-broker"),
            ("create", "leases", "acm-submariner"), ("create", "namespaces", "")} <= where
    body = next(body for p, namespace, body in reviews if p.resource == "namespaces")
    assert body["spec"]["resourceAttributes"] == {"verb": body["spec"]["resourceAttributes"]["verb"], "group": "", "resource": "namespaces"}
    assert rbac.run_broker_namespace("submariner", ACM_22) == "submariner-clusterset-submariner-broker"


def test_credentials_secret_writes_are_reviewed_only_where_keys_are_given():
    def secret_reviews(run, aws_prep, credentials_clusters):
        permissions = [p for p in rbac.needed(rbac.HUB, run, aws_prep, ACM_212) if p.resource == "secrets"]
        return sorted((p.verb, namespace) for p, namespace, _body in rbac.access_reviews(permissions, ["c1", "c2"], None, credentials_clusters))

    assert secret_reviews("site", "addon", ["c2"]) == [("create", "c2"), ("get", "c1"), ("get", "c2"), ("patch", "c2")]
    assert secret_reviews("site", "addon", []) == [("get", "c1"), ("get", "c2")]
    assert secret_reviews("site", "direct", ["c2"]) == [("get", "c1"), ("get", "c2")]  # direct mode writes no secret
    assert secret_reviews("uninstall", "addon", ["c1"]) == [("delete", "c1"), ("get", "c1"), ("get", "c2")]
    assert secret_reviews("verify", "addon", ["c1"]) == []


def test_missing_message_names_cluster_permission_namespace_and_role_file():
    permission = rbac.Permission(rbac.SPOKE, "delete", "machine.openshift.io", "machinesets", rbac.MACHINE_API_NAMESPACE, ("uninstall",))
    message = rbac.missing_message("aws-sub1", rbac.SPOKE, "uninstall", "direct", [(permission, "openshift-machine-api")])
    assert message.splitlines()[0] == (
        "aws-sub1: the credentials lack 1 permission(s) that uninstall.yml needs: delete machinesets.machine.openshift.io "
        "(in namespace openshift-machine-api). Nothing was changed. Apply files/rbac/acm-submariner-spoke-uninstall.yaml "
        "(ClusterRole acm-submariner-spoke-uninstall) from the collection and bind it to this identity (docs/rbac.md).")


@pytest.mark.parametrize("side", rbac.SIDES)
def test_docs_show_the_tables_the_list_renders(side):
    completed = subprocess.run([sys.executable, str(ROOT / "scripts" / "rbac-roles.py"), "--markdown", side],
                               capture_output=True, text=True, check=True)
    assert completed.stdout in (ROOT / "docs" / "rbac.md").read_text(encoding="utf-8")

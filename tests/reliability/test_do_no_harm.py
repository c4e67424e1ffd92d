"""Do no harm: the collection touches only what it created, checks before it writes, and runs one at a time per set.

A set someone else made (``prod``), ACM's own ``default`` set and a cluster that lives in another set
are the user's: runs leave them exactly as they were, counted from the lab's dump before and after.
"""

import datetime
import json
import time

import pytest

from tests.reliability import labrun, state

SET_API = "cluster.open-cluster-management.io/v1beta2"
MC_API = "cluster.open-cluster-management.io/v1"
CLUSTERSET_LABEL = "cluster.open-cluster-management.io/clusterset"
PREVIOUS_SET = "acm.submariner/previous-clusterset"
LEASE_API = "coordination.k8s.io/v1"
BROKER_NS = "cluster.open-cluster-management.io/submariner-broker-ns"
SHORT_WAITS = {"broker_wait_timeout": 30, "aws_prep_wait_timeout": 30, "agent_join_wait_timeout": 30, "uninstall_wait_timeout": 60}


def make_users_set(lab, name="prod", member="aws-sub1"):
    """A ManagedClusterSet the user made (no acm.submariner label) with ``member`` in it."""
    lab.hub.create({"apiVersion": SET_API, "kind": "ManagedClusterSet", "metadata": {"name": name},
                    "spec": {"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}})
    lab.hub.patch(MC_API, "ManagedCluster", member, None, {"metadata": {"labels": {CLUSTERSET_LABEL: name}}})
    deadline = time.monotonic() + 60
    while not (lab.hub.get(SET_API, "ManagedClusterSet", name)["metadata"].get("annotations") or {}).get(BROKER_NS):
        assert time.monotonic() < deadline, "the lab's addon did not take up the set %s" % name
        time.sleep(0.1)
    # The addon goes on with the broker namespace and its contents: let it finish before a "before" dump.
    assert lab.world is None or lab.world.settle(60), "the lab's controllers did not settle after the set %s" % name


def users_view(dump, set_name):
    """What belongs to the user: the set itself and the labels and annotations of each of its members."""
    found = {key: item for key, item in state.objects(dump).items() if key[0] == "hubcluster"}
    cluster_set = next((item for key, item in found.items() if key[1].endswith("/ManagedClusterSet") and key[3] == set_name), None)
    members = {name: (item["metadata"].get("labels") or {}, item["metadata"].get("annotations") or {})
               for (context, kind, _namespace, name), item in found.items()
               if kind.endswith("/ManagedCluster") and (item["metadata"].get("labels") or {}).get(CLUSTERSET_LABEL) == set_name}
    return {"set": cluster_set and {k: cluster_set["metadata"].get(k) or {} for k in ("uid", "labels", "annotations")},
            "spec": cluster_set and cluster_set.get("spec"), "members": members}


def first_error(run):
    """The first failure as the user reads it: ``host: msg``."""
    failure = next(iter(run.failures()), None)
    assert failure is not None, "no failed task:\n%s" % run.output[-3000:]
    return "%s: %s" % (failure["host"], failure["result"].get("msg", ""))


def assert_says(message, *words):
    missing = [word for word in words if word.lower() not in message.lower()]
    assert not missing, "the message lacks %s: %s" % (missing, message[:2000])


def undo_users_set(lab, name="prod", member="aws-sub1"):
    lab.hub.patch(MC_API, "ManagedCluster", member, None, {"metadata": {"labels": {CLUSTERSET_LABEL: "default"}}})
    lab.hub.delete(SET_API, "ManagedClusterSet", name)


def test_uninstall_leaves_a_users_set_and_its_members(clean_lab):
    lab = clean_lab
    make_users_set(lab)
    try:
        before = lab.dump()
        run = labrun.run(lab, labrun.UNINSTALL, extra_vars=dict(SHORT_WAITS, acm_submariner_cluster_set="prod"))
        after = lab.dump()
    finally:
        undo_users_set(lab)
    assert run.returncode == 0, run.output[-4000:]
    assert users_view(before, "prod")["members"] == {"aws-sub1": users_view(before, "prod")["members"]["aws-sub1"]}
    assert users_view(after, "prod") == users_view(before, "prod")
    assert state.residue(before, after) == []
    assert not [r for r in run.mutating if "/managedclustersets/" in r["path"] or "/managedclusters/" in r["path"]]


def test_uninstall_refuses_a_cluster_not_in_the_set_before_any_write(clean_lab, tmp_path):
    """Removing one cluster (docs/day2.md) that is in another set, or that the hub does not know (a typo in the host
    name): the run stops before its first write, naming the cluster and what to do."""
    lab = clean_lab
    make_users_set(lab)
    try:
        in_prod = labrun.run(lab, labrun.UNINSTALL, inventory=labrun.write_inventory(lab, tmp_path / "sub1.yml", drop=("aws-sub2",)),
                             extra_vars=SHORT_WAITS)
    finally:
        undo_users_set(lab)
    unknown = labrun.run(lab, labrun.UNINSTALL, extra_vars=SHORT_WAITS, inventory=labrun.write_inventory(
        lab, tmp_path / "typo.yml", clusters={"aws-sub9": {}}, drop=("aws-sub1", "aws-sub2")))
    for run in (in_prod, unknown):
        assert run.returncode != 0
        assert run.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in run.mutating]
    assert_says(first_error(in_prod), "Nothing was changed", "aws-sub1 is in ManagedClusterSet prod, not in submariner",
                "leave the host out of --limit", "acm_submariner_cluster_set=prod")
    assert_says(first_error(unknown), "Nothing was changed", "aws-sub9 is not a ManagedCluster of this hub", "host name")


@pytest.mark.parametrize("set_name", ["default", "global"])
def test_uninstall_never_touches_acms_own_sets(clean_lab, set_name):
    lab = clean_lab
    before = lab.dump()
    run = labrun.run(lab, labrun.UNINSTALL, extra_vars=dict(SHORT_WAITS, acm_submariner_cluster_set=set_name))
    assert run.returncode != 0
    assert run.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in run.mutating]
    assert_says(first_error(run), set_name, "belongs to ACM", "never", "choose another set name")
    assert lab.hub.get(SET_API, "ManagedClusterSet", "default") is not None
    assert lab.hub.get("v1", "Namespace", "default-broker") is not None
    assert users_view(lab.dump(), set_name) == users_view(before, set_name)


@pytest.mark.parametrize("set_name", ["submariner\n", "default"])
def test_site_refuses_a_set_name_before_any_write(clean_lab, set_name):
    """A trailing newline passes a Jinja ``match`` with ``$``; our Python rule matches the whole name."""
    run = labrun.run(clean_lab, extra_vars=dict(SHORT_WAITS, acm_submariner_cluster_set=set_name))
    assert run.returncode != 0
    assert run.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in run.mutating]
    assert_says(first_error(run), "cluster set", repr(set_name).strip("'"), "Nothing was changed")


BAD_SETTINGS = [{"ipsec_natt_port": 70000}, {"gateways": -5}, {"ipsec_natt_port": 4490, "natt_discovery_port": 4490}]
BAD_TASK = """
    - name: Write a SubmarinerConfig with %s
      acm.submariner.submariner_config:
        kubeconfig: "{{ kubeconfig }}"
        context: hubcluster
        cluster: aws-sub1
        credentials_secret: aws-sub1-aws-creds
%s
      ignore_errors: true
"""
BAD_CONFIG = "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(
    BAD_TASK % (" ".join("%s=%s" % pair for pair in item.items()), "\n".join("        %s: %s" % pair for pair in item.items()))
    for item in BAD_SETTINGS)


def test_submariner_config_module_refuses_bad_settings_without_writing(clean_lab, tmp_path):
    playbook = tmp_path / "config.yml"
    playbook.write_text(BAD_CONFIG, encoding="utf-8")
    inventory = tmp_path / "localhost.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                         "      ansible_python_interpreter: {{ ansible_playbook_python }}\n", encoding="utf-8")
    run = labrun.run(clean_lab, playbook, inventory=inventory, extra_vars={"kubeconfig": str(clean_lab.kubeconfig)})
    assert run.mutating == [] and run.requests == [], "the module talked to the hub before refusing"
    results = [entry["result"] for entry in run.results]
    messages = [result.get("msg", "") for result in results]
    assert len(results) == 3 and all(result.get("failed") for result in results), messages
    assert_says(messages[0], "aws-sub1/submariner", "ipsec_natt_port is 70000", "1 to 65535", "nothing was written")
    assert_says(messages[1], "aws-sub1/submariner", "gateways is -5", "at least 1")
    assert_says(messages[2], "aws-sub1/submariner", "both 4490", "different ports")


def test_site_refuses_a_users_set_and_a_cluster_in_another_set(clean_lab):
    """Without the opt-ins: someone else's set is not joined, and a cluster is not moved out of its set."""
    lab = clean_lab
    make_users_set(lab)
    try:
        joined = labrun.run(lab, extra_vars=dict(SHORT_WAITS, acm_submariner_cluster_set="prod"))
        moved = labrun.run(lab, extra_vars=SHORT_WAITS)
    finally:
        undo_users_set(lab)
    for run in (joined, moved):
        assert run.returncode != 0
        assert run.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in run.mutating]
    assert_says(first_error(joined), "ManagedClusterSet prod", "not created by acm.submariner", "acm_submariner_adopt_set=true")
    assert_says(first_error(moved), "aws-sub1 is in ManagedClusterSet prod", "acm_submariner_move_clusters=true", "puts it back")


def seconds_to_failure(run):
    """(from the start of the first play, the failed task alone) to the end of the failed task, from the json callback's times."""
    report = json.loads(run.stdout[run.stdout.index("{"):])
    failed = next(task["task"]["duration"] for play in report["plays"] for task in play["tasks"]
                  if any(result.get("failed") for result in task["hosts"].values()))

    def seconds(start, end):
        parse = datetime.datetime.fromisoformat
        return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()
    return seconds(report["plays"][0]["play"]["duration"]["start"], failed["end"]), seconds(failed["start"], failed["end"])


def wait_for_lease(lab, process, set_name="submariner", timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lease = lab.hub.get(LEASE_API, "Lease", set_name, "acm-submariner")
        if lease is not None:
            return lease
        if process.poll() is not None:
            pytest.fail("site ended (rc %s) before it took the lease" % process.returncode)
        time.sleep(0.2)
    pytest.fail("site took no lease within %d s" % timeout)


@pytest.mark.converges
def test_one_run_at_a_time_and_a_moved_cluster_goes_back(fresh_lab, stop_labs_after, tmp_path):  # pylint: disable=unused-argument
    """aws-sub1 lives in the user's set prod. site with acm_submariner_move_clusters=true moves it, recording prod;
    an uninstall started meanwhile fails at once naming the lease holder; site converges; the real uninstall puts
    aws-sub1 back in prod and leaves prod as it was."""
    lab = fresh_lab
    make_users_set(lab)
    before = lab.dump()
    site = labrun.spawn(lab, extra_vars={"acm_submariner_move_clusters": True}, log_path=tmp_path / "site.log")
    try:
        lease = wait_for_lease(lab, site)
        blocked = labrun.run(lab, labrun.UNINSTALL)
    finally:
        code = site.wait(timeout=1800)
        site.log.close()
    print("the second run failed %.1f s after its first play started, its lease task took %.1f s (%.1f s wall with"
          " ansible-playbook's start)" % (seconds_to_failure(blocked) + (blocked.wall,)))
    assert code == 0, (tmp_path / "site.log").read_text(encoding="utf-8")[-4000:]
    assert blocked.returncode != 0
    # site writes meanwhile (same credentials, so the log cannot tell whose): uninstall only deletes or unlabels.
    assert blocked.changed_count() == 0
    assert [r for r in blocked.mutating if r["verb"] in ("delete", "deletecollection")] == []
    assert_says(first_error(blocked), "ManagedClusterSet submariner is in use", lease["spec"]["holderIdentity"],
                "kubectl delete lease -n acm-submariner submariner", "acm_submariner_break_lease=true")
    # The first request of uninstall.yml checks the lease (read only), in the module run that then reads the hub.
    assert [f["task"] for f in blocked.failures()] == [
        "acm.submariner.preflight : Ask the hub (the run lease when asked, its facts and permissions) and every managed cluster"
        " (its permissions) for this run"]

    joined = lab.hub.get(MC_API, "ManagedCluster", "aws-sub1")
    assert joined["metadata"]["labels"][CLUSTERSET_LABEL] == "submariner"
    assert joined["metadata"]["annotations"][PREVIOUS_SET] == "prod"
    assert lab.hub.get(LEASE_API, "Lease", "submariner", "acm-submariner") is None, "site did not release its lease"

    labrun.run(lab, labrun.UNINSTALL).check()
    after = lab.dump()
    assert users_view(after, "prod") == users_view(before, "prod")
    assert state.residue(before, after) == []

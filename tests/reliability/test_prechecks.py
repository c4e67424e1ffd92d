"""Checks that come before the writes, or stop a wait as soon as it cannot end well (issue 12).

A set in use by another run stops site.yml and uninstall.yml at once, with the holder's name and no
write; a cluster that goes Unavailable while a module waits for its add-on ends the wait with the
cluster's condition, not at the end of wait_timeout. Both run on the shared lab; the wait case
writes an add-on, so the labs are stopped after it.
"""

import datetime
import threading
import time

from tests.reliability import labrun
from tests.reliability.test_do_no_harm import assert_says, first_error, seconds_to_failure

MC_API = "cluster.open-cluster-management.io/v1"
ADDON_API = "addon.open-cluster-management.io/v1alpha1"
LEASE_API = "coordination.k8s.io/v1"
AVAILABLE = "ManagedClusterConditionAvailable"
HOLDER = "ci@elsewhere pid 4242"


def hold_lease(lab, run="uninstall"):
    """The set's Lease as a live run on another machine holds it (renewed now, 2 h to go)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    made_namespace = lab.hub.get("v1", "Namespace", "acm-submariner") is None
    if made_namespace:
        lab.hub.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acm-submariner"}})
    lab.hub.create({"apiVersion": LEASE_API, "kind": "Lease",
                    "metadata": {"name": "submariner", "namespace": "acm-submariner", "annotations": {"acm.submariner/run": run}},
                    "spec": {"holderIdentity": HOLDER, "leaseDurationSeconds": 7200, "acquireTime": stamp, "renewTime": stamp}})

    def undo():
        lab.hub.delete(LEASE_API, "Lease", "submariner", "acm-submariner")
        if made_namespace:
            lab.hub.delete("v1", "Namespace", "acm-submariner")
    return undo


def test_a_held_lease_stops_site_and_uninstall_before_any_write(clean_lab):
    """Exactly one run at a time: the second fails at its first lease check, naming the holder and how to break a stale lease."""
    lab = clean_lab
    undo = hold_lease(lab)
    try:
        site = labrun.run(lab)
        uninstall = labrun.run(lab, labrun.UNINSTALL)
    finally:
        undo()
    for name, run in (("site", site), ("uninstall", uninstall)):
        assert run.returncode != 0, run.output[-3000:]
        assert run.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in run.mutating]
        assert len({failure["task"] for failure in run.failures()}) == 1, run.failure_messages()
        assert_says(first_error(run), "ManagedClusterSet submariner is in use by another run", "uninstall held by " + HOLDER,
                    "kubectl delete lease -n acm-submariner submariner", "acm_submariner_break_lease=true")
        print("%s failed %.1f s after its first play started, its lease task took %.1f s (%.1f s wall with ansible-playbook's start)"
              % ((name,) + seconds_to_failure(run) + (run.wall,)))


WAIT_FOR_ADDON = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the ManagedClusterAddOn of a cluster and wait for it (its connections never come, it has no peer)
      acm.submariner.submariner_addon:
        kubeconfig: "{{ kubeconfig }}"
        context: hubcluster
        cluster: aws-sub1
        wait: true
        wait_timeout: 600
"""


def test_a_cluster_that_goes_unavailable_ends_the_wait_with_its_condition(clean_lab, stop_labs_after, tmp_path):  # pylint: disable=unused-argument
    """While the module waits, aws-sub1's klusterlet stops renewing its lease (Available Unknown): the task fails then,
    naming the cluster and its condition, instead of after the 600 s wait_timeout."""
    lab = clean_lab
    playbook = tmp_path / "addon.yml"
    playbook.write_text(WAIT_FOR_ADDON, encoding="utf-8")
    inventory = tmp_path / "localhost.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                         "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n", encoding="utf-8")
    flipped = {}

    def stop_the_klusterlet():
        deadline = time.monotonic() + 300
        while lab.hub.get(ADDON_API, "ManagedClusterAddOn", "submariner", "aws-sub1") is None:
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        time.sleep(3)  # the module is waiting by now
        cluster = lab.hub.get(MC_API, "ManagedCluster", "aws-sub1")
        conditions = [dict(c, status="Unknown", reason="ManagedClusterLeaseUpdateStopped",
                           message="Registration agent stopped updating its lease.") if c["type"] == AVAILABLE else c
                      for c in cluster["status"]["conditions"]]
        lab.hub.patch(MC_API, "ManagedCluster", "aws-sub1", None, {"status": {"conditions": conditions}}, subresource="status")
        flipped["at"] = time.monotonic()

    flipper = threading.Thread(target=stop_the_klusterlet, daemon=True)
    flipper.start()
    run = labrun.run(lab, playbook, inventory=inventory, extra_vars={"kubeconfig": str(lab.kubeconfig)})
    ended = time.monotonic()
    flipper.join(timeout=5)
    assert "at" in flipped, "the add-on was never created: %s" % run.output[-3000:]
    assert run.returncode != 0, run.output[-3000:]
    message = first_error(run)
    assert_says(message, "aws-sub1", "is no longer Available", AVAILABLE + " is Unknown", "ManagedClusterLeaseUpdateStopped",
                "ManagedClusterAddOn aws-sub1/submariner")
    assert "was not ready after" not in message and not run.failures()[0]["result"].get("wait_timed_out")
    print("the wait failed %.1f s after the cluster went Unavailable (wait_timeout 600 s)" % (ended - flipped["at"]))

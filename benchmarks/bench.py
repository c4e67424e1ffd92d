"""Side-by-side benchmarks of acm.submariner against a plain kubernetes.core playbook, on the lab (issue 7, P1-P6).

Run from the repository root: ``.venv/bin/python benchmarks/bench.py`` (``make bench``). Every measured run
gets a fresh lab with the same shape and time scale; the table prints the ratios and whether each meets its
target. This is a measurement, not a test: it exits 0 unless a playbook fails to converge.

  P1  converge wall time, 2 clusters: site.yml / benchmarks/baseline/site.yml           target <= 0.25
  P2  idempotent re-run of site.yml: changed tasks, mutating requests, wall / first run   target 0 / 0 / <= 0.6
  P3  site.yml wall time for N clusters (forks > N) as a ratio to 2 clusters            target <= 3 at 20
  P4  readiness detection: last add-on condition flipped -> wait task returned (median)  target <= 1 s
  P5  one object create: acm.submariner module / kubernetes.core.k8s (median)             target <= 1.0
  P6  lab start time and RSS (benchmarks/lab_startup.py)                                  target <= 5 s / <= 300 MB
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]

from lab_startup import measure as measure_lab_startup  # noqa: E402  pylint: disable=wrong-import-position,import-error
from tests.reliability import labrun  # noqa: E402  pylint: disable=wrong-import-position

BASELINE = REPO_ROOT / "benchmarks" / "baseline" / "site.yml"
ADDON_API = "addon.open-cluster-management.io/v1alpha1"
# Every condition either wait looks at: the baseline's three and the route agents' (acm.submariner.submariner_addon).
HEALTHY = {"SubmarinerGatewayNodesLabeled": "True", "SubmarinerAgentDegraded": "False", "SubmarinerConnectionDegraded": "False",
           "RouteAgentConnectionDegraded": "False"}
# One task waits for deployment and connections when all clusters run at once; with fewer forks a second one.
OUR_WAIT_TASK = ("and the connections when all clusters run at once", "reports its gateway connections established")
BASELINE_WAIT_TASK = ("Wait for the gateway connections",)


class ReadinessClock:
    """When each cluster's submariner ManagedClusterAddOn first had all healthy conditions (hub store events)."""

    def __init__(self, lab):
        self.ready_at = {}
        self._lock = threading.Lock()
        lab.hub.subscribe(self._on_event)

    def _on_event(self, event_type, obj):
        if event_type == "DELETED" or obj.get("kind") != "ManagedClusterAddOn" or obj["metadata"]["name"] != "submariner":
            return
        conditions = {c.get("type"): c.get("status") for c in (obj.get("status") or {}).get("conditions") or []}
        if all(conditions.get(kind) == status for kind, status in HEALTHY.items()):
            with self._lock:
                self.ready_at.setdefault(obj["metadata"]["namespace"], time.time())

    def last_ready(self):
        with self._lock:
            return max(self.ready_at.values()) if self.ready_at else None


def _epoch(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def _task_span(stdout, name_parts):
    """(start, end) epoch times of the last task that ran (not skipped everywhere) with one of ``name_parts`` in its name."""
    report = json.loads(stdout[stdout.index("{"):])
    spans = [task["task"]["duration"] for play in report["plays"] for task in play["tasks"]
             if any(part in task["task"]["name"] for part in name_parts) and task["task"].get("duration", {}).get("end")
             and not all(result.get("skipped") for result in task["hosts"].values())]
    return (_epoch(spans[-1]["start"]), _epoch(spans[-1]["end"])) if spans else (None, None)


def readiness_latency(stdout, wait_task, ready):
    """Seconds from the last cluster turning healthy to the wait task returning; None unless the wait was running then."""
    start, end = _task_span(stdout, wait_task)
    if None in (start, end, ready) or ready < start:
        return None
    return end - ready


def converge(playbook, clusters, time_scale, wait_task, rerun=False):
    """A fresh lab, one converge of ``playbook`` (and a re-run); wall times, readiness latency, re-run counts."""
    with tempfile.TemporaryDirectory(prefix="bench-") as state_dir:
        lab = labrun.start_lab(state_dir, clusters=clusters, overlap=False, time_scale=time_scale)
        try:
            clock = ReadinessClock(lab)
            first = labrun.run(lab, playbook, forks=clusters + 1, timeout=3600).check()
            row = {"wall": first.wall, "latency": readiness_latency(first.stdout, wait_task, clock.last_ready())}
            if rerun:
                second = labrun.run(lab, playbook, forks=clusters + 1, timeout=3600).check()
                row.update(rerun_wall=second.wall, rerun_changed=second.changed_count(), rerun_mutating=len(second.mutating))
            return row
        finally:
            lab.stop()


CREATE_OURS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - acm.submariner.managed_cluster_set:
        name: "{{ set_name }}"
        kubeconfig: "{{ lab_kubeconfig }}"
        context: hubcluster
"""
CREATE_K8S = """
- hosts: localhost
  gather_facts: false
  tasks:
    - kubernetes.core.k8s:
        kubeconfig: "{{ lab_kubeconfig }}"
        context: hubcluster
        definition:
          apiVersion: cluster.open-cluster-management.io/v1beta2
          kind: ManagedClusterSet
          metadata:
            name: "{{ set_name }}"
          spec:
            clusterSelector:
              selectorType: ExclusiveClusterSetLabel
"""


def single_create(samples):
    """Median wall time of a one-task playbook creating one ManagedClusterSet, ours and kubernetes.core.k8s alternating."""
    with tempfile.TemporaryDirectory(prefix="bench-p5-") as state_dir:
        lab = labrun.start_lab(state_dir, clusters=2, overlap=False, time_scale=0.0)
        try:
            playbooks = {}
            for key, text in (("ours", CREATE_OURS), ("k8s", CREATE_K8S)):
                playbooks[key] = pathlib.Path(state_dir) / ("p5-%s.yml" % key)
                playbooks[key].write_text(text, encoding="utf-8")
            inventory = pathlib.Path(state_dir) / "localhost.yml"
            inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                                 "      ansible_python_interpreter: %s\n" % sys.executable, encoding="utf-8")
            walls = {"ours": [], "k8s": []}
            for index in range(samples + 1):
                for key, path in playbooks.items():
                    result = labrun.run(lab, path, inventory=inventory,
                                        extra_vars={"set_name": "p5-%s-%d" % (key, index), "lab_kubeconfig": str(lab.kubeconfig)}).check()
                    if index:  # the first round warms the discovery caches of both
                        walls[key].append(result.wall)
            return {key: statistics.median(values) for key, values in walls.items()}
        finally:
            lab.stop()


def machine():
    memory_kb = int(next(line for line in open("/proc/meminfo", encoding="utf-8") if line.startswith("MemTotal")).split()[1])
    ansible = subprocess.run([labrun.ANSIBLE_PLAYBOOK, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    return "nproc %d, %.1f GiB RAM, load %.1f, Python %s, %s" % (os.cpu_count(), memory_kb / 1048576.0, os.getloadavg()[0],
                                                                 platform.python_version(), ansible.replace("ansible-playbook ", "ansible-core "))


def _median_or_none(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def _seconds(value):
    return "%.2f s" % value if value is not None else "ready before the wait"


def _ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=3.0, help="lab seconds per provisioning step (default 3.0, the lab's)")
    parser.add_argument("--repeat", type=int, default=3, help="converge runs per playbook for P1/P4 (default 3)")
    parser.add_argument("--clusters", type=int, nargs="+", default=[2, 10, 20], help="cluster counts for P3")
    parser.add_argument("--create-samples", type=int, default=5, help="runs per module for P5")
    parser.add_argument("--json", type=pathlib.Path, help="also write the raw numbers here")
    args = parser.parse_args()

    print(machine())
    ours = [converge(labrun.SITE, 2, args.time_scale, OUR_WAIT_TASK, rerun=index == 0) for index in range(args.repeat)]
    baseline = [converge(BASELINE, 2, args.time_scale, BASELINE_WAIT_TASK) for _index in range(args.repeat)]
    scale = {count: converge(labrun.SITE, count, args.time_scale, OUR_WAIT_TASK)["wall"] for count in args.clusters if count != 2}
    scale[2] = statistics.median(row["wall"] for row in ours)
    create = single_create(args.create_samples)
    startup = measure_lab_startup("acm-2.12", 2, args.time_scale)

    wall_ours, wall_base = scale[2], statistics.median(row["wall"] for row in baseline)
    latency_ours = _median_or_none(row["latency"] for row in ours)
    latency_base = _median_or_none(row["latency"] for row in baseline)
    first = ours[0]
    rows = [
        ("P1 converge, 2 clusters", "%.1f s vs %.1f s" % (wall_ours, wall_base), _ratio(wall_ours, wall_base), "<= 0.25"),
        ("P2 re-run changed / writes", "%d / %d" % (first["rerun_changed"], first["rerun_mutating"]), None, "0 / 0"),
        ("P2 re-run wall / first", "%.1f s vs %.1f s" % (first["rerun_wall"], first["wall"]), _ratio(first["rerun_wall"], first["wall"]), "<= 0.6"),
    ]
    rows += [("P3 %d clusters / 2" % count, "%.1f s vs %.1f s" % (scale[count], scale[2]), _ratio(scale[count], scale[2]),
              "<= 3 (at 20)") for count in sorted(scale) if count != 2]
    rows += [
        ("P4 readiness latency, ours", _seconds(latency_ours), None, "<= 1 s"),
        ("P4 readiness latency, baseline", _seconds(latency_base), _ratio(latency_ours, latency_base), "-"),
        ("P5 one create / k8s", "%.2f s vs %.2f s" % (create["ours"], create["k8s"]), _ratio(create["ours"], create["k8s"]), "<= 1.0"),
        ("P6 lab start, RSS", "%.2f s, %.0f MB peak" % (startup["up_s"], startup["peak_mb"]), None, "<= 5 s, <= 300 MB"),
    ]
    print("time scale %.2f s/step, %d converge run(s) per playbook" % (args.time_scale, args.repeat))
    print("%-32s %-26s %8s  %s" % ("measure", "values", "ratio", "target"))
    for name, values, ratio, target in rows:
        print("%-32s %-26s %8s  %s" % (name, values, "-" if ratio is None else "%.2f" % ratio, target))
    if args.json:
        args.json.write_text(json.dumps({"ours": ours, "baseline": baseline, "scale": scale, "create": create, "startup": startup},
                                        indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

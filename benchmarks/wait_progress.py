"""Progress on long waits: how often a waiting cluster prints a line, and how soon a wait ends after readiness.

Run from the repository root: ``.venv/bin/python benchmarks/wait_progress.py [--time-scale 60] [--clusters 2]``.
Starts a lab whose controllers take ``--time-scale`` seconds per provisioning step, runs site.yml with
the default callback and timestamps every output line as it arrives. Meanwhile a thread reads each
cluster's ManagedClusterAddOn from the lab every 50 ms and notes when it first satisfies the rule the
join task waits for (conditions.evaluate_addon with connections). It prints, per waiting task and
cluster, the longest silence (task start, progress lines, task end) against the 15 s goal, and for the
add-on wait the time from readiness to the task's result line against the 1 s goal. Not a test: the
numbers depend on the machine's load; they are reported as ratios to the goals.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "build"))  # the checkout as ansible_collections.acm.submariner (make venv)

from ansible_collections.acm.submariner.plugins.module_utils.conditions import evaluate_addon  # noqa: E402  pylint: disable=wrong-import-position
from tests.reliability import labrun  # noqa: E402  pylint: disable=wrong-import-position

PROGRESS = re.compile(r"^\[(?P<host>[^\]]+)\] waiting for (?P<what>.*) \((?P<elapsed>\d+)s elapsed, (?P<left>\d+)s left\)$")
TASK = re.compile(r"^TASK \[(?P<name>.*)\] \*+$")
RESULT = re.compile(r"^(?:ok|changed|failed|fatal): \[(?P<host>[^\]]+)\]")
ADDON_TASK = "Create the ManagedClusterAddOn submariner"
SILENCE_GOAL = 15.0
LATENCY_GOAL = 1.0


class AddonWatcher(threading.Thread):
    """Notes, per cluster, the first moment its ManagedClusterAddOn is ready with connections."""

    def __init__(self, lab, clusters):
        super().__init__(daemon=True)
        self.lab, self.clusters, self.ready_at, self.stop = lab, clusters, {}, threading.Event()

    def run(self):
        hub = self.lab.store("hubcluster")
        while not self.stop.wait(0.05):
            for cluster in self.clusters:
                if cluster in self.ready_at:
                    continue
                addon = hub.get("addon.open-cluster-management.io/v1alpha1", "ManagedClusterAddOn", "submariner", cluster)
                if addon and evaluate_addon(addon, require_connections=True).ready:
                    self.ready_at[cluster] = time.monotonic()


def read_lines(process):
    """``[(monotonic time, line)]`` of the run's merged output, as it arrives."""
    lines = []
    for raw in process.stdout:
        lines.append((time.monotonic(), raw.rstrip("\n")))
    return lines


def waits(lines):
    """Per (task, host) that printed progress: the instants of task start, each progress line and its result."""
    found, task, task_start = {}, None, None
    for when, line in lines:
        if TASK.match(line):
            task, task_start = TASK.match(line).group("name"), when
        elif PROGRESS.match(line):
            found.setdefault((task, PROGRESS.match(line).group("host")), [task_start]).append(when)
        elif RESULT.match(line) and (task, RESULT.match(line).group("host")) in found:
            found[(task, RESULT.match(line).group("host"))].append(when)
    return found


def result_time(lines, task_part, host):
    task = None
    for when, line in lines:
        if TASK.match(line):
            task = TASK.match(line).group("name")
        elif task and task_part in task and RESULT.match(line) and RESULT.match(line).group("host") == host:
            return when
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=60.0, help="lab seconds per provisioning step (default 60)")
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--log", type=pathlib.Path, help="also write the timestamped output here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wait-progress-") as state_dir:
        lab = labrun.start_lab(state_dir, clusters=args.clusters, overlap=False, time_scale=args.time_scale)
        try:
            clusters = sorted(labrun.lab_inventory(lab)["all"]["children"]["managed_clusters"]["hosts"])
            watcher = AddonWatcher(lab, clusters)
            watcher.start()
            command = labrun.command(lab, labrun.SITE, lab.state_dir / "inventory.yml", forks=args.clusters + 1)
            started = time.monotonic()
            with subprocess.Popen(command, cwd=REPO_ROOT, env=labrun.environment(lab, "ansible.builtin.default"), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
                lines = read_lines(process)
                returncode = process.wait()
            watcher.stop.set()
        finally:
            lab.stop()
    if args.log:
        args.log.write_text("".join("%8.3f %s\n" % (when - started, line) for when, line in lines), encoding="utf-8")
    elapsed = lines[-1][0] - started if lines else 0
    print("site.yml at %.0f s per lab step, %d clusters: exit %d, %.0f s" % (args.time_scale, len(clusters), returncode, elapsed))
    print("%-70s %-9s %9s %14s %10s" % ("waiting task", "cluster", "progress", "longest quiet", "/ 15 s"))
    for (task, host), instants in sorted(waits(lines).items(), key=lambda item: item[1][0]):
        quiet = max(later - earlier for earlier, later in zip(instants, instants[1:]))
        print("%-70s %-9s %9d %12.1f s %10.2f" % (task[-70:], host, len(instants) - 2, quiet, quiet / SILENCE_GOAL))
    print("%-70s %-9s %14s" % ("add-on wait: readiness -> result line", "cluster", "latency / 1 s"))
    for cluster in clusters:
        ready, done = watcher.ready_at.get(cluster), result_time(lines, ADDON_TASK, cluster)
        if ready is None or done is None:
            print("%-70s %-9s %14s" % ("", cluster, "not observed"))
        else:
            print("%-70s %-9s %8.2f s %5.2f" % ("", cluster, done - ready, (done - ready) / LATENCY_GOAL))
    return returncode


if __name__ == "__main__":
    sys.exit(main())

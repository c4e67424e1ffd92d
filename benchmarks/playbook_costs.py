"""What each playbook run costs, side by side for several checkouts: wall, CPU, module runs and API requests.

Run from the repository root: ``.venv/bin/python benchmarks/playbook_costs.py [--rounds 2] [--clusters 2] CHECKOUT...``.
Each CHECKOUT is a directory with the collection linked at ``build/ansible_collections/acm/submariner`` (a git worktree
of a commit, see docs/performance.md); none means this checkout. A checkout without ``../shared`` beside it needs
``LAB_CRDS_DIR`` (docs/lab.md). Every round measures the checkouts one after the
other, each on a fresh lab of its own (its own ``tests/lab``), in a process of its own: ``site.yml``, its re-run,
``verify.yml`` and ``uninstall.yml``. CPU is the user + system time of the processes the runs started
(ansible-playbook, its workers and the module processes), not the lab's. The table gives the median of the rounds and
each checkout's ratio to the first one.
"""

import argparse
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
PLAYBOOKS = (("site", "site.yml"), ("re-run", "site.yml"), ("verify", "playbooks/verify.yml"), ("uninstall", "playbooks/uninstall.yml"))
# Actions that run in the controller (no module process).
CONTROLLER_ACTIONS = ("ansible.builtin.", "acm.submariner.submariner_report_files")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def module_runs(stdout):
    """How many module processes a json-callback run started (loop items count one each; skipped tasks none)."""
    report = json.loads(stdout[stdout.index("{"):])
    count = 0
    for play in report["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                if result.get("skipped") or (result.get("action") or "").startswith(CONTROLLER_ACTIONS):
                    continue
                count += len(result["results"]) if "results" in result else 1
    return count


def measure(checkout, clusters):
    """One lab of ``checkout``'s and its four runs: ``{playbook: {wall, cpu, modules, requests}}``."""
    sys.path.insert(0, str(checkout))
    from tests.reliability import labrun  # pylint: disable=import-outside-toplevel

    found = {}
    with tempfile.TemporaryDirectory(prefix="costs-") as state_dir:
        lab = labrun.start_lab(state_dir, clusters=clusters, overlap=False, time_scale=0.2)
        try:
            for name, playbook in PLAYBOOKS:
                before = children_cpu()
                run = labrun.run(lab, checkout / playbook, forks=clusters + 1).check()
                found[name] = {"wall": run.wall, "cpu": children_cpu() - before, "modules": module_runs(run.stdout),
                               "requests": len(run.requests)}
        finally:
            lab.stop()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*", type=pathlib.Path, default=[REPO_ROOT])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--measure", type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure.resolve(), args.clusters)))
        return 0
    checkouts = [path.resolve() for path in args.checkouts]
    samples = {path: [] for path in checkouts}
    for round_number in range(1, args.rounds + 1):
        for path in checkouts:
            answer = subprocess.run([sys.executable, __file__, "--measure", str(path), "--clusters", str(args.clusters)],
                                    cwd=path, check=True, capture_output=True, text=True)
            samples[path].append(json.loads(answer.stdout.strip().splitlines()[-1]))
            print("round %d %s: %s" % (round_number, path, samples[path][-1]), file=sys.stderr)
    first = checkouts[0]
    print("| checkout | playbook | wall s | CPU s | module runs | requests | wall / first | CPU / first |")
    print("|---|---|---|---|---|---|---|---|")
    for path in checkouts:
        for name, _playbook in PLAYBOOKS:
            median = {key: statistics.median(sample[name][key] for sample in samples[path]) for key in ("wall", "cpu", "modules", "requests")}
            base = {key: statistics.median(sample[name][key] for sample in samples[first]) for key in ("wall", "cpu")}
            print("| %s | %s | %.1f | %.1f | %d | %d | %.2f | %.2f |" % (
                path.name, name, median["wall"], median["cpu"], median["modules"], median["requests"],
                median["wall"] / base["wall"], median["cpu"] / base["cpu"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

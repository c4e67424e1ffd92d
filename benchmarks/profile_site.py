"""Where site.yml's wall time goes: per-task and per-role durations and lab requests, on a fresh lab.

Run from the repository root: ``.venv/bin/python benchmarks/profile_site.py [--clusters 2] [--time-scale 3]``.
Converges once (and re-runs with ``--rerun``) and prints the slowest tasks, the time per role, the number
of tasks that ran and the API requests per verb; the evidence behind the misses in docs/performance.md.
"""

import argparse
import collections
import datetime
import json
import pathlib
import sys
import tempfile

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.reliability import labrun  # noqa: E402  pylint: disable=wrong-import-position


def _epoch(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def task_durations(stdout):
    """``[(seconds, task name)]`` of every task of a json-callback run."""
    report = json.loads(stdout[stdout.index("{"):])
    found = []
    for play in report["plays"]:
        for task in play["tasks"]:
            span = task["task"].get("duration") or {}
            if span.get("start") and span.get("end"):
                found.append((_epoch(span["end"]) - _epoch(span["start"]), task["task"]["name"]))
    return found


def summarize(title, run, top):
    durations = task_durations(run.stdout)
    roles = collections.Counter()
    for seconds, name in durations:
        roles[name.split(" : ")[0] if " : " in name else "(play)"] += seconds
    verbs = collections.Counter(request["verb"] for request in run.requests)
    print("%s: wall %.1f s, %d tasks, %.1f s in tasks, %d requests (%s), %d mutating" % (
        title, run.wall, len(durations), sum(s for s, _n in durations), len(run.requests),
        ", ".join("%s %d" % item for item in verbs.most_common()), len(run.mutating)))
    print("  time per role: " + ", ".join("%s %.1f s" % (role, seconds) for role, seconds in roles.most_common()))
    for seconds, name in sorted(durations, reverse=True)[:top]:
        print("  %6.1f s  %s" % (seconds, name[:110]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--time-scale", type=float, default=3.0)
    parser.add_argument("--playbook", type=pathlib.Path, default=labrun.SITE)
    parser.add_argument("--rerun", action="store_true", help="also profile an idempotent re-run")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-") as state_dir:
        lab = labrun.start_lab(state_dir, clusters=args.clusters, overlap=False, time_scale=args.time_scale)
        try:
            summarize("first run", labrun.run(lab, args.playbook, forks=args.clusters + 1).check(), args.top)
            if args.rerun:
                summarize("re-run", labrun.run(lab, args.playbook, forks=args.clusters + 1).check(), args.top)
        finally:
            lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

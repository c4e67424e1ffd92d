"""How long ``python -m tests.lab up`` takes and how much memory the lab holds, for hub + 2 and hub + 20 clusters.

Run from the repository root: ``.venv/bin/python benchmarks/lab_startup.py [--profile acm-2.12] [--clusters 2 20]``.
Targets (issue 3): hub + 2 clusters + EC2 up in <= 5 s and <= 300 MB RSS; hub + 20 works.
This is a measurement, not a test: it prints a table and exits 0 unless a lab fails to start.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
TARGET_MB = 300.0


def _lab(*args):
    return subprocess.run([sys.executable, "-m", "tests.lab"] + list(args), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def _memory_mb(pid):
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    fields = {}
    with open("/proc/%d/status" % pid, encoding="utf-8") as status:
        for line in status:
            key, _sep, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024.0, int(fields["VmHWM"].split()[0]) / 1024.0


def measure(profile, clusters, time_scale):
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as state_dir:
        started = time.perf_counter()
        up = _lab("up", "--profile", profile, "--clusters", str(clusters), "--time-scale", str(time_scale), "--state-dir", state_dir)
        elapsed = time.perf_counter() - started
        try:
            if up.returncode != 0:
                raise RuntimeError("up failed for %d clusters:\n%s%s" % (clusters, up.stdout, up.stderr))
            info = json.loads((pathlib.Path(state_dir) / "lab.json").read_text(encoding="utf-8"))
            rss, peak = _memory_mb(info["pid"])
            objects = json.loads(_lab("status", "--state-dir", state_dir).stdout)["clusters"]
            return {"clusters": clusters, "up_s": elapsed, "rss_mb": rss, "peak_mb": peak,
                    "objects": sum(c["objects"] for c in objects.values())}
        finally:
            _lab("down", "--state-dir", state_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="acm-2.12", choices=("acm-2.2", "acm-2.12"))
    parser.add_argument("--clusters", type=int, nargs="+", default=[2, 20])
    parser.add_argument("--time-scale", type=float, default=3.0)
    args = parser.parse_args()
    rows = [measure(args.profile, clusters, args.time_scale) for clusters in args.clusters]
    targets = (args.profile, args.time_scale, TARGET_SECONDS, TARGET_MB)
    print("profile %s, time scale %s; targets for hub + 2: up <= %.0f s, RSS <= %.0f MB" % targets)
    print("%-14s %8s %10s %10s %9s  %s" % ("lab", "up (s)", "RSS (MB)", "peak (MB)", "objects", "within target"))
    for row in rows:
        within = "yes" if row["up_s"] <= TARGET_SECONDS and row["peak_mb"] <= TARGET_MB else "no"
        print("%-14s %8.2f %10.1f %10.1f %9d  %s" % ("hub + %d" % row["clusters"], row["up_s"], row["rss_mb"], row["peak_mb"],
                                                     row["objects"], within if row["clusters"] <= 2 else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

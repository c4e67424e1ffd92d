"""``python -m tests.lab up|serve|down|status|dump``: run the lab as a background process."""

import argparse
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from tests.lab import crds, profiles
from tests.lab.runtime import NETWORK_TYPES, OCP_NAMINGS, PROFILES, REPO_ROOT, Faults, Lab, LabOptions, use_installer_ami_only

READY_TIMEOUT = 90
STOP_TIMEOUT = 15


def _parser():
    parser = argparse.ArgumentParser(prog="python -m tests.lab", description="A local ACM hub + N managed clusters + EC2 on loopback.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("up", "start the lab in the background (idempotent) and print a summary"),
                       ("serve", "run the lab in the foreground (what `up` starts)")):
        command = commands.add_parser(name, help=text)
        _add_lab_options(command)
    for name, text in (("down", "stop the lab `up` started and remove its state directory"),
                       ("status", "print the running lab's status as JSON"),
                       ("dump", "print every object of every cluster and the EC2 state as JSON")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--state-dir", type=pathlib.Path, default=REPO_ROOT / ".lab", help="state directory (default: .lab/)")
    return parser


def _add_lab_options(command):
    # No argparse defaults: `up` compares only the options given against a running lab (None = not given).
    defaults = LabOptions.__dataclass_fields__
    command.add_argument("--profile", choices=PROFILES, help="ACM profile (default %s)" % defaults["profile"].default)
    command.add_argument("--clusters", type=int, help="managed clusters (default %d)" % defaults["clusters"].default)
    command.add_argument("--overlap", action=argparse.BooleanOptionalAction,
                         help="give the clusters the same (default installer) CIDRs (default: no, each cluster its own)")
    command.add_argument("--network-type", choices=NETWORK_TYPES,
                         help="CNI of the clusters (default: the profile's era, OpenShiftSDN on acm-2.2, else OVNKubernetes)")
    command.add_argument("--ocp-naming", choices=OCP_NAMINGS,
                         help="installer naming of SGs and subnets: legacy (< 4.16) or capi (>= 4.16); default %s" % defaults["ocp_naming"].default)
    command.add_argument("--time-scale", type=float,
                         help="seconds per simulated provisioning step (0 = immediate; default %s)" % defaults["time_scale"].default)
    command.add_argument("--faults", help="off (default), on, or latency_ms=N,error_rate=F,conflict_rate=F,drop_rate=F[,seed=N]")
    command.add_argument("--state-dir", type=pathlib.Path, default=REPO_ROOT / ".lab", help="state directory (default: .lab/)")
    command.add_argument("--crds-dir", type=pathlib.Path, default=None, help="upstream CRDs (default: $LAB_CRDS_DIR or ../shared/crds)")
    command.add_argument("--builtin-crds", action="store_true",
                         help="serve schema-less stand-ins for missing upstream CRDs (no validation, no pruning)")


# The options `up` compares with a running lab, as argparse names them.
COMPARED_OPTIONS = ("profile", "clusters", "overlap", "network_type", "ocp_naming", "time_scale", "faults")


def _given(args):
    """The lab options given on the command line, as LabOptions values."""
    values = {name: getattr(args, name) for name in COMPARED_OPTIONS if getattr(args, name) is not None}
    if "faults" in values:
        values["faults"] = Faults.parse(values["faults"])
    return values


def up_options(argv):
    """The LabOptions values that ``python -m tests.lab up ARGV`` asks for (e.g. a molecule scenario's lab_options)."""
    return _given(_parser().parse_args(["up", *argv]))


def _options(args):
    values = dict(_given(args), state_dir=args.state_dir, builtin_crds=args.builtin_crds)
    if args.crds_dir:
        values["crds_dir"] = args.crds_dir
    return LabOptions(**values)


def differences(running_options, args):
    """``option: (running, asked)`` for every option given that the running lab (lab.json ``options``) does not have."""
    asked = _options(args).as_dict()
    return {name: (running_options.get(name), asked[name]) for name in _given(args) if running_options.get(name) != asked[name]}


def _flag(name, value):
    if name == "overlap":
        return "--overlap" if value else "--no-overlap"
    if name == "faults":
        value = Faults(**value).as_text() if isinstance(value, dict) else value
    return "--%s %s" % (name.replace("_", "-"), value)


def refusal(state_dir, changed):
    """What `up` says when asked for another lab than the one running: what differs, and how to get it."""
    lines = ["a lab is already running in %s with other options:" % state_dir]
    lines += ["  %s: running %s, asked %s" % (name, running, asked) for name, (running, asked) in sorted(changed.items())]
    lines.append("it was left running. To replace it, stop it first: `make lab-down` (or `python -m tests.lab down --state-dir %s`),"
                 " then run `up` again;" % state_dir)
    flags = ", ".join(_flag(name, running) for name, (running, _asked) in sorted(changed.items()))
    lines.append("to keep it, run `up` without those options (or with %s)." % flags)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- talking to a running lab
def read_lab_json(state_dir):
    try:
        return json.loads((pathlib.Path(state_dir) / "lab.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def admin_call(info, path, method="GET", body=None, timeout=10):
    """Call the admin endpoint of the lab described by ``info`` (lab.json); return the decoded JSON."""
    request = urllib.request.Request(info["admin_url"] + path, method=method, data=body.encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + info["admin_token"]})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec: loopback URL written by the lab itself
        return json.loads(response.read())


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_lab_process(pid):
    """Whether ``pid`` is still a ``tests.lab serve`` process (and not a recycled pid)."""
    try:
        cmdline = pathlib.Path("/proc/%d/cmdline" % pid).read_bytes().split(b"\0")
    except OSError:
        return _pid_alive(pid)
    return b"tests.lab" in cmdline and b"serve" in cmdline


def running_lab(state_dir):
    """lab.json of a lab that is alive and answering, else None."""
    info = read_lab_json(state_dir)
    if not info or not _pid_alive(info["pid"]) or not _is_lab_process(info["pid"]):
        return None
    try:
        return info if admin_call(info, "/ready", timeout=3).get("ready") else None
    except (OSError, ValueError, urllib.error.URLError):
        return None


# ---------------------------------------------------------------------- commands
def _summary(info):
    lines = ["lab up (pid %d, profile %s, %d managed clusters)" % (info["pid"], info["options"]["profile"], len(info["clusters"]) - 1)]
    for context, cluster in info["clusters"].items():
        lines.append("  %-12s %s" % (context, cluster["url"]))
    state_dir = info["options"]["state_dir"]
    lines.append("  %-12s %s" % ("aws", info["aws_endpoint"]))
    lines.append("  export KUBECONFIG=%s/kubeconfig; set -a; . %s/aws.env; set +a" % (state_dir, state_dir))
    return "\n".join(lines)


def cmd_up(args):
    state_dir = args.state_dir.resolve()
    if not args.builtin_crds:
        profile = profiles.get(_options(args).profile)
        missing = crds.first_missing(args.crds_dir or crds.default_dir(), profile.hub_crds + profile.spoke_crds)
        if missing is not None:
            sys.stderr.write(crds.missing_message(missing) + " (or pass --builtin-crds for stand-ins without validation)\n")
            return 1
    info = running_lab(state_dir)
    if info:
        changed = differences(info["options"], args)
        if changed:
            sys.stderr.write(refusal(state_dir, changed))
            return 2
        print(_summary(info))
        return 0
    if state_dir.exists():
        _stop_stale(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tests.lab", "serve"] + _serve_arguments(args)
    with open(state_dir / "serve.log", "ab") as log:
        # The lab outlives this command: it is stopped by `down`, by pid.
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.stderr.write("lab failed to start (exit %s), see %s\n" % (process.returncode, state_dir / "serve.log"))
            sys.stderr.write((state_dir / "serve.log").read_text(encoding="utf-8", errors="replace")[-4000:])
            return 1
        info = read_lab_json(state_dir)
        if info and info["pid"] == process.pid and running_lab(state_dir):
            print(_summary(info))
            return 0
        time.sleep(0.1)
    process.terminate()
    sys.stderr.write("lab did not become ready in %d s, see %s\n" % (READY_TIMEOUT, state_dir / "serve.log"))
    return 1


def _serve_arguments(args):
    options = _options(args)
    arguments = ["--profile", options.profile, "--clusters", str(options.clusters), "--overlap" if options.overlap else "--no-overlap",
                 *(["--network-type", options.network_type] if options.network_type else []),
                 "--ocp-naming", options.ocp_naming, "--time-scale", str(options.time_scale),
                 "--faults", options.faults.as_text(), "--state-dir", str(args.state_dir.resolve())]
    if args.crds_dir:
        arguments += ["--crds-dir", str(args.crds_dir.resolve())]
    if args.builtin_crds:
        arguments.append("--builtin-crds")
    return arguments


def cmd_serve(args):
    options = _options(args)
    use_installer_ami_only(options.state_dir)
    lab = Lab(options)
    stop = threading.Event()

    def request_stop(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    lab.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        lab.stop()
    return 0


def _stop_pid(pid):
    if not _pid_alive(pid) or not _is_lab_process(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _pid_alive(pid) and _is_lab_process(pid):
        time.sleep(0.1)
    if _pid_alive(pid) and _is_lab_process(pid):
        os.kill(pid, signal.SIGKILL)


def _stop_stale(state_dir):
    info = read_lab_json(state_dir)
    if info:
        _stop_pid(info["pid"])


def cmd_down(args):
    state_dir = args.state_dir.resolve()
    info = read_lab_json(state_dir)
    if info:
        _stop_pid(info["pid"])
        print("lab stopped (pid %d)" % info["pid"])
    else:
        print("no lab running in %s" % state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    return 0


def cmd_status(args):
    info = running_lab(args.state_dir.resolve())
    if not info:
        print(json.dumps({"running": False}))
        return 1
    print(json.dumps(dict(admin_call(info, "/status"), running=True), indent=2))
    return 0


def cmd_dump(args):
    info = running_lab(args.state_dir.resolve())
    if not info:
        sys.stderr.write("no lab running in %s\n" % args.state_dir)
        return 1
    json.dump(admin_call(info, "/dump", timeout=60), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


COMMANDS = {"up": cmd_up, "serve": cmd_serve, "down": cmd_down, "status": cmd_status, "dump": cmd_dump}


def main(argv=None):
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)

"""Run the collection's playbooks against a lab the way a user does: the lab's inventory, ansible-playbook, forks.

Shared by the reliability suite and ``benchmarks/``. The plays see the lab only through the inventory's
kubeconfig and the AWS endpoint in the environment (``tests.lab.fixtures.playbook_env``).
"""

import copy
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import time

import yaml

from tests.lab.fixtures import playbook_env, without_run_lease
from tests.lab.runtime import REPO_ROOT, Lab, LabOptions

SITE = REPO_ROOT / "site.yml"
VERIFY = REPO_ROOT / "playbooks" / "verify.yml"
UNINSTALL = REPO_ROOT / "playbooks" / "uninstall.yml"
ANSIBLE_PLAYBOOK = str(pathlib.Path(sys.executable).with_name("ansible-playbook"))


@dataclasses.dataclass
class Run:
    """One finished ansible-playbook run: exit code, output, wall time and the lab requests it caused."""

    returncode: int
    stdout: str
    stderr: str
    wall: float
    requests: list

    @property
    def output(self):
        return self.stdout + self.stderr

    @property
    def mutating(self):
        return [r for r in self.requests if r["mutating"]]

    @property
    def changes(self):
        """The writes other than the run lease every site/uninstall run takes and releases."""
        return without_run_lease(self.mutating)

    @property
    def results(self):
        """``{"task", "host", "result"}`` per task result when the json callback was used."""
        return _json_results(self.stdout)

    def failures(self):
        return [r for r in self.results if r["result"].get("failed") or r["result"].get("unreachable")]

    def failure_messages(self):
        return [str(r["result"].get("msg", "")) for r in self.failures()]

    def changed_count(self):
        return sum(1 for r in self.results if r["result"].get("changed"))

    def check(self):
        assert self.returncode == 0, "ansible-playbook failed (%d):\n%s\n%s" % (self.returncode, self.stdout[-8000:], self.stderr[-3000:])
        return self


def start_lab(state_dir, **options):
    """A started Lab in ``state_dir`` (its own TMPDIR for discovery caches); the caller stops it."""
    lab = Lab(LabOptions(state_dir=state_dir, **options))
    lab.tmpdir = pathlib.Path(state_dir) / "tmp"
    lab.tmpdir.mkdir(parents=True, exist_ok=True)
    lab.start()
    return lab


def lab_inventory(lab):
    return yaml.safe_load((lab.state_dir / "inventory.yml").read_text(encoding="utf-8"))


def write_inventory(lab, path, hub=None, clusters=None, drop=()):
    """The lab's inventory with host variables overridden (``hub``: dict, ``clusters``: {host: dict}) or dropped."""
    inventory = copy.deepcopy(lab_inventory(lab))
    groups = inventory["all"]["children"]
    for host_vars in groups["acm_hub"]["hosts"].values():
        host_vars.update(hub or {})
    managed = groups["managed_clusters"]["hosts"]
    for host, overrides in (clusters or {}).items():
        managed.setdefault(host, dict(next(iter(managed.values())))).update(overrides)
    for host in drop:
        managed.pop(host, None)
    for hosts in (groups["acm_hub"]["hosts"], managed):
        for host_vars in hosts.values():
            for key in [k for k, v in host_vars.items() if v is None]:
                del host_vars[key]
    path = pathlib.Path(path)
    path.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    return path


def command(lab, playbook, inventory, extra_vars=None, forks=None, verbosity=0, diff=False):
    """ansible-playbook's argv; verify's report goes to the lab's TMPDIR unless the caller names a place."""
    variables = {"verify_report_dir": str(pathlib.Path(lab.tmpdir) / "submariner-report")}
    variables.update(extra_vars or {})
    args = [ANSIBLE_PLAYBOOK, str(playbook), "-i", str(inventory), "-e", json.dumps(variables)]
    if forks:
        args += ["-f", str(forks)]
    if verbosity:
        args.append("-" + "v" * verbosity)
    if diff:
        args.append("--diff")
    return args


def environment(lab, callback="ansible.builtin.json"):
    env = playbook_env(lab)
    env["ANSIBLE_STDOUT_CALLBACK"] = callback
    return env


def run(lab, playbook=SITE, inventory=None, extra_vars=None, forks=None, verbosity=0, diff=False, callback="ansible.builtin.json",
        timeout=600, env=None):
    """Run ``playbook`` against the lab and return a Run with the lab requests made meanwhile (``env``: more variables)."""
    mark = lab.requests.mark()
    started = time.perf_counter()
    completed = subprocess.run(command(lab, playbook, inventory or lab.state_dir / "inventory.yml", extra_vars, forks, verbosity, diff),
                               cwd=REPO_ROOT, env=dict(environment(lab, callback), **(env or {})), capture_output=True, text=True,
                               timeout=timeout, check=False)
    wall = time.perf_counter() - started
    return Run(completed.returncode, completed.stdout, completed.stderr, wall, lab.requests.since(mark))


def spawn(lab, playbook=SITE, inventory=None, extra_vars=None, forks=None, log_path=None, env=None):
    """Start ``playbook`` in its own process group (to signal it and its workers); output goes to ``log_path``."""
    log = open(log_path or os.devnull, "w", encoding="utf-8")  # pylint: disable=consider-using-with
    process = subprocess.Popen(command(lab, playbook, inventory or lab.state_dir / "inventory.yml", extra_vars, forks),  # pylint: disable=consider-using-with
                               cwd=REPO_ROOT, env=dict(environment(lab, "default"), **(env or {})), stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    process.log = log
    return process


def token_auth_inventory(lab, path, token_hosts=("hub", "aws-sub1", "aws-sub2")):
    """The lab's inventory with ``token_hosts`` on host + token auth (the shape of inventory/example/hosts.yml's aws-sub2);
    the other hosts keep their kubeconfig and context."""
    groups = lab_inventory(lab)["all"]["children"]
    token = {"acm_submariner_kubeconfig": None, "acm_submariner_ca_cert": str(lab.ca_file)}
    hub = {}
    for name, host_vars in groups["acm_hub"]["hosts"].items():
        if name in token_hosts:
            context = host_vars["acm_submariner_hub_context"]
            hub = dict(token, acm_submariner_hub_context=None, acm_submariner_api_host=lab.server_url(context),
                       acm_submariner_api_key=lab.tokens[context]["admin"])
    clusters = {}
    for name, host_vars in groups["managed_clusters"]["hosts"].items():
        if name in token_hosts:
            context = host_vars["acm_submariner_cluster_context"]
            clusters[name] = dict(token, acm_submariner_cluster_context=None, acm_submariner_api_host=lab.server_url(context),
                                  acm_submariner_api_key=lab.tokens[context]["admin"])
    return write_inventory(lab, path, hub=hub, clusters=clusters)


def run_with_runner(lab, playbook, inventory, private_data_dir, extra_vars=None, cmdline="", env=None, timeout=900):
    """Run ``playbook`` with the ansible-runner command as AAP does (artifacts and job events under ``private_data_dir``,
    a jsonfile fact cache in its artifacts); returns (the runner's exit code, the artifacts folder)."""
    pdd = pathlib.Path(private_data_dir)
    (pdd / "env").mkdir(parents=True, exist_ok=True)
    variables = dict(environment(lab), ANSIBLE_CACHE_PLUGIN="jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=str(pdd / "artifacts" / "fact_cache"),
                     PATH=os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ.get("PATH", "")]), **(env or {}))
    variables.pop("ANSIBLE_STDOUT_CALLBACK")
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(variables), encoding="utf-8")
    variables = dict({"verify_report_dir": str(pathlib.Path(lab.tmpdir) / "submariner-report")}, **(extra_vars or {}))
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(variables), encoding="utf-8")
    if cmdline:
        (pdd / "env" / "cmdline").write_text(cmdline, encoding="utf-8")
    runner = [str(pathlib.Path(sys.executable).with_name("ansible-runner")), "run", str(pdd), "--project-dir", str(REPO_ROOT),
              "-p", str(playbook), "--inventory", str(inventory), "--ident", "job"]
    completed = subprocess.run(runner, capture_output=True, text=True, timeout=timeout, check=False)
    return completed.returncode, pdd / "artifacts"


def kill_after(lab, process, writes, signum, timeout=600):
    """Signal a spawned run's process group once the lab saw ``writes`` mutating requests since now (a module is then at work)."""
    mark = lab.requests.mark()
    deadline = time.monotonic() + timeout
    while len(lab.requests.mutating_since(mark)) < writes:
        if process.poll() is not None:
            raise AssertionError("the run ended (rc %s) before %d writes" % (process.returncode, writes))
        if time.monotonic() > deadline:
            raise AssertionError("no %d writes within %d s" % (writes, timeout))
        time.sleep(0.05)
    os.killpg(process.pid, signum)
    process.wait(timeout=60)
    process.log.close()


def _json_results(stdout):
    try:
        report = json.loads(stdout[stdout.index("{"):])
    except ValueError:
        return []
    results = []
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                results.append({"task": task["task"]["name"], "host": host, "result": result})
    return results

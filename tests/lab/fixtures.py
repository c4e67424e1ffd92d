"""pytest fixtures and helpers that run tests against an in-process lab (registered by tests/conftest.py).

Fixtures:
    lab_factory   session: ``lab_factory.get(profile="acm-2.12", **LabOptions overrides) -> Lab``
    lab           an acm-2.12 lab (hub + 2 clusters, time_scale 0)
    lab_22        an acm-2.2 lab (hub + 2 clusters, time_scale 0)
    run_playbook  ``run_playbook(lab, playbook, check=False, extra_vars=None, ...) -> PlaybookResult``

moto's backends are global to a process, so the factory keeps one lab alive at a time (it resets
moto when a lab starts), and stops its labs before a test module that does not use them runs (such
modules may use ``mock_aws``). A lab whose EC2 state vanished anyway is restarted on the next ``get``.
"""

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import sysconfig
import tempfile
import textwrap

import pytest
import yaml

from tests.lab.runtime import HUB_CONTEXT, REPO_ROOT, Lab, LabOptions

LAB_FIXTURES = frozenset({"lab", "lab_22", "lab_factory", "run_playbook"})
# overlap: the lab default is non-overlapping; tests that take the lab as it comes were written for overlap.
TEST_DEFAULTS = {"time_scale": 0.0, "overlap": True}


class LabFactory:
    """Starts labs on demand, one alive at a time, each in its own state and TMPDIR under ``base_dir``."""

    def __init__(self, base_dir):
        self.base_dir = pathlib.Path(base_dir)
        self._labs = {}
        self._count = 0

    def get(self, profile="acm-2.12", **overrides):
        """A running lab for ``profile`` and these LabOptions overrides (reused while alive and intact)."""
        settings = dict(TEST_DEFAULTS, profile=profile, **overrides)
        key = json.dumps(settings, sort_keys=True, default=str)
        lab = self._labs.get(key)
        if lab is not None and _ec2_intact(lab):
            return lab
        self.stop_all()
        self._count += 1
        state_dir = self.base_dir / ("lab%d-%s" % (self._count, profile))
        lab = Lab(LabOptions(state_dir=state_dir, **settings))
        lab.tmpdir = state_dir / "tmp"
        lab.tmpdir.mkdir(parents=True, exist_ok=True)
        lab.start()
        lab.ec2_marker = _vpc_ids(lab)
        lab.baseline = lab.dump()  # the lab as it started, for tests that need it so (clean_lab)
        self._labs[key] = lab
        return lab

    def stop_all(self):
        while self._labs:
            _key, lab = self._labs.popitem()
            lab.stop()


def _vpc_ids(lab):
    return {vpc["VpcId"] for vpc in lab.ec2().describe_vpcs()["Vpcs"] if not vpc.get("IsDefault")}


def _ec2_intact(lab):
    """Whether the lab's seeded VPCs are still there (an in-process mock_aws resets moto's backends)."""
    try:
        return lab.ec2_marker <= _vpc_ids(lab)
    except Exception:  # pylint: disable=broad-exception-caught
        return False


# ---------------------------------------------------------------------- clients
def api_client(lab, context=HUB_CONTEXT, readonly=False):
    """An official ``kubernetes`` ApiClient for a lab context, built from the lab's kubeconfig."""
    from kubernetes import config  # pylint: disable=import-outside-toplevel
    return config.new_client_from_config(str(lab.kubeconfig), context=context + ("-readonly" if readonly else ""))


def dynamic_client(lab, context=HUB_CONTEXT, readonly=False):
    """A ``kubernetes.dynamic.DynamicClient`` whose discovery cache lives in the lab's own TMPDIR."""
    from kubernetes import dynamic  # pylint: disable=import-outside-toplevel
    cache = pathlib.Path(lab.tmpdir) / ("osrcp-%s-%s.json" % (context, "ro" if readonly else "admin"))
    return dynamic.DynamicClient(api_client(lab, context, readonly), cache_file=str(cache))


def mutating_requests(lab, mark, cluster=None):
    """The HTTP writes (not dry runs) the lab's API servers received since ``mark = lab.requests.mark()``."""
    return lab.requests.mutating_since(mark, cluster)


# Every site.yml and uninstall.yml run takes and releases the set's Lease (acm.submariner.run_lease):
# bookkeeping of the run, like a controller's leader-election lease, not a change to what is deployed.
RUN_LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/acm-submariner/leases/"


def without_run_lease(requests):
    """``requests`` without the writes to the run lease."""
    return [r for r in requests if not r["path"].startswith(RUN_LEASE_PATH) and r["path"] != RUN_LEASE_PATH.rstrip("/")]


def dump(lab):
    """Every object of every cluster and the EC2 state (as ``python -m tests.lab dump`` prints)."""
    return json.loads(json.dumps(lab.dump(), default=str))


# ---------------------------------------------------------------------- ansible-playbook
@dataclasses.dataclass
class PlaybookResult:
    returncode: int
    stdout: str
    stderr: str
    results: list  # one ``{"task", "host", "result"}`` per task result, from the json callback

    def task(self, name):
        """The result dict of the (last) task named ``name``."""
        found = [r["result"] for r in self.results if r["task"] == name]
        if not found:
            raise KeyError("no task named %r in %s" % (name, [r["task"] for r in self.results]))
        return found[-1]

    def check(self):
        assert self.returncode == 0, "ansible-playbook failed (%d):\n%s\n%s" % (self.returncode, self.stdout[-6000:], self.stderr[-3000:])
        return self


def collections_path():
    """Where ansible finds acm.submariner (build/, the checkout link) and kubernetes.core / amazon.aws (site-packages)."""
    return os.pathsep.join([str(REPO_ROOT / "build"), sysconfig.get_paths()["purelib"]])


def aws_env(lab):
    """The lab's EC2 endpoint, region and keys as its ``aws.env`` gives them: ``{"AWS_ENDPOINT_URL": ..., ...}``."""
    lines = (lab.state_dir / "aws.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def playbook_env(lab):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("K8S_AUTH_", "AWS_", "ANSIBLE_"))}
    env.pop("KUBECONFIG", None)
    tmpdir = pathlib.Path(lab.tmpdir)
    env.update(aws_env(lab))
    env.update({
        "TMPDIR": str(tmpdir),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
        "ANSIBLE_LOCAL_TEMP": str(tmpdir / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmpdir / "ansible-remote"),
        "ANSIBLE_HOME": str(tmpdir / "ansible-home"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "true",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    })
    return env


def run_playbook(lab, playbook, *, check=False, extra_vars=None, inventory=None, timeout=300):
    """Run ``ansible-playbook`` against the lab and return a PlaybookResult.

    ``playbook`` is a path or the YAML text of a playbook (plays default to ``hosts: localhost``).
    The plays get ``lab_kubeconfig`` (path) and ``lab_state_dir`` as extra vars, the AWS endpoint
    and keys in the environment, and run on the test's Python (``ansible_python_interpreter``).
    """
    tmpdir = pathlib.Path(lab.tmpdir)
    path = pathlib.Path(playbook) if "\n" not in str(playbook) and pathlib.Path(playbook).is_file() else None
    if path is None:
        handle, name = tempfile.mkstemp(prefix="playbook-", suffix=".yml", dir=tmpdir)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(textwrap.dedent(playbook))
        path = pathlib.Path(name)
    variables = {"lab_kubeconfig": str(lab.kubeconfig), "lab_state_dir": str(lab.state_dir), "ansible_python_interpreter": sys.executable}
    variables.update(extra_vars or {})
    command = [str(pathlib.Path(sys.executable).with_name("ansible-playbook")), str(path), "-e", json.dumps(variables)]
    command += ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
    if check:
        command.append("--check")
    completed = subprocess.run(command, cwd=REPO_ROOT, env=playbook_env(lab), capture_output=True, text=True, timeout=timeout, check=False)
    return PlaybookResult(completed.returncode, completed.stdout, completed.stderr, _task_results(completed.stdout))


def _task_results(stdout):
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


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(name="lab_factory", scope="session")
def lab_factory_fixture(tmp_path_factory):
    factory = LabFactory(tmp_path_factory.mktemp("labs"))
    yield factory
    factory.stop_all()


def uses_lab_factory(item):
    """Whether a test needs the factory's labs: it or one of its fixtures requests ``lab_factory``.

    Names are not enough: a module may define its own ``lab`` fixture (on ``mock_aws``), and every
    test's closure holds ``lab_factory`` through the autouse ``lab_isolation``.
    """
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    if "lab_factory" in info.argnames:
        return True
    return any(name != "lab_isolation" and definitions and "lab_factory" in definitions[-1].argnames
               for name, definitions in info.name2fixturedefs.items())


@pytest.fixture(name="lab_isolation", scope="module", autouse=True)
def lab_isolation_fixture(request, lab_factory):
    """Stop running labs before a module that does not use them (it may use mock_aws, which resets moto)."""
    module_items = [item for item in request.session.items if item.module is request.module]
    if not any(uses_lab_factory(item) for item in module_items):
        lab_factory.stop_all()
    yield


@pytest.fixture(name="lab")
def lab_fixture(lab_factory):
    """An acm-2.12 lab: hub + cluster1..2, EC2, controllers at time_scale 0."""
    return lab_factory.get("acm-2.12")


@pytest.fixture(name="lab_22")
def lab_22_fixture(lab_factory):
    """An acm-2.2 lab: hub + cluster1..2, EC2, controllers at time_scale 0."""
    return lab_factory.get("acm-2.2")


@pytest.fixture(name="run_playbook")
def run_playbook_fixture():
    """``run_playbook(lab, playbook, check=False, extra_vars=None, inventory=None) -> PlaybookResult``."""
    return run_playbook


def kubeconfig_contexts(lab):
    return [context["name"] for context in yaml.safe_load(lab.kubeconfig.read_text(encoding="utf-8"))["contexts"]]

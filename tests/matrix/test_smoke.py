"""Support-matrix smoke: the whole lifecycle on the lab with the ansible-core and collections of one combination.

``make matrix`` runs this once per combination of the README's "Supported versions" table, with
``MATRIX_NAME`` (its requirements/matrix-NAME.txt says what it must run), ``MATRIX_VENV`` (the
combination's venv: its ansible-playbook and Python) and ``MATRIX_COLLECTIONS`` (where its
kubernetes.core and amazon.aws are; empty: the venv's site-packages). The lab runs in
this process, on the main venv; the playbooks only meet it through the kubeconfig and EC2 endpoint.
"""

import json
import os
import pathlib
import re
import subprocess

import pytest

from tests.integration.test_site import CHECK_MODE_VERIFY, our_leftovers
from tests.lab.fixtures import REPO_ROOT, mutating_requests, playbook_env, without_run_lease

NAME = os.environ.get("MATRIX_NAME", "newest")
VENV = pathlib.Path(os.environ.get("MATRIX_VENV", REPO_ROOT / ".venv"))
COLLECTIONS = os.environ.get("MATRIX_COLLECTIONS", "")
HEADER = re.compile(r"^# (python|collection): (\S+?)(?:==(\S+) from .*)?$", re.M)
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$", re.M)
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def matrix_env(lab):
    """The lab's playbook environment, with Ansible finding collections only where the combination has them."""
    env = playbook_env(lab)
    # ansible.builtin.json is not in ansible-core 2.18: read the default callback's PLAY RECAP.
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
    if COLLECTIONS:
        env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([str(REPO_ROOT / "build"), COLLECTIONS])
        env["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "false"
    else:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO_ROOT / "build")
    return env


def ansible(lab, tool, *args):
    return subprocess.run([str(VENV / "bin" / tool), *args], cwd=REPO_ROOT, env=matrix_env(lab),
                          capture_output=True, text=True, timeout=1200, check=False)


def play(lab, playbook, *, check=False, extra_vars=None):
    """ansible-playbook of the combination on the lab's inventory: (returncode, changed per host, output)."""
    args = [playbook, "-i", str(lab.state_dir / "inventory.yml"), "--forks", "5",
            "-e", json.dumps({"verify_report_dir": str(lab.state_dir / "reports"), **(extra_vars or {})})]
    completed = ansible(lab, "ansible-playbook", *args, *(["--check"] if check else []))
    output = completed.stdout + completed.stderr
    changed = {host: int(count) for host, _ok, count, _unreachable, _failed in RECAP.findall(completed.stdout)}
    # Every host of the lab's inventory in the recap, or the counts below would prove nothing.
    assert sorted(changed) == ["aws-sub1", "aws-sub2", "hub"], output[-6000:]
    return completed.returncode, changed, output[-6000:]


@pytest.fixture(name="matrix_lab")
def matrix_lab_fixture(lab_factory):
    lab_factory.stop_all()
    lab = lab_factory.get("acm-2.12", clusters=2, overlap=False)
    yield lab
    lab_factory.stop_all()


def expected_versions():
    """What requirements/matrix-NAME.txt says the combination runs: {name: version}, python as X.Y."""
    text = (REPO_ROOT / "requirements" / ("matrix-%s.txt" % NAME)).read_text(encoding="utf-8")
    expected = {key if key == "python" else name: version or name for key, name, version in HEADER.findall(text)}
    expected.update({name.lower(): version for name, version in PIN.findall(text)})
    return expected


def test_versions_in_use(matrix_lab):
    """The combination runs exactly the versions its requirement file (and the README) names."""
    probe = ("import sys, importlib.metadata as m; print('python', '%d.%d' % sys.version_info[:2]);"
             "[print(n, m.version(n)) for n in sys.argv[1:]]")
    expected = expected_versions()
    packages = sorted(name for name in expected if "." not in name and name != "python")
    found = dict(line.split() for line in subprocess.run(
        [str(VENV / "bin" / "python"), "-c", probe, *packages], capture_output=True, text=True, check=True).stdout.splitlines())
    listing = ansible(matrix_lab, "ansible-galaxy", "collection", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    for collections in json.loads(listing.stdout).values():
        for name, info in collections.items():
            found.setdefault(name, info["version"])
    print("\nmatrix %s:" % NAME, ", ".join("%s %s" % (name, found.get(name)) for name in sorted(expected)))
    assert {name: found.get(name) for name in expected} == expected
    assert "acm.submariner" in found


def test_lifecycle(matrix_lab):
    """Plan, converge, converge again with 0 changed, plan again, verify, uninstall with 0 residue."""
    lab = matrix_lab
    mark = lab.requests.mark()
    code, _changed, output = play(lab, "site.yml", check=True, extra_vars=CHECK_MODE_VERIFY)
    assert code == 0, output
    assert mutating_requests(lab, mark) == []

    code, changed, output = play(lab, "site.yml")
    assert code == 0, output
    assert sum(changed.values()) > 0

    mark = lab.requests.mark()
    code, changed, output = play(lab, "site.yml")
    assert code == 0, output
    assert sum(changed.values()) == 0, changed
    code, changed, output = play(lab, "site.yml", check=True)
    assert code == 0, output
    assert sum(changed.values()) == 0, changed
    # The lease's take and release are run bookkeeping, not changes.
    assert without_run_lease(mutating_requests(lab, mark)) == []

    code, _changed, output = play(lab, "playbooks/verify.yml")
    assert code == 0, output

    code, _changed, output = play(lab, "playbooks/uninstall.yml")
    assert code == 0, output
    assert our_leftovers(lab) == []

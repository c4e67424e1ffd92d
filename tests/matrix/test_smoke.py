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

from tests.integration.least_privilege import WAITING_TIME_SCALE
from tests.integration.molecule_scenarios import assert_scenario_verified, run_scenario_verify, scenario_lab, scenario_vars
from tests.integration.test_site import addon_lifecycle
from tests.lab.fixtures import REPO_ROOT, playbook_env

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


def play(lab, playbook, *, check=False, extra_vars=None, inventory=None):
    """ansible-playbook of the combination on the lab's inventory (or ``inventory``): (returncode, changed per host, output)."""
    args = [playbook, "-i", str(inventory or lab.state_dir / "inventory.yml"), "--forks", "5",
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


def test_lifecycle(lab_factory, tmp_path):
    """The molecule scenario ``seed`` (ACM 2.2, the blog's names) as the least-privilege runner, with this combination:
    plan, converge, converge again with 0 changed, plan again, verify, the scenario's verify.yml, uninstall with 0 residue.

    tests/integration/test_site.py's addon_lifecycle; in make test the combination is the oldest, so ACM 2.2's
    addon lifecycle runs on the oldest ansible-core and collections and today's ACM on the newest (test_site_lifecycle).
    """
    lab_factory.stop_all()
    lab = scenario_lab(lab_factory, "seed", time_scale=WAITING_TIME_SCALE)

    def combination_play(playbook, check=False, extra_vars=None, inventory=None):
        code, changed, output = play(lab, playbook, check=check, extra_vars=extra_vars, inventory=inventory)
        return code, sum(changed.values()), output

    def scenario_verify(lab):
        completed = run_scenario_verify(lab, "seed", tmp_path, ansible_playbook=VENV / "bin" / "ansible-playbook", env=matrix_env(lab))
        assert_scenario_verified(completed, "seed")

    try:
        addon_lifecycle(lab, tmp_path, "acm-2.2", combination_play, site_vars=scenario_vars("seed"), before_uninstall=scenario_verify)
    finally:
        lab_factory.stop_all()

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each molecule scenario (extensions/molecule/) as one test: ``molecule test -s <scenario>``.

Every scenario starts and stops its own lab (create/destroy), so the scenarios are independent;
they are slow (site.yml, an idempotence run, verify and uninstall), hence the ``slow`` mark.
make test runs each scenario's lab options, variables, verify.yml and residue check inside the least-privilege
lifecycle that converges the same lab (molecule_scenarios.py), and molecule itself on ``default`` for what only
molecule runs: its syntax step, and create (lab, inventory, baseline) then destroy (uninstall, residue, lab down).
``make molecule`` runs ``molecule test`` for every scenario.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import sysconfig

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = sorted(path.parent.name for path in (REPO_ROOT / "extensions" / "molecule").glob("*/molecule.yml"))
TIMEOUT = 1800

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def molecule_env(home):
    """The venv first on PATH, the checkout as acm.submariner, no K8S_AUTH_/AWS_/KUBECONFIG from the caller."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("K8S_AUTH_", "AWS_", "ANSIBLE_", "MOLECULE_"))}
    env.pop("KUBECONFIG", None)
    env.update({
        "PATH": os.pathsep.join([str(pathlib.Path(sys.executable).parent), env.get("PATH", "")]),
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([str(REPO_ROOT / "build"), sysconfig.get_paths()["purelib"]]),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
        "ANSIBLE_HOME": str(home),
        "NO_COLOR": "1",
    })
    return env


def test_scenarios_are_found():
    assert SCENARIOS == ["default", "direct", "seed"]


# Each scenario starts its own lab: under pytest-xdist each is a group of its own (tests/conftest.py).
@pytest.mark.parametrize("scenario", [pytest.param(name, marks=pytest.mark.xdist_group("molecule-" + name)) for name in SCENARIOS])
def test_molecule_scenario(scenario, tmp_path):
    molecule(tmp_path, "test", "-s", scenario)


def molecule(tmp_path, *arguments, check=True):
    command = [str(pathlib.Path(sys.executable).with_name("molecule")), *arguments]
    completed = subprocess.run(command, cwd=REPO_ROOT, env=molecule_env(tmp_path / "ansible-home"), capture_output=True, text=True,
                               timeout=TIMEOUT, check=False)
    if check:
        assert completed.returncode == 0, "molecule %s failed (%d):\n%s\n%s" % (
            " ".join(arguments), completed.returncode, completed.stdout[-8000:], completed.stderr[-4000:])
    return completed.stdout + completed.stderr


def task_outcome(output, task):
    """How the default callback reported ``task`` (ok, changed, skipping, failed, fatal): the first outcome line
    after its ``TASK [...]`` header; None when the task never started."""
    lines = output.splitlines()
    header = "TASK [%s]" % task
    for index, line in enumerate(lines):
        if line.startswith(header):
            for following in lines[index + 1:]:
                word = following.split(":", 1)[0].strip()
                if word in ("ok", "changed", "skipping", "failed", "fatal"):
                    return word
                if following.startswith(("TASK [", "PLAY [", "RUNNING HANDLER")):
                    return None
    return None


@pytest.mark.xdist_group("molecule-default")
def test_molecule_syntax_create_and_destroy(tmp_path):
    """What make test leaves to molecule itself, on ``default``: the syntax step (every scenario's converge playbook is
    config.yml's), the create step (the lab, its inventory and the residue baseline) and the destroy step (uninstall,
    the residue check, the lab stopped). Destroy first, as ``molecule test`` does: molecule keeps its state outside
    the test, and a scenario it believes created would make create a no-op."""
    molecule(tmp_path, "destroy", "-s", "default")
    molecule(tmp_path, "syntax", "-s", "default")
    destroyed = None
    try:
        created = molecule(tmp_path, "create", "-s", "default")
        assert task_outcome(created, "Start the lab (hub, managed clusters, EC2 on loopback)") == "changed", created[-4000:]
        destroyed = molecule(tmp_path, "destroy", "-s", "default")
    finally:
        if destroyed is None:  # a create that failed half-way (destroy.yml itself stops the lab in an always: section)
            molecule(tmp_path, "destroy", "-s", "default", check=False)
    assert task_outcome(destroyed, "Run acm.submariner.uninstall against the lab") == "changed", destroyed[-4000:]
    assert task_outcome(destroyed, "Nothing of ours is left on the hub, the managed clusters and EC2") == "ok", destroyed[-4000:]
    assert task_outcome(destroyed, "Stop the lab and remove its state") == "changed", destroyed[-4000:]


def test_task_outcome_reads_the_default_callback():
    output = ("TASK [Ask] ***\nok: [localhost]\n\nTASK [Uninstall] ***\nskipping: [localhost]\n\n"
              "TASK [Stop] ***\nchanged: [localhost]\n\nTASK [Never] ***\n\nPLAY RECAP ***\n")
    assert [task_outcome(output, name) for name in ("Ask", "Uninstall", "Stop", "Never", "Absent")] == ["ok", "skipping", "changed", None, None]

# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each molecule scenario (extensions/molecule/) as one test: ``molecule test -s <scenario>``.

Every scenario starts and stops its own lab (create/destroy), so the scenarios are independent;
they are slow (site.yml, an idempotence run, verify and uninstall), hence the ``slow`` mark.
make test runs ``default`` here and the other scenarios' checks inside lifecycles (molecule_scenarios.py).
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
    command = [str(pathlib.Path(sys.executable).with_name("molecule")), "test", "-s", scenario]
    completed = subprocess.run(command, cwd=REPO_ROOT, env=molecule_env(tmp_path / "ansible-home"), capture_output=True, text=True,
                               timeout=TIMEOUT, check=False)
    assert completed.returncode == 0, "molecule test -s %s failed (%d):\n%s\n%s" % (
        scenario, completed.returncode, completed.stdout[-8000:], completed.stderr[-4000:])

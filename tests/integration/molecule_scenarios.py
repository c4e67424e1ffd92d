# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A molecule scenario's lab, variables and verify playbook, for the pytest lifecycles that carry its checks.

make test checks every scenario inside the least-privilege lifecycle that converges the same lab
(tests/integration/test_site.py: default; tests/matrix/test_smoke.py: seed; tests/integration/test_roles.py:
direct): on the scenario's lab options and variables, and with the scenario's own verify.yml, run here the way
molecule's verify step runs it, and its residue check. Molecule itself runs the syntax, create and destroy steps
of ``default`` in make test (tests/integration/test_molecule.py); ``make molecule`` runs all three scenarios.
"""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import subprocess
import sys

import yaml

from tests.lab.cli import up_options
from tests.lab.fixtures import aws_env, dump, playbook_env
from tests.lab.runtime import REPO_ROOT

SCENARIOS_DIR = REPO_ROOT / "extensions" / "molecule"


def scenario(name):
    """The scenario's vars/scenario.yml: lab_options, inventory_vars, expect."""
    return yaml.safe_load((SCENARIOS_DIR / name / "vars" / "scenario.yml").read_text(encoding="utf-8"))


def scenario_lab(lab_factory, name, **overrides):
    """A lab started with the scenario's lab_options (what its create step passes to ``python -m tests.lab up``)
    and ``overrides`` (LabOptions)."""
    options = dict(up_options(scenario(name)["lab_options"]), **overrides)
    return lab_factory.get(profile=options.pop("profile"), **options)


def scenario_vars(name):
    """The variables the scenario gives site.yml and uninstall.yml (its inventory_vars)."""
    return dict(scenario(name).get("inventory_vars") or {})


def run_scenario_verify(lab, name, directory, ansible_playbook=None, env=None):
    """Run extensions/molecule/NAME/verify.yml on ``lab`` as molecule's verify step does; return the CompletedProcess.

    The step's environment is molecule's (MOLECULE_EPHEMERAL_DIRECTORY holding ``lab`` and ``lab-inventory``
    as the scenario's create step leaves them, MOLECULE_SCENARIO_DIRECTORY, MOLECULE_PROJECT_DIRECTORY).
    """
    ephemeral = pathlib.Path(directory) / ("molecule-" + name)
    inventory = ephemeral / "lab-inventory"
    if ephemeral.exists():
        shutil.rmtree(ephemeral)
    inventory.mkdir(parents=True)
    (ephemeral / "lab").symlink_to(lab.state_dir, target_is_directory=True)
    shutil.copyfile(lab.state_dir / "inventory.yml", inventory / "lab.yml")
    aws = aws_env(lab)
    variables = dict(scenario_vars(name), acm_submariner_aws_endpoint_url=aws["AWS_ENDPOINT_URL"],
                     acm_submariner_aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
                     acm_submariner_aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
                     verify_report_dir=str(ephemeral / "report"))
    (inventory / "scenario.yml").write_text(yaml.safe_dump({"all": {"vars": variables}}), encoding="utf-8")
    env = dict(env or playbook_env(lab))
    env.update(MOLECULE_EPHEMERAL_DIRECTORY=str(ephemeral), MOLECULE_SCENARIO_DIRECTORY=str(SCENARIOS_DIR / name),
               MOLECULE_PROJECT_DIRECTORY=str(REPO_ROOT))
    command = [str(ansible_playbook or pathlib.Path(sys.executable).with_name("ansible-playbook")),
               str(SCENARIOS_DIR / name / "verify.yml"), "-i", str(inventory)]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def assert_scenario_verified(completed, name):
    assert completed.returncode == 0, "extensions/molecule/%s/verify.yml failed (%d):\n%s\n%s" % (
        name, completed.returncode, completed.stdout[-6000:], completed.stderr[-2000:])


def _residue_module():
    spec = importlib.util.spec_from_file_location("molecule_residue", SCENARIOS_DIR / "utils" / "residue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RESIDUE = _residue_module()
# What the least-privilege runner's setup adds (tests/integration/least_privilege.py), not the collection.
RUNNER_SETUP = ("acm-submariner-rbac", "ClusterRole acm-submariner-")


def leftovers_since(before, lab):
    """The scenarios' residue check (extensions/molecule/utils/residue.py): what the lab holds that the ``before``
    dump did not (objects, labels, annotations, security groups, rules, subnet tags, running instances), less the
    runner's own ServiceAccount and role bindings."""
    return [line for line in RESIDUE.residue(before, dump(lab)) if not any(part in line for part in RUNNER_SETUP)]

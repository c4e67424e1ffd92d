"""The lab's inventory, copied to an empty folder, drives the installed collection tarball with no environment.

What a new user does after `make build` and `ansible-galaxy collection install`: the inventory alone must
carry the kubeconfig and the EC2 endpoint (no AWS_*, K8S_AUTH_*, KUBECONFIG or ANSIBLE_* variables, no
ansible.cfg, not run from the checkout).
"""

import os
import pathlib
import shutil
import subprocess
import sys

from tests.integration.test_site import failure_messages
from tests.lab.fixtures import REPO_ROOT
from tests.reliability.state import clusterset_members

BIN = pathlib.Path(sys.executable).parent
CLUSTER_SET = "submariner"


def _clean_env(tmp_path, collections):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("K8S_AUTH_", "AWS_", "ANSIBLE_"))}
    env.pop("KUBECONFIG", None)
    # Only where the tarball went: kubernetes.core and amazon.aws come from the Python environment (scan_sys_path).
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_HOME=str(tmp_path / "ansible-home"), TMPDIR=str(tmp_path),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", HOME=str(tmp_path / "home"),
               AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"))
    return env


def _install_tarball(tmp_path, env):
    dist, collections = tmp_path / "dist", tmp_path / "collections"
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(dist), str(REPO_ROOT)],
                   cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    tarball = next(dist.glob("acm-submariner-*.tar.gz"))
    # --no-deps: the dependencies are installed in the Python environment and there is no network.
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(collections), str(tarball)],
                   cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    return collections


def test_copied_inventory_drives_installed_tarball(lab_factory, tmp_path):
    lab = lab_factory.get(profile="acm-2.12", clusters=2, overlap=False)
    collections = _install_tarball(tmp_path, _clean_env(tmp_path, tmp_path / "collections"))
    env = _clean_env(tmp_path, collections)
    work = tmp_path / "empty"
    work.mkdir()
    shutil.copy(lab.state_dir / "inventory.yml", work / "inventory.yml")

    completed = subprocess.run([str(BIN / "ansible-playbook"), "acm.submariner.site", "-i", "inventory.yml",
                                "-e", "acm_submariner_cluster_set=%s" % CLUSTER_SET],
                               cwd=work, env=env, capture_output=True, text=True, timeout=1200, check=False)

    assert completed.returncode == 0, failure_messages(completed.stdout + completed.stderr)
    assert clusterset_members(lab.dump(), CLUSTER_SET) == ["aws-sub1", "aws-sub2"]

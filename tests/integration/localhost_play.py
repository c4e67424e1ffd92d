"""Run a play on localhost with ansible-playbook, the collection from the checkout and an AWS endpoint."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The AWS modules take only the credentials a task gives them (no fallback to the environment): the plays
# give the keys of the environment they run in, as a user's play names its own.
_KEYS = {"access_key": "{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}",
         "secret_key": "{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}"}
AWS_MODULE_DEFAULTS = {"acm.submariner.aws_cloud_prepare": _KEYS, "acm.submariner.aws_cloud_prepare_info": _KEYS}
AWS_MODULE_DEFAULTS_YAML = """  module_defaults:
    acm.submariner.aws_cloud_prepare: &keys
      access_key: "{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}"
      secret_key: "{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}"
    acm.submariner.aws_cloud_prepare_info: *keys
"""


def aws_env(tmp_path: Path, endpoint: str, access_key: str, secret_key: str, region: str) -> dict:
    """ansible-playbook's environment: Ansible's folders under ``tmp_path`` and these AWS keys only."""
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "build"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-remote"),
        "ANSIBLE_NOCOLOR": "1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_REGION": region,
    }
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def command(playbook: Path) -> list:
    """ansible-playbook's argv for ``playbook`` on localhost with this Python."""
    return [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local",
            "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)]

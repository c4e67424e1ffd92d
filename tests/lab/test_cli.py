"""``python -m tests.lab``: up is idempotent, status/dump talk to the running lab, down stops it and removes its state."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.lab.runtime import REPO_ROOT

pytestmark = pytest.mark.slow


def lab_cli(*args, check=True):
    completed = subprocess.run([sys.executable, "-m", "tests.lab"] + list(args), cwd=REPO_ROOT, capture_output=True, text=True,
                               timeout=120, check=False)
    if check:
        assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def pid_alive(pid):
    """Running (a zombie waiting for a reaper that never comes, as in some containers, counts as stopped)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_up_status_dump_down(tmp_path):
    state = tmp_path / "state"
    common = ["--state-dir", str(state)]
    try:
        first = lab_cli("up", "--clusters", "1", "--time-scale", "0", "--profile", "acm-2.2", "--no-overlap", *common)
        pid = json.loads((state / "lab.json").read_text())["pid"]
        assert "hubcluster" in first.stdout and "cluster1" in first.stdout and pid_alive(pid)
        again = lab_cli("up", "--clusters", "1", *common)
        assert json.loads((state / "lab.json").read_text())["pid"] == pid and again.stdout == first.stdout
        other = lab_cli("up", "--profile", "acm-2.12", "--clusters", "1", "--overlap", *common, check=False)
        assert other.returncode == 2 and other.stdout == "", other.stdout + other.stderr
        assert "profile: running acm-2.2, asked acm-2.12" in other.stderr and "overlap: running False, asked True" in other.stderr
        assert "make lab-down" in other.stderr and "--no-overlap, --profile acm-2.2" in other.stderr
        assert json.loads((state / "lab.json").read_text())["pid"] == pid and pid_alive(pid)
        status = json.loads(lab_cli("status", *common).stdout)
        assert status["running"] and status["options"]["profile"] == "acm-2.2" and status["options"]["overlap"] is False
        dumped = json.loads(lab_cli("dump", *common).stdout)
        assert set(dumped["clusters"]) == {"hubcluster", "cluster1"} and dumped["ec2"]["vpcs"]
        inventory = yaml.safe_load((state / "inventory.yml").read_text())
        hosts = inventory["all"]["children"]["managed_clusters"]["hosts"]
        assert {host["acm_submariner_aws_endpoint_url"] for host in hosts.values()} == {json.loads((state / "lab.json").read_text())["aws_endpoint"]}
        for name in ("kubeconfig", "ca.crt", "aws.env", "inventory.yml", "lab.json", "requests.jsonl"):
            assert (state / name).is_file(), name
    finally:
        down = lab_cli("down", *common)
    assert "lab stopped" in down.stdout and not state.exists() and not pid_alive(pid)
    assert lab_cli("status", *common, check=False).returncode == 1

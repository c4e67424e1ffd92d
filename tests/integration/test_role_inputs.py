"""Role inputs: a missing value is reported as such, not as a crash of a default computed from it."""

import subprocess
import textwrap

from tests.integration.localhost_play import REPO, aws_env, command


def test_aws_prep_without_region_says_the_region_is_missing(tmp_path):
    """aws_prep_cluster without region: the role's own message, not "'dict' has no attribute 'region'"."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          roles:
            - role: acm.submariner.aws_prep
              aws_prep_hub: {cleanup_addon_driven: false, port_profile: current, default_gateway_instance_type: m5n.large}
              aws_prep_cluster: {infra_id: cluster1-x7k2p}
              aws_prep_cluster_name: cluster1
              aws_prep_mode: direct
        """), encoding="utf-8")
    env = aws_env(tmp_path, "http://127.0.0.1:9", "AKIDEXAMPLE", "secret", "eu-west-1")
    env.pop("AWS_REGION")
    completed = subprocess.run(command(playbook), cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert "has no attribute 'region'" not in output
    assert "cluster1: no AWS region" in output and "set acm_submariner_region" in output, output[-3000:]

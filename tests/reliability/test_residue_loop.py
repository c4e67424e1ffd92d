"""Converge + uninstall twice on the current profile with upstream finalizer semantics and no delay: nothing left, each time.

Twice: the first round starts from a fresh lab, the second from what the first uninstall left, which is where a residue
would show; a third round repeats the second (make test's time goes to other cases).

The 20-round version is ``python -m tests.reliability.residue_loop --iterations 20`` (see docs/roles.md).
"""

import io

import pytest

from tests.reliability import residue_loop

ITERATIONS = 2


@pytest.mark.converges
def test_site_then_uninstall_leaves_nothing_each_time(lab_factory, stop_labs_after):  # pylint: disable=unused-argument
    lab_factory.stop_all()
    options = dict(residue_loop.LAB_OPTIONS)
    lab = lab_factory.get(options.pop("profile"), **options)
    assert not lab.options.addon_finalizer_waits_for_spoke and lab.options.time_scale == 0
    report = io.StringIO()
    rounds = residue_loop.run_loop(lab, ITERATIONS, out=report)
    assert [tuple(round_) for round_ in rounds] == [([], [])] * ITERATIONS, report.getvalue()


def test_subnet_tags_the_runs_added_count_as_residue():
    before = {"subnets": [{"SubnetId": "subnet-1", "Tags": [{"Key": "Name", "Value": "a"}]}]}
    after = {"subnets": [{"SubnetId": "subnet-1", "Tags": [{"Key": "Name", "Value": "a"}, {"Key": "submariner.io/gateway", "Value": ""}]}]}
    assert residue_loop.subnet_tag_residue(before, after) == ["ec2: tag submariner.io/gateway on subnet subnet-1"]
    assert residue_loop.subnet_tag_residue(before, before) == []

"""Fixtures of the reliability suite: labs shaped so that site.yml converges (distinct CIDRs unless a case says otherwise)."""

import pytest

from tests.reliability import state

CONVERGING = {"overlap": False, "time_scale": 0.0}


@pytest.fixture(name="clean_lab")
def clean_lab_fixture(lab_factory):
    """An acm-2.12 lab with hub + 2 clusters whose networks do not overlap, as it started.

    The lab is shared by every test that asks for the same options, in any module on this pytest-xdist
    worker. One that another test left changed (objects or labels added or removed, EC2 resources left)
    is replaced by a new one, so that no test depends on the order the tests ran in.
    """
    lab = lab_factory.get("acm-2.12", **CONVERGING)
    if changes_since(lab.baseline, lab.dump()):
        lab_factory.stop_all()
        lab = lab_factory.get("acm-2.12", **CONVERGING)
    return lab


def changes_since(baseline, now):
    """What differs in ``now`` from ``baseline``: what was added (``state.residue``) and what was removed."""
    removed = sorted(set(state.objects(baseline)) - set(state.objects(now)))
    return state.residue(baseline, now) + ["removed %s: %s %s/%s" % key for key in removed]


@pytest.fixture(name="fresh_lab")
def fresh_lab_fixture(lab_factory):
    """A new acm-2.12 lab for a test that changes state (the next user of ``clean_lab`` gets a new one too)."""
    lab_factory.stop_all()
    return lab_factory.get("acm-2.12", **CONVERGING)


@pytest.fixture(name="stop_labs_after")
def stop_labs_after_fixture(lab_factory):
    """Stop the labs after a test that converged one, so no later test sees its state."""
    yield
    lab_factory.stop_all()


def pytest_configure(config):
    config.addinivalue_line("markers", "converges: converges a lab with site.yml at least once (minutes on a loaded 2-core machine)")

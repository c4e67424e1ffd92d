"""Fixtures of the reliability suite: labs shaped so that site.yml converges (distinct CIDRs unless a case says otherwise)."""

import pytest

CONVERGING = {"overlap": False, "time_scale": 0.0}


@pytest.fixture(name="clean_lab")
def clean_lab_fixture(lab_factory):
    """An acm-2.12 lab with hub + 2 clusters whose networks do not overlap (shared; cases must leave it as found)."""
    return lab_factory.get("acm-2.12", **CONVERGING)


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

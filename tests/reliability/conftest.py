"""Fixtures of the reliability suite: labs shaped so that site.yml converges (distinct CIDRs unless a case says otherwise)."""

import pytest

from tests.reliability import state

CONVERGING = {"overlap": False, "time_scale": 0.0}
RUN_LEASE_NAMESPACE = "acm-submariner"


@pytest.fixture(name="clean_lab")
def clean_lab_fixture(lab_factory):
    """An acm-2.12 lab with hub + 2 clusters whose networks do not overlap, as it started.

    The lab is shared by every test that asks for the same options, in any module on this pytest-xdist
    worker. One that another test left changed (objects or labels added or removed, a run lease held, EC2 changed)
    is replaced by a new one (``changes_since``), so that no test depends on the order the tests ran in.
    """
    lab = lab_factory.get("acm-2.12", **CONVERGING)
    if changes_since(lab.baseline, lab.dump()):
        lab_factory.stop_all()
        lab = lab_factory.get("acm-2.12", **CONVERGING)
    return lab


def changes_since(baseline, now):
    """What differs in ``now`` from ``baseline``: objects added or removed, labels changed, run leases taken
    (``state.objects`` leaves Leases out), and any change to EC2 (its normalised snapshot)."""
    old, new = state.objects(baseline), state.objects(now)
    found = ["added %s: %s %s/%s" % key for key in sorted(set(new) - set(old))]
    found += ["removed %s: %s %s/%s" % key for key in sorted(set(old) - set(new))]
    found += ["labels of %s: %s %s/%s" % key for key in sorted(set(old) & set(new)) if _labels(old[key]) != _labels(new[key])]
    found += ["run lease %s/%s" % key for key in sorted(_run_leases(now) - _run_leases(baseline))]
    if now["ec2"]["snapshot"] != baseline["ec2"]["snapshot"]:
        found.append("ec2 changed")
    return found


def _labels(item):
    return (item.get("metadata") or {}).get("labels") or {}


def _run_leases(dump):
    return {(context, (lease.get("metadata") or {}).get("name")) for context, kinds in dump["clusters"].items()
            for lease in kinds.get("coordination.k8s.io/Lease", []) if (lease.get("metadata") or {}).get("namespace") == RUN_LEASE_NAMESPACE}


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

"""Shared pytest fixtures: the in-process lab (tests/lab/fixtures.py, documented in docs/lab.md)."""

import pytest

try:
    from tests.lab.fixtures import (  # noqa: F401  pylint: disable=unused-import
        lab_22_fixture,
        lab_factory_fixture,
        lab_fixture,
        lab_isolation_fixture,
        run_playbook_fixture,
    )
except ImportError:  # pragma: no cover - e.g. ansible-test units, whose venv has neither the lab's packages nor `tests` on the path
    pass


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    """Keep each test module on one pytest-xdist worker under ``--dist loadgroup`` (``make test``).

    A module's tests share its module- and session-scoped labs, so splitting it would start and converge
    them twice. A long test that shares nothing names its own ``xdist_group`` and runs beside the others;
    a module whose tests each start what they use says so with ``XDIST_SPREAD = True``, and its tests are
    spread over the workers one by one (a long module would otherwise keep one worker busy to the end).
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None and not getattr(item.module, "XDIST_SPREAD", False):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))

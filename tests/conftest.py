"""Shared pytest fixtures: the in-process lab (tests/lab/fixtures.py, documented in docs/lab.md)."""

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

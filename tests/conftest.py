"""Shared pytest fixtures: the in-process lab (tests/lab/fixtures.py, documented in docs/lab.md)."""

from tests.lab.fixtures import (  # noqa: F401  pylint: disable=unused-import
    lab_22_fixture,
    lab_factory_fixture,
    lab_fixture,
    lab_isolation_fixture,
    run_playbook_fixture,
)

"""Module tests run module code as on a managed node."""

import pytest


@pytest.fixture(autouse=True)
def managed_node_context(monkeypatch):
    """A module runs in its own process, never inside the controller. Once any test in the session
    imports controller code (ansible.errors, a filter plugin, ...), ansible-core marks the process as
    the controller and AnsibleModule.warn() then goes to the controller's Display instead of the
    module result; undo that for module tests."""
    from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(_internal, "is_controller", False)

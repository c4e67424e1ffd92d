"""The lab fixtures' bookkeeping (tests/lab/fixtures.py): which modules keep the factory's labs running."""

import pytest

from tests.lab.fixtures import uses_lab_factory


@pytest.fixture(name="lab")
def module_lab_fixture():
    """A module-local ``lab`` (as test_machine_api.py defines one on mock_aws): not the factory's."""
    return "mock_aws lab"


@pytest.fixture(name="factory_user")
def factory_user_fixture(lab_factory):
    return lab_factory


def test_a_module_local_lab_fixture_does_not_need_the_factory(request, lab):
    assert lab == "mock_aws lab"
    assert not uses_lab_factory(request.node)


def test_requesting_the_factory_needs_it(request, lab_factory):
    assert lab_factory is not None and uses_lab_factory(request.node)


def test_a_fixture_requesting_the_factory_needs_it(request, factory_user):
    assert factory_user is not None and uses_lab_factory(request.node)

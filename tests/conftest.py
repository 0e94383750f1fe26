"""Fixtures shared by the case-work tests (back office, postbox, workflow)."""

import pytest

from rathaus.cases.tests.helpers import clerk_in_team, submitted_case


@pytest.fixture
def worker(musterstadt, dog_service):
    """A Musterstadt clerk in the team that handles the dog licence."""
    return clerk_in_team(musterstadt, dog_service, "sb@musterstadt.example")


@pytest.fixture
def case(dog_service, citizen):
    """A submitted dog-licence case of the citizen, in state "eingegangen"."""
    return submitted_case(dog_service, citizen)

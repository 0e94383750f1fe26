"""Essen with its real resident-parking areas and house coordinates, the resident-parking
service and a registration register with the citizen at an address inside a zone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rathaus.accounts.models import StaffRole
from rathaus.catalog.services import service_definition_publish
from rathaus.parking.demo import DEFINITION
from rathaus.parking.models import FeeModel, ParkingSettings
from rathaus.parking.testing import essen_resident
from rathaus.testing.factories import MunicipalityFactory, staff_user

ZONE = "Museum-Nord (II)"  # contains Admiral-Scheer-Str. 12


@pytest.fixture
def essen(db):
    return MunicipalityFactory(slug="essen", name="Essen", ags="05113000")


@pytest.fixture
def essen_zones(essen):
    from rathaus.geo.demo import seed_essen

    seed_essen(essen, [])
    return essen


@pytest.fixture
def parking_service(essen_zones):
    essen = essen_zones
    ParkingSettings.objects.create(
        municipality=essen,
        fee_model=FeeModel.LENGTH_BANDS,
        base_period_months=12,
        length_bands=[
            {"max_length": "4.109", "amount": "100.00"},
            {"max_length": "4.709", "amount": "110.00"},
            {"max_length": None, "amount": "120.00"},
        ],
        periods=[6, 12, 24],
        max_length_m=Decimal("5.600"),
    )
    version = service_definition_publish(
        municipality=essen, source=DEFINITION.read_text(), enable=True
    )
    return version.service


@pytest.fixture
def resident(essen):
    return essen_resident(essen)


@pytest.fixture
def essen_clerk(essen, parking_service):
    from rathaus.cases.tests.helpers import team_with

    user = staff_user(essen, StaffRole.CLERK, email="sb@essen.example")
    team_with(essen, parking_service, user, key="strassenverkehr")
    return user

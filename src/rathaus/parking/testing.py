"""Test helpers of the parking app: the resident the tests and the browser test apply as."""

from __future__ import annotations

from datetime import date
from typing import Any

from rathaus.core.models import Municipality
from rathaus.testing.factories import ProfileFactory, UserFactory

from .models import RegisteredResident


def essen_resident(municipality: Municipality) -> Any:
    """Erika Mustermann with an account whose profile address lies in Essen's zone "Museum-Nord"
    and with a main residence there in the municipality's registration register."""
    user = UserFactory(email="erika@example.org", first_name="Erika", last_name="Mustermann")
    ProfileFactory(
        user=user,
        street="Admiral-Scheer-Str. 12",
        postcode="45130",
        city="Essen",
        birth_date=date(1984, 8, 12),
    )
    RegisteredResident.objects.create(
        municipality=municipality,
        last_name="Mustermann",
        first_name="Erika Maria",
        birth_date=date(1984, 8, 12),
        street="Admiral-Scheer-Straße",
        house_number="12",
        postcode="45130",
    )
    return user

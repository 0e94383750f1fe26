"""Demo data for resident parking: the fee ordinance, the service, an imported registration
register with the demo citizen Erika Mustermann at an address inside an Essen zone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from rathaus.catalog.models import Service
from rathaus.core.models import Municipality

from .models import FeeModel, ParkingSettings, RegisteredResident, ResidenceStatus

DEFINITION = Path(__file__).resolve().parent / "definitions" / "bewohnerparken.yaml"

# Essen's demo ordinance uses length bands (the Köln model); Musterstadt a flat fee per year.
ORDINANCES: dict[str, dict[str, object]] = {
    "essen": {
        "fee_model": FeeModel.LENGTH_BANDS,
        "base_period_months": 12,
        "length_bands": [
            {"max_length": "4.109", "amount": "100.00"},
            {"max_length": "4.709", "amount": "110.00"},
            {"max_length": None, "amount": "120.00"},
        ],
        "periods": [6, 12, 24],
        "max_length_m": Decimal("5.600"),
        "ordinance": "Gebührenordnung für Bewohnerparkausweise der Stadt Essen (Demo)",
        "authority": "Stadt Essen – Straßenverkehrsbehörde",
    },
    "musterstadt": {
        "fee_model": FeeModel.FLAT,
        "flat_amount": Decimal("260.00"),
        "base_period_months": 12,
        "periods": [6, 12, 24],
        "max_length_m": Decimal("5.250"),
        "authority": "Stadt Musterstadt – Straßenverkehrsbehörde",
    },
}

# (last name, first names, birth date, street, number, postcode, residence)
RESIDENTS: dict[str, list[tuple[str, str, str, str, str, str, str]]] = {
    "essen": [
        ("Mustermann", "Erika", "1984-08-12", "Admiral-Scheer-Str.", "12", "45130", "main"),
        ("Gabler", "Max", "1979-03-02", "Admiral-Scheer-Str.", "14", "45130", "secondary"),
        ("Yilmaz", "Deniz", "1991-11-23", "Admiral-Scheer-Str.", "16", "45130", "main"),
    ],
    "musterstadt": [
        ("Mustermann", "Erika", "1984-08-12", "Lindenallee", "5", "33098", "main"),
    ],
}


def _has_zones(municipality: Municipality) -> bool:
    try:
        from rathaus.geo.models import Zone
    except ImportError:
        return False
    return bool(Zone.objects.of(municipality).exists())


def _team(municipality: Municipality, service: Service) -> None:
    """The road-traffic team with the municipality's demo staff (the core's demo teams are made
    before this hook runs)."""
    from rathaus.accounts.models import User
    from rathaus.cases.models import Team

    team, _ = Team.objects.get_or_create(
        municipality=municipality, key="strassenverkehr", defaults={"name": "Straßenverkehr"}
    )
    team.services.add(service)
    team.members.add(*User.objects.filter(memberships__municipality=municipality))


def seed(municipality: Municipality, lines: list[str]) -> None:
    from rathaus.catalog.services import service_definition_publish

    slug = municipality.slug
    if slug != "essen" and not (slug in ORDINANCES and _has_zones(municipality)):
        return
    if not ParkingSettings.objects.of(municipality).exists():
        ParkingSettings.objects.create(municipality=municipality, **ORDINANCES[slug])
    version = service_definition_publish(
        municipality=municipality, source=DEFINITION.read_text(), note="Demo", enable=True
    )
    _team(municipality, version.service)
    residents = RESIDENTS.get(slug, [])
    if residents and not RegisteredResident.objects.of(municipality).exists():
        RegisteredResident.objects.bulk_create(
            RegisteredResident(
                municipality=municipality,
                last_name=last,
                first_name=first,
                birth_date=date.fromisoformat(birth),
                street=street,
                house_number=number,
                postcode=postcode,
                residence=ResidenceStatus(residence),
                since=date(2020, 1, 1),
            )
            for last, first, birth, street, number, postcode, residence in residents
        )
    where = {
        "essen": "Admiral-Scheer-Str. 12, 45130 Essen",
        "musterstadt": "Lindenallee 5, 33098 Musterstadt",
    }[slug]
    lines.append(
        f"{municipality.name}: Bewohnerparken – Erika Mustermann ist im Melderegister unter "
        f"{where} gemeldet"
    )

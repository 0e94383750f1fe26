"""A complete XGewerbeanzeige notification for tests and the benchmark suite: every field
filled, so each field's presence (or absence) in a recipient's message can be checked."""

from __future__ import annotations

import datetime as dt

from .model import (
    Activity,
    Address,
    Business,
    Change,
    Closure,
    Contact,
    Gewerbeanzeige,
    IssuedDocument,
    Kind,
    Office,
    Permit,
    Person,
    PersonRole,
    RegisterEntry,
    ResidenceTitle,
    Successor,
)


def full_notification(kind: Kind = Kind.ANMELDUNG) -> Gewerbeanzeige:
    """Every field filled, so each field's presence in a message can be checked."""
    address = Address(street="Marktplatz", house_number="1", postcode="12345", city="Musterstadt")
    return Gewerbeanzeige(
        kind=kind,
        uuid="9b1c3a52-1111-4a99-98ae-b2b915708c1d",
        business_id="0c9003a6-5b4f-4a99-98ae-b2b915708c1d",
        message_number="2026 0001",
        municipality_key="05315000",
        office=Office(name="Gewerbeamt Musterstadt", ags="05315000"),
        created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        event_at=dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC),
        business=Business(
            registered_name="Salon Schnitt GmbH",
            trade_name="Salon Schnitt",
            legal_form="350",
            register_entry=RegisterEntry(
                kind="B", number="HRB 4711", court_key="R3306", court_place="Köln"
            ),
            public_participation=False,
            address=address,
            contacts=[Contact(channel="01", value="info@salon.example")],
            head_office=Address(
                street="Hauptstr.", house_number="2", postcode="50667", city="Köln"
            ),
            side_business=False,
            craft=True,
            trade=True,
            full_time_employees=2,
            part_time_employees=1,
            itinerant=False,
            craft_card=IssuedDocument(status="1", issued_by_name="HWK Köln"),
            permits=[Permit(legal_basis="§ 34c GewO", issued_by_name="Stadt Köln")],
        ),
        persons=[
            Person(
                role=PersonRole.GESETZLICHER_VERTRETER,
                family_name="Meier",
                first_names="Anna",
                doctor_title="Dr.",
                gender="2",
                birth_name="Schulz",
                birth_date=dt.date(1980, 5, 17),
                birth_place="Bonn",
                birth_country="Deutschland",
                nationalities=["000"],
                address=address,
                contacts=[Contact(channel="02", value="0221 1234")],
            ),
            Person(
                role=PersonRole.GESETZLICHER_VERTRETER,
                family_name="Pick",
                first_names="Tibor",
                gender="1",
                birth_date=dt.date(1965, 10, 12),
                birth_place="Santiago",
                birth_country="Chile",
                nationalities=["332"],
                address=address,
                residence_title=ResidenceTitle(status="1", issued_by_name="Stadt Köln"),
            ),
            Person(role=PersonRole.BETRIEBSLEITER, family_name="Leiter", first_names="Lea"),
        ],
        valid_from=dt.date(2026, 3, 1),
        reported_on=dt.date(2026, 3, 2),
        main_activity=Activity(text="Friseursalon", wz_code="96021", keyword="Friseur"),
        further_activities=[Activity(text="Onlinehandel mit Pflegeprodukten", wz_code="47911")],
        registration_reason="01" if kind == Kind.ANMELDUNG else "",
        change=Change(reasons=["01"]) if kind == Kind.UMMELDUNG else None,
        closure=(
            Closure(reason="04", cause="17", successor=Successor(name="Nachfolger GmbH"))
            if kind == Kind.ABMELDUNG
            else None
        ),
    )

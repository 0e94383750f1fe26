"""Demo data of the trade office: the services, the team, postcodes and a few register entries."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from rathaus.core.models import Municipality

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
SERVICE_KEYS = ["gewerbe-anmelden", "gewerbe-ummelden", "gewerbe-abmelden", "gewerbeauskunft"]

# Postcodes of the municipal area (for the business-address check without address register).
DEMO_POSTCODES = {
    "musterstadt": ["33098", "33100", "33102", "33104"],
    "beispieldorf": ["52146"],
    "essen": [
        "45127", "45128", "45130", "45131", "45133", "45134", "45136", "45138", "45139", "45141",
        "45143", "45144", "45145", "45147", "45149", "45219", "45239", "45257", "45259", "45276",
        "45277", "45279", "45289", "45307", "45309", "45326", "45327", "45329", "45355", "45356",
        "45357", "45359",
    ],
}  # fmt: skip


def publish_services(municipality: Municipality, *, enable: bool = True) -> None:
    from rathaus.catalog.services import service_definition_publish

    for key in SERVICE_KEYS:
        path = DEFINITIONS_DIR / f"{key}.yaml"
        if path.exists():
            service_definition_publish(
                municipality=municipality, source=path.read_text(), note="Gewerbeamt", enable=enable
            )


def seed(municipality: Municipality, lines: list[str]) -> None:
    from rathaus.accounts.models import StaffMembership
    from rathaus.cases.models import Team
    from rathaus.catalog.models import Service

    from .models import Business, TradeSettings

    publish_services(municipality)
    team, _ = Team.objects.get_or_create(
        municipality=municipality, key="gewerbeamt", defaults={"name": "Gewerbeamt"}
    )
    team.services.add(*Service.objects.of(municipality).filter(key__in=SERVICE_KEYS))
    staff = StaffMembership.objects.filter(municipality=municipality).values_list("user", flat=True)
    team.members.add(*staff)
    if municipality.slug in DEMO_POSTCODES:
        TradeSettings.objects.update_or_create(
            municipality=municipality, defaults={"postcodes": DEMO_POSTCODES[municipality.slug]}
        )
    if not Business.objects.of(municipality).exists():
        _demo_register(municipality)
    lines.append(f"{municipality.name}: Gewerbeamt unter /verwaltung/gewerbe/")


def _demo_register(municipality: Municipality) -> None:
    from rathaus.xgewerbe import model as xm

    from .services import register_apply

    postcode = (DEMO_POSTCODES.get(municipality.slug) or ["00000"])[0]
    today = dt.date.today()
    samples = [
        (
            "Bäckerei Korn e. K.",
            "411000",
            "Hauptstraße 3",
            "10710",
            "Bäckerei",
            "Korn",
            "Anton",
            400,
        ),
        ("", "412000", "Marktplatz 7", "96021", "Friseursalon", "Yilmaz", "Ayse", 120),
        (
            "Bytewerk GmbH",
            "221110",
            "Bahnhofstraße 21",
            "62019",
            "Softwareentwicklung",
            "Berg",
            "Lena",
            40,
        ),
    ]
    for name, legal, street, code, text, family, first, days_ago in samples:
        street_name, number = street.rsplit(" ", 1)
        register_apply(
            municipality=municipality,
            notification=xm.Gewerbeanzeige(
                kind=xm.Kind.ANMELDUNG,
                uuid=str(uuid.uuid4()),
                municipality_key=municipality.ags,
                business=xm.Business(
                    registered_name=name,
                    legal_form=legal,
                    address=xm.Address(
                        street=street_name,
                        house_number=number,
                        postcode=postcode,
                        city=municipality.name,
                    ),
                    trade=code.startswith("47"),
                    craft=code in ("10710", "96021"),
                    other=code == "62019",
                ),
                persons=[xm.Person(family_name=family, first_names=first, nationalities=["000"])],
                valid_from=today - dt.timedelta(days=days_ago),
                reported_on=today - dt.timedelta(days=days_ago),
                main_activity=xm.Activity(text=text, wz_code=code),
                registration_reason="01",
            ),
        )

"""Test helpers of the trade office (import in tests only): services, sample answers, submission."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from rathaus.applications.models import Application
from rathaus.applications.services import application_start, application_submit
from rathaus.catalog.definition import load_definition
from rathaus.catalog.models import Service
from rathaus.core.models import Municipality

from .models import TradeSettings
from .seed import publish_services


def trade_services(
    municipality: Municipality, postcodes: list[str] | None = None
) -> dict[str, Service]:
    publish_services(municipality)
    TradeSettings.objects.update_or_create(
        municipality=municipality, defaults={"postcodes": postcodes or ["33098", "33100"]}
    )
    return {s.key: s for s in Service.objects.of(municipality).filter(key__startswith="gewerbe")}


def _person(**extra: Any) -> dict[str, Any]:
    base = {
        "funktion": "3",
        "familienname": "Schneider",
        "vornamen": "Julia",
        "doktorgrad": None,
        "geschlecht": "2",
        "geburtsname": None,
        "geburtsdatum": "1985-04-02",
        "geburtsort": "Bielefeld",
        "geburtsland": "Deutschland",
        "herkunft": "de",
        "anschrift": {"street": "Lindenallee 5", "postcode": "33098", "city": "Musterstadt"},
        "telefon": "05251 123456",
        "email": None,
    }
    base.update(extra)
    return base


def gmbh_answers() -> dict[str, Any]:
    """A GmbH with two managing directors (one a Turkish national with a settlement permit)
    registers a hair salon with online sales of care products."""
    start = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    return {
        "betrieb": {
            "rechtsform": "221110",
            "name": "Schnittpunkt Haar & Pflege GmbH",
            "register_art": "HRB",
            "registergericht": "Amtsgericht Paderborn",
            "registernummer": "HRB 12345",
            "oeffentliche_hand": "nein",
        },
        "personen": {
            "personen": [
                _person(),
                _person(
                    familienname="Yıldız",
                    vornamen="Mehmet",
                    geschlecht="1",
                    geburtsdatum="1979-11-20",
                    geburtsort="Izmir",
                    geburtsland="Türkei",
                    herkunft="drittstaat",
                    staatsangehoerigkeit="türkisch",
                    aufenthaltstitel_art="niederlassungserlaubnis",
                    aufenthaltstitel_behoerde="Ausländerbehörde Musterstadt",
                    aufenthaltstitel_datum="2015-06-01",
                    aufenthaltstitel_gueltig_bis=None,
                    selbstaendig_erlaubt="ja",
                    anschrift={"street": "Kirchweg 2", "postcode": "33100", "city": "Musterstadt"},
                ),
            ]
        },
        "betriebsstaette": {
            "geschaeftsbezeichnung": "Salon Schnittpunkt",
            "anschrift": {"street": "Marktplatz 3", "postcode": "33098", "city": "Musterstadt"},
            "telefon": "05251 777777",
            "email": None,
            "internet": None,
            "niederlassung": "1",
            "automatenaufsteller": False,
            "reisegewerbe": False,
        },
        "taetigkeit": {
            "beschreibung": "Friseursalon",
            "wz_code": "96.02.1",
            "weitere": [
                {"beschreibung": "Onlinehandel mit Haarpflegeprodukten", "wz_code": "47.91.9"}
            ],
            "nebenerwerb": "nein",
            "beginn": start,
            "beginn_bestaetigt": False,
            "betriebsart": ["handwerk", "handel"],
            "vollzeit": 2,
            "teilzeit": 1,
        },
        "grund": {"grund": "01"},
        "erlaubnisse": {
            "erlaubnis": "nein",
            "handwerksrolle": "eingetragen",
            "handwerkskammer": "Handwerkskammer Ostwestfalen-Lippe zu Bielefeld",
            "handwerkskarte_datum": "2024-01-15",
        },
        "abschluss": {"email": "julia.schneider@example.org", "erklaerung": True},
    }


def sole_trader_answers() -> dict[str, Any]:
    answers = gmbh_answers()
    answers["betrieb"] = {"rechtsform": "412000", "oeffentliche_hand": "nein"}
    answers["personen"] = {"personen": [_person(funktion="1")]}
    return answers


def closure_answers(days_ago: int = 3) -> dict[str, Any]:
    answers = copy.deepcopy(gmbh_answers())
    answers["betrieb"]["betriebsnummer"] = None
    taetigkeit = answers["taetigkeit"]
    taetigkeit.pop("beginn")
    taetigkeit.pop("beginn_bestaetigt")
    for entry in answers["personen"]["personen"]:
        for key in list(entry):
            if key.startswith(("aufenthaltstitel", "selbstaendig", "auflagen")):
                entry.pop(key)
    answers["betriebsstaette"].pop("automatenaufsteller")
    answers["betriebsstaette"].pop("reisegewerbe")
    answers.pop("grund")
    answers.pop("erlaubnisse")
    answers["aufgabe"] = {
        "datum": (dt.date.today() - dt.timedelta(days=days_ago)).isoformat(),
        "grund": "aufgabe",
        "ursache": "04",
    }
    return answers


def submit(service: Service, answers: dict[str, Any], applicant: Any = None) -> Application:
    """Store ``answers`` as a complete draft and submit it through the real submission path."""
    application = application_start(service=service, applicant=applicant)
    definition = load_definition(application.definition_version)
    application.data = answers
    application.completed_steps = [s.key for s in definition.steps]
    application.save(update_fields=["data", "completed_steps"])
    return application_submit(application=application, actor=applicant)


def pay(application: Application, staff: Any) -> None:
    """Book the case fee as staff would book an incoming bank transfer."""
    from rathaus.payments.models import Payment
    from rathaus.payments.services import payment_mark_paid

    payment = Payment.objects.get(case=application.case)
    payment_mark_paid(payment=payment, provider_reference="Kontoauszug 1/2026", actor=staff)

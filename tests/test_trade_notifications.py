"""The trade office: GewA1/2/3 rules, fees, automatic receipt certificate, register, events."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from rathaus.applications.formengine import step_validate_stored
from rathaus.applications.services import application_validate
from rathaus.cases.models import CaseState, Outcome
from rathaus.catalog.definition import load_definition
from rathaus.catalog.services import service_update_settings
from rathaus.core.errors import RathausError
from rathaus.integrations.domain_events import domain_event
from rathaus.records.models import Document
from rathaus.testing.tasks import tasks_run
from rathaus.trade import wz
from rathaus.trade.models import Business, BusinessEvent
from rathaus.trade.testing import (
    closure_answers,
    gmbh_answers,
    pay,
    sole_trader_answers,
    submit,
    trade_services,
)
from rathaus.xgewerbe.models import Delivery
from rathaus.xgewerbe.seed import seed_recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(musterstadt):
    return trade_services(musterstadt)


def step_errors(service, answers: dict[str, Any], step_key: str, municipality) -> str:
    """All error texts of one step validated as if posted (field rules + the plugin validator)."""
    definition = load_definition(service.current_version)
    step = definition.step(step_key)
    earlier: dict[str, Any] = {}
    for s in definition.steps:
        if s.key == step_key:
            break
        earlier[s.key] = answers.get(s.key) or {}
    form = step_validate_stored(
        definition=definition,
        step=step,
        answers=earlier,
        values=answers[step_key],
        uploads={},
        municipality=municipality,
    )
    form.is_valid()
    return " ".join(message for _anchor, _label, message in form.error_entries())


@pytest.fixture
def events_seen():
    seen: list[dict[str, Any]] = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    domain_event.connect(receiver, weak=False)
    yield seen
    domain_event.disconnect(receiver)


# --- WZ search --------------------------------------------------------------------------------


def test_wz_search_finds_everyday_words():
    assert wz.search("Friseur")[0].code == "96021"
    assert wz.search("Onlinehandel mit Kleidung")[0].code == "47911"
    assert wz.search("Kiosk")[0].code in {"47260", "47621", "47111"}
    assert wz.search("96.02.1")[0].title == "Frisörsalons"
    assert wz.normalise("96.02.1") == wz.normalise("96021") == "96021"
    assert wz.search("") == []
    assert len(wz.classes()) == 839


@pytest.mark.parametrize(
    "text", ["Handel mit Waren aller Art", "Dienstleistungen aller Art", "Handel", "diverse Waren"]
)
def test_vague_activities_are_recognised(text):
    assert wz.is_vague(text)


def test_precise_activity_is_not_vague():
    assert not wz.is_vague("Einzelhandel mit Damenbekleidung")


def test_wz_search_endpoint_json_and_html(client, musterstadt):
    response = client.get("/m/musterstadt/gewerbe/wz-suche/?q=Friseur&format=json")
    assert response.status_code == 200
    assert response.json()["results"][0]["display"] == "96.02.1"
    assert response.json()["results"][0]["craft"] == "Friseure"
    page = client.get("/m/musterstadt/gewerbe/wz-suche/?q=Bewachung")
    assert page.status_code == 200
    assert "80.10.0" in page.content.decode()
    assert "§ 34a GewO" in page.content.decode()
    vague = client.get("/m/musterstadt/gewerbe/wz-suche/?q=Waren+aller+Art&format=json")
    assert vague.json()["vague"] is True


# --- step rules -------------------------------------------------------------------------------


def test_valid_gmbh_passes_every_step(services, musterstadt):
    service = services["gewerbe-anmelden"]
    answers = gmbh_answers()
    for step in load_definition(service.current_version).steps:
        assert step_errors(service, answers, step.key, musterstadt) == "", step.key


def test_unknown_wz_code_is_refused(services, musterstadt):
    answers = gmbh_answers()
    answers["taetigkeit"]["wz_code"] = "99.99.9"
    errors = step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt)
    assert "kein Schlüssel der WZ 2008" in errors


def test_missing_wz_code_gets_suggestions(services, musterstadt):
    answers = gmbh_answers()
    answers["taetigkeit"]["wz_code"] = None
    errors = step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt)
    assert "96.02.1 Frisörsalons" in errors


def test_vague_activity_is_refused_with_help(services, musterstadt):
    answers = gmbh_answers()
    answers["taetigkeit"]["beschreibung"] = "Handel mit Waren aller Art"
    errors = step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt)
    assert "zu allgemein" in errors and "Damenbekleidung" in errors
    answers = gmbh_answers()
    answers["taetigkeit"]["weitere"][0]["beschreibung"] = "Dienstleistungen aller Art"
    errors = step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt)
    assert "Weitere Tätigkeit 1" in errors


def test_register_number_without_court_is_refused(services, musterstadt):
    answers = gmbh_answers()
    answers["betrieb"]["registergericht"] = None
    errors = step_errors(services["gewerbe-anmelden"], answers, "betrieb", musterstadt)
    assert "Zu einer Registernummer gehört das Registergericht" in errors


def test_unknown_court_and_missing_register_entry_are_refused(services, musterstadt):
    answers = gmbh_answers()
    answers["betrieb"]["registergericht"] = "Amtsgericht Atlantis"
    errors = step_errors(services["gewerbe-anmelden"], answers, "betrieb", musterstadt)
    assert "kein Registergericht" in errors
    answers = gmbh_answers()
    answers["betrieb"].update(registernummer=None, registergericht=None, register_art=None)
    errors = step_errors(services["gewerbe-anmelden"], answers, "betrieb", musterstadt)
    assert "Handelsregister Abteilung B vorgeschrieben" in errors
    answers["betrieb"]["rechtsform"] = "340000"  # GmbH in Gründung
    assert step_errors(services["gewerbe-anmelden"], answers, "betrieb", musterstadt) == ""


def test_minor_without_family_court_approval_is_refused(services, musterstadt):
    answers = sole_trader_answers()
    minor = (dt.date.today() - dt.timedelta(days=365 * 16)).isoformat()
    answers["personen"]["personen"][0]["geburtsdatum"] = minor
    errors = step_errors(services["gewerbe-anmelden"], answers, "personen", musterstadt)
    assert "Familiengerichts" in errors


def test_persons_must_fit_the_legal_form(services, musterstadt):
    answers = gmbh_answers()
    for person in answers["personen"]["personen"]:
        person["funktion"] = "1"
    errors = step_errors(services["gewerbe-anmelden"], answers, "personen", musterstadt)
    assert "gesetzlichen Vertreter" in errors


def test_nationality_must_match_the_choice(services, musterstadt):
    answers = gmbh_answers()
    answers["personen"]["personen"][1]["herkunft"] = "eu"
    errors = step_errors(services["gewerbe-anmelden"], answers, "personen", musterstadt)
    assert "Türkei gehört nicht zur EU" in errors


def test_business_address_outside_municipality_is_refused(services, musterstadt):
    answers = gmbh_answers()
    answers["betriebsstaette"]["anschrift"] = {
        "street": "Domplatz 1",
        "postcode": "48143",
        "city": "Münster",
    }
    errors = step_errors(services["gewerbe-anmelden"], answers, "betriebsstaette", musterstadt)
    assert "gehört nicht zu Musterstadt" in errors


def test_far_future_start_must_be_confirmed(services, musterstadt):
    answers = gmbh_answers()
    answers["taetigkeit"]["beginn"] = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    errors = step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt)
    assert "mehr als drei Monate" in errors
    answers["taetigkeit"]["beginn_bestaetigt"] = True
    assert step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt) == ""


def test_permit_needed_for_security_services(services, musterstadt):
    answers = gmbh_answers()
    answers["taetigkeit"]["weitere"] = [{"beschreibung": "Bewachung", "wz_code": "80.10.0"}]
    errors = step_errors(services["gewerbe-anmelden"], answers, "erlaubnisse", musterstadt)
    assert "§ 34a GewO" in errors


def test_craft_must_be_marked_as_craft(services, musterstadt):
    answers = gmbh_answers()
    answers["taetigkeit"]["betriebsart"] = ["handel"]
    errors = step_errors(services["gewerbe-anmelden"], answers, "taetigkeit", musterstadt)
    assert "zulassungspflichtiges Handwerk" in errors


def test_closure_date_more_than_four_weeks_back_is_refused(services, musterstadt):
    service = services["gewerbe-abmelden"]
    errors = step_errors(service, closure_answers(days_ago=40), "aufgabe", musterstadt)
    assert "mehr als vier Wochen" in errors
    assert step_errors(service, closure_answers(days_ago=10), "aufgabe", musterstadt) == ""


def test_submission_revalidates_stored_answers(services, musterstadt, citizen):
    answers = gmbh_answers()
    answers["taetigkeit"]["wz_code"] = "12345"
    with pytest.raises(RathausError) as error:
        submit(services["gewerbe-anmelden"], answers, citizen)
    assert error.value.details["step"] == "taetigkeit"


# --- fees -------------------------------------------------------------------------------------


def test_fees_follow_the_ordinance(services, citizen):
    sole = submit(services["gewerbe-anmelden"], sole_trader_answers(), citizen)
    assert sole.fee_amount == Decimal("26.00")
    gmbh = submit(services["gewerbe-anmelden"], gmbh_answers(), citizen)
    assert gmbh.fee_amount == Decimal("44.00")  # 31 € + 13 € for the second director
    closure = submit(services["gewerbe-abmelden"], closure_answers(), citizen)
    assert closure.fee_amount == Decimal("0.00")


def test_fees_are_set_per_municipality(services, beispieldorf, citizen):
    service = services["gewerbe-anmelden"]
    service_update_settings(
        service=service,
        actor=None,
        fee_amounts=[Decimal("30"), Decimal("40"), Decimal("15")],
    )
    service.refresh_from_db()
    assert submit(service, gmbh_answers(), citizen).fee_amount == Decimal("55.00")
    other = trade_services(beispieldorf, postcodes=["33098", "33100"])["gewerbe-anmelden"]
    assert submit(other, gmbh_answers(), citizen).fee_amount == Decimal("44.00")


# --- processing -------------------------------------------------------------------------------


def test_complete_notification_gets_receipt_and_register_entry(
    services, citizen, clerk, musterstadt, events_seen, settings, tmp_path, monkeypatch
):
    settings.VAR_DIR = tmp_path
    seed_recipients(musterstadt, [])
    application = submit(services["gewerbe-anmelden"], gmbh_answers(), citizen)
    case = application.case
    assert case.state == CaseState.RECEIVED  # the certificate waits for the fee
    assert not Business.objects.exists()
    from rathaus.cases import services as case_services

    original_notice_render = case_services.notice_render
    numbers_when_rendered = []

    def notice_render(**kwargs):
        # the certificate shows the business number: the entry exists when it is rendered
        numbers_when_rendered.extend(Business.objects.values_list("number", flat=True))
        return original_notice_render(**kwargs)

    monkeypatch.setattr(case_services, "notice_render", notice_render)
    pay(application, clerk)
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED and case.outcome == Outcome.GRANTED
    assert case.decided_automatically
    assert tasks_run() >= 1  # the worker renders the certificate
    notice = Document.objects.get(file__case=case, kind=Document.Kind.NOTICE)
    assert notice.title.startswith("Empfangsbestätigung nach § 15 Abs. 1 GewO")
    content = notice.versions.get().content.open("rb").read()
    assert content.startswith(b"%PDF")
    business = Business.objects.get(municipality=case.municipality)
    assert numbers_when_rendered == [business.number]
    assert business.name == "Schnittpunkt Haar & Pflege GmbH"
    assert business.main_wz == "96021" and business.wz_codes == ["96021", "47919"]
    assert business.persons == ["Julia Schneider", "Mehmet Yıldız"]
    event = BusinessEvent.objects.get(business=business)
    assert event.case == case and event.wz_section == "S" and event.reason == "01"
    types = [e["type"] for e in events_seen]
    assert "trade.notification_received" in types and "trade.register_changed" in types
    groups = set(Delivery.objects.filter(case=case).values_list("recipient__group", flat=True))
    # a craft business with a non-EU director: chamber of crafts and foreigners' authority too
    assert {"hwk", "ihk", "finanzamt", "auslaenderbehoerde"} <= {g.lower() for g in groups}
    xml = {d.group: d.xml for d in Delivery.objects.filter(case=case)}
    assert "02041985" in xml["ihk"]  # birth date (Nr. 8) goes to the chamber
    assert "02041985" not in xml["eichbehoerde"]  # but not to weights and measures
    assert "96021" in xml["eichbehoerde"]


def test_doubtful_notification_goes_to_a_clerk_with_reasons(services, citizen):
    answers = gmbh_answers()
    answers["personen"]["personen"][1]["selbstaendig_erlaubt"] = "nein"
    answers["taetigkeit"]["weitere"] = [{"beschreibung": "Wachdienst", "wz_code": "80.10.0"}]
    answers["erlaubnisse"]["erlaubnis"] = "beantragt"
    application = submit(services["gewerbe-anmelden"], answers, citizen)
    case = application.case
    assert case.state == CaseState.RECEIVED
    failed = {r["key"]: r["message"] for r in application.check_results if not r["passed"]}
    assert "Mehmet Yıldız" in failed["aufenthaltstitel"]
    assert "§ 34a GewO" in failed["erlaubnisse"]
    assert not Business.objects.exists()


def test_change_and_closure_update_the_register(services, citizen, clerk):
    pay(submit(services["gewerbe-anmelden"], gmbh_answers(), citizen), clerk)
    business = Business.objects.get()
    closure = closure_answers()
    application = submit(services["gewerbe-abmelden"], closure, citizen)
    assert application.case.state == CaseState.DECIDED
    business.refresh_from_db()
    assert business.status == Business.Status.CLOSED
    assert business.closed_on == dt.date.fromisoformat(closure["aufgabe"]["datum"])
    assert [e.kind for e in business.events.order_by("pk")] == ["anmeldung", "abmeldung"]


def test_change_notification_finds_the_business_by_number(services, citizen, clerk):
    pay(submit(services["gewerbe-anmelden"], gmbh_answers(), citizen), clerk)
    business = Business.objects.get()
    answers = copy.deepcopy(gmbh_answers())
    for step in ("grund", "erlaubnisse"):
        answers.pop(step)
    answers["taetigkeit"].pop("beginn")
    answers["taetigkeit"].pop("beginn_bestaetigt")
    answers["betrieb"]["betriebsnummer"] = business.number
    answers["betriebsstaette"]["anschrift"] = {
        "street": "Bahnhofstraße 9",
        "postcode": "33100",
        "city": "Musterstadt",
    }
    answers["aenderung"] = {
        "gruende": ["verlegung"],
        "datum": dt.date.today().isoformat(),
        "alte_anschrift": {"street": "Marktplatz 3", "postcode": "33098", "city": "Musterstadt"},
    }
    application = submit(services["gewerbe-ummelden"], answers, citizen)
    pay(application, clerk)
    application.case.refresh_from_db()
    assert application.case.state == CaseState.DECIDED
    business.refresh_from_db()
    assert business.street == "Bahnhofstraße 9" and business.status == Business.Status.ACTIVE
    assert business.events.count() == 2


def test_validated_answers_map_to_the_xgewerbe_model(services, musterstadt, citizen):
    from rathaus.trade.notification import answers_from_notification, notification_from_answers

    application = submit(services["gewerbe-anmelden"], gmbh_answers(), citizen)
    answers = application_validate(application=application).answers
    n = notification_from_answers(kind="anmeldung", answers=answers, municipality=musterstadt)
    assert n.business.register_entry.kind == "B"
    assert n.business.register_entry.court_key == "R2809"  # Amtsgericht Paderborn
    assert n.persons[1].nationalities == ["163"] and n.has_non_eu_person
    assert n.persons[1].residence_title.self_employment_allowed is True
    assert n.business.representatives_count == 2
    assert n.main_activity.wz_code == "96021"
    back = answers_from_notification(n)
    assert back["taetigkeit"]["wz_code"] == "96.02.1"
    assert back["personen"]["personen"][1]["herkunft"] == "drittstaat"


def _relocated(answers: dict[str, Any]) -> dict[str, Any]:
    answers = copy.deepcopy(answers)
    answers["grund"] = {
        "grund": "02",
        "fruehere_anschrift": {
            "street": "Alter Markt 1",
            "postcode": "33602",
            "city": "Bielefeld",
        },
        "frueheres_amt": "Bielefeld",
    }
    return answers


def test_relocation_is_reported_to_the_previous_trade_office(
    services, citizen, clerk, musterstadt, settings, tmp_path
):
    from rathaus.xgewerbe.models import Recipient

    settings.VAR_DIR = tmp_path
    seed_recipients(musterstadt, [])
    # without the old office in the directory, a clerk is asked to add it before deciding
    application = submit(services["gewerbe-anmelden"], _relocated(gmbh_answers()), citizen)
    pay(application, clerk)
    case = application.case
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED
    [failed] = [r for r in case.application.check_results if not r["passed"]]
    assert failed["key"] == "bisheriges_amt" and "Bielefeld" in failed["message"]
    assert not Delivery.objects.filter(group="gewerbeamt").exists()

    # with it, the full registration goes there with the decision — and only there
    Recipient.objects.create(
        municipality=musterstadt,
        authority="Gewerbeamt Bielefeld",
        group="gewerbeamt",
        transport=Recipient.Transport.DROPFOLDER,
        address=str(tmp_path / "bielefeld"),
    )
    Recipient.objects.create(
        municipality=musterstadt,
        authority="Gewerbeamt Gütersloh",
        group="gewerbeamt",
        transport=Recipient.Transport.DROPFOLDER,
        address=str(tmp_path / "guetersloh"),
    )
    second = submit(services["gewerbe-anmelden"], _relocated(gmbh_answers()), citizen)
    pay(second, clerk)
    second.case.refresh_from_db()
    assert second.case.state == CaseState.DECIDED
    [delivery] = Delivery.objects.filter(case=second.case, group="gewerbeamt")
    assert delivery.recipient.authority == "Gewerbeamt Bielefeld"
    assert "02041985" in delivery.xml  # the full registration, birth date included
    # an ordinary registration (no relocation) tells no trade office
    third = submit(services["gewerbe-anmelden"], gmbh_answers(), citizen)
    pay(third, clerk)
    assert not Delivery.objects.filter(case=third.case, group="gewerbeamt").exists()

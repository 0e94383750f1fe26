"""A GmbH with two managing directors, one a non-EU national, registers a hair salon with online
sales of care products; the fee is booked by staff; the certificate arrives in the postbox; the
clerk sees the case decided and the messages to the recipient authorities are queued."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from playwright.sync_api import expect

from rathaus.accounts.testing import login_citizen
from rathaus.cases.models import Case, CaseState
from rathaus.payments.models import Payment
from rathaus.payments.services import payment_mark_paid
from rathaus.testing.tasks import tasks_run
from rathaus.trade.models import Business
from rathaus.trade.testing import trade_services
from rathaus.xgewerbe.models import Delivery
from rathaus.xgewerbe.seed import seed_recipients

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _plain_http(live_server, settings):
    settings.SECURE_SSL_REDIRECT = False
    handler = live_server.thread.httpd.get_app()
    while hasattr(handler, "application"):
        handler = handler.application
    handler.load_middleware()


def _page(new_context, live_server, client: Client):
    context = new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def _person(page, i: int, **values: str) -> None:
    for key, value in values.items():
        page.fill(f'[name="personen-{i}-{key}"]', value)


def test_gmbh_registers_hair_salon(
    new_context, live_server, musterstadt, citizen, clerk, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    trade_services(musterstadt)
    seed_recipients(musterstadt, [])
    from rathaus.trade.seed import seed

    seed(musterstadt, [])  # team "gewerbeamt" with the municipality's staff
    client = Client()
    login_citizen(client, citizen)
    page = _page(new_context, live_server, client)
    base = f"{live_server.url}/m/musterstadt"

    page.goto(f"{base}/leistungen/gewerbe-anmelden/")
    page.get_by_role("button", name="Online beantragen").click()
    # Betrieb und Rechtsform
    page.select_option('[name="rechtsform"]', "221110")
    page.fill('[name="name"]', "Schnittpunkt Haar & Pflege GmbH")
    page.select_option('[name="register_art"]', "HRB")
    page.fill('[name="registergericht"]', "Paderborn")
    page.fill('[name="registernummer"]', "HRB 4711")
    page.check('[name="oeffentliche_hand"][value="nein"]')
    page.get_by_role("button", name="Weiter").last.click()

    # Personen: two managing directors
    page.wait_for_selector('[name="personen-0-familienname"]')
    page.select_option('[name="personen-0-funktion"]', "3")
    _person(page, 0, familienname="Schneider", vornamen="Julia", geburtsdatum="1985-04-02")
    _person(page, 0, geburtsort="Bielefeld", geburtsland="Deutschland", telefon="05251 123456")
    page.check('[name="personen-0-geschlecht"][value="2"]')
    page.check('[name="personen-0-herkunft"][value="de"]')
    _person(page, 0, anschrift__street="Lindenallee 5", anschrift__postcode="33098")
    _person(page, 0, anschrift__city="Musterstadt")
    page.click('button[value="add:personen"]')
    page.wait_for_selector('[name="personen-1-familienname"]')
    page.select_option('[name="personen-1-funktion"]', "3")
    _person(page, 1, familienname="Yıldız", vornamen="Mehmet", geburtsdatum="1979-11-20")
    _person(page, 1, geburtsort="Izmir", geburtsland="Türkei", telefon="05251 654321")
    page.check('[name="personen-1-geschlecht"][value="1"]')
    page.check('[name="personen-1-herkunft"][value="drittstaat"]')
    _person(page, 1, staatsangehoerigkeit="türkisch")
    _person(page, 1, anschrift__street="Kirchweg 2", anschrift__postcode="33100")
    _person(page, 1, anschrift__city="Musterstadt")
    page.select_option('[name="personen-1-aufenthaltstitel_art"]', "niederlassungserlaubnis")
    _person(page, 1, aufenthaltstitel_behoerde="Ausländerbehörde Musterstadt")
    _person(page, 1, aufenthaltstitel_datum="2015-06-01")
    page.check('[name="personen-1-selbstaendig_erlaubt"][value="ja"]')
    page.get_by_role("button", name="Weiter").last.click()

    # Betriebsstätte
    page.wait_for_selector('[name="geschaeftsbezeichnung"]')
    page.fill('[name="geschaeftsbezeichnung"]', "Salon Schnittpunkt")
    page.fill('[name="anschrift__street"]', "Marktplatz 3")
    page.fill('[name="anschrift__postcode"]', "33098")
    page.fill('[name="anschrift__city"]', "Musterstadt")
    page.check('[name="niederlassung"][value="1"]')
    page.get_by_role("button", name="Weiter").last.click()

    # Tätigkeit: first without a code — the form suggests 96.02.1
    page.wait_for_selector('[name="beschreibung"]')
    page.fill('[name="beschreibung"]', "Friseursalon")
    page.check('[name="nebenerwerb"][value="nein"]')
    page.fill('[name="beginn"]', (dt.date.today() + dt.timedelta(days=14)).isoformat())
    page.check('[name="betriebsart"][value="handwerk"]')
    page.check('[name="betriebsart"][value="handel"]')
    page.fill('[name="vollzeit"]', "2")
    page.fill('[name="teilzeit"]', "1")
    page.get_by_role("button", name="Weiter").last.click()
    page.get_by_text("96.02.1 Frisörsalons").first.wait_for()
    page.fill('[name="wz_code"]', "96.02.1")
    page.click('button[value="add:weitere"]')
    page.wait_for_selector('[name="weitere-0-beschreibung"]')
    page.fill('[name="weitere-0-beschreibung"]', "Onlinehandel mit Haarpflegeprodukten")
    page.fill('[name="weitere-0-wz_code"]', "47.91.9")
    page.get_by_role("button", name="Weiter").last.click()

    # Grund, Erlaubnisse, Abschluss
    page.wait_for_selector('[name="grund"]')
    page.check('[name="grund"][value="01"]')
    page.get_by_role("button", name="Weiter").last.click()
    page.wait_for_selector('[name="erlaubnis"]')
    page.check('[name="erlaubnis"][value="nein"]')
    page.check('[name="handwerksrolle"][value="eingetragen"]')
    page.fill('[name="handwerkskammer"]', "Handwerkskammer Ostwestfalen-Lippe")
    page.fill('[name="handwerkskarte_datum"]', "2024-01-15")
    page.get_by_role("button", name="Weiter").last.click()
    page.wait_for_selector('[name="erklaerung"]')
    page.check('[name="erklaerung"]')
    page.get_by_role("button", name="Weiter").last.click()

    # Zusammenfassung: fee 31 € + 13 € for the second director
    page.get_by_role("button", name="Antrag verbindlich absenden").wait_for()
    assert "44,00" in page.content()
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    page.wait_for_load_state()
    case = Case.objects.get(service__key="gewerbe-anmelden")
    assert case.state == CaseState.RECEIVED

    # the trade office books the bank transfer (invoice provider)
    payment = Payment.objects.get(case=case)
    assert payment.amount == 44
    payment_mark_paid(payment=payment, provider_reference="Kontoauszug 12/2026", actor=clerk)
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED

    # the clerk sees the case complete
    staff_client = Client()
    from rathaus.accounts.testing import login_staff

    login_staff(staff_client, clerk)
    staff = _page(new_context, live_server, staff_client)
    staff.goto(f"{base}/verwaltung/vorgaenge/{case.pk}/")
    assert staff.get_by_test_id("case-state").inner_text() == "entschieden"
    staff.goto(f"{base}/verwaltung/gewerbe/?q=schnittpunkt")
    assert "Schnittpunkt Haar &amp; Pflege GmbH" in staff.content()

    # the certificate is in the citizen's postbox once the worker has rendered it
    assert tasks_run() >= 1
    page.goto(f"{base}/postfach/")
    page.get_by_role("link", name=case.reference).first.click()
    expect(
        page.get_by_role("link", name="Empfangsbestätigung nach § 15 Abs. 1 GewO").first
    ).to_be_visible()

    # one message per recipient, each with its own field subset
    business = Business.objects.get(events__case=case)
    assert business.main_wz == "96021"
    xml = {d.group: d.xml for d in Delivery.objects.filter(case=case)}
    assert {"ihk", "hwk", "finanzamt", "auslaenderbehoerde", "eichbehoerde"} <= set(xml)
    assert "Yıldız" in xml["auslaenderbehoerde"]
    assert "20111979" in xml["hwk"] and "20111979" not in xml["eichbehoerde"]

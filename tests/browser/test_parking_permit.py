"""Resident parking in headless Chromium: at night (time frozen at 02:30 in the whole process,
live-server thread included) a citizen in Essen applies, pays through the XBezahldienste
simulator and downloads the permit; an enforcement officer's phone opens the QR code's URL and
sees "gültig"."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rathaus.parking.models import Permit
from rathaus.parking.services import permit_token
from rathaus.testing.tasks import tasks_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    from django.conf import settings

    previous = settings.SECURE_SSL_REDIRECT
    settings.SECURE_SSL_REDIRECT = False
    yield
    settings.SECURE_SSL_REDIRECT = previous


@pytest.fixture
def night():
    """Every ``timezone.now()`` in this process — the test and the live server's threads —
    returns today 02:30 (Europe/Berlin)."""
    frozen = timezone.localtime().replace(hour=2, minute=30, second=0, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=frozen):
        yield frozen


@pytest.fixture
def essen_online(db, settings):
    from rathaus.catalog.services import service_definition_publish
    from rathaus.geo.demo import seed_essen
    from rathaus.parking.demo import DEFINITION
    from rathaus.parking.models import FeeModel, ParkingSettings
    from rathaus.parking.testing import essen_resident
    from rathaus.payments.models import PaymentSettings
    from rathaus.payments.simulator import (
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        DEMO_NOTIFICATION_SECRET,
        Simulator,
    )
    from rathaus.testing.factories import MunicipalityFactory

    essen = MunicipalityFactory(slug="essen", name="Essen", ags="05113000")
    seed_essen(essen, [])
    ParkingSettings.objects.create(
        municipality=essen, fee_model=FeeModel.FLAT, flat_amount=Decimal("120.00")
    )
    service_definition_publish(municipality=essen, source=DEFINITION.read_text(), enable=True)
    simulator = Simulator(send_notifications=False).start()
    PaymentSettings.objects.update_or_create(
        municipality=essen,
        defaults={
            "invoice_enabled": True,
            "recipient": "Stadtkasse Essen",
            "iban": "DE02120300000000202051",
            "xbezahldienste_enabled": True,
            "xbd_base_url": simulator.base_url,
            "xbd_originator_id": "essen",
            "xbd_endpoint_id": "rathaus",
            "xbd_client_id": DEMO_CLIENT_ID,
            "xbd_client_secret": DEMO_CLIENT_SECRET,
            "xbd_notification_secret": DEMO_NOTIFICATION_SECRET,
        },
    )
    essen_resident(essen)
    yield essen
    simulator.stop()


def test_night_application_payment_permit_and_officer_check(
    page, live_server, essen_online, night, new_context, tmp_path
):
    base = f"{live_server.url}/m/essen"
    page.goto(f"{base}/konto/anmelden/")
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("erika@example.org")
    page.get_by_label("Passwort", exact=True).last.fill("correct-horse-battery")
    page.get_by_role("button", name="Anmelden").last.click()

    page.goto(f"{base}/leistungen/bewohnerparken/")
    page.get_by_role("button", name="Online beantragen").click()
    # Adresse: prefilled from the profile
    assert page.get_by_label("Straße und Hausnummer").input_value() == "Admiral-Scheer-Str. 12"
    page.get_by_role("button", name="Weiter").last.click()
    # Person: prefilled
    page.get_by_label("E-Mail-Adresse", exact=True).wait_for()
    page.get_by_role("button", name="Weiter").last.click()
    # Fahrzeug
    page.get_by_label("Kennzeichen").fill("e ab 1234")
    page.get_by_label("Marke und Modell").fill("VW Golf")
    page.get_by_label("Länge in Metern").fill("4.28")
    page.get_by_label("Breite in Metern").fill("1.79")
    page.get_by_label("auf mich zugelassen").check()
    certificate = tmp_path / "zb1.pdf"
    certificate.write_bytes(PDF)
    page.get_by_label("Zulassungsbescheinigung Teil I").set_input_files(str(certificate))
    page.get_by_role("button", name="Weiter").last.click()
    # Gültigkeit
    page.get_by_label("12 Monate").check()
    page.get_by_label("Gültig ab").fill(night.date().isoformat())
    page.get_by_role("button", name="Weiter").last.click()
    # Zusammenfassung with the fee
    page.get_by_role("heading", name="Zusammenfassung").wait_for()
    assert "120,00 €" in page.locator("[data-fee-amount]").inner_text()
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    # Bestätigung → payment through the simulator
    page.get_by_role("link", name="Jetzt bezahlen").click()
    page.get_by_role("button", name="Online bezahlen").click()
    page.get_by_role("heading", name="ePayment-Simulator").wait_for()
    page.get_by_role("button", name="Bezahlen").click()
    page.get_by_role("heading", name="Zahlung eingegangen").wait_for()

    permit = Permit.objects.get()
    assert permit.plate == "E-AB 1234" and permit.valid_from == night.date()
    assert permit.case.decided_automatically

    # the holder sees the permit at once; its PDF follows from the worker moments later
    page.goto(f"{base}/parkausweis/")
    assert permit.number in page.content()
    assert page.get_by_role("link", name="Parkausweis herunterladen (PDF)").count() == 0
    expect(page.get_by_text("wird gerade erstellt")).to_be_visible()
    assert tasks_run() >= 1
    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="Parkausweis herunterladen (PDF)").click()
    saved = tmp_path / "parkausweis.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # the officer's phone opens the QR code's URL
    officer = new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    officer.goto(f"{base}/parkausweis/pruefen/{permit_token(permit)}")
    status = officer.get_by_role("status")
    assert status.inner_text().strip().lower() == "gültig"
    assert "E-AB 1234" in officer.content() and "Museum-Nord (II)" in officer.content()

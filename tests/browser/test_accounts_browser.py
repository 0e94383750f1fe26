"""Accounts in a real browser (phone-sized): registration with the mailed link, and a municipal
admin's 2FA enrolment with the QR code served under the strict CSP."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.accounts.models import User
from rathaus.accounts.testing import totp_code
from rathaus.integrations.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def test_citizen_registers_confirms_and_logs_in(page, live_server, musterstadt):
    violations = watch_csp(page)
    page.goto(f"{live_server.url}/m/musterstadt/konto/registrieren/")
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("browser@example.org")
    page.get_by_label("Passwort", exact=True).fill("Lindenblatt-Sommer-42")
    page.get_by_label("Passwort wiederholen").fill("Lindenblatt-Sommer-42")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen.").check()
    page.get_by_role("button", name="Konto anlegen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bitte prüfen Sie Ihr Postfach"
    body = OutboxMessage.objects.get(payload__to="browser@example.org").payload["body"]
    link = re.search(r"http://\S+", body).group(0)
    page.goto(link)
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("browser@example.org")
    page.get_by_label("Passwort", exact=True).last.fill("Lindenblatt-Sommer-42")
    page.get_by_role("button", name="Anmelden").last.click()
    page.goto(f"{live_server.url}/m/musterstadt/konto/profil/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mein Konto"
    assert User.objects.get(email="browser@example.org").email_verified_at is not None
    assert violations == []


IMAGE_LOADED = """img => img.complete ? img.naturalWidth > 0 : new Promise(resolve => {
    img.addEventListener("load", () => resolve(img.naturalWidth > 0));
    img.addEventListener("error", () => resolve(false));
})"""


def test_admin_enrols_2fa_with_qr_code(page, live_server, municipal_admin):
    violations = watch_csp(page)
    page.goto(f"{live_server.url}/m/musterstadt/verwaltung/anmelden/")
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("admin@musterstadt.example")
    page.get_by_label("Passwort", exact=True).last.fill("correct-horse-battery")
    page.get_by_role("button", name="Anmelden").last.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Zwei-Faktor-Anmeldung einrichten"
    qr = page.get_by_role("img", name="QR-Code mit dem Schlüssel für Ihre Authenticator-App")
    # The QR code is a separate request: wait for it to load or fail, not for whichever
    # state the image happens to be in when the heading appeared.
    assert qr.evaluate(IMAGE_LOADED)
    device = TOTPDevice.objects.get(user=municipal_admin, confirmed=False)
    page.get_by_label("Sicherheitscode").fill(totp_code(device))
    page.get_by_role("button", name="Einrichten").click()
    page.wait_for_url(re.compile(r".*/m/musterstadt/verwaltung/$"))
    device.refresh_from_db()
    assert device.confirmed
    assert violations == []

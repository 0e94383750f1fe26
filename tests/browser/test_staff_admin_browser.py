"""A municipal admin invites a colleague in a real browser; the colleague follows the mailed
link, chooses a password and signs in — under the strict CSP, on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from rathaus.accounts.models import StaffMembership
from rathaus.accounts.testing import login_staff
from rathaus.cases.models import Team
from rathaus.integrations.models import OutboxMessage
from tests.browser.test_accounts_browser import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_invites_a_clerk_who_then_signs_in(
    page, new_context, live_server, musterstadt, municipal_admin
):
    Team.objects.create(municipality=musterstadt, name="Steueramt", key="steueramt")
    base = f"{live_server.url}/m/musterstadt"
    client = Client()
    login_staff(client, municipal_admin)
    admin = new_context(viewport={"width": 390, "height": 844}).new_page()
    admin_violations = watch_csp(admin)
    admin.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    # The admin finds the staff page under "Bereiche" and invites a colleague into a team
    admin.goto(f"{base}/verwaltung/bereiche/")
    admin.get_by_role("link", name="Mitarbeitende").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Mitarbeitende")
    admin.get_by_label("Dienstliche E-Mail-Adresse").fill("sven@musterstadt.example")
    admin.get_by_label("Vorname").fill("Sven")
    admin.get_by_label("Nachname").fill("Steuer")
    admin.get_by_label("Sachbearbeitung").check()
    admin.get_by_label("Steueramt").check()
    admin.get_by_role("button", name="Einladung senden").click()
    expect(
        admin.get_by_text("Die Einladung an sven@musterstadt.example ist verschickt.")
    ).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text="Sven Steuer")).to_contain_text("eingeladen")

    # The colleague follows the link from the e-mail and chooses a password
    violations = watch_csp(page)
    body = OutboxMessage.objects.get(payload__to="sven@musterstadt.example").payload["body"]
    page.goto(re.search(r"http://\S+/einladung/\S+/", body).group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort für die Verwaltung wählen")
    page.get_by_label("Neues Passwort", exact=True).fill("Steuerbescheid-Winter-7")
    page.get_by_label("Neues Passwort bestätigen").fill("Steuerbescheid-Winter-7")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(
        page.get_by_text("Ihr Passwort ist gespeichert. Bitte melden Sie sich jetzt an.")
    ).to_be_visible()

    # and signs in to the back office of Musterstadt
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("sven@musterstadt.example")
    page.get_by_label("Passwort", exact=True).last.fill("Steuerbescheid-Winter-7")
    page.get_by_role("button", name="Anmelden").last.click()
    page.wait_for_url(re.compile(r".*/m/musterstadt/verwaltung/$"))
    assert StaffMembership.objects.get(user__email="sven@musterstadt.example").role == "clerk"

    # the admin now sees the colleague as active
    admin.reload()
    row = admin.get_by_role("row").filter(has_text="Sven Steuer")
    expect(row).to_contain_text("aktiv")
    expect(row).not_to_contain_text("eingeladen")
    assert violations == [] and admin_violations == []

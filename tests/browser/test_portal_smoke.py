"""The portal in a real browser: catalogue, search and service page on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from rathaus.testing.factories import publish_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_the_dog_service_from_the_start_page(
    page, live_server, musterstadt, tmp_path
):
    publish_service(musterstadt, "hund-anmelden")
    requests_elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else requests_elsewhere.append(r.url),
    )
    page.goto(f"{live_server.url}/m/musterstadt/")
    page.get_by_label("Was möchten Sie erledigen?").fill("Hund")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name="Hund anmelden (Hundesteuer)").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Hund anmelden (Hundesteuer)"
    expect(page.get_by_role("button", name="Online beantragen")).to_be_visible()
    # keyboard users reach the content directly
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    # nothing is loaded from third-party hosts, and the CSP raised no violation
    assert requests_elsewhere == []
    page.screenshot(path=str(tmp_path / "service-page.png"), full_page=True)

"""The zone map in a real browser at a phone viewport: zones are drawn from our own GeoJSON
endpoint, a click names the zone, and nothing is requested from another host."""

from urllib.parse import urlparse

import pytest

from rathaus.geo.demo import seed
from rathaus.testing.factories import MunicipalityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_draws_zones_on_a_phone_without_third_party_requests(page, live_server, tmp_path):
    essen = MunicipalityFactory(slug="essen", name="Essen", ags="05113000")
    seed(essen, [])
    elsewhere: list[str] = []
    console_errors: list[str] = []

    def guard(route):  # request interception: anything not on loopback is refused and recorded
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/m/essen/parkzonen/")
    map_box = page.locator("#zone-map")
    map_box.wait_for(state="visible")
    page.wait_for_selector("#zone-map[data-zones='9']")
    assert page.locator("#zone-map path.leaflet-interactive").count() == 9
    assert page.locator(".zone-label", has_text="Innenstadt Nord").count() == 1
    box = map_box.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 250
    # a tap on a zone opens its popup with code and the link to the details
    label_id = page.locator(".zone-label", has_text="Ostviertel 2").get_attribute("id")
    page.locator(f"path[aria-describedby='{label_id}']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "Zone Ostviertel 2" in popup.inner_text()
    # the address search (an ordinary GET form) highlights the zone and marks the address
    page.get_by_label("Straße und Hausnummer").fill("Admiral-Scheer-Str. 12")
    page.get_by_role("button", name="Zone suchen").click()
    assert "Zone Museum-Nord (II)" in page.locator("#zone-info").inner_text()
    page.wait_for_selector("#zone-map[data-zones='9']")
    page.screenshot(path=str(tmp_path / "parkzonen.png"), full_page=True)
    assert elsewhere == []
    assert console_errors == []

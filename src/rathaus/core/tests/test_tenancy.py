import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rathaus.core.models import validate_ags
from rathaus.core.theme import accessible_action_color, contrast_ratio

pytestmark = pytest.mark.django_db


def test_municipality_found_by_host_name(client, musterstadt, beispieldorf):
    response = client.get("/", HTTP_HOST="musterstadt.localhost:8000")
    assert response.status_code == 200
    assert response.context["municipality"] == musterstadt


def test_municipality_found_by_path_prefix_and_links_keep_the_prefix(client, musterstadt):
    response = client.get("/m/musterstadt/")
    assert response.status_code == 200
    assert response.context["municipality"] == musterstadt
    assert 'href="/m/musterstadt/leistungen/"' in response.content.decode()


def test_custom_domain(client, musterstadt, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portal.musterstadt.de"]
    musterstadt.domains = ["portal.musterstadt.de"]
    musterstadt.save()
    response = client.get("/", HTTP_HOST="portal.musterstadt.de")
    assert response.context["municipality"] == musterstadt


def test_platform_host_lists_municipalities(client, musterstadt, beispieldorf):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["municipality"] is None
    body = response.content.decode()
    assert "Musterstadt" in body and "Beispieldorf" in body


def test_unknown_municipality_is_a_404_not_an_error(client, db):
    assert client.get("/m/nirgendwo/").status_code == 404
    assert client.get("/", HTTP_HOST="nirgendwo.localhost").status_code == 200  # platform page


def test_municipality_only_pages_404_on_platform_host(client, db):
    assert client.get(reverse("portal:catalog")).status_code == 404


@pytest.mark.parametrize("ags", ["0577409", "057740999", "0577409a", "17000000", "00000000"])
def test_invalid_ags_is_refused(ags):
    with pytest.raises(ValidationError):
        validate_ags(ags)


def test_valid_ags():
    validate_ags("05113000")


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True


def test_theme_uses_municipality_colour_with_accessible_contrast(client, beispieldorf):
    css = client.get("/m/beispieldorf/theme.css").content.decode()
    colour = accessible_action_color("#2e7d32")
    assert f"--kern-color-action-default: {colour}" in css
    assert contrast_ratio(colour, "#ffffff") >= 4.5


def test_bright_brand_colour_is_darkened_for_contrast():
    assert contrast_ratio(accessible_action_color("#ffee00"), "#ffffff") >= 4.5


def test_oversized_request_gets_a_clear_413_page(client, musterstadt, settings):
    settings.RATHAUS_MAX_REQUEST_BYTES = 1024
    response = client.post(
        "/m/musterstadt/leistungen/",
        data=b"x" * 4096,
        content_type="application/octet-stream",
        HTTP_REFERER="/m/musterstadt/antraege/",
    )
    assert response.status_code == 413
    body = response.content.decode()
    assert "zu groß" in body and 'href="/m/musterstadt/antraege/"' in body


def test_413_page_does_not_link_to_foreign_sites(client, musterstadt, settings):
    settings.RATHAUS_MAX_REQUEST_BYTES = 1024
    response = client.post(
        "/m/musterstadt/leistungen/",
        data=b"x" * 4096,
        content_type="application/octet-stream",
        HTTP_REFERER="https://evil.example/phish",
    )
    assert response.status_code == 413
    assert "evil.example" not in response.content.decode()

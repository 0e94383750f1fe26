from decimal import Decimal

import pytest
from django.urls import reverse

from rathaus.catalog.models import Service
from rathaus.catalog.selectors import services_public
from rathaus.catalog.services import (
    service_definition_publish,
    service_export,
    service_set_enabled,
    service_update_settings,
)
from rathaus.testing.factories import publish_service

pytestmark = pytest.mark.django_db


def test_publishing_the_same_file_twice_creates_one_version(musterstadt, dog_service):
    source = dog_service.current_version.source
    again = service_definition_publish(municipality=musterstadt, source=source)
    assert again == dog_service.current_version
    assert dog_service.versions.count() == 1


def test_changing_fees_makes_a_new_version_and_keeps_the_old(musterstadt, dog_service):
    first = dog_service.current_version
    service_update_settings(
        service=dog_service,
        actor=None,
        fee_amounts=[Decimal("500"), Decimal("90"), Decimal("110"), Decimal("140")],
    )
    dog_service.refresh_from_db()
    assert dog_service.current_version.number == 2
    assert dog_service.current_version.data["fee"]["rules"][1]["amount"] == "90.00"
    first.refresh_from_db()
    assert first.data["fee"]["rules"][1]["amount"] == "96.00"


def test_export_from_one_municipality_imports_into_another(musterstadt, beispieldorf, dog_service):
    filename, source = service_export(service=dog_service)
    assert filename == "hund-anmelden-v1.yaml"
    version = service_definition_publish(municipality=beispieldorf, source=source)
    assert version.service.municipality == beispieldorf
    assert version.service.enabled is False  # imported services start switched off


def test_catalogue_lists_only_enabled_services_of_the_municipality(
    client, musterstadt, beispieldorf, dog_service
):
    publish_service(beispieldorf, "hund-anmelden", enable=False)
    assert list(services_public(municipality=musterstadt)) == [dog_service]
    assert list(services_public(municipality=beispieldorf)) == []
    response = client.get("/m/beispieldorf/leistungen/")
    assert "Hund anmelden" not in response.content.decode()
    response = client.get("/m/musterstadt/leistungen/")
    assert "Hund anmelden" in response.content.decode()


def test_catalogue_search(client, musterstadt, dog_service):
    def found(query: str) -> int:
        return len(client.get(f"/m/musterstadt/leistungen/?q={query}").context["services"])

    assert found("hund") == found("HUNDESTEUER") == found("dog") == 1
    assert found("gewerbe") == 0
    page = client.get("/m/musterstadt/leistungen/?q=gewerbe").content.decode()
    assert "Keine passenden Leistungen gefunden." in page


def test_cached_service_cards_are_never_stale(client, musterstadt, dog_service):
    """The cards are cached under what they show, their links' prefix and the language."""

    def page(path: str = "/m/musterstadt/leistungen/", **headers: str) -> str:
        return client.get(path, **headers).content.decode()

    assert "Hund anmelden" in page() and 'href="/m/musterstadt/leistungen/hund-anmelden/"' in page()
    Service.objects.filter(pk=dog_service.pk).update(name="Hund an- und abmelden")
    assert "Hund an- und abmelden" in page() and "Hund anmelden<" not in page()
    assert "Hund an- und abmelden" in page("/m/musterstadt/")  # the start page's cards
    # the same municipality on its own host name: links without the /m/ prefix
    on_host = page("/leistungen/", HTTP_HOST="musterstadt.localhost")
    assert 'href="/leistungen/hund-anmelden/"' in on_host and "/m/musterstadt/" not in on_host
    service_set_enabled(service=dog_service, enabled=False)
    assert "Hund an- und abmelden" not in page() and "Keine passenden Leistungen" in page()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "No matching services found." in page()


def test_catalogue_query_count_does_not_grow_with_services(
    client, musterstadt, dog_service, django_assert_max_num_queries
):
    for i in range(10):
        Service.objects.create(
            municipality=musterstadt,
            key=f"s{i}",
            name=f"Leistung {i}",
            enabled=True,
            current_version=dog_service.current_version,
        )
    client.get("/m/musterstadt/leistungen/")  # warm the municipality cache
    with django_assert_max_num_queries(3):
        response = client.get("/m/musterstadt/leistungen/")
    assert len(response.context["services"]) == 11


def test_service_page_shows_facts(client, musterstadt, dog_service):
    response = client.get(
        reverse("portal:service_detail", args=["hund-anmelden"]), HTTP_HOST="musterstadt.localhost"
    )
    body = response.content.decode()
    assert response.status_code == 200
    for text in ["Wer kann den Antrag stellen?", "96,00 €", "99120001001000", "Online beantragen"]:
        assert text in body


def test_disabled_service_page_is_404(client, musterstadt, dog_service):
    service_set_enabled(service=dog_service, enabled=False)
    assert client.get("/m/musterstadt/leistungen/hund-anmelden/").status_code == 404


def test_service_page_in_english(client, musterstadt, dog_service):
    response = client.get("/m/musterstadt/leistungen/hund-anmelden/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Register a dog (dog tax)" in response.content.decode()

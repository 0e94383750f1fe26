"""The public zone map, its GeoJSON endpoint and the zone administration."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.geo import lookup
from rathaus.geo.demo import ESSEN_ATTRIBUTION
from rathaus.geo.models import Address, Zone
from rathaus.testing.factories import staff_user

from .helpers import ESSEN_ZONES, essen_with_addresses

pytestmark = pytest.mark.django_db

PARKING_YAML = """\
format: rathaus.service/1
key: bewohnerparken
name: Bewohnerparkausweis beantragen
summary: Parkausweis für Bewohnerinnen und Bewohner einer Bewohnerparkzone.
leika: "99108001001000"
steps:
  - key: fahrzeug
    title: Fahrzeug
    fields:
      - {key: kennzeichen, type: text, label: Kennzeichen, required: true}
fee:
  label: Gebühr pro Jahr
  period: year
  rules:
    - amount: "120.00"
  note: Die Gebühr gilt für zwölf Monate.
retention: {file_plan: "122.30", years: 3}
"""


@pytest.fixture(scope="module")
def essen(django_db_setup, django_db_blocker):
    with essen_with_addresses(django_db_blocker) as municipality:
        yield municipality


@pytest.fixture
def essen_admin(essen):
    return staff_user(essen, StaffRole.ADMIN, email="admin@essen.example")


@pytest.fixture
def parking_service(essen):
    from rathaus.catalog.services import service_definition_publish

    return service_definition_publish(municipality=essen, source=PARKING_YAML, enable=True).service


# --------------------------------------------------------------------------- public map


def test_map_lists_zones_without_javascript_and_shows_attribution(client, essen):
    response = client.get("/m/essen/parkzonen/")
    body = response.content.decode()
    assert response.status_code == 200
    for name in ["Innenstadt Nord", "Museum-Süd (V)", "Sternviertel (I)"]:
        assert name in body
    assert ESSEN_ATTRIBUTION in body
    assert 'id="zone-map"' in body and "vendor/leaflet/leaflet.js" in body
    assert "https://" not in body.split("<body")[0]  # nothing from another host in the head


def test_address_search_without_javascript_names_zone_fee_and_apply_link(
    client, essen, parking_service
):
    response = client.get("/m/essen/parkzonen/", {"q": "Admiral-Scheer-Straße 12"})
    body = response.content.decode()
    assert "Admiral-Scheer-Str. 12" in body
    assert "Zone Museum-Nord (II)" in body
    assert "120,00 €" in body and "pro Jahr" in body
    assert 'href="/m/essen/leistungen/bewohnerparken/"' in body
    assert response.context["selected"].name == "Museum-Nord (II)"


def test_address_outside_and_unknown_address(client, essen):
    Address.objects.create(
        municipality=essen,
        street="Achenbachhang",
        house_number="19",
        lon=6.9829183,
        lat=51.4356697,
        street_key="achenbachhang",
        number_key="19",
        number_int=19,
    )
    lookup.forget(essen.pk)
    body = client.get("/m/essen/parkzonen/", {"q": "Achenbachhang 19"}).content.decode()
    assert "liegt in keiner Bewohnerparkzone" in body
    body = client.get("/m/essen/parkzonen/", {"q": "Gibtsnichtweg 3"}).content.decode()
    assert "Keine passende Adresse gefunden" in body
    # absurd input never gives a 500
    for query in ["", " ", "1", "%" * 300, "<script>"]:
        assert client.get("/m/essen/parkzonen/", {"q": query}).status_code == 200


def test_zone_link_without_javascript_shows_the_zone(client, essen):
    response = client.get("/m/essen/parkzonen/", {"zone": "Ostviertel 2"})
    assert response.context["selected"].code == "Ostviertel 2"
    assert "Den Bewohnerparkausweis beantragen Sie" in response.content.decode()  # no service


def test_map_page_query_count(client, essen, parking_service, django_assert_max_num_queries):
    client.get("/m/essen/parkzonen/?q=Admiral-Scheer-Str. 12")  # warm caches
    with django_assert_max_num_queries(8):
        response = client.get("/m/essen/parkzonen/?q=Admiral-Scheer-Str. 12")
    assert response.status_code == 200


def test_geojson_endpoint_etag_and_query_count(client, essen, django_assert_max_num_queries):
    client.get("/m/essen/parkzonen/zonen.geojson")  # warm the municipality cache
    with django_assert_max_num_queries(2):
        response = client.get("/m/essen/parkzonen/zonen.geojson")
    assert response["Content-Type"].startswith("application/geo+json")
    document = json.loads(response.content)
    assert len(document["features"]) == 9
    assert {f["properties"]["code"] for f in document["features"]} >= {"Ostviertel"}
    assert "dl-de/by-2.0" in document["attribution"]
    etag = response["ETag"]
    assert "public" in response["Cache-Control"]
    with django_assert_max_num_queries(1):
        again = client.get("/m/essen/parkzonen/zonen.geojson", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_portal_start_page_links_the_map_only_with_zones(client, essen, beispieldorf):
    assert "/m/essen/parkzonen/" in client.get("/m/essen/").content.decode()
    assert "parkzonen" not in client.get("/m/beispieldorf/").content.decode()


def test_other_town_never_sees_essen_zones(client, essen, beispieldorf):
    body = client.get("/m/beispieldorf/parkzonen/?q=Admiral-Scheer-Str. 12").content.decode()
    assert "Museum-Nord" not in body
    assert "Keine passende Adresse gefunden" in body
    assert "keine Bewohnerparkzonen" in body
    document = json.loads(client.get("/m/beispieldorf/parkzonen/zonen.geojson").content)
    assert document["features"] == []
    assert lookup.zone_for_point(municipality=beispieldorf, lon=7.0093365, lat=51.4447004) is None


def test_platform_host_has_no_map(client, essen):
    assert client.get("/parkzonen/").status_code == 404


# --------------------------------------------------------------------------- administration


def test_admin_list_shows_extent_and_oversize_flag(client, essen, essen_admin):
    login_staff(client, essen_admin)
    response = client.get("/m/essen/verwaltung/zonen/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "über 1000 m" in body  # Innenstadt Nord and Süd
    assert body.count("kern-badge--danger") == 2
    assert "2902 Adressen im Verzeichnis" in body
    assert "Zonen aus GeoJSON importieren" in body


def test_clerk_reads_but_cannot_edit_or_import(client, essen):
    clerk = staff_user(essen, StaffRole.CLERK, email="sb@essen.example")
    login_staff(client, clerk)
    body = client.get("/m/essen/verwaltung/zonen/").content.decode()
    assert "Innenstadt Nord" in body and "Zonen aus GeoJSON importieren" not in body
    zone = Zone.objects.of(essen).first()
    assert client.get(f"/m/essen/verwaltung/zonen/{zone.pk}/").status_code == 403
    assert client.get("/m/essen/verwaltung/zonen/import/adressen/").status_code == 403


def test_anonymous_and_citizens_are_kept_out(client, essen, citizen):
    response = client.get("/m/essen/verwaltung/zonen/")
    assert response.status_code == 302 and "/verwaltung/anmelden/" in response["Location"]


def test_admin_edits_a_zone(client, essen, essen_admin):
    login_staff(client, essen_admin)
    zone = Zone.objects.of(essen).get(code="Ostviertel")
    lookup.zone_for_point(municipality=essen, lon=7.0, lat=51.45)  # a cached index exists
    response = client.post(
        f"/m/essen/verwaltung/zonen/{zone.pk}/",
        {
            "name": "Ostviertel",
            "capacity": "350",
            "secondary_residence_allowed": "on",
            "visitor_passes_per_year": "25",
            "notes": "Zusatzzeichen „Bewohner mit Parkausweis Nr. O“",
            "active": "on",
        },
    )
    assert response.status_code == 302
    zone.refresh_from_db()
    assert (zone.capacity, zone.visitor_passes_per_year, zone.secondary_residence_allowed) == (
        350,
        25,
        True,
    )
    match = lookup.zone_for_address(
        municipality=essen, street="Admiral-Scheer-Str.", house_number="12"
    )
    assert match is not None  # the index was rebuilt and still answers
    bad = client.post(
        f"/m/essen/verwaltung/zonen/{zone.pk}/",
        {"name": "", "visitor_passes_per_year": "-1"},
    )
    assert bad.status_code == 200 and "error-summary" in bad.content.decode()


def test_admin_import_with_dry_run_and_errors(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin)
    url = "/m/musterstadt/verwaltung/zonen/import/geojson/"
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("zonen.geojson", ESSEN_ZONES.read_bytes())
    response = client.post(
        url, {"file": upload, "crs": "auto", "attribution": "Stadt Essen", "dry_run": "on"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Prüfung: 9 neu" in body
    assert "Innenstadt Nord (1009 m)" in body
    assert not Zone.objects.of(musterstadt).exists()
    broken = SimpleUploadedFile("kaputt.geojson", b'{"type": "FeatureCollection", "features": [')
    response = client.post(url, {"file": broken, "crs": "auto"})
    body = response.content.decode()
    assert "nichts wurde gespeichert" in body and "kein gültiges JSON" in body
    upload = SimpleUploadedFile("zonen.geojson", ESSEN_ZONES.read_bytes())
    response = client.post(url, {"file": upload, "crs": "auto", "attribution": "Stadt Essen"})
    assert response.status_code == 302
    assert Zone.objects.of(musterstadt).count() == 9


def test_admin_imports_street_list_and_addresses(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin)
    streets = SimpleUploadedFile("s.csv", b"zone;strasse;seite;von;bis\nK1;Kirchweg;alle;;\n")
    response = client.post("/m/musterstadt/verwaltung/zonen/import/strassen/", {"file": streets})
    assert response.status_code == 302
    addresses = SimpleUploadedFile(
        "a.csv", b"strasse;hausnummer;plz;lon;lat\nKirchweg;1;33098;8.75;51.71\n"
    )
    response = client.post(
        "/m/musterstadt/verwaltung/zonen/import/adressen/", {"file": addresses, "crs": "auto"}
    )
    assert response.status_code == 302
    body = client.get("/m/musterstadt/parkzonen/?q=kirchweg 1").content.decode()
    assert "Zone K1" in body
    bad = SimpleUploadedFile("a.csv", b"strasse;hausnummer;lon;lat\nKirchweg;1;x;y\n")
    response = client.post(
        "/m/musterstadt/verwaltung/zonen/import/adressen/", {"file": bad, "crs": "auto"}
    )
    assert "Zeile 2: Die Koordinate „x y“ ist keine Zahl." in response.content.decode()
    assert Address.objects.of(musterstadt).count() == 1


def test_staff_of_another_town_get_404(client, essen, beispieldorf):
    foreign_admin = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@b.example")
    login_staff(client, foreign_admin)
    zone = Zone.objects.of(essen).first()
    assert client.get("/m/essen/verwaltung/zonen/").status_code == 404
    assert client.get(f"/m/beispieldorf/verwaltung/zonen/{zone.pk}/").status_code == 404
    response = client.post(f"/m/beispieldorf/verwaltung/zonen/{zone.pk}/", {"name": "X"})
    assert response.status_code == 404
    zone.refresh_from_db()
    assert zone.name != "X"


def test_demo_seed_is_idempotent(musterstadt):
    from rathaus.geo.demo import seed

    lines: list[str] = []
    seed(musterstadt, lines)
    seed(musterstadt, lines)
    assert len(lines) == 1
    assert sorted(Zone.objects.of(musterstadt).values_list("code", flat=True)) == ["A", "B", "C"]
    match = lookup.zone_for_address(
        municipality=musterstadt, street="Lindenallee", house_number="5", postcode="33098"
    )
    assert match is not None and match.zone.code == "A"


def test_the_cached_zone_table_follows_every_zone_change(client, essen):
    from rathaus.geo.services import zone_update

    assert "Innenstadt Nord" in client.get("/m/essen/parkzonen/").content.decode()
    zone = Zone.objects.of(essen).get(name="Innenstadt Nord")
    changed = {
        "capacity": zone.capacity,
        "secondary_residence_allowed": zone.secondary_residence_allowed,
        "visitor_passes_per_year": zone.visitor_passes_per_year,
        "notes": zone.notes,
        "active": zone.active,
    }
    try:
        zone_update(zone=zone, name="Innenstadt Nord (neu)", **changed)
        body = client.get("/m/essen/parkzonen/").content.decode()
        assert "Innenstadt Nord (neu)" in body
    finally:
        zone_update(zone=zone, name="Innenstadt Nord", **changed)
    assert "Innenstadt Nord (neu)" not in client.get("/m/essen/parkzonen/").content.decode()

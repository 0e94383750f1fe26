"""Essen's complete official house-coordinate register (102,981 points, ../shared) against its 9
resident-parking areas. Imported once for the module (a few seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from django.db.models import Count

from rathaus.geo import lookup
from rathaus.geo.models import Address, GeoState

from .helpers import ESSEN_NAMES, essen_in_zone_rows, essen_with_addresses

SHARED_DIR = Path(__file__).resolve().parents[5] / "shared"
FULL_REGISTER = (
    SHARED_DIR / "data" / "addresses" / "essen" / "hauskoordinaten_essen_2022-10-05_4326.zip"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def essen(django_db_setup, django_db_blocker):
    if not FULL_REGISTER.is_file():
        pytest.skip(f"shared data not found at {FULL_REGISTER}")
    with essen_with_addresses(django_db_blocker, FULL_REGISTER) as municipality:
        yield municipality


def test_full_register_import_skips_street_points_and_unknown_streets(essen):
    # 102,981 records: 4 with "### Straßenname unbekannt", 3,396 more street reference points
    # without house number; the rest are addresses.
    assert Address.objects.of(essen).count() == 102_981 - 4 - 3_396
    assert not Address.objects.of(essen).filter(street__startswith="#").exists()
    assert not Address.objects.of(essen).filter(house_number="").exists()
    state = GeoState.objects.get(municipality=essen)
    assert "dl-de/by-2.0" in state.addresses_attribution


def test_import_reports_the_quirks(essen):
    result = essen.address_import_result
    assert (result.rows, result.unknown_street, result.street_points) == (102_981, 4, 3_396)
    assert result.format == "GeoJSON" and result.crs == "EPSG:4326"
    assert result.imported == 102_981 - 4 - 3_396


def test_every_address_of_the_parking_areas_finds_its_zone(essen):
    rows = essen_in_zone_rows()
    assert len(rows) == 2902
    for row in rows:
        number = row["hsnr"] + row["hsnrzu"]
        match = lookup.zone_for_address(
            municipality=essen, street=row["strname"], house_number=number
        )
        assert match is not None, row["adresse"]
        assert match.how == "polygon"
        assert match.zone.name == row["bewohnerparkbereich"], row["adresse"]
        assert match.address is not None and match.address.street == row["strname"]


def test_exactly_the_published_addresses_lie_in_zones(essen, django_assert_max_num_queries):
    register = list(
        Address.objects.of(essen).values_list("street", "house_number", "postcode", "lon", "lat")
    )
    lookup.zone_for_address(municipality=essen, street="x", house_number="1")  # builds the index
    # The whole register in one batch: from memory.
    with django_assert_max_num_queries(0):
        matches = lookup.zones_for_addresses(
            municipality=essen, addresses=[row[:3] for row in register]
        )
    assert sum(1 for match in matches if match is not None and match.how == "polygon") == 2902
    assert {z.name for z in lookup._index(essen).zones} == ESSEN_NAMES


def test_vectorised_and_single_point_classification_agree(essen):
    """Every register point, at real zone boundaries: the grid (whole, partial and mixed
    cells) classified point by point and in bulk, cold and warm, equals a plain STRtree test."""
    lon, lat = np.array(Address.objects.of(essen).values_list("lon", "lat")).T
    lookup.forget(essen.pk)
    index = lookup._index(essen)
    single = np.array(
        [index.zone_index(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    )
    lookup.forget(essen.pk)
    index = lookup._index(essen)
    cold = index.zones_for_points(lon, lat)
    warm = index.zones_for_points(lon, lat)
    assert index.tree is not None
    point_idx, zone_idx = index.tree.query(shapely.points(lon, lat), predicate="intersects")
    plain = np.full(len(lon), -1)
    for point, zone in sorted(
        zip(point_idx.tolist(), zone_idx.tolist(), strict=True), reverse=True
    ):
        plain[point] = zone  # the lowest zone index last
    assert (single == plain).all() and (cold == plain).all() and (warm == plain).all()
    assert (plain >= 0).sum() >= 2902
    # The grid has a fixed size (2 bytes a cell), however many points were asked.
    assert index.cells.itemsize == 2 and len(index.cells) <= lookup._MAX_CELLS


def test_spelling_variants_and_outside_addresses(essen):
    for street in ["Admiral-Scheer-Str.", "Admiral-Scheer-Straße", "admiral scheer strasse"]:
        match = lookup.zone_for_address(municipality=essen, street=street, house_number="12")
        assert match is not None and match.zone.name == "Museum-Nord (II)"
    # Achenbachhang (Essen-Süd) lies in no resident-parking area.
    assert (
        lookup.zone_for_address(municipality=essen, street="Achenbachhang", house_number="19")
        is None
    )
    assert (
        lookup.zone_for_address(municipality=essen, street="Gibtsnichtweg", house_number="1")
        is None
    )
    assert lookup.zone_for_point(municipality=essen, lon=6.9829183, lat=51.4356697) is None


def test_numbers_sharing_one_coordinate_are_all_found(essen):
    shared = (
        Address.objects.of(essen)
        .values("lon", "lat")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("lon", "lat")
        .first()
    )
    assert shared is not None
    addresses = Address.objects.of(essen).filter(lon=shared["lon"], lat=shared["lat"])
    for address in addresses:
        match = lookup.zone_for_address(
            municipality=essen, street=address.street, house_number=address.house_number
        )
        expected = lookup.zone_for_point(municipality=essen, lon=address.lon, lat=address.lat)
        assert (match.zone if match else None) == expected


def test_address_search_by_prefix(essen, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        found = lookup.address_search(municipality=essen, query="Admiral-Scheer-Str 1")
    assert found and all(a.street == "Admiral-Scheer-Str." for a in found)
    assert found[0].house_number.startswith("1")
    found = lookup.address_search(municipality=essen, query="admiral scheer", limit=5)
    assert len(found) == 5

"""Importing zones (GeoJSON, street lists) and addresses: formats, CRS, quirks, broken files."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from django.db.models import F
from pyproj import Transformer

from rathaus.core.errors import ErrorCode, RathausError
from rathaus.geo import lookup
from rathaus.geo.models import Address, GeoState, Zone, ZoneStreetRule
from rathaus.geo.normalize import number_key, split_query, street_key
from rathaus.geo.services import (
    addresses_import,
    zone_update,
    zones_import_geojson,
    zones_import_street_list,
)

from .helpers import ESSEN_NAMES, ESSEN_ZONES, essen_features

pytestmark = pytest.mark.django_db


def _collection(*features: dict, crs: str | None = None) -> bytes:
    document: dict = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(document).encode()


def _box_feature(code: str, west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"Zone {code}"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _problems(excinfo: pytest.ExceptionInfo[RathausError]) -> str:
    assert excinfo.value.code == ErrorCode.GEO_IMPORT_INVALID
    return " | ".join(excinfo.value.details["problems"])


def _to_utm(document: dict) -> dict:
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    for feature in document["features"]:
        rings = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [
            [list(to_utm.transform(x, y)) for x, y in ring] for ring in rings
        ]
    return document


# --------------------------------------------------------------------------- normalisation


def test_street_and_number_keys():
    assert street_key("Admiral-Scheer-Str.") == street_key("Admiral Scheer Straße")
    assert street_key("admiral-scheer-strasse") == "admiralscheerstrasse"
    assert street_key("Abteistr.") == street_key("Abteistraße") == "abteistrasse"
    assert street_key("Münsterplatz") == "muensterplatz"
    assert number_key("12 a") == number_key("12A") == number_key("012a") == "12a"
    assert split_query("Lindenallee 5 a") == ("Lindenallee", "5 a")
    assert split_query("Lindenallee") == ("Lindenallee", "")


# --------------------------------------------------------------------------- zones


def test_essen_polygons_import_with_names_and_extent(musterstadt):
    result = zones_import_geojson(
        municipality=musterstadt, data=ESSEN_ZONES.read_bytes(), attribution="Stadt Essen"
    )
    zones = Zone.objects.of(musterstadt)
    assert zones.count() == 9
    assert {z.name for z in zones} == ESSEN_NAMES
    assert {z.code for z in zones} == ESSEN_NAMES  # no code property: the name is the code
    assert sorted(result.created) == sorted(ESSEN_NAMES)
    # Two of Essen's real areas are wider than the 1,000 m of the VwV-StVO.
    assert {code for code, _ in result.oversize} == {"Innenstadt Nord", "Innenstadt Süd"}
    nord = zones.get(code="Innenstadt Nord")
    assert nord.oversize and 1000 < nord.extent_m < 1100
    assert not zones.get(code="Ostviertel 2").oversize
    assert nord.geometry["type"] == "Polygon"
    assert GeoState.objects.get(municipality=musterstadt).zones_attribution == "Stadt Essen"


def test_utm32_file_gives_the_same_zones_as_wgs84(musterstadt, beispieldorf):
    zones_import_geojson(municipality=musterstadt, data=ESSEN_ZONES.read_bytes())
    utm = _to_utm(essen_features())
    utm["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}
    result = zones_import_geojson(municipality=beispieldorf, data=json.dumps(utm).encode())
    assert result.crs == "EPSG:25832"
    for feature in essen_features()["features"]:
        # a point well inside each area (its representative point) → the same zone in both towns
        from shapely.geometry import shape

        point = shape(feature["geometry"]).representative_point()
        a = lookup.zone_for_point(municipality=musterstadt, lon=point.x, lat=point.y)
        b = lookup.zone_for_point(municipality=beispieldorf, lon=point.x, lat=point.y)
        assert a is not None and b is not None
        assert a.code == b.code == feature["properties"]["NameGebiet"]
    extents = dict(Zone.objects.of(musterstadt).values_list("code", "extent_m"))
    assert dict(Zone.objects.of(beispieldorf).values_list("code", "extent_m")) == extents


def test_crs_chosen_on_upload_when_the_file_names_none(musterstadt):
    utm = _to_utm(essen_features())
    del utm["crs"]
    data = json.dumps(utm).encode()
    with pytest.raises(RathausError) as excinfo:
        zones_import_geojson(municipality=musterstadt, data=data)
    assert "keine Längen- und Breitengrade" in _problems(excinfo)
    result = zones_import_geojson(municipality=musterstadt, data=data, crs="EPSG:25832")
    assert len(result.created) == 9


def test_reimport_updates_by_code_keeps_admin_settings_and_deactivates_missing(musterstadt):
    zones_import_geojson(
        municipality=musterstadt,
        data=_collection(
            _box_feature("A1", 8.75, 51.71, 8.755, 51.714),
            _box_feature("A2", 8.76, 51.71, 8.765, 51.714),
        ),
    )
    a1 = Zone.objects.of(musterstadt).get(code="A1")
    zone_update(
        zone=a1,
        name="Altstadt",
        capacity=120,
        secondary_residence_allowed=True,
        visitor_passes_per_year=30,
        notes="Sonderregel",
        active=True,
    )
    result = zones_import_geojson(
        municipality=musterstadt,
        data=_collection(
            _box_feature("A1", 8.75, 51.71, 8.756, 51.715),
            _box_feature("A3", 8.77, 51.71, 8.775, 51.714),
        ),
    )
    assert result.updated == ["A1"] and result.created == ["A3"] and result.deactivated == ["A2"]
    a1.refresh_from_db()
    assert (a1.capacity, a1.visitor_passes_per_year, a1.notes) == (120, 30, "Sonderregel")
    assert a1.name == "Zone A1"  # the name comes from the file
    assert not Zone.objects.of(musterstadt).get(code="A2").active
    assert lookup.zone_for_point(municipality=musterstadt, lon=8.7625, lat=51.712) is None
    assert lookup.zone_for_point(municipality=musterstadt, lon=8.7555, lat=51.7145).code == "A1"


def test_multipart_areas_with_one_code_are_merged(musterstadt):
    zones_import_geojson(
        municipality=musterstadt,
        data=_collection(
            _box_feature("D1", 8.75, 51.71, 8.751, 51.711),
            _box_feature("D1", 8.753, 51.71, 8.754, 51.711),
        ),
    )
    zone = Zone.objects.of(musterstadt).get()
    assert zone.geometry["type"] == "MultiPolygon"


def test_dry_run_writes_nothing(musterstadt):
    result = zones_import_geojson(
        municipality=musterstadt, data=ESSEN_ZONES.read_bytes(), dry_run=True
    )
    assert len(result.created) == 9 and result.dry_run
    assert not Zone.objects.of(musterstadt).exists()
    assert not GeoState.objects.filter(municipality=musterstadt).exists()


BOWTIE = {
    "type": "Feature",
    "properties": {"code": "X"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[8.75, 51.71], [8.76, 51.72], [8.76, 51.71], [8.75, 51.72], [8.75, 51.71]]
        ],
    },
}


@pytest.mark.parametrize(
    "data, expected",
    [
        (b'{"type": "FeatureCollection", "features": [}', "Zeile 1, Spalte 44: Die Datei ist kein"),
        (b"\x00\x01binary", "kein gültiges JSON"),
        (b"[1, 2]", "kein GeoJSON-Objekt"),
        (b'{"type": "FeatureCollection", "features": []}', "keine Objekte"),
        (
            _collection(_box_feature("A", 8.75, 51.71, 8.76, 51.72), BOWTIE),
            "Objekt 2 (features[1]), „X“: Das Polygon überschneidet sich selbst",
        ),
        (
            _collection(_box_feature("A", 8.75, 51.71, 8.76, 51.72), crs="EPSG:999999"),
            "Unbekanntes Koordinatenreferenzsystem „EPSG:999999“",
        ),
        (
            _collection(
                {
                    "type": "Feature",
                    "properties": {"code": "P"},
                    "geometry": {"type": "Point", "coordinates": [8.7, 51.7]},
                }
            ),
            "Objekt 1 (features[0]), „P“: Erwartet wird ein Polygon oder MultiPolygon, gefunden: "
            "Point",
        ),
        (
            _collection(
                {
                    "type": "Feature",
                    "properties": {"code": "Q"},
                    "geometry": {"type": "Polygon", "coordinates": [[[8.7, 51.7], [8.8]]]},
                }
            ),
            "Objekt 1 (features[0]), „Q“: Die Koordinaten sind fehlerhaft",
        ),
        (
            _collection({"type": "Feature", "properties": {}, "geometry": None}),
            "Objekt 1 (features[0]): Weder Kürzel",
        ),
    ],
)
def test_broken_zone_files_are_refused_with_place_and_reason(musterstadt, data, expected):
    zones_import_geojson(
        municipality=musterstadt, data=_collection(_box_feature("OLD", 8.7, 51.7, 8.71, 51.71))
    )
    with pytest.raises(RathausError) as excinfo:
        zones_import_geojson(municipality=musterstadt, data=data, filename="zonen.geojson")
    assert expected in _problems(excinfo)
    assert excinfo.value.message.startswith("Die Datei „zonen.geojson“ wurde nicht importiert")
    # nothing half-imported: the old zone is untouched and active
    assert list(Zone.objects.of(musterstadt).values_list("code", "active")) == [("OLD", True)]


# --------------------------------------------------------------------------- street lists

STREET_LIST = (
    "zone;zonenname;strasse;seite;von;bis\n"
    "S1;Südviertel;Hauptstr.;gerade;2;20\n"
    "S2;Nordviertel;Hauptstraße;ungerade;1;;\n"
    "S2;;Kirchweg;alle;;\n"
)


def test_street_list_zones_match_by_street_parity_and_range(musterstadt):
    result = zones_import_street_list(municipality=musterstadt, data=STREET_LIST.encode())
    assert sorted(result.created) == ["S1", "S2"] and result.rules == 3
    assert Zone.objects.of(musterstadt).get(code="S1").name == "Südviertel"

    def zone(street: str, number: str) -> str | None:
        match = lookup.zone_for_address(
            municipality=musterstadt, street=street, house_number=number
        )
        return match.zone.code if match else None

    assert zone("Hauptstraße", "4") == "S1"
    assert zone("hauptstr", "20") == "S1"
    assert zone("Hauptstr.", "22") is None  # outside the range
    assert zone("Hauptstraße", "7 b") == "S2"  # odd, open range
    assert zone("Kirchweg", "100") == "S2"
    assert zone("Nebenweg", "1") is None
    match = lookup.zone_for_address(municipality=musterstadt, street="Kirchweg", house_number="3")
    assert match is not None and match.how == "street_list" and match.address is None


def test_street_list_reimport_replaces_rules(musterstadt):
    zones_import_street_list(municipality=musterstadt, data=STREET_LIST.encode())
    result = zones_import_street_list(
        municipality=musterstadt, data=b"zone;strasse;seite;von;bis\nS1;Kirchweg;alle;;\n"
    )
    assert result.deactivated == ["S2"]
    assert ZoneStreetRule.objects.of(musterstadt).count() == 1
    match = lookup.zone_for_address(municipality=musterstadt, street="Kirchweg", house_number="1")
    assert match is not None and match.zone.code == "S1"


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"foo;bar\n1;2\n", "Zeile 1: Es fehlen die Spalten „Zone“, „Straße“"),
        (b"zone;strasse;seite;von;bis\nS1;Weg;links;;\n", "Zeile 2: „links“ ist keine Angabe"),
        (b"zone;strasse;seite;von;bis\nS1;Weg;alle;x;\n", "Zeile 2: „x“ ist keine Hausnummer"),
        (b"zone;strasse;seite;von;bis\nS1;Weg;alle;9;3\n", "Zeile 2: „von“ (9) ist größer"),
        (b"zone;strasse;seite;von;bis\n;Weg;alle;;\n", "Zeile 2: Das Zonenkürzel fehlt"),
    ],
)
def test_broken_street_lists_are_refused(musterstadt, data, expected):
    with pytest.raises(RathausError) as excinfo:
        zones_import_street_list(municipality=musterstadt, data=data)
    assert expected in _problems(excinfo)
    assert not Zone.objects.of(musterstadt).exists()


# --------------------------------------------------------------------------- addresses

ADDRESS_CSV = (
    "strasse;hausnummer;plz;ort;lon;lat\n"
    "Lindenallee;5;33098;Musterstadt;8,7525;51,7190\n"
    "Lindenallee;5a;33098;Musterstadt;8.7526;51.7190\n"
    "Lindenallee;;33098;Musterstadt;8.7500;51.7190\n"
    "### Straßenname unbekannt;3;33098;Musterstadt;8.75;51.71\n"
    "Lindenallee;5;33098;Musterstadt;8.7525;51.7190\n"
)


def test_address_csv_with_quirks(musterstadt):
    result = addresses_import(
        municipality=musterstadt, data=ADDRESS_CSV.encode(), attribution="Demo"
    )
    assert (result.imported, result.street_points, result.unknown_street, result.duplicates) == (
        2,
        1,
        1,
        1,
    )
    assert sorted(Address.objects.of(musterstadt).values_list("house_number", flat=True)) == [
        "5",
        "5a",
    ]
    found = lookup.address_search(municipality=musterstadt, query="linden 5")
    assert [a.house_number for a in found] == ["5"]
    found = lookup.address_search(municipality=musterstadt, query="Lindenallee")
    assert [a.house_number for a in found] == ["5", "5a"]


def test_address_reimport_replaces_the_register(musterstadt, beispieldorf):
    addresses_import(municipality=musterstadt, data=ADDRESS_CSV.encode())
    addresses_import(municipality=beispieldorf, data=ADDRESS_CSV.encode())
    addresses_import(
        municipality=musterstadt, data=b"strasse;hausnummer;lon;lat\nAm Markt;1;8.75;51.71\n"
    )
    assert list(Address.objects.of(musterstadt).values_list("street", flat=True)) == ["Am Markt"]
    assert Address.objects.of(beispieldorf).count() == 2


def test_state_house_coordinates_hkde(musterstadt):
    # HK-DE: NBA;OI;QUA;LAN;RBZ;KRS;GMD;OTT;SSS;HNR;ADZ;EAST;NORTH;STN;PLZ;ONM;ZON;POT
    line = "N;DENW12345678901;A;05;1;13;000;0001;00012;12;;32361661,616;5701158,791;"
    data = (
        "# Hauskoordinaten NRW\n"
        f"{line}Admiral-Scheer-Str.;45130;Essen;;Rüttenscheid\n"
        f"{line.replace(';12;;', ';14;A;')}Admiral-Scheer-Str.;45130;Essen;;Rüttenscheid\n"
    ).encode("cp1252")
    result = addresses_import(municipality=musterstadt, data=data)
    assert result.format == "Hauskoordinaten (HK-DE)" and result.crs == "EPSG:25832"
    address = Address.objects.of(musterstadt).get(house_number="12")
    assert (address.postcode, address.city) == ("45130", "Essen")
    assert address.lon == pytest.approx(7.0093365, abs=1e-6)
    assert address.lat == pytest.approx(51.4447004, abs=1e-6)
    assert Address.objects.of(musterstadt).filter(house_number="14a").exists()


def test_geojson_points_in_a_zip_like_essen(musterstadt):
    features = [
        {
            "type": "Feature",
            "properties": {"strname": "Aachener Str.", "hsnr": "1", "hsnrzu": "B"},
            "geometry": {"type": "Point", "coordinates": [6.9719842, 51.4469154]},
        },
        {
            "type": "Feature",
            "properties": {"strname": "Aachener Str.", "adresse": "Aachener Str. *"},
            "geometry": {"type": "Point", "coordinates": [6.9719842, 51.4469154]},
        },
    ]
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x_hinweis.txt", "Lizenz: dl-de/by-2-0")
        archive.writestr("x.geojson", json.dumps(document))
    result = addresses_import(municipality=musterstadt, data=buffer.getvalue(), filename="x.zip")
    assert (result.imported, result.street_points) == (1, 1)
    assert Address.objects.of(musterstadt).get().house_number == "1b"


@pytest.mark.parametrize(
    "data, expected",
    [
        (
            b"strasse;hausnummer;lon;lat\nA-Weg;1;8.75;51.71\nB-Weg;2;acht;51.7\n",
            "Zeile 3: Die Koordinate „acht 51.7“ ist keine Zahl.",
        ),
        (b"strasse;lon;lat\nA-Weg;8.75;51.71\n", "Zeile 1: Es fehlen die Spalten „Hausnummer"),
        (b"strasse;hausnummer\nA-Weg;1\n", "„Koordinaten (lon/lat oder x/y)“"),
        (b"strasse;hausnummer;lon;lat\nA-Weg;1;8.75\n", "Zeile 2: Die Zeile hat nur 3 Spalten"),
        (b"strasse;hausnummer;lon;lat\nA-Weg;1;8.75;95\n", "Zeile 2: Die Koordinate liegt"),
        (b"PK\x03\x04broken", "Das ZIP-Archiv ist beschädigt."),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature"', "kein gültiges JSON"),
    ],
)
def test_broken_address_files_are_refused(musterstadt, data, expected):
    addresses_import(municipality=musterstadt, data=ADDRESS_CSV.encode())
    with pytest.raises(RathausError) as excinfo:
        addresses_import(municipality=musterstadt, data=data)
    assert expected in _problems(excinfo)
    assert Address.objects.of(musterstadt).count() == 2  # the old register is untouched


# --------------------------------------------------------------------------- lookup mechanics


def test_lookup_query_counts(musterstadt, django_assert_num_queries):
    zones_import_geojson(municipality=musterstadt, data=ESSEN_ZONES.read_bytes())
    addresses_import(municipality=musterstadt, data=ADDRESS_CSV.encode())
    lookup.zone_for_point(municipality=musterstadt, lon=7.0, lat=51.45)  # builds the index
    points = np.random.default_rng(1).uniform([6.99, 51.44], [7.04, 51.47], size=(500, 2))
    with django_assert_num_queries(0):  # points: in memory only
        for lon, lat in points:
            lookup.zone_for_point(municipality=musterstadt, lon=float(lon), lat=float(lat))
    with django_assert_num_queries(1):  # the first address: the register, read once
        lookup.zone_for_address(municipality=musterstadt, street="Lindenallee", house_number="5")
    wanted = [("Lindenallee", str(n), "") for n in range(1, 6)] + [("Lindenallee", "5a", "")]
    with django_assert_num_queries(0):  # then addresses from memory
        lookup.zone_for_address(municipality=musterstadt, street="Lindenallee", house_number="5a")
        lookup.zones_for_addresses(municipality=musterstadt, addresses=wanted, chunk_size=2)
        lookup.zones_for_addresses(municipality=musterstadt, addresses=wanted * 3)
        assert lookup.zones_for_addresses(municipality=musterstadt, addresses=[]) == []


def test_register_entry_is_read_only_when_asked_for(musterstadt, django_assert_num_queries):
    _two_zones_and_a_street_list(musterstadt)
    lookup.zone_for_address(municipality=musterstadt, street="x", house_number="1")  # builds
    with django_assert_num_queries(0):
        match = lookup.zone_for_address(
            municipality=musterstadt, street="Hauptstraße", house_number="2"
        )
        [same] = lookup.zones_for_addresses(
            municipality=musterstadt, addresses=[("Hauptstr.", "2")]
        )
        assert match is not None and match.address_id is not None
        assert match == same  # compared by the entry's primary key, no query
    with django_assert_num_queries(1):  # the register entry: one query, when read
        assert match.address is not None and match.address.house_number == "2"
    with django_assert_num_queries(0):
        assert match.address.postcode == "33098"
        assert match == same
    # An entry gone since the lookup (a new register): no address rather than an error.
    Address.objects.of(musterstadt).filter(pk=same.address_id).delete()
    assert same.address is None and same.address_id is None


def _two_zones_and_a_street_list(municipality) -> None:
    """Zones A (west) and B (east) as polygons, S as a street list (Kirchweg, and the even
    numbers of the Feldweg, which lies outside both polygons); register entries in A and B, the
    Hauptstraße 1 twice (33098 in A, 33099 in B)."""
    zones_import_geojson(
        municipality=municipality,
        data=_collection(
            _box_feature("A", 8.70, 51.70, 8.71, 51.71),
            _box_feature("B", 8.71, 51.70, 8.72, 51.71),
        ),
    )
    zones_import_street_list(
        municipality=municipality,
        data=b"zone;strasse;seite;von;bis\nS;Kirchweg;alle;;\nS;Feldweg;gerade;;\n",
    )
    rows = [
        ("Hauptstraße", "1", "33098", 8.705, 51.705),
        ("Hauptstraße", "1", "33099", 8.715, 51.705),
        ("Hauptstraße", "2", "33098", 8.706, 51.705),
        ("Hauptstraße", "3 a", "", 8.716, 51.706),
        ("Feldweg", "2", "33098", 8.80, 51.80),
        ("Feldweg", "3", "33098", 8.80, 51.80),
        ("Randweg", "1", "33098", 8.71, 51.705),  # on the border of A and B: A (first code)
    ]
    Address.objects.bulk_create(
        Address(
            municipality=municipality,
            street=street,
            house_number=number,
            postcode=postcode,
            city="Musterstadt",
            lon=lon,
            lat=lat,
            street_key=street_key(street),
            number_key=number_key(number),
            number_int=int(number.split()[0]),
        )
        for street, number, postcode, lon, lat in rows
    )


BATCH = [
    ("Hauptstraße", "1", "33098"),  # A
    ("Hauptstr.", "1", "33099"),  # B: the postcode picks the second entry
    ("hauptstrasse", "1", ""),  # no postcode: the first entry (A)
    ("Hauptstraße", "1", "12345"),  # a postcode that fits neither: not found
    ("Hauptstraße", "2", ""),  # A
    ("Hauptstraße", "3A", "33098"),  # B: the entry has no postcode, so any fits
    ("Kirchweg", "7", ""),  # no register entry: the street list (S), address None
    ("Feldweg", "2", ""),  # in the register, outside the polygons, even: S with its address
    ("Feldweg", "3", ""),  # odd: none
    ("Randweg", "1", ""),  # on the shared border: the first code
    ("Gibtsnichtweg", "1", ""),  # unknown
    ("Hauptstraße", "", ""),  # no number
    ("Hauptstraße", "1", "33098"),  # repeated
]


def _zone_code(municipality, street: str, number: str) -> str | None:
    """The zone code of an address, asked singly and as a batch of one (the same answer)."""
    single = lookup.zone_for_address(municipality=municipality, street=street, house_number=number)
    [batch] = lookup.zones_for_addresses(
        municipality=municipality, addresses=[(street, number, "")]
    )
    assert single == batch
    return single.zone.code if single else None


def test_batch_gives_the_same_answers_as_single_lookups(musterstadt):
    _two_zones_and_a_street_list(musterstadt)
    singles = [
        lookup.zone_for_address(
            municipality=musterstadt, street=street, house_number=number, postcode=postcode
        )
        for street, number, postcode in BATCH
    ]
    codes = [(m.zone.code, m.how) if m else None for m in singles]
    assert codes == [
        ("A", "polygon"),
        ("B", "polygon"),
        ("A", "polygon"),
        None,
        ("A", "polygon"),
        ("B", "polygon"),
        ("S", "street_list"),
        ("S", "street_list"),
        None,
        ("A", "polygon"),
        None,
        None,
        ("A", "polygon"),
    ]
    for chunk_size in (1, 3, 1000):
        batch = lookup.zones_for_addresses(
            municipality=musterstadt, addresses=BATCH, chunk_size=chunk_size
        )
        assert batch == singles  # zone, how and address
    # The register entry behind a match is a saved Address, built on first access.
    second = singles[1]
    assert second is not None and second.address is not None
    assert second.address == Address.objects.of(musterstadt).get(postcode="33099")
    assert (second.address.postcode, second.address.lon) == ("33099", 8.715)
    assert not second.address._state.adding
    assert singles[6] is not None and singles[6].address is None
    assert singles[7] is not None and singles[7].address.street == "Feldweg"  # type: ignore[union-attr]
    # (street, number) pairs without a postcode are accepted too
    pairs = lookup.zones_for_addresses(
        municipality=musterstadt, addresses=[("Hauptstraße", "1"), ("Kirchweg", "1")]
    )
    assert [m.zone.code if m else None for m in pairs] == ["A", "S"]


def test_batch_is_scoped_to_the_municipality(musterstadt, beispieldorf):
    _two_zones_and_a_street_list(musterstadt)
    zones_import_geojson(
        municipality=beispieldorf, data=_collection(_box_feature("X", 8.0, 51.0, 9.0, 52.0))
    )
    assert lookup.zones_for_addresses(
        municipality=beispieldorf, addresses=[("Hauptstraße", "1", "")]
    ) == [None]


def test_zone_and_register_changes_are_seen_by_the_next_lookup(musterstadt):
    _two_zones_and_a_street_list(musterstadt)

    def code(street: str = "Hauptstraße", number: str = "2") -> str | None:
        return _zone_code(musterstadt, street, number)

    assert code() == "A"
    # A new zone file: A moves north, C covers the old place of A.
    zones_import_geojson(
        municipality=musterstadt,
        data=_collection(
            _box_feature("A", 8.70, 51.71, 8.71, 51.72),
            _box_feature("B", 8.71, 51.70, 8.72, 51.71),
            _box_feature("C", 8.70, 51.70, 8.71, 51.71),
        ),
    )
    assert code() == "C"
    zone_c = Zone.objects.of(musterstadt).get(code="C")
    zone_update(
        zone=zone_c,
        name=zone_c.name,
        capacity=None,
        secondary_residence_allowed=False,
        visitor_passes_per_year=0,
        notes="",
        active=False,
    )
    assert code() is None
    # A new register (Hauptstraße 2 moved into B, Kirchweg 7 added in A): seen at once.
    addresses_import(
        municipality=musterstadt,
        data=(
            "strasse;hausnummer;plz;ort;lon;lat\n"
            "Hauptstraße;2;33098;Musterstadt;8.715;51.705\n"
            "Kirchweg;7;33098;Musterstadt;8.716;51.705\n"
        ).encode(),
    )
    assert code() == "B"
    assert code("Kirchweg", "7") == "B"  # in the register now: its polygon, not the list
    assert code("Hauptstraße", "3a") is None  # gone with the old register


def test_address_map_is_a_few_numpy_arrays(musterstadt):
    """The register in memory: numpy arrays of machine values, sorted by key hash, one
    entry per distinct key; only the key with two entries (Hauptstraße 1 under two
    postcodes) has Python objects, in the side dict."""
    _two_zones_and_a_street_list(musterstadt)
    lookup.zone_for_address(municipality=musterstadt, street="x", house_number="1")
    addresses = lookup._index(musterstadt).addresses
    assert addresses is not None and addresses.count == 6  # 7 entries, 6 keys
    for values in (
        addresses.hashes,
        addresses.zones,
        addresses.postcode_codes,
        addresses.pks,
    ):
        assert isinstance(values, np.ndarray) and values.dtype.kind == "i"
        assert len(values) == 6
    # Adjacent pairs compared directly: np.diff of 64-bit hashes overflows and wraps.
    assert (addresses.hashes[1:] > addresses.hashes[:-1]).all()
    assert addresses.nbytes == 6 * 16  # hash 8, pk 4, zone 2, postcode 2
    assert list(addresses.extra) == [lookup._key_hash("hauptstrasse\x001")]
    [(first_code, first_pk, first_zone), (second_code, second_pk, second_zone)] = (
        addresses.extra[lookup._key_hash("hauptstrasse\x001")] or []
    )
    assert first_pk < second_pk and (first_zone, second_zone) == (0, 1)  # A, B
    assert addresses.postcodes == {"": 0, "33098": first_code, "33099": second_code}
    assert addresses.exact == {}


def test_hash_collisions_between_register_keys_are_told_apart(musterstadt, monkeypatch):
    """Two register keys with one hash (forced here; about 3e-10 for 100,000 real keys):
    their texts decide, and each keeps its own entries and postcode rule."""
    real = lookup._key_hash
    monkeypatch.setattr(
        lookup,
        "_key_hash",
        lambda key: 42 if key.startswith(("hauptstrasse\x001", "randweg\x00")) else real(key),
    )
    _two_zones_and_a_street_list(musterstadt)
    singles = [
        lookup.zone_for_address(
            municipality=musterstadt, street=street, house_number=number, postcode=postcode
        )
        for street, number, postcode in BATCH
    ]
    assert [(m.zone.code, m.how) if m else None for m in singles][:4] == [
        ("A", "polygon"),
        ("B", "polygon"),
        ("A", "polygon"),
        None,
    ]
    assert singles[9] is not None and singles[9].address.street == "Randweg"  # type: ignore[union-attr]
    assert lookup.zones_for_addresses(municipality=musterstadt, addresses=BATCH) == singles
    addresses = lookup._index(musterstadt).addresses
    assert addresses is not None and addresses.extra == {42: None}
    assert sorted(addresses.exact) == ["hauptstrasse\x001", "randweg\x001"]
    # A key not in the register with the same hash: the texts say no.
    assert (
        lookup.zone_for_address(municipality=musterstadt, street="Hauptstraße", house_number="17")
        is None
    )


def test_other_process_register_changes_are_seen_after_the_version_check(musterstadt, settings):
    _two_zones_and_a_street_list(musterstadt)
    settings.RATHAUS_GEO_VERSION_CHECK_SECONDS = 3600

    def code(number: str) -> str | None:
        return _zone_code(musterstadt, "Hauptstraße", number)

    assert (code("2"), code("4")) == ("A", None)
    index = lookup._index(musterstadt)
    # Another process moves Hauptstraße 2 into B and adds number 4 in A: only the database
    # changes (and the stamp), this process's map stays until its next version check.
    Address.objects.of(musterstadt).filter(street="Hauptstraße", house_number="2").update(lon=8.715)
    Address.objects.create(
        municipality=musterstadt,
        street="Hauptstraße",
        house_number="4",
        lon=8.705,
        lat=51.705,
        street_key="hauptstrasse",
        number_key="4",
        number_int=4,
    )
    GeoState.objects.filter(municipality=musterstadt).update(
        addresses_version=F("addresses_version") + 1
    )
    assert (code("2"), code("4")) == ("A", None)
    index.ttl = 0  # the check is due
    assert (code("2"), code("4")) == ("B", "A")
    # Only the map was rebuilt: the zones and their grid stay.
    assert lookup._index(musterstadt) is index


def test_other_process_zone_changes_reach_address_lookups(musterstadt, settings):
    _two_zones_and_a_street_list(musterstadt)
    settings.RATHAUS_GEO_VERSION_CHECK_SECONDS = 3600
    assert _zone_code(musterstadt, "Hauptstraße", "2") == "A"
    # Another process deactivates A: only the database changes, this process's index stays
    # until its next version check.
    Zone.objects.of(musterstadt).filter(code="A").update(active=False)
    GeoState.objects.filter(municipality=musterstadt).update(zones_version=F("zones_version") + 1)
    assert _zone_code(musterstadt, "Hauptstraße", "2") == "A"
    for index in lookup._cache.values():
        index.ttl = 0  # the check is due
    assert _zone_code(musterstadt, "Hauptstraße", "2") is None
    assert _zone_code(musterstadt, "Randweg", "1") == "B"


def test_grid_cache_agrees_with_plain_polygon_test(musterstadt):
    from shapely.geometry import Point, shape

    zones_import_geojson(municipality=musterstadt, data=ESSEN_ZONES.read_bytes())
    shapes = {
        f["properties"]["NameGebiet"]: shape(f["geometry"]) for f in essen_features()["features"]
    }
    points = np.random.default_rng(7).uniform([6.995, 51.44], [7.035, 51.468], size=(3000, 2))
    inside = 0
    for _round in range(2):  # the second round answers from the grid cells
        for lon, lat in points:
            zone = lookup.zone_for_point(municipality=musterstadt, lon=float(lon), lat=float(lat))
            expected = [c for c, s in shapes.items() if s.intersects(Point(lon, lat))]
            assert (zone.code if zone else None) == (expected[0] if expected else None)
            inside += zone is not None
    assert inside > 500  # the sample really hits zones


def test_grid_stays_small_for_zones_far_apart(musterstadt):
    """Zones in Paderborn and in Berlin: the grid over their bounding box is coarsened to at
    most _MAX_CELLS cells and still answers exactly."""
    zones_import_geojson(
        municipality=musterstadt,
        data=_collection(
            _box_feature("P", 8.75, 51.71, 8.76, 51.72),
            _box_feature("B", 13.40, 52.51, 13.41, 52.52),
        ),
    )
    points = [(8.755, 51.715), (13.405, 52.515), (11.0, 52.0), (8.76, 51.72), (8.7601, 51.72)]
    found = [lookup.zone_for_point(municipality=musterstadt, lon=x, lat=y) for x, y in points]
    assert [z.code if z else None for z in found] == ["P", "B", None, "P", None]
    index = lookup._index(musterstadt)
    assert len(index.cells) <= lookup._MAX_CELLS and index.grid[4] < lookup._CELL_X
    lon, lat = np.array(points).T
    assert index.zones_for_points(lon, lat).tolist() == [1, 0, -1, 1, -1]  # by code: B, P
    assert lookup.zone_for_point(municipality=musterstadt, lon=float("nan"), lat=51.7) is None


def test_other_process_changes_are_seen_after_the_version_check(musterstadt, settings):
    settings.RATHAUS_GEO_VERSION_CHECK_SECONDS = 0
    zones_import_geojson(
        municipality=musterstadt, data=_collection(_box_feature("A", 8.75, 51.71, 8.76, 51.72))
    )
    assert lookup.zone_for_point(municipality=musterstadt, lon=8.755, lat=51.715).code == "A"
    # Another process deactivates the zone: only the database changes, this process's cache stays.
    Zone.objects.of(musterstadt).update(active=False)
    GeoState.objects.filter(municipality=musterstadt).update(zones_version=1)
    assert lookup.zone_for_point(municipality=musterstadt, lon=8.755, lat=51.715) is None


def test_lookup_is_scoped_to_the_municipality(musterstadt, beispieldorf):
    zones_import_geojson(municipality=musterstadt, data=ESSEN_ZONES.read_bytes())
    addresses_import(municipality=musterstadt, data=ADDRESS_CSV.encode())
    assert lookup.zone_for_point(municipality=musterstadt, lon=7.0093365, lat=51.4447004)
    assert lookup.zone_for_point(municipality=beispieldorf, lon=7.0093365, lat=51.4447004) is None
    assert (
        lookup.zone_for_address(municipality=beispieldorf, street="Lindenallee", house_number="5")
        is None
    )
    assert lookup.address_search(municipality=beispieldorf, query="Lindenallee") == []

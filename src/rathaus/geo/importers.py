"""Reading zone and address files (no database access here; :mod:`rathaus.geo.services` writes).

Every reader either returns everything it found or raises :class:`ImportFailed` with a list of
problems, each naming where (``Objekt 3``, ``Zeile 17``) and what, in German. Nothing is written
before a file has been read completely, so a broken file never leaves half an import behind.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from . import crs as crslib
from .models import MAX_EXTENT_M
from .normalize import number_int, number_key, street_key

MAX_PROBLEMS = 25
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:3]))
        self.problems = problems


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.more = 0

    def add(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.problems:
            problems = list(self.problems)
            if self.more:
                problems.append(Problem("", f"… und {self.more} weitere Fehler."))
            raise ImportFailed(problems)


def _fail(where: str, message: str) -> ImportFailed:
    return ImportFailed([Problem(where, message)])


# --------------------------------------------------------------------------- decoding


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _load_json(data: bytes) -> Any:
    try:
        return json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise _fail(
            f"Zeile {exc.lineno}, Spalte {exc.colno}",
            f"Die Datei ist kein gültiges JSON ({exc.msg}).",
        ) from exc
    except RecursionError as exc:
        raise _fail("", "Die Datei ist zu tief verschachtelt.") from exc


def unpack(data: bytes, filename: str = "") -> tuple[bytes, str]:
    """The data file inside a zip archive (the first .geojson/.json/.csv/.txt member), else the
    data itself. Guards against archives that unpack to more than 300 MB."""
    if not data.startswith(b"PK\x03\x04"):
        return data, filename
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _fail(filename, "Das ZIP-Archiv ist beschädigt.") from exc
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith((".geojson", ".json", ".csv", ".txt"))
        and not info.filename.lower().endswith("_hinweis.txt")
    ]
    members.sort(key=lambda i: (not i.filename.lower().endswith((".geojson", ".json")), i.filename))
    if not members:
        raise _fail(filename, "Das ZIP-Archiv enthält keine GeoJSON- oder CSV-Datei.")
    info = members[0]
    if info.file_size > MAX_UNZIPPED_BYTES:
        raise _fail(info.filename, "Die Datei im ZIP-Archiv ist zu groß (mehr als 300 MB).")
    with archive.open(info) as handle:
        content = handle.read(MAX_UNZIPPED_BYTES + 1)
    if len(content) > MAX_UNZIPPED_BYTES:
        raise _fail(info.filename, "Die Datei im ZIP-Archiv ist zu groß (mehr als 300 MB).")
    return content, info.filename


def _prop(properties: dict[str, Any], names: Iterable[str]) -> Any:
    lowered = {str(k).casefold(): v for k, v in properties.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, ""):
            return value
    return None


def _features(document: Any, collector: _Collector) -> list[Any]:
    if not isinstance(document, dict):
        raise _fail("", "Die Datei ist kein GeoJSON-Objekt.")
    kind = document.get("type")
    if kind == "Feature":
        return [document]
    if kind != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise _fail("", "Erwartet wird eine GeoJSON-FeatureCollection mit „features“.")
    return document["features"]


def _file_crs(document: Any, chosen: str) -> str | None:
    if chosen and chosen != "auto":
        try:
            return crslib.crs_from_name(chosen)
        except crslib.UnknownCRS as exc:
            raise _fail("", f"Unbekanntes Koordinatenreferenzsystem „{chosen}“.") from exc
    try:
        return crslib.crs_from_geojson(document.get("crs"))
    except crslib.UnknownCRS as exc:
        raise _fail(
            "crs",
            f"Unbekanntes Koordinatenreferenzsystem „{exc}“. Unterstützt sind WGS84 (EPSG:4326) "
            "und ETRS89/UTM (EPSG:25832, 25833, 4647).",
        ) from exc


def _check_crs_fits(source: str, xs: np.ndarray, ys: np.ndarray, where: str) -> None:
    if source == crslib.WGS84 and crslib.looks_projected(xs, ys):
        raise _fail(
            where,
            "Die Koordinaten sind keine Längen- und Breitengrade (WGS84). Die Datei nennt kein "
            "passendes Koordinatensystem; wählen Sie es beim Hochladen (z. B. ETRS89/UTM32, "
            "EPSG:25832).",
        )


def _in_range(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return np.isfinite(xs) & np.isfinite(ys) & (np.abs(xs) <= 180) & (np.abs(ys) <= 90)


# --------------------------------------------------------------------------- zones

CODE_PROPERTIES = (
    "code",
    "kuerzel",
    "kürzel",
    "abkuerzung",
    "abkürzung",
    "zone",
    "zonen_nr",
    "zone_code",
    "gebietsnummer",
)
NAME_PROPERTIES = ("name", "namegebiet", "bezeichnung", "gebiet", "zonenname", "title")
_VALIDITY = [
    (re.compile(r"^Ring Self-intersection\[(.*)\]"), "Ein Ring des Polygons überschneidet sich"),
    (re.compile(r"^Self-intersection\[(.*)\]"), "Das Polygon überschneidet sich selbst"),
    (re.compile(r"^Too few points.*\[(.*)\]"), "Ein Ring hat zu wenige Punkte"),
    (re.compile(r"^Hole lies outside shell\[(.*)\]"), "Ein Loch liegt außerhalb der Fläche"),
    (re.compile(r"^Interior is disconnected\[(.*)\]"), "Die Fläche zerfällt in getrennte Teile"),
    (re.compile(r"^Nested (holes|shells)\[(.*)\]"), "Ringe sind ineinander verschachtelt"),
    (re.compile(r"^Invalid Coordinate\[(.*)\]"), "Ungültige Koordinate"),
]


def _validity_message(reason: str) -> str:
    for pattern, text in _VALIDITY:
        match = pattern.match(reason)
        if match:
            where = match.groups()[-1]
            return f"{text} (bei {where})."
    return f"Die Geometrie ist ungültig ({reason})."


@dataclass
class ParsedZone:
    code: str
    name: str
    geometry: dict[str, Any]
    extent_m: int
    feature_numbers: list[int]

    @property
    def oversize(self) -> bool:
        return self.extent_m > MAX_EXTENT_M


@dataclass
class ParsedZones:
    zones: list[ParsedZone]
    crs: str
    features: int


def parse_zones_geojson(data: bytes, *, crs: str = "auto", filename: str = "") -> ParsedZones:
    """Zones from a GeoJSON FeatureCollection of Polygon/MultiPolygon features.

    Code and name come from the properties (``code``/``kuerzel``…, ``name``/``NameGebiet``…); a
    feature without code uses its name as code. Features with the same code (an area in several
    parts) are merged into one MultiPolygon."""
    data, filename = unpack(data, filename)
    document = _load_json(data)
    collector = _Collector()
    features = _features(document, collector)
    source = _file_crs(document, crs) or crslib.WGS84
    if not features:
        raise _fail("", "Die Datei enthält keine Objekte (features).")
    by_code: dict[str, tuple[str, list[shapely.Geometry], list[int]]] = {}
    for index, feature in enumerate(features):
        where = f"Objekt {index + 1} (features[{index}])"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            collector.add(where, "Kein GeoJSON-Feature.")
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        code = str(_prop(properties, CODE_PROPERTIES) or "").strip()
        name = str(_prop(properties, NAME_PROPERTIES) or "").strip()
        if not code and not name:
            collector.add(where, "Weder Kürzel (code/kuerzel) noch Name (name/NameGebiet).")
            continue
        code = (code or name)[:60]
        name = (name or code)[:200]
        where = f"{where}, „{code}“"
        raw = feature.get("geometry")
        if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
            found = raw.get("type") if isinstance(raw, dict) else "keine"
            collector.add(where, f"Erwartet wird ein Polygon oder MultiPolygon, gefunden: {found}.")
            continue
        try:
            geometry = shape(raw)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            collector.add(where, f"Die Koordinaten sind fehlerhaft ({exc}).")
            continue
        if geometry.is_empty:
            collector.add(where, "Die Fläche ist leer.")
            continue
        coords = shapely.get_coordinates(geometry)
        if not np.isfinite(coords).all():
            collector.add(where, "Die Koordinaten enthalten ungültige Zahlen.")
            continue
        _check_crs_fits(source, coords[:, 0], coords[:, 1], where)
        if not geometry.is_valid:
            collector.add(where, _validity_message(shapely.is_valid_reason(geometry)))
            continue
        wgs84 = crslib.transform_geometry(geometry, source)
        out = shapely.get_coordinates(wgs84)
        if not _in_range(out[:, 0], out[:, 1]).all():
            collector.add(where, "Die Koordinaten liegen außerhalb des gültigen Bereichs.")
            continue
        entry = by_code.setdefault(code, (name, [], []))
        entry[1].append(wgs84)
        entry[2].append(index + 1)
    collector.raise_if_any()
    zones = []
    for code, (name, parts, numbers) in by_code.items():
        geometry = parts[0] if len(parts) == 1 else shapely.union_all(parts)
        geometry = shapely.set_precision(geometry, 1e-7)
        zones.append(
            ParsedZone(
                code=code,
                name=name,
                geometry=shapely.geometry.mapping(geometry),
                extent_m=crslib.extent_m(geometry),
                feature_numbers=numbers,
            )
        )
    return ParsedZones(zones=zones, crs=source, features=len(features))


# --------------------------------------------------------------------------- CSV helpers


def _csv_rows(data: bytes) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    text = _decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    delimiter = max(";,\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)

    def rows() -> Iterable[tuple[int, list[str]]]:
        for row in reader:
            if not row or (len(row) == 1 and (not row[0].strip() or row[0].startswith("#"))):
                continue
            yield reader.line_num, [cell.strip() for cell in row]

    iterator = iter(rows())
    header = next(iterator, None)
    if header is None:
        raise _fail("", "Die Datei ist leer.")
    return header[1], _chain(header, iterator)


def _chain(first: tuple[int, list[str]], rest: Iterable[tuple[int, list[str]]]):
    yield first
    yield from rest


def _column(header: list[str], names: Iterable[str]) -> int | None:
    lowered = [h.casefold().strip().lstrip("\ufeff") for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _number(text: str) -> float:
    value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else None
    if value is None:
        value = float(text)
    return value


# --------------------------------------------------------------------------- street lists

PARITIES = {
    "": "all",
    "alle": "all",
    "all": "all",
    "a": "all",
    "beide": "all",
    "gerade": "even",
    "even": "even",
    "g": "even",
    "ungerade": "odd",
    "odd": "odd",
    "u": "odd",
}


@dataclass
class ParsedRule:
    zone_code: str
    zone_name: str
    street: str
    street_key: str
    parity: str
    number_from: int | None
    number_to: int | None


def parse_street_list(data: bytes, *, filename: str = "") -> list[ParsedRule]:
    """Street-list zones: CSV with the columns zone code, street, parity (alle/gerade/ungerade),
    from, to (and optionally the zone's name)."""
    data, filename = unpack(data, filename)
    header, rows = _csv_rows(data)
    columns = {
        "zone": _column(header, ("zone", "kuerzel", "kürzel", "zone_code", "code", "zonenkuerzel")),
        "name": _column(header, ("zonenname", "zone_name", "name")),
        "street": _column(header, ("strasse", "straße", "street", "strassenname", "strname")),
        "parity": _column(header, ("seite", "parity", "paritaet", "parität", "hausnummern")),
        "from": _column(header, ("von", "from", "hausnummer_von", "nr_von")),
        "to": _column(header, ("bis", "to", "hausnummer_bis", "nr_bis")),
    }
    labels = {"zone": "Zone", "street": "Straße"}
    missing = [labels[k] for k in ("zone", "street") if columns[k] is None]
    if missing:
        raise _fail(
            "Zeile 1",
            "Es fehlen die Spalten "
            + ", ".join(f"„{m}“" for m in missing)
            + " (erwartet: zone;strasse;seite;von;bis).",
        )
    collector = _Collector()
    rules: list[ParsedRule] = []
    first = True
    for line, row in rows:
        if first:
            first = False
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = columns[key]
            return row[index] if index is not None and index < len(row) else ""

        where = f"Zeile {line}"
        code, street = cell("zone"), cell("street")
        if not code:
            collector.add(where, "Das Zonenkürzel fehlt.")
            continue
        if not street or not street_key(street):
            collector.add(where, "Der Straßenname fehlt.")
            continue
        parity = PARITIES.get(cell("parity").casefold())
        if parity is None:
            collector.add(
                where, f"„{cell('parity')}“ ist keine Angabe für die Seite (alle/gerade/ungerade)."
            )
            continue
        bounds: list[int | None] = []
        for key in ("from", "to"):
            raw = cell(key)
            if not raw:
                bounds.append(None)
            elif number_int(raw) is None or not raw.strip()[:1].isdigit():
                collector.add(where, f"„{raw}“ ist keine Hausnummer.")
                break
            else:
                bounds.append(number_int(raw))
        if len(bounds) != 2:
            continue
        if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
            collector.add(where, f"„von“ ({bounds[0]}) ist größer als „bis“ ({bounds[1]}).")
            continue
        rules.append(
            ParsedRule(
                zone_code=code[:60],
                zone_name=cell("name")[:200],
                street=street[:200],
                street_key=street_key(street),
                parity=parity,
                number_from=bounds[0],
                number_to=bounds[1],
            )
        )
    collector.raise_if_any()
    if not rules:
        raise _fail("", "Die Datei enthält keine Straßenabschnitte.")
    return rules


# --------------------------------------------------------------------------- addresses

STREET_COLUMNS = ("strasse", "straße", "strname", "street", "strassenname", "stn")
NUMBER_COLUMNS = ("hausnummer", "hsnr", "hnr", "house_number", "nr", "hn")
SUFFIX_COLUMNS = ("hsnrzu", "zusatz", "adz", "hausnummernzusatz", "suffix")
POSTCODE_COLUMNS = ("plz", "postleitzahl", "postcode")
CITY_COLUMNS = ("ort", "onm", "city", "gemeinde", "postort")
LON_COLUMNS = ("lon", "lon_wgs84", "laenge", "länge", "lng", "longitude")
LAT_COLUMNS = ("lat", "lat_wgs84", "breite", "latitude")
X_COLUMNS = ("x", "east", "ostwert", "rechtswert", "easting", "x_epsg25832", "x_epsg4647")
Y_COLUMNS = ("y", "north", "nordwert", "hochwert", "northing", "y_epsg25832", "y_epsg4647")

# Hauskoordinaten Deutschland (HK-DE), the format of the state surveying offices: ";"-separated,
# no header, NBA;OI;QUA;LAN;RBZ;KRS;GMD;OTT;SSS;HNR;ADZ;EAST;NORTH;STN;PLZ;ONM;ZON;POT with
# ETRS89/UTM coordinates (decimal comma, easting with the zone in front).
HKDE_FIELDS = 14
_HKDE_COORD = re.compile(r"^\d{6,8}([.,]\d+)?$")


@dataclass
class AddressRecord:
    street: str
    house_number: str
    postcode: str
    city: str
    lon: float
    lat: float
    street_key: str
    number_key: str
    number_int: int | None


@dataclass
class ParsedAddresses:
    addresses: list[AddressRecord]
    rows: int
    unknown_street: int = 0
    street_points: int = 0
    duplicates: int = 0
    format: str = ""
    crs: str = crslib.WGS84
    notes: list[str] = field(default_factory=list)


@dataclass
class _Raw:
    where: str
    street: str
    number: str
    suffix: str
    postcode: str
    city: str
    x: float
    y: float


def _is_unknown_street(name: str) -> bool:
    return name.startswith("#") or "unbekannt" in name.casefold()


def _is_address(
    street: str,
    number: str,
    *,
    where: str,
    collector: _Collector,
    counts: dict[str, int],
    missing_street: str,
) -> bool:
    """Whether a register row is a real address. A row without street is an error; the real
    files' placeholder streets ("### Straßenname unbekannt") and street reference points (no
    house number) are skipped and counted for the import summary."""
    if not street:
        collector.add(where, missing_street)
        return False
    if _is_unknown_street(street):
        counts["unknown"] += 1
        return False
    if not number:
        counts["points"] += 1
        return False
    return True


def _finish(raws: list[_Raw], source: str, fmt: str, rows: int, counts: dict[str, int]):
    collector = _Collector()
    if not raws:
        raise _fail("", "Die Datei enthält keine Adressen mit Hausnummer.")
    xs = np.array([r.x for r in raws], dtype=float)
    ys = np.array([r.y for r in raws], dtype=float)
    _check_crs_fits(source, xs, ys, raws[0].where)
    lon, lat = crslib.transform_xy(xs, ys, source)
    ok = _in_range(lon, lat)
    for index in np.flatnonzero(~ok)[: MAX_PROBLEMS + 1]:
        collector.add(raws[index].where, "Die Koordinate liegt außerhalb des gültigen Bereichs.")
    collector.raise_if_any()
    seen: set[tuple[str, str, str]] = set()
    out: list[AddressRecord] = []
    duplicates = 0
    for raw, x, y in zip(raws, lon.tolist(), lat.tolist(), strict=True):
        house = (raw.number + raw.suffix).strip()
        skey, nkey = street_key(raw.street), number_key(house)
        key = (skey, nkey, raw.postcode)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        out.append(
            AddressRecord(
                street=raw.street[:200],
                house_number=house[:20],
                postcode=raw.postcode[:5],
                city=raw.city[:100],
                lon=round(x, 7),
                lat=round(y, 7),
                street_key=skey,
                number_key=nkey,
                number_int=number_int(house),
            )
        )
    return ParsedAddresses(
        addresses=out,
        rows=rows,
        unknown_street=counts["unknown"],
        street_points=counts["points"],
        duplicates=duplicates,
        format=fmt,
        crs=source,
    )


def _suffix(number: str, suffix: str) -> str:
    if not suffix:
        return ""
    return suffix.lower() if number and number[-1:].isdigit() and len(suffix) == 1 else suffix


def parse_addresses(data: bytes, *, crs: str = "auto", filename: str = "") -> ParsedAddresses:
    """An address register: GeoJSON points (also zipped, like Essen's house coordinates), a CSV
    with a header, or the state's house-coordinate format (HK-DE)."""
    data, filename = unpack(data, filename)
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _addresses_geojson(data, crs)
    return _addresses_csv(data, crs)


def _addresses_geojson(data: bytes, crs: str) -> ParsedAddresses:
    document = _load_json(data)
    collector = _Collector()
    features = _features(document, collector)
    source = _file_crs(document, crs) or crslib.WGS84
    counts = {"unknown": 0, "points": 0}
    raws: list[_Raw] = []
    for index, feature in enumerate(features):
        where = f"Objekt {index + 1} (features[{index}])"
        if not isinstance(feature, dict):
            collector.add(where, "Kein GeoJSON-Feature.")
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        street = str(_prop(properties, STREET_COLUMNS) or "").strip()
        number = str(_prop(properties, NUMBER_COLUMNS) or "").strip()
        if not _is_address(
            street,
            number,
            where=where,
            collector=collector,
            counts=counts,
            missing_street="Der Straßenname fehlt (strname/strasse).",
        ):
            continue
        geometry = feature.get("geometry")
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coords, list)
            or len(coords) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
        ):
            collector.add(where, "Erwartet wird ein Punkt mit zwei Zahlen als Koordinaten.")
            continue
        raws.append(
            _Raw(
                where=where,
                street=street,
                number=number,
                suffix=_suffix(number, str(_prop(properties, SUFFIX_COLUMNS) or "").strip()),
                postcode=str(_prop(properties, POSTCODE_COLUMNS) or "").strip(),
                city=str(_prop(properties, CITY_COLUMNS) or "").strip(),
                x=float(coords[0]),
                y=float(coords[1]),
            )
        )
    collector.raise_if_any()
    return _finish(raws, source, "GeoJSON", len(features), counts)


def _addresses_csv(data: bytes, crs: str) -> ParsedAddresses:
    header, rows = _csv_rows(data)
    chosen = None
    if crs and crs != "auto":
        try:
            chosen = crslib.crs_from_name(crs)
        except crslib.UnknownCRS as exc:
            raise _fail("", f"Unbekanntes Koordinatenreferenzsystem „{crs}“.") from exc
    hkde = len(header) >= HKDE_FIELDS and bool(_HKDE_COORD.match(header[11]))
    if hkde:
        columns: dict[str, int | None] = {
            "street": 13,
            "number": 9,
            "suffix": 10,
            "postcode": 14,
            "city": 15,
            "x": 11,
            "y": 12,
            "lon": None,
            "lat": None,
        }
        fmt = "Hauskoordinaten (HK-DE)"
        skip_header = False
    else:
        columns = {
            "street": _column(header, STREET_COLUMNS),
            "number": _column(header, NUMBER_COLUMNS),
            "suffix": _column(header, SUFFIX_COLUMNS),
            "postcode": _column(header, POSTCODE_COLUMNS),
            "city": _column(header, CITY_COLUMNS),
            "lon": _column(header, LON_COLUMNS),
            "lat": _column(header, LAT_COLUMNS),
            "x": _column(header, X_COLUMNS),
            "y": _column(header, Y_COLUMNS),
        }
        fmt = "CSV"
        skip_header = True
        missing = []
        if columns["street"] is None:
            missing.append("Straße (strasse/strname)")
        if columns["number"] is None:
            missing.append("Hausnummer (hausnummer/hsnr)")
        use_lonlat = columns["lon"] is not None and columns["lat"] is not None
        use_lonlat = use_lonlat and chosen in (None, crslib.WGS84)
        if not use_lonlat and (columns["x"] is None or columns["y"] is None):
            missing.append("Koordinaten (lon/lat oder x/y)")
        if missing:
            raise _fail(
                "Zeile 1", "Es fehlen die Spalten " + ", ".join(f"„{m}“" for m in missing) + "."
            )
        if use_lonlat:
            columns["x"], columns["y"] = columns["lon"], columns["lat"]
            chosen = crslib.WGS84
    collector = _Collector()
    counts = {"unknown": 0, "points": 0}
    raws: list[_Raw] = []
    sources: set[str] = set()
    total = 0
    for line, row in rows:
        if skip_header:
            skip_header = False
            continue
        total += 1
        where = f"Zeile {line}"

        def cell(key: str, row: list[str] = row) -> str:
            index = columns[key]
            return row[index] if index is not None and index < len(row) else ""

        needed = max(i for i in (columns["street"], columns["x"], columns["y"]) if i is not None)
        if len(row) <= needed:
            collector.add(where, f"Die Zeile hat nur {len(row)} Spalten, erwartet {needed + 1}.")
            continue
        street, number = cell("street"), cell("number")
        if not _is_address(
            street,
            number,
            where=where,
            collector=collector,
            counts=counts,
            missing_street="Der Straßenname fehlt.",
        ):
            continue
        try:
            x, y = _number(cell("x")), _number(cell("y"))
        except ValueError:
            collector.add(where, f"Die Koordinate „{cell('x')} {cell('y')}“ ist keine Zahl.")
            continue
        source = chosen
        if source is None or source == "EPSG:4647":
            x, prefixed = crslib.split_zone_prefix(x)
            source = prefixed or source or (crslib.WGS84 if abs(x) <= 180 else crslib.UTM32)
        sources.add(source)
        raws.append(
            _Raw(
                where=where,
                street=street,
                number=number,
                suffix=_suffix(number, cell("suffix")),
                postcode=cell("postcode"),
                city=cell("city"),
                x=x,
                y=y,
            )
        )
    collector.raise_if_any()
    if len(sources) > 1:
        raise _fail(
            "",
            "Die Koordinaten der Datei stammen aus verschiedenen Systemen ("
            + ", ".join(sorted(sources))
            + "); bitte wählen Sie das Koordinatensystem beim Hochladen.",
        )
    source = sources.pop() if sources else crslib.WGS84
    return _finish(raws, source, fmt, total, counts)

"""Demo zones and addresses: Essen's real resident-parking areas with the 2,902 house coordinates
inside them, and a few invented zones for Musterstadt (marked as demo data). Beispieldorf has no
zones. Idempotent: a municipality that already has zones is left alone."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from rathaus.core.models import Municipality

from .models import Zone
from .services import addresses_import, zones_import_geojson, zones_import_street_list

DATA_DIR = Path(__file__).resolve().parent / "data"
ESSEN_ATTRIBUTION = (
    "Datenquelle: Stadt Essen, Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2.0)"
)
DEMO_ATTRIBUTION = "Demodaten (frei erfunden)"
DEMO_DEFAULTS = {"visitor_passes_per_year": 20, "secondary_residence_allowed": True}


def seed_essen(municipality: Municipality, lines: list[str]) -> None:
    folder = DATA_DIR / "essen"
    zones_import_geojson(
        municipality=municipality,
        data=(folder / "bewohnerparkbereiche.geojson").read_bytes(),
        filename="bewohnerparkbereiche.geojson",
        attribution=ESSEN_ATTRIBUTION,
        defaults=DEMO_DEFAULTS,
    )
    result = addresses_import(
        municipality=municipality,
        data=(folder / "hauskoordinaten_in_bewohnerparkbereichen.csv").read_bytes(),
        filename="hauskoordinaten_in_bewohnerparkbereichen.csv",
        attribution=ESSEN_ATTRIBUTION,
    )
    lines.append(f"Essen: 9 Bewohnerparkbereiche, {result.imported} Adressen (Open Data)")


def _box(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


# Invented streets around an invented centre (coordinates near Paderborn, which shares the
# district prefix of Musterstadt's AGS).
MUSTERSTADT_ZONES = [
    ("A", "Altstadt (Demo)", _box(8.7500, 51.7160, 8.7580, 51.7200)),
    ("B", "Bahnhofsviertel (Demo)", _box(8.7600, 51.7160, 8.7680, 51.7200)),
]
MUSTERSTADT_STREETS = [
    # street, numbers, start (lon, lat), step per number (lon)
    ("Rathausplatz", 6, (8.7520, 51.7180), 0.0001),
    ("Am Markt", 12, (8.7530, 51.7170), 0.0002),
    ("Lindenallee", 20, (8.7510, 51.7190), 0.0003),
    ("Bahnhofstraße", 30, (8.7610, 51.7175), 0.0002),
    ("Gartenweg", 40, (8.7500, 51.7120), 0.0001),
    ("Waldstraße", 10, (8.7400, 51.7100), 0.0002),
]


def seed_musterstadt(municipality: Municipality, lines: list[str]) -> None:
    features = [
        {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}
        for code, name, geometry in MUSTERSTADT_ZONES
    ]
    zones_import_geojson(
        municipality=municipality,
        data=json.dumps({"type": "FeatureCollection", "features": features}).encode(),
        filename="musterstadt-demo.geojson",
        attribution=DEMO_ATTRIBUTION,
        defaults=DEMO_DEFAULTS,
    )
    zones_import_street_list(
        municipality=municipality,
        data=b"zone;zonenname;strasse;seite;von;bis\nC;Gartenweg (Demo);Gartenweg;gerade;2;40\n",
        filename="musterstadt-demo-strassen.csv",
    )
    Zone.objects.of(municipality).filter(code="C").update(**DEMO_DEFAULTS)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["strasse", "hausnummer", "plz", "ort", "lon", "lat"])
    for street, count, (lon, lat), step in MUSTERSTADT_STREETS:
        for number in range(1, count + 1):
            writer.writerow([street, number, "33098", "Musterstadt", lon + number * step, lat])
    result = addresses_import(
        municipality=municipality,
        data=out.getvalue().encode(),
        filename="musterstadt-demo-adressen.csv",
        attribution=DEMO_ATTRIBUTION,
    )
    lines.append(f"Musterstadt: 3 Demo-Parkzonen (A, B, C), {result.imported} Demo-Adressen")


def seed(municipality: Municipality, lines: list[str]) -> None:
    if Zone.objects.of(municipality).exists():
        return
    if municipality.slug == "essen":
        seed_essen(municipality, lines)
    elif municipality.slug == "musterstadt":
        seed_musterstadt(municipality, lines)

"""Shared helpers for the geo tests: the Essen data, loaded once per module."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rathaus.core.models import Municipality
from rathaus.geo import lookup
from rathaus.geo.demo import DATA_DIR, ESSEN_ATTRIBUTION
from rathaus.geo.models import Address, GeoState, Zone, ZoneStreetRule
from rathaus.geo.services import addresses_import, zones_import_geojson
from rathaus.testing.factories import MunicipalityFactory

ESSEN_ZONES = DATA_DIR / "essen" / "bewohnerparkbereiche.geojson"
ESSEN_IN_ZONES = DATA_DIR / "essen" / "hauskoordinaten_in_bewohnerparkbereichen.csv"
ESSEN_NAMES = {
    "Ostviertel",
    "Ostviertel 2",
    "Innenstadt Nord",
    "Museum-Süd (V)",
    "Museum-West (IV)",
    "Museum-Nord (II)",
    "Sternviertel (I)",
    "Museum-Ost (III)",
    "Innenstadt Süd",
}


def essen_in_zone_rows() -> list[dict[str, str]]:
    with ESSEN_IN_ZONES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def essen_features() -> dict:
    return json.loads(ESSEN_ZONES.read_text(encoding="utf-8"))


def wipe(municipality: Municipality) -> None:
    Address.objects.of(municipality).delete()
    ZoneStreetRule.objects.of(municipality).delete()
    Zone.objects.of(municipality).delete()
    GeoState.objects.filter(municipality=municipality).delete()
    lookup.forget(municipality.pk)
    municipality.delete()


@contextmanager
def essen_with_addresses(blocker, addresses: Path | None = None) -> Iterator[Municipality]:
    """Essen with its 9 zones and an address file (default: the 2,902 in the zones), committed
    for a whole test module and removed afterwards."""
    with blocker.unblock():
        essen = MunicipalityFactory(slug="essen", name="Essen", ags="05113000")
        zones_import_geojson(
            municipality=essen,
            data=ESSEN_ZONES.read_bytes(),
            filename=ESSEN_ZONES.name,
            attribution=ESSEN_ATTRIBUTION,
        )
        path = addresses or ESSEN_IN_ZONES
        addresses_import(
            municipality=essen,
            data=path.read_bytes(),
            filename=path.name,
            attribution=ESSEN_ATTRIBUTION,
        )
    try:
        yield essen
    finally:
        with blocker.unblock():
            wipe(essen)

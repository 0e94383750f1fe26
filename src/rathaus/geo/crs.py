"""Coordinate reference systems: which ones an import accepts, and reprojection to WGS84 and to
ETRS89/UTM32 (EPSG:25832, the NRW standard, used to measure a zone's extent in metres)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

WGS84 = "EPSG:4326"
UTM32 = "EPSG:25832"

# Choices offered on upload; "auto" reads the file's ``crs`` member (GeoJSON) or guesses from the
# coordinates (CSV: easting/northing vs. longitude/latitude).
CRS_CHOICES = [
    ("auto", "Automatisch (aus der Datei)"),
    ("EPSG:4326", "WGS84 – Länge/Breite (EPSG:4326)"),
    ("EPSG:25832", "ETRS89 / UTM Zone 32N (EPSG:25832, NRW-Standard)"),
    ("EPSG:4647", "ETRS89 / UTM 32N mit Zonenkennung „32“ (EPSG:4647)"),
    ("EPSG:25833", "ETRS89 / UTM Zone 33N (EPSG:25833)"),
]

_ALIASES = {
    "urn:ogc:def:crs:ogc:1.3:crs84": WGS84,
    "urn:ogc:def:crs:ogc::crs84": WGS84,
    "ogc:crs84": WGS84,
    "crs84": WGS84,
    "wgs84": WGS84,
}


class UnknownCRS(ValueError):
    pass


def crs_from_name(name: str) -> str:
    """A canonical "EPSG:n" for a CRS name as found in files ("EPSG:25832",
    "urn:ogc:def:crs:EPSG::25832", "urn:ogc:def:crs:OGC:1.3:CRS84" …); raises UnknownCRS."""
    text = (name or "").strip()
    alias = _ALIASES.get(text.casefold())
    if alias:
        return alias
    try:
        crs = CRS.from_user_input(text)
    except CRSError as exc:
        raise UnknownCRS(text) from exc
    epsg = crs.to_epsg()
    if epsg is None:
        raise UnknownCRS(text)
    if epsg in (4258, 4326, 4230) or crs.is_geographic:
        # ETRS89 and WGS84 differ by less than a metre here; both are treated as longitude/latitude.
        if epsg not in (4258, 4326):
            raise UnknownCRS(text)
        return WGS84
    if not crs.is_projected:
        raise UnknownCRS(text)
    return f"EPSG:{epsg}"


def crs_from_geojson(member: Any) -> str | None:
    """The canonical CRS of a GeoJSON ``crs`` member (the 2008 spec), None when there is none."""
    if member is None:
        return None
    if not isinstance(member, dict):
        raise UnknownCRS(str(member)[:80])
    properties = member.get("properties") or {}
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str):
        raise UnknownCRS(str(member)[:80])
    return crs_from_name(name)


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def transform_xy(xs: np.ndarray, ys: np.ndarray, source: str, target: str = WGS84):
    if source == target:
        return xs, ys
    out_x, out_y = _transformer(source, target).transform(xs, ys)
    return np.asarray(out_x), np.asarray(out_y)


def transform_geometry(geometry: shapely.Geometry, source: str, target: str = WGS84):
    if source == target:
        return geometry

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transform_xy(coords[:, 0], coords[:, 1], source, target)
        return np.column_stack([x, y])

    return shapely.transform(geometry, fn)


def extent_m(geometry_wgs84: shapely.Geometry) -> int:
    """The largest distance between two points of the geometry, in metres (measured in UTM32)."""
    projected = transform_geometry(geometry_wgs84, WGS84, UTM32)
    hull = shapely.convex_hull(projected)
    coords = shapely.get_coordinates(hull)
    if len(coords) < 2:
        return 0
    diff = coords[:, None, :] - coords[None, :, :]
    return round(float(np.sqrt((diff**2).sum(axis=-1)).max()))


def looks_projected(xs: np.ndarray, ys: np.ndarray) -> bool:
    """True when every coordinate is far outside longitude/latitude (easting/northing)."""
    return bool(len(xs)) and bool(((np.abs(xs) > 180) & (np.abs(ys) > 90)).all())


def split_zone_prefix(easting: float) -> tuple[float, str | None]:
    """Eastings with the UTM zone in front (32361661.6 → zone 32, 361661.6), as in the
    Hauskoordinaten files and EPSG:4647: the plain easting and the matching ETRS89/UTM CRS."""
    if easting >= 10_000_000:
        zone = int(easting // 1_000_000)
        if zone in (31, 32, 33):
            return easting - zone * 1_000_000, f"EPSG:258{zone}"
    return easting, None

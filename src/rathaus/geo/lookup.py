"""Address → zone lookup, in memory.

Per municipality one :class:`_Index` holds the active zones (a Shapely STRtree of prepared
polygons), the street-list rules by street key, and the address register as a dict from
(street key, number key) to the address's coordinates and its zone (computed once, in bulk, when
the index is built). The hot path is dict look-ups and at most one STRtree query: no database
access, no loop over all zones.

Invalidation: every write bumps a version stamp on the municipality's :class:`GeoState` row
(:func:`rathaus.geo.services._touch`) and drops this process's entry at once; other processes
compare the stamps at most every ``RATHAUS_GEO_VERSION_CHECK_SECONDS`` (default 2 s) with one
cheap query and rebuild when they differ. The cache key includes the municipality's creation
time, so a recreated municipality with a reused primary key never sees an old index.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Literal

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree
from shapely.geometry import shape

from rathaus.core.models import Municipality

from .models import Address, GeoState, Zone, ZoneStreetRule
from .normalize import number_int, number_key, split_query, street_key

# Grid of cells (about 35 × 33 m) remembered per index: a cell that lies wholly inside one zone
# or outside all zones answers without any geometry test.
_CELL_X = 2000.0
_CELL_Y = 3000.0
_MAX_CELLS = 500_000
_MIXED = -2


class ZoneMatch:
    """The zone of an address and how it was found. ``address`` (the register entry, or None
    when only a street list matched) is built on first access."""

    __slots__ = ("_address", "_index", "_municipality_id", "_row", "how", "zone")

    def __init__(
        self,
        zone: Zone,
        address: Address | None = None,
        how: Literal["polygon", "street_list"] = "polygon",
        *,
        _row: tuple[Any, ...] | None = None,
        _index: _Index | None = None,
        _municipality_id: int = 0,
    ) -> None:
        self.zone = zone
        self.how = how
        self._address = address
        self._row = _row
        self._index = _index
        self._municipality_id = _municipality_id

    @property
    def address(self) -> Address | None:
        if self._address is None and self._row is not None and self._index is not None:
            self._address = self._index.address(self._row, self._municipality_id)
        return self._address

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ZoneMatch) and (self.zone, self.how, self.address) == (
            other.zone,
            other.how,
            other.address,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ZoneMatch(zone={self.zone!r}, address={self.address!r}, how={self.how!r})"


class _Index:
    def __init__(
        self,
        *,
        zones_version: int,
        addresses_version: int,
        zones: list[Zone],
        street_rules: dict[str, list[tuple[str, int | None, int | None, Zone]]],
        addresses: dict[tuple[str, str], list[tuple[Any, ...]]],
        geometries: list[Any],
    ) -> None:
        self.zones_version = zones_version
        self.addresses_version = addresses_version
        self.zones = zones
        self.street_rules = street_rules
        self.addresses = addresses
        self.geometries = geometries
        self.tree = STRtree(geometries) if geometries else None
        self.cells: dict[tuple[int, int], int] = {}
        self.address_objects: dict[int, Address] = {}
        self.checked_at = time.monotonic()
        self.ttl = float(getattr(settings, "RATHAUS_GEO_VERSION_CHECK_SECONDS", 2.0))

    # -- points

    def zone_index(self, lon: float, lat: float) -> int:
        """Index into ``zones`` of the zone containing the point, -1 for none."""
        if self.tree is None:
            return -1
        cell = (int(lon * _CELL_X // 1), int(lat * _CELL_Y // 1))
        known = self.cells.get(cell)
        if known is None:
            known = self._classify_cell(cell)
        if known != _MIXED:
            return known
        found = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(found.min()) if len(found) else -1

    def _classify_cell(self, cell: tuple[int, int]) -> int:
        assert self.tree is not None
        box = shapely.box(
            cell[0] / _CELL_X, cell[1] / _CELL_Y, (cell[0] + 1) / _CELL_X, (cell[1] + 1) / _CELL_Y
        )
        candidates = self.tree.query(box, predicate="intersects")
        if len(candidates) == 0:
            value = -1
        elif len(candidates) == 1 and self.geometries[int(candidates[0])].contains(box):
            value = int(candidates[0])
        else:
            value = _MIXED
        if len(self.cells) >= _MAX_CELLS:
            self.cells.clear()
        self.cells[cell] = value
        return value

    def zones_for_points(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        result = np.full(len(lon), -1, dtype=np.int64)
        if self.tree is None or not len(lon):
            return result
        points = shapely.points(lon, lat)
        point_idx, zone_idx = self.tree.query(points, predicate="intersects")
        # The lowest zone index wins where zones overlap (zones are ordered by code).
        order = np.lexsort((zone_idx, point_idx))[::-1]
        result[point_idx[order]] = zone_idx[order]
        return result

    # -- addresses

    def address(self, row: tuple[Any, ...], municipality_id: int) -> Address:
        found = self.address_objects.get(row[0])
        if found is None:
            found = Address(
                id=row[0],
                municipality_id=municipality_id,
                street=row[1],
                house_number=row[2],
                postcode=row[3],
                city=row[4],
                lon=row[5],
                lat=row[6],
                street_key=row[7],
                number_key=row[8],
                number_int=row[9],
            )
            found._state.adding = False
            found._state.db = "default"
            self.address_objects[row[0]] = found
        return found

    def rule_zone(self, skey: str, house_number: str) -> Zone | None:
        rules = self.street_rules.get(skey)
        if not rules:
            return None
        number = number_int(house_number)
        for parity, low, high, zone in rules:
            if number is None:
                if parity == "all" and low is None and high is None:
                    return zone
                continue
            if (parity == "even" and number % 2) or (parity == "odd" and not number % 2):
                continue
            if (low is None or number >= low) and (high is None or number <= high):
                return zone
        return None


_cache: dict[tuple[int, Any], _Index] = {}
_lock = threading.Lock()


def forget(municipality_id: int | None = None) -> None:
    """Drop this process's index (of one municipality, or all)."""
    with _lock:
        if municipality_id is None:
            _cache.clear()
        else:
            for key in [k for k in _cache if k[0] == municipality_id]:
                del _cache[key]


def _versions(municipality_id: int) -> tuple[int, int]:
    row = (
        GeoState.objects.filter(municipality_id=municipality_id)
        .values_list("zones_version", "addresses_version")
        .first()
    )
    return (row[0], row[1]) if row else (0, 0)


def _build(municipality_id: int, versions: tuple[int, int]) -> _Index:
    zones = list(
        Zone.objects.of(municipality_id)
        .filter(active=True, kind=Zone.Kind.PARKING)
        .order_by("code")
    )
    polygon_zones = [z for z in zones if z.geometry]
    geometries = []
    for zone in polygon_zones:
        geometry = shape(zone.geometry)
        shapely.prepare(geometry)
        geometries.append(geometry)
    rules: dict[str, list[tuple[str, int | None, int | None, Zone]]] = {}
    by_pk = {z.pk: z for z in zones}
    for rule in ZoneStreetRule.objects.of(municipality_id).order_by("number_from", "pk"):
        zone = by_pk.get(rule.zone_id)
        if zone is not None:
            rules.setdefault(rule.street_key, []).append(
                (rule.parity, rule.number_from, rule.number_to, zone)
            )
    index = _Index(
        zones_version=versions[0],
        addresses_version=versions[1],
        zones=polygon_zones,
        street_rules=rules,
        addresses={},
        geometries=geometries,
    )
    register = Address.objects.of(municipality_id).order_by("pk")
    # First the coordinates only (floats: small), to find every address's zone at once; then
    # the rows in chunks, so the whole register never sits in memory twice.
    points = list(register.values_list("pk", "lon", "lat"))
    if points:
        lon = np.fromiter((p[1] for p in points), dtype=float, count=len(points))
        lat = np.fromiter((p[2] for p in points), dtype=float, count=len(points))
        zone_of = dict(
            zip((p[0] for p in points), index.zones_for_points(lon, lat).tolist(), strict=True)
        )
        del points, lon, lat
        addresses = index.addresses
        # Street names, postcodes, cities and house numbers repeat across the register: one
        # string object each instead of one per address.
        pool: dict[str, str] = {}
        share = pool.setdefault
        rows = register.values_list(
            "id",
            "street",
            "house_number",
            "postcode",
            "city",
            "lon",
            "lat",
            "street_key",
            "number_key",
            "number_int",
        ).iterator(chunk_size=5000)
        for row in rows:
            pk, street, number, postcode, city, x, y, skey, nkey, nint = row
            zone_idx = zone_of.get(pk)
            if zone_idx is None:  # added between the two reads
                zone_idx = index.zone_index(x, y)
            skey, nkey = share(skey, skey), share(nkey, nkey)
            addresses.setdefault((skey, nkey), []).append(
                (
                    pk,
                    share(street, street),
                    share(number, number),
                    share(postcode, postcode),
                    share(city, city),
                    x,
                    y,
                    skey,
                    nkey,
                    nint,
                    zone_idx,
                )
            )
    return index


def _index(municipality: Municipality | int) -> _Index:
    if isinstance(municipality, int):
        municipality_id, born = municipality, None
    else:
        municipality_id, born = municipality.pk, municipality.__dict__.get("created_at")
    key = (municipality_id, born)
    index = _cache.get(key)
    now = time.monotonic()
    if index is not None:
        if now - index.checked_at < index.ttl:
            return index
        versions = _versions(municipality_id)
        if versions == (index.zones_version, index.addresses_version):
            index.checked_at = now
            return index
    else:
        versions = _versions(municipality_id)
    with _lock:
        index = _cache.get(key)
        if index is not None and (index.zones_version, index.addresses_version) == versions:
            index.checked_at = now
            return index
        index = _build(municipality_id, versions)
        for old in [k for k in _cache if k[0] == municipality_id]:
            del _cache[old]
        _cache[key] = index
    return index


def zone_for_point(*, municipality: Municipality, lon: float, lat: float) -> Zone | None:
    """The active polygon zone containing the WGS84 point, or None."""
    index = _index(municipality)
    found = index.zone_index(lon, lat)
    return index.zones[found] if found >= 0 else None


def zone_for_address(
    *, municipality: Municipality, street: str, house_number: str, postcode: str = ""
) -> ZoneMatch | None:
    """The zone of an address: by its register coordinates and the zone polygons, else by the
    street lists. Street names and numbers are compared normalised ("Str." = "Straße", case,
    spaces, "12 a" = "12a"). A postcode, where given and known, must match."""
    index = _index(municipality)
    skey = street_key(street)
    nkey = number_key(house_number)
    rows = index.addresses.get((skey, nkey))
    row = None
    if rows:
        postcode = (postcode or "").strip()
        for candidate in rows:
            if not postcode or not candidate[3] or candidate[3] == postcode:
                row = candidate
                break
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    if row is not None and row[10] >= 0:
        return ZoneMatch(
            index.zones[row[10]],
            None,
            "polygon",
            _row=row,
            _index=index,
            _municipality_id=municipality_id,
        )
    zone = index.rule_zone(skey, house_number)
    if zone is not None:
        return ZoneMatch(
            zone, None, "street_list", _row=row, _index=index, _municipality_id=municipality_id
        )
    return None


def address_search(*, municipality: Municipality, query: str, limit: int = 10) -> list[Address]:
    """Addresses whose normalised street starts with the query's street part (and, if the query
    ends in a house number, whose number starts with it). Uses the (municipality, street_key,
    number_key) index; one query."""
    street, number = split_query(query[:200])
    skey = street_key(street)
    if len(skey) < 2:
        return []
    found = Address.objects.of(municipality).filter(street_key__startswith=skey)
    if number:
        nkey = number_key(number)
        exact = found.filter(number_key=nkey)
        found = exact if exact.exists() else found.filter(number_key__startswith=nkey)
    return list(found.order_by("street_key", "number_int", "number_key")[: max(1, min(limit, 100))])


__all__ = ["ZoneMatch", "address_search", "forget", "zone_for_address", "zone_for_point"]

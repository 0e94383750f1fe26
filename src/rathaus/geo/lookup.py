"""Address → zone lookup, in memory: the zones and a compact map of the address register.

Per municipality one small :class:`_Index` holds the active zones (a Shapely STRtree of prepared
polygons), a fixed-size grid over the zones' bounding box that remembers which cells lie wholly
inside one zone or outside all (2 bytes a cell, at most ``_MAX_CELLS`` cells), and the
street-list rules by street key. A point costs no database access and no loop over all zones.

On the first address lookup the index gets an :class:`_AddressMap`: the register read once
(only key, postcode and coordinates, streamed in chunks), every point classified vectorised, and
per address just 16 bytes kept in numpy arrays sorted by a 64-bit hash of its (street key,
number key): the hash, the zone, a postcode code and the primary key. No strings, no Python
object per address (100,000 addresses: 1.6 MB; holding them as Python objects cost 70 MB a
worker). An address lookup is a binary search over the hashes — no query; the register row
behind a match is read only when a caller asks for ``ZoneMatch.address``. The few keys that
occur more than once (one house number under two postcodes) sit in a small side dict. Two
different register keys with the same hash are found while building and compared by their text;
a key *not* in the register whose hash equals a register key's would get that address's zone —
with Python's keyed 64-bit string hash the chance is about n / 2**64 (5e-15 a lookup at 100,000
addresses), accepted.

Invalidation: every write bumps a version stamp on the municipality's :class:`GeoState` row
(:func:`rathaus.geo.services._touch`: ``zones_version`` for zones and street lists,
``addresses_version`` for the register) and drops this process's entry at once; other processes
compare both stamps at most every ``RATHAUS_GEO_VERSION_CHECK_SECONDS`` (default 2 s) with one
cheap query: a new zones stamp rebuilds the index, a new addresses stamp only the address map.
Writes to the register that bypass the services must bump the stamp too. The cache key includes
the municipality's creation time, so a recreated municipality with a reused primary key never
sees an old index.
"""

from __future__ import annotations

import ctypes
import math
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree
from shapely.geometry import shape

from rathaus.core.models import Municipality

from .models import Address, GeoState, Zone, ZoneStreetRule
from .normalize import number_int, number_key, split_query, street_key

# Grid cells per degree (a cell is about 35 × 37 m at 51° N). The grid covers the zones' bounding
# box and is coarsened until it has at most _MAX_CELLS cells, so its memory is fixed (2 bytes a
# cell, 2 MB at most; 4 bytes with 32,000 zones or more). A cell remembers, once first asked,
# what its core (the cell less a margin of _MARGIN of its size on every side, about 4 mm) holds:
_CELL_X = 2000.0
_CELL_Y = 3000.0
_MAX_CELLS = 1_000_000
_MARGIN = 1e-4
_NONE = -1  # no zone reaches into it
_MIXED = -2  # several zones reach into it: ask the STRtree
_UNKNOWN = -3  # not asked yet
_PARTIAL = -4  # _PARTIAL - i: of all zones only zone i reaches into it, not wholly
# (a value >= 0: zone i contains it wholly). Points within the margin always ask the STRtree, so
# a point on a cell's or a zone's edge is answered exactly.

# Kept for callers of zones_for_addresses(chunk_size=...); the batch no longer queries.
CHUNK = 1000

# Rows per fetch, and points per vectorised classification, while the address map is built.
_READ_CHUNK = 5000
_CLASSIFY_CHUNK = 4096

# The hash of an address key "street key\0number key". Python's string hash: 64 bits, keyed
# per process (SipHash), cached on the string, ten times faster than hashlib. Only ever compared
# within the process that built the map.
_key_hash = hash


def _check_hash(key: str) -> int:
    """A second, independent hash of a key: while the map is built, entries whose key hashes
    agree but whose second hashes differ have different keys."""
    return hash("\x01" + key)


# A register entry of a key that occurs more than once: (postcode code, pk, zone index).
Entry = tuple[int, int, int]


class ZoneMatch:
    """The zone of an address and how it was found. ``address`` (the register entry, or None
    when only a street list matched) is read from the database on first access."""

    __slots__ = ("_address", "_municipality_id", "_pk", "how", "zone")

    def __init__(
        self,
        zone: Zone,
        address: Address | None = None,
        how: Literal["polygon", "street_list"] = "polygon",
        _pk: int | None = None,
        _municipality_id: int = 0,
    ) -> None:
        self.zone = zone
        self.how = how
        self._address = address
        self._pk = address.pk if address is not None else _pk
        self._municipality_id = _municipality_id

    @property
    def address_id(self) -> int | None:
        """The primary key of the register entry, without a query."""
        return self._pk

    @property
    def address(self) -> Address | None:
        if self._address is None and self._pk is not None:
            self._address = Address.objects.of(self._municipality_id).filter(pk=self._pk).first()
            if self._address is None:  # gone: the register was replaced since the lookup
                self._pk = None
        return self._address

    def __eq__(self, other: object) -> bool:
        # Addresses compare by primary key, like model instances: no query.
        return isinstance(other, ZoneMatch) and (self.zone, self.how, self._pk) == (
            other.zone,
            other.how,
            other._pk,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ZoneMatch(zone={self.zone!r}, address_id={self._pk!r}, how={self.how!r})"


class _AddressMap:
    """The register of one municipality, compact: for every distinct (street key, number key)
    its hash (sorted), zone index (-1: in no polygon zone), postcode code (0: none; codes index
    ``postcodes``) and primary key — its first entry by id. Keys with several entries keep all
    of them, by id, in ``extra``; hashes shared by different keys map to None there and their
    entries are in ``exact`` by key text."""

    __slots__ = (
        "count",
        "exact",
        "extra",
        "hashes",
        "hashes_view",
        "pks",
        "pks_view",
        "postcode_codes",
        "postcode_codes_view",
        "postcodes",
        "version",
        "zones",
        "zones_view",
    )

    def __init__(
        self,
        *,
        version: int,
        hashes: np.ndarray,
        zones: np.ndarray,
        postcode_codes: np.ndarray,
        pks: np.ndarray,
        postcodes: dict[str, int],
        extra: dict[int, list[Entry] | None],
        exact: dict[str, list[Entry]],
    ) -> None:
        self.version = version
        self.count = len(hashes)
        self.hashes = hashes
        self.zones = zones
        self.postcode_codes = postcode_codes
        self.pks = pks
        # memoryviews: indexing them gives Python ints, faster than numpy scalars, and bisect
        # runs in C over them.
        self.hashes_view = hashes.data
        self.zones_view = zones.data
        self.postcode_codes_view = postcode_codes.data
        self.pks_view = pks.data
        self.postcodes = postcodes
        self.extra = extra
        self.exact = exact

    def find(self, key: str, postcode: str) -> tuple[int, int] | None:
        """(pk, zone index) of the first register entry (by id) of the key whose postcode
        agrees with the asked one (where both have one), or None."""
        h = _key_hash(key)
        hashes = self.hashes_view
        at = bisect_left(hashes, h)
        if at == self.count or hashes[at] != h:
            return None
        extra = self.extra
        if extra and h in extra:
            entries = extra[h]
            if entries is None:
                entries = self.exact.get(key, [])
            code = self.postcodes.get(postcode, -1) if postcode else 0
            for entry_code, pk, zone in entries:
                if not code or not entry_code or entry_code == code:
                    return pk, zone
            return None
        if postcode:
            entry_code = self.postcode_codes_view[at]
            if entry_code and self.postcodes.get(postcode, -1) != entry_code:
                return None
        return self.pks_view[at], self.zones_view[at]

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays (the side dicts hold only repeated keys)."""
        return self.hashes.nbytes + self.zones.nbytes + self.postcode_codes.nbytes + self.pks.nbytes


class _Index:
    def __init__(
        self,
        *,
        municipality_id: int,
        zones_version: int,
        addresses_version: int,
        zones: list[Zone],
        street_rules: dict[str, list[tuple[str, int | None, int | None, Zone]]],
        geometries: list[Any],
    ) -> None:
        self.municipality_id = municipality_id
        self.zones_version = zones_version
        # The stamp the address map must have; the map is built on the first address lookup
        # and dropped when the stamp changes.
        self.addresses_version = addresses_version
        self.addresses: _AddressMap | None = None
        self.addresses_lock = threading.Lock()
        self.zones = zones
        self.street_rules = street_rules
        self.geometries = geometries
        self.tree = STRtree(geometries) if geometries else None
        self.checked_at = time.monotonic()
        self.ttl = float(getattr(settings, "RATHAUS_GEO_VERSION_CHECK_SECONDS", 2.0))
        # The grid: cell (ix, iy) of the bounding box is cells[iy * nx + ix].
        x0, y0, x1, y1 = shapely.total_bounds(geometries) if geometries else (0.0, 0.0, 0.0, 0.0)
        cx, cy = _CELL_X, _CELL_Y
        while True:
            nx = int((x1 - x0) * cx) + 1
            ny = int((y1 - y0) * cy) + 1
            if nx * ny <= _MAX_CELLS:
                break
            factor = max(math.sqrt(nx * ny / _MAX_CELLS), 1.01)
            cx, cy = cx / factor, cy / factor
        # Without zones a box no point lies in (NaN compares false).
        self.grid = (
            (float(x0), float(y0), float(x1), float(y1), cx, cy, nx)
            if geometries
            else (math.nan, math.nan, math.nan, math.nan, cx, cy, nx)
        )
        wide = len(geometries) >= 32_000
        self.cells = array("i" if wide else "h", [_UNKNOWN]) * (nx * ny if geometries else 0)
        self.cells_view = np.frombuffer(self.cells, dtype=np.int32 if wide else np.int16)
        self.geometry_array = np.empty(len(geometries), dtype=object)
        self.geometry_array[:] = geometries

    # -- points

    def zone_index(self, lon: float, lat: float) -> int:
        """Index into ``zones`` of the zone containing the point, -1 for none. Where zones
        overlap the lowest index wins."""
        x0, y0, x1, y1, cx, cy, nx = self.grid
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return -1  # (also without zones, and for NaN)
        fx = (lon - x0) * cx
        fy = (lat - y0) * cy
        ix = int(fx)
        iy = int(fy)
        if _MARGIN <= fx - ix <= 1.0 - _MARGIN and _MARGIN <= fy - iy <= 1.0 - _MARGIN:
            cell = iy * nx + ix
            known = self.cells[cell]
            if known == _UNKNOWN:
                known = self._classify_cell(cell)
            if known >= _NONE:
                return known
            if known <= _PARTIAL:
                found = _PARTIAL - known
                return found if shapely.intersects_xy(self.geometries[found], lon, lat) else -1
        assert self.tree is not None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(hits.min()) if len(hits) else -1

    def _classify_cell(self, cell: int) -> int:
        assert self.tree is not None
        x0, y0, _x1, _y1, cx, cy, nx = self.grid
        iy, ix = divmod(cell, nx)
        inset = _MARGIN / 2  # the core, with room for rounding
        core = shapely.box(
            x0 + (ix + inset) / cx,
            y0 + (iy + inset) / cy,
            x0 + (ix + 1 - inset) / cx,
            y0 + (iy + 1 - inset) / cy,
        )
        candidates = self.tree.query(core, predicate="intersects")
        if len(candidates) == 0:
            value = _NONE
        elif len(candidates) == 1:
            found = int(candidates[0])
            value = found if self.geometries[found].contains(core) else _PARTIAL - found
        else:
            value = _MIXED
        self.cells[cell] = value
        return value

    def _classify_cells(self, cells: np.ndarray) -> None:
        """``_classify_cell`` for many cells at once."""
        assert self.tree is not None
        x0, y0, _x1, _y1, cx, cy, nx = self.grid
        iy, ix = np.divmod(cells, nx)
        inset = _MARGIN / 2
        cores = shapely.box(
            x0 + (ix + inset) / cx,
            y0 + (iy + inset) / cy,
            x0 + (ix + 1 - inset) / cx,
            y0 + (iy + 1 - inset) / cy,
        )
        core_idx, zone_idx = self.tree.query(cores, predicate="intersects")
        counts = np.bincount(core_idx, minlength=len(cells))
        values = np.where(counts >= 2, _MIXED, _NONE)
        single = np.flatnonzero(counts == 1)
        if len(single):
            only = np.zeros(len(cells), dtype=np.int64)
            only[core_idx] = zone_idx  # (for the cores with a single candidate: that one)
            found = only[single]
            wholly = shapely.contains(self.geometry_array[found], cores[single])
            values[single] = np.where(wholly, found, _PARTIAL - found)
        self.cells_view[cells] = values

    def zones_for_points(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """``zone_index`` for many points at once, vectorised: the grid cells answer (cells not
        asked before are classified in bulk first), points in mixed cells and on cell edges go
        to one bulk STRtree query."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        result = np.full(len(lon), -1, dtype=np.int64)
        if self.tree is None or not len(lon):
            return result
        x0, y0, x1, y1, cx, cy, nx = self.grid
        where = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        lon, lat = lon[where], lat[where]
        fx = (lon - x0) * cx
        fy = (lat - y0) * cy
        ix = fx.astype(np.int64)
        iy = fy.astype(np.int64)
        fx -= ix
        fy -= iy
        core = (fx >= _MARGIN) & (fx <= 1.0 - _MARGIN) & (fy >= _MARGIN) & (fy <= 1.0 - _MARGIN)
        cells = iy * nx + ix
        known = np.where(core, self.cells_view[cells], _MIXED).astype(np.int64)
        unknown = np.flatnonzero(known == _UNKNOWN)
        if len(unknown):
            self._classify_cells(np.unique(cells[unknown]))
            known[unknown] = self.cells_view[cells[unknown]]
        result[where] = np.maximum(known, -1)
        partial = np.flatnonzero(known <= _PARTIAL)
        if len(partial):
            found = _PARTIAL - known[partial]
            inside = shapely.intersects_xy(self.geometry_array[found], lon[partial], lat[partial])
            result[where[partial]] = np.where(inside, found, -1)
        ask = np.flatnonzero(known == _MIXED)
        if len(ask):
            point_idx, zone_idx = self.tree.query(
                shapely.points(lon[ask], lat[ask]), predicate="intersects"
            )
            # The lowest zone index wins where zones overlap (zones are ordered by code).
            order = np.lexsort((zone_idx, point_idx))
            first = np.unique(point_idx[order], return_index=True)[1]
            result[where[ask[point_idx[order][first]]]] = zone_idx[order][first]
        return result

    # -- street lists

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

    def match(
        self, found: tuple[int, int] | None, skey: str, house_number: str
    ) -> ZoneMatch | None:
        """The ZoneMatch of an address map answer: its polygon zone, else the street lists."""
        if found is not None:
            pk, zone_idx = found
            if zone_idx >= 0:
                return ZoneMatch(self.zones[zone_idx], None, "polygon", pk, self.municipality_id)
        else:
            pk = None
        zone = self.rule_zone(skey, house_number)
        if zone is not None:
            return ZoneMatch(zone, None, "street_list", pk, self.municipality_id)
        return None

    # -- the address register

    def address_map(self) -> _AddressMap:
        """The address map, built on first use (once, whichever thread asks first)."""
        found = self.addresses
        if found is not None:
            return found
        with self.addresses_lock:
            found = self.addresses
            if found is None or found.version != self.addresses_version:
                found = _build_addresses(self, self.addresses_version)
                self.addresses = found
                _release_memory()
        return found


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
    """The municipality's (zones, addresses) stamps; (0, 0) before its first import."""
    found = (
        GeoState.objects.filter(municipality_id=municipality_id)
        .values_list("zones_version", "addresses_version")
        .first()
    )
    return found or (0, 0)


def _build(municipality_id: int, zones_version: int, addresses_version: int) -> _Index:
    active = Zone.objects.of(municipality_id).filter(active=True, kind=Zone.Kind.PARKING)
    # The Zone objects without their GeoJSON (a polygon's coordinates as Python lists cost far
    # more than the Shapely geometry); the geometries one at a time.
    zones = list(active.defer("geometry").order_by("code"))
    by_pk = {z.pk: z for z in zones}
    polygon_zones = []
    geometries = []
    for pk, geojson in active.order_by("code").values_list("pk", "geometry").iterator(500):
        if geojson and pk in by_pk:
            geometry = shape(geojson)
            shapely.prepare(geometry)
            geometries.append(geometry)
            polygon_zones.append(by_pk[pk])
    rules: dict[str, list[tuple[str, int | None, int | None, Zone]]] = {}
    for rule in ZoneStreetRule.objects.of(municipality_id).order_by("number_from", "pk"):
        zone = by_pk.get(rule.zone_id)
        if zone is not None:
            rules.setdefault(rule.street_key, []).append(
                (rule.parity, rule.number_from, rule.number_to, zone)
            )
    return _Index(
        municipality_id=municipality_id,
        zones_version=zones_version,
        addresses_version=addresses_version,
        zones=polygon_zones,
        street_rules=rules,
        geometries=geometries,
    )


def _build_addresses(index: _Index, version: int) -> _AddressMap:
    """The address map of the index's municipality: the register streamed in chunks, then
    classified, sorted and grouped vectorised."""
    rows = (
        Address.objects.of(index.municipality_id)
        .order_by()
        .values_list("pk", "street_key", "number_key", "postcode", "lon", "lat")
        .iterator(chunk_size=_READ_CHUNK)
    )
    # Transient, machine values per entry: key hash, a second hash of the key (entries with
    # equal key hashes but different second hashes have different keys: a collision), pk,
    # postcode code, coordinates.
    hashes, checks, pks, codes = array("q"), array("q"), array("q"), array("q")
    lons, lats = array("d"), array("d")
    postcodes: dict[str, int] = {"": 0}
    for pk, skey, nkey, postcode, lon, lat in rows:
        key = f"{skey}\0{nkey}"
        hashes.append(_key_hash(key))
        checks.append(_check_hash(key))
        pks.append(pk)
        code = postcodes.get(postcode)
        if code is None:
            code = postcodes[postcode] = len(postcodes)
        codes.append(code)
        lons.append(lon)
        lats.append(lat)
    all_hashes = np.frombuffer(hashes, dtype=np.int64)
    all_pks = np.frombuffer(pks, dtype=np.int64)
    all_codes = np.frombuffer(codes, dtype=np.int64)
    # Classified in slices: grid cells asked for the first time become Shapely boxes for a
    # moment; for all points at once they took tens of MB.
    all_lons, all_lats = np.frombuffer(lons), np.frombuffer(lats)
    zone_of = np.empty(len(all_lons), dtype=np.int64)
    for begin in range(0, len(all_lons), _CLASSIFY_CHUNK):
        zone_of[begin : begin + _CLASSIFY_CHUNK] = index.zones_for_points(
            all_lons[begin : begin + _CLASSIFY_CHUNK], all_lats[begin : begin + _CLASSIFY_CHUNK]
        )
    del all_lons, all_lats, lons, lats
    # By hash, and by id within a hash: a key's first entry is its entry with the lowest id.
    order = np.lexsort((all_pks, all_hashes))
    sorted_hashes = all_hashes[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_hashes[1:] != sorted_hashes[:-1]
    starts = np.flatnonzero(first)
    chosen = order[starts]
    extra: dict[int, list[Entry] | None] = {}
    exact: dict[str, list[Entry]] = {}
    collided: list[int] = []
    ends = np.append(starts[1:], len(order))
    for start, stop in zip(
        starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(), strict=True
    ):
        members = order[start:stop].tolist()
        h = hashes[members[0]]
        if len({checks[n] for n in members}) == 1:  # one key, several entries
            extra[h] = [(codes[n], pks[n], int(zone_of[n])) for n in members]
        else:  # several keys with one hash: practically never; their texts decide
            extra[h] = None
            collided += members
    if collided:
        by_pk = {pks[n]: n for n in collided}
        pk_list = sorted(by_pk)
        for begin in range(0, len(pk_list), 500):
            for pk, skey, nkey in (
                Address.objects.of(index.municipality_id)
                .filter(pk__in=pk_list[begin : begin + 500])
                .order_by("pk")
                .values_list("pk", "street_key", "number_key")
            ):
                n = by_pk[pk]
                exact.setdefault(f"{skey}\0{nkey}", []).append((codes[n], pk, int(zone_of[n])))
    wide_pk = len(all_pks) > 0 and int(all_pks.max()) >= 2**31
    found = _AddressMap(
        version=version,
        hashes=sorted_hashes[starts],
        zones=zone_of[chosen].astype(np.int16 if len(index.zones) < 2**15 else np.int32),
        postcode_codes=all_codes[chosen].astype(np.int16 if len(postcodes) < 2**15 else np.int32),
        pks=all_pks[chosen].astype(np.int64 if wide_pk else np.int32),
        postcodes=postcodes,
        extra=extra,
        exact=exact,
    )
    return found


def _release_memory() -> None:
    """Give the heap pages freed by the build back to the system (glibc's ``malloc_trim``):
    the build's transient arrays and geometries otherwise stay in the worker's RSS as free
    heap, about 15–20 MB at 100,000 addresses. A no-op elsewhere."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim() -> Any:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc
        return None


_malloc_trim = _find_malloc_trim()


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
        zones_version, addresses_version = _versions(municipality_id)
        if zones_version == index.zones_version:
            if addresses_version != index.addresses_version:
                # Only the register changed: the zones and the grid stay, the map goes.
                with index.addresses_lock:
                    index.addresses_version = addresses_version
                    index.addresses = None
            index.checked_at = now
            return index
    else:
        zones_version, addresses_version = _versions(municipality_id)
    with _lock:
        index = _cache.get(key)
        if index is not None and index.zones_version == zones_version:
            index.checked_at = now
            return index
        index = _build(municipality_id, zones_version, addresses_version)
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
    spaces, "12 a" = "12a"). A postcode, where given and known, must match. No query once the
    index is built (``ZoneMatch.address`` reads the register row when asked for)."""
    index = _index(municipality)
    addresses = index.addresses or index.address_map()
    skey = street_key(street)
    found = addresses.find(
        f"{skey}\0{number_key(house_number)}", postcode.strip() if postcode else ""
    )
    if found is not None and found[1] >= 0:
        return ZoneMatch(index.zones[found[1]], None, "polygon", found[0], index.municipality_id)
    return index.match(found, skey, house_number)


def zones_for_addresses(
    *,
    municipality: Municipality,
    addresses: Iterable[Sequence[str]],
    chunk_size: int = CHUNK,
) -> list[ZoneMatch | None]:
    """:func:`zone_for_address` for many addresses — (street, house number[, postcode]) each —
    with the same answers, in their order; no query once the index is built. (``chunk_size``
    is no longer used: the register is in memory.)"""
    index = _index(municipality)
    find = (index.addresses or index.address_map()).find
    zones = index.zones
    municipality_id = index.municipality_id
    match = index.match
    result: list[ZoneMatch | None] = []
    append = result.append
    for item in addresses:
        skey = street_key(item[0])
        postcode = (item[2] or "").strip() if len(item) > 2 else ""
        found = find(f"{skey}\0{number_key(item[1])}", postcode)
        if found is not None and found[1] >= 0:
            append(ZoneMatch(zones[found[1]], None, "polygon", found[0], municipality_id))
        else:
            append(match(found, skey, item[1]))
    return result


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


__all__ = [
    "ZoneMatch",
    "address_search",
    "forget",
    "zone_for_address",
    "zone_for_point",
    "zones_for_addresses",
]

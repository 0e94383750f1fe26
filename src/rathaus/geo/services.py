"""Writes of the geo app: importing zones (GeoJSON, street lists) and the address register,
editing a zone. Each import reads the whole file first and then writes in one transaction.

Re-import rules (documented in ``docs/parking-zones.md``):

- Zone polygons are **updated by code**: a zone whose code is in the file gets the new name and
  area (the admin's capacity, visitor quota, secondary-residence rule and notes stay); new codes
  are added; polygon zones missing from the file are **deactivated**, not deleted, because issued
  permits refer to them.
- A street list **replaces all street rules** of the municipality; its zone codes are matched to
  existing zones or created; zones without area that lose all rules are deactivated.
- The address register is **replaced** as a whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality

from . import lookup
from .importers import (
    ImportFailed,
    parse_addresses,
    parse_street_list,
    parse_zones_geojson,
)
from .models import MAX_EXTENT_M, Address, GeoState, Zone, ZoneStreetRule


@dataclass
class ZoneImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    oversize: list[tuple[str, int]] = field(default_factory=list)
    rules: int = 0
    crs: str = ""
    dry_run: bool = False


@dataclass
class AddressImportResult:
    imported: int
    rows: int
    unknown_street: int
    street_points: int
    duplicates: int
    format: str
    crs: str
    replaced: int = 0
    dry_run: bool = False


def _failed(exc: ImportFailed, filename: str) -> RathausError:
    name = f"„{filename}“ " if filename else ""
    return RathausError(
        ErrorCode.GEO_IMPORT_INVALID,
        _("Die Datei %(name)swurde nicht importiert: %(first)s")
        % {"name": name, "first": exc.problems[0]},
        problems=[str(p) for p in exc.problems],
    )


def _touch(municipality: Municipality, *, zones: bool = False, addresses: bool = False) -> GeoState:
    """Bump the version stamps (inside the caller's transaction); every process's lookup sees
    the new stamp on its next check and rebuilds its index."""
    state, _created = GeoState.objects.select_for_update().get_or_create(municipality=municipality)
    stamp = time.time_ns()
    if zones:
        state.zones_version = max(stamp, state.zones_version + 1)
    if addresses:
        state.addresses_version = max(stamp, state.addresses_version + 1)
    state.save()
    municipality_id = municipality.pk
    lookup.forget(municipality_id)
    transaction.on_commit(lambda: lookup.forget(municipality_id))
    return state


def zones_import_geojson(
    *,
    municipality: Municipality,
    data: bytes,
    filename: str = "",
    crs: str = "auto",
    attribution: str = "",
    dry_run: bool = False,
    defaults: dict[str, Any] | None = None,
) -> ZoneImportResult:
    """Import zone polygons (WGS84 or ETRS89/UTM, reprojected to WGS84); update by code.

    ``defaults`` are field values for zones this import creates (the demo seed uses them)."""
    try:
        parsed = parse_zones_geojson(data, crs=crs, filename=filename)
    except ImportFailed as exc:
        raise _failed(exc, filename) from exc
    result = ZoneImportResult(crs=parsed.crs, dry_run=dry_run)
    result.oversize = [(z.code, z.extent_m) for z in parsed.zones if z.oversize]
    with transaction.atomic():
        existing = {
            z.code: z
            for z in Zone.objects.of(municipality)
            .filter(kind=Zone.Kind.PARKING)
            .select_for_update()
        }
        seen = set()
        for item in parsed.zones:
            seen.add(item.code)
            values = {
                "name": item.name,
                "geometry": item.geometry,
                "extent_m": item.extent_m,
                "oversize": item.oversize,
                "active": True,
                "attribution": attribution[:500],
            }
            zone = existing.get(item.code)
            if zone is None:
                result.created.append(item.code)
                if not dry_run:
                    Zone.objects.create(
                        municipality=municipality,
                        kind=Zone.Kind.PARKING,
                        code=item.code,
                        **{**(defaults or {}), **values},
                    )
            else:
                result.updated.append(item.code)
                if not dry_run:
                    for key, value in values.items():
                        setattr(zone, key, value)
                    zone.save()
        for code, zone in existing.items():
            if code not in seen and zone.geometry is not None and zone.active:
                result.deactivated.append(code)
                if not dry_run:
                    zone.active = False
                    zone.save(update_fields=["active", "updated_at"])
        if not dry_run:
            state = _touch(municipality, zones=True)
            state.zones_attribution = attribution[:500]
            state.zones_source = filename[:255]
            state.zones_imported_at = timezone.now()
            state.save()
    return result


def zones_import_street_list(
    *,
    municipality: Municipality,
    data: bytes,
    filename: str = "",
    attribution: str = "",
    dry_run: bool = False,
) -> ZoneImportResult:
    """Import street-list zones (zone code; street; parity; from; to) — replaces all rules."""
    try:
        rules = parse_street_list(data, filename=filename)
    except ImportFailed as exc:
        raise _failed(exc, filename) from exc
    result = ZoneImportResult(rules=len(rules), dry_run=dry_run)
    with transaction.atomic():
        zones = {
            z.code: z
            for z in Zone.objects.of(municipality)
            .filter(kind=Zone.Kind.PARKING)
            .select_for_update()
        }
        names: dict[str, str] = {}
        for rule in rules:
            if rule.zone_name:
                names.setdefault(rule.zone_code, rule.zone_name)
            names.setdefault(rule.zone_code, "")
        for code, name in names.items():
            zone = zones.get(code)
            if zone is None:
                result.created.append(code)
                if not dry_run:
                    zones[code] = Zone.objects.create(
                        municipality=municipality,
                        kind=Zone.Kind.PARKING,
                        code=code,
                        name=name or code,
                        attribution=attribution[:500],
                    )
            else:
                result.updated.append(code)
                if not dry_run and (not zone.active or (name and zone.name != name)):
                    zone.active = True
                    zone.name = name or zone.name
                    zone.save()
        for code, zone in zones.items():
            if code not in names and zone.geometry is None and zone.active:
                result.deactivated.append(code)
                if not dry_run:
                    zone.active = False
                    zone.save(update_fields=["active", "updated_at"])
        if not dry_run:
            ZoneStreetRule.objects.of(municipality).delete()
            ZoneStreetRule.objects.bulk_create(
                [
                    ZoneStreetRule(
                        municipality=municipality,
                        zone=zones[rule.zone_code],
                        street=rule.street,
                        street_key=rule.street_key,
                        parity=rule.parity,
                        number_from=rule.number_from,
                        number_to=rule.number_to,
                    )
                    for rule in rules
                ],
                batch_size=1000,
            )
            state = _touch(municipality, zones=True)
            if attribution:
                state.zones_attribution = attribution[:500]
            state.save()
    return result


def addresses_import(
    *,
    municipality: Municipality,
    data: bytes,
    filename: str = "",
    crs: str = "auto",
    attribution: str = "",
    dry_run: bool = False,
) -> AddressImportResult:
    """Replace the municipality's address register with the file's addresses."""
    try:
        parsed = parse_addresses(data, crs=crs, filename=filename)
    except ImportFailed as exc:
        raise _failed(exc, filename) from exc
    result = AddressImportResult(
        imported=len(parsed.addresses),
        rows=parsed.rows,
        unknown_street=parsed.unknown_street,
        street_points=parsed.street_points,
        duplicates=parsed.duplicates,
        format=parsed.format,
        crs=parsed.crs,
        dry_run=dry_run,
    )
    if dry_run:
        result.replaced = Address.objects.of(municipality).count()
        return result
    with transaction.atomic():
        state = _touch(municipality, addresses=True)
        result.replaced, _deleted = Address.objects.of(municipality).delete()
        Address.objects.bulk_create(
            (
                Address(
                    municipality=municipality,
                    street=a.street,
                    house_number=a.house_number,
                    postcode=a.postcode,
                    city=a.city,
                    lon=a.lon,
                    lat=a.lat,
                    street_key=a.street_key,
                    number_key=a.number_key,
                    number_int=a.number_int,
                )
                for a in parsed.addresses
            ),
            batch_size=2000,
        )
        state.addresses_attribution = attribution[:500]
        state.addresses_source = filename[:255]
        state.addresses_imported_at = timezone.now()
        state.save()
    return result


def zone_update(
    *,
    zone: Zone,
    name: str,
    capacity: int | None,
    secondary_residence_allowed: bool,
    visitor_passes_per_year: int,
    notes: str,
    active: bool,
) -> Zone:
    """The admin's changes to a zone (its area comes from imports only)."""
    if not name.strip():
        raise RathausError(ErrorCode.GEO_ZONE_INVALID, _("Die Zone braucht einen Namen."))
    if (capacity is not None and capacity < 0) or visitor_passes_per_year < 0:
        raise RathausError(ErrorCode.GEO_ZONE_INVALID, _("Kontingente können nicht negativ sein."))
    with transaction.atomic():
        locked = Zone.objects.select_for_update().get(pk=zone.pk)
        locked.name = name.strip()[:200]
        locked.capacity = capacity
        locked.secondary_residence_allowed = secondary_residence_allowed
        locked.visitor_passes_per_year = visitor_passes_per_year
        locked.notes = notes
        locked.active = active
        locked.save()
        _touch(locked.municipality, zones=True)
    return locked


__all__ = [
    "MAX_EXTENT_M",
    "AddressImportResult",
    "ZoneImportResult",
    "addresses_import",
    "zone_update",
    "zones_import_geojson",
    "zones_import_street_list",
]

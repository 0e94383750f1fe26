"""The public zone map (``/parkzonen/``) and the zone administration (``/verwaltung/zonen/``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from rathaus.accounts.decorators import staff_required
from rathaus.accounts.models import StaffRole
from rathaus.core.decorators import municipality_required
from rathaus.core.errors import RathausError
from rathaus.core.fragments import fragment_cached

from . import lookup
from .forms import AddressFileForm, AddressSearchForm, StreetListForm, ZoneFileForm, ZoneForm
from .models import MAX_EXTENT_M, Zone
from .selectors import (
    address_count,
    geo_state,
    parking_permit_info,
    zone_for_admin,
    zones_for_admin,
    zones_public,
)
from .services import (
    addresses_import,
    zone_update,
    zones_import_geojson,
    zones_import_street_list,
)

# --------------------------------------------------------------------------- public


def _attributions(state: Any) -> list[str]:
    if state is None:
        return []
    found: list[str] = []
    for text in (state.zones_attribution, state.addresses_attribution):
        if text and text not in found:
            found.append(text)
    return found


ZONES_TABLE_SECONDS = 3600


def _zones_table_html(municipality: Any, state: Any) -> str:
    """The "Alle Zonen" table ("" without zones), cached per municipality, zone version and
    language: with a thousand zones, loading and rendering them was most of the page's time.
    Every zone change bumps the version (``services._touch``), so a cached table is never
    stale."""
    version = state.zones_version if state is not None else 0

    def render() -> str:
        zones = list(zones_public(municipality=municipality).only("code", "name"))
        if not zones:
            return ""
        return render_to_string(
            "geo/_zones_table.html",
            {"zones": zones, "show_names": any(z.name != z.code for z in zones)},
        )

    return fragment_cached(
        "geo:zones-table",
        (municipality.pk, version, reverse("geo:map")),
        render,
        seconds=ZONES_TABLE_SECONDS,
    )


@require_safe
@municipality_required
def zone_map(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    state = geo_state(municipality=municipality)
    zones_table = _zones_table_html(municipality, state)
    form = AddressSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results: list[dict[str, Any]] = []
    if query:
        found = lookup.address_search(municipality=municipality, query=query, limit=10)
        matches = lookup.zones_for_addresses(
            municipality=municipality,
            addresses=[(a.street, a.house_number, a.postcode) for a in found],
        )
        results = [
            {"address": address, "match": match}
            for address, match in zip(found, matches, strict=True)
        ]
    selected = None
    code = request.GET.get("zone", "")[:60]
    public = zones_public(municipality=municipality).defer("geometry")
    if code:
        selected = public.filter(code=code).first()
    elif len(results) == 1 and results[0]["match"]:
        selected = public.filter(pk=results[0]["match"].zone.pk).first()
    point = None
    if len(results) == 1:
        point = f"{results[0]['address'].lon},{results[0]['address'].lat}"
    return render(
        request,
        "geo/map.html",
        {
            "zones": bool(zones_table),
            "zones_table": zones_table,
            "form": form,
            "query": query,
            "results": results,
            "selected": selected,
            "point": point,
            "permit": parking_permit_info(municipality=municipality),
            "attributions": _attributions(state),
            "tile_url": getattr(settings, "RATHAUS_MAP_TILE_URL", ""),
            "tile_attribution": getattr(settings, "RATHAUS_MAP_TILE_ATTRIBUTION", ""),
        },
    )


@require_safe
@municipality_required
def zones_geojson(request: HttpRequest) -> HttpResponse:
    """All active zones with an area as a GeoJSON FeatureCollection (WGS84), with an ETag from
    the zones' version stamp, so a browser revalidates cheaply."""
    municipality = request.municipality  # type: ignore[attr-defined]
    state = geo_state(municipality=municipality)
    version = state.zones_version if state else 0
    etag = '"' + hashlib.sha256(f"{municipality.pk}:{version}".encode()).hexdigest()[:20] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        features = [
            {
                "type": "Feature",
                "id": zone.code,
                "properties": {
                    "code": zone.code,
                    "name": zone.name,
                    "oversize": zone.oversize,
                },
                "geometry": zone.geometry,
            }
            for zone in zones_public(municipality=municipality).filter(geometry__isnull=False)
        ]
        body = {
            "type": "FeatureCollection",
            "attribution": " · ".join(_attributions(state)),
            "features": features,
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            content_type="application/geo+json; charset=utf-8",
        )
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=300)
    return response


# --------------------------------------------------------------------------- administration


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return staff_required(role=StaffRole.ADMIN)(view)


def _is_admin(request: HttpRequest) -> bool:
    return getattr(request, "staff_role", None) == StaffRole.ADMIN


@require_safe
@staff_required
def zone_list(request: HttpRequest) -> HttpResponse:
    """Zones and the address register; clerks see it read-only."""
    municipality = request.municipality  # type: ignore[attr-defined]
    return render(
        request,
        "geo/admin/zone_list.html",
        {
            "zones": zones_for_admin(municipality=municipality),
            "state": geo_state(municipality=municipality),
            "address_count": address_count(municipality=municipality),
            "max_extent": MAX_EXTENT_M,
            "is_admin": _is_admin(request),
        },
    )


def _zone_or_404(request: HttpRequest, pk: int) -> Zone:
    zone = zone_for_admin(municipality=request.municipality, pk=pk)  # type: ignore[attr-defined]
    if zone is None:
        raise Http404
    return zone


@admin_required
def zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    zone = _zone_or_404(request, pk)
    form = ZoneForm(request.POST or None, instance=zone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            zone_update(
                zone=zone,
                name=data["name"],
                capacity=data["capacity"],
                secondary_residence_allowed=data["secondary_residence_allowed"],
                visitor_passes_per_year=data["visitor_passes_per_year"],
                notes=data["notes"],
                active=data["active"],
            )
        except RathausError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Zone „%(code)s“ gespeichert.") % {"code": zone.code})
            return redirect("geo_admin:list")
    return render(
        request,
        "geo/admin/zone_edit.html",
        {"zone": zone, "form": form, "rules": zone.street_rules.all(), "max_extent": MAX_EXTENT_M},
    )


def _import_view(
    request: HttpRequest,
    *,
    form_class: type[Any],
    template_title: str,
    intro: str,
    run: Callable[..., Any],
    uses_crs: bool,
    kind: str,
) -> HttpResponse:
    form = form_class(request.POST or None, request.FILES or None)
    problems: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        kwargs: dict[str, Any] = {
            "municipality": request.municipality,  # type: ignore[attr-defined]
            "data": form.cleaned_data["file"],
            "filename": form.filename,
            "attribution": form.cleaned_data["attribution"],
            "dry_run": form.cleaned_data["dry_run"],
        }
        if uses_crs:
            kwargs["crs"] = form.cleaned_data["crs"]
        try:
            result = run(**kwargs)
        except RathausError as exc:
            problems = exc.details.get("problems") or [exc.message]
        else:
            if not result.dry_run:
                messages.success(request, _summary(kind, result))
                return redirect("geo_admin:list")
    return render(
        request,
        "geo/admin/import.html",
        {
            "form": form,
            "problems": problems,
            "result": result,
            "summary": _summary(kind, result) if result else "",
            "title": template_title,
            "intro": intro,
            "max_extent": MAX_EXTENT_M,
        },
    )


def _summary(kind: str, result: Any) -> str:
    if kind == "addresses":
        text = _(
            "%(n)s Adressen (Format %(format)s, %(crs)s); übersprungen: %(points)s "
            "Straßenpunkte ohne Hausnummer, %(unknown)s mit unbekanntem Straßennamen, "
            "%(dups)s doppelte."
        ) % {
            "n": result.imported,
            "format": result.format,
            "crs": result.crs,
            "points": result.street_points,
            "unknown": result.unknown_street,
            "dups": result.duplicates,
        }
        if result.dry_run:
            return (
                _("Prüfung: ")
                + text
                + " "
                + _("Ersetzt würden %(n)s Adressen.") % {"n": result.replaced}
            )
        return _("Adressverzeichnis ersetzt: ") + text
    text = _("%(created)s neu, %(updated)s aktualisiert, %(deactivated)s deaktiviert.") % {
        "created": len(result.created),
        "updated": len(result.updated),
        "deactivated": len(result.deactivated),
    }
    if result.rules:
        text += " " + _("%(n)s Straßenabschnitte.") % {"n": result.rules}
    if result.oversize:
        text += " " + _("Größer als %(max)s m (§ 45 Abs. 1b StVO, VwV-StVO): %(zones)s.") % {
            "max": MAX_EXTENT_M,
            "zones": ", ".join(f"{code} ({extent} m)" for code, extent in result.oversize),
        }
    return (_("Prüfung: ") if result.dry_run else _("Zonen importiert: ")) + text


@admin_required
def import_zones(request: HttpRequest) -> HttpResponse:
    return _import_view(
        request,
        form_class=ZoneFileForm,
        template_title=_("Zonen aus GeoJSON importieren"),
        intro=_(
            "Zonen mit gleichem Kürzel werden aktualisiert (Kontingente und Hinweise bleiben), "
            "neue angelegt; Flächenzonen, die in der Datei fehlen, werden deaktiviert."
        ),
        run=zones_import_geojson,
        uses_crs=True,
        kind="zones",
    )


@admin_required
def import_street_list(request: HttpRequest) -> HttpResponse:
    return _import_view(
        request,
        form_class=StreetListForm,
        template_title=_("Zonen aus Straßenliste importieren"),
        intro=_(
            "Viele Kommunen legen Bewohnerparkzonen über Straßen und Hausnummernbereiche fest. "
            "Die Liste ersetzt alle bisherigen Straßenabschnitte."
        ),
        run=zones_import_street_list,
        uses_crs=False,
        kind="zones",
    )


@admin_required
def import_addresses(request: HttpRequest) -> HttpResponse:
    return _import_view(
        request,
        form_class=AddressFileForm,
        template_title=_("Adressverzeichnis importieren"),
        intro=_(
            "Das Verzeichnis dient der Adresssuche und der Zuordnung einer Adresse zu ihrer "
            "Zone. Straßenpunkte ohne Hausnummer und Einträge mit unbekanntem Straßennamen "
            "werden übersprungen."
        ),
        run=addresses_import,
        uses_crs=True,
        kind="addresses",
    )

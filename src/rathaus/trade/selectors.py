"""Reads of the trade register."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from . import wz
from .models import Business


def business_search(
    *, municipality: Any, query: str = "", status: str = "", wz_code: str = ""
) -> QuerySet[Business]:
    """Businesses of the municipality matching every word of ``query`` (name, trade name,
    address, activity, WZ code, persons, number); ``wz_code`` filters by a (partial) WZ code."""
    found = Business.objects.of(municipality)
    for word in wz.fold(query or "").split()[:8]:
        found = found.filter(search_text__contains=word)
    if status in Business.Status.values:
        found = found.filter(status=status)
    code = (wz_code or "").replace(".", "").strip()
    if code.isdigit():
        found = found.filter(Q(main_wz__startswith=code) | Q(wz_codes__icontains=code))
    return found.order_by("name", "pk")


def info_lookup(
    *, municipality: Any, name: str, place: str = "", extended: bool = False
) -> dict[str, Any]:
    """Register entries for an information request (§ 14 Abs. 5 GewO): by name, narrowed by
    street or postcode. Basic information only, unless ``extended``."""
    found = business_search(municipality=municipality, query=name)
    if place:
        narrowed = business_search(municipality=municipality, query=f"{name} {place}")
        found = narrowed if narrowed.exists() else found
    rows = []
    for business in found[:10]:
        row: dict[str, Any] = {
            "name": business.name,
            "trade_name": business.trade_name,
            "address": business.address,
            "activity": business.activity,
            "status": business.get_status_display(),
        }
        if extended:
            row.update(
                persons=", ".join(business.persons),
                register=" ".join(
                    p for p in (business.register_type, business.register_number) if p
                ),
                registered_on=business.registered_on,
                closed_on=business.closed_on,
            )
        rows.append(row)
    return {"rows": rows, "extended": extended, "query": name}

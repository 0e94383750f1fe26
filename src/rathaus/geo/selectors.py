"""Reads of the geo app; every function takes the municipality explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from rathaus.catalog.definition import load_definition
from rathaus.catalog.selectors import service_public
from rathaus.core.models import Municipality

from .models import Address, GeoState, Zone

PARKING_SERVICE_KEY = "bewohnerparken"


def zones_public(*, municipality: Municipality) -> QuerySet[Zone]:
    zones: QuerySet[Zone] = Zone.objects.of(municipality).filter(active=True)
    return zones.order_by("code")


def has_zones(*, municipality: Municipality) -> bool:
    return Zone.objects.of(municipality).filter(active=True).exists()


def zones_for_admin(*, municipality: Municipality) -> QuerySet[Zone]:
    zones: QuerySet[Zone] = Zone.objects.of(municipality)
    return (
        zones.annotate(rule_count=Count("street_rules"))
        .defer("geometry")
        .order_by("-active", "code")
    )


def zone_for_admin(*, municipality: Municipality, pk: int) -> Zone | None:
    return Zone.objects.of(municipality).filter(pk=pk).first()


def geo_state(*, municipality: Municipality) -> GeoState | None:
    return GeoState.objects.filter(municipality=municipality).first()


def address_count(*, municipality: Municipality) -> int:
    return Address.objects.of(municipality).count()


@dataclass
class PermitInfo:
    """What the map shows about the permit: the fee of the published service and where to
    apply."""

    name: str
    fee: Any
    fee_text: str
    apply_url: str


def parking_permit_info(*, municipality: Municipality) -> PermitInfo | None:
    service = service_public(municipality=municipality, key=PARKING_SERVICE_KEY)
    if service is None or service.current_version is None:
        return None
    definition = load_definition(service.current_version)
    fee = definition.fee
    text = ""
    if fee is not None:
        amounts = [rule.amount for rule in fee.rules or []]
        if amounts:
            low, high = min(amounts), max(amounts)
            text = f"{low} €" if low == high else f"{low} – {high} €"
            text = text.replace(".", ",")
            if fee.period == "year":
                text += " " + _("pro Jahr")
            elif fee.period == "month":
                text += " " + _("pro Monat")
        if fee.note:
            text = f"{text}. {fee.note}" if text else str(fee.note)
    return PermitInfo(
        name=str(definition.name),
        fee=fee,
        fee_text=text,
        apply_url=reverse("portal:service_detail", args=[PARKING_SERVICE_KEY]),
    )

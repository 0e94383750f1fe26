from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import Delivery, Recipient

if TYPE_CHECKING:
    from rathaus.cases.models import Case
    from rathaus.core.models import Municipality


def recipients(*, municipality: Municipality) -> QuerySet[Recipient]:
    return Recipient.objects.of(municipality).order_by("group", "authority")


def recipient_get(*, municipality: Municipality, pk: int) -> Recipient | None:
    return Recipient.objects.of(municipality).filter(pk=pk).first()


def deliveries_for_recipient(*, recipient: Recipient) -> QuerySet[Delivery]:
    return (
        Delivery.objects.of(recipient.municipality)
        .filter(recipient=recipient)
        .select_related("case")
        .defer("xml")
    )


def deliveries_for_case(*, case: Case) -> QuerySet[Delivery]:
    """What went to whom for one case (for the trade app's case view too)."""
    return (
        Delivery.objects.of(case.municipality)
        .filter(case=case)
        .select_related("recipient")
        .defer("xml")
        .order_by("group", "pk")
    )


def delivery_get(*, municipality: Municipality, pk: int) -> Delivery | None:
    return (
        Delivery.objects.of(municipality).select_related("recipient", "case").filter(pk=pk).first()
    )

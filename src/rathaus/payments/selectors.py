"""Reads of payments, always for one municipality."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from rathaus.core.models import Municipality

from .models import Payment

STATUS_FILTERS = {
    "offen": [Payment.Status.OPEN, Payment.Status.PENDING],
    "bezahlt": [Payment.Status.PAID],
    "abgebrochen": [Payment.Status.FAILED, Payment.Status.CANCELLED],
    "alle": [],
}


def payments_for_staff(
    *, municipality: Municipality, status: str = "offen", query: str = ""
) -> QuerySet[Payment]:
    """Payments of the municipality, newest first; ``query`` matches the payment reference
    (Verwendungszweck), the booking reference, the case reference and the purpose."""
    queryset = Payment.objects.of(municipality).select_related("case")
    statuses = STATUS_FILTERS.get(status, STATUS_FILTERS["offen"])
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    query = query.strip()[:100]
    if query:
        queryset = queryset.filter(
            Q(reference__icontains=query)
            | Q(provider_reference__icontains=query)
            | Q(case__reference__icontains=query)
            | Q(purpose__icontains=query)
            | Q(provider_transaction_id=query)
        )
    return queryset.order_by("-created_at", "-pk")


def payment_for_staff(*, municipality: Municipality, public_id: object) -> Payment | None:
    return (
        Payment.objects.of(municipality)
        .select_related("case", "booked_by")
        .filter(public_id=public_id)
        .first()
    )


def open_payments_of_case(case: object) -> list[Payment]:
    """The case's payments still to be made (portal: "Jetzt bezahlen")."""
    case_id = getattr(case, "pk", None)
    if case_id is None:
        return []
    return list(
        Payment.objects.filter(case_id=case_id)
        .exclude(status=Payment.Status.PAID)
        .order_by("created_at")
    )

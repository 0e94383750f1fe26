"""Reading the outbox, always scoped to one municipality."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from rathaus.core.models import Municipality

from .models import OutboxMessage


def outbox_undelivered(*, municipality: Municipality) -> QuerySet[OutboxMessage]:
    """Dead messages first (they need a person), then failing ones, then the queue; oldest
    first within each group."""
    queryset: QuerySet[OutboxMessage] = OutboxMessage.objects.of(municipality)
    return (
        queryset.exclude(status=OutboxMessage.Status.DELIVERED)
        .annotate(
            rank=Case(
                When(status=OutboxMessage.Status.DEAD, then=Value(0)),
                When(attempts__gt=0, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "created_at", "pk")
    )


def outbox_message_get(*, municipality: Municipality, pk: int) -> OutboxMessage | None:
    return OutboxMessage.objects.of(municipality).filter(pk=pk).first()

"""Domain events: the one place where something that happened is announced to the outside.

A domain (cases, parking, trade …) calls :func:`publish` inside the transaction that made the
change; receivers (the webhook subscriptions of the API) connect to :data:`domain_event` and write
their outbox rows in that same transaction, so an event is delivered exactly when the change
committed. Event types are dotted names: ``case.submitted``, ``parking.permit_issued``,
``trade.notification_received`` …; :func:`register_type` lists them for subscription forms and the
API documentation.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# sent with: municipality, type, subject (a stable id of what it is about, e.g. the case
# reference), data (JSON-serialisable), case (or None)
domain_event = Signal()

_types: dict[str, str] = {}


def register_type(name: str, description: str) -> None:
    """Make an event type known (called from an app's ``ready``)."""
    _types[name] = description


def known_types() -> dict[str, str]:
    return dict(sorted(_types.items()))


def publish(
    *, municipality: Any, type: str, subject: str, data: dict[str, Any], case: Any = None
) -> None:
    """Announce an event; call it inside the transaction of the change it reports."""
    domain_event.send(
        sender=publish,
        municipality=municipality,
        type=type,
        subject=subject,
        data=data,
        case=case,
    )

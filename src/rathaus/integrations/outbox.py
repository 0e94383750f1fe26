"""Writing to the outbox. Call inside the transaction of the change that causes the message."""

from __future__ import annotations

from typing import Any

from rathaus.core.models import Municipality

from .models import OutboxMessage


def outbox_enqueue(
    *,
    municipality: Municipality,
    kind: str,
    payload: dict[str, Any],
    dedupe_key: str = "",
) -> OutboxMessage:
    """Queue a message for delivery. With a ``dedupe_key`` the same message is queued only once
    per municipality and kind, so a retried caller cannot send it twice."""
    if dedupe_key:
        message, _ = OutboxMessage.objects.get_or_create(
            municipality=municipality,
            kind=kind,
            dedupe_key=dedupe_key,
            defaults={"payload": payload},
        )
        return message
    return OutboxMessage.objects.create(municipality=municipality, kind=kind, payload=payload)


def email_enqueue(
    *,
    municipality: Municipality,
    to: str,
    subject: str,
    body: str,
    dedupe_key: str = "",
    reply_to: str = "",
) -> OutboxMessage:
    """Queue an e-mail (plain text). It should carry no more personal data than needed and link
    to the portal for the details."""
    return outbox_enqueue(
        municipality=municipality,
        kind="email",
        payload={"to": to, "subject": subject, "body": body, "reply_to": reply_to},
        dedupe_key=dedupe_key,
    )

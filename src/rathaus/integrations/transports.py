"""Transports: how a message of one ``kind`` leaves the server.

A transport is a callable that takes an :class:`OutboxMessage` and either returns (delivered)
or raises. Any exception counts as a temporary failure and is retried with backoff;
:class:`PermanentDeliveryError` dead-letters the message at once (retrying cannot help).

Teams add their kind from their app's ``AppConfig.ready()``::

    from rathaus.integrations.transports import register_transport

    @register_transport("webhook")
    def deliver_webhook(message: OutboxMessage) -> None:
        ...  # send message.payload; use message.uid as the idempotency key / CloudEvents id

A transport must be safe to call twice for the same message (delivery is at least once): send
``message.uid`` along so the receiver can recognise a repetition. Workers only claim messages
whose kind has a registered transport, so a worker of an older release leaves newer kinds alone.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import datetime
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

if TYPE_CHECKING:
    from .models import OutboxMessage

Transport = Callable[["OutboxMessage"], None]

_transports: dict[str, Transport] = {}
_ordered: set[str] = set()


class PermanentDeliveryError(Exception):
    """The receiver refused for good (unknown recipient, invalid payload): no retry."""


class DeliveryDeferred(Exception):
    """Not yet: deliver this message at ``until`` without counting an attempt (used to keep the
    messages of one ordering key — e.g. the webhooks of one case — in sequence)."""

    def __init__(self, until: datetime, reason: str = "") -> None:
        super().__init__(reason or "deferred")
        self.until = until


def register_transport(kind: str, *, ordered: bool = False) -> Callable[[Transport], Transport]:
    """Decorator: deliver messages of ``kind`` with the decorated function. One per kind.

    ``ordered``: the transport looks at the status of other messages (it raises
    :class:`DeliveryDeferred` while an earlier one is pending), so the worker records every
    earlier delivery of its batch before calling it."""

    def decorator(transport: Transport) -> Transport:
        existing = _transports.get(kind)
        if existing is not None and existing is not transport:
            raise ValueError(f"a transport for kind {kind!r} is already registered")
        _transports[kind] = transport
        if ordered:
            _ordered.add(kind)
        return transport

    return decorator


def unregister_transport(kind: str) -> None:
    """For tests that register a temporary transport."""
    _transports.pop(kind, None)
    _ordered.discard(kind)


def is_ordered(kind: str) -> bool:
    return kind in _ordered


def get_transport(kind: str) -> Transport | None:
    return _transports.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_transports)


# --- e-mail -----------------------------------------------------------------------------------


def email_message_id(message: OutboxMessage) -> str:
    """The Message-ID of an outbox e-mail: the same for every attempt, so a copy that arrives
    twice (the worker died between "server accepted" and "marked delivered") is recognisable
    as the same mail and is suppressed by servers and clients that de-duplicate by it."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "rathaus.localhost"
    return f"<outbox.{message.uid}@{domain}>"


def email_from(message: OutboxMessage) -> str:
    """``"Musterstadt" <noreply@…>``: the municipality's name, the platform's address (the
    address must be one the operator's SMTP server and SPF/DKIM allow)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((message.municipality.name, address))


def _as_list(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]  # type: ignore[attr-defined]


@register_transport("email")
def deliver_email(message: OutboxMessage) -> None:
    """Send a queued e-mail with Django's mail API and the configured backend."""
    payload = message.payload
    to = _as_list(payload.get("to"))
    if not to:
        raise PermanentDeliveryError("E-Mail ohne Empfänger")
    reply_to = _as_list(payload.get("reply_to")) or _as_list(message.municipality.email)
    email = EmailMessage(
        subject=str(payload.get("subject", "")),
        body=str(payload.get("body", "")),
        from_email=email_from(message),
        to=to,
        reply_to=reply_to,
        headers={
            "Message-ID": email_message_id(message),
            "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies, please
        },
        connection=get_connection(fail_silently=False),
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentDeliveryError(f"Empfänger abgelehnt: {exc.recipients}") from exc
        raise

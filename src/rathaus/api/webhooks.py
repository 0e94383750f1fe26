"""Webhooks: domain events → CloudEvents 1.0 JSON, signed, delivered through the outbox.

- :func:`on_domain_event` (connected to ``integrations.domain_events.domain_event``) writes one
  :class:`WebhookDelivery` and one outbox message (kind ``webhook``) per matching active
  subscription, inside the transaction of the change.
- :func:`deliver_webhook` (transport ``webhook``) POSTs the event. Signature header::

      Rathaus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

- Order per case: a delivery waits (``DeliveryDeferred``, not counted as an attempt) while an
  earlier delivery of the same subscription and case is still pending.
- At least once: the outbox retries with exponential backoff (12 attempts ≈ 34 hours with the
  default settings); the CloudEvents ``id`` is the same for every attempt and every subscriber.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from rathaus.core.errors import RathausError
from rathaus.integrations import domain_events
from rathaus.integrations.models import OutboxMessage
from rathaus.integrations.outbox import outbox_enqueue
from rathaus.integrations.transports import (
    DeliveryDeferred,
    PermanentDeliveryError,
    register_transport,
)

from .egress import ensure_public_target
from .models import Scope, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Rathaus-Signature"
EVENT_NAMESPACE = uuid.UUID("6f1d8a3e-52c4-4f4b-9a53-2f7c3c1d0b11")

CASE_EVENT_TYPES = {
    "case.submitted": "Ein Antrag ist eingegangen (Vorgang eröffnet).",
    "case.state_changed": "Der Status eines Vorgangs hat sich geändert.",
    "case.question_asked": "Der antragstellenden Person wurde eine Rückfrage gestellt.",
    "case.answered": "Die antragstellende Person hat eine Rückfrage beantwortet.",
    "case.decided": "Ein Vorgang wurde entschieden (Bescheid erlassen).",
    "document.added": "Ein Dokument wurde zur Akte genommen.",
}


def register_types() -> None:
    for name, description in CASE_EVENT_TYPES.items():
        domain_events.register_type(name, description)


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(*, secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """Check a ``Rathaus-Signature`` header (what a receiver does; used by the tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _source(municipality: Any) -> str:
    base = str(getattr(settings, "RATHAUS_PUBLIC_URL", "")).rstrip("/")
    return f"{base}/m/{municipality.slug}"


def _event_id(type_: str, subject: str, data: dict[str, Any], case: Any) -> str:
    if case is not None and "seq" in data:
        return str(uuid.uuid5(EVENT_NAMESPACE, f"{case.municipality_id}:{case.pk}:{data['seq']}"))
    return str(uuid.uuid4())


def cloud_event(
    *, municipality: Any, type_: str, subject: str, data: dict[str, Any], event_id: str
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": _source(municipality),
        "type": type_,
        "subject": subject,
        "time": timezone.now().isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def _active_subscriptions(municipality: Any, case: Any) -> list[WebhookSubscription]:
    """The municipality's active subscriptions, read once per case object: one operation on
    a case (a submission, a decision) records several events, and the subscriptions do not
    change within it. Services load the case afresh for every operation."""
    cached = case.__dict__.get("_webhook_subscriptions") if case is not None else None
    if cached is None:
        cached = list(
            WebhookSubscription.objects.of(municipality)
            .filter(active=True, client__active=True)
            .select_related("client")
        )
        if case is not None:
            case.__dict__["_webhook_subscriptions"] = cached
    return cached


def on_domain_event(
    sender: Any,
    *,
    municipality: Any,
    type: str,
    subject: str,
    data: dict[str, Any],
    case: Any = None,
    **kwargs: Any,
) -> None:
    subscriptions = _active_subscriptions(municipality, case)
    wanted = [
        s
        for s in subscriptions
        if type in (s.event_types or []) and Scope.EVENTS_SUBSCRIBE in (s.client.scopes or [])
    ]
    if not wanted:
        return
    if case is not None:
        restricted = {
            s.client_id: set(s.client.services.values_list("pk", flat=True)) for s in wanted
        }
        wanted = [
            s
            for s in wanted
            if not restricted[s.client_id] or case.service_id in restricted[s.client_id]
        ]
    event_id = _event_id(type, subject, data, case)
    event = cloud_event(
        municipality=municipality, type_=type, subject=subject, data=data, event_id=event_id
    )
    for subscription in wanted:
        message = outbox_enqueue(
            municipality=municipality,
            kind="webhook",
            payload={"subscription": subscription.pk, "event": event},
            dedupe_key=f"webhook:{subscription.pk}:{event_id}",
        )
        WebhookDelivery.objects.get_or_create(
            message=message,
            defaults={
                "municipality": municipality,
                "subscription": subscription,
                "event_id": event_id,
                "event_type": type,
                "subject": subject[:200],
                "ordering_key": f"case:{case.pk}" if case is not None else f"subject:{subject}",
            },
        )


def _timeout() -> tuple[float, float]:
    return (5.0, float(getattr(settings, "RATHAUS_WEBHOOK_TIMEOUT", 15)))


@register_transport("webhook", ordered=True)
def deliver_webhook(message: OutboxMessage) -> None:
    delivery = (
        WebhookDelivery.objects.select_related("subscription", "subscription__client")
        .filter(message_id=message.pk)
        .first()
    )
    if delivery is None:
        raise PermanentDeliveryError("Abonnement nicht mehr vorhanden")
    subscription = delivery.subscription
    if not subscription.active or not subscription.client.active:
        raise PermanentDeliveryError("Abonnement inaktiv")
    earlier = (
        WebhookDelivery.objects.filter(
            subscription=subscription,
            ordering_key=delivery.ordering_key,
            pk__lt=delivery.pk,
            message__status=OutboxMessage.Status.PENDING,
        )
        .select_related("message")
        .order_by("pk")
        .first()
    )
    if earlier is not None:
        now = timezone.now()
        until = max(earlier.message.next_attempt_at, earlier.message.locked_until or now)
        raise DeliveryDeferred(
            max(until, now + timedelta(seconds=1)), f"wartet auf Ereignis {earlier.event_id}"
        )
    body = json.dumps(message.payload["event"], ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        SIGNATURE_HEADER: sign(secret=subscription.secret, timestamp=timestamp, body=body),
        "Rathaus-Event-Id": str(message.payload["event"]["id"]),
        "Rathaus-Delivery": str(delivery.public_id),
        "Rathaus-Attempt": str(message.attempts + 1),
        "User-Agent": "Rathaus-Webhooks/1",
    }
    try:
        ensure_public_target(subscription.url)
    except RathausError as exc:
        raise PermanentDeliveryError(exc.message) from exc
    try:
        response = requests.post(
            subscription.url, data=body, headers=headers, timeout=_timeout(), allow_redirects=False
        )
    except requests.RequestException as exc:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(last_status_code=None)
        raise RuntimeError(f"Empfänger nicht erreichbar: {exc.__class__.__name__}") from exc
    WebhookDelivery.objects.filter(pk=delivery.pk).update(last_status_code=response.status_code)
    if response.status_code == 410:
        raise PermanentDeliveryError("Empfänger meldet 410 Gone")
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"Empfänger antwortet mit HTTP {response.status_code}")

"""Writes of the API app: clients and their credentials, webhook subscriptions, replays."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from rathaus.accounts.models import User
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality
from rathaus.integrations import domain_events
from rathaus.integrations.models import OutboxMessage

from .auth import digest, new_api_key, new_secret
from .egress import ensure_public_target
from .models import ApiClient, Scope, WebhookDelivery, WebhookSubscription


@dataclass(frozen=True)
class Credentials:
    """Shown once; only hashes are stored."""

    client_id: str
    client_secret: str
    api_key: str


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in Scope.values]
    if unknown:
        raise RathausError(
            ErrorCode.INVALID_INPUT, f"Unbekannte Berechtigung: {', '.join(unknown)}."
        )
    return wanted


def client_create(
    *,
    municipality: Municipality,
    name: str,
    scopes: Iterable[str],
    services: Iterable[Service] = (),
    actor: User | None,
    client_id: str | None = None,
    client_secret: str | None = None,
    api_key: str | None = None,
) -> tuple[ApiClient, Credentials]:
    """Register a Fachverfahren. The fixed credential arguments exist for the demo seed only."""
    name = name.strip()
    if not name:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie einen Namen an.")
    secret = client_secret or new_secret()
    key = api_key or new_api_key()
    with transaction.atomic():
        client = ApiClient.objects.create(
            municipality=municipality,
            name=name[:200],
            client_id=client_id or f"{municipality.slug}-{secrets.token_hex(6)}",
            secret_hash=digest(secret),
            api_key_hash=digest(key),
            api_key_hint=key[:10],
            scopes=_clean_scopes(scopes),
            created_by=actor,
        )
        _set_services(client, services)
    return client, Credentials(client.client_id, secret, key)


def _set_services(client: ApiClient, services: Iterable[Service]) -> None:
    chosen = list(services)
    if any(s.municipality_id != client.municipality_id for s in chosen):
        raise RathausError(ErrorCode.NOT_FOUND, "Leistung nicht gefunden.")
    client.services.set(chosen)


def client_update(
    *, client: ApiClient, name: str, scopes: Iterable[str], services: Iterable[Service]
) -> ApiClient:
    name = name.strip()
    if not name:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie einen Namen an.")
    with transaction.atomic():
        client.name = name[:200]
        client.scopes = _clean_scopes(scopes)
        client.save(update_fields=["name", "scopes"])
        _set_services(client, services)
    return client


def client_rotate(*, client: ApiClient) -> Credentials:
    """New secret and API key; the old ones stop working at once."""
    secret, key = new_secret(), new_api_key()
    client.secret_hash = digest(secret)
    client.api_key_hash = digest(key)
    client.api_key_hint = key[:10]
    client.save(update_fields=["secret_hash", "api_key_hash", "api_key_hint"])
    return Credentials(client.client_id, secret, key)


def client_revoke(*, client: ApiClient) -> ApiClient:
    """Tokens, the API key and the secret stop working at once; subscriptions stop."""
    with transaction.atomic():
        client.active = False
        client.revoked_at = timezone.now()
        client.save(update_fields=["active", "revoked_at"])
        client.subscriptions.update(active=False)
    return client


# --- webhook subscriptions ------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RathausError(
            ErrorCode.INVALID_INPUT, "Die Empfänger-URL muss mit http:// oder https:// beginnen."
        )
    ensure_public_target(url)
    return url[:500]


def _clean_types(types: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(types))
    known = domain_events.known_types()
    unknown = [t for t in wanted if t not in known]
    if unknown or not wanted:
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            f"Unbekannte Ereignisart: {', '.join(unknown) or '(keine)'}."
            " Die bekannten liefert GET /api/v1/event-types.",
        )
    return wanted


def subscription_create(
    *, client: ApiClient, url: str, event_types: Iterable[str], active: bool = True
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        municipality_id=client.municipality_id,
        client=client,
        url=_clean_url(url),
        event_types=_clean_types(event_types),
        secret="whsec_" + secrets.token_urlsafe(32),
        active=active,
    )


def subscription_update(
    *,
    subscription: WebhookSubscription,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    if url is not None:
        subscription.url = _clean_url(url)
    if event_types is not None:
        subscription.event_types = _clean_types(event_types)
    if active is not None:
        subscription.active = active
    subscription.save(update_fields=["url", "event_types", "active"])
    return subscription


def subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Remove the subscription; its undelivered messages are dropped with it."""
    with transaction.atomic():
        OutboxMessage.objects.filter(
            webhook_delivery__subscription=subscription,
        ).exclude(status=OutboxMessage.Status.DELIVERED).update(
            status=OutboxMessage.Status.DEAD, last_error="Abonnement gelöscht"
        )
        subscription.delete()


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (also one that was delivered: the receiver asked for it; the
    CloudEvents id stays the same, so it recognises the repetition)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=delivery.message_id)
        if message.status == OutboxMessage.Status.PENDING and message.locked_until:
            raise RathausError(
                ErrorCode.TRANSITION_NOT_ALLOWED, "Die Nachricht wird gerade zugestellt."
            )
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            delivered_at=None,
        )
    delivery.refresh_from_db()
    return delivery

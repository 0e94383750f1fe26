"""Writes to payments. Every path that books money ends in :func:`payment_book`.

Booking is race-safe and idempotent: the payment row is locked (``SELECT … FOR UPDATE``), a
payment already paid only gets a ``duplicate`` entry in its log, and the registered handler runs
exactly once, inside the booking transaction — so a browser return, the provider's notification,
the reconciliation job and a clerk can all confirm the same payment at the same moment and the
fee is booked once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rathaus.accounts.models import User
from rathaus.accounts.permissions import membership
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality

from . import signing
from .models import (
    PROVIDER_INVOICE,
    PROVIDER_XBEZAHLDIENSTE,
    Payment,
    PaymentEvent,
    PaymentSettings,
)
from .xbezahldienste import Transaction, XBezahldiensteClient, XBezahldiensteError

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
_handlers: dict[str, Handler] = {}


# --- handlers ----------------------------------------------------------------------------------


def register_handler(name: str, fn: Handler) -> Handler:
    """Register what happens when a payment with ``handler=name`` is booked: ``fn(*, payment)``,
    called exactly once inside the booking transaction. Call from an app's ``ready``."""
    existing = _handlers.get(name)
    if existing is not None and existing is not fn:
        raise ValueError(f"a payment handler {name!r} is already registered")
    _handlers[name] = fn
    return fn


def handler_get(name: str) -> Handler | None:
    return _handlers.get(name)


# --- settings ----------------------------------------------------------------------------------


def payment_settings(municipality: Municipality | int) -> PaymentSettings:
    """The municipality's payment settings (unsaved defaults when none are stored)."""
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    found = PaymentSettings.objects.filter(municipality_id=municipality_id).first()
    return found or PaymentSettings(municipality_id=municipality_id)


def xbezahldienste_client(config: PaymentSettings) -> XBezahldiensteClient:
    return XBezahldiensteClient(
        base_url=config.xbd_base_url,
        token_url=config.xbd_token_url,
        originator_id=config.xbd_originator_id,
        endpoint_id=config.xbd_endpoint_id,
        client_id=config.xbd_client_id,
        client_secret=config.xbd_client_secret,
    )


# --- creating ----------------------------------------------------------------------------------


def _event(
    payment: Payment,
    kind: str,
    *,
    provider: str = "",
    actor: User | None = None,
    nonce: str = "",
    **data: Any,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        municipality_id=payment.municipality_id,
        payment=payment,
        kind=kind,
        provider=provider,
        actor=actor,
        nonce=nonce,
        data=json.loads(json.dumps(data, default=str)),
    )


def payment_create(
    *,
    municipality: Municipality,
    amount: Decimal,
    purpose: str,
    reference: str,
    handler: str,
    handler_ref: str,
    payer_email: str = "",
    case: Any = None,
) -> Payment:
    """An amount to pay (state ``open``), for a case fee or for anything without a case."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise RathausError(ErrorCode.INVALID_INPUT, "Der Betrag muss größer als 0 € sein.")
    if amount > Decimal("999999.99"):
        raise RathausError(ErrorCode.INVALID_INPUT, "Der Betrag ist zu hoch.")
    if not purpose.strip() or not reference.strip():
        raise RathausError(ErrorCode.INVALID_INPUT, "Zweck und Verwendungszweck fehlen.")
    if handler not in _handlers:
        raise RathausError(ErrorCode.INVALID_INPUT, f"Unbekannter Zahlungs-Handler {handler!r}.")
    with transaction.atomic():
        payment = Payment.objects.create(
            municipality=municipality,
            amount=amount,
            purpose=purpose.strip()[:250],
            reference=reference.strip()[:60],
            handler=handler,
            handler_ref=str(handler_ref)[:80],
            payer_email=payer_email,
            case=case,
        )
        _event(payment, PaymentEvent.Kind.CREATED, amount=amount, reference=payment.reference)
    return payment


def payment_url(payment: Payment) -> str:
    """The relative URL of the payment page (within the current municipality's URL prefix)."""
    return reverse("payments:pay", args=[payment.public_id])


# --- locking -----------------------------------------------------------------------------------


def _lock(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment.pk)


def _ensure_payable(payment: Payment) -> None:
    if payment.status == Payment.Status.PAID:
        raise RathausError(ErrorCode.PAYMENT_ALREADY_PAID, "Diese Zahlung ist bereits eingegangen.")


def _ensure_provider(payment: Payment, provider: str) -> PaymentSettings:
    config = payment_settings(payment.municipality_id)
    if provider not in config.enabled_providers:
        raise RathausError(
            ErrorCode.PAYMENT_PROVIDER_NOT_AVAILABLE,
            "Diese Zahlungsart bietet die Kommune derzeit nicht an.",
        )
    return config


def _save(payment: Payment, *fields: str) -> None:
    payment.version += 1
    payment.save(update_fields=[*fields, "version", "updated_at"])


# --- invoice (bank transfer) -------------------------------------------------------------------


def payment_choose_invoice(*, payment: Payment) -> Payment:
    """The payer will transfer the amount with the reference: the payment waits for staff to
    book the incoming transfer (state ``pending``)."""
    with transaction.atomic():
        payment = _lock(payment)
        _ensure_payable(payment)
        _ensure_provider(payment, PROVIDER_INVOICE)
        if payment.provider == PROVIDER_INVOICE and payment.status == Payment.Status.PENDING:
            return payment
        payment.provider = PROVIDER_INVOICE
        payment.status = Payment.Status.PENDING
        _event(payment, PaymentEvent.Kind.PROVIDER_CHOSEN, provider=PROVIDER_INVOICE)
        _save(payment, "provider", "status")
    return payment


# --- booking -----------------------------------------------------------------------------------


EVENT_PAID = "payment.paid"
EVENT_FAILED = "payment.failed"
EVENT_CANCELLED = "payment.cancelled"


def _announce(payment: Payment, event_type: str) -> None:
    """Publish the payment's new state as a domain event (webhooks of the API), in the
    transaction of the change. No personal data: no payer e-mail, no account."""
    from rathaus.integrations import domain_events

    case = payment.case if payment.case_id else None
    domain_events.publish(
        municipality=payment.municipality,
        type=event_type,
        subject=payment.reference,
        data={
            "payment": str(payment.public_id),
            "reference": payment.reference,
            "case": case.reference if case is not None else None,
            "purpose": payment.purpose,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "status": payment.status,
            "provider": payment.provider,
            "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
        },
        case=case,
    )


def payment_book(
    *,
    payment: Payment,
    provider: str,
    provider_reference: str = "",
    transaction_id: str = "",
    actor: User | None = None,
    source: str,
    version: int | None = None,
    **data: Any,
) -> Payment:
    """Book the payment as received — the only way a payment becomes ``paid``.

    A payment already paid is left alone (a ``duplicate`` entry in the log records the repeated
    confirmation). Otherwise it is marked paid and its handler runs, all in this transaction.
    ``version`` (optional) is the version a clerk saw; a different one means somebody changed
    the payment meanwhile (``STALE_OBJECT``) — unless it was booked, which is no conflict.
    """
    with transaction.atomic():
        payment = _lock(payment)
        if payment.status == Payment.Status.PAID:
            _event(
                payment,
                PaymentEvent.Kind.DUPLICATE,
                provider=provider,
                actor=actor,
                source=source,
                transaction_id=transaction_id,
                provider_reference=provider_reference,
                **data,
            )
            return payment
        if version is not None and int(version) != payment.version:
            raise RathausError(
                ErrorCode.STALE_OBJECT,
                "Die Zahlung wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand.",
            )
        payment.status = Payment.Status.PAID
        payment.provider = provider
        payment.provider_reference = provider_reference[:200]
        if transaction_id:
            payment.provider_transaction_id = transaction_id
        payment.paid_at = timezone.now()
        payment.booked_by = actor
        _save(
            payment,
            "status",
            "provider",
            "provider_reference",
            "provider_transaction_id",
            "paid_at",
            "booked_by",
        )
        _event(
            payment,
            PaymentEvent.Kind.BOOKED,
            provider=provider,
            actor=actor,
            source=source,
            transaction_id=transaction_id,
            provider_reference=provider_reference,
            amount=payment.amount,
            **data,
        )
        _announce(payment, EVENT_PAID)
        handler = _handlers.get(payment.handler)
        if handler is None:
            # The money is in; what should follow cannot run in this installation. Logged, and
            # visible in the payment's log — never a reason to refuse the booking.
            logger.error("payment %s: no handler %r registered", payment.pk, payment.handler)
        else:
            handler(payment=payment)
    return payment


def payment_mark_paid(
    *, payment: Payment, provider_reference: str, actor: User, version: int | None = None
) -> Payment:
    """Staff book an incoming bank transfer (or a payment at the counter). Same booking path as
    a provider's confirmation; idempotent."""
    if not actor.is_authenticated or (
        membership(actor, payment.municipality) is None
        and not getattr(actor, "is_platform_operator", False)
    ):
        raise RathausError(ErrorCode.NOT_FOUND, "Zahlung nicht gefunden.")
    provider_reference = provider_reference.strip()
    if not provider_reference:
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            "Bitte geben Sie die Buchungsreferenz an (z. B. Kontoauszug und Datum).",
        )
    return payment_book(
        payment=payment,
        provider=payment.provider or PROVIDER_INVOICE,
        provider_reference=provider_reference,
        actor=actor,
        source="backoffice",
        version=version,
    )


# --- online payment (XBezahldienste) -----------------------------------------------------------


def _payment_request(
    payment: Payment, *, request_id: str, return_url: str, notification_url: str
) -> dict[str, Any]:
    cents = int((payment.amount * 100).to_integral_value())
    return {
        "requestId": request_id,
        "requestTimestamp": timezone.now().isoformat(timespec="seconds"),
        "currency": payment.currency,
        "grossAmount": cents,
        "purpose": payment.reference[:27],
        "description": payment.purpose[:250],
        "redirectUrl": return_url[:2082],
        "notificationUrl": notification_url[:2082],
        "items": [
            {
                "id": "1",
                "reference": payment.reference[:36],
                "description": payment.purpose[:250],
                "quantity": 1,
                "taxRate": 0,
                "netAmount": cents,
                "grossAmount": cents,
            }
        ],
        "requestor": {"name": payment.municipality.name},
    }


def payment_start_online(*, payment: Payment, return_url: str, notification_url: str) -> str:
    """Create a transaction at the municipality's ePayment platform; returns the URL to send the
    payer's browser to. No lock is held while the platform is called."""
    payment = Payment.objects.select_related("municipality").get(pk=payment.pk)
    _ensure_payable(payment)
    config = _ensure_provider(payment, PROVIDER_XBEZAHLDIENSTE)
    attempt = payment.events.filter(kind=PaymentEvent.Kind.TRANSACTION_CREATED).count() + 1
    request_id = f"{payment.public_id.hex}-{attempt}"
    body = _payment_request(
        payment, request_id=request_id, return_url=return_url, notification_url=notification_url
    )
    try:
        created = xbezahldienste_client(config).create_transaction(body)
    except XBezahldiensteError as exc:
        _event(
            payment,
            PaymentEvent.Kind.PROVIDER_ERROR,
            provider=PROVIDER_XBEZAHLDIENSTE,
            error=str(exc),
            detail=exc.detail,
            request_id=request_id,
        )
        logger.warning("payment %s: %s", payment.pk, exc)
        raise RathausError(
            ErrorCode.PAYMENT_PROVIDER_ERROR,
            "Der Zahlungsdienst ist gerade nicht erreichbar. Bitte versuchen Sie es später "
            "noch einmal oder wählen Sie die Überweisung.",
        ) from exc
    with transaction.atomic():
        locked = _lock(payment)
        _event(
            locked,
            PaymentEvent.Kind.TRANSACTION_CREATED,
            provider=PROVIDER_XBEZAHLDIENSTE,
            request_id=request_id,
            transaction_id=created.transaction_id,
            response=created.raw,
        )
        if locked.status != Payment.Status.PAID:
            locked.provider = PROVIDER_XBEZAHLDIENSTE
            locked.provider_transaction_id = created.transaction_id
            locked.status = Payment.Status.PENDING
            _save(locked, "provider", "provider_transaction_id", "status")
    return created.transaction_url


def payment_apply_transaction(
    *, payment: Payment, transaction_: Transaction, source: str
) -> Payment:
    """Apply what the platform says about one of this payment's transactions."""
    status = transaction_.status
    if status == "BOOKED":
        return payment_book(
            payment=payment,
            provider=PROVIDER_XBEZAHLDIENSTE,
            provider_reference=transaction_.transaction_id,
            transaction_id=transaction_.transaction_id,
            source=source,
            payment_method=transaction_.payment_method,
        )
    with transaction.atomic():
        locked = _lock(payment)
        current = locked.provider_transaction_id == transaction_.transaction_id
        if status == "INITIAL" or locked.status == Payment.Status.PAID or not current:
            # Nothing to change: still open at the platform, already paid, or an older attempt.
            return locked
        kind, new = (
            (PaymentEvent.Kind.FAILED, Payment.Status.FAILED)
            if status == "FAILED"
            else (PaymentEvent.Kind.CANCELLED, Payment.Status.CANCELLED)
        )
        if locked.status != new:
            locked.status = new
            _save(locked, "status")
            _event(
                locked,
                kind,
                provider=PROVIDER_XBEZAHLDIENSTE,
                source=source,
                transaction_id=transaction_.transaction_id,
            )
            _announce(locked, EVENT_FAILED if new == Payment.Status.FAILED else EVENT_CANCELLED)
    return locked


def payment_query(*, payment: Payment, source: str) -> Payment:
    """Ask the platform for the status of the payment's current transaction and apply it
    (after the browser came back, and by the reconciliation job)."""
    if payment.provider != PROVIDER_XBEZAHLDIENSTE or not payment.provider_transaction_id:
        return payment
    config = payment_settings(payment.municipality_id)
    try:
        found = xbezahldienste_client(config).get_transaction(payment.provider_transaction_id)
    except XBezahldiensteError as exc:
        _event(
            payment,
            PaymentEvent.Kind.PROVIDER_ERROR,
            provider=PROVIDER_XBEZAHLDIENSTE,
            source=source,
            error=str(exc),
            detail=exc.detail,
        )
        raise RathausError(
            ErrorCode.PAYMENT_PROVIDER_ERROR,
            "Der Zahlungsdienst hat den Stand der Zahlung nicht gemeldet. Wir fragen später "
            "erneut nach; Sie müssen nichts tun.",
        ) from exc
    _event(
        payment,
        PaymentEvent.Kind.STATUS_QUERIED,
        provider=PROVIDER_XBEZAHLDIENSTE,
        source=source,
        transaction_id=found.transaction_id,
        status=found.status,
    )
    return payment_apply_transaction(payment=payment, transaction_=found, source=source)


class NotificationRefused(Exception):
    """A notification that is not (provably) from the platform: answered with 400."""


def payment_notification(*, payment: Payment, body: bytes, headers: Mapping[str, str]) -> Payment:
    """A server-to-server notification from the platform about ``payment``.

    Verified with the shared secret (HMAC over timestamp, nonce and body); a nonce is accepted
    once, so a replayed notification changes nothing. The signed body is the transaction.
    """
    config = payment_settings(payment.municipality_id)
    try:
        nonce = signing.verify(config.xbd_notification_secret, headers, body)
        data = json.loads(body)
        transaction_ = Transaction.from_json(data)
    except (signing.SignatureInvalid, ValueError, XBezahldiensteError) as exc:
        _event(
            payment,
            PaymentEvent.Kind.NOTIFICATION_REFUSED,
            provider=PROVIDER_XBEZAHLDIENSTE,
            reason=str(exc)[:300],
        )
        raise NotificationRefused(str(exc)) from exc
    with transaction.atomic():
        locked = _lock(payment)
        if PaymentEvent.objects.filter(
            municipality_id=locked.municipality_id, nonce=nonce
        ).exists():
            _event(
                locked,
                PaymentEvent.Kind.DUPLICATE,
                provider=PROVIDER_XBEZAHLDIENSTE,
                source="notification",
                reason="replayed nonce",
                transaction_id=transaction_.transaction_id,
            )
            return locked
        known = locked.events.filter(
            kind=PaymentEvent.Kind.TRANSACTION_CREATED,
            data__transaction_id=transaction_.transaction_id,
        ).exists()
        _event(
            locked,
            PaymentEvent.Kind.NOTIFICATION,
            provider=PROVIDER_XBEZAHLDIENSTE,
            nonce=nonce,
            transaction_id=transaction_.transaction_id,
            status=transaction_.status,
            known=known,
        )
        if not known:
            # Signed, but about a transaction we never created for this payment: not applied.
            return locked
        return payment_apply_transaction(
            payment=locked, transaction_=transaction_, source="notification"
        )


# --- reconciliation ----------------------------------------------------------------------------


def payments_reconcile(*, older_than: timedelta = timedelta(minutes=10), limit: int = 200) -> int:
    """Query the platform for online payments still pending after ``older_than`` (the browser
    never came back and no notification arrived). Returns how many were booked."""
    cutoff = timezone.now() - older_than
    pending = Payment.objects.filter(
        status=Payment.Status.PENDING,
        provider=PROVIDER_XBEZAHLDIENSTE,
        updated_at__lte=cutoff,
    ).order_by("updated_at")[:limit]
    booked = 0
    for payment in pending:
        try:
            result = payment_query(payment=payment, source="reconcile")
        except RathausError:
            continue  # logged in the payment's events; tried again next run
        if result.status == Payment.Status.PAID:
            booked += 1
        else:
            # Touch it so the next run looks at the others first.
            Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now())
    return booked


def payment_settings_update(
    *, municipality: Municipality, actor: User, values: dict[str, Any]
) -> PaymentSettings:
    """A municipal admin changes how the municipality takes payments. An empty secret keeps
    the stored one (secrets are never shown again)."""
    found = membership(actor, municipality)
    if not (
        (found is not None and found.role == "admin")
        or getattr(actor, "is_platform_operator", False)
    ):
        raise RathausError(
            ErrorCode.PERMISSION_DENIED, "Nur die kommunale Administration ändert Zahlungsarten."
        )
    with transaction.atomic():
        config, _created = PaymentSettings.objects.select_for_update().get_or_create(
            municipality=municipality
        )
        for name, value in values.items():
            if name in ("xbd_client_secret", "xbd_notification_secret") and not value:
                continue
            setattr(config, name, value)
        config.save()
    logger.info("payment settings of %s changed by user %s", municipality.slug, actor.pk)
    return config

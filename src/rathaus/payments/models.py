"""Payments: what is owed (``Payment``), what each provider said about it (``PaymentEvent``) and
how a municipality takes money (``PaymentSettings``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped

PROVIDER_INVOICE = "invoice"
PROVIDER_XBEZAHLDIENSTE = "xbezahldienste"
PROVIDER_CHOICES = [
    (PROVIDER_INVOICE, _("Rechnung / Überweisung")),
    (PROVIDER_XBEZAHLDIENSTE, _("Online bezahlen (ePayment)")),
]


class PaymentSettings(TenantScoped):
    """How one municipality takes payments: which providers are offered, its bank account for
    transfers and the access to its ePayment platform (XBezahldienste-compatible)."""

    invoice_enabled = models.BooleanField(_("Überweisung anbieten"), default=True)
    xbezahldienste_enabled = models.BooleanField(_("ePayment anbieten"), default=False)
    recipient = models.CharField(_("Empfänger"), max_length=200, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("Bank"), max_length=200, blank=True)
    transfer_days = models.PositiveSmallIntegerField(
        _("Zahlungsfrist in Tagen (Überweisung)"), default=14
    )
    xbd_base_url = models.URLField(
        _("XBezahldienste: Basis-URL"),
        blank=True,
        help_text=_("z. B. https://epayment.example.de/xbezahldienste/v1"),
    )
    xbd_token_url = models.URLField(
        _("XBezahldienste: Token-URL (OAuth2)"),
        blank=True,
        help_text=_("Leer: <Basis-URL>/oauth/token"),
    )
    xbd_originator_id = models.CharField(
        _("XBezahldienste: Originator-ID"), max_length=80, blank=True
    )
    xbd_endpoint_id = models.CharField(_("XBezahldienste: Endpoint-ID"), max_length=80, blank=True)
    xbd_client_id = models.CharField(_("XBezahldienste: Client-ID"), max_length=200, blank=True)
    xbd_client_secret = models.CharField(
        _("XBezahldienste: Client-Secret"), max_length=200, blank=True
    )
    xbd_notification_secret = models.CharField(
        _("XBezahldienste: Schlüssel für Benachrichtigungen (HMAC)"), max_length=200, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zahlungseinstellungen")
        verbose_name_plural = _("Zahlungseinstellungen")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="payment_settings_one")
        ]

    def __str__(self) -> str:
        return f"Zahlungseinstellungen {self.municipality_id}"

    @property
    def enabled_providers(self) -> list[str]:
        found = []
        if self.xbezahldienste_enabled and self.xbd_base_url:
            found.append(PROVIDER_XBEZAHLDIENSTE)
        if self.invoice_enabled and self.iban:
            found.append(PROVIDER_INVOICE)
        return found


class Payment(TenantScoped):
    """An amount owed to the municipality. Booked (``paid``) exactly once; whatever is waiting
    for the money is the ``handler`` (e.g. ``cases.fee`` with the case id as ``handler_ref``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        PENDING = "pending", _("in Zahlung")
        PAID = "paid", _("bezahlt")
        FAILED = "failed", _("fehlgeschlagen")
        CANCELLED = "cancelled", _("abgebrochen")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    amount = models.DecimalField(_("Betrag"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("Währung"), max_length=3, default="EUR")
    purpose = models.CharField(_("Zweck"), max_length=250)
    reference = models.CharField(_("Verwendungszweck"), max_length=60, db_index=True)
    handler = models.CharField(max_length=80)
    handler_ref = models.CharField(max_length=80, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    payer_email = models.EmailField(_("E-Mail der zahlenden Person"), blank=True)
    provider = models.CharField(
        _("Zahlungsart"), max_length=20, blank=True, choices=PROVIDER_CHOICES
    )
    provider_transaction_id = models.CharField(max_length=100, blank=True, db_index=True)
    provider_reference = models.CharField(
        _("Buchungsreferenz"),
        max_length=200,
        blank=True,
        help_text=_("Kennung der Buchung beim Zahlungsdienst oder auf dem Kontoauszug."),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zahlung")
        verbose_name_plural = _("Zahlungen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.amount} {self.currency})"

    @property
    def is_payable(self) -> bool:
        return self.status != self.Status.PAID


class PaymentEvent(TenantScoped):
    """Append-only log of a payment: every provider call and answer, every callback (also the
    refused and repeated ones) and every booking."""

    class Kind(models.TextChoices):
        CREATED = "created", _("angelegt")
        PROVIDER_CHOSEN = "provider_chosen", _("Zahlungsart gewählt")
        TRANSACTION_CREATED = "transaction_created", _("Transaktion angelegt")
        PROVIDER_ERROR = "provider_error", _("Fehler beim Zahlungsdienst")
        RETURNED = "returned", _("Rückkehr vom Zahlungsdienst")
        NOTIFICATION = "notification", _("Benachrichtigung des Zahlungsdienstes")
        NOTIFICATION_REFUSED = "notification_refused", _("Benachrichtigung abgewiesen")
        STATUS_QUERIED = "status_queried", _("Status abgefragt")
        BOOKED = "booked", _("gebucht")
        DUPLICATE = "duplicate", _("erneute Bestätigung (ohne Wirkung)")
        FAILED = "failed", _("fehlgeschlagen")
        CANCELLED = "cancelled", _("abgebrochen")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    provider = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nonce = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Zahlungsereignis")
        verbose_name_plural = _("Zahlungsereignisse")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "nonce"],
                condition=~models.Q(nonce=""),
                name="payment_event_nonce_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.payment_id}"

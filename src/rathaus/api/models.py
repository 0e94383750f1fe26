"""API clients (one per Fachverfahren), the call log, idempotency records, webhook subscriptions
and their deliveries, intake submissions and the municipality's intake encryption key."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class Scope(models.TextChoices):
    CASES_READ = "cases:read", _("Vorgänge, Dokumente und Verlauf lesen")
    CASES_WRITE = "cases:write", _("Übernehmen, Status ändern, Rückfragen, Notizen")
    CASES_DECIDE = "cases:decide", _("Entscheiden und Bescheid erlassen")
    DOCUMENTS_WRITE = "documents:write", _("Dokumente zur Akte nehmen")
    EVENTS_SUBSCRIBE = "events:subscribe", _("Ereignisse abonnieren (Webhooks)")
    INTAKE_SUBMIT = "intake:submit", _("Anträge aus anderen Portalen einreichen")


class ApiClient(TenantScoped):
    """A specialist system (Fachverfahren) allowed to use the API for one municipality.

    Credentials are shown once when created; only their SHA-256 is stored (they are random
    tokens with 256 bits, so a plain hash is enough). ``services`` empty means every service.
    """

    name = models.CharField(_("Name des Fachverfahrens"), max_length=200)
    client_id = models.CharField(_("Client-ID"), max_length=80, unique=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    api_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    api_key_hint = models.CharField(max_length=16, blank=True)
    scopes = models.JSONField(_("Berechtigungen"), default=list)
    services = models.ManyToManyField(
        "catalog.Service", blank=True, related_name="api_clients", verbose_name=_("Leistungen")
    )
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-Client")
        verbose_name_plural = _("API-Clients")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def actor_label(self) -> str:
        return f"Fachverfahren: {self.name}"


class ApiCallLog(TenantScoped):
    """One API call: who, what, about which case, with which result."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, null=True, blank=True, related_name="calls"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    case_reference = models.CharField(max_length=60, blank=True)
    status = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an ``Idempotency-Key`` (status 0 while in progress)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"


class WebhookSubscription(TenantScoped):
    """A client's subscription: event types, the receiver URL and the signing secret.

    The secret must be kept in clear (it signs every delivery with HMAC); it is shown once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(_("Empfänger-URL"), max_length=500)
    event_types = models.JSONField(_("Ereignisse"), default=list)
    secret = models.CharField(max_length=100)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook-Abonnement")
        verbose_name_plural = _("Webhook-Abonnements")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantScoped):
    """One event for one subscription; its delivery state is the outbox message's."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.OneToOneField(
        "integrations.OutboxMessage", on_delete=models.CASCADE, related_name="webhook_delivery"
    )
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=80)
    subject = models.CharField(max_length=200, blank=True)
    # Deliveries with the same key go out in order (pk order): one per subscription and case.
    ordering_key = models.CharField(max_length=120, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "ordering_key", "id"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class IntakeSubmission(TenantScoped):
    """A submission from another portal and what became of it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="submissions")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="+")
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="intake"
    )
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="intake"
    )
    encrypted = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.public_id)


class IntakeKey(TenantScoped):
    """The municipality's RSA key pair for encrypted submissions (JWE RSA-OAEP-256 + A256GCM)."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    public_jwk = models.JSONField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.kid

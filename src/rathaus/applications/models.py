"""Applications (Anträge): what a citizen fills in, from the first step to submission."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.catalog.models import Service, ServiceDefinitionVersion
from rathaus.core.models import TenantScoped


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    COUNTER = "counter", _("am Schalter")
    PHONE = "phone", _("telefonisch")
    POST = "post", _("per Post")
    API = "api", _("über Schnittstelle")


class Application(TenantScoped):
    """A draft until submitted; submission opens a case (see ``cases``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        SUBMITTED = "submitted", _("eingereicht")
        DISCARDED = "discarded", _("verworfen")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="applications")
    definition_version = models.ForeignKey(
        ServiceDefinitionVersion, on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Mitarbeiterin oder Mitarbeiter, die den Antrag stellvertretend erfasst hat."),
    )
    data = models.JSONField(default=dict, blank=True)
    completed_steps = models.JSONField(default=list, blank=True)
    current_step = models.CharField(max_length=80, blank=True)
    contact_email = models.EmailField(_("E-Mail für den Entwurfslink"), blank=True)
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    fee_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fee_details = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Gebühr bei Einreichung: amount, label, rule_label, period."),
    )
    check_results = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Ergebnisse der automatischen Prüfungen bei Einreichung."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["municipality", "applicant", "status"])]

    def __str__(self) -> str:
        return f"Antrag {self.public_id} ({self.service_id})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Upload(TenantScoped):
    """A file attached to an application field. The type is sniffed from the content."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="uploads")
    field_path = models.CharField(max_length=200)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Hochgeladene Datei")
        verbose_name_plural = _("Hochgeladene Dateien")

    def __str__(self) -> str:
        return self.original_name

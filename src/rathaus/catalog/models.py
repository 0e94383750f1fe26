"""The service catalogue: services (Leistungen) and their versioned declarative definitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.accounts.models import TrustLevel
from rathaus.core.models import TenantScoped


class Service(TenantScoped):
    """A service one municipality offers. What it is comes from its current definition version;
    the columns below repeat what the catalogue lists and searches, so the catalogue page needs no
    JSON parsing per row."""

    key = models.SlugField(_("Schlüssel"), max_length=80)
    enabled = models.BooleanField(_("Online angeboten"), default=False)
    current_version = models.ForeignKey(
        "ServiceDefinitionVersion",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Denormalised from the current version (see catalog.services.service_definition_publish)
    name = models.CharField(_("Name"), max_length=200)
    summary = models.TextField(_("Kurzbeschreibung"), blank=True)
    leika = models.CharField(_("LeiKa-Schlüssel"), max_length=14, blank=True)
    category = models.CharField(_("Kategorie"), max_length=100, blank=True)
    trust_level = models.PositiveSmallIntegerField(
        _("Mindest-Vertrauensniveau"), choices=TrustLevel.choices, default=TrustLevel.NONE
    )
    allow_anonymous = models.BooleanField(_("Ohne Konto nutzbar"), default=False)
    search_text = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Leistung")
        verbose_name_plural = _("Leistungen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="service_key_per_tenant")
        ]
        indexes = [models.Index(fields=["municipality", "enabled", "name"])]

    def __str__(self) -> str:
        return self.name


class ServiceDefinitionVersion(models.Model):
    """One immutable version of a service definition: the YAML as written, and its parsed form.

    An application keeps the version it was started with, so a later change never alters a form
    someone is filling in or a case already submitted.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("Version"))
    source = models.TextField(_("Definition (YAML)"))
    data = models.JSONField(_("Geprüfte Definition"))
    checksum = models.CharField(max_length=64)
    note = models.CharField(_("Änderungsnotiz"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Definitionsversion")
        verbose_name_plural = _("Definitionsversionen")
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="definition_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service.key} v{self.number}"

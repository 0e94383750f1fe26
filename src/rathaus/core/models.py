"""Tenancy: the municipality (Kommune) and the base every tenant-owned model builds on."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

AGS_VALIDATOR = RegexValidator(
    r"^\d{8}$", _("Der Amtliche Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern.")
)
COLOR_VALIDATOR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Bitte eine Farbe im Format #RRGGBB angeben.")
)
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")

# Federal states by the first two AGS digits (Destatis); a key outside this set cannot be valid.
AGS_STATES = {f"{n:02d}" for n in range(1, 17)}


def validate_ags(value: str) -> None:
    AGS_VALIDATOR(value)
    if value[:2] not in AGS_STATES:
        raise ValidationError(
            _("Die ersten beiden Ziffern des AGS (%(state)s) bezeichnen kein Bundesland."),
            params={"state": value[:2]},
        )


class Municipality(models.Model):
    """A municipality (the tenant): all a citizen, clerk or API client sees belongs to one."""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"), max_length=50, unique=True)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel"), max_length=8, unique=True, validators=[validate_ags]
    )
    domains = models.JSONField(
        _("Eigene Domains"),
        default=list,
        blank=True,
        help_text=_("Zusätzliche Host-Namen, unter denen das Portal erreichbar ist."),
    )
    primary_color = models.CharField(
        _("Hausfarbe"), max_length=7, default="#004b87", validators=[COLOR_VALIDATOR]
    )
    logo = models.TextField(
        _("Logo (SVG)"),
        blank=True,
        help_text=_("Das Logo als SVG-Quelltext; es wird ohne Skripte ausgeliefert."),
    )
    coat_of_arms_text = models.CharField(_("Zusatz im Kopf"), max_length=200, blank=True)
    email = models.EmailField(_("Allgemeine E-Mail-Adresse"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    website = models.URLField(_("Webseite"), blank=True)
    imprint = models.TextField(_("Impressum"), blank=True)
    is_active = models.BooleanField(_("Aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def state_code(self) -> str:
        return self.ags[:2]


class Office(models.Model):
    """A place where citizens are served: Bürgerbüro, Gewerbeamt, Straßenverkehrsamt …"""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="offices", verbose_name=_("Kommune")
    )
    name = models.CharField(_("Name"), max_length=200)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200)
    postcode = models.CharField(_("PLZ"), max_length=5)
    city = models.CharField(_("Ort"), max_length=100)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    opening_hours = models.JSONField(
        _("Öffnungszeiten"),
        default=list,
        blank=True,
        help_text=_('Liste aus Einträgen wie {"days": "Mo–Fr", "hours": "8:00–12:00"}.'),
    )
    accessibility = models.CharField(_("Barrierefreiheit"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Dienststelle")
        verbose_name_plural = _("Dienststellen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantQuerySet(models.QuerySet):
    """The way into tenant-owned rows: always through :meth:`of`."""

    def of(self, municipality: Municipality | int) -> TenantQuerySet:
        municipality_id = municipality if isinstance(municipality, int) else municipality.pk
        return self.filter(municipality_id=municipality_id)


class TenantScoped(models.Model):
    """Base for every model owned by one municipality.

    Selectors always start from ``Model.objects.of(municipality)``; the isolation tests in
    ``tests/test_tenant_isolation.py`` walk every view and selector with two municipalities.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("Kommune")
    )

    objects: Any = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class PeriodicRun(models.Model):
    """When a periodic job (``rathaus.core.periodic``) last ran; its row is the lock that lets
    exactly one of several workers run a due job."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name

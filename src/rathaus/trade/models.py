"""The trade register (Gewerberegister): businesses and their history of notifications."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class TradeSettings(TenantScoped):
    """Per-municipality settings of the trade office."""

    postcodes = models.JSONField(
        _("Postleitzahlen des Gemeindegebiets"),
        default=list,
        blank=True,
        help_text=_(
            "Für die Prüfung, ob die Betriebsstätte in der Gemeinde liegt (wenn kein "
            "Adressregister eingelesen ist)."
        ),
    )

    class Meta:
        verbose_name = _("Einstellungen des Gewerbeamts")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="trade_settings_unique")
        ]


class Business(TenantScoped):
    """A business (Gewerbebetrieb) of the register; its current state is that of the latest
    notification (``BusinessEvent``)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("angemeldet")
        CLOSED = "closed", _("abgemeldet")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("Betriebsnummer"), max_length=40)
    name = models.CharField(_("Name"), max_length=300)
    trade_name = models.CharField(_("Geschäftsbezeichnung"), max_length=200, blank=True)
    legal_form = models.CharField(_("Rechtsform"), max_length=6, blank=True)
    register_type = models.CharField(max_length=6, blank=True)
    register_court = models.CharField(max_length=10, blank=True)
    register_number = models.CharField(max_length=40, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    main_wz = models.CharField(_("WZ-Schlüssel (Schwerpunkt)"), max_length=5, blank=True)
    wz_codes = models.JSONField(default=list, blank=True)
    activity = models.TextField(_("Tätigkeit"), blank=True)
    persons = models.JSONField(default=list, blank=True, help_text=_("Namen der Personen"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    registered_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Gewerbebetrieb")
        verbose_name_plural = _("Gewerbebetriebe")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="trade_business_number")
        ]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def address(self) -> str:
        return ", ".join(p for p in (self.street, f"{self.postcode} {self.city}".strip()) if p)


class BusinessEvent(TenantScoped):
    """One registration, change or closure of a business (from a decided case or an import)."""

    class Kind(models.TextChoices):
        ANMELDUNG = "anmeldung", _("Anmeldung")
        UMMELDUNG = "ummeldung", _("Ummeldung")
        ABMELDUNG = "abmeldung", _("Abmeldung")

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateField(_("gültig ab"))
    reason = models.CharField(_("Grund (Schlüssel)"), max_length=4, blank=True)
    wz_section = models.CharField(_("WZ-Abschnitt"), max_length=1, blank=True)
    wz_code = models.CharField(max_length=5, blank=True)
    notification = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Gewerbeanzeige im Register")
        verbose_name_plural = _("Gewerbeanzeigen im Register")
        ordering = ["-valid_from", "-pk"]
        indexes = [models.Index(fields=["municipality", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}"

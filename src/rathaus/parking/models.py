"""Resident parking: the fee ordinance per municipality, the imported registration register, the
municipality's signing keys, permits and visitor day passes."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class FeeModel(models.TextChoices):
    FLAT = "flat", _("Pauschal (z. B. Münster: 260 € pro Jahr)")
    LENGTH_BANDS = "length_bands", _("Nach Fahrzeuglänge (z. B. Köln)")
    AREA = "area", _("Nach Fahrzeugfläche (z. B. Aachen: Länge × Breite × 30 €/m² + 15 €)")


def default_periods() -> list[int]:
    return [6, 12, 24]


class ParkingSettings(TenantScoped):
    """The municipality's fee ordinance (Gebührenordnung für Bewohnerparkausweise) and rules of
    the procedure. One row per municipality, edited by the municipal admin.

    All amounts are for ``base_period_months``; a permit for another period costs
    ``amount × months ÷ base_period_months``, rounded half up to the cent
    (see :mod:`rathaus.parking.fees`)."""

    fee_model = models.CharField(
        _("Gebührenmodell"), max_length=20, choices=FeeModel.choices, default=FeeModel.FLAT
    )
    base_period_months = models.PositiveSmallIntegerField(
        _("Bezugszeitraum der Beträge (Monate)"),
        default=12,
        validators=[MinValueValidator(1)],
    )
    flat_amount = models.DecimalField(
        _("Pauschalbetrag"), max_digits=8, decimal_places=2, default=Decimal("30.70")
    )
    length_bands = models.JSONField(
        _("Längenstufen"),
        default=list,
        blank=True,
        help_text=_(
            'Liste von Stufen, aufsteigend: [{"max_length": "4.109", "amount": "100.00"}, …, '
            '{"max_length": null, "amount": "120.00"}] – die erste passende Stufe gilt.'
        ),
    )
    area_rate = models.DecimalField(
        _("Betrag je m² Fahrzeugfläche"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    area_base = models.DecimalField(
        _("Grundbetrag beim Flächenmodell"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    periods = models.JSONField(
        _("Erlaubte Laufzeiten (Monate)"), default=default_periods, blank=True
    )
    max_length_m = models.DecimalField(
        _("Höchstlänge des Fahrzeugs (m)"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Leer: keine Höchstlänge."),
    )
    ordinance = models.CharField(
        _("Rechtsgrundlage der Gebühr"),
        max_length=300,
        blank=True,
        default="Gebührenordnung für Bewohnerparkausweise",
    )
    authority = models.CharField(
        _("Ausstellende Behörde"), max_length=200, blank=True, default="Straßenverkehrsbehörde"
    )
    visitor_pass_fee = models.DecimalField(
        _("Gebühr je Besuchertagesausweis"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("2.50"),
    )
    reminder_days = models.PositiveSmallIntegerField(_("Erinnerung vor Ablauf (Tage)"), default=28)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Einstellungen Bewohnerparken")
        verbose_name_plural = _("Einstellungen Bewohnerparken")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="parking_settings_per_tenant")
        ]

    def __str__(self) -> str:
        return f"Bewohnerparken {self.municipality_id}"


class SigningKey(TenantScoped):
    """An Ed25519 key pair with which the municipality signs permit tokens.

    The private key is stored only here, as encrypted PKCS#8 (password derived from
    ``RATHAUS_PARKING_KEY_SECRET`` or ``SECRET_KEY``); the public key is published at
    ``/parkausweis/schluessel``. Retired keys stay so that permits signed with them still verify.
    """

    kid = models.CharField(_("Schlüssel-ID"), max_length=16, unique=True)
    public_key = models.CharField(_("Öffentlicher Schlüssel (base64url)"), max_length=64)
    private_key_encrypted = models.TextField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Signaturschlüssel")
        verbose_name_plural = _("Signaturschlüssel")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class ResidenceStatus(models.TextChoices):
    MAIN = "main", _("Hauptwohnung")
    SECONDARY = "secondary", _("Nebenwohnung")
    NONE = "none", _("nicht gemeldet")


class RegisteredResident(TenantScoped):
    """One registration (Meldung) from the registration register imported into the platform:
    the demo's and small towns' stand-in for an XMeld query (see ``registry.py``)."""

    last_name = models.CharField(_("Familienname"), max_length=120)
    first_name = models.CharField(_("Vornamen"), max_length=120)
    birth_date = models.DateField(_("Geburtsdatum"))
    street = models.CharField(_("Straße"), max_length=200)
    house_number = models.CharField(_("Hausnummer"), max_length=20)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    residence = models.CharField(
        _("Wohnungsstatus"),
        max_length=10,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.MAIN,
    )
    since = models.DateField(_("Gemeldet seit"), null=True, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Meldedatensatz")
        verbose_name_plural = _("Meldedaten")
        indexes = [models.Index(fields=["municipality", "last_name", "birth_date"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.street} {self.house_number}"


class PermitStatus(models.TextChoices):
    VALID = "valid", _("gültig")
    EXPIRED = "expired", _("abgelaufen")
    REVOKED = "revoked", _("widerrufen")
    RETURNED = "returned", _("zurückgegeben")


class Permit(TenantScoped):
    """A resident parking permit (Bewohnerparkausweis) for one resident and one vehicle.

    The zone code and name are kept as printed, so the permit reads the same after a zone is
    renamed. ``status`` is stored; a valid permit past ``valid_to`` shows as expired
    (:attr:`effective_status`) until the nightly task stores it."""

    number = models.CharField(_("Ausweisnummer"), max_length=40)
    zone = models.ForeignKey(
        "geo.Zone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    zone_code = models.CharField(_("Zone"), max_length=60)
    zone_name = models.CharField(_("Zonenname"), max_length=200, blank=True)
    plate = models.CharField(_("Kennzeichen"), max_length=16)
    plate_key = models.CharField(max_length=16, db_index=True, editable=False)
    vehicle = models.CharField(_("Marke/Modell"), max_length=120, blank=True)
    length_m = models.DecimalField(_("Länge (m)"), max_digits=5, decimal_places=3, null=True)
    width_m = models.DecimalField(_("Breite (m)"), max_digits=5, decimal_places=3, null=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parking_permits",
    )
    holder_name = models.CharField(_("Inhaber/in"), max_length=240)
    holder_birth_date = models.DateField(_("Geburtsdatum"), null=True, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=220)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    valid_from = models.DateField(_("Gültig ab"))
    valid_to = models.DateField(_("Gültig bis"))
    status = models.CharField(
        _("Status"), max_length=10, choices=PermitStatus.choices, default=PermitStatus.VALID
    )
    status_reason = models.TextField(_("Grund"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    fee = models.DecimalField(_("Gebühr"), max_digits=8, decimal_places=2, null=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "records.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Bewohnerparkausweis")
        verbose_name_plural = _("Bewohnerparkausweise")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="parking_permit_number_per_tenant"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "zone_code"]),
            models.Index(fields=["municipality", "plate_key"]),
            models.Index(fields=["municipality", "valid_to"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.plate})"

    def effective_status(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status == PermitStatus.VALID and self.valid_to < today:
            return PermitStatus.EXPIRED
        return self.status

    def effective_status_label(self) -> str:
        return str(PermitStatus(self.effective_status()).label)


class VisitorPass(TenantScoped):
    """A visitor day pass (Besuchertagesausweis) bought by a permit holder for one day and one
    visitor's plate, counted against the zone's yearly quota per household. Valid once paid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Zahlung offen")
        VALID = "valid", _("gültig")
        CANCELLED = "cancelled", _("storniert")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("Nummer"), max_length=40)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="visitor_passes")
    day = models.DateField(_("Tag"))
    plate = models.CharField(_("Kennzeichen des Besuchs"), max_length=16)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    payment_public_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Besuchertagesausweis")
        verbose_name_plural = _("Besuchertagesausweise")
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="parking_visitor_number_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.plate}, {self.day})"

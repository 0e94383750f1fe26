"""Geodata of a municipality: the address register, zones (resident-parking areas) with their
street-list rules, and one state row per municipality that stamps the versions the in-memory
lookup (:mod:`rathaus.geo.lookup`) checks.

Coordinates are stored in WGS84 (longitude, latitude); polygons as GeoJSON dicts. There is no
spatial database: the lookup builds a Shapely STRtree per municipality in memory.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import Municipality, TenantScoped

# VwV-StVO zu § 45, Abschnitt X, Nr. 3: a resident-parking area extends at most 1,000 m.
MAX_EXTENT_M = 1000


class GeoState(models.Model):
    """One row per municipality: version stamps (bumped on every change, checked by the lookup
    of every process) and the data attribution of the last imports."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("Kommune")
    )
    zones_version = models.PositiveBigIntegerField(default=0)
    addresses_version = models.PositiveBigIntegerField(default=0)
    zones_attribution = models.CharField(_("Datenquelle der Zonen"), max_length=500, blank=True)
    zones_source = models.CharField(_("Datei der Zonen"), max_length=255, blank=True)
    zones_imported_at = models.DateTimeField(null=True, blank=True)
    addresses_attribution = models.CharField(
        _("Datenquelle der Adressen"), max_length=500, blank=True
    )
    addresses_source = models.CharField(_("Datei der Adressen"), max_length=255, blank=True)
    addresses_imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Geodatenstand")
        verbose_name_plural = _("Geodatenstände")

    def __str__(self) -> str:
        return f"Geodaten {self.municipality_id}"


class Zone(TenantScoped):
    """A resident-parking area (Bewohnerparkbereich): a polygon, a street list, or both."""

    class Kind(models.TextChoices):
        PARKING = "parking", _("Bewohnerparken")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.PARKING)
    code = models.CharField(
        _("Kürzel"), max_length=60, help_text=_("Wie auf dem Zusatzzeichen, z. B. „A3“.")
    )
    name = models.CharField(_("Name"), max_length=200)
    capacity = models.PositiveIntegerField(
        _("Kontingent Bewohnerparkausweise"),
        null=True,
        blank=True,
        help_text=_("Höchstzahl gültiger Ausweise; leer heißt ohne Obergrenze."),
    )
    secondary_residence_allowed = models.BooleanField(
        _("Nebenwohnung berechtigt"),
        default=False,
        help_text=_("Auch Personen mit Nebenwohnung in der Zone erhalten einen Ausweis."),
    )
    visitor_passes_per_year = models.PositiveIntegerField(
        _("Besuchertagesausweise pro Jahr"),
        default=0,
        help_text=_("Kontingent je Haushalt und Kalenderjahr; 0 heißt keine."),
    )
    notes = models.TextField(_("Hinweise"), blank=True)
    geometry = models.JSONField(_("Fläche (GeoJSON, WGS84)"), null=True, blank=True)
    extent_m = models.PositiveIntegerField(_("Ausdehnung (m)"), null=True, blank=True)
    oversize = models.BooleanField(_("Größer als 1.000 m"), default=False)
    active = models.BooleanField(_("Aktiv"), default=True)
    attribution = models.CharField(_("Datenquelle"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zone")
        verbose_name_plural = _("Zonen")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "code"], name="geo_zone_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}" if self.name != self.code else self.code


class ZoneStreetRule(TenantScoped):
    """A street-list entry: the addresses of ``street`` with the given parity between
    ``number_from`` and ``number_to`` (both inclusive, empty = open) belong to ``zone``."""

    class Parity(models.TextChoices):
        ALL = "all", _("alle")
        EVEN = "even", _("gerade")
        ODD = "odd", _("ungerade")

    zone = models.ForeignKey(
        Zone, on_delete=models.CASCADE, related_name="street_rules", verbose_name=_("Zone")
    )
    street = models.CharField(_("Straße"), max_length=200)
    street_key = models.CharField(max_length=200, db_index=True)
    parity = models.CharField(
        _("Hausnummern"), max_length=4, choices=Parity.choices, default=Parity.ALL
    )
    number_from = models.PositiveIntegerField(_("von"), null=True, blank=True)
    number_to = models.PositiveIntegerField(_("bis"), null=True, blank=True)

    class Meta:
        verbose_name = _("Straßenabschnitt")
        verbose_name_plural = _("Straßenabschnitte")
        ordering = ["street_key", "number_from"]

    def __str__(self) -> str:
        return f"{self.street} ({self.get_parity_display()} {self.number_from}–{self.number_to})"


class Address(TenantScoped):
    """One entry of the address register (a house coordinate)."""

    street = models.CharField(_("Straße"), max_length=200)
    house_number = models.CharField(_("Hausnummer"), max_length=20)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    lon = models.FloatField(_("Länge"))
    lat = models.FloatField(_("Breite"))
    street_key = models.CharField(max_length=200)
    number_key = models.CharField(max_length=20)
    number_int = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("Adresse")
        verbose_name_plural = _("Adressen")
        indexes = [
            models.Index(
                fields=["municipality", "street_key", "number_key"], name="geo_address_key"
            )
        ]

    def __str__(self) -> str:
        place = f", {self.postcode} {self.city}".rstrip() if (self.postcode or self.city) else ""
        return f"{self.street} {self.house_number}{place}"

"""Forms of the zone administration."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .crs import CRS_CHOICES
from .models import Zone


class _UploadForm(forms.Form):
    file = forms.FileField(label=_("Datei"))
    attribution = forms.CharField(
        label=_("Datenquelle und Lizenz"),
        max_length=500,
        required=False,
        help_text=_(
            "Wird auf der Karte angezeigt, z. B. „Datenquelle: Stadt Essen, Datenlizenz "
            "Deutschland – Namensnennung – Version 2.0 (dl-de/by-2.0)“."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Nur prüfen, nichts speichern"),
        required=False,
        help_text=_("Zeigt, was der Import ändern würde."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "RATHAUS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
        if upload.size > 2 * limit:
            raise forms.ValidationError(_("Die Datei ist zu groß."))
        self.filename = upload.name
        return upload.read()


class ZoneFileForm(_UploadForm):
    file = forms.FileField(
        label=_("GeoJSON-Datei der Zonen"),
        help_text=_(
            "FeatureCollection mit Polygonen oder Multipolygonen; Kürzel in „code“ oder "
            "„kuerzel“, Name in „name“ oder „NameGebiet“. Auch als ZIP."
        ),
    )
    crs = forms.ChoiceField(label=_("Koordinatensystem"), choices=CRS_CHOICES, initial="auto")
    field_order = ["file", "crs", "attribution", "dry_run"]


class StreetListForm(_UploadForm):
    file = forms.FileField(
        label=_("Straßenliste (CSV)"),
        help_text=_(
            "Spalten: zone;strasse;seite;von;bis (seite: alle, gerade oder ungerade), optional "
            "zonenname. Ersetzt alle bisherigen Straßenabschnitte."
        ),
    )


class AddressFileForm(_UploadForm):
    file = forms.FileField(
        label=_("Adressverzeichnis"),
        help_text=_(
            "CSV mit Straße, Hausnummer, PLZ und Koordinaten (lon/lat oder x/y), die "
            "Hauskoordinaten des Landes (HK-DE) oder GeoJSON-Punkte, auch als ZIP. Ersetzt das "
            "bisherige Verzeichnis."
        ),
    )
    crs = forms.ChoiceField(label=_("Koordinatensystem"), choices=CRS_CHOICES, initial="auto")
    field_order = ["file", "crs", "attribution", "dry_run"]


class ZoneForm(forms.ModelForm):
    class Meta:
        model = Zone
        fields = [
            "name",
            "capacity",
            "secondary_residence_allowed",
            "visitor_passes_per_year",
            "notes",
            "active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class AddressSearchForm(forms.Form):
    q = forms.CharField(label=_("Adresse"), max_length=200, required=False)

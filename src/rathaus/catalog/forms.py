"""Forms for the municipal admin's service administration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .definition import ServiceDefinition


class ServiceSettingsForm(forms.Form):
    """Texts and fee amounts of one service; saving makes a new definition version."""

    name = forms.CharField(label=_("Name"), max_length=200)
    summary = forms.CharField(label=_("Kurzbeschreibung"), widget=forms.Textarea(attrs={"rows": 3}))
    processing_time = forms.CharField(label=_("Bearbeitungsdauer"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Änderungsnotiz"),
        max_length=300,
        required=False,
        help_text=_("Zum Beispiel: „Hundesteuersatzung vom 1. Januar 2027“."),
    )

    def __init__(self, *args: Any, definition: ServiceDefinition, **kwargs: Any) -> None:
        initial = {
            "name": definition.name.get("de", ""),
            "summary": definition.summary.get("de", ""),
            "processing_time": definition.processing_time.get("de", "")
            if definition.processing_time
            else "",
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fee_field_names: list[str] = []
        for index, rule in enumerate((definition.fee.rules or []) if definition.fee else []):
            name = f"fee_{index}"
            label = str(rule.label) if rule.label else _("Gebühr %(n)s") % {"n": index + 1}
            self.fields[name] = forms.DecimalField(
                label=f"{label} (€)",
                min_value=Decimal("0"),
                max_digits=10,
                decimal_places=2,
                initial=rule.amount,
                localize=True,
            )
            self.fee_field_names.append(name)

    def fee_amounts(self) -> list[Decimal] | None:
        if not self.fee_field_names:
            return None
        return [self.cleaned_data[name] for name in self.fee_field_names]

    def texts(self) -> dict[str, str]:
        texts = {"name": self.cleaned_data["name"], "summary": self.cleaned_data["summary"]}
        if self.cleaned_data.get("processing_time"):
            texts["processing_time"] = self.cleaned_data["processing_time"]
        return texts


class DefinitionUploadForm(forms.Form):
    """Import a definition file (exported from another municipality, or written by hand)."""

    file = forms.FileField(
        label=_("Definitionsdatei (YAML)"),
        help_text=_("Höchstens 512 KB. Eine neue Leistung wird zunächst nicht angeboten."),
        required=False,
    )
    source = forms.CharField(
        label=_("… oder Definition einfügen"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        required=False,
    )
    note = forms.CharField(label=_("Änderungsnotiz"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload:
            if upload.size > 512 * 1024:
                raise forms.ValidationError(_("Die Datei ist zu groß (höchstens 512 KB)."))
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("Die Datei ist keine Textdatei in UTF-8.")) from exc
        if not data.get("source", "").strip():
            raise forms.ValidationError(_("Bitte eine Datei wählen oder die Definition einfügen."))
        return data

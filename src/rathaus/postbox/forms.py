"""Citizen forms in the postbox: answering a question (with an optional file), withdrawing."""

from __future__ import annotations

from typing import Any

import filetype
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png"}


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    answer = forms.CharField(
        label=_("Ihre Antwort"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "kern-form-input__input"}),
    )
    attachment = forms.FileField(
        label=_("Datei anhängen"),
        required=False,
        help_text=_("PDF, JPEG oder PNG"),
        widget=forms.ClearableFileInput(
            attrs={"class": "kern-form-input__input", "accept": ",".join(sorted(ALLOWED_TYPES))}
        ),
    )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        limit = min(settings.RATHAUS_MAX_UPLOAD_BYTES, 10 * 1024 * 1024)
        if upload.size > limit:
            raise forms.ValidationError(
                _("Die Datei ist zu groß (höchstens %(size)s).") % {"size": filesizeformat(limit)}
            )
        content = upload.read()
        kind = filetype.guess(content)
        if kind is None or kind.mime not in ALLOWED_TYPES:
            raise forms.ValidationError(
                _("Diese Dateiart ist nicht erlaubt. Bitte laden Sie ein PDF, JPEG oder PNG hoch.")
            )
        name = (upload.name or "datei").rsplit("/", 1)[-1][:200]
        return (name, kind.mime, content)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:  # Form.clean() returns cleaned_data; the stubs also allow None
            data = self.cleaned_data
        if not (data.get("answer") or "").strip() and not data.get("attachment"):
            raise forms.ValidationError(
                _("Bitte geben Sie eine Antwort ein oder hängen Sie eine Datei an.")
            )
        return data


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confirm = forms.BooleanField(
        label=_("Ja, ich ziehe meinen Antrag zurück. Er wird dann nicht weiter bearbeitet.")
    )

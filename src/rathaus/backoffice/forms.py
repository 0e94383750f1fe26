"""Back-office forms. Every action form carries the case version the clerk saw."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.accounts.models import User
from rathaus.applications.models import Channel
from rathaus.cases.models import CaseState, Outcome
from rathaus.catalog.models import Service


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Aktenzeichen oder Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "kern-form-input__input", "type": "search"}),
    )
    service = forms.ModelChoiceField(
        label=_("Leistung"), queryset=Service.objects.none(), required=False, empty_label=_("alle")
    )
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("alle")), *CaseState.choices]
    )
    assignee = forms.ChoiceField(
        label=_("Bearbeitung"),
        required=False,
        choices=[("", _("alle")), ("me", _("mir zugewiesen")), ("none", _("nicht zugewiesen"))],
    )
    channel = forms.ChoiceField(
        label=_("Eingangskanal"), required=False, choices=[("", _("alle")), *Channel.choices]
    )
    overdue = forms.BooleanField(label=_("nur überfällige"), required=False)
    sort = forms.ChoiceField(
        label=_("Sortierung"),
        required=False,
        choices=[
            ("new", _("neueste zuerst")),
            ("old", _("älteste zuerst")),
            ("due", _("nach Frist")),
        ],
    )

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        service = cast("forms.ModelChoiceField[Any]", self.fields["service"])
        service.queryset = Service.objects.of(municipality).order_by("name")
        for name in ("service", "state", "assignee", "channel", "sort"):
            self.fields[name].widget.attrs.update(SELECT)


SELECT = {"class": "kern-form-input__select"}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssignForm(VersionForm):
    assignee = forms.ModelChoiceField(
        label=_("Zuweisen an"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("niemand"),
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            cast("forms.ModelChoiceField[Any]", self.fields["assignee"]).queryset = members
        self.fields["assignee"].widget.attrs.update(SELECT)


class QuestionForm(VersionForm):
    text = forms.CharField(
        label=_("Frage an die Antragstellerin oder den Antragsteller"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "kern-form-input__input"}),
        max_length=5000,
    )
    deadline = forms.DateField(
        label=_("Antwort bis"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "kern-form-input__input"}),
    )


class DecideForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Entscheidung"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Begründung"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "kern-form-input__input"}),
        max_length=20000,
    )


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("Interne Notiz"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "kern-form-input__input"}),
        max_length=10000,
    )


class CounterStartForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Leistung"), queryset=Service.objects.none())
    channel = forms.ChoiceField(
        label=_("Eingangskanal"),
        choices=[(c, label) for c, label in Channel.choices if c in ("counter", "phone", "post")],
        widget=forms.RadioSelect,
    )
    contact_email = forms.EmailField(
        label=_("E-Mail-Adresse der Bürgerin oder des Bürgers"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "kern-form-input__input"}),
    )

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        service = cast("forms.ModelChoiceField[Any]", self.fields["service"])
        service.queryset = Service.objects.of(municipality).filter(
            enabled=True, current_version__isnull=False
        )
        service.widget.attrs.update({"class": "kern-form-input__select"})

"""Building a Django form for one step of a service definition, and moving answers between the
stored JSON (``{field_key: value}`` per step) and form data.

One code path validates both what a browser posts and what is stored: on submission the stored
answers are turned back into form data and validated again (``step_validate_stored``), so a
tampered earlier step cannot slip through.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.forms.utils import ErrorDict
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.catalog import plugins
from rathaus.catalog.definition import (
    Condition,
    FormField,
    ServiceDefinition,
    Step,
    resolve_relative_date,
)

from ..conditions import Answers, describe, evaluate, refers_to_step
from .fields import (
    FullMatchValidator,
    GermanDecimalField,
    IbanField,
    PhoneField,
    PostcodeField,
    StreetField,
    UploadField,
    UploadValue,
)

ADDRESS_PARTS = ("street", "postcode", "city")
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
EMPTY: tuple[Any, ...] = (None, "", [], {})

logger = logging.getLogger(__name__)


def _input(**attrs: Any) -> dict[str, Any]:
    return {"class": "kern-form-input__input", **attrs}


def _required_message(spec: FormField) -> str:
    label = str(spec.label)
    if spec.type in ("choice", "multichoice"):
        return _("Bitte wählen Sie aus: %(label)s") % {"label": label}
    if spec.type == "boolean":
        return _("Bitte bestätigen Sie: %(label)s") % {"label": label}
    if spec.type == "file":
        return _("Bitte laden Sie eine Datei hoch: %(label)s") % {"label": label}
    return _("Bitte geben Sie an: %(label)s") % {"label": label}


def max_upload_bytes(spec: FormField) -> int:
    limit = int(settings.RATHAUS_MAX_UPLOAD_BYTES)
    if spec.max_size_mb:
        limit = min(limit, int(spec.max_size_mb * 1024 * 1024))
    return limit


def _date_bounds(spec: FormField, today: date) -> tuple[date | None, date | None]:
    low = resolve_relative_date(spec.date_min, today) if spec.date_min else None
    high = resolve_relative_date(spec.date_max, today) if spec.date_max else None
    return low, high


def build_field(spec: FormField, *, required: bool, today: date) -> forms.Field:
    """The Django field for a scalar definition field (not address or group)."""
    common: dict[str, Any] = {
        "label": str(spec.label),
        "help_text": str(spec.hint) if spec.hint else "",
        "required": required,
        "error_messages": {"required": _required_message(spec)},
    }
    kind = spec.type
    if kind in ("text", "textarea"):
        widget = (
            forms.Textarea(attrs=_input(rows=5))
            if kind == "textarea"
            else forms.TextInput(attrs=_input())
        )
        validators = []
        if spec.pattern:
            message = str(spec.pattern_message) if spec.pattern_message else ""
            validators.append(
                FullMatchValidator(spec.pattern, message or _("Die Eingabe hat nicht das Format."))
            )
        return forms.CharField(
            widget=widget,
            max_length=spec.max_length or (10000 if kind == "textarea" else 300),
            min_length=spec.min_length,
            validators=validators,
            **common,
        )
    if kind == "email":
        common["error_messages"]["invalid"] = _(
            "Bitte geben Sie eine E-Mail-Adresse an, z. B. name@example.org."
        )
        return forms.EmailField(
            widget=forms.EmailInput(attrs=_input(autocomplete="email", spellcheck="false")),
            max_length=254,
            **common,
        )
    if kind == "phone":
        return PhoneField(**common)
    if kind == "postcode":
        return PostcodeField(**common)
    if kind == "iban":
        return IbanField(**common)
    if kind == "integer":
        common["error_messages"]["invalid"] = _("Bitte geben Sie eine ganze Zahl an.")
        common["error_messages"]["min_value"] = _(
            "Die Zahl darf nicht kleiner als %(limit_value)s sein."
        )
        common["error_messages"]["max_value"] = _(
            "Die Zahl darf nicht größer als %(limit_value)s sein."
        )
        return forms.IntegerField(
            widget=forms.TextInput(attrs=_input(inputmode="numeric")),
            min_value=int(spec.min_value) if spec.min_value is not None else None,
            max_value=int(spec.max_value) if spec.max_value is not None else None,
            **common,
        )
    if kind in ("decimal", "money"):
        min_value = spec.min_value
        if kind == "money" and min_value is None:
            min_value = Decimal("0")
        common["error_messages"]["min_value"] = _(
            "Der Betrag darf nicht kleiner als %(limit_value)s sein."
        )
        common["error_messages"]["max_value"] = _(
            "Der Betrag darf nicht größer als %(limit_value)s sein."
        )
        common["error_messages"]["max_decimal_places"] = _(
            "Bitte höchstens %(max)s Nachkommastellen angeben."
        )
        return GermanDecimalField(
            widget=forms.TextInput(attrs=_input(inputmode="decimal")),
            max_digits=14,
            decimal_places=2 if kind == "money" else 6,
            min_value=min_value,
            max_value=spec.max_value,
            **common,
        )
    if kind == "date":
        low, high = _date_bounds(spec, today)
        common["error_messages"]["invalid"] = _("Bitte geben Sie ein Datum an, z. B. 24.12.2020.")
        date_field = forms.DateField(
            widget=forms.DateInput(attrs=_input(type="date"), format="%Y-%m-%d"),
            input_formats=DATE_INPUT_FORMATS,
            **common,
        )
        if low:
            date_field.validators.append(_date_validator(low, after=True))
        if high:
            date_field.validators.append(_date_validator(high, after=False))
        return date_field
    if kind == "boolean":
        return forms.BooleanField(widget=forms.CheckboxInput(), **common)
    if kind == "choice":
        choices = [(c.value, str(c.label)) for c in spec.choices or []]
        common["error_messages"]["invalid_choice"] = _("Bitte wählen Sie einen der Werte aus.")
        if spec.widget == "select":
            return forms.ChoiceField(
                choices=[("", _("Bitte wählen")), *choices],
                widget=forms.Select(attrs={"class": "kern-form-input__select"}),
                **common,
            )
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "multichoice":
        common["error_messages"]["invalid_choice"] = _("Bitte wählen Sie nur angebotene Werte.")
        return forms.MultipleChoiceField(
            choices=[(c.value, str(c.label)) for c in spec.choices or []],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == "file":
        return UploadField(
            accept=list(spec.accept or []), max_bytes=max_upload_bytes(spec), **common
        )
    raise ValueError(f"no form field for type {kind}")


def _date_validator(bound: date, *, after: bool) -> Any:
    def check(value: date) -> None:
        if value is None:
            return
        if after and value < bound:
            raise ValidationError(
                _("Das Datum darf nicht vor dem %(date)s liegen.")
                % {"date": date_format(bound, "d.m.Y")},
                code="date_min",
            )
        if not after and value > bound:
            raise ValidationError(
                _("Das Datum darf nicht nach dem %(date)s liegen.")
                % {"date": date_format(bound, "d.m.Y")},
                code="date_max",
            )

    return check


def address_fields(spec: FormField, *, required: bool) -> dict[str, forms.Field]:
    label = str(spec.label)
    return {
        "street": StreetField(
            label=_("Straße und Hausnummer"),
            max_length=200,
            required=required,
            widget=forms.TextInput(attrs=_input(autocomplete="street-address")),
            error_messages={
                "required": _("Bitte geben Sie Straße und Hausnummer an (%(label)s).")
                % {"label": label}
            },
        ),
        "postcode": PostcodeField(
            label=_("Postleitzahl"),
            required=required,
            error_messages={
                "required": _("Bitte geben Sie die Postleitzahl an (%(label)s).") % {"label": label}
            },
        ),
        "city": forms.CharField(
            label=_("Ort"),
            max_length=100,
            required=required,
            widget=forms.TextInput(attrs=_input(autocomplete="address-level2")),
            error_messages={
                "required": _("Bitte geben Sie den Ort an (%(label)s).") % {"label": label}
            },
        ),
    }


# --- JSON <-> form data ---------------------------------------------------------------------


def to_json(spec: FormField, value: Any) -> Any:
    """A cleaned value as stored in ``Application.data``."""
    if value in EMPTY:
        return None if spec.type != "boolean" else bool(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01"))) if spec.type == "money" else str(value)
    return value


def _put(data: MultiValueDict, name: str, spec: FormField, value: Any) -> None:
    """Write one stored value into form data under ``name`` (the inverse of cleaning)."""
    if value in EMPTY or value is False:
        return
    if spec.type == "address" and isinstance(value, dict):
        for part in ADDRESS_PARTS:
            data[f"{name}__{part}"] = str(value.get(part) or "")
    elif spec.type == "multichoice" and isinstance(value, list):
        data.setlist(name, [str(v) for v in value])
    elif spec.type == "boolean":
        data[name] = "on"
    elif spec.type == "file":
        data[f"{name}__existing"] = str(value)
    else:
        data[name] = str(value)


def step_data_from_answers(step: Step, values: dict[str, Any]) -> MultiValueDict:
    """Form data (as a browser would post it) for the stored answers of one step."""
    data: MultiValueDict[str, Any] = MultiValueDict()
    for spec in step.fields:
        value = values.get(spec.key)
        if spec.type == "group":
            entries = value if isinstance(value, list) else []
            total = max(len(entries), spec.min_items)
            data[f"{spec.key}-TOTAL_FORMS"] = str(min(total, spec.max_items))
            data[f"{spec.key}-INITIAL_FORMS"] = "0"
            for index, entry in enumerate(entries[: spec.max_items]):
                for sub in spec.fields or []:
                    if isinstance(entry, dict):
                        _put(data, f"{spec.key}-{index}-{sub.key}", sub, entry.get(sub.key))
        else:
            _put(data, spec.key, spec, value)
    return data


# --- the forms ------------------------------------------------------------------------------


@dataclass
class Item:
    """One definition field as laid out on the page."""

    spec: FormField
    names: list[str]
    dynamic: bool = False
    condition_text: str = ""
    client_condition: dict[str, Any] | None = None
    active: bool = True
    bound: list[Any] = field(default_factory=list)
    formset: Any = None

    @property
    def kind(self) -> str:
        if self.spec.type in ("address", "file", "group"):
            return self.spec.type
        return "field"

    upload: Any = None

    @property
    def accept_attr(self) -> str:
        return ",".join(self.spec.accept or [])

    @property
    def accept_names(self) -> str:
        from ..services import TYPE_NAMES

        return ", ".join(TYPE_NAMES.get(t, t) for t in self.spec.accept or [])

    @property
    def max_mb(self) -> str:
        return f"{max_upload_bytes(self.spec) / (1024 * 1024):g}"

    @property
    def when_json(self) -> str:
        return json.dumps(self.client_condition) if self.client_condition else ""


def client_condition(
    condition: Condition,
    *,
    step_key: str,
    answers: Answers,
    entry_prefix: str,
    field_prefix: str,
) -> dict[str, Any]:
    """The condition for ``forms.js``: same-page fields become input names, all else values."""
    if condition.all is not None or condition.any is not None:
        op = "all" if condition.all is not None else "any"
        subs = condition.all if condition.all is not None else condition.any
        return {
            op: [
                client_condition(
                    c,
                    step_key=step_key,
                    answers=answers,
                    entry_prefix=entry_prefix,
                    field_prefix=field_prefix,
                )
                for c in subs or []
            ]
        }
    if condition.not_ is not None:
        return {
            "not": client_condition(
                condition.not_,
                step_key=step_key,
                answers=answers,
                entry_prefix=entry_prefix,
                field_prefix=field_prefix,
            )
        }
    from ..conditions import lookup

    assert condition.field is not None
    path = condition.field
    result: dict[str, Any] = {}
    if path.startswith("@."):
        result["name"] = f"{entry_prefix}{path[2:]}"
    elif path.startswith(f"{step_key}."):
        result["name"] = f"{field_prefix}{path.split('.', 1)[1]}"
    else:
        result["value"] = lookup(path, answers)
    dumped = condition.model_dump(mode="json", by_alias=True, exclude_none=True)
    for op in ("equals", "not_equals", "in", "filled", "gt", "gte", "lt", "lte", "age_at_least"):
        if op in dumped or (op in ("equals", "not_equals") and op in condition.model_fields_set):
            result["op"] = op
            result["arg"] = dumped.get(op)
            break
    return result


class KernBoundField(BoundField):
    """Links hint and error to the input (ids as in ``includes/field.html``) and marks errors."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        ids = []
        if self.help_text:
            ids.append(f"{self.auto_id}-hint")
        if self.errors:
            ids.append(f"{self.auto_id}-error")
            css = widget.attrs.get("class", "")
            if css:
                attrs["class"] = f"{css} {css.split()[0]}--error"
        if ids:
            attrs["aria-describedby"] = " ".join(ids)
        else:
            attrs.pop("aria-describedby", None)
        return attrs


class DefinitionForm(forms.Form):
    """Fields of a step (or of one entry of a repeatable group) built from the definition."""

    bound_field_class = KernBoundField

    def __init__(
        self,
        *args: Any,
        specs: list[FormField],
        step: Step,
        definition: ServiceDefinition,
        answers: Answers,
        uploads: dict[int, Any],
        today: date,
        in_group: FormField | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.step = step
        self.definition = definition
        self.answers = answers
        self.uploads = uploads
        self.today = today
        self.in_group = in_group
        self.layout: list[Item] = []
        group_labels = {f.key: str(f.label) for f in (in_group.fields or [])} if in_group else {}
        for spec in specs:
            dynamic = refers_to_step(spec.when, step.key)
            if (
                spec.when is not None
                and not dynamic
                and not evaluate(spec.when, answers, today=today)
            ):
                continue  # depends on earlier steps only and does not apply: omitted
            required = spec.required and not dynamic
            item = Item(spec=spec, names=[], dynamic=dynamic)
            if dynamic and spec.when is not None:
                item.condition_text = describe(spec.when, definition, group_labels=group_labels)
                item.client_condition = client_condition(
                    spec.when,
                    step_key=step.key,
                    answers=answers,
                    entry_prefix=self.add_prefix(""),
                    field_prefix="" if in_group else self.add_prefix(""),
                )
            if spec.type == "address":
                for part, django_field in address_fields(spec, required=required).items():
                    name = f"{spec.key}__{part}"
                    self.fields[name] = django_field
                    item.names.append(name)
            elif spec.type == "group":
                item.names.append(spec.key)
            else:
                django_field = build_field(spec, required=required, today=today)
                if isinstance(django_field, UploadField):
                    django_field.known_uploads = uploads
                self.fields[spec.key] = django_field
                item.names.append(spec.key)
            self.layout.append(item)

    # values ---------------------------------------------------------------------------------

    def _value_of(self, item: Item, cleaned: dict[str, Any]) -> Any:
        spec = item.spec
        if spec.type == "address":
            parts = {p: cleaned.get(f"{spec.key}__{p}") or "" for p in ADDRESS_PARTS}
            return parts if any(parts.values()) else None
        return to_json(spec, cleaned.get(spec.key))

    def current_values(self) -> dict[str, Any]:
        cleaned = getattr(self, "cleaned_data", {}) or {}
        return {
            item.spec.key: self._value_of(item, cleaned)
            for item in self.layout
            if item.active and item.spec.type != "group"
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        current = self.current_values()
        for item in self.layout:
            spec = item.spec
            if spec.type == "group":
                continue
            if item.dynamic:
                if self.in_group is not None:
                    holds = evaluate(spec.when, self.answers, entry=current, today=self.today)
                else:
                    answers = {**self.answers, self.step.key: current}
                    holds = evaluate(spec.when, answers, today=self.today)
                if not holds:
                    item.active = False
                    current.pop(spec.key, None)
                    for name in item.names:
                        self._errors.pop(name, None)
                        cleaned.pop(name, None)
                    continue
                item.active = True
                value = current.get(spec.key)
                if spec.required and (value in EMPTY or value is False):
                    self._require(item)
            if spec.type == "address" and (item.dynamic or not spec.required):
                value = current.get(spec.key)
                if value:
                    for part in ADDRESS_PARTS:
                        name = f"{spec.key}__{part}"
                        if not value.get(part) and name not in self._errors:
                            self.add_error(name, _("Bitte vervollständigen Sie die Anschrift."))
        return cleaned

    def _require(self, item: Item) -> None:
        if any(name in self._errors for name in item.names):
            return
        if item.spec.type == "address":
            for part, django_field in address_fields(item.spec, required=True).items():
                name = f"{item.spec.key}__{part}"
                if not (self.cleaned_data or {}).get(name):
                    self.add_error(name, django_field.error_messages["required"])
            return
        self.add_error(item.names[0], _required_message(item.spec))

    def suppress_errors(self) -> None:
        """Show the posted data without error messages (after "add"/"remove" or on GET)."""
        self._errors = ErrorDict()
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}

    def upload_fields(self) -> list[tuple[str, UploadField]]:
        return [(n, f) for n, f in self.fields.items() if isinstance(f, UploadField)]

    def page_items(self) -> list[Item]:
        for item in self.layout:
            item.bound = [self[name] for name in item.names if name in self.fields]
            if item.kind == "file" and item.bound:
                bound = item.bound[0]
                item.upload = bound.field.upload_for(bound.value())
        return self.layout

    def error_entries(self) -> list[tuple[str, str, str]]:
        """(anchor id, label, message) for the error summary, in page order."""
        entries: list[tuple[str, str, str]] = []
        for error in self.non_field_errors():
            entries.append(("", "", str(error)))
        for item in self.layout:
            for name in item.names:
                if name in self.fields:
                    bound = self[name]
                    for error in bound.errors:
                        label = str(item.spec.label)
                        if item.spec.type == "address":
                            label = f"{label} – {bound.label}"
                        entries.append((bound.auto_id, label, str(error)))
        return entries


class GroupFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": gettext_lazy(
            "Die Angaben zu den Einträgen sind unvollständig. Bitte laden Sie die Seite neu."
        ),
        "too_many_forms": gettext_lazy("Zu viele Einträge: höchstens %(num)d sind möglich."),
        "too_few_forms": gettext_lazy("Es fehlen Einträge: mindestens %(num)d sind nötig."),
    }

    def filled_entries(self) -> list[dict[str, Any]]:
        entries = []
        for form in self.forms:
            if form.empty_permitted and not form.has_changed():
                continue
            if getattr(form, "cleaned_data", None) is None:
                continue
            entries.append(form.current_values())
        return entries


class StepForm(DefinitionForm):
    """The form of one step, with a formset per group field."""

    def __init__(self, *args: Any, municipality: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.formsets: dict[str, Any] = {}
        for item in self.layout:
            if item.spec.type != "group":
                continue
            spec = item.spec
            formset_class = forms.formset_factory(
                DefinitionForm,
                formset=GroupFormSet,
                extra=0,
                min_num=spec.min_items,
                max_num=spec.max_items,
                absolute_max=spec.max_items,
                validate_min=True,
                validate_max=True,
            )
            formset: Any = formset_class(
                self.data if self.is_bound else None,
                self.files if self.is_bound else None,
                prefix=spec.key,
                form_kwargs={
                    "specs": spec.fields or [],
                    "step": self.step,
                    "definition": self.definition,
                    "answers": self.answers,
                    "uploads": self.uploads,
                    "today": self.today,
                    "in_group": spec,
                },
            )
            self.formsets[spec.key] = formset
            item.formset = formset

    def all_forms(self) -> list[DefinitionForm]:
        forms_: list[DefinitionForm] = [self]
        for formset in self.formsets.values():
            forms_ += list(formset.forms)
        return forms_

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for item in self.layout:
            if item.spec.type == "group" and item.formset is not None:
                if item.dynamic:
                    holds = evaluate(
                        item.spec.when,
                        {**self.answers, self.step.key: self.current_values()},
                        today=self.today,
                    )
                    item.active = holds
                    if not holds:
                        continue
                valid = item.formset.is_valid() and valid
        if valid and self.step.plugin:
            valid = self._run_step_validator()
        return valid

    def _run_step_validator(self) -> bool:
        """The step's plugin validator (e.g. "is this address in a parking zone?"), run once the
        fields themselves are valid. A validator that cannot run blocks the step with a message
        rather than letting an unchecked answer through."""
        validator = plugins.resolve_step_validator(self.step.plugin or "")
        try:
            if validator is None:
                raise LookupError(self.step.plugin)
            problems = validator(
                definition=self.definition,
                step=self.step.key,
                values=self.values(),
                answers=self.answers,
                municipality=self.municipality,
            )
        except Exception:  # a failing plugin must not become a server error
            logger.exception("step validator %s failed", self.step.plugin)
            problems = {
                "": str(
                    _(
                        "Ihre Angaben konnten gerade nicht geprüft werden. "
                        "Bitte versuchen Sie es später noch einmal."
                    )
                )
            }
        names = {item.spec.key: item.names for item in self.layout}
        for key, message in problems.items():
            field_names = names.get(key) or []
            target = field_names[0] if field_names and field_names[0] in self.fields else None
            self.add_error(target, message)
        return not problems

    def values(self) -> dict[str, Any]:
        """The step's answers as stored (after a successful ``is_valid``)."""
        values = self.current_values()
        for item in self.layout:
            if item.spec.type == "group" and item.active and item.formset is not None:
                values[item.spec.key] = item.formset.filled_entries()
        return values

    def valid_values(self) -> dict[str, Any]:
        """What can be kept of a partly wrong page ("Zwischenspeichern"): fields without errors."""
        self.is_valid()
        values = {}
        for item in self.layout:
            spec = item.spec
            if not item.active:
                continue
            if spec.type == "group":
                if item.formset is not None and item.formset.is_valid():
                    values[spec.key] = item.formset.filled_entries()
                continue
            if any(name in self.errors for name in item.names):
                continue
            values[spec.key] = self._value_of(item, self.cleaned_data)
        return values

    def suppress_errors(self) -> None:
        super().suppress_errors()
        for formset in self.formsets.values():
            formset._errors = []
            formset._non_form_errors = formset.error_class()
            for form in formset.forms:
                form.suppress_errors()

    def error_entries(self) -> list[tuple[str, str, str]]:
        entries = super().error_entries()
        for item in self.layout:
            if item.spec.type != "group" or item.formset is None or not item.active:
                continue
            formset = item.formset
            for error in formset.non_form_errors():
                entries.append((f"group-{item.spec.key}", str(item.spec.label), str(error)))
            for index, form in enumerate(formset.forms):
                for anchor, label, message in form.error_entries():
                    entry_label = f"{item.spec.item_label or item.spec.label} {index + 1}"
                    entries.append((anchor, f"{entry_label}: {label}", message))
        return entries


def step_form(
    *,
    definition: ServiceDefinition,
    step: Step,
    answers: Answers,
    uploads: dict[int, Any],
    data: Any = None,
    files: Any = None,
    today: date | None = None,
    municipality: Any = None,
) -> StepForm:
    return StepForm(
        data,
        files,
        municipality=municipality,
        specs=list(step.fields),
        step=step,
        definition=definition,
        answers=answers,
        uploads=uploads,
        today=today or date.today(),
    )


def step_validate_stored(
    *,
    definition: ServiceDefinition,
    step: Step,
    answers: Answers,
    values: dict[str, Any],
    uploads: dict[int, Any],
    today: date | None = None,
    municipality: Any = None,
) -> StepForm:
    """Validate the stored answers (``values``) of a step again, exactly as if they had just
    been posted; ``answers`` are the earlier steps' answers the conditions look at."""
    form = step_form(
        definition=definition,
        step=step,
        answers=answers,
        uploads=uploads,
        data=step_data_from_answers(step, values),
        files=MultiValueDict(),
        today=today,
        municipality=municipality,
    )
    form.is_valid()
    return form


__all__ = [
    "DefinitionForm",
    "Item",
    "StepForm",
    "UploadValue",
    "build_field",
    "step_data_from_answers",
    "step_form",
    "step_validate_stored",
    "to_json",
]

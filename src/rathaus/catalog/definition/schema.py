"""The declarative service definition (format ``rathaus.service/1``).

A definition describes a service completely: catalogue texts, form steps and fields, conditions,
automatic checks, the fee rule, the workflow, documents to produce and the retention period.
``docs/service-definitions.md`` documents every key with examples.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .text import LocalizedText, Text

FORMAT: Literal["rathaus.service/1"] = "rathaus.service/1"

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
Path = Annotated[str, StringConstraints(pattern=r"^(@|[a-z][a-z0-9_]*)(\.[a-z][a-z0-9_]*)+$")]

FieldType = Literal[
    "text",
    "textarea",
    "integer",
    "decimal",
    "money",
    "date",
    "boolean",
    "choice",
    "multichoice",
    "email",
    "phone",
    "postcode",
    "iban",
    "address",
    "file",
    "group",
]
TrustLevelName = Literal["none", "basic", "substantial", "high"]
TRUST_LEVELS: dict[str, int] = {"none": 0, "basic": 1, "substantial": 2, "high": 3}

_RELATIVE_DATE = re.compile(r"^today(?:(?P<sign>[+-])(?P<n>\d{1,3})(?P<unit>[dmy]))?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """A condition over the answers. Exactly one form: a comparison on ``field`` or a combination
    (``all``/``any``/``not``). Paths are ``step.field``; inside a repeatable group ``@.field``
    means the field of the same entry."""

    field: Path | None = None
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    filled: bool | None = None
    gt: Decimal | None = None
    gte: Decimal | None = None
    lt: Decimal | None = None
    lte: Decimal | None = None
    age_at_least: int | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combos = [x for x in (self.all, self.any, self.not_) if x is not None]
        comparisons = ("equals", "not_equals", "in_", "filled", "gt", "gte", "lt", "lte")
        ops = [
            name
            for name in (*comparisons, "age_at_least")
            if getattr(self, name) is not None
            or (name in ("equals", "not_equals") and name in self.model_fields_set)
        ]
        if self.field is None:
            if len(combos) != 1 or ops:
                raise ValueError("eine Bedingung braucht 'field' mit Vergleich oder all/any/not")
        elif combos or len(ops) != 1:
            raise ValueError(
                "eine Bedingung mit 'field' braucht genau einen Vergleich "
                "(equals, not_equals, in, filled, gt, gte, lt, lte, age_at_least)"
            )
        return self

    def paths(self) -> list[str]:
        found = [self.field] if self.field else []
        for sub in [*(self.all or []), *(self.any or []), *([self.not_] if self.not_ else [])]:
            found += sub.paths()
        return found


class Choice(Strict):
    value: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    label: Text


def resolve_relative_date(value: str, today: date | None = None) -> date:
    """``today``, ``today-18y``, ``today+30d``, ``today+6m`` or an ISO date."""
    today = today or date.today()
    match = _RELATIVE_DATE.match(value)
    if not match:
        return date.fromisoformat(value)
    if not match["sign"]:
        return today
    n = int(match["n"]) * (1 if match["sign"] == "+" else -1)
    unit = match["unit"]
    if unit == "d":
        return today + timedelta(days=n)
    months = n * (12 if unit == "y" else 1)
    month_index = today.month - 1 + months
    year, month = today.year + month_index // 12, month_index % 12 + 1
    day = min(
        today.day,
        [
            31,
            29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][month - 1],
    )
    return date(year, month, day)


class FormField(Strict):
    key: Key
    type: FieldType
    label: Text
    hint: Text | None = None
    required: bool = True
    when: Condition | None = None
    # choice / multichoice
    choices: list[Choice] | None = None
    widget: Literal["radio", "select", "checkbox"] | None = None
    # text
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1, le=10000)
    pattern: str | None = None
    pattern_message: Text | None = None
    # numbers and money
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    # dates: ISO date or "today", "today-18y", "today+30d"
    date_min: str | None = None
    date_max: str | None = None
    # files
    accept: list[str] | None = None
    max_size_mb: float | None = Field(default=None, gt=0, le=100)
    # repeatable group
    fields: list[FormField] | None = None
    min_items: int = Field(default=1, ge=0)
    max_items: int = Field(default=1, ge=1, le=50)
    item_label: Text | None = None
    # once-only: take the value from the applicant's profile ("profile.street", "user.email" …)
    prefill: str | None = None

    @model_validator(mode="after")
    def _type_specific(self) -> FormField:
        if self.type in ("choice", "multichoice") and not self.choices:
            raise ValueError(f"Feld '{self.key}': Auswahlfelder brauchen 'choices'")
        if self.type not in ("choice", "multichoice") and self.choices:
            raise ValueError(f"Feld '{self.key}': 'choices' gibt es nur bei Auswahlfeldern")
        if self.type == "group" and not self.fields:
            raise ValueError(f"Feld '{self.key}': eine Gruppe braucht 'fields'")
        if self.type != "group" and self.fields:
            raise ValueError(f"Feld '{self.key}': 'fields' gibt es nur bei Gruppen")
        if self.type == "group" and any(f.type == "group" for f in self.fields or []):
            raise ValueError(f"Feld '{self.key}': Gruppen lassen sich nicht verschachteln")
        if self.type == "file" and not self.accept:
            raise ValueError(f"Feld '{self.key}': Dateifelder brauchen 'accept' (erlaubte Typen)")
        if self.min_items > self.max_items:
            raise ValueError(f"Feld '{self.key}': min_items ist größer als max_items")
        if self.choices:
            values = [c.value for c in self.choices]
            if len(values) != len(set(values)):
                raise ValueError(f"Feld '{self.key}': doppelte Werte in 'choices'")
        for bound in (self.date_min, self.date_max):
            if bound is not None:
                try:
                    resolve_relative_date(bound)
                except ValueError as exc:
                    raise ValueError(
                        f"Feld '{self.key}': '{bound}' ist kein Datum (ISO oder today-18y)"
                    ) from exc
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"Feld '{self.key}': ungültiges Muster: {exc}") from exc
        return self

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    @property
    def repeatable(self) -> bool:
        return self.type == "group" and self.max_items > 1


class Step(Strict):
    key: Key
    title: Text
    intro: Text | None = None
    when: Condition | None = None
    fields: list[FormField] = Field(min_length=1)
    # a plugin step validator ("parking.address_in_zone") run when the step is saved
    plugin: str | None = None


class Check(Strict):
    """An automatic check on the answers; a failed check sends the case to a clerk with reasons."""

    key: Key
    label: Text
    rule: Condition | None = None
    plugin: str | None = None
    message: Text | None = None

    @model_validator(mode="after")
    def _rule_or_plugin(self) -> Check:
        if (self.rule is None) == (self.plugin is None):
            raise ValueError(f"Prüfung '{self.key}': genau eines von 'rule' oder 'plugin' angeben")
        return self


class FeeRule(Strict):
    when: Condition | None = None
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    label: Text | None = None


class Fee(Strict):
    label: Text
    period: Literal["once", "year", "month"] = "once"
    rules: list[FeeRule] | None = None
    plugin: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    note: Text | None = None

    @model_validator(mode="after")
    def _rules_or_plugin(self) -> Fee:
        if not self.rules and not self.plugin:
            raise ValueError("die Gebühr braucht 'rules' oder 'plugin'")
        return self


class Workflow(Strict):
    automatic_decision: bool = False
    processing_days: int | None = Field(default=None, ge=1, le=3650)
    team: str | None = None
    # "before_decision": submitting creates a payment for the fee (when > 0); the automatic
    # decision waits until it is booked (see docs/payments.md).
    payment: Literal["none", "before_decision"] = "none"


class DocumentSpec(Strict):
    key: Key
    kind: Literal["receipt", "notice", "permit", "certificate"]
    title: Text
    template: str | None = None


class Retention(Strict):
    file_plan: str = Field(min_length=1, max_length=40)
    years: int = Field(ge=1, le=100)
    archive: bool = False


class ServiceDefinition(Strict):
    format: Literal["rathaus.service/1"] = FORMAT
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,79}$")]
    name: Text
    summary: Text
    description: Text | None = None
    category: Text | None = None
    leika: Annotated[str, StringConstraints(pattern=r"^\d{14}$")] | None = None
    legal_basis: Text | None = None
    who_may_apply: Text | None = None
    requirements: list[Text] = Field(default_factory=list)
    processing_time: Text | None = None
    trust_level: TrustLevelName = "none"
    allow_anonymous: bool = False
    plugin: str | None = None
    steps: list[Step] = Field(min_length=1)
    checks: list[Check] = Field(default_factory=list)
    fee: Fee | None = None
    workflow: Workflow = Field(default_factory=Workflow)
    documents: list[DocumentSpec] = Field(default_factory=list)
    retention: Retention

    @model_validator(mode="after")
    def _references(self) -> ServiceDefinition:
        step_keys = [s.key for s in self.steps]
        if len(step_keys) != len(set(step_keys)):
            raise ValueError("doppelte Schritt-Schlüssel")
        known: set[str] = set()
        group_fields: dict[str, set[str]] = {}
        for step in self.steps:
            keys = [f.key for f in step.fields]
            if len(keys) != len(set(keys)):
                raise ValueError(f"Schritt '{step.key}': doppelte Feld-Schlüssel")
            for f in step.fields:
                known.add(f"{step.key}.{f.key}")
                if f.fields:
                    group_fields[f"{step.key}.{f.key}"] = {g.key for g in f.fields}
        for where, condition in self._conditions():
            for path in condition.paths():
                if path.startswith("@."):
                    if not any(path[2:] in keys for keys in group_fields.values()):
                        raise ValueError(f"{where}: '{path}' nennt kein Feld einer Gruppe")
                elif path not in known:
                    raise ValueError(f"{where}: Bedingung nennt unbekanntes Feld '{path}'")
        if self.allow_anonymous and self.trust_level != "none":
            raise ValueError("allow_anonymous passt nicht zu einem trust_level über 'none'")
        return self

    def _conditions(self) -> list[tuple[str, Condition]]:
        found: list[tuple[str, Condition]] = []
        for step in self.steps:
            if step.when:
                found.append((f"Schritt '{step.key}'", step.when))
            for f in step.fields:
                if f.when:
                    found.append((f"Feld '{step.key}.{f.key}'", f.when))
                for g in f.fields or []:
                    if g.when:
                        found.append((f"Feld '{step.key}.{f.key}.{g.key}'", g.when))
        for check in self.checks:
            if check.rule:
                found.append((f"Prüfung '{check.key}'", check.rule))
        for rule in (self.fee.rules or []) if self.fee else []:
            if rule.when:
                found.append(("Gebühr", rule.when))
        return found

    @property
    def trust_level_value(self) -> int:
        return TRUST_LEVELS[self.trust_level]

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def field(self, path: str) -> FormField | None:
        step_key, _, field_key = path.partition(".")
        step = self.step(step_key)
        return next((f for f in step.fields if f.key == field_key), None) if step else None


__all__ = [
    "FORMAT",
    "TRUST_LEVELS",
    "Check",
    "Choice",
    "Condition",
    "DocumentSpec",
    "Fee",
    "FeeRule",
    "FormField",
    "LocalizedText",
    "Retention",
    "ServiceDefinition",
    "Step",
    "Workflow",
    "resolve_relative_date",
]

"""Evaluating the ``when`` conditions of a service definition against collected answers.

Answers are the JSON the application stores: ``{step_key: {field_key: value}}``; a repeatable
group's value is a list of entries (dicts). Inside a group entry, ``@.field`` names the field of
the same entry. A missing answer is ``None``: every comparison on it is false except
``filled: false`` and ``not_equals``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from rathaus.catalog.definition import Condition, ServiceDefinition

Answers = dict[str, dict[str, Any]]


def lookup(path: str, answers: Answers, entry: dict[str, Any] | None = None) -> Any:
    """The value at ``step.field`` (or ``@.field`` in ``entry``); ``None`` when absent."""
    head, _sep, rest = path.partition(".")
    if head == "@":
        return (entry or {}).get(rest)
    value: Any = answers.get(head) or {}
    for part in rest.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected or (value is None and expected is False)
    left, right = _number(value), _number(expected)
    if left is not None and right is not None:
        return left == right
    return value == expected


def _is_filled(value: Any) -> bool:
    return value not in (None, "", [], {}) and value is not False


def _age(born: Any, today: date) -> int | None:
    try:
        birth = born if isinstance(born, date) else date.fromisoformat(str(born))
    except (TypeError, ValueError):
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def evaluate(
    condition: Condition | None,
    answers: Answers,
    *,
    entry: dict[str, Any] | None = None,
    today: date | None = None,
) -> bool:
    """True when the condition holds (``None`` always holds)."""
    if condition is None:
        return True
    if condition.all is not None:
        return all(evaluate(c, answers, entry=entry, today=today) for c in condition.all)
    if condition.any is not None:
        return any(evaluate(c, answers, entry=entry, today=today) for c in condition.any)
    if condition.not_ is not None:
        return not evaluate(condition.not_, answers, entry=entry, today=today)
    assert condition.field is not None
    value = lookup(condition.field, answers, entry)
    fields_set = condition.model_fields_set
    if "equals" in fields_set:
        if isinstance(value, list):
            return any(_same(v, condition.equals) for v in value)
        return _same(value, condition.equals)
    if "not_equals" in fields_set:
        if isinstance(value, list):
            return not any(_same(v, condition.not_equals) for v in value)
        return not _same(value, condition.not_equals)
    if condition.in_ is not None:
        values = value if isinstance(value, list) else [value]
        return any(_same(v, option) for v in values for option in condition.in_)
    if condition.filled is not None:
        return _is_filled(value) is condition.filled
    if condition.age_at_least is not None:
        age = _age(value, today or date.today())
        return age is not None and age >= condition.age_at_least
    number = _number(value)
    if number is None:
        return False
    for op in ("gt", "gte", "lt", "lte"):
        bound = getattr(condition, op)
        if bound is not None:
            return {
                "gt": number > bound,
                "gte": number >= bound,
                "lt": number < bound,
                "lte": number <= bound,
            }[op]
    return False


def refers_to_step(condition: Condition | None, step_key: str) -> bool:
    """Whether a condition depends on fields of ``step_key`` (or of the same group entry), i.e.
    on answers given on the very page the field is shown on."""
    if condition is None:
        return False
    return any(p.startswith(("@.", f"{step_key}.")) for p in condition.paths())


def _value_label(definition: ServiceDefinition, path: str, value: Any) -> str:
    field = definition.field(path) if not path.startswith("@.") else None
    if field is not None and field.choices:
        for choice in field.choices:
            if choice.value == value:
                return f"„{choice.label}“"
    if value is True:
        return _("ja")
    if value is False:
        return _("nein")
    return f"„{value}“"


def _field_label(definition: ServiceDefinition, path: str, group_labels: dict[str, str]) -> str:
    if path.startswith("@."):
        return group_labels.get(path[2:], path[2:])
    field = definition.field(path)
    return str(field.label) if field else path


def describe(
    condition: Condition,
    definition: ServiceDefinition,
    *,
    group_labels: dict[str, str] | None = None,
) -> str:
    """A German sentence fragment for "Nur ausfüllen, wenn …"."""
    labels = group_labels or {}
    if condition.all is not None:
        return _(" und ").join(describe(c, definition, group_labels=labels) for c in condition.all)
    if condition.any is not None:
        return _(" oder ").join(describe(c, definition, group_labels=labels) for c in condition.any)
    if condition.not_ is not None:
        return _("nicht (%(inner)s)") % {
            "inner": describe(condition.not_, definition, group_labels=labels)
        }
    assert condition.field is not None
    label = f"„{_field_label(definition, condition.field, labels)}“"
    fields_set = condition.model_fields_set
    field = definition.field(condition.field) if not condition.field.startswith("@.") else None
    is_boolean = field is not None and field.type == "boolean"
    if "equals" in fields_set:
        if is_boolean:
            if condition.equals is True:
                return _("%(label)s angekreuzt ist") % {"label": label}
            return _("%(label)s nicht angekreuzt ist") % {"label": label}
        value = _value_label(definition, condition.field, condition.equals)
        return _("bei %(label)s %(value)s gewählt ist") % {"label": label, "value": value}
    if "not_equals" in fields_set:
        value = _value_label(definition, condition.field, condition.not_equals)
        return _("bei %(label)s nicht %(value)s gewählt ist") % {"label": label, "value": value}
    if condition.in_ is not None:
        values = ", ".join(_value_label(definition, condition.field, v) for v in condition.in_)
        return _("bei %(label)s eines von %(values)s gewählt ist") % {
            "label": label,
            "values": values,
        }
    if condition.filled is not None:
        if condition.filled:
            return _("%(label)s ausgefüllt ist") % {"label": label}
        return _("%(label)s leer ist") % {"label": label}
    if condition.age_at_least is not None:
        return _("%(label)s mindestens %(years)s Jahre zurückliegt") % {
            "label": label,
            "years": condition.age_at_least,
        }
    for op, text in (
        ("gt", _("%(label)s größer als %(value)s ist")),
        ("gte", _("%(label)s mindestens %(value)s ist")),
        ("lt", _("%(label)s kleiner als %(value)s ist")),
        ("lte", _("%(label)s höchstens %(value)s ist")),
    ):
        bound = getattr(condition, op)
        if bound is not None:
            return text % {"label": label, "value": bound}
    return ""

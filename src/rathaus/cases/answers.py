"""The answers of an application as entered, labelled by the definition's steps and fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from rathaus.catalog.definition.text import LocalizedText


@dataclass
class AnswerStep:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(LocalizedText(value))
    return str(value or "")


def _display(spec: dict[str, Any], value: Any) -> str:
    kind = spec.get("type")
    if value is None or value == "" or value == []:
        return "–"
    if kind == "boolean":
        return _("Ja") if value in (True, "true", "on", "1") else _("Nein")
    if kind in ("choice", "multichoice"):
        labels = {c.get("value"): _text(c.get("label")) for c in spec.get("choices", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == "address" and isinstance(value, dict):
        street = value.get("street") or ""
        city = " ".join(str(v) for v in (value.get("postcode"), value.get("city")) if v)
        return ", ".join(p for p in (street, city) if p) or "–"
    if kind == "file":
        if isinstance(value, dict):
            return str(value.get("name") or value.get("original_name") or _("Datei"))
        if isinstance(value, list):
            return ", ".join(_display(spec, v) for v in value)
        return _("Datei (siehe Dokumente)")
    if kind == "group" and isinstance(value, list):
        parts = []
        for index, item in enumerate(value, start=1):
            inner = "; ".join(
                f"{_text(sub.get('label'))}: {_display(sub, (item or {}).get(sub.get('key')))}"
                for sub in spec.get("fields", [])
            )
            parts.append(f"{index}. {inner}")
        return " | ".join(parts)
    if isinstance(value, dict | list):
        return str(value)
    return str(value)


def answers_for_display(definition: dict[str, Any], data: Any) -> list[AnswerStep]:
    """Steps in definition order with (label, value) rows; steps without answers are left out,
    answers to fields the definition does not know are shown under their key."""
    data = data if isinstance(data, dict) else {}
    steps: list[AnswerStep] = []
    for step in definition.get("steps", []):
        answers = data.get(step.get("key"))
        if not isinstance(answers, dict):
            continue
        block = AnswerStep(title=_text(step.get("title")))
        known = set()
        for spec in step.get("fields", []):
            known.add(spec.get("key"))
            if spec.get("key") in answers:
                block.rows.append(
                    (_text(spec.get("label")), _display(spec, answers.get(spec.get("key"))))
                )
        for key, value in answers.items():
            if key not in known:
                block.rows.append((key, _display({}, value)))
        steps.append(block)
    return steps

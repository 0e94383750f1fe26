"""Which steps and answers of a definition apply, given the answers so far."""

from __future__ import annotations

from datetime import date
from typing import Any

from rathaus.catalog.definition import ServiceDefinition, Step

from .conditions import Answers, evaluate


def visible_steps(definition: ServiceDefinition, answers: Answers) -> list[Step]:
    """The steps whose ``when`` holds, in order."""
    return [s for s in definition.steps if evaluate(s.when, answers)]


def effective_answers(
    definition: ServiceDefinition, answers: Answers, *, today: date | None = None
) -> Answers:
    """The answers that count: only visible steps and fields whose condition holds.

    A step filled in and later skipped (the breed was changed) leaves stale answers in the draft;
    fees, checks and the summary must not see them.
    """
    result: Answers = {}
    for step in definition.steps:
        if not evaluate(step.when, result, today=today):
            continue
        stored = answers.get(step.key) or {}
        values: dict[str, Any] = {}
        result[step.key] = values
        for spec in step.fields:
            if spec.key not in stored:
                continue
            if not evaluate(spec.when, result, today=today):
                continue
            value = stored[spec.key]
            if spec.type == "group" and isinstance(value, list):
                value = [
                    {
                        sub.key: entry.get(sub.key)
                        for sub in spec.fields or []
                        if sub.key in entry and evaluate(sub.when, result, entry=entry, today=today)
                    }
                    for entry in value
                    if isinstance(entry, dict)
                ]
            values[spec.key] = value
    return result


def first_incomplete_step(
    definition: ServiceDefinition, answers: Answers, completed: list[str]
) -> Step | None:
    """The first visible step not yet completed, or None when all are."""
    for step in visible_steps(definition, answers):
        if step.key not in completed:
            return step
    return None


def step_reachable(
    definition: ServiceDefinition, answers: Answers, completed: list[str], key: str
) -> bool:
    """A step can be opened when it is visible and every visible step before it is completed."""
    for step in visible_steps(definition, answers):
        if step.key == key:
            return True
        if step.key not in completed:
            return False
    return False

"""Automatic checks of a definition, run on submission; the case-work team decides with them.

The result of :func:`checks_run` is a list of plain dicts (stored as JSON on the application)::

    {"key": "volljaehrig", "label": "Halterin oder Halter ist volljährig",
     "passed": False, "message": "Die Halterin oder der Halter ist unter 18; …",
     "source": "rule", "error": False}

``passed`` is True/False; ``error`` is True when a plugin check could not run (then ``passed`` is
False so that a person looks at it). Labels and messages are stored in German, the language of the
file.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

from rathaus.catalog import plugins
from rathaus.catalog.definition import ServiceDefinition

from .conditions import Answers, evaluate

logger = logging.getLogger(__name__)


class CheckOutcome(TypedDict):
    key: str
    label: str
    passed: bool
    message: str
    source: str
    error: bool


def checks_run(
    *, definition: ServiceDefinition, answers: Answers, municipality: Any = None
) -> list[CheckOutcome]:
    """Evaluate every check of the definition against the (effective) answers."""
    results: list[CheckOutcome] = []
    for check in definition.checks:
        label = check.label.get("de", "")
        default_message = check.message.get("de", "") if check.message else ""
        error = False
        if check.rule is not None:
            passed, message, source = evaluate(check.rule, answers), default_message, "rule"
        else:
            source = f"plugin:{check.plugin}"
            function = plugins.resolve_check(check.plugin or "")
            if function is None:
                passed, message, error = False, "Prüfung nicht verfügbar (Plugin fehlt).", True
            else:
                try:
                    outcome = function(
                        definition=definition, data=answers, municipality=municipality
                    )
                    passed, message = bool(outcome.passed), outcome.message or default_message
                except Exception:  # a plugin failure must not stop the submission
                    logger.exception("check plugin %s failed", check.plugin)
                    passed, message, error = (
                        False,
                        "Prüfung fehlgeschlagen (technischer Fehler).",
                        True,
                    )
        results.append(
            {
                "key": check.key,
                "label": label,
                "passed": passed,
                "message": "" if passed else message,
                "source": source,
                "error": error,
            }
        )
    return results

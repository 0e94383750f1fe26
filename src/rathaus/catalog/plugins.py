"""The registry through which domain code plugs into declarative services.

A domain app (parking, trade …) registers what needs code — eligibility checks, fee formulas,
handlers run after submission — under a name; a definition refers to that name
(``plugin:`` on the service, a check or the fee). The core calls through this registry only and
never knows a domain by name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .definition import DefinitionError, Problem, ServiceDefinition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str = ""


CheckFn = Callable[..., CheckResult]
FeeFn = Callable[..., Decimal]
SubmitHook = Callable[..., None]
# A step validator runs when a step is saved, after the field-level validation passed. It gets
# ``definition``, ``step`` (the step's key), ``values`` (this step's answers), ``answers`` (the
# earlier steps' answers) and ``municipality`` (None only outside a request) and returns a mapping
# field key → message in German (key "" for a message about the whole step); empty when valid.
StepValidatorFn = Callable[..., Mapping[str, str]]
# Called inside the decision's transaction with ``case``, ``outcome`` and ``notice`` (the notice
# document, or None while the worker renders it): a domain issues what the decision grants (a
# permit, a register entry …).
DecidedHook = Callable[..., None]
# Called inside the decision's transaction BEFORE the history event is written and the notice
# queued, with ``case`` and ``outcome``: a domain writes what the notice must show (a register
# entry and its number).
DecidingHook = Callable[..., None]
# Shown above a step (e.g. "Ihre Anschrift liegt im Bewohnerparkgebiet A3"): called with
# ``definition``, ``step`` (key), ``answers`` (the answers so far) and ``municipality``; returns
# German sentences (may be empty).
StepNotesFn = Callable[..., list[str]]


@dataclass
class ServicePlugin:
    """Code a service may call. All callables take keyword arguments only:
    ``definition``, ``data`` (the answers), ``municipality``, and for hooks ``application``."""

    name: str
    checks: Mapping[str, CheckFn] = field(default_factory=dict)
    fees: Mapping[str, FeeFn] = field(default_factory=dict)
    on_submit: SubmitHook | None = None
    step_validators: Mapping[str, StepValidatorFn] = field(default_factory=dict)
    on_deciding: DecidingHook | None = None
    on_decided: DecidedHook | None = None
    step_notes: StepNotesFn | None = None


_registry: dict[str, ServicePlugin] = {}


def register(plugin: ServicePlugin) -> ServicePlugin:
    _registry[plugin.name] = plugin
    return plugin


def get(name: str) -> ServicePlugin | None:
    return _registry.get(name)


def resolve_check(ref: str) -> CheckFn | None:
    plugin_name, _, check_name = ref.partition(".")
    plugin = _registry.get(plugin_name)
    return plugin.checks.get(check_name) if plugin else None


def resolve_fee(ref: str) -> FeeFn | None:
    plugin_name, _, fee_name = ref.partition(".")
    plugin = _registry.get(plugin_name)
    return plugin.fees.get(fee_name) if plugin else None


def step_notes(
    *, definition: ServiceDefinition, step: str, answers: Any, municipality: Any
) -> list[str]:
    """The plugin's notes for a step; a failing plugin shows nothing rather than an error."""
    plugin = _registry.get(definition.plugin) if definition.plugin else None
    if plugin is None or plugin.step_notes is None:
        return []
    try:
        return list(
            plugin.step_notes(
                definition=definition, step=step, answers=answers, municipality=municipality
            )
        )
    except Exception:  # notes are a convenience; never break the form over them
        logger.exception("step notes of plugin %s failed", definition.plugin)
        return []


def resolve_step_validator(ref: str) -> StepValidatorFn | None:
    plugin_name, _, validator_name = ref.partition(".")
    plugin = _registry.get(plugin_name)
    return plugin.step_validators.get(validator_name) if plugin else None


def validate_plugins(definition: ServiceDefinition) -> None:
    """Every plugin a definition names must be registered; otherwise the file is refused."""
    problems: list[Problem] = []
    if definition.plugin and definition.plugin not in _registry:
        problems.append(Problem(f"unbekanntes Plugin '{definition.plugin}'", path="plugin"))
    for check in definition.checks:
        if check.plugin and resolve_check(check.plugin) is None:
            problems.append(
                Problem(f"unbekannte Plugin-Prüfung '{check.plugin}'", path=f"checks.{check.key}")
            )
    for step in definition.steps:
        if step.plugin and resolve_step_validator(step.plugin) is None:
            problems.append(
                Problem(f"unbekannte Schrittprüfung '{step.plugin}'", path=f"steps.{step.key}")
            )
    if definition.fee and definition.fee.plugin and resolve_fee(definition.fee.plugin) is None:
        problems.append(
            Problem(f"unbekannte Gebührenformel '{definition.fee.plugin}'", path="fee.plugin")
        )
    if problems:
        raise DefinitionError(problems)


def registered() -> dict[str, Any]:
    return dict(_registry)

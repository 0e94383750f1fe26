"""The case state machine: one table of what may happen in which state.

``TRANSITIONS`` is the single source of truth: the services check it before writing, the back
office offers only what it allows, ``docs/case-lifecycle.md`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from rathaus.core.errors import ErrorCode, RathausError

from .models import Case, CaseState

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

S = CaseState
OPEN = frozenset({S.RECEIVED, S.IN_PROGRESS, S.QUESTION})


class Action(StrEnum):
    CLAIM = "claim"
    ASSIGN = "assign"
    START = "start"
    ASK = "ask"
    ANSWER = "answer"
    DECIDE = "decide"
    DECIDE_AUTOMATICALLY = "decide_automatically"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    NOTE = "note"


class Who(StrEnum):
    STAFF = "staff"
    APPLICANT = "applicant"
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the state stays
    who: Who
    label: StrOrPromise


TRANSITIONS: dict[Action, Transition] = {
    Action.CLAIM: Transition(OPEN, None, Who.STAFF, _("Übernehmen")),
    Action.ASSIGN: Transition(OPEN, None, Who.STAFF, _("Zuweisen")),
    Action.START: Transition(frozenset({S.RECEIVED}), S.IN_PROGRESS, Who.STAFF, _("Bearbeiten")),
    Action.ASK: Transition(frozenset({S.IN_PROGRESS}), S.QUESTION, Who.STAFF, _("Rückfrage")),
    Action.ANSWER: Transition(
        frozenset({S.QUESTION}), S.IN_PROGRESS, Who.APPLICANT, _("Rückfrage beantworten")
    ),
    Action.DECIDE: Transition(frozenset({S.IN_PROGRESS}), S.DECIDED, Who.STAFF, _("Entscheiden")),
    Action.DECIDE_AUTOMATICALLY: Transition(
        frozenset({S.RECEIVED}), S.DECIDED, Who.SYSTEM, _("Automatisch entscheiden")
    ),
    Action.CLOSE: Transition(frozenset({S.DECIDED}), S.CLOSED, Who.STAFF, _("Abschließen")),
    Action.WITHDRAW: Transition(OPEN, S.WITHDRAWN, Who.APPLICANT, _("Antrag zurückziehen")),
    Action.NOTE: Transition(frozenset(S.values), None, Who.STAFF, _("Notiz")),
}


def is_allowed(case: Case, action: Action) -> bool:
    return case.state in TRANSITIONS[action].sources


def ensure_allowed(case: Case, action: Action) -> Transition:
    transition = TRANSITIONS[action]
    if case.state not in transition.sources:
        raise RathausError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            str(
                _("Dieser Schritt ist im Status „%(state)s“ nicht möglich.")
                % {"state": case.get_state_display()}
            ),
            action=str(action),
            state=case.state,
        )
    return transition


def staff_actions(case: Case) -> list[Action]:
    """Actions a member of staff can take now (permission is checked separately)."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.who == Who.STAFF and case.state in transition.sources
    ]

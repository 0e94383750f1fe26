"""The case history: append-only, hash-chained events.

Each :class:`CaseEvent` stores the SHA-256 of the previous event of the same case
(``prev_hash``) and its own hash over a canonical JSON form of its content and ``prev_hash``.
The case keeps the head of its chain (``history_head``, ``history_length``), so that removing
the newest event also shows. ``rathaus audit verify`` walks every chain (:func:`chain_verify`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.utils import timezone

from rathaus.accounts.models import User
from rathaus.integrations import domain_events

from .models import Case, CaseEvent


class Kind:
    OPENED = "opened"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    STARTED = "started"
    QUESTION_ASKED = "question_asked"
    QUESTION_ANSWERED = "question_answered"
    DECIDED = "decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    NOTE = "note"
    DOCUMENT_ADDED = "document_added"
    PAYMENT_RECEIVED = "payment_received"


# Events the applicant sees in the portal timeline (internal notes and assignment stay inside).
PUBLIC_KINDS = frozenset(
    {
        Kind.OPENED,
        Kind.STARTED,
        Kind.QUESTION_ASKED,
        Kind.QUESTION_ANSWERED,
        Kind.DECIDED,
        Kind.CLOSED,
        Kind.WITHDRAWN,
        Kind.PAYMENT_RECEIVED,
    }
)

KIND_LABELS = {
    Kind.OPENED: "Antrag eingegangen",
    Kind.CLAIMED: "Übernommen",
    Kind.ASSIGNED: "Zugewiesen",
    Kind.STARTED: "Bearbeitung begonnen",
    Kind.QUESTION_ASKED: "Rückfrage gestellt",
    Kind.QUESTION_ANSWERED: "Rückfrage beantwortet",
    Kind.DECIDED: "Entschieden",
    Kind.CLOSED: "Abgeschlossen",
    Kind.WITHDRAWN: "Zurückgezogen",
    Kind.NOTE: "Interne Notiz",
    Kind.DOCUMENT_ADDED: "Dokument zur Akte genommen",
    Kind.PAYMENT_RECEIVED: "Zahlung eingegangen",
}


# History kinds announced as domain events (webhooks of the API); notes and assignments stay
# inside. The one place where case history becomes ``case.*`` events.
EVENT_TYPES = {
    Kind.OPENED: "case.submitted",
    Kind.STARTED: "case.state_changed",
    Kind.CLOSED: "case.state_changed",
    Kind.WITHDRAWN: "case.state_changed",
    Kind.QUESTION_ASKED: "case.question_asked",
    Kind.QUESTION_ANSWERED: "case.answered",
    Kind.DECIDED: "case.decided",
    Kind.DOCUMENT_ADDED: "document.added",
}


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def event_hash(
    *,
    case_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_label: str,
    channel: str,
    data: dict[str, Any],
    created_at: str,
    prev_hash: str,
) -> str:
    return hashlib.sha256(
        canonical(
            {
                "case": case_id,
                "seq": seq,
                "kind": kind,
                "actor": actor_id,
                "actor_label": actor_label,
                "channel": channel,
                "data": data,
                "created_at": created_at,
                "prev": prev_hash,
            }
        )
    ).hexdigest()


def _timestamp(event: CaseEvent) -> str:
    # Microsecond ISO in UTC: identical whether read back from SQLite or PostgreSQL.
    return event.created_at.astimezone(UTC).isoformat(timespec="microseconds")


def _hash_of(event: CaseEvent) -> str:
    return event_hash(
        case_id=event.case_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        channel=event.channel,
        data=event.data,
        created_at=_timestamp(event),
        prev_hash=event.prev_hash,
    )


def event_record(
    *,
    case: Case,
    kind: str,
    actor: User | None = None,
    actor_label: str = "",
    channel: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append an event. Call with the case locked (``lock_case``); the caller saves the case
    afterwards (its ``history_head`` and ``history_length`` are updated here)."""
    if actor is not None and not actor_label:
        actor_label = actor.get_full_name() or actor.email
    # Round-trip through JSON so the stored data is exactly what was hashed.
    clean = json.loads(canonical(data or {}))
    event = CaseEvent(
        municipality_id=case.municipality_id,
        case=case,
        seq=case.history_length + 1,
        kind=kind,
        actor=actor,
        actor_label=actor_label[:300],
        channel=channel,
        data=clean,
        created_at=timezone.now(),
        prev_hash=case.history_head,
    )
    event.hash = _hash_of(event)
    event.save()
    case.history_head = event.hash
    case.history_length = event.seq
    _announce(case, event)
    return event


def _announce(case: Case, event: CaseEvent) -> None:
    """Publish the event as a domain event, inside the transaction that records it."""
    event_type = EVENT_TYPES.get(event.kind)
    if event_type is None:
        return
    domain_events.publish(
        municipality=case.municipality,
        type=event_type,
        subject=case.reference,
        data={
            "reference": case.reference,
            "service": case.service.key,
            "state": case.state,
            "outcome": case.outcome,
            "seq": event.seq,
            "kind": event.kind,
            "actor": event.actor_label,
            "channel": event.channel,
            "time": _timestamp(event),
            "details": event.data,
        },
        case=case,
    )


@dataclass(frozen=True)
class Break:
    case_id: int
    reference: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.reference} (Vorgang {self.case_id}), Ereignis {self.seq}: {self.reason}"


def chain_verify(cases: Iterable[Case]) -> list[Break]:
    """Check the chains of the given cases; one :class:`Break` (the first broken link) per
    broken chain."""
    breaks: list[Break] = []
    for case in cases:
        found = _verify_one(case)
        if found:
            breaks.append(found)
    return breaks


def _verify_one(case: Case) -> Break | None:
    prev = ""
    expected_seq = 1
    for event in CaseEvent.objects.filter(case_id=case.pk).order_by("seq").iterator():
        if event.seq != expected_seq:
            return Break(case.pk, case.reference, expected_seq, "Ereignis fehlt (entfernt)")
        if event.prev_hash != prev:
            return Break(case.pk, case.reference, event.seq, "Verkettung unterbrochen")
        if _hash_of(event) != event.hash:
            return Break(case.pk, case.reference, event.seq, "Inhalt verändert")
        prev = event.hash
        expected_seq += 1
    if expected_seq - 1 != case.history_length or prev != case.history_head:
        return Break(
            case.pk, case.reference, expected_seq, "letztes Ereignis fehlt oder Kopf verändert"
        )
    return None

"""Writes to cases. Everything that changes a case goes through a function here.

Every action function has the same shape: lock the case (``lock_case``), compare the version the
user saw (``STALE_OBJECT`` when it moved on), check permission and the transition table, change
the case, write the event, the postbox message and the outbox e-mail — all in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from rathaus.accounts.models import StaffRole, User
from rathaus.accounts.permissions import membership
from rathaus.applications.models import Application, Upload
from rathaus.catalog import plugins
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality
from rathaus.core.tenancy import portal_path, portal_url
from rathaus.postbox.models import PostboxMessage
from rathaus.postbox.services import (
    postbox_deliver,
    postbox_notify,
    postbox_waiting_message,
)
from rathaus.records.models import Document
from rathaus.records.services import document_add, file_create, file_open

from . import events
from .documents import notice_render, receipt_render
from .events import Kind
from .models import (
    DEFAULT_REFERENCE_PATTERN,
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseQuestion,
    CaseSettings,
    CaseState,
    CaseTrackingToken,
    Outcome,
    ReferenceCounter,
    Team,
)
from .selectors import case_visible_to
from .tasks import case_notice_task, case_receipt_task
from .workflow import Action, ensure_allowed

SYSTEM_LABEL = "Automatische Bearbeitung"


@dataclass(frozen=True)
class ExternalActor:
    """A specialist system (Fachverfahren) acting on cases through the API, in place of a clerk.

    Not a user: the history shows ``label`` (e.g. "Fachverfahren: Hundesteuer") and the channel
    ``api``; it never becomes the assignee. It may work on the cases of its municipality and, when
    ``service_ids`` is given, only on those services (anything else is "not found").
    """

    label: str
    municipality_id: int
    service_ids: frozenset[int] | None = None
    channel: str = "api"


Actor = User | ExternalActor


def _user(actor: Actor | None) -> User | None:
    return actor if isinstance(actor, User) else None


# --- reference numbers -------------------------------------------------------------------------


def reference_next(
    *, municipality: Municipality, scope: str, prefix: str, pattern: str | None = None, **extra: Any
) -> str:
    """The next file reference number (Aktenzeichen) for a municipality, e.g. ``32.10-2026-000123``.

    Numbers are taken under a row lock and never reused: when the transaction that took one is
    rolled back only a gap remains (as in a paper register). ``pattern`` defaults to the
    municipality's :class:`CaseSettings` pattern; placeholders ``{file_plan}`` (= ``prefix``),
    ``{prefix}``, ``{year}``, ``{number}`` and any ``extra`` keyword.
    """
    year = timezone.localdate().year
    if pattern is None:
        pattern = case_settings(municipality).reference_pattern
    with transaction.atomic(savepoint=False):
        number = _counter_increment(municipality.pk, scope, year)
        if number is None:  # the first number of this scope and year
            counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
                municipality=municipality, scope=scope, year=year
            )
            counter.last_number += 1
            counter.save(update_fields=["last_number"])
            number = counter.last_number
    values = {"file_plan": prefix, "prefix": prefix, "year": year, **extra}
    try:
        return pattern.format(number=number, **values)
    except (KeyError, IndexError, ValueError):
        return DEFAULT_REFERENCE_PATTERN.format(number=number, **values)


def _counter_increment(municipality_id: int, scope: str, year: int) -> int | None:
    """Count the counter up and read the new number in one statement (``UPDATE … RETURNING``,
    PostgreSQL and SQLite ≥ 3.35): the row stays locked until the transaction ends, as with
    ``SELECT … FOR UPDATE``. None when the counter row does not exist yet."""
    if not connection.features.can_return_columns_from_insert:
        return None  # an old SQLite: the caller's locking read and update
    meta = ReferenceCounter._meta
    quote = connection.ops.quote_name
    column = {f.name: quote(str(f.column)) for f in meta.concrete_fields}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column['last_number']} = "  # noqa: S608 - names from the model
            f"{column['last_number']} + 1 WHERE {column['municipality']} = %s AND "
            f"{column['scope']} = %s AND {column['year']} = %s RETURNING {column['last_number']}",
            [municipality_id, scope, year],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def case_settings(municipality: Municipality) -> CaseSettings:
    found = CaseSettings.objects.filter(municipality=municipality).first()
    return found or CaseSettings(municipality=municipality)


# --- locking, versions, permissions ------------------------------------------------------------


def lock_case(pk: int) -> Case:
    """The case row, locked until the end of the transaction (``SELECT … FOR UPDATE``)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("municipality", "service")
        .get(pk=pk)
    )


def _ensure_version(case: Case, version: int | None) -> None:
    if version is not None and int(version) != case.version:
        raise RathausError(
            ErrorCode.STALE_OBJECT,
            "Der Vorgang wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand und "
            "wiederholen Sie den Schritt.",
            seen=version,
            current=case.version,
        )


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "history_head", "history_length", "updated_at"])


def ensure_staff_can(actor: Actor, action: Action, case: Case) -> None:
    """Staff may work on the cases they see; assigning to others needs team lead or admin.

    An :class:`ExternalActor` may work on its municipality's cases of its services, but never
    assign them to people."""
    if isinstance(actor, ExternalActor):
        if case.municipality_id != actor.municipality_id or (
            actor.service_ids is not None and case.service_id not in actor.service_ids
        ):
            raise RathausError(ErrorCode.NOT_FOUND, "Vorgang nicht gefunden.")
        if action == Action.ASSIGN:
            raise RathausError(
                ErrorCode.PERMISSION_DENIED, "Ein Fachverfahren kann Vorgänge nicht zuweisen."
            )
        return
    found = membership(actor, case.municipality)
    if found is None or not case_visible_to(case=case, user=actor, membership=found):
        raise RathausError(ErrorCode.NOT_FOUND, "Vorgang nicht gefunden.")
    if action == Action.ASSIGN and found.role == StaffRole.CLERK:
        raise RathausError(
            ErrorCode.PERMISSION_DENIED, "Nur die Teamleitung kann Vorgänge anderen zuweisen."
        )


def _ensure_applicant(actor: User | None, case: Case) -> None:
    """``actor=None`` means: the caller verified the secret tracking link of this case."""
    if actor is not None and (case.applicant_id is None or actor.pk != case.applicant_id):
        raise RathausError(ErrorCode.NOT_FOUND, "Vorgang nicht gefunden.")


def _portal_actor_label(actor: User | None) -> str:
    return (actor.get_full_name() or actor.email) if actor else "Antragsteller/in (Link)"


# --- opening -----------------------------------------------------------------------------------


def team_for_service(*, service: Service, key: str | None) -> Team | None:
    """The team handling a service: the definition's ``workflow.team`` (created on first use,
    without members, so an admin only has to add people), else any team listing the service."""
    if key:
        found = Team.objects.filter(
            municipality_id=service.municipality_id, key=key[:80], services=service
        ).first()
        if found is not None:  # the usual case: one query
            return found
        team, _created = Team.objects.get_or_create(
            municipality_id=service.municipality_id,
            key=key[:80],
            defaults={"name": key.replace("-", " ").replace("_", " ").title()},
        )
        team.services.add(service)
        return team
    return Team.objects.of(service.municipality_id).filter(services=service).first()


# The ``prefill`` of a field says which attribute of the applicant it holds; the same declaration
# tells the case whose name and address the answers carry (no guessing from field keys).
_APPLICANT_PREFILLS = {
    "user.first_name": "first",
    "user.last_name": "last",
    "user.email": "email",
    "profile.company_name": "company",
}


def _applicant_details(application: Application, definition: dict[str, Any]) -> tuple[str, str]:
    """Name and e-mail of the applicant: from the account, else from the answers to the fields
    the definition marks with ``prefill`` (an ``email`` field serves as the address otherwise)."""
    found: dict[str, str] = {}
    data = application.data if isinstance(application.data, dict) else {}
    for step in definition.get("steps", []):
        answers = data.get(step.get("key"))
        if not isinstance(answers, dict):
            continue
        for field in step.get("fields", []):
            value = answers.get(field.get("key"))
            if not isinstance(value, str) or not value:
                continue
            role = _APPLICANT_PREFILLS.get(field.get("prefill") or "")
            if role:
                found.setdefault(role, value)
            elif field.get("type") == "email":
                found.setdefault("any_email", value)
    applicant = application.applicant
    if applicant is not None and applicant.get_full_name():
        name = applicant.get_full_name()
    else:
        name = f"{found.get('first', '')} {found.get('last', '')}".strip() or found.get(
            "company", ""
        )
    email = (
        (applicant.email if applicant is not None else "")
        or found.get("email")
        or found.get("any_email")
        or application.contact_email
    )
    return name[:300], email


def case_open_for_application(
    *, application: Application, uploads: Iterable[Upload] | None = None
) -> Case:
    """Open the case for a just-submitted application (state "eingegangen").

    Called by ``applications.services.application_submit`` inside its transaction. Takes the
    application's uploads into the file, delivers the "Antrag eingegangen" message (postbox and
    e-mail), queues the receipt job (``case_receipt_issue``: the PDF follows moments later,
    rendered by the worker) and, when the definition allows and every automatic check passed,
    decides at once (§ 35a VwVfG). ``uploads``: the application's uploads, where the caller
    has read them already.
    """
    definition = application.definition_version.data
    retention = definition.get("retention") or {}
    workflow = definition.get("workflow") or {}
    file_plan = retention.get("file_plan") or "00"
    municipality = application.municipality
    with transaction.atomic(savepoint=False):
        reference = reference_next(
            municipality=municipality, scope=file_plan, prefix=file_plan, service=definition["key"]
        )
        name, email = _applicant_details(application, definition)
        days = workflow.get("processing_days")
        case = Case.objects.create(
            municipality=municipality,
            reference=reference,
            service=application.service,
            application=application,
            applicant=application.applicant,
            applicant_name=name,
            applicant_email=email,
            channel=application.channel,
            team=team_for_service(service=application.service, key=workflow.get("team")),
            due_date=timezone.localdate() + timedelta(days=days) if days else None,
        )
        file = file_create(
            case=case,
            file_plan=file_plan,
            retention_years=int(retention.get("years") or 10),
            archive=bool(retention.get("archive")),
        )
        events.event_record(
            case=case,
            kind=Kind.OPENED,
            actor=application.entered_by,
            actor_label="" if application.entered_by else name or "Antragsteller/in",
            channel=case.channel,
            data={"reference": reference, "service": definition["key"], "due": str(case.due_date)},
        )
        if uploads is None:
            uploads = application.uploads.all()
        for upload in sorted(uploads, key=lambda u: u.pk):
            with upload.file.open("rb") as fh:
                content = fh.read()
            document = document_add(
                file=file,
                title=upload.original_name,
                kind=Document.Kind.UPLOAD,
                origin=Document.Origin.APPLICANT,
                content=content,
                content_type=upload.content_type,
                filename=upload.original_name,
                actor=application.applicant,
            )
            events.event_record(
                case=case,
                kind=Kind.DOCUMENT_ADDED,
                channel="system",
                actor_label=SYSTEM_LABEL,
                data={"document": document.pk, "title": document.title, "field": upload.field_path},
            )
        tracking = None if application.applicant_id else case_tracking_link(case=case)
        # The receipt PDF is rendered by a background job (``case_receipt_issue``), which
        # attaches it to this message: the submission does not wait for WeasyPrint and holds
        # no lock meanwhile. The message and its e-mail (with the tracking link, which exists
        # only here) are part of the submission.
        postbox_deliver(
            case=case,
            kind=PostboxMessage.Kind.RECEIPT,
            subject="Antrag eingegangen",
            body=f"Ihr Antrag ist eingegangen. Aktenzeichen: {reference}.",
            dedupe_key=f"case-{case.pk}-opened",
            email_link=tracking,
            document_job=(case_receipt_task, (case.pk,)),  # queued before any notice
        )
        case.save(update_fields=["history_head", "history_length"])
        payment_due = _payment_before_decision(
            case=case, application=application, workflow=workflow
        )
        if not payment_due:
            _decide_automatically_if_allowed(case=case, application=application, paid=False)
    return case


@dataclass(frozen=True)
class RenderedDocument:
    """A document rendered in the background, ready to be filed (``case_document_deliver``)."""

    title: str
    filename: str
    content: bytes
    actor: User | None = None


def case_document_deliver(
    *,
    message_id: int,
    kind: str,
    render: Callable[[Case], RenderedDocument],
    notify: bool,
    on_filed: Callable[[Case, Document], None] | None = None,
) -> Document | None:
    """The background half of a message whose PDF is rendered by the worker (receipt, notice,
    parking permit): render it outside any transaction (WeasyPrint takes a good part of a
    second, and no lock may be held meanwhile), then, with the case locked, take it into the
    file with its history event, attach it to the waiting postbox message and — with
    ``notify`` — e-mail the applicant that it is there. ``on_filed`` links the document to
    what it documents, in the same transaction. Idempotent: a message that has its document
    already is left alone (a job run twice files one document)."""
    message = PostboxMessage.objects.filter(pk=message_id).select_related("document").first()
    if message is None:
        return None
    if message.document is not None:
        return message.document
    case = (
        Case.objects.select_related("municipality", "service", "application__definition_version")
        .defer("application__definition_version__source")
        .get(pk=message.case_id)
    )
    rendered = render(case)
    with transaction.atomic():
        case = lock_case(case.pk)
        message = PostboxMessage.objects.select_related("document").get(pk=message_id)
        if message.document is not None:
            return message.document
        document = document_add(
            file=file_open(case=case),
            title=rendered.title,
            kind=kind,
            origin=Document.Origin.SYSTEM,
            content=rendered.content,
            content_type="application/pdf",
            filename=rendered.filename.replace("/", "-"),
            actor=rendered.actor,
        )
        events.event_record(
            case=case,
            kind=Kind.DOCUMENT_ADDED,
            channel="system",
            actor_label=SYSTEM_LABEL,
            data={"document": document.pk, "title": document.title},
        )
        PostboxMessage.objects.filter(pk=message_id).update(document=document, document_job=None)
        if on_filed is not None:
            on_filed(case, document)
        case.save(update_fields=["history_head", "history_length"])
        if notify:
            postbox_notify(case=case, subject=message.subject, dedupe_key=f"postbox-{message_id}")
    return document


def case_receipt_issue(*, case_id: int) -> Document | None:
    """Render the receipt of an opened case, take it into the file (with its history event) and
    attach it to the "Antrag eingegangen" postbox message. The background job of every
    submission; idempotent (a second run finds the receipt and returns it). The message's
    e-mail went out with the submission (it carries the tracking link)."""
    message = (
        PostboxMessage.objects.filter(case_id=case_id, kind=PostboxMessage.Kind.RECEIPT)
        .order_by("pk")
        .only("pk")
        .first()
    )
    if message is None:
        return None

    def render(case: Case) -> RenderedDocument:
        title, content = receipt_render(case=case)
        return RenderedDocument(
            title=title, filename=f"Eingangsbestaetigung-{case.reference}.pdf", content=content
        )

    return case_document_deliver(
        message_id=message.pk, kind=Document.Kind.RECEIPT, render=render, notify=False
    )


def case_notice_issue(*, case_id: int, decision_seq: int) -> Document | None:
    """Render the notice of the decision recorded as history event ``decision_seq`` (outcome,
    reasons, who decided, the date), file it and attach it to the "Ihr Bescheid liegt vor"
    message, then e-mail the applicant. The background job of every decision whose notice
    Rathaus generates (``cases.tasks.case_notice_task``)."""

    def render(case: Case) -> RenderedDocument:
        decision = (
            CaseEvent.objects.select_related("actor")
            .filter(case=case, seq=decision_seq, kind=Kind.DECIDED)
            .get()
        )
        data = decision.data
        title, content = notice_render(
            case=case,
            outcome=data["outcome"],
            reasons=data.get("reasons") or "",
            automatic=bool(data.get("automatic")),
            on=timezone.localdate(decision.created_at),
        )
        return RenderedDocument(
            title=title,
            filename=f"Bescheid-{case.reference}.pdf",
            content=content,
            actor=decision.actor,
        )

    message = postbox_waiting_message(
        case_id=case_id, task=case_notice_task, args=(case_id, decision_seq)
    )
    if message is None:  # filed already (the job ran twice), or the case is gone
        return None
    return case_document_deliver(
        message_id=message.pk, kind=Document.Kind.NOTICE, render=render, notify=True
    )


def _payment_before_decision(
    *, case: Case, application: Application, workflow: dict[str, Any]
) -> bool:
    """With ``workflow.payment: before_decision`` and a fee above 0: create the payment (in the
    opening transaction) and report that the decision has to wait for it."""
    fee = application.fee_amount
    if workflow.get("payment") != "before_decision" or fee is None or fee <= 0:
        return False
    from rathaus.payments.services import payment_create  # payments builds on cases

    label = (application.fee_details or {}).get("label") or ""
    payment_create(
        municipality=case.municipality,
        amount=fee,
        purpose=f"{case.service.name}: {label}" if label else str(case.service.name),
        reference=case.reference,
        handler="cases.fee",
        handler_ref=str(case.pk),
        payer_email=case.applicant_email,
        case=case,
    )
    return True


def case_payment_received(*, case: Case, payment: Any) -> Case:
    """The fee of the case is paid (called by the payments app inside its booking transaction).

    Records the event, tells the applicant and — when the definition allows automatic decisions,
    every check passed and the case is still "eingegangen" — decides now (§ 35a VwVfG).
    """
    with transaction.atomic():
        case = lock_case(case.pk)
        event = events.event_record(
            case=case,
            kind=Kind.PAYMENT_RECEIVED,
            actor_label=SYSTEM_LABEL,
            channel="system",
            data={
                "payment": str(payment.public_id),
                "amount": str(payment.amount),
                "provider": payment.provider,
            },
        )
        amount = f"{payment.amount:.2f}".replace(".", ",")
        _status_message(
            case, event, "Zahlung eingegangen", f"Wir haben Ihre Zahlung über {amount} € erhalten."
        )
        _save(case)
        if case.application is not None:
            _decide_automatically_if_allowed(case=case, application=case.application, paid=True)
    return case


def _decide_automatically_if_allowed(*, case: Case, application: Application, paid: bool) -> None:
    """Decide at once (§ 35a VwVfG) when the definition allows it, the case is still
    "eingegangen" and every automatic check passed; otherwise a clerk decides."""
    definition = application.definition_version.data or {}
    workflow = definition.get("workflow") or {}
    if not (
        workflow.get("automatic_decision")
        and case.state == CaseState.RECEIVED
        and _checks_passed(application, definition)
    ):
        return
    reasons = (
        "Alle Voraussetzungen sind nach den Angaben im Antrag erfüllt; die automatischen "
        "Prüfungen waren ohne Beanstandung" + (" und die Gebühr ist bezahlt." if paid else ".")
    )
    _decide(
        case=case,
        actor=None,
        outcome=Outcome.GRANTED,
        reasons=reasons,
        action=Action.DECIDE_AUTOMATICALLY,
    )


def _checks_passed(application: Application, definition: dict[str, Any]) -> bool:
    """True when every stored check result passed. Read defensively: the results are written by
    the application team (list of ``{"key", "passed"}`` or mapping key → bool/dict)."""
    results = getattr(application, "check_results", None)
    if results is None:
        return not definition.get("checks")
    if isinstance(results, dict):
        values = list(results.values())
    elif isinstance(results, list):
        values = results
    else:
        return False
    if len(values) < len(definition.get("checks") or []):
        return False
    for value in values:
        passed = value.get("passed") if isinstance(value, dict) else value
        if passed is not True:
            return False
    return True


def case_tracking_link(*, case: Case) -> str:
    """A new secret link with which an applicant without account follows the case.

    Only the token's SHA-256 is stored; the full link exists only in the returned string (put it
    in the receipt e-mail or show it once on the confirmation page).
    """
    token = secrets.token_urlsafe(32)
    CaseTrackingToken.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
    )
    path = portal_path("postbox:track", token, default=f"/postfach/verfolgen/{token}/")
    return portal_url(municipality=case.municipality, path=path)


def case_by_tracking_token(*, municipality: Municipality, token: str) -> Case | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = (
        CaseTrackingToken.objects.of(municipality)
        .filter(token_hash=digest)
        .select_related("case")
        .first()
    )
    return found.case if found else None


# --- staff actions -----------------------------------------------------------------------------


def _staff_event(case: Case, kind: str, actor: Actor | None, **data: Any) -> events.CaseEvent:
    if isinstance(actor, ExternalActor):
        return events.event_record(
            case=case, kind=kind, actor_label=actor.label, channel=actor.channel, data=data
        )
    return events.event_record(
        case=case,
        kind=kind,
        actor=actor,
        actor_label="" if actor else SYSTEM_LABEL,
        channel="backoffice" if actor else "system",
        data=data,
    )


def _status_message(case: Case, event: events.CaseEvent, subject: str, body: str = "") -> None:
    postbox_deliver(
        case=case,
        kind=PostboxMessage.Kind.STATUS,
        subject=subject,
        body=body,
        dedupe_key=f"case-{case.pk}-event-{event.seq}",
    )


def case_claim(*, case: Case, actor: Actor, version: int) -> Case:
    """Take the case over (assign it to oneself). A Fachverfahren claiming a case records that it
    handles it now; the assignee stays as it was."""
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.CLAIM, case)
        ensure_allowed(case, Action.CLAIM)
        user = _user(actor)
        if user is not None:
            case.assignee = user
        _staff_event(case, Kind.CLAIMED, actor, assignee=user.pk if user else case.assignee_id)
        _save(case, "assignee")
    return case


def case_assign(*, case: Case, actor: User, version: int, assignee: User | None) -> Case:
    """Assign the case to a member of the team (team lead, admin) or take the assignment away."""
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.ASSIGN, case)
        ensure_allowed(case, Action.ASSIGN)
        if assignee is not None:
            found = membership(assignee, case.municipality)
            if found is None or not case_visible_to(case=case, user=assignee, membership=found):
                raise RathausError(
                    ErrorCode.INVALID_INPUT, "Diese Person kann den Vorgang nicht bearbeiten."
                )
        case.assignee = assignee
        _staff_event(
            case,
            Kind.ASSIGNED,
            actor,
            assignee=assignee.pk if assignee else None,
            assignee_label=str(assignee) if assignee else "",
        )
        _save(case, "assignee")
    return case


def cases_release_assignee(*, municipality: Municipality, user: User, actor: User) -> int:
    """Give the open cases assigned to ``user`` in ``municipality`` back to their team's queue
    (the person leaves this back office): an ``assigned`` event without assignee each, recorded
    in the name of ``actor``. Returns the number of cases released."""
    open_ids = list(
        Case.objects.of(municipality)
        .filter(assignee=user)
        .filter(state__in=OPEN_STATES)
        .values_list("pk", flat=True)
    )
    released = 0
    for pk in open_ids:
        with transaction.atomic():
            case = lock_case(pk)
            if case.assignee_id != user.pk:
                continue  # reassigned meanwhile
            case.assignee = None
            _staff_event(case, Kind.ASSIGNED, actor, assignee=None, assignee_label="")
            _save(case, "assignee")
            released += 1
    return released


def case_start(*, case: Case, actor: Actor, version: int) -> Case:
    """Begin working on the case (eingegangen → in Bearbeitung); claims it if unassigned."""
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.START, case)
        ensure_allowed(case, Action.START)
        case.state = CaseState.IN_PROGRESS
        if case.assignee_id is None and isinstance(actor, User):
            case.assignee = actor
        event = _staff_event(case, Kind.STARTED, actor)
        _status_message(case, event, "Ihr Antrag wird bearbeitet")
        _save(case, "state", "assignee")
    return case


def case_ask_question(
    *, case: Case, actor: Actor, version: int, text: str, deadline: date | None
) -> CaseQuestion:
    """Ask the applicant a question (in Bearbeitung → Rückfrage)."""
    text = text.strip()
    if not text:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie die Frage ein.")
    if deadline is not None and deadline < timezone.localdate():
        raise RathausError(
            ErrorCode.INVALID_INPUT, "Die Frist darf nicht in der Vergangenheit liegen."
        )
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.ASK, case)
        ensure_allowed(case, Action.ASK)
        question = CaseQuestion.objects.create(
            municipality_id=case.municipality_id,
            case=case,
            text=text,
            deadline=deadline,
            asked_by=_user(actor),
        )
        case.state = CaseState.QUESTION
        event = _staff_event(
            case, Kind.QUESTION_ASKED, actor, question=question.pk, text=text, deadline=deadline
        )
        postbox_deliver(
            case=case,
            kind=PostboxMessage.Kind.QUESTION,
            subject="Rückfrage zu Ihrem Antrag",
            body=text,
            dedupe_key=f"case-{case.pk}-event-{event.seq}",
        )
        _save(case, "state")
    return question


def case_answer_question(
    *,
    case: Case,
    actor: User | None,
    version: int | None,
    answer: str,
    attachment: tuple[str, str, bytes] | None = None,
) -> Case:
    """The applicant answers the open question (Rückfrage → in Bearbeitung).

    ``actor`` is the logged-in applicant, or None when the view verified the tracking link.
    ``attachment`` is ``(filename, sniffed content type, content)`` and goes into the file.
    """
    answer = answer.strip()
    if not answer and attachment is None:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie eine Antwort ein.")
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        _ensure_applicant(actor, case)
        ensure_allowed(case, Action.ANSWER)
        question = case.questions.filter(answered_at__isnull=True).order_by("-asked_at").first()
        document = None
        if attachment is not None:
            filename, content_type, content = attachment
            document = document_add(
                file=file_open(case=case),
                title=f"Antwort auf Rückfrage: {filename}",
                kind=Document.Kind.UPLOAD,
                origin=Document.Origin.APPLICANT,
                content=content,
                content_type=content_type,
                filename=filename,
                actor=actor,
            )
        if question is not None:
            question.answer = answer
            question.answered_at = timezone.now()
            question.save(update_fields=["answer", "answered_at"])
        case.state = CaseState.IN_PROGRESS
        event = events.event_record(
            case=case,
            kind=Kind.QUESTION_ANSWERED,
            actor=actor,
            actor_label=_portal_actor_label(actor),
            channel="portal",
            data={
                "question": question.pk if question else None,
                "answer": answer,
                "document": document.pk if document else None,
            },
        )
        _status_message(case, event, "Ihre Antwort ist eingegangen")
        _save(case, "state")
    return case


def _service_plugin(case: Case) -> plugins.ServicePlugin | None:
    """The plugin the case's definition names (None for a purely declarative service)."""
    application = case.application
    plugin_name = (application.definition_version.data or {}).get("plugin") if application else None
    return plugins.get(plugin_name) if plugin_name else None


def _decide(
    *,
    case: Case,
    actor: Actor | None,
    outcome: str,
    reasons: str,
    action: Action,
    notice_pdf: tuple[str, bytes] | None = None,
) -> Document | None:
    """Record the decision: state, history event, the "Ihr Bescheid liegt vor" postbox message.

    A notice the deciding system made itself (``notice_pdf``) is filed here and the applicant
    e-mailed at once. Otherwise the notice is rendered by the worker (``case_notice_task``,
    queued in this transaction), which files it, attaches it to the message and only then
    e-mails the applicant — so the decision holds no lock while WeasyPrint works, and nobody is
    told of a notice that is not there yet. Returns the filed notice, None while it is queued."""
    ensure_allowed(case, action)
    automatic = action == Action.DECIDE_AUTOMATICALLY
    case.state = CaseState.DECIDED
    case.outcome = outcome
    case.decided_automatically = automatic
    case.decided_at = timezone.now()
    plugin = _service_plugin(case)
    if plugin is not None and plugin.on_deciding is not None:
        plugin.on_deciding(case=case, outcome=outcome)
    notice = None
    if notice_pdf is not None:
        filename, content = notice_pdf
        notice = document_add(
            file=file_open(case=case),
            title="Bescheid",
            kind=Document.Kind.NOTICE,
            origin=Document.Origin.STAFF,
            content=content,
            content_type="application/pdf",
            filename=filename or f"Bescheid-{case.reference}.pdf".replace("/", "-"),
            actor=_user(actor),
        )
    event = _staff_event(
        case,
        Kind.DECIDED,
        actor,
        outcome=outcome,
        reasons=reasons,
        notice=notice.pk if notice is not None else None,
        automatic=automatic,
        legal_basis="§ 35a VwVfG" if automatic else "",
    )
    postbox_deliver(
        case=case,
        kind=PostboxMessage.Kind.NOTICE,
        subject="Ihr Bescheid liegt vor",
        body=f"Entscheidung: {Outcome(outcome).label}.",
        document=notice,
        dedupe_key=f"case-{case.pk}-event-{event.seq}",
        notify=notice is not None,
        document_job=None if notice is not None else (case_notice_task, (case.pk, event.seq)),
    )
    _save(case, "state", "outcome", "decided_automatically", "decided_at")
    if plugin is not None and plugin.on_decided is not None:
        plugin.on_decided(case=case, outcome=outcome, notice=notice)
    return notice


def case_decide(
    *,
    case: Case,
    actor: Actor,
    version: int,
    outcome: str,
    reasons: str,
    notice_pdf: tuple[str, bytes] | None = None,
) -> Case:
    """Decide the case and issue the notice (PDF/A), delivered to the applicant's postbox.

    ``notice_pdf`` (filename, content) is a notice the deciding system made itself (a
    Fachverfahren): that PDF becomes the notice instead of the generated one."""
    if outcome not in Outcome.values:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte wählen Sie eine Entscheidung.")
    if notice_pdf is not None and not notice_pdf[1].startswith(b"%PDF-"):
        raise RathausError(ErrorCode.UPLOAD_TYPE_NOT_ALLOWED, "Der Bescheid muss ein PDF sein.")
    reasons = reasons.strip()
    if not reasons:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte begründen Sie die Entscheidung.")
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.DECIDE, case)
        _decide(
            case=case,
            actor=actor,
            outcome=outcome,
            reasons=reasons,
            action=Action.DECIDE,
            notice_pdf=notice_pdf,
        )
    return case


def case_close(*, case: Case, actor: Actor, version: int) -> Case:
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.CLOSE, case)
        ensure_allowed(case, Action.CLOSE)
        case.state = CaseState.CLOSED
        case.closed_at = timezone.now()
        event = _staff_event(case, Kind.CLOSED, actor)
        _status_message(case, event, "Ihr Vorgang ist abgeschlossen")
        _save(case, "state", "closed_at")
    return case


def case_withdraw(*, case: Case, actor: User | None, version: int | None, reason: str = "") -> Case:
    """The applicant withdraws the application before a decision.

    ``actor`` is the logged-in applicant, or None when the view verified the tracking link.
    """
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        _ensure_applicant(actor, case)
        ensure_allowed(case, Action.WITHDRAW)
        case.state = CaseState.WITHDRAWN
        case.closed_at = timezone.now()
        event = events.event_record(
            case=case,
            kind=Kind.WITHDRAWN,
            actor=actor,
            actor_label=_portal_actor_label(actor),
            channel="portal",
            data={"reason": reason.strip()[:2000]},
        )
        _status_message(case, event, "Ihr Antrag wurde zurückgezogen")
        _save(case, "state", "closed_at")
    return case


def case_add_note(*, case: Case, actor: Actor, version: int | None, text: str) -> Case:
    """An internal note: part of the history, never shown to the applicant.

    ``version`` may be None: a note changes nothing another clerk could overwrite."""
    text = text.strip()
    if not text:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie eine Notiz ein.")
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.NOTE, case)
        ensure_allowed(case, Action.NOTE)
        _staff_event(case, Kind.NOTE, actor, text=text[:10000])
        _save(case)
    return case


def case_document_add(
    *,
    case: Case,
    actor: Actor,
    version: int | None,
    title: str,
    filename: str,
    content_type: str,
    content: bytes,
    visible_to_applicant: bool = True,
) -> Document:
    """Put a document into the case file (e.g. sent by a Fachverfahren). A document the applicant
    may see is announced in the postbox (and so by e-mail); either way it is in the history."""
    title = title.strip()[:300]
    if not title:
        raise RathausError(ErrorCode.INVALID_INPUT, "Bitte geben Sie einen Titel an.")
    if not content:
        raise RathausError(ErrorCode.INVALID_INPUT, "Das Dokument ist leer.")
    with transaction.atomic():
        case = lock_case(case.pk)
        _ensure_version(case, version)
        ensure_staff_can(actor, Action.NOTE, case)
        ensure_allowed(case, Action.NOTE)
        document = document_add(
            file=file_open(case=case),
            title=title,
            kind=Document.Kind.MESSAGE,
            origin=Document.Origin.STAFF,
            content=content,
            content_type=content_type,
            filename=filename[:255] or "dokument",
            actor=_user(actor),
            visible_to_applicant=visible_to_applicant,
        )
        event = _staff_event(
            case,
            Kind.DOCUMENT_ADDED,
            actor,
            document=document.pk,
            title=document.title,
            visible=visible_to_applicant,
        )
        if visible_to_applicant:
            postbox_deliver(
                case=case,
                kind=PostboxMessage.Kind.STATUS,
                subject="Neues Dokument zu Ihrem Antrag",
                body=document.title,
                document=document,
                dedupe_key=f"case-{case.pk}-event-{event.seq}",
            )
        _save(case)
    return document


def cases_mark_overdue_q() -> Q:
    """Filter for overdue cases: open and past their due date."""
    return Q(
        due_date__lt=timezone.localdate(),
        state__in=[CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.QUESTION],
    )

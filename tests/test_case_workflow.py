"""The case state machine, optimistic locking, references, due dates, automatic decisions and the
hash-chained history (``rathaus audit verify``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rathaus.accounts.models import StaffRole
from rathaus.cases import services
from rathaus.cases.events import chain_verify
from rathaus.cases.models import Case, CaseEvent, CaseSettings, CaseState, Outcome
from rathaus.cases.tests.helpers import DOG_DATA, clerk_in_team, submitted_case
from rathaus.cases.workflow import TRANSITIONS, Action, Who
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.integrations.models import OutboxMessage
from rathaus.postbox.models import PostboxMessage
from rathaus.records.models import Document
from rathaus.testing.factories import staff_user
from rathaus.testing.tasks import tasks_run

S = CaseState


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _bring_to(case: Case, state: str, staff, citizen) -> Case:
    """Walk a case along allowed transitions to ``state``."""
    if state == S.RECEIVED:
        return case
    if state == S.WITHDRAWN:
        return services.case_withdraw(case=case, actor=citizen, version=case.version)
    case = services.case_start(case=case, actor=staff, version=case.version)
    if state == S.IN_PROGRESS:
        return case
    if state == S.QUESTION:
        services.case_ask_question(
            case=case, actor=staff, version=case.version, text="Chip?", deadline=None
        )
        return _fresh(case)
    case = services.case_decide(
        case=case, actor=staff, version=case.version, outcome=Outcome.GRANTED, reasons="ok"
    )
    if state == S.DECIDED:
        return case
    return services.case_close(case=case, actor=staff, version=case.version)


def _do(action: Action, case: Case, staff, citizen):
    v = case.version
    match action:
        case Action.CLAIM:
            return services.case_claim(case=case, actor=staff, version=v)
        case Action.ASSIGN:
            return services.case_assign(case=case, actor=staff, version=v, assignee=staff)
        case Action.START:
            return services.case_start(case=case, actor=staff, version=v)
        case Action.ASK:
            return services.case_ask_question(
                case=case, actor=staff, version=v, text="Frage", deadline=None
            )
        case Action.ANSWER:
            return services.case_answer_question(case=case, actor=citizen, version=v, answer="A")
        case Action.DECIDE:
            return services.case_decide(
                case=case, actor=staff, version=v, outcome=Outcome.REJECTED, reasons="nein"
            )
        case Action.CLOSE:
            return services.case_close(case=case, actor=staff, version=v)
        case Action.WITHDRAW:
            return services.case_withdraw(case=case, actor=citizen, version=v)
        case Action.NOTE:
            return services.case_add_note(case=case, actor=staff, version=v, text="intern")
    raise AssertionError(action)


MANUAL = [a for a in Action if a != Action.DECIDE_AUTOMATICALLY]


@pytest.mark.parametrize("state", [s for s in S.values])
@pytest.mark.parametrize("action", MANUAL)
def test_every_transition_allowed_or_refused_as_the_table_says(
    musterstadt, dog_service, citizen, state, action
):
    # given a case in `state` worked by a team lead (may assign)
    lead = clerk_in_team(musterstadt, dog_service, "lead@m.example", role=StaffRole.TEAM_LEAD)
    case = _bring_to(submitted_case(dog_service, citizen), state, lead, citizen)
    transition = TRANSITIONS[action]
    before = _fresh(case)
    if state in transition.sources:
        # when the action is allowed, then it moves to the target and bumps the version
        _do(action, before, lead, citizen)
        after = _fresh(case)
        assert after.state == (transition.target or state)
        assert after.version == before.version + 1
        assert chain_verify([after]) == []
    else:
        # when it is not allowed, then it is refused and nothing changes
        with pytest.raises(RathausError) as excinfo:
            _do(action, before, lead, citizen)
        assert excinfo.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
        after = _fresh(case)
        assert (after.state, after.version) == (before.state, before.version)
        assert after.history_length == before.history_length


def test_transition_table_who(case):
    assert TRANSITIONS[Action.ANSWER].who == Who.APPLICANT
    assert TRANSITIONS[Action.WITHDRAW].sources == {S.RECEIVED, S.IN_PROGRESS, S.QUESTION}


def test_stale_version_is_refused_and_changes_nothing(case, worker):
    # given two clerks who both saw version 1
    seen = case.version
    services.case_start(case=case, actor=worker, version=seen)
    # when the second acts on the old version
    with pytest.raises(RathausError) as excinfo:
        services.case_decide(
            case=case, actor=worker, version=seen, outcome=Outcome.GRANTED, reasons="x"
        )
    # then STALE_OBJECT, and the case is exactly as the first left it
    assert excinfo.value.code == ErrorCode.STALE_OBJECT
    fresh = _fresh(case)
    assert fresh.state == S.IN_PROGRESS and fresh.version == seen + 1
    assert not Document.objects.filter(kind=Document.Kind.NOTICE).exists()


def test_staff_outside_team_or_municipality_cannot_act(case, musterstadt, beispieldorf):
    outsider = staff_user(musterstadt, StaffRole.CLERK, email="other@m.example")
    foreign = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@b.example")
    for actor in (outsider, foreign):
        with pytest.raises(RathausError) as excinfo:
            services.case_start(case=case, actor=actor, version=case.version)
        assert excinfo.value.code == ErrorCode.NOT_FOUND


def test_clerk_cannot_assign_others_but_admin_can(case, worker, municipal_admin):
    with pytest.raises(RathausError) as excinfo:
        services.case_assign(case=case, actor=worker, version=case.version, assignee=worker)
    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    services.case_assign(case=case, actor=municipal_admin, version=case.version, assignee=worker)
    assert _fresh(case).assignee == worker


def test_other_citizen_cannot_answer_or_withdraw(case, worker):
    from rathaus.testing.factories import UserFactory

    case = _bring_to(case, S.QUESTION, worker, None)
    stranger = UserFactory(email="max@example.org")
    with pytest.raises(RathausError):
        services.case_answer_question(case=case, actor=stranger, version=case.version, answer="x")
    with pytest.raises(RathausError):
        services.case_withdraw(case=case, actor=stranger, version=case.version)


def test_anonymous_applicant_is_named_by_the_fields_the_definition_marks(dog_service):
    # given an application without account, whose keeper step prefills name and e-mail
    data = {**DOG_DATA, "halter": {**DOG_DATA["halter"], "vorname": "Jan", "nachname": "Kowalski"}}
    data["halter"]["email"] = "jan@example.org"
    # when it is submitted
    case = submitted_case(dog_service, None, data=data, contact_email="draft-link@example.org")
    # then the case carries the name and address from those fields
    assert case.applicant_name == "Jan Kowalski"
    assert case.applicant_email == "jan@example.org"


def test_opening_a_case(case, citizen):
    # reference from the default pattern, file plan of the definition, never reused
    year = timezone.localdate().year
    assert case.reference == f"22.31-{year}-000001"
    assert case.due_date == timezone.localdate() + timedelta(days=14)
    assert case.applicant_name == "Erika Mustermann"
    assert case.team.key == "steueramt"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[0] == "opened"
    receipt = Document.objects.get(kind=Document.Kind.RECEIPT)
    assert receipt.versions.get().content.read().startswith(b"%PDF")
    assert PostboxMessage.objects.filter(case=case, kind="receipt", document=receipt).exists()
    email = OutboxMessage.objects.get(kind="email")
    assert email.payload["to"] == citizen.email
    assert case.reference in email.payload["subject"]
    assert "Lindenallee" not in email.payload["body"]  # no more personal data than needed


def test_the_receipt_is_rendered_by_the_worker_after_the_submission(dog_service, citizen):
    # when an application is submitted
    case = submitted_case(dog_service, citizen, receipt=False)
    # then the case, its history, the postbox message and its e-mail exist at once, the receipt
    # PDF not yet: a durable job for it is queued in the same transaction
    message = PostboxMessage.objects.get(case=case, kind="receipt")
    assert message.document is None
    assert OutboxMessage.objects.filter(kind="email").count() == 1
    assert not Document.objects.filter(kind=Document.Kind.RECEIPT).exists()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    # when the worker runs
    assert tasks_run() == 1
    # then the receipt is in the file, recorded in the history and attached to the message
    receipt = Document.objects.get(kind=Document.Kind.RECEIPT, file__case=case)
    assert receipt.versions.get().content.read().startswith(b"%PDF")
    message.refresh_from_db()
    assert message.document == receipt
    case.refresh_from_db()
    assert list(case.events.values_list("kind", flat=True)) == ["opened", "document_added"]
    assert case.events.last().data["document"] == receipt.pk
    assert chain_verify([case]) == []
    # and running the job again changes nothing (no second receipt, no second event)
    assert services.case_receipt_issue(case_id=case.pk) == receipt
    assert Document.objects.filter(kind=Document.Kind.RECEIPT).count() == 1
    assert case.events.count() == 2
    assert OutboxMessage.objects.filter(kind="email").count() == 1


def test_reference_pattern_is_configurable_and_never_reused(musterstadt, dog_service, citizen):
    CaseSettings.objects.create(
        municipality=musterstadt, reference_pattern="HU/{year}/{number:04d}"
    )
    first = submitted_case(dog_service, citizen)
    second = submitted_case(dog_service, citizen)
    year = timezone.localdate().year
    assert (first.reference, second.reference) == (f"HU/{year}/0001", f"HU/{year}/0002")


def test_overdue(case):
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    assert _fresh(case).is_overdue
    assert Case.objects.filter(services.cases_mark_overdue_q()).count() == 1


def test_automatic_decision_when_all_checks_passed(musterstadt, citizen):
    from rathaus.testing.factories import publish_service

    service = publish_service(musterstadt, "hund-anmelden")
    data = dict(service.current_version.data)
    data["workflow"] = {**data["workflow"], "automatic_decision": True}
    service.current_version.data = data
    service.current_version.save()
    passed = [
        {"key": "volljaehrig", "passed": True, "message": ""},
        {"key": "erlaubnis", "passed": True, "message": ""},
    ]
    case = submitted_case(service, citizen, check_results=passed)
    assert case.state == S.DECIDED and case.decided_automatically
    decided = case.events.get(kind="decided")
    assert decided.data["automatic"] is True and decided.data["legal_basis"] == "§ 35a VwVfG"
    assert decided.actor is None
    assert PostboxMessage.objects.filter(case=case, kind="notice").exists()

    one_failed = [{**passed[0], "passed": False}, passed[1]]
    manual = submitted_case(service, citizen, check_results=one_failed)
    assert manual.state == S.RECEIVED


def test_without_check_results_no_automatic_decision(musterstadt, citizen):
    from rathaus.testing.factories import publish_service

    service = publish_service(musterstadt, "hund-anmelden")
    version = service.current_version
    version.data = {**version.data, "workflow": {"automatic_decision": True}}
    version.save()
    assert submitted_case(service, citizen).state == S.RECEIVED


# --- audit verify ------------------------------------------------------------------------------


@pytest.fixture
def worked_case(case, worker, citizen):
    case = services.case_start(case=case, actor=worker, version=case.version)
    services.case_add_note(case=case, actor=worker, version=case.version, text="geprüft")
    return _fresh(case)


def test_audit_verify_ok(worked_case, capsys):
    call_command("audit", "verify")
    assert "alle Ketten unversehrt" in capsys.readouterr().out


def test_audit_verify_detects_altered_row(worked_case, capsys):
    event = worked_case.events.get(seq=2)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_caseevent SET data = %s WHERE id = %s",
            ['{"text": "gefälscht"}', event.pk],
        )
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode != 0
    err = capsys.readouterr().err
    assert worked_case.reference in err and "Ereignis 2" in err and "verändert" in err


@pytest.mark.parametrize("seq", [1, 2])
def test_audit_verify_detects_deleted_row(worked_case, capsys, seq):
    last = worked_case.history_length
    target = seq if seq == 1 else last
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM cases_caseevent WHERE case_id = %s AND seq = %s", [worked_case.pk, target]
        )
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    assert f"Ereignis {target}" in capsys.readouterr().err


def test_events_are_append_only(worked_case):
    event = CaseEvent.objects.filter(case=worked_case).first()
    event.kind = "x"
    with pytest.raises(ValueError):
        event.save()

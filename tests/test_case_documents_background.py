"""Notices are rendered by the worker, not in the decision: the decision holds no lock while
WeasyPrint works, the applicant is e-mailed once the notice is there, a job that runs twice
files one notice, and a job that failed or whose worker died is queued again."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rathaus.cases import documents, services
from rathaus.cases.events import Kind
from rathaus.cases.models import CaseEvent, Outcome
from rathaus.core.periodic import registered_jobs
from rathaus.integrations.models import OutboxMessage
from rathaus.postbox.models import PostboxMessage
from rathaus.postbox.services import postbox_documents_retry
from rathaus.records.models import Document
from rathaus.testing.tasks import tasks_run

NOTICE_TASK = "rathaus.cases.tasks.case_notice_task"


def _notice_job() -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=NOTICE_TASK)


def _decide(case, worker):
    case = services.case_start(case=case, actor=worker, version=case.version)
    return services.case_decide(
        case=case, actor=worker, version=case.version, outcome=Outcome.GRANTED, reasons="Gut."
    )


def _notice_mails() -> int:
    return sum(
        "Ihr Bescheid liegt vor" in m.payload["subject"]
        for m in OutboxMessage.objects.filter(kind="email")
    )


def _waiting() -> PostboxMessage:
    return PostboxMessage.objects.get(kind=PostboxMessage.Kind.NOTICE)


def _no_pdf(**_kwargs):
    raise AssertionError("no PDF may be rendered here")


def test_the_decision_renders_nothing_and_the_worker_files_the_notice(case, worker, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(documents, "pdf_render", _no_pdf)
        case = _decide(case, worker)
    message = _waiting()
    assert message.document is None
    assert message.document_job == {
        "task": NOTICE_TASK,
        "args": [case.pk, case.history_length],
    }
    assert _notice_mails() == 0

    assert tasks_run() == 1
    message.refresh_from_db()
    notice = Document.objects.get(kind=Document.Kind.NOTICE)
    assert message.document == notice and message.document_job is None
    assert notice.file.case == case and notice.created_by == worker  # who decided
    assert notice.versions.get().content.open("rb").read().startswith(b"%PDF")
    assert _notice_mails() == 1
    last = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert last is not None and last.kind == Kind.DOCUMENT_ADDED
    assert last.data == {"document": notice.pk, "title": notice.title}

    # the job again (a worker died after filing, before marking it done): nothing twice
    decided = CaseEvent.objects.get(case=case, kind=Kind.DECIDED)
    assert services.case_notice_issue(case_id=case.pk, decision_seq=decided.seq) is None
    assert Document.objects.filter(kind=Document.Kind.NOTICE).count() == 1
    assert _notice_mails() == 1
    assert CaseEvent.objects.filter(case=case).count() == decided.seq + 1


def test_the_notice_bears_the_date_of_the_decision(case, worker, monkeypatch):
    case = _decide(case, worker)
    decided = CaseEvent.objects.get(case=case, kind=Kind.DECIDED)
    seen = []
    render = documents.pdf_render

    def spy(*, template_name, context):
        seen.append(context["today"])
        return render(template_name=template_name, context=context)

    monkeypatch.setattr(documents, "pdf_render", spy)
    # the worker renders it days later (after an outage): the letter keeps the decision's date
    later = SimpleNamespace(localdate=lambda *args: dt.date(2031, 1, 2))
    monkeypatch.setattr(documents, "timezone", later)
    assert tasks_run() == 1
    assert seen == [timezone.localdate(decided.created_at)]


def test_a_failed_notice_job_is_queued_again_and_then_files_the_notice(case, worker, monkeypatch):
    assert "postbox.documents" in {job.name for job in registered_jobs()}
    case = _decide(case, worker)
    with monkeypatch.context() as patch:
        patch.setattr(documents, "pdf_render", _no_pdf)
        assert tasks_run() == 1
    assert _notice_job().status == TaskResultStatus.FAILED
    message = _waiting()
    assert message.document is None and message.document_job is not None
    assert _notice_mails() == 0

    assert postbox_documents_retry() == 0  # not yet: it may still be in a backlog
    PostboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert postbox_documents_retry() == 1
    assert postbox_documents_retry() == 0  # queued now: not twice
    assert tasks_run() == 1
    message.refresh_from_db()
    assert message.document is not None and message.document_job is None
    assert _notice_mails() == 1
    assert postbox_documents_retry() == 0  # nothing waits any more


def test_a_job_whose_worker_died_is_queued_again_after_a_while(case, worker):
    case = _decide(case, worker)
    PostboxMessage.objects.filter(kind=PostboxMessage.Kind.NOTICE).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    job = _notice_job()
    DBTaskResult.objects.filter(pk=job.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
    )
    assert postbox_documents_retry() == 0  # running, maybe just slow
    DBTaskResult.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert postbox_documents_retry() == 1
    assert tasks_run() == 1
    assert _waiting().document is not None


def test_messages_older_than_a_week_are_left_to_the_operators(client, case, worker):
    case = _decide(case, worker)
    assert client.get("/healthz").json()["checks"]["documents"] == {
        "ok": True,
        "required": False,
        "waiting": 0,  # a notice being made right now is not late
    }
    DBTaskResult.objects.filter(task_path=NOTICE_TASK).delete()  # the job is gone
    PostboxMessage.objects.filter(kind=PostboxMessage.Kind.NOTICE).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert postbox_documents_retry() == 0
    # monitoring sees it: /healthz stays 200 (not required) but the entry is not ok
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["documents"] == {"ok": False, "required": False, "waiting": 1}


def test_a_notice_the_deciding_system_sends_is_filed_and_mailed_at_once(case, worker):
    case = services.case_start(case=case, actor=worker, version=case.version)
    pdf = b"%PDF-1.7\n% own notice\n"
    services.case_decide(
        case=case,
        actor=worker,
        version=case.version,
        outcome=Outcome.GRANTED,
        reasons="Gut.",
        notice_pdf=("bescheid.pdf", pdf),
    )
    message = _waiting()
    assert message.document is not None and message.document_job is None
    assert message.document.versions.get().content.open("rb").read() == pdf
    assert _notice_mails() == 1
    assert not DBTaskResult.objects.filter(task_path=NOTICE_TASK).exists()

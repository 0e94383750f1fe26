"""Delivering messages to the applicant: a postbox entry plus an e-mail that links to it.

Called by the case services inside their transaction, so the message, the e-mail in the outbox
and the state change are committed together or not at all.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus

from rathaus.core.tenancy import portal_path, portal_url
from rathaus.integrations.jobs import job_enqueue
from rathaus.integrations.outbox import email_enqueue

from .models import PostboxMessage

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from rathaus.cases.models import Case
    from rathaus.records.models import Document


def postbox_case_path(case: Case) -> str:
    """The path of the citizen's case page, without any tenant prefix."""
    return portal_path("postbox:case", case.pk, default=f"/postfach/vorgang/{case.pk}/")


def postbox_deliver(
    *,
    case: Case,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    document: Document | None = None,
    email_link: str | None = None,
    notify: bool = True,
    document_job: tuple[Any, tuple[Any, ...]] | None = None,
) -> PostboxMessage:
    """Put a message in the applicant's postbox and queue the notification e-mail.

    The e-mail names only the municipality, the reference number and what happened, and links to
    the portal; details (reasons, questions, the notice) are only shown after login or via the
    secret tracking link. ``email_link`` overrides the link (the receipt carries the tracking link
    of an applicant without account). ``notify=False`` leaves the e-mail to a later
    ``postbox_notify`` — for a message whose document is still being rendered in the background,
    so the applicant is told once there is something to read.

    ``document_job`` (task, args): the background job that renders the message's document. It is
    queued with the message, in the same transaction, and remembered on the message until the
    document is attached, so that ``postbox_documents_retry`` can queue it again should it fail.
    """
    job = None
    if document_job is not None:
        task, args = document_job
        job = {"task": task.module_path, "args": list(args)}
    message = PostboxMessage.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        subject=subject[:300],
        body=body,
        document=document,
        document_job=job,
    )
    if document_job is not None:
        job_enqueue(document_job[0], *document_job[1])
    if notify:
        postbox_notify(case=case, subject=subject, dedupe_key=dedupe_key, email_link=email_link)
    return message


def postbox_notify(
    *, case: Case, subject: str, dedupe_key: str, email_link: str | None = None
) -> None:
    """Queue the notification e-mail of a postbox message (nothing without an e-mail address)."""
    if not case.applicant_email:
        return
    link = email_link or portal_url(municipality=case.municipality, path=postbox_case_path(case))
    hint = (
        ""
        if email_link or case.applicant_id
        else "\nWenn Sie kein Konto haben, öffnen Sie den persönlichen Link aus Ihrer "
        "Eingangsbestätigung.\n"
    )
    email_enqueue(
        municipality=case.municipality,
        to=case.applicant_email,
        subject=f"{case.municipality.name}: {subject} ({case.reference})",
        body=(
            "Guten Tag,\n\n"
            f"zu Ihrem Vorgang {case.reference} gibt es Neuigkeiten: {subject}.\n\n"
            f"Die Einzelheiten finden Sie in Ihrem Postfach im Serviceportal:\n{link}\n{hint}\n"
            f"Mit freundlichen Grüßen\n{case.municipality.name}\n"
        ),
        dedupe_key=dedupe_key,
        reply_to=case.municipality.email,
    )


def postbox_waiting_message(
    *, case_id: int, task: Any, args: tuple[Any, ...]
) -> PostboxMessage | None:
    """The message of ``case_id`` that waits for the document the job ``task(*args)`` renders
    (None when there is none, or it has its document already)."""
    job = {"task": task.module_path, "args": list(args)}
    waiting = PostboxMessage.objects.filter(case_id=case_id, document_job__isnull=False)
    return next((m for m in waiting.order_by("pk") if m.document_job == job), None)


# A waiting document's job is queued again when the message has waited this long (the worker
# renders a PDF in about a second; a backlog of minutes is possible after an outage) …
RETRY_AFTER = timedelta(minutes=10)
# … and for this long; older ones are left to the operators (``/healthz``, ``documents``).
RETRY_FOR = timedelta(days=7)
# A job claimed this long ago and still running had its worker die under it (django-tasks-db
# leaves it RUNNING).
RUNNING_STUCK_AFTER = timedelta(minutes=30)


def postbox_documents_retry() -> int:
    """Queue again the job of every message whose document has not arrived (the job failed, or
    its worker died while running it): the periodic job ``postbox.documents``. Jobs still
    queued or running are left alone; the jobs are idempotent. Returns the number queued."""
    from django_tasks.base import Task
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    waiting: list[tuple[int, dict[str, Any]]] = [
        (pk, job)
        for pk, job in PostboxMessage.objects.filter(
            document_job__isnull=False,
            created_at__lt=now - RETRY_AFTER,
            created_at__gte=now - RETRY_FOR,
        )
        .order_by("created_at")
        .values_list("pk", "document_job")[:500]
        if job is not None
    ]
    if not waiting:
        return 0
    paths = {job["task"] for _, job in waiting}
    # Queued or running (and not stuck): compared in Python, JSON equality differs by database.
    busy = {
        (path, json.dumps(args_kwargs.get("args"), sort_keys=True))
        for path, args_kwargs in DBTaskResult.objects.filter(task_path__in=paths)
        .filter(
            Q(status=TaskResultStatus.READY)
            | Q(status=TaskResultStatus.RUNNING, started_at__gte=now - RUNNING_STUCK_AFTER)
        )
        .values_list("task_path", "args_kwargs")
    }
    queued = 0
    for pk, job in waiting:
        if (job["task"], json.dumps(job["args"], sort_keys=True)) in busy:
            continue
        try:
            task = import_string(job["task"])
        except ImportError:
            logger.error("postbox message %s waits for an unknown job %s", pk, job["task"])
            continue
        if not isinstance(task, Task):
            logger.error("postbox message %s waits for %s, which is not a task", pk, job["task"])
            continue
        logger.warning("postbox message %s still without its document: %s queued again", pk, job)
        job_enqueue(task, *job["args"])
        queued += 1
    return queued


def documents_health() -> dict[str, object]:
    """The ``documents`` entry of ``/healthz``: messages still waiting for their document after
    ``RETRY_AFTER`` (a job that keeps failing, or no worker running). Not required — the web
    works — but a count above zero is for monitoring to alert on."""
    late = PostboxMessage.objects.filter(
        document_job__isnull=False, created_at__lt=timezone.now() - RETRY_AFTER
    ).count()
    return {"ok": late == 0, "required": False, "waiting": late}


def postbox_mark_read(*, messages: list[PostboxMessage]) -> None:
    ids = [m.pk for m in messages if m.read_at is None]
    if ids:
        PostboxMessage.objects.filter(pk__in=ids).update(read_at=timezone.now())

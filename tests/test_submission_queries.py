"""Query counts of the submission: the request that opens the case stays small and does not
grow with the number of uploads (each upload costs its document, version and history event).
The receipt PDF is not part of it: a background job renders it (cases.tasks)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.cases.models import Case
from rathaus.records.models import Document
from rathaus.testing.tasks import tasks_run

from .test_application_flow import BASE, HALTER, PDF, hund, start, step_url

pytestmark = pytest.mark.django_db


def _draft(client) -> str:
    public_id = start(client)
    client.post(step_url(public_id, "halter"), HALTER)
    client.post(step_url(public_id, "hund"), hund(rasse="rottweiler"))
    pdf = SimpleUploadedFile("nachweis.pdf", PDF, "application/pdf")
    response = client.post(
        step_url(public_id, "gefaehrlich"),
        {
            "erlaubnis_vorhanden": "on",
            "erlaubnis_behoerde": "Ordnungsamt",
            "erlaubnis_datum": "2024-01-10",
            "haftpflicht": "on",
            "sachkunde": pdf,
        },
    )
    assert response.status_code == 302
    client.post(step_url(public_id, "zahlung"), {})
    return public_id


def _submit(client, public_id: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"{BASE}/{public_id}/absenden/")
    assert response.status_code == 302 and "/eingereicht/" in response["Location"]
    return [q["sql"] for q in ctx.captured_queries]


def test_an_anonymous_submission_takes_few_queries_and_no_pdf(client, dog_service):
    # a first submission creates the team and the reference counter of the year
    _submit(client, _draft(client))
    # when a second citizen submits (the steady state)
    client.cookies.clear()
    queries = _submit(client, _draft(client))
    # then the whole request — session, validation, case, file, upload, history, postbox,
    # e-mail, tracking link and the receipt job — stays within 21 statements (it was 52 with
    # the receipt rendered inside the transaction, 26 before the reference counter, the queued
    # e-mail and the uploads took one statement each)
    # (the test runs inside a transaction: the submission's own transaction is a savepoint)
    statements = [q for q in queries if not q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) <= 21, "\n".join(q[:120] for q in queries)
    assert len(queries) - len(statements) <= 2  # no savepoint inside the submission
    counter = [q for q in queries if "cases_referencecounter" in q]
    assert len(counter) == 1 and "RETURNING" in counter[0]
    assert sum('FROM "applications_upload"' in q for q in queries) <= 1
    # the confirmation shows the reference at once and says the receipt follows
    case = Case.objects.order_by("-pk").first()
    assert case is not None
    page = client.get(f"{BASE}/{case.application.public_id}/eingereicht/").content.decode()
    assert case.reference in page and "in wenigen Augenblicken in Ihrem Postfach" in page
    assert sum('INSERT INTO "django_tasks_database_dbtaskresult"' in q for q in queries) == 1
    # and no receipt exists until the worker has run
    assert not Document.objects.filter(file__case=case, kind=Document.Kind.RECEIPT).exists()
    assert tasks_run() == 2
    assert Document.objects.filter(kind=Document.Kind.RECEIPT).count() == 2

"""The citizen's side: postbox, case page, answering with a file, withdrawing, tracking link,
document access and tenant isolation."""

from __future__ import annotations

import re

from django.urls import reverse

from rathaus.cases import services
from rathaus.cases.models import CaseState, Outcome
from rathaus.cases.tests.helpers import DOG_DATA, submitted_case
from rathaus.integrations.models import OutboxMessage
from rathaus.records.models import Document
from rathaus.testing.factories import UserFactory, publish_service
from rathaus.testing.tasks import tasks_run

M = "/m/musterstadt"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def url(name: str, *args) -> str:
    return M + reverse(f"postbox:{name}", args=args)


def _ask(case, worker):
    case = services.case_start(case=case, actor=worker, version=case.version)
    services.case_ask_question(
        case=case, actor=worker, version=case.version, text="Bitte Impfpass senden", deadline=None
    )
    case.refresh_from_db()
    return case


def test_postbox_lists_cases_and_messages(client, citizen, case):
    client.force_login(citizen)
    page = client.get(url("inbox")).content.decode()
    assert case.reference in page and "Antrag eingegangen" in page


def test_question_answer_with_file(client, citizen, case, worker):
    case = _ask(case, worker)
    client.force_login(citizen)
    page = client.get(url("case", case.pk)).content.decode()
    assert "Bitte Impfpass senden" in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        url("answer", case.pk),
        {
            "version": case.version,
            "answer": "Anbei",
            "attachment": SimpleUploadedFile("pass.png", PNG, content_type="text/plain"),
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    upload = Document.objects.get(kind=Document.Kind.UPLOAD)
    assert upload.versions.get().content_type == "image/png"  # sniffed, not what was claimed
    assert case.questions.get().answer == "Anbei"


def test_answer_rejects_wrong_file_type(client, citizen, case, worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = _ask(case, worker)
    client.force_login(citizen)
    r = client.post(
        url("answer", case.pk),
        {
            "version": case.version,
            "answer": "x",
            "attachment": SimpleUploadedFile("a.pdf", b"<html>", content_type="application/pdf"),
        },
    )
    assert r.status_code == 400 and "Dateiart ist nicht erlaubt" in r.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.QUESTION


def test_withdraw_before_decision_only(client, citizen, case, worker):
    client.force_login(citizen)
    page = client.get(url("case", case.pk)).content.decode()
    assert reverse("postbox:withdraw", args=[case.pk]) in page
    r = client.post(url("withdraw", case.pk), {"version": case.version, "confirm": "on"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert (
        reverse("postbox:withdraw", args=[case.pk])
        not in client.get(url("case", case.pk)).content.decode()
    )
    r = client.post(url("withdraw", case.pk), {"version": case.version, "confirm": "on"})
    assert r.status_code == 409


def test_notice_reaches_postbox_and_can_be_downloaded(client, citizen, case, worker):
    case = services.case_start(case=case, actor=worker, version=case.version)
    services.case_decide(
        case=case,
        actor=worker,
        version=case.version,
        outcome=Outcome.GRANTED,
        reasons="Sachkunde nachgewiesen",
    )
    client.force_login(citizen)
    # The worker renders the notice: until then the message says so, and no e-mail is sent.
    page = client.get(url("case", case.pk)).content.decode()
    assert "Ihr Bescheid liegt vor" in page and "wird gerade erstellt" in page
    assert not Document.objects.filter(kind=Document.Kind.NOTICE).exists()
    subjects = [m.payload["subject"] for m in OutboxMessage.objects.filter(kind="email")]
    assert not any("Ihr Bescheid liegt vor" in subject for subject in subjects)
    assert tasks_run() == 1
    page = client.get(url("case", case.pk)).content.decode()
    assert "wird gerade erstellt" not in page
    version = Document.objects.get(kind=Document.Kind.NOTICE).versions.get()
    assert reverse("postbox:document", args=[case.pk, version.pk]) in page
    response = client.get(url("document", case.pk, version.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    mails = OutboxMessage.objects.filter(kind="email").order_by("pk")
    assert [m.payload["subject"].split(": ", 1)[1].split(" (")[0] for m in mails] == [
        "Antrag eingegangen",
        "Ihr Antrag wird bearbeitet",
        "Ihr Bescheid liegt vor",
    ]
    assert all("Sachkunde" not in m.payload["body"] for m in mails)  # details stay in the portal


def test_outsiders_get_404(client, case, worker, beispieldorf):
    internal_note = services.case_add_note(case=case, actor=worker, version=case.version, text="x")
    receipt = Document.objects.get(kind=Document.Kind.RECEIPT).versions.get()
    other = UserFactory(email="max@example.org")
    paths = [
        url("case", case.pk),
        url("document", case.pk, receipt.pk),
    ]
    for who in (None, other, worker):
        client.logout()
        if who:
            client.force_login(who)
        for path in paths:
            assert client.get(path).status_code == 404, (who, path)
        r = client.post(
            url("withdraw", case.pk), {"version": internal_note.version, "confirm": "on"}
        )
        assert r.status_code == 404
    # the same case id under another municipality's portal
    client.force_login(case.applicant)
    assert (
        client.get("/m/beispieldorf" + reverse("postbox:case", args=[case.pk])).status_code == 404
    )
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED


def test_applicant_does_not_see_internal_documents_or_notes(client, citizen, case, worker):
    services.case_add_note(case=case, actor=worker, version=case.version, text="Geheimvermerk")
    client.force_login(citizen)
    assert "Geheimvermerk" not in client.get(url("case", case.pk)).content.decode()


def test_anonymous_applicant_follows_case_with_secret_link(client, dog_service):
    # the address the applicant entered in the form (for confirmation and questions) is used
    data = {**DOG_DATA, "halter": {**DOG_DATA["halter"], "email": "anon@example.org"}}
    case = submitted_case(dog_service, None, data=data, contact_email="draft@example.org")
    email = OutboxMessage.objects.get(kind="email", payload__to="anon@example.org")
    link = re.search(r"http://\S+", email.payload["body"]).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]
    assert client.get(url("case", case.pk)).status_code == 404
    r = client.get(path)
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert case.reference in page
    r = client.post(url("withdraw", case.pk), {"version": case.version, "confirm": "on"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert case.events.get(kind="withdrawn").actor_label == "Antragsteller/in (Link)"
    assert client.get(url("track", "wrong-token")).status_code == 404


def test_tracking_link_is_bound_to_its_municipality(client, dog_service, beispieldorf):
    publish_service(beispieldorf, "hund-anmelden")
    case = submitted_case(dog_service, None, contact_email="anon@example.org")
    link = services.case_tracking_link(case=case)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert client.get("/m/beispieldorf" + reverse("postbox:track", args=[token])).status_code == 404

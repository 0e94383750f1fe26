"""Data back in, end to end: a Fachverfahren changes a case through the API; the citizen sees it
in the portal postbox and gets the e-mails (real SMTP server on loopback), as after a clerk."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse

from rathaus.integrations.delivery import outbox_deliver_due
from rathaus.integrations.tests.conftest import smtp  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_fachverfahren_updates_reach_portal_and_mail(full_api, case, citizen, smtp):  # noqa: F811
    ref = case.reference
    assert full_api.post(f"/cases/{ref}/claim").status_code == 200
    assert full_api.post(f"/cases/{ref}/state", {"action": "start"}).status_code == 200
    asked = full_api.post(f"/cases/{ref}/questions", {"text": "Bitte den Impfpass nachreichen."})
    assert asked.status_code == 201
    portal = Client()
    portal.force_login(citizen)
    page = portal.get("/m/musterstadt" + reverse("postbox:case", args=[case.pk])).content.decode()
    assert "Bitte den Impfpass nachreichen." in page
    assert "Ihr Antrag wird bearbeitet" in page
    # the citizen answers in the portal; the Fachverfahren decides with its own notice
    from rathaus.cases import services as case_services

    case.refresh_from_db()
    case_services.case_answer_question(
        case=case, actor=citizen, version=case.version, answer="Anbei."
    )
    version = full_api.get(f"/cases/{ref}")["ETag"]
    decided = full_api.post(
        f"/cases/{ref}/decision",
        {
            "outcome": "granted",
            "reasons": "Alle Nachweise liegen vor.",
            "notice": {
                "filename": "Bescheid.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            },
        },
        If_Match=version,
    )
    assert decided.status_code == 200, decided.content
    page = portal.get("/m/musterstadt" + reverse("postbox:case", args=[case.pk])).content.decode()
    assert "Ihr Bescheid liegt vor" in page
    outbox_deliver_due(worker_id="test")
    subjects = [m["Subject"] for m in smtp.wait_for(5)]
    assert any("Rückfrage zu Ihrem Antrag" in s for s in subjects)
    assert any("Ihr Bescheid liegt vor" in s for s in subjects)
    history = full_api.get(f"/cases/{ref}/history").json()["items"]
    assert {h["actor"] for h in history if h["channel"] == "api"} == {
        "Fachverfahren: Hundesteuer-Fachverfahren"
    }

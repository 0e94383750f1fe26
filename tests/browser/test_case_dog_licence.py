"""Two browsers side by side: a clerk asks about a submitted dog licence, the citizen answers in
the portal, the clerk decides, the notice appears in the citizen's postbox."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from rathaus.cases.models import CaseState
from rathaus.cases.tests.helpers import clerk_in_team, submitted_case
from rathaus.records.models import Document
from rathaus.testing.tasks import tasks_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _plain_http(live_server, settings):
    """The session-wide live server loaded its middleware before the per-test settings switched
    the HTTPS redirect off; reload it so plain HTTP on loopback is served."""
    settings.SECURE_SSL_REDIRECT = False
    handler = live_server.thread.httpd.get_app()
    while hasattr(handler, "application"):
        handler = handler.application
    handler.load_middleware()


def _logged_in(new_context, live_server, user):
    client = Client()
    client.force_login(user)
    context = new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_question_answer_decision_notice(
    new_context, live_server, musterstadt, dog_service, citizen
):
    # given a submitted dog licence and a clerk of the tax office
    case = submitted_case(dog_service, citizen)
    clerk = clerk_in_team(musterstadt, dog_service, "sb@musterstadt.example", first_name="Sven")
    base = f"{live_server.url}/m/musterstadt"
    staff = _logged_in(new_context, live_server, clerk)
    person = _logged_in(new_context, live_server, citizen)

    # when the clerk starts work and asks a question
    staff.goto(f"{base}/verwaltung/vorgaenge/")
    staff.get_by_role("link", name=case.reference).click()
    staff.get_by_role("button", name="Bearbeitung beginnen").click()
    staff.get_by_label("Frage an die Antragstellerin oder den Antragsteller").fill(
        "Bitte nennen Sie die Chipnummer erneut."
    )
    staff.get_by_role("button", name="Rückfrage senden").click()
    assert staff.get_by_test_id("case-state").inner_text() == "Rückfrage"

    # then the citizen sees it in the postbox and answers
    person.goto(f"{base}/postfach/")
    person.get_by_role("link", name=case.reference).first.click()
    assert "Chipnummer erneut" in person.get_by_test_id("question").inner_text()
    person.get_by_label("Ihre Antwort").fill("276098106543210")
    person.get_by_role("button", name="Antwort senden").click()
    expect(person.get_by_text("Vielen Dank, Ihre Antwort ist eingegangen.")).to_be_visible()

    # when the clerk sees the answer and decides
    staff.reload()
    assert "276098106543210" in staff.get_by_test_id("answer").inner_text()
    staff.get_by_label("bewilligt", exact=True).check()
    staff.get_by_label("Begründung").fill("Die Angaben sind vollständig.")
    staff.get_by_role("button", name="Entscheiden und Bescheid erstellen").click()
    assert staff.get_by_test_id("case-state").inner_text() == "entschieden"

    # then the notice is in the citizen's postbox
    person.goto(f"{base}/postfach/")
    expect(person.get_by_text("Ihr Bescheid liegt vor").first).to_be_visible()
    person.get_by_role("link", name=case.reference).first.click()
    # the worker renders it a moment later; until then the page says so
    expect(person.get_by_text("Das Dokument wird gerade erstellt")).to_be_visible()
    assert tasks_run() == 1
    person.reload()
    expect(person.get_by_role("link", name="Hundesteuerbescheid")).to_be_visible()
    assert person.get_by_text("Das Dokument wird gerade erstellt").count() == 0
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert Document.objects.filter(file__case=case, kind=Document.Kind.NOTICE).exists()

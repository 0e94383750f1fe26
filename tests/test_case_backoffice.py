"""Back office: inbox filters and paging, case page, actions, conflicts, tenant isolation and
query counts."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.applications.models import Application, Channel
from rathaus.cases.models import Case, CaseState
from rathaus.cases.tests.helpers import clerk_in_team, submitted_case
from rathaus.records.models import Document
from rathaus.testing.factories import publish_service, staff_user
from rathaus.testing.tasks import tasks_run

M = "/m/musterstadt"


def url(name: str, *args) -> str:
    return M + reverse(f"backoffice:{name}", args=args)


def test_inbox_lists_team_cases_with_filters(client, worker, case, dog_service, citizen):
    phone = submitted_case(dog_service, None, channel=Channel.PHONE, contact_email="p@example.org")
    client.force_login(worker)
    page = client.get(url("inbox")).content.decode()
    assert case.reference in page and phone.reference in page
    only_phone = client.get(url("inbox") + "?channel=phone").content.decode()
    assert phone.reference in only_phone and case.reference not in only_phone
    by_name = client.get(url("inbox") + "?q=mustermann").content.decode()
    assert case.reference in by_name
    by_ref = client.get(url("inbox") + f"?q={case.reference}").content.decode()
    assert case.reference in by_ref and phone.reference not in by_ref
    assert case.reference not in client.get(url("inbox") + "?assignee=me").content.decode()
    assert case.reference not in client.get(url("inbox") + "?overdue=on").content.decode()


def test_clerk_sees_only_own_team_admin_sees_all(client, musterstadt, case, municipal_admin):
    other_team_clerk = staff_user(musterstadt, StaffRole.CLERK, email="gewerbe@m.example")
    client.force_login(other_team_clerk)
    assert case.reference not in client.get(url("inbox")).content.decode()
    assert client.get(url("case", case.pk)).status_code == 404
    login_staff(client, municipal_admin)
    assert case.reference in client.get(url("inbox")).content.decode()
    assert client.get(url("case", case.pk)).status_code == 200


def test_keyset_paging(client, worker, dog_service, citizen):
    from rathaus.cases import selectors

    cases = [submitted_case(dog_service, citizen) for _ in range(3)]
    old = selectors.PAGE_SIZE
    selectors.PAGE_SIZE = 2
    try:
        client.force_login(worker)
        first = client.get(url("inbox"))
        assert first.context["next_url"]
        second = client.get(url("inbox") + first.context["next_url"])
    finally:
        selectors.PAGE_SIZE = old
    assert [c.pk for c in first.context["cases"]] == [cases[2].pk, cases[1].pk]
    assert [c.pk for c in second.context["cases"]] == [cases[0].pk]


def _count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_is_constant(client, worker, dog_service, citizen):
    for _ in range(5):
        submitted_case(dog_service, citizen)
    client.force_login(worker)
    client.get(url("inbox"))  # warm-up: the session's first save
    few = _count_queries(client, url("inbox"))
    Case.objects.bulk_create(
        [
            Case(
                municipality=dog_service.municipality,
                reference=f"X-{n}",
                service=dog_service,
                applicant_name=f"Person {n}",
                assignee=worker,
            )
            for n in range(45)
        ]
    )
    many = _count_queries(client, url("inbox"))
    assert few == many
    # session, user, service choices of the filter form, the page of cases (one query, whatever
    # the number of rows); the staff gate answers from the session (accounts.access)
    assert many == 4


def test_case_page_query_count_is_constant(client, worker, case):
    from rathaus.cases import services

    client.force_login(worker)
    services.case_start(case=case, actor=worker, version=case.version)
    client.get(url("case", case.pk))
    few = _count_queries(client, url("case", case.pk))
    for n in range(10):
        fresh = Case.objects.get(pk=case.pk)
        services.case_add_note(case=fresh, actor=worker, version=fresh.version, text=f"n{n}")
    assert _count_queries(client, url("case", case.pk)) == few
    # session, user, the case, its events, questions, documents, document versions; the staff
    # gate answers from the session (accounts.access)
    assert few == 7


def test_case_page_shows_answers_by_label_and_only_allowed_actions(client, worker, case):
    client.force_login(worker)
    page = client.get(url("case", case.pk)).content.decode()
    assert "Name des Hundes" in page and "Bello" in page
    assert "Mischling (keine der genannten Rassen)" in page
    assert reverse("backoffice:case_action", args=[case.pk, "start"]) in page
    assert reverse("backoffice:case_action", args=[case.pk, "decide"]) not in page
    assert "Eingangsbestätigung" in page


def test_clerk_works_a_case_end_to_end(client, worker, case):
    client.force_login(worker)
    r = client.post(url("case_action", case.pk, "start"), {"version": case.version})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.assignee == worker
    r = client.post(
        url("case_action", case.pk, "ask"),
        {"version": case.version, "text": "Bitte Chipnummer prüfen", "deadline": ""},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.QUESTION
    # the decide form is not offered now and is refused
    r = client.post(
        url("case_action", case.pk, "decide"),
        {"version": case.version, "outcome": "granted", "reasons": "ok"},
    )
    assert r.status_code == 409
    case.refresh_from_db()
    assert case.state == CaseState.QUESTION


def test_decide_creates_notice(client, worker, case):
    from rathaus.cases import services

    client.force_login(worker)
    case = services.case_start(case=case, actor=worker, version=case.version)
    r = client.post(
        url("case_action", case.pk, "decide"),
        {"version": case.version, "outcome": "granted", "reasons": "Alles vollständig."},
    )
    assert r.status_code == 302
    assert not Document.objects.filter(kind=Document.Kind.NOTICE).exists()  # the worker's job
    page = client.get(url("case", case.pk)).content.decode()
    assert "Der Bescheid wird gerade erstellt." in page
    assert "Eingangsbestätigung wird gerade erstellt" not in page  # that one is there
    assert tasks_run() == 1
    assert "wird gerade erstellt" not in client.get(url("case", case.pk)).content.decode()
    notice = Document.objects.get(kind=Document.Kind.NOTICE)
    version = notice.versions.get()
    assert version.content_type == "application/pdf"
    response = client.get(url("document", case.pk, version.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_invalid_input_shows_errors(client, worker, case):
    from rathaus.cases import services

    client.force_login(worker)
    case = services.case_start(case=case, actor=worker, version=case.version)
    r = client.post(url("case_action", case.pk, "decide"), {"version": case.version})
    assert r.status_code == 400
    assert "error-summary" in r.content.decode()


def test_stale_version_gives_conflict_page(client, worker, case):
    client.force_login(worker)
    seen = case.version
    client.post(url("case_action", case.pk, "start"), {"version": seen})
    r = client.post(url("case_action", case.pk, "note"), {"version": seen, "text": "x"})
    assert r.status_code == 409
    assert "inzwischen geändert" in r.content.decode()
    case.refresh_from_db()
    assert case.version == seen + 1
    assert not case.events.filter(kind="note").exists()


def test_tenant_isolation_of_every_backoffice_view(client, case, beispieldorf, worker):
    # staff of another municipality, logged in there, ask for this municipality's case
    foreign = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    foreign_service = publish_service(beispieldorf, "hund-anmelden")
    clerk_in_team(beispieldorf, foreign_service, "sb@beispieldorf.example")
    version = Document.objects.get(file__case=case).versions.get()
    login_staff(client, foreign)
    b = "/m/beispieldorf"
    for path in [
        reverse("backoffice:case", args=[case.pk]),
        reverse("backoffice:document", args=[case.pk, version.pk]),
    ]:
        assert client.get(b + path).status_code == 404
        assert client.get(M + path).status_code == 404
    for action in ["claim", "start", "note", "decide", "assign", "ask", "close"]:
        path = reverse("backoffice:case_action", args=[case.pk, action])
        assert client.post(b + path, {"version": case.version, "text": "x"}).status_code == 404
        assert client.post(M + path, {"version": case.version, "text": "x"}).status_code == 404
    assert client.get(M + reverse("backoffice:inbox")).status_code == 404
    page = client.get(b + reverse("backoffice:inbox")).content.decode()
    assert case.reference not in page
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.version == 1


def test_citizens_and_anonymous_have_no_backoffice(client, citizen, case):
    assert client.get(url("inbox")).status_code == 302  # to the login
    client.force_login(citizen)
    # citizens are told the back office is for staff; nothing of the case is shown
    for response in (client.get(url("inbox")), client.get(url("case", case.pk))):
        assert response.status_code == 403
        assert case.reference not in response.content.decode()


def test_counter_start_records_channel(client, worker, dog_service):
    from rathaus.cases.models import Case
    from tests.test_application_flow import fill_all

    # given a clerk at the phone who starts the dog licence for a caller
    client.force_login(worker)
    r = client.post(
        url("counter"),
        {"service": dog_service.pk, "channel": "phone", "contact_email": "a@example.org"},
    )
    application = Application.objects.get()
    assert application.channel == Channel.PHONE and application.entered_by == worker
    # then they land in the same form citizens use
    assert r.status_code == 302 and r["Location"].endswith("/schritt/halter/")
    assert client.get(r["Location"]).status_code == 200
    # when they fill it in and submit
    fill_all(client, str(application.public_id))
    client.post(f"/m/musterstadt/antraege/{application.public_id}/absenden/")
    # then the case records the phone channel and who entered it
    case = Case.objects.get()
    assert case.channel == Channel.PHONE
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.entered_by == worker


def test_areas_page_lists_what_the_role_may_open(client, musterstadt, clerk, municipal_admin):
    from rathaus.accounts.testing import login_staff

    login_staff(client, clerk)
    page = client.get("/m/musterstadt/verwaltung/bereiche/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gewerberegister" in html and "Bewohnerparkausweise" in html
    assert "Leistungen" not in html  # admin only
    for line in html.split('href="')[1:]:
        url = line.split('"', 1)[0]
        if url.startswith("/m/musterstadt/verwaltung/") and "abmelden" not in url:
            assert client.get(url).status_code == 200, url
    client.logout()
    login_staff(client, municipal_admin)
    assert "Leistungen" in client.get("/m/musterstadt/verwaltung/bereiche/").content.decode()

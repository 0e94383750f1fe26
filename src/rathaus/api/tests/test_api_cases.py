"""Cases through the API: auth, tenant and scope isolation, state changes, idempotency,
If-Match, the error format."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.api.auth import token_issue
from rathaus.api.models import ApiCallLog
from rathaus.cases.models import CaseState
from rathaus.cases.tests.helpers import submitted_case
from rathaus.postbox.models import PostboxMessage

from .conftest import Api, make_api

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"].endswith(code) and body["title"] and body["detail"]
    return body


def test_token_flow_and_case_detail(full_api, case):
    client = full_api.client
    from rathaus.api.services import client_rotate

    credentials = client_rotate(client=client)
    http = full_api.http
    response = http.post(
        "/api/v1/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert response.json()["expires_in"] <= 900
    api = Api(token)
    detail = api.get(f"/cases/{case.reference}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["reference"] == case.reference
    assert body["data"]["hund"]["name"] == "Bello"
    assert detail["ETag"] == f'"{case.version}"'
    assert {d["kind"] for d in body["documents"]} == {"receipt"}
    log = ApiCallLog.objects.filter(client=client).latest("pk")
    assert (log.case_reference, log.status, log.method) == (case.reference, 200, "GET")


def test_wrong_secret_and_forged_or_expired_token(full_api, case, settings):
    http = full_api.http
    bad = http.post(
        "/api/v1/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": full_api.client.client_id,
            "client_secret": "x",
        },
    )
    problem(bad, 401, "token_invalid")
    token, _ = token_issue(client=full_api.client)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    problem(Api(forged).get("/cases"), 401, "token_invalid")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "cases:read cases:write"
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    problem(Api(f"{header}.{tampered}.{signature}").get("/cases"), 401, "token_invalid")
    original = time.time
    try:
        time.time = lambda: original() - 3600  # type: ignore[assignment]
        old, _ = token_issue(client=full_api.client)
    finally:
        time.time = original  # type: ignore[assignment]
    problem(Api(old).get("/cases"), 401, "token_invalid")
    problem(Api("rk_nonsense").get("/cases"), 401, "token_invalid")
    no_auth = full_api.http.get("/api/v1/cases")
    problem(no_auth, 401, "unauthenticated")


def test_tenant_isolation(full_api, case, dorf_case, beispieldorf):
    problem(full_api.get(f"/cases/{dorf_case.reference}"), 404, "not_found")
    problem(full_api.post(f"/cases/{dorf_case.reference}/claim"), 404, "not_found")
    listed = full_api.get("/cases").json()["items"]
    assert [c["reference"] for c in listed] == [case.reference]
    # the Musterstadt client on Beispieldorf's host: not found
    other_host = Api(full_api.key, host="beispieldorf.localhost")
    problem(other_host.get("/cases"), 404, "not_found")
    dorf_api, _ = make_api(beispieldorf, ["cases:read"])
    problem(dorf_api.get(f"/cases/{case.reference}"), 404, "not_found")


def test_read_only_client_gets_403_on_changes(read_api, case):
    assert read_api.get(f"/cases/{case.reference}").status_code == 200
    for path, body in [
        ("/claim", {}),
        ("/state", {"action": "start"}),
        ("/questions", {"text": "?"}),
        ("/notes", {"text": "x"}),
        ("/decision", {"outcome": "granted", "reasons": "ok"}),
        ("/documents", {"title": "t", "filename": "a.pdf", "content_base64": "eA=="}),
    ]:
        problem(read_api.post(f"/cases/{case.reference}{path}", body), 403, "scope_missing")
    problem(read_api.get("/webhooks"), 403, "scope_missing")
    problem(read_api.post("/intake/submissions", {"data": {}}), 403, "scope_missing")


def test_service_restriction(musterstadt, dog_service, case):
    from rathaus.testing.factories import publish_service

    other = publish_service(musterstadt, "hund-abmelden") if False else None
    api, client = make_api(musterstadt, ["cases:read"], services=[dog_service])
    assert api.get(f"/cases/{case.reference}").status_code == 200
    client.services.clear()
    assert other is None


def test_state_change_reaches_citizen(full_api, case, citizen):
    mail.outbox.clear()
    response = full_api.post(
        f"/cases/{case.reference}/state", {"action": "start"}, If_Match=f'"{case.version}"'
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "in_progress"
    assert response["ETag"] == f'"{body["version"]}"'
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    assert case.assignee is None
    event = case.events.order_by("-seq").first()
    assert event.actor_label == "Fachverfahren: Hundesteuer-Fachverfahren"
    assert event.channel == "api"
    assert PostboxMessage.objects.filter(case=case, subject="Ihr Antrag wird bearbeitet").exists()
    # the question, as a clerk would ask it
    asked = full_api.post(
        f"/cases/{case.reference}/questions", {"text": "Bitte Impfpass schicken."}
    )
    assert asked.status_code == 201
    assert asked.json()["state"] == "question"
    assert PostboxMessage.objects.filter(case=case, kind="question").exists()


def test_stale_and_missing_if_match(full_api, case):
    problem(
        full_api.post(f"/cases/{case.reference}/state", {"action": "start"}, If_Match='"999"'),
        412,
        "stale_object",
    )
    problem(
        full_api.post(f"/cases/{case.reference}/decision", {"outcome": "granted", "reasons": "ok"}),
        428,
        "precondition_required",
    )
    problem(
        full_api.post(
            f"/cases/{case.reference}/documents",
            {"title": "t", "filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()},
        ),
        428,
        "precondition_required",
    )
    # transition not allowed: closing an undecided case
    problem(
        full_api.post(f"/cases/{case.reference}/state", {"action": "close"}),
        409,
        "transition_not_allowed",
    )


def test_decide_with_supplied_notice_and_document(full_api, case):
    full_api.post(f"/cases/{case.reference}/state", {"action": "start"})
    case.refresh_from_db()
    doc = full_api.post(
        f"/cases/{case.reference}/documents",
        {
            "title": "Steuermarke",
            "filename": "marke.pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        },
        If_Match=f'"{case.version}"',
    )
    assert doc.status_code == 201, doc.content
    assert doc.json()["content_type"] == "application/pdf"
    assert PostboxMessage.objects.filter(
        case=case, subject="Neues Dokument zu Ihrem Antrag"
    ).exists()
    content = full_api.get(f"/documents/{doc.json()['id']}/content")
    assert content.status_code == 200 and content.content == PDF
    case.refresh_from_db()
    decided = full_api.post(
        f"/cases/{case.reference}/decision",
        {
            "outcome": "granted",
            "reasons": "Alles erfüllt.",
            "notice": {
                "filename": "bescheid.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            },
        },
        If_Match=f'"{case.version}"',
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["state"] == "decided"
    notice = [d for d in decided.json()["documents"] if d["kind"] == "notice"]
    assert len(notice) == 1 and notice[0]["filename"] == "bescheid.pdf"
    message = PostboxMessage.objects.get(case=case, kind="notice")
    assert message.document_id == notice[0]["id"]


def test_decide_multipart(full_api, case):
    full_api.post(f"/cases/{case.reference}/state", {"action": "start"})
    case.refresh_from_db()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = full_api.http.post(
        f"/api/v1/cases/{case.reference}/decision",
        {
            "outcome": "rejected",
            "reasons": "Unvollständig.",
            "notice": SimpleUploadedFile("b.pdf", PDF, "application/pdf"),
        },
        headers=full_api.headers({"If-Match": f'"{case.version}"'}),
    )
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "rejected"


def test_idempotency(full_api, case):
    first = full_api.post(f"/cases/{case.reference}/notes", {"text": "a"}, Idempotency_Key="k1")
    assert first.status_code == 201
    again = full_api.post(f"/cases/{case.reference}/notes", {"text": "a"}, Idempotency_Key="k1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert case.events.filter(kind="note").count() == 1
    problem(
        full_api.post(f"/cases/{case.reference}/notes", {"text": "b"}, Idempotency_Key="k1"),
        409,
        "idempotency_key_reused",
    )
    # a failure is not remembered: the same key may be used again
    problem(
        full_api.post(f"/cases/{case.reference}/state", {"action": "close"}, Idempotency_Key="k2"),
        409,
        "transition_not_allowed",
    )
    ok = full_api.post(f"/cases/{case.reference}/state", {"action": "start"}, Idempotency_Key="k2")
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "malformed_request"),
        (b"[1,2]", "application/json", 400, "malformed_request"),
        (b'{"text": 5}', "application/json", 422, "invalid_input"),
        (b'{"text": "x", "extra": 1}', "application/json", 422, "invalid_input"),
        (b"text=x", "text/plain", 415, "unsupported_media_type"),
        (b"\xff\xfe", "application/json", 400, "malformed_request"),
    ],
)
def test_bad_input(full_api, case, raw, content_type, status, code):
    response = full_api.post(f"/cases/{case.reference}/notes", raw=raw, content_type=content_type)
    body = problem(response, status, code)
    if status == 422:
        assert body["errors"]


def test_oversized(full_api, case, settings):
    settings.RATHAUS_API_MAX_BODY_BYTES = 1000
    settings.RATHAUS_MAX_UPLOAD_BYTES = 500
    problem(
        full_api.post(f"/cases/{case.reference}/notes", {"text": "x" * 2000}),
        413,
        "request_too_large",
    )
    settings.RATHAUS_API_MAX_BODY_BYTES = 100_000
    case.refresh_from_db()
    problem(
        full_api.post(
            f"/cases/{case.reference}/documents",
            {
                "title": "t",
                "filename": "a.pdf",
                "content_base64": base64.b64encode(PDF * 20).decode(),
            },
            If_Match=f'"{case.version}"',
        ),
        413,
        "upload_too_large",
    )
    problem(
        full_api.post(
            f"/cases/{case.reference}/documents",
            {"title": "t", "filename": "a.pdf", "content_base64": "@@@"},
            If_Match=f'"{case.version}"',
        ),
        422,
        "invalid_input",
    )


def test_unknown_path_and_method(full_api):
    problem(full_api.get("/nothing/here"), 404, "not_found")
    problem(full_api.delete("/cases"), 405, "method_not_allowed")


def test_case_list_filters_paging_and_query_count(full_api, dog_service, citizen):
    cases = [submitted_case(dog_service, citizen) for _ in range(5)]
    seen = []
    cursor = ""
    while True:
        page = full_api.get(f"/cases?limit=2{'&cursor=' + cursor if cursor else ''}").json()
        seen += [c["reference"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [c.reference for c in cases]
    assert full_api.get("/cases?state=decided").json()["items"] == []
    one = full_api.get(f"/cases?reference={cases[0].reference}").json()["items"]
    assert len(one) == 1
    problem(full_api.get("/cases?limit=0"), 422, "invalid_input")
    problem(full_api.get("/cases?cursor=zzz"), 422, "invalid_input")
    problem(full_api.get("/cases?updated_since=gestern"), 422, "invalid_input")
    counts = []
    for limit in (1, 5):
        with CaptureQueriesContext(connection) as ctx:
            assert full_api.get(f"/cases?limit={limit}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_history_and_services(full_api, case):
    history = full_api.get(f"/cases/{case.reference}/history").json()["items"]
    assert history[0]["kind"] == "opened"
    services = full_api.get("/services").json()["items"]
    assert [s["key"] for s in services] == ["hund-anmelden"]
    detail = full_api.get("/services/hund-anmelden").json()
    assert detail["definition"]["key"] == "hund-anmelden"
    problem(full_api.get("/services/nope"), 404, "not_found")


def test_revoked_key_stops_at_once(full_api, case):
    from rathaus.api.services import client_revoke

    token, _ = token_issue(client=full_api.client)
    client_revoke(client=full_api.client)
    problem(full_api.get("/cases"), 401, "token_invalid")
    problem(Api(token).get("/cases"), 401, "token_invalid")

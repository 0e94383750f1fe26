"""The endpoints of ``/api/v1``. Every case change goes through ``rathaus.cases.services`` with the
client as :class:`~rathaus.cases.services.ExternalActor`, exactly as a clerk's would."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

import filetype
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from rathaus.cases import services as case_services
from rathaus.cases.events import KIND_LABELS
from rathaus.cases.models import Case, CaseEvent, CaseState
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode
from rathaus.integrations import domain_events
from rathaus.records.models import Document, DocumentVersion

from . import intake as intake_module
from . import schemas as s
from . import services
from .auth import basic_credentials, client_authenticate, token_issue
from .framework import (
    ENDPOINTS,
    Call,
    QueryParam,
    Reply,
    decode_file,
    endpoint,
    etag,
    validate,
)
from .models import ApiClient, IntakeSubmission, Scope, WebhookDelivery, WebhookSubscription
from .problems import ApiError, problem_response

PAGE_DEFAULT = 50
PAGE_MAX = 200
DOCUMENT_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/gif",
    "image/webp",
}
R = Scope.CASES_READ.value
W = Scope.CASES_WRITE.value


def _actor(call: Call) -> case_services.ExternalActor:
    client = call.client
    ids = _service_ids(call)
    return case_services.ExternalActor(
        label=client.actor_label,
        municipality_id=client.municipality_id,
        service_ids=frozenset(ids) if ids else None,
    )


def _service_ids(call: Call) -> set[int]:
    cached = getattr(call, "_service_ids", None)
    if cached is None:
        cached = set(call.client.services.values_list("pk", flat=True))
        call._service_ids = cached  # type: ignore[attr-defined]
    return cached


def _cases(call: Call) -> QuerySet[Case]:
    queryset = Case.objects.of(call.client.municipality_id)
    ids = _service_ids(call)
    return queryset.filter(service_id__in=ids) if ids else queryset


def _case(call: Call) -> Case:
    reference = call.params["reference"]
    call.case_reference = reference[:60]
    found = (
        _cases(call)
        .select_related("service", "assignee", "application")
        .filter(reference=reference)
        .first()
    )
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Vorgang nicht gefunden.")
    return found


def _state_labels() -> dict[str, str]:
    """State → label in the active language, once per call (``get_state_display`` builds a
    dict of lazy strings on every call: a third of a 50-case page before)."""
    return {value: str(label) for value, label in CaseState.choices}


def _case_out(case: Case, state_labels: dict[str, str] | None = None) -> dict[str, Any]:
    labels = state_labels if state_labels is not None else _state_labels()
    return {
        "reference": case.reference,
        "service": case.service.key,
        "state": case.state,
        "state_label": labels.get(case.state, case.state),
        "outcome": case.outcome,
        "channel": case.channel,
        "applicant_name": case.applicant_name,
        "applicant_email": case.applicant_email,
        "assignee": (case.assignee.get_full_name() or case.assignee.email)
        if case.assignee
        else None,
        "due_date": case.due_date,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "decided_at": case.decided_at,
        "closed_at": case.closed_at,
        "version": case.version,
    }


def _latest_versions(documents: list[Document]) -> dict[int, DocumentVersion]:
    latest: dict[int, DocumentVersion] = {}
    for version in DocumentVersion.objects.filter(document__in=documents).order_by("number"):
        latest[version.document_id] = version
    return latest


def _document_out(
    document: Document, version: DocumentVersion | None, reference: str
) -> s.DocumentOut:
    return s.DocumentOut(
        id=document.pk,
        case_reference=reference,
        title=document.title,
        kind=document.kind,
        origin=document.origin,
        visible_to_applicant=document.visible_to_applicant,
        filename=version.filename if version else "",
        content_type=version.content_type if version else "",
        size=version.size if version else 0,
        sha256=getattr(version, "sha256", "") if version else "",
        version=version.number if version else 0,
        created_at=document.created_at,
    )


def _documents(case: Case) -> list[s.DocumentOut]:
    documents = list(Document.objects.filter(file__case=case).order_by("created_at", "pk"))
    latest = _latest_versions(documents)
    return [_document_out(d, latest.get(d.pk), case.reference) for d in documents]


def _case_detail(case: Case) -> Reply:
    questions = [
        s.QuestionOut(
            id=q.pk,
            text=q.text,
            deadline=q.deadline,
            asked_at=q.asked_at,
            answer=q.answer,
            answered_at=q.answered_at,
        )
        for q in case.questions.order_by("asked_at", "pk")
    ]
    data = (
        case.application.data
        if case.application and isinstance(case.application.data, dict)
        else {}
    )
    body = s.CaseDetail(
        **_case_out(case), data=data, documents=_documents(case), questions=questions
    )
    return Reply(body, headers={"ETag": etag(case.version)})


def _version(call: Call, case: Case) -> int:
    return call.version if call.version is not None else case.version


def _after_change(call: Call, case: Case, status: int = 200) -> Reply:
    fresh = _case(call)
    reply = _case_detail(fresh)
    reply.status = status
    return reply


# --- token --------------------------------------------------------------------------------------


class TokenRequest(s.Strict):
    grant_type: str
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None


@endpoint(
    "POST",
    "/oauth/token",
    operation_id="token",
    summary="Zugriffstoken holen (OAuth2 Client Credentials)",
    tag="Anmeldung",
    scope=None,
    auth=False,
    form_body=TokenRequest,
    response=s.TokenResponse,
    errors=(400, 401, 415, 422),
    description="Form-kodiert: `grant_type=client_credentials`, `client_id`, `client_secret` "
    "(oder HTTP Basic). Das Token gilt höchstens 15 Minuten.",
)
def token(call: Call) -> Reply:
    if not isinstance(call.body, dict):
        raise ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Erwartet wird application/x-www-form-urlencoded."
        )
    form = validate(
        TokenRequest, {k: v for k, v in call.body.items() if k in TokenRequest.model_fields}
    )
    assert isinstance(form, TokenRequest)
    if form.grant_type != "client_credentials":
        raise ApiError(
            ErrorCode.INVALID_INPUT, "Unterstützt wird nur grant_type=client_credentials."
        )
    pair = basic_credentials(call.request) or (form.client_id or "", form.client_secret or "")
    client = client_authenticate(client_id=pair[0], secret=pair[1]) if all(pair) else None
    if client is None:
        raise ApiError(ErrorCode.TOKEN_INVALID, "Client-ID oder Geheimnis ist falsch.")
    host = getattr(call.request, "municipality", None)
    if host is not None and host.pk != client.municipality_id:
        raise ApiError(ErrorCode.TOKEN_INVALID, "Client-ID oder Geheimnis ist falsch.")
    access_token, lifetime = token_issue(client=client)
    return Reply(
        s.TokenResponse(
            access_token=access_token, expires_in=lifetime, scope=" ".join(client.scopes)
        ),
        headers={"Cache-Control": "no-store"},
    )


# --- services -----------------------------------------------------------------------------------


def _service_out(service: Service) -> dict[str, Any]:
    return {
        "key": service.key,
        "name": service.name,
        "leika": service.leika,
        "category": service.category,
        "enabled": service.enabled,
        "version": service.current_version.number if service.current_version else None,
    }


def _services(call: Call) -> QuerySet[Service]:
    queryset = Service.objects.of(call.client.municipality_id).select_related("current_version")
    ids = _service_ids(call)
    return queryset.filter(pk__in=ids) if ids else queryset


@endpoint(
    "GET",
    "/services",
    summary="Leistungen",
    tag="Leistungen",
    scope=R,
    response=s.ServiceList,
)
def services_list(call: Call) -> Reply:
    items = [s.ServiceOut(**_service_out(x)) for x in _services(call).order_by("key")]
    return Reply(s.ServiceList(items=items))


@endpoint(
    "GET",
    "/services/{key}",
    summary="Eine Leistung mit ihrer aktuellen Definition",
    tag="Leistungen",
    scope=R,
    response=s.ServiceDetail,
    errors=(404,),
)
def service_detail(call: Call) -> Reply:
    found = _services(call).filter(key=call.params["key"]).first()
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Leistung nicht gefunden.")
    definition = found.current_version.data if found.current_version else {}
    return Reply(s.ServiceDetail(**_service_out(found), definition=definition))


# --- cases --------------------------------------------------------------------------------------


def _cursor_encode(case: Case) -> str:
    raw = json.dumps([case.updated_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(value: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        stamp, pk = json.loads(raw)
        when = parse_datetime(stamp)
        if when is None or not isinstance(pk, int):
            raise ValueError
        return when, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(ErrorCode.INVALID_INPUT, "Der Cursor ist ungültig.") from exc


def _int_param(call: Call, name: str, default: int, low: int, high: int) -> int:
    value = call.query.get(name, "")
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ApiError(
            ErrorCode.INVALID_INPUT, f"„{name}“ muss eine Zahl von {low} bis {high} sein."
        )
    return int(value)


@endpoint(
    "GET",
    "/cases",
    summary="Vorgänge (Filter, Blättern mit Cursor)",
    tag="Vorgänge",
    scope=R,
    response=s.CaseList,
    errors=(422,),
    query=[
        QueryParam("service", {"type": "string"}, "Schlüssel der Leistung"),
        QueryParam("state", {"type": "string", "enum": list(CaseState.values)}, "Status"),
        QueryParam("updated_since", {"type": "string", "format": "date-time"}, "Geändert seit"),
        QueryParam("reference", {"type": "string"}, "Aktenzeichen"),
        QueryParam("cursor", {"type": "string"}, "next_cursor der vorigen Seite"),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}, "Seitengröße"),
    ],
    description="Sortiert nach letzter Änderung (aufsteigend), dann Nummer: wer `next_cursor` "
    "folgt, sieht jede Änderung genau einmal.",
)
def cases_list(call: Call) -> Reply:
    limit = _int_param(call, "limit", PAGE_DEFAULT, 1, PAGE_MAX)
    queryset = _cases(call).select_related("service", "assignee")
    if call.query.get("service"):
        queryset = queryset.filter(service__key=call.query["service"])
    if call.query.get("state"):
        if call.query["state"] not in CaseState.values:
            raise ApiError(ErrorCode.INVALID_INPUT, "Unbekannter Status.")
        queryset = queryset.filter(state=call.query["state"])
    if call.query.get("reference"):
        queryset = queryset.filter(reference=call.query["reference"])
    if call.query.get("updated_since"):
        try:
            since = parse_datetime(call.query["updated_since"])
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:
            raise ApiError(
                ErrorCode.INVALID_INPUT,
                "„updated_since“ erwartet einen Zeitpunkt mit Zeitzone (ISO 8601).",
            )
        queryset = queryset.filter(updated_at__gte=since)
    if call.query.get("cursor"):
        when, pk = _cursor_decode(call.query["cursor"])
        queryset = queryset.filter(Q(updated_at__gt=when) | Q(updated_at=when, pk__gt=pk))
    page = list(queryset.order_by("updated_at", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    labels = _state_labels()
    return Reply(
        s.CaseList(
            items=[s.CaseOut(**_case_out(c, labels)) for c in page],
            next_cursor=_cursor_encode(page[-1]) if more else None,
        )
    )


@endpoint(
    "GET",
    "/cases/{reference}",
    summary="Ein Vorgang mit Antragsdaten, Dokumenten und Rückfragen",
    tag="Vorgänge",
    scope=R,
    response=s.CaseDetail,
    errors=(404,),
    description="Der Kopf `ETag` trägt die Version; für Änderungen als `If-Match` zurücksenden.",
)
def case_detail(call: Call) -> Reply:
    return _case_detail(_case(call))


@endpoint(
    "POST",
    "/cases/{reference}/claim",
    summary="Vorgang übernehmen",
    tag="Vorgänge",
    scope=W,
    response=s.CaseDetail,
    if_match="optional",
    errors=(404, 409, 412),
)
def case_claim(call: Call) -> Reply:
    case = _case(call)
    case_services.case_claim(case=case, actor=_actor(call), version=_version(call, case))
    return _after_change(call, case)


@endpoint(
    "POST",
    "/cases/{reference}/state",
    summary="Status ändern (start: in Bearbeitung, close: abschließen)",
    tag="Vorgänge",
    scope=W,
    body=s.StateChange,
    response=s.CaseDetail,
    if_match="optional",
    errors=(400, 404, 409, 412, 415, 422),
)
def case_state(call: Call) -> Reply:
    case = _case(call)
    action = call.body.action
    handler = case_services.case_start if action == "start" else case_services.case_close
    handler(case=case, actor=_actor(call), version=_version(call, case))
    return _after_change(call, case)


@endpoint(
    "POST",
    "/cases/{reference}/questions",
    summary="Rückfrage an die antragstellende Person",
    tag="Vorgänge",
    scope=W,
    body=s.QuestionIn,
    response=s.CaseDetail,
    status=201,
    if_match="optional",
    errors=(400, 404, 409, 412, 415, 422),
)
def case_question(call: Call) -> Reply:
    case = _case(call)
    case_services.case_ask_question(
        case=case,
        actor=_actor(call),
        version=_version(call, case),
        text=call.body.text,
        deadline=call.body.deadline,
    )
    return _after_change(call, case, 201)


@endpoint(
    "POST",
    "/cases/{reference}/notes",
    summary="Interne Notiz",
    tag="Vorgänge",
    scope=W,
    body=s.NoteIn,
    response=s.CaseDetail,
    status=201,
    if_match="optional",
    errors=(400, 404, 409, 412, 415, 422),
)
def case_note(call: Call) -> Reply:
    case = _case(call)
    case_services.case_add_note(
        case=case, actor=_actor(call), version=call.version, text=call.body.text
    )
    return _after_change(call, case, 201)


@endpoint(
    "POST",
    "/cases/{reference}/decision",
    summary="Entscheiden und Bescheid erlassen",
    tag="Vorgänge",
    scope=Scope.CASES_DECIDE.value,
    body=s.DecisionIn,
    response=s.CaseDetail,
    if_match="required",
    multipart={"notice": "notice"},
    errors=(400, 404, 409, 412, 413, 415, 422, 428),
    description="Ohne `notice` erzeugt Rathaus den Bescheid (PDF/A) Augenblicke später im "
    "Hintergrund und nimmt ihn dann zur Akte (Webhook `document.added`). Mit `notice` (PDF, "
    "base64 oder multipart-Teil `notice`) ist dieses PDF der Bescheid, sofort in der Akte.",
)
def case_decision(call: Call) -> Reply:
    case = _case(call)
    notice = None
    if call.body.notice is not None:
        content = decode_file(call.body.notice.content_base64, what="Der Bescheid")
        notice = (call.body.notice.filename, content)
    case_services.case_decide(
        case=case,
        actor=_actor(call),
        version=_version(call, case),
        outcome=call.body.outcome,
        reasons=call.body.reasons,
        notice_pdf=notice,
    )
    return _after_change(call, case)


@endpoint(
    "POST",
    "/cases/{reference}/documents",
    summary="Dokument zur Akte nehmen",
    tag="Dokumente",
    scope=Scope.DOCUMENTS_WRITE.value,
    body=s.DocumentIn,
    response=s.DocumentOut,
    status=201,
    if_match="required",
    multipart={"file": "."},
    errors=(400, 404, 409, 412, 413, 415, 422, 428),
    description="PDF oder Bild; base64 in JSON oder multipart (Teil `file`, Felder `title`, "
    "`visible_to_applicant`). Sichtbare Dokumente erscheinen im Postfach (mit E-Mail).",
)
def case_document_add(call: Call) -> Reply:
    case = _case(call)
    content = decode_file(call.body.content_base64, what="Das Dokument")
    kind = filetype.guess(content[:8192])
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        raise ApiError(
            ErrorCode.UPLOAD_TYPE_NOT_ALLOWED, "Erlaubt sind PDF, PNG, JPEG, TIFF, GIF und WebP."
        )
    document = case_services.case_document_add(
        case=case,
        actor=_actor(call),
        version=_version(call, case),
        title=call.body.title,
        filename=call.body.filename,
        content_type=kind.mime,
        content=content,
        visible_to_applicant=call.body.visible_to_applicant,
    )
    version = document.versions.order_by("-number").first()
    fresh = _case(call)
    return Reply(
        _document_out(document, version, case.reference),
        status=201,
        headers={"ETag": etag(fresh.version)},
    )


@endpoint(
    "GET",
    "/cases/{reference}/documents",
    summary="Dokumente eines Vorgangs",
    tag="Dokumente",
    scope=R,
    response=s.DocumentList,
    errors=(404,),
)
def case_documents(call: Call) -> Reply:
    return Reply(s.DocumentList(items=_documents(_case(call))))


@endpoint(
    "GET",
    "/cases/{reference}/history",
    summary="Verlauf eines Vorgangs (hash-verkettet)",
    tag="Vorgänge",
    scope=R,
    response=s.History,
    errors=(404,),
)
def case_history(call: Call) -> Reply:
    case = _case(call)
    items = [
        s.HistoryEntry(
            seq=e.seq,
            kind=e.kind,
            label=str(KIND_LABELS.get(e.kind, e.kind)),
            actor=e.actor_label,
            channel=e.channel,
            data=e.data if isinstance(e.data, dict) else {},
            created_at=e.created_at,
            hash=e.hash,
        )
        for e in CaseEvent.objects.filter(case=case).order_by("seq")
    ]
    return Reply(s.History(items=items))


def _document(call: Call) -> tuple[Document, DocumentVersion | None, str]:
    raw = call.params["document_id"]
    found = None
    if raw.isdigit() and len(raw) < 12:
        found = (
            Document.objects.of(call.client.municipality_id)
            .select_related("file__case")
            .filter(pk=int(raw), file__case__in=_cases(call))
            .first()
        )
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Dokument nicht gefunden.")
    call.case_reference = found.file.case.reference
    return found, found.versions.order_by("-number").first(), found.file.case.reference


@endpoint(
    "GET",
    "/documents/{document_id}",
    summary="Metadaten eines Dokuments",
    tag="Dokumente",
    scope=R,
    response=s.DocumentOut,
    errors=(404,),
)
def document_detail(call: Call) -> Reply:
    document, version, reference = _document(call)
    return Reply(_document_out(document, version, reference))


@endpoint(
    "GET",
    "/documents/{document_id}/content",
    summary="Inhalt eines Dokuments (neueste Fassung)",
    tag="Dokumente",
    scope=R,
    binary=True,
    errors=(404,),
)
def document_content(call: Call) -> HttpResponse:
    _found, version, _reference = _document(call)
    if version is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Das Dokument hat keinen Inhalt.")
    with version.content.open("rb") as fh:
        content = fh.read()
    response = HttpResponse(
        content, content_type=version.content_type or "application/octet-stream"
    )
    safe = version.filename.replace('"', "").replace("\\", "")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


# --- webhooks -----------------------------------------------------------------------------------


EV = Scope.EVENTS_SUBSCRIBE.value


@endpoint(
    "GET",
    "/event-types",
    summary="Ereignisarten, die abonniert werden können",
    tag="Webhooks",
    scope=EV,
    response=s.EventTypeList,
)
def event_types(call: Call) -> Reply:
    items = [s.EventType(type=k, description=v) for k, v in domain_events.known_types().items()]
    return Reply(s.EventTypeList(items=items))


def _subscription_out(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": str(sub.public_id),
        "url": sub.url,
        "event_types": list(sub.event_types or []),
        "active": sub.active,
        "created_at": sub.created_at,
    }


def _subscription(call: Call) -> WebhookSubscription:
    raw = call.params["subscription_id"]
    found = None
    if len(raw) == 36:
        try:
            found = WebhookSubscription.objects.filter(client=call.client, public_id=raw).first()
        except Exception:  # malformed UUID: not found
            found = None
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Abonnement nicht gefunden.")
    return found


@endpoint(
    "GET", "/webhooks", summary="Abonnements", tag="Webhooks", scope=EV, response=s.SubscriptionList
)
def webhooks_list(call: Call) -> Reply:
    items = [
        s.SubscriptionOut(**_subscription_out(x))
        for x in WebhookSubscription.objects.filter(client=call.client).order_by("created_at", "pk")
    ]
    return Reply(s.SubscriptionList(items=items))


@endpoint(
    "POST",
    "/webhooks",
    summary="Abonnement anlegen (Geheimnis wird nur jetzt gezeigt)",
    tag="Webhooks",
    scope=EV,
    body=s.SubscriptionIn,
    response=s.SubscriptionCreated,
    status=201,
    errors=(400, 415, 422),
)
def webhooks_create(call: Call) -> Reply:
    sub = services.subscription_create(
        client=call.client,
        url=call.body.url,
        event_types=call.body.event_types,
        active=call.body.active,
    )
    return Reply(s.SubscriptionCreated(**_subscription_out(sub), secret=sub.secret), status=201)


@endpoint(
    "GET",
    "/webhooks/{subscription_id}",
    summary="Ein Abonnement",
    tag="Webhooks",
    scope=EV,
    response=s.SubscriptionOut,
    errors=(404,),
)
def webhook_detail(call: Call) -> Reply:
    return Reply(s.SubscriptionOut(**_subscription_out(_subscription(call))))


@endpoint(
    "PATCH",
    "/webhooks/{subscription_id}",
    summary="Abonnement ändern",
    tag="Webhooks",
    scope=EV,
    body=s.SubscriptionPatch,
    response=s.SubscriptionOut,
    errors=(400, 404, 415, 422),
)
def webhook_update(call: Call) -> Reply:
    sub = services.subscription_update(
        subscription=_subscription(call),
        url=call.body.url,
        event_types=call.body.event_types,
        active=call.body.active,
    )
    return Reply(s.SubscriptionOut(**_subscription_out(sub)))


@endpoint(
    "DELETE",
    "/webhooks/{subscription_id}",
    summary="Abonnement löschen",
    tag="Webhooks",
    scope=EV,
    status=204,
    errors=(404,),
)
def webhook_delete(call: Call) -> Reply:
    services.subscription_delete(subscription=_subscription(call))
    return Reply(None, status=204)


def _delivery_out(delivery: WebhookDelivery) -> s.DeliveryOut:
    message = delivery.message
    return s.DeliveryOut(
        id=str(delivery.public_id),
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        subject=delivery.subject,
        status=message.status,  # type: ignore[arg-type]
        attempts=message.attempts,
        last_error=message.last_error,
        last_status_code=delivery.last_status_code,
        next_attempt_at=message.next_attempt_at if message.status == "pending" else None,
        delivered_at=message.delivered_at,
        created_at=delivery.created_at,
    )


@endpoint(
    "GET",
    "/webhooks/{subscription_id}/deliveries",
    summary="Zustellungen eines Abonnements (neueste zuerst, höchstens 200)",
    tag="Webhooks",
    scope=EV,
    response=s.DeliveryList,
    errors=(404,),
)
def webhook_deliveries(call: Call) -> Reply:
    sub = _subscription(call)
    items = [
        _delivery_out(d) for d in sub.deliveries.select_related("message").order_by("-pk")[:200]
    ]
    return Reply(s.DeliveryList(items=items))


@endpoint(
    "POST",
    "/webhooks/{subscription_id}/deliveries/{delivery_id}/replay",
    summary="Zustellung erneut senden",
    tag="Webhooks",
    scope=EV,
    response=s.DeliveryOut,
    status=202,
    errors=(404, 409),
)
def webhook_replay(call: Call) -> Reply:
    sub = _subscription(call)
    raw = call.params["delivery_id"]
    found = None
    if len(raw) == 36:
        try:
            found = sub.deliveries.select_related("message").filter(public_id=raw).first()
        except Exception:
            found = None
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Zustellung nicht gefunden.")
    delivery = services.delivery_replay(delivery=found)
    delivery = WebhookDelivery.objects.select_related("message").get(pk=delivery.pk)
    return Reply(_delivery_out(delivery), status=202)


# --- intake -------------------------------------------------------------------------------------


@endpoint(
    "POST",
    "/intake/submissions",
    summary="Antrag aus einem anderen Portal einreichen",
    tag="Eingang",
    scope=Scope.INTAKE_SUBMIT.value,
    body=s.IntakeIn,
    response=s.IntakeStatus,
    status=201,
    errors=(400, 404, 409, 413, 415, 422),
    raw_types=("application/jose",),
    description="JSON, oder als JWE (Compact, RSA-OAEP-256 + A256GCM, Schlüssel aus "
    "`/intake/keys`) mit `Content-Type: application/jose`.",
)
def intake_create(call: Call) -> Reply:
    encrypted = isinstance(call.body, bytes)
    body = call.body
    if encrypted:
        payload = intake_module.decrypt(municipality=call.client.municipality, token=body)
        body = validate(s.IntakeIn, payload)
    submission = intake_module.intake_submit(client=call.client, body=body, encrypted=encrypted)
    if submission.case is not None:
        call.case_reference = submission.case.reference
    return Reply(
        intake_module.intake_status(submission),
        status=201,
        headers={"Location": f"{call.request.path}/{submission.public_id}"},
    )


@endpoint(
    "GET",
    "/intake/submissions/{submission_id}",
    summary="Bearbeitungsstand einer Einreichung",
    tag="Eingang",
    scope=Scope.INTAKE_SUBMIT.value,
    response=s.IntakeStatus,
    errors=(404,),
)
def intake_detail(call: Call) -> Reply:
    raw = call.params["submission_id"]
    found = None
    if len(raw) == 36:
        try:
            found = (
                IntakeSubmission.objects.filter(client=call.client, public_id=raw)
                .select_related("case", "service")
                .first()
            )
        except Exception:
            found = None
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "Einreichung nicht gefunden.")
    if found.case is not None:
        call.case_reference = found.case.reference
    return Reply(intake_module.intake_status(found))


@endpoint(
    "GET",
    "/intake/keys",
    summary="Öffentlicher Schlüssel für verschlüsselte Einreichungen (JWKS)",
    tag="Eingang",
    scope=Scope.INTAKE_SUBMIT.value,
    response=s.JwkSet,
)
def intake_keys(call: Call) -> Reply:
    key = intake_module.intake_key(call.client.municipality)
    return Reply(s.JwkSet.model_validate({"keys": [key.public_jwk]}))


# --- documentation and fallbacks ----------------------------------------------------------------


@require_GET
def openapi_json(request: HttpRequest) -> HttpResponse:
    from .openapi import openapi_document

    return HttpResponse(
        json.dumps(openapi_document(), ensure_ascii=False, indent=2),
        content_type="application/json",
    )


@require_GET
def reference_page(request: HttpRequest) -> HttpResponse:
    from .openapi import openapi_document, reference_context

    return render(request, "api/reference.html", reference_context(openapi_document()))


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(ApiError(ErrorCode.NOT_FOUND, "Diesen Pfad gibt es in der API nicht."))


def registered_endpoints() -> list[Any]:
    return ENDPOINTS


__all__ = ["ApiClient", "registered_endpoints"]

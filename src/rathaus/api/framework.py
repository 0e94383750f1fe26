"""A small, explicit endpoint layer over plain Django views.

Each endpoint is declared once with :func:`endpoint` (method, path, scope, body and response
models, If-Match policy); that declaration drives the routing, the request handling (auth,
tenant check, scope, body parsing, size limits, Idempotency-Key, If-Match, call log, problem
responses) and the OpenAPI document (:mod:`rathaus.api.openapi`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ValidationError

from rathaus.core.errors import ErrorCode, RathausError

from .auth import Principal, request_authenticate
from .models import ApiCallLog, IdempotencyRecord
from .problems import ApiError, problem_response

Method = Literal["GET", "POST", "PATCH", "DELETE"]


def max_body_bytes() -> int:
    upload = int(getattr(settings, "RATHAUS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    return int(getattr(settings, "RATHAUS_API_MAX_BODY_BYTES", upload * 4 // 3 + 256 * 1024))


def max_file_bytes() -> int:
    return int(getattr(settings, "RATHAUS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


@dataclass
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass
class Endpoint:
    method: Method
    path: str  # OpenAPI form, relative to /api/v1, e.g. "/cases/{reference}"
    handler: Callable[[Call], Reply | HttpResponse]
    operation_id: str
    summary: str
    tag: str
    scope: str | None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    query: list[QueryParam] = field(default_factory=list)
    if_match: Literal["none", "optional", "required"] = "none"
    multipart: dict[str, str] | None = None  # file part name → field it fills
    binary: bool = False
    errors: tuple[int, ...] = ()
    description: str = ""
    auth: bool = True
    form_body: type[BaseModel] | None = None  # an x-www-form-urlencoded body (OAuth token)
    raw_types: tuple[str, ...] = ()  # media types handed to the handler as bytes (JWE)


@dataclass
class Reply:
    body: BaseModel | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    request: HttpRequest
    principal: Principal | None
    params: dict[str, str]
    query: dict[str, str]
    body: Any = None
    version: int | None = None
    case_reference: str = ""

    @property
    def client(self) -> Any:
        assert self.principal is not None
        return self.principal.client


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: Method, path_: str, **options: Any
) -> Callable[[Callable[[Call], Reply | HttpResponse]], Callable[[Call], Reply | HttpResponse]]:
    def decorator(
        fn: Callable[[Call], Reply | HttpResponse],
    ) -> Callable[[Call], Reply | HttpResponse]:
        ENDPOINTS.append(
            Endpoint(
                method=method,
                path=path_,
                handler=fn,
                operation_id=options.pop("operation_id", fn.__name__),
                **options,
            )
        )
        return fn

    return decorator


# --- request parsing ----------------------------------------------------------------------------


def _read_body(request: HttpRequest) -> bytes:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = max_body_bytes()
    if length > limit:
        raise ApiError(
            ErrorCode.REQUEST_TOO_LARGE,
            f"Die Anfrage ist zu groß (höchstens {limit // (1024 * 1024)} MB).",
        )
    data = request.read(limit + 1)
    if len(data) > limit:
        raise ApiError(ErrorCode.REQUEST_TOO_LARGE, "Die Anfrage ist zu groß.")
    return data


def _validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]) or "(body)",
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors(include_url=False, include_input=False)
    ][:50]


def validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            ErrorCode.INVALID_INPUT,
            "Die Angaben sind ungültig.",
            errors=_validation_errors(exc),
        ) from exc


def _content_type(request: HttpRequest) -> str:
    return (request.META.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()


def parse_body(request: HttpRequest, ep: Endpoint) -> tuple[Any, str]:
    """The validated body and a fingerprint of it (for Idempotency-Key)."""
    kind = _content_type(request)
    if ep.multipart and kind == "multipart/form-data":
        return _parse_multipart(request, ep)
    if ep.form_body is not None and kind == "multipart/form-data":
        try:
            fields = {k: request.POST.get(k, "") for k in request.POST}
        except Exception as exc:  # MultiPartParserError, RequestDataTooBig …: client mistakes
            raise ApiError(ErrorCode.MALFORMED_REQUEST, "Der Inhalt ist ungültig.") from exc
        return fields, hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    if ep.form_body is not None and kind == "application/x-www-form-urlencoded":
        raw = _read_body(request)
        from urllib.parse import parse_qsl

        try:
            pairs = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise ApiError(ErrorCode.MALFORMED_REQUEST, "Der Inhalt ist kein UTF-8.") from exc
        return pairs, hashlib.sha256(raw).hexdigest()
    if kind and kind in ep.raw_types:
        raw = _read_body(request)
        return raw, hashlib.sha256(raw).hexdigest()
    if ep.body is None:
        return None, hashlib.sha256(b"").hexdigest()
    if kind not in ("application/json", "") and not kind.endswith("+json"):
        raise ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "Erwartet wird application/json"
            + (" oder multipart/form-data." if ep.multipart else "."),
        )
    raw = _read_body(request)
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ApiError(
            ErrorCode.MALFORMED_REQUEST, f"Der Inhalt ist kein gültiges JSON: {exc}"[:300]
        ) from exc
    if not isinstance(data, dict):
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "Erwartet wird ein JSON-Objekt.")
    if b"\\u0000" in raw:  # JSON's escaped NUL: no text column can store it
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "Der Inhalt enthält ein Nullzeichen (\\u0000).")
    return validate(ep.body, data), hashlib.sha256(raw).hexdigest()


def _parse_multipart(request: HttpRequest, ep: Endpoint) -> tuple[Any, str]:
    assert ep.body is not None and ep.multipart is not None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body_bytes():
        raise ApiError(ErrorCode.REQUEST_TOO_LARGE, "Die Anfrage ist zu groß.")
    try:
        fields = {k: request.POST.get(k, "") for k in request.POST}
        files = request.FILES
    except Exception as exc:  # MultiPartParserError, RequestDataTooBig …: all client mistakes
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "Der multipart-Inhalt ist ungültig.") from exc
    fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True).encode())
    data: dict[str, Any] = dict(fields)
    for name in ("visible_to_applicant",):
        if name in data:
            data[name] = data[name].lower() in ("1", "true", "yes", "ja")
    for part, target in ep.multipart.items():
        upload = files.get(part)
        if upload is None:
            continue
        if (upload.size or 0) > max_file_bytes():
            raise ApiError(ErrorCode.UPLOAD_TOO_LARGE, "Die Datei ist zu groß.")
        content = upload.read()
        fingerprint.update(part.encode() + hashlib.sha256(content).digest())
        encoded = base64.b64encode(content).decode()
        name = (upload.name or "datei")[:255]
        if target == ".":  # the file part fills the body's own content fields
            data.setdefault("filename", name)
            data["content_base64"] = encoded
        else:
            data[target] = {"filename": name, "content_base64": encoded}
    return validate(ep.body, data), fingerprint.hexdigest()


def decode_file(encoded: str, *, what: str = "Die Datei") -> bytes:
    """Decode base64 content, with size limit; errors are 422/413 problems."""
    limit = max_file_bytes()
    if len(encoded) > limit * 4 // 3 + 8:
        raise ApiError(ErrorCode.UPLOAD_TOO_LARGE, f"{what} ist zu groß.")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(ErrorCode.INVALID_INPUT, f"{what} ist nicht gültig base64-kodiert.") from exc
    if len(content) > limit:
        raise ApiError(ErrorCode.UPLOAD_TOO_LARGE, f"{what} ist zu groß.")
    if not content:
        raise ApiError(ErrorCode.INVALID_INPUT, f"{what} ist leer.")
    return content


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(request: HttpRequest, policy: str) -> int | None:
    value = request.headers.get("If-Match")
    if value is None or not value.strip():
        if policy == "required":
            raise ApiError(
                ErrorCode.PRECONDITION_REQUIRED,
                'Bitte senden Sie die Version des Vorgangs im Kopf „If-Match: "<version>"“.',
            )
        return None
    match = _ETAG.match(value)
    if match is None:
        raise ApiError(
            ErrorCode.STALE_OBJECT,
            'If-Match erwartet die Version des Vorgangs als ETag, z. B. "3".',
        )
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


# --- dispatch -----------------------------------------------------------------------------------


def _render(reply: Reply | HttpResponse) -> HttpResponse:
    if isinstance(reply, HttpResponse):
        return reply
    if reply.body is None:
        response = HttpResponse(status=reply.status)
    else:
        response = HttpResponse(
            reply.body.model_dump_json(by_alias=True),
            status=reply.status,
            content_type="application/json",
        )
    for name, value in reply.headers.items():
        response[name] = value
    return response


def _log(request: HttpRequest, call: Call | None, principal: Principal | None, status: int) -> None:
    municipality_id = (
        principal.client.municipality_id
        if principal
        else getattr(getattr(request, "municipality", None), "pk", None)
    )
    if municipality_id is None:
        return
    ApiCallLog.objects.create(
        municipality_id=municipality_id,
        client=principal.client if principal else None,
        method=request.method or "",
        path=request.path[:500],
        case_reference=(call.case_reference if call else "")[:60],
        status=status,
    )


def _idempotency_begin(
    request: HttpRequest, principal: Principal, fingerprint: str
) -> IdempotencyRecord | HttpResponse | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > 200:
        raise ApiError(ErrorCode.INVALID_INPUT, "Der Idempotency-Key ist zu lang (max. 200).")
    fingerprint = hashlib.sha256(f"{request.path}\n{fingerprint}".encode()).hexdigest()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                client=principal.client, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        pass
    found = IdempotencyRecord.objects.filter(client=principal.client, key=key).first()
    if found is None:  # removed meanwhile (the first attempt failed): try again
        raise ApiError(
            ErrorCode.IDEMPOTENCY_KEY_IN_USE,
            "Eine Anfrage mit diesem Idempotency-Key wird gerade bearbeitet.",
        )
    if found.fingerprint != fingerprint:
        raise ApiError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet.",
        )
    if found.status == 0:
        raise ApiError(
            ErrorCode.IDEMPOTENCY_KEY_IN_USE,
            "Eine Anfrage mit diesem Idempotency-Key wird gerade bearbeitet.",
        )
    response = HttpResponse(
        bytes(found.body), status=found.status, content_type=found.content_type or None
    )
    for name, value in (found.headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _idempotency_finish(record: IdempotencyRecord, response: HttpResponse) -> None:
    if 200 <= response.status_code < 300:
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.headers = {
            name: response[name] for name in ("ETag", "Location") if response.has_header(name)
        }
        record.save(update_fields=["status", "content_type", "body", "headers"])
    else:  # only successes are remembered: the client may retry a failure with the same key
        record.delete()


def _handle(request: HttpRequest, ep: Endpoint, params: dict[str, str]) -> HttpResponse:
    principal: Principal | None = None
    call: Call | None = None
    record: IdempotencyRecord | None = None
    try:
        if ep.auth:
            principal = request_authenticate(request)
            host_municipality = getattr(request, "municipality", None)
            if host_municipality is not None and host_municipality.pk != (
                principal.client.municipality_id
            ):
                raise ApiError(ErrorCode.NOT_FOUND, "Nicht gefunden.")
            if ep.scope and ep.scope not in principal.scopes:
                raise ApiError(
                    ErrorCode.SCOPE_MISSING,
                    f"Dem Client fehlt die Berechtigung „{ep.scope}“.",
                )
        body, fingerprint = parse_body(request, ep) if ep.method != "GET" else (None, "")
        call = Call(
            request=request,
            principal=principal,
            params=params,
            query={k: request.GET.get(k, "") for k in request.GET},
            body=body,
        )
        call.version = parse_if_match(request, ep.if_match) if ep.if_match != "none" else None
        if ep.method == "POST" and principal is not None:
            begun = _idempotency_begin(request, principal, fingerprint)
            if isinstance(begun, HttpResponse):
                _log(request, call, principal, begun.status_code)
                return begun
            record = begun
        try:
            response = _render(ep.handler(call))
        except RathausError as exc:
            raise ApiError.from_rathaus(exc) from exc
        if record is not None:
            _idempotency_finish(record, response)
            record = None
    except ApiError as exc:
        if record is not None:
            record.delete()
        response = problem_response(exc)
    except BaseException:
        if record is not None:
            record.delete()
        raise
    _log(request, call, principal, response.status_code)
    return response


def _view_for(path_: str, endpoints: dict[str, Endpoint]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    def view(request: HttpRequest, **params: str) -> HttpResponse:
        method = (request.method or "").upper()
        ep = endpoints.get("GET" if method == "HEAD" else method)
        if ep is None:
            response = problem_response(
                ApiError(
                    ErrorCode.METHOD_NOT_ALLOWED,
                    f"Methode {method} ist hier nicht erlaubt.",
                    headers={"Allow": ", ".join(sorted(endpoints))},
                )
            )
            return response
        return _handle(request, ep, params)

    view.__name__ = "api_" + re.sub(r"\W+", "_", path_).strip("_")
    return view


#: Path parameters that may contain "/": a municipality's file reference pattern may use it
#: ("32.10/2026/000123"); clients send it percent-encoded (%2F), which arrives decoded.
SLASHED_PARAMS = {"reference"}


def django_path(openapi_path: str) -> str:
    def converter(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<path:{name}>" if name in SLASHED_PARAMS else f"<str:{name}>"

    return re.sub(r"\{(\w+)\}", converter, openapi_path.lstrip("/"))


def urlpatterns_for(endpoints: list[Endpoint]) -> list[URLPattern]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for ep in endpoints:
        by_path.setdefault(ep.path, {})[ep.method] = ep
    patterns = []
    # A slashed parameter at the end would swallow the longer paths after it
    # ("cases/<path:reference>" matches "cases/X/state"): those come first.
    ordered = sorted(
        by_path, key=lambda p: p.rstrip("/").endswith(tuple(f"{{{n}}}" for n in SLASHED_PARAMS))
    )
    for path_ in ordered:
        methods = by_path[path_]
        name = methods[sorted(methods)[0]].operation_id
        patterns.append(path(django_path(path_), _view_for(path_, methods), name=name))
    return patterns

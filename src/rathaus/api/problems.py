"""The one error format of the API: RFC 9457 ``application/problem+json``.

``{"type", "title", "status", "detail", "code"}`` (plus ``errors`` for invalid fields). ``code``
is an :class:`~rathaus.core.errors.ErrorCode`, the same the UI uses; ``type`` is a stable URI
built from it.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from rathaus.core.errors import ErrorCode, RathausError

PROBLEM_TYPE_BASE = "https://rathaus.example/probleme/"

STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.DRAFT_NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.SCOPE_MISSING: 403,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.APPLICATION_INCOMPLETE: 422,
    ErrorCode.FEE_NOT_COMPUTABLE: 422,
    ErrorCode.SERVICE_NOT_AVAILABLE: 422,
    ErrorCode.UPLOAD_TYPE_NOT_ALLOWED: 422,
    ErrorCode.UPLOAD_TOO_LARGE: 413,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.MALFORMED_REQUEST: 400,
    ErrorCode.DECRYPTION_FAILED: 400,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.APPLICATION_ALREADY_SUBMITTED: 409,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 409,
    ErrorCode.IDEMPOTENCY_KEY_IN_USE: 409,
    ErrorCode.STALE_OBJECT: 412,
    ErrorCode.PRECONDITION_REQUIRED: 428,
}

TITLES: dict[int, str] = {
    400: "Fehlerhafte Anfrage",
    401: "Nicht angemeldet",
    403: "Keine Berechtigung",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    409: "Konflikt",
    412: "Vorbedingung nicht erfüllt",
    413: "Anfrage zu groß",
    415: "Medientyp nicht unterstützt",
    422: "Ungültige Angaben",
    428: "Vorbedingung erforderlich",
}


class ApiError(Exception):
    """Raised inside an endpoint; becomes a problem response."""

    def __init__(
        self,
        code: ErrorCode,
        detail: str,
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status or STATUS_BY_CODE.get(code, 400)
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def from_rathaus(cls, exc: RathausError) -> ApiError:
        errors = exc.details.get("errors")
        return cls(
            exc.code,
            exc.message,
            errors=[_jsonable(e) for e in errors] if isinstance(errors, list) and errors else None,
        )


def _jsonable(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"message": str(value)}


def problem_response(error: ApiError) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + str(error.code),
        "title": TITLES.get(error.status, "Fehler"),
        "status": error.status,
        "detail": error.detail,
        "code": str(error.code),
    }
    if error.errors:
        body["errors"] = error.errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=error.status,
        content_type="application/problem+json",
    )
    for name, value in error.headers.items():
        response[name] = value
    return response

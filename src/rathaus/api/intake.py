"""Intake of complete applications from other portals (plain JSON or FIT-Connect style, optionally
JWE-encrypted with the municipality's public key).

The answers run through the same form engine as in the portal (``application_save_step`` for each
step, then ``application_submit`` with channel "api"), so the case is exactly what an online
application would have produced.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from rathaus.applications.models import Channel
from rathaus.applications.services import (
    application_save_step,
    application_start,
    application_submit,
    upload_store,
)
from rathaus.cases.events import KIND_LABELS, PUBLIC_KINDS
from rathaus.cases.models import CaseState
from rathaus.catalog.definition import load_definition
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality

from .framework import decode_file
from .jose import JoseError, JsonWebEncryption, JsonWebKey
from .models import ApiClient, IntakeKey, IntakeSubmission
from .problems import ApiError
from .schemas import IntakeEvent, IntakeIn, IntakeStatus

LEIKA_URN = re.compile(r"^(?:urn:de:fim:leika:leistung:)?(\d{14})$")
_jwe = JsonWebEncryption(algorithms=["RSA-OAEP-256", "A256GCM"])


# --- keys ---------------------------------------------------------------------------------------


def intake_key(municipality: Municipality) -> IntakeKey:
    """The municipality's active key pair, created on first use."""
    found = IntakeKey.objects.of(municipality).filter(active=True).order_by("-pk").first()
    if found is not None:
        return found
    bits = int(getattr(settings, "RATHAUS_API_INTAKE_KEY_BITS", 4096))
    key = JsonWebKey.generate_key("RSA", bits, is_private=True)
    kid = f"{municipality.slug}-{secrets.token_hex(8)}"
    public = {
        **key.as_dict(is_private=False),
        "kid": kid,
        "use": "enc",
        "alg": "RSA-OAEP-256",
        "key_ops": ["wrapKey"],
    }
    return IntakeKey.objects.create(
        municipality=municipality,
        kid=kid,
        private_pem=key.as_pem(is_private=True).decode(),
        public_jwk=public,
    )


def decrypt(*, municipality: Municipality, token: bytes) -> dict[str, Any]:
    """Decrypt a compact JWE (RSA-OAEP-256 + A256GCM) addressed to the municipality's key."""
    try:
        text = token.decode("ascii").strip()
        header = json.loads(_b64json(text.split(".", 1)[0]))
    except (UnicodeDecodeError, ValueError, IndexError) as exc:
        raise ApiError(ErrorCode.DECRYPTION_FAILED, "Kein gültiges JWE (Compact).") from exc
    kid = header.get("kid") if isinstance(header, dict) else None
    keys = IntakeKey.objects.of(municipality)
    found = keys.filter(kid=str(kid)).first() if kid else keys.filter(active=True).first()
    if found is None:
        raise ApiError(ErrorCode.DECRYPTION_FAILED, "Unbekannter Schlüssel (kid).")
    try:
        result = _jwe.deserialize_compact(text, JsonWebKey.import_key(found.private_pem))
        payload = json.loads(result["payload"])
    except (JoseError, ValueError, TypeError, KeyError, InvalidTag) as exc:
        raise ApiError(
            ErrorCode.DECRYPTION_FAILED, "Der Inhalt ließ sich nicht entschlüsseln."
        ) from exc
    if not isinstance(payload, dict):
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "Erwartet wird ein JSON-Objekt.")
    return payload


def _b64json(segment: str) -> str:
    import base64

    padded = segment + "=" * (-len(segment) % 4)
    return base64.urlsafe_b64decode(padded.encode()).decode()


# --- submission ---------------------------------------------------------------------------------


def _service_for(*, client: ApiClient, body: IntakeIn) -> Service:
    wanted = body.service or (body.service_type.identifier if body.service_type else "")
    if not wanted:
        raise ApiError(
            ErrorCode.INVALID_INPUT, "Bitte geben Sie die Leistung an (service oder serviceType)."
        )
    services = Service.objects.of(client.municipality_id).select_related("current_version")
    match = LEIKA_URN.match(wanted.strip())
    found = (
        services.filter(leika=match.group(1)).order_by("pk").first()
        if match
        else services.filter(key=wanted.strip()).first()
    )
    allowed = set(client.services.values_list("pk", flat=True))
    if found is None or (allowed and found.pk not in allowed):
        raise ApiError(ErrorCode.NOT_FOUND, f"Leistung „{wanted[:100]}“ nicht gefunden.")
    if not found.enabled or found.current_version_id is None:
        raise ApiError(ErrorCode.SERVICE_NOT_AVAILABLE, "Diese Leistung ist nicht verfügbar.")
    return found


def intake_submit(
    *, client: ApiClient, body: IntakeIn, encrypted: bool = False
) -> IntakeSubmission:
    """Turn a complete submission into an application and its case, or raise 4xx problems."""
    service = _service_for(client=client, body=body)
    assert service.current_version is not None
    definition = load_definition(service.current_version)
    steps = {step.key: step for step in definition.steps}
    errors: list[dict[str, str]] = []
    for step_key, values in body.data.items():
        step = steps.get(step_key)
        if step is None:
            errors.append({"field": f"data.{step_key}", "message": "Unbekannter Schritt."})
            continue
        if not isinstance(values, dict):
            errors.append({"field": f"data.{step_key}", "message": "Erwartet wird ein Objekt."})
            continue
        known = {f.key for f in step.fields}
        errors += [
            {"field": f"data.{step_key}.{key}", "message": "Unbekanntes Feld."}
            for key in values
            if key not in known
        ]
    file_fields = {
        f"{step.key}.{f.key}": f
        for step in definition.steps
        for f in step.fields
        if f.type == "file"
    }
    for index, attachment in enumerate(body.attachments):
        if attachment.field not in file_fields:
            errors.append(
                {
                    "field": f"attachments.{index}.field",
                    "message": "Kein Dateifeld dieser Leistung.",
                }
            )
    if errors:
        raise ApiError(
            ErrorCode.INVALID_INPUT, "Die Angaben passen nicht zur Leistung.", errors=errors
        )
    contents = [
        decode_file(a.content_base64, what=f"Anlage {a.filename}") for a in body.attachments
    ]
    data: dict[str, dict[str, Any]] = {k: dict(v) for k, v in body.data.items()}
    try:
        with transaction.atomic():
            application = application_start(service=service, channel=Channel.API)
            if body.contact_email:
                application.contact_email = body.contact_email
                application.save(update_fields=["contact_email"])
            for attachment, content in zip(body.attachments, contents, strict=True):
                spec = file_fields[attachment.field]
                max_bytes = int((spec.max_size_mb or 10) * 1024 * 1024)
                upload = upload_store(
                    application=application,
                    field_path=attachment.field,
                    file=SimpleUploadedFile(attachment.filename, content),
                    accept=list(spec.accept or []),
                    max_bytes=max_bytes,
                )
                step_key, field_key = attachment.field.split(".", 1)
                data.setdefault(step_key, {})[field_key] = upload.pk
            for step in definition.steps:
                application_save_step(
                    application=application,
                    step_key=step.key,
                    values=data.get(step.key, {}),
                    completed=True,
                )
            application = application_submit(application=application, channel=Channel.API)
            case = getattr(application, "case", None)
            submission = IntakeSubmission.objects.create(
                municipality_id=client.municipality_id,
                client=client,
                service=service,
                application=application,
                case=case,
                encrypted=encrypted,
                metadata={"reference": body.reference or ""},
            )
    except RathausError as exc:
        raise ApiError.from_rathaus(exc) from exc
    return submission


_STATUS: dict[str, Any] = {
    CaseState.RECEIVED: "case_opened",
    CaseState.IN_PROGRESS: "in_progress",
    CaseState.QUESTION: "question",
    CaseState.DECIDED: "decided",
    CaseState.CLOSED: "closed",
    CaseState.WITHDRAWN: "withdrawn",
}


def intake_status(submission: IntakeSubmission) -> IntakeStatus:
    case = submission.case
    events = [IntakeEvent(type="submitted", time=submission.created_at, label="Eingereicht")]
    if case is not None:
        for event in case.events.filter(kind__in=PUBLIC_KINDS).order_by("seq"):
            events.append(
                IntakeEvent(
                    type=event.kind,
                    time=event.created_at,
                    label=str(KIND_LABELS.get(event.kind, event.kind)),
                )
            )
    return IntakeStatus(
        id=str(submission.public_id),
        status=_STATUS.get(case.state, "submitted") if case else "submitted",
        service=submission.service.key,
        case_reference=case.reference if case else None,
        outcome=case.outcome if case else "",
        encrypted=submission.encrypted,
        created_at=submission.created_at,
        events=events,
    )

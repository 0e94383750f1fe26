"""Writes to applications: starting, saving steps, uploads, draft links and submission.

Every function takes keyword arguments only. Views, the API and (later) the counter UI for staff
call these; nothing else writes an application.
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.accounts.models import User
from rathaus.catalog import plugins
from rathaus.catalog.definition import ServiceDefinition, load_definition
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality
from rathaus.core.tenancy import portal_url
from rathaus.integrations.outbox import email_enqueue

from .checks import checks_run
from .conditions import Answers, evaluate
from .fees import FeeNotComputable, fee_compute
from .formengine import step_validate_stored
from .models import Application, Channel, Upload

SNIFF_BYTES = 8192
TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
}


def application_start(
    *,
    service: Service,
    applicant: User | None = None,
    channel: str = Channel.ONLINE,
    entered_by: User | None = None,
) -> Application:
    """Start a draft with the service's current definition version (kept for good).

    For counter or phone staff applying on behalf of a citizen pass ``channel`` and
    ``entered_by``; ``applicant`` may then be the citizen's account or None.
    """
    if service.current_version_id is None:
        raise RathausError(
            ErrorCode.SERVICE_NOT_AVAILABLE, _("Diese Leistung ist nicht verfügbar.")
        )
    assert service.current_version is not None
    definition = load_definition(service.current_version)
    return Application.objects.create(
        municipality_id=service.municipality_id,
        service=service,
        definition_version_id=service.current_version_id,
        applicant=applicant,
        channel=channel,
        entered_by=entered_by,
        current_step=definition.steps[0].key,
    )


def application_save_step(
    *,
    application: Application,
    step_key: str,
    values: dict[str, Any],
    completed: bool,
    merge: bool = False,
) -> Application:
    """Store the answers of one step of a draft (every valid "Weiter" and "Zwischenspeichern").

    ``completed`` marks the step done (only for fully valid pages); ``merge`` keeps stored
    answers that ``values`` does not mention (partial save). Locks the row so that two tabs
    saving different steps do not overwrite each other.
    """
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != Application.Status.DRAFT:
            raise RathausError(
                ErrorCode.APPLICATION_ALREADY_SUBMITTED,
                _("Dieser Antrag wurde bereits eingereicht."),
            )
        data = dict(locked.data or {})
        data[step_key] = {**(data.get(step_key) or {}), **values} if merge else values
        completed_steps = [k for k in locked.completed_steps or [] if k != step_key]
        if completed:
            completed_steps.append(step_key)
        locked.data = data
        locked.completed_steps = completed_steps
        locked.current_step = step_key
        locked.save(update_fields=["data", "completed_steps", "current_step", "updated_at"])
    application.data = locked.data
    application.completed_steps = locked.completed_steps
    application.current_step = locked.current_step
    application.updated_at = locked.updated_at
    return application


def application_step_reopen(*, application: Application, step_key: str) -> None:
    """Mark a step as not completed (its stored answers failed validation again)."""
    application.completed_steps = [k for k in application.completed_steps if k != step_key]
    Application.objects.filter(pk=application.pk).update(
        completed_steps=application.completed_steps
    )


def upload_store(
    *,
    application: Application,
    field_path: str,
    file: UploadedFile,
    accept: list[str],
    max_bytes: int,
) -> Upload:
    """Check and store an uploaded file for a field of the application.

    The type is sniffed from the content (``filetype``); the name and the browser's content type
    are never trusted. Raises ``RathausError`` with ``UPLOAD_TOO_LARGE`` or
    ``UPLOAD_TYPE_NOT_ALLOWED`` and a message naming what is allowed.
    """
    size = int(file.size or 0)
    if size > max_bytes:
        raise RathausError(
            ErrorCode.UPLOAD_TOO_LARGE,
            _("Die Datei ist zu groß (%(size)s MB). Erlaubt sind höchstens %(max)s MB.")
            % {"size": _megabytes(size), "max": _megabytes(max_bytes)},
        )
    allowed = ", ".join(TYPE_NAMES.get(t, t) for t in accept)
    if size == 0:
        raise RathausError(
            ErrorCode.UPLOAD_TYPE_NOT_ALLOWED,
            _("Die Datei ist leer. Erlaubt sind: %(types)s.") % {"types": allowed},
        )
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in accept:
        raise RathausError(
            ErrorCode.UPLOAD_TYPE_NOT_ALLOWED,
            _("Dieser Dateityp ist nicht erlaubt. Erlaubt sind: %(types)s.") % {"types": allowed},
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    extension = mimetypes.guess_extension(kind.mime) or f".{kind.extension}"
    original = (file.name or "datei").replace("\\", "/").rsplit("/", 1)[-1][:255]
    upload = Upload(
        municipality_id=application.municipality_id,
        application=application,
        field_path=field_path,
        original_name=original,
        content_type=kind.mime,
        size=size,
        sha256=digest.hexdigest(),
    )
    upload.file.save(f"{uuid.uuid4().hex}{extension}", file, save=False)
    upload.save()
    return upload


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def draft_link_send(*, application: Application, email: str) -> str:
    """E-mail a secret link that restores an anonymous draft (valid
    ``RATHAUS_DRAFT_LINK_DAYS`` days). Only the token's hash is stored; a new link replaces the
    old one. Returns the token (for tests and the API)."""
    if application.status != Application.Status.DRAFT:
        raise RathausError(
            ErrorCode.APPLICATION_ALREADY_SUBMITTED, _("Dieser Antrag wurde bereits eingereicht.")
        )
    token = secrets.token_urlsafe(32)
    days = int(settings.RATHAUS_DRAFT_LINK_DAYS)
    expires = timezone.now() + timedelta(days=days)
    municipality = application.municipality
    link = portal_url(municipality=municipality, path=f"/antraege/fortsetzen/{token}/")
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            contact_email=email,
            access_token_hash=_token_hash(token),
            access_token_expires_at=expires,
        )
        email_enqueue(
            municipality=municipality,
            to=email,
            subject=_("Ihr Antrag „%(service)s“: Link zum Fortsetzen")
            % {"service": application.service.name},
            body=_(
                "Guten Tag,\n\nmit diesem Link können Sie Ihren begonnenen Antrag "
                "„%(service)s“ bei %(municipality)s fortsetzen:\n\n%(link)s\n\n"
                "Der Link ist %(days)s Tage gültig. Geben Sie ihn nicht weiter: Wer ihn hat, "
                "kann Ihre Angaben sehen.\n\nIhre Kommune %(municipality)s"
            )
            % {
                "service": application.service.name,
                "municipality": municipality.name,
                "link": link,
                "days": days,
            },
        )
    application.contact_email = email
    application.access_token_hash = _token_hash(token)
    application.access_token_expires_at = expires
    return token


def draft_for_link(*, municipality: Municipality, token: str) -> Application:
    """The draft a resume link points at in this municipality.

    Raises ``DRAFT_NOT_FOUND`` (unknown, foreign or discarded) or ``DRAFT_LINK_EXPIRED``.
    """
    application = (
        Application.objects.of(municipality)
        .filter(access_token_hash=_token_hash(token))
        .exclude(status=Application.Status.DISCARDED)
        .select_related("service")
        .first()
        if token
        else None
    )
    if application is None:
        raise RathausError(
            ErrorCode.DRAFT_NOT_FOUND, _("Dieser Link ist ungültig oder gehört zu keinem Antrag.")
        )
    expires = application.access_token_expires_at
    if expires is None or expires < timezone.now():
        raise RathausError(
            ErrorCode.DRAFT_LINK_EXPIRED,
            _("Dieser Link ist abgelaufen. Bitte beginnen Sie den Antrag neu."),
        )
    return application


def application_claim(*, application: Application, user: User) -> Application:
    """Attach an anonymous draft to the account of the citizen who just logged in."""
    if application.applicant_id is None and application.status == Application.Status.DRAFT:
        Application.objects.filter(pk=application.pk, applicant__isnull=True).update(applicant=user)
        application.applicant = user
    return application


@dataclass(frozen=True)
class ValidatedAnswers:
    answers: Answers
    uploads: dict[int, Upload]


def application_validate(
    *,
    application: Application,
    definition: ServiceDefinition | None = None,
    today: date | None = None,
) -> ValidatedAnswers:
    """Validate every visible step of the stored answers again, as if posted just now.

    Returns the effective answers (stale answers of skipped steps or fields dropped). Raises
    ``RathausError(APPLICATION_INCOMPLETE, step=<key>, errors=[…])`` at the first step that is
    missing or invalid.
    """
    definition = definition or load_definition(application.definition_version)
    uploads = {u.pk: u for u in application.uploads.all()}
    stored: Answers = application.data or {}
    validated: Answers = {}
    for step in definition.steps:
        if not evaluate(step.when, validated, today=today):
            continue
        if step.key not in (application.completed_steps or []):
            raise RathausError(
                ErrorCode.APPLICATION_INCOMPLETE,
                _("Bitte füllen Sie den Schritt „%(step)s“ aus.") % {"step": step.title},
                step=step.key,
                errors=[],
            )
        form = step_validate_stored(
            definition=definition,
            step=step,
            answers=validated,
            values=stored.get(step.key) or {},
            uploads=uploads,
            today=today,
            municipality=application.municipality,
        )
        if not form.is_valid():
            raise RathausError(
                ErrorCode.APPLICATION_INCOMPLETE,
                _("Bitte prüfen Sie Ihre Angaben im Schritt „%(step)s“.") % {"step": step.title},
                step=step.key,
                errors=form.error_entries(),
            )
        validated[step.key] = form.values()
    return ValidatedAnswers(answers=validated, uploads=uploads)


def application_submit(
    *,
    application: Application,
    actor: User | None = None,
    channel: str | None = None,
    entered_by: User | None = None,
    today: date | None = None,
) -> Application:
    """Submit a draft: validate everything again, compute the fee, run the checks, open the case
    (which delivers the "Antrag eingegangen" message with its e-mail and queues the receipt
    PDF) — all in one transaction with the application locked.

    Idempotent: an application already submitted is returned unchanged (a double click, the back
    button or a replayed request never opens a second case). ``channel`` and ``entered_by``
    record a submission made by staff on behalf of a citizen.

    Raises ``RathausError`` with ``APPLICATION_INCOMPLETE`` (details: ``step``, ``errors``),
    ``NOT_FOUND`` for a discarded application, or ``FEE_NOT_COMPUTABLE``.
    """
    from rathaus.cases.services import case_open_for_application

    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("applicant")
            .get(pk=application.pk)
        )
        _reuse_related(locked, application, ("definition_version", "service", "municipality"))
        if locked.status == Application.Status.SUBMITTED:
            return locked
        if locked.status != Application.Status.DRAFT:
            raise RathausError(ErrorCode.NOT_FOUND, _("Dieser Antrag wurde verworfen."))
        definition = load_definition(locked.definition_version)
        validated = application_validate(application=locked, definition=definition, today=today)
        municipality = locked.municipality
        try:
            fee = fee_compute(
                definition=definition, answers=validated.answers, municipality=municipality
            )
        except FeeNotComputable as exc:
            raise RathausError(
                ErrorCode.FEE_NOT_COMPUTABLE,
                _("Die Gebühr lässt sich nicht berechnen. Bitte wenden Sie sich an die Kommune."),
            ) from exc
        locked.data = validated.answers
        locked.fee_amount = fee.amount if fee else None
        locked.fee_details = fee.as_json() if fee else {}
        locked.check_results = list(
            checks_run(definition=definition, answers=validated.answers, municipality=municipality)
        )
        locked.status = Application.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        if channel:
            locked.channel = channel
        if entered_by is None and actor is not None and actor.is_staff:
            entered_by = actor  # staff submitting for a citizen is recorded as such
        if entered_by is not None:
            locked.entered_by = entered_by
        locked.save(
            update_fields=[
                "data",
                "fee_amount",
                "fee_details",
                "check_results",
                "status",
                "submitted_at",
                "channel",
                "entered_by",
                "updated_at",
            ]
        )
        case_open_for_application(application=locked, uploads=validated.uploads.values())
        hook = plugins.get(definition.plugin) if definition.plugin else None
        if hook is not None and hook.on_submit is not None:
            hook.on_submit(
                definition=definition,
                data=validated.answers,
                municipality=municipality,
                application=locked,
            )
    return locked


def _reuse_related(fresh: Application, loaded: Application, names: tuple[str, ...]) -> None:
    """Take the related objects the caller already loaded (the service definition is a large
    JSON document) instead of reading them again with the locked row, where the ids agree."""
    for name in names:
        field = Application._meta.get_field(name)
        if (
            field.is_cached(loaded)  # type: ignore[union-attr]
            and getattr(loaded, f"{name}_id") == getattr(fresh, f"{name}_id")
        ):
            setattr(fresh, name, getattr(loaded, name))


def application_discard(*, application: Application) -> Application:
    """Discard a draft (it disappears from "Meine Anträge"; submitted ones cannot be)."""
    updated = Application.objects.filter(pk=application.pk, status=Application.Status.DRAFT).update(
        status=Application.Status.DISCARDED
    )
    if updated:
        application.status = Application.Status.DISCARDED
    return application

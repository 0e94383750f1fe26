"""Delivering messages to the applicant: a postbox entry plus an e-mail that links to it.

Called by the case services inside their transaction, so the message, the e-mail in the outbox
and the state change are committed together or not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone

from rathaus.integrations.outbox import email_enqueue

from .models import PostboxMessage

if TYPE_CHECKING:
    from rathaus.cases.models import Case
    from rathaus.records.models import Document


def portal_url(*, case: Case, path: str) -> str:
    """Absolute portal URL for a path inside the case's municipality (path prefix form, which
    works on every installation)."""
    base = settings.RATHAUS_PUBLIC_URL.rstrip("/")
    return f"{base}/m/{case.municipality.slug}{path}"


def postbox_case_path(case: Case) -> str:
    """The path of the citizen's case page, without any tenant prefix."""
    try:
        found = reverse("postbox:case", args=[case.pk])
        prefix = get_script_prefix()
        return "/" + found[len(prefix) :] if found.startswith(prefix) else found
    except NoReverseMatch:  # postbox not mounted in this URL configuration
        return f"/postfach/vorgang/{case.pk}/"


def postbox_deliver(
    *,
    case: Case,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    document: Document | None = None,
    email_link: str | None = None,
) -> PostboxMessage:
    """Put a message in the applicant's postbox and queue the notification e-mail.

    The e-mail names only the municipality, the reference number and what happened, and links to
    the portal; details (reasons, questions, the notice) are only shown after login or via the
    secret tracking link. ``email_link`` overrides the link (the receipt carries the tracking link
    of an applicant without account).
    """
    message = PostboxMessage.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        subject=subject[:300],
        body=body,
        document=document,
    )
    if case.applicant_email:
        link = email_link or portal_url(case=case, path=postbox_case_path(case))
        hint = (
            ""
            if email_link or case.applicant_id
            else "\nWenn Sie kein Konto haben, öffnen Sie den persönlichen Link aus Ihrer "
            "Eingangsbestätigung.\n"
        )
        email_enqueue(
            municipality=case.municipality,
            to=case.applicant_email,
            subject=f"{case.municipality.name}: {subject} ({case.reference})",
            body=(
                "Guten Tag,\n\n"
                f"zu Ihrem Vorgang {case.reference} gibt es Neuigkeiten: {subject}.\n\n"
                f"Die Einzelheiten finden Sie in Ihrem Postfach im Serviceportal:\n{link}\n{hint}\n"
                f"Mit freundlichen Grüßen\n{case.municipality.name}\n"
            ),
            dedupe_key=dedupe_key,
            reply_to=case.municipality.email,
        )
    return message


def postbox_mark_read(*, messages: list[PostboxMessage]) -> None:
    ids = [m.pk for m in messages if m.read_at is None]
    if ids:
        PostboxMessage.objects.filter(pk__in=ids).update(read_at=timezone.now())

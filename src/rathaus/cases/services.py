"""Writes to cases. Everything that changes a case goes through a function here."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from rathaus.applications.models import Application

from .models import Case, ReferenceCounter

DEFAULT_REFERENCE_PATTERN = "{prefix}-{year}-{number:06d}"


def reference_next(*, municipality, scope: str, prefix: str) -> str:
    """The next file reference number (Aktenzeichen) for a municipality, e.g. ``32.10-2026-000123``.

    Numbers are taken under a row lock and never reused, also when the transaction that took one
    is rolled back later only the gap remains (as in a paper register).
    """
    year = timezone.localdate().year
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
            municipality=municipality, scope=scope, year=year
        )
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return DEFAULT_REFERENCE_PATTERN.format(prefix=prefix, year=year, number=counter.last_number)


def case_open_for_application(*, application: Application) -> Case:
    """Open the case for a just-submitted application (state "eingegangen").

    Called by ``applications.services.application_submit`` inside its transaction.
    """
    definition_data = application.definition_version.data
    prefix = (definition_data.get("retention") or {}).get("file_plan") or "00"
    reference = reference_next(municipality=application.municipality, scope=prefix, prefix=prefix)
    applicant = application.applicant
    applicant_name = applicant.get_full_name() if applicant is not None else ""
    return Case.objects.create(
        municipality=application.municipality,
        reference=reference,
        service=application.service,
        application=application,
        applicant=application.applicant,
        applicant_name=applicant_name,
        channel=application.channel,
    )

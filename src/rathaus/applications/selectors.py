"""Reads of applications. Every function takes the municipality explicitly."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from rathaus.core.models import Municipality

from .models import Application


def applications_of_user(*, municipality: Municipality, user: Any) -> QuerySet[Application]:
    """ "Meine Anträge": drafts and submitted applications of one citizen in one municipality,
    with service and case in the same query."""
    return (
        Application.objects.of(municipality)
        .filter(applicant=user)
        .exclude(status=Application.Status.DISCARDED)
        .select_related("service", "case")
        .order_by("-updated_at")
    )


def application_by_public_id(*, municipality: Municipality, public_id: UUID) -> Application | None:
    return (
        Application.objects.of(municipality)
        .filter(public_id=public_id)
        .exclude(status=Application.Status.DISCARDED)
        .select_related("service", "definition_version", "municipality")
        .defer("definition_version__source")  # the YAML text; the checked data is what is used
        .first()
    )

"""Helpers for case tests: submitted applications made directly through the models (the form
engine is built elsewhere), teams and staff."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rathaus.accounts.models import StaffRole, User
from rathaus.applications.models import Application, Channel
from rathaus.cases.models import Case, Team
from rathaus.cases.services import case_open_for_application
from rathaus.catalog.models import Service
from rathaus.core.models import Municipality
from rathaus.testing.factories import staff_user
from rathaus.testing.tasks import tasks_run

DOG_DATA: dict[str, Any] = {
    "halter": {
        "vorname": "Erika",
        "nachname": "Mustermann",
        "geburtsdatum": "1984-08-12",
        "anschrift": {"street": "Lindenallee 5", "postcode": "33098", "city": "Musterstadt"},
        "email": "erika@example.org",
    },
    "hund": {
        "name": "Bello",
        "rasse": "mischling",
        "geburtsdatum": "2022-03-01",
        "chipnummer": "276098106543210",
        "haltung_seit": "2026-01-01",
        "weitere_hunde": 0,
    },
    "zahlung": {"lastschrift": False},
}


def submitted_case(
    service: Service,
    applicant: User | None = None,
    *,
    channel: str = Channel.ONLINE,
    data: dict[str, Any] | None = None,
    contact_email: str = "",
    receipt: bool = True,
    **extra: Any,
) -> Case:
    """A case opened for a submitted application. With ``receipt`` (default) the background
    jobs run as the worker would run them moments later, so the receipt is in the file."""
    application = Application.objects.create(
        municipality=service.municipality,
        service=service,
        definition_version=service.current_version,
        applicant=applicant,
        status=Application.Status.SUBMITTED,
        channel=channel,
        data=data if data is not None else DOG_DATA,
        contact_email=contact_email,
        submitted_at=timezone.now(),
        **extra,
    )
    case = case_open_for_application(application=application)
    if receipt:
        tasks_run()
        case.refresh_from_db()
    return case


def team_with(
    municipality: Municipality, service: Service, *members: User, key: str = "steueramt"
) -> Team:
    team, _ = Team.objects.get_or_create(
        municipality=municipality, key=key, defaults={"name": "Steueramt"}
    )
    team.services.add(service)
    team.members.add(*members)
    return team


def clerk_in_team(municipality: Municipality, service: Service, email: str, **kw: Any) -> User:
    role = kw.pop("role", StaffRole.CLERK)
    user = staff_user(municipality, role, email=email, **kw)
    team_with(municipality, service, user)
    return user

"""Reads of cases: who sees which case, the back-office inbox, the citizen's cases.

Visibility: municipal admins see every case of their municipality; clerks and team leads the
cases of the services their teams handle. Everything starts from ``Case.objects.of(municipality)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone

from rathaus.accounts.models import StaffMembership, StaffRole, User
from rathaus.accounts.permissions import membership as membership_of
from rathaus.core.models import Municipality

from .models import Case, CaseEvent, CaseState, Team

OPEN_STATES = [CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.QUESTION]
PAGE_SIZE = 50


def _team_services(user: User, municipality_id: int) -> QuerySet:
    return Team.services.through.objects.filter(
        team__municipality_id=municipality_id, team__members=user
    ).values("service_id")


def cases_visible(*, municipality: Municipality, user: User) -> QuerySet[Case]:
    """The cases ``user`` may see in ``municipality`` (none for non-staff)."""
    found = membership_of(user, municipality)
    qs = Case.objects.of(municipality)
    if found is None:
        return qs.none()
    if found.role == StaffRole.ADMIN:
        return qs
    return qs.filter(service_id__in=Subquery(_team_services(user, municipality.pk)))


def case_visible_to(*, case: Case, user: User, membership: StaffMembership | None) -> bool:
    if membership is None or membership.municipality_id != case.municipality_id:
        return False
    if membership.role == StaffRole.ADMIN:
        return True
    return _team_services(user, case.municipality_id).filter(service_id=case.service_id).exists()


def case_for_staff(*, municipality: Municipality, user: User, pk: int) -> Case | None:
    return (
        cases_visible(municipality=municipality, user=user)
        .select_related("service", "assignee", "team", "application__definition_version")
        .defer("application__definition_version__source")  # the YAML text: not needed here
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class InboxFilters:
    service: int | None = None
    state: str = ""
    assignee: str = ""  # "" any, "me", "none", or a user id
    overdue: bool = False
    channel: str = ""
    q: str = ""
    sort: str = "new"  # new, old, due


SORTS = {"new", "old", "due"}


@dataclass
class InboxPage:
    cases: list[Case]
    next_cursor: str


def _cursor_filter(sort: str, cursor: str) -> Q:
    try:
        if sort == "due":
            due_text, id_text = cursor.split("_", 1)
            last_id = int(id_text)
            if due_text == "-":
                return Q(due_date__isnull=True, id__gt=last_id)
            due = date.fromisoformat(due_text)
            return Q(due_date__gt=due) | Q(due_date=due, id__gt=last_id) | Q(due_date__isnull=True)
        last_id = int(cursor)
    except ValueError:
        return Q()
    return Q(id__gt=last_id) if sort == "old" else Q(id__lt=last_id)


def cases_for_inbox(
    *,
    municipality: Municipality,
    user: User,
    filters: InboxFilters,
    cursor: str = "",
    limit: int | None = None,
) -> InboxPage:
    """One page of the inbox, keyset-paged (no OFFSET), in one query after the membership.

    Sorting by id stands for sorting by receipt (ids grow with time); ``due`` sorts by due date
    with cases without one last.
    """
    limit = limit or PAGE_SIZE
    qs = cases_visible(municipality=municipality, user=user)
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.state in CaseState.values:
        qs = qs.filter(state=filters.state)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.overdue:
        qs = qs.filter(due_date__lt=timezone.localdate(), state__in=OPEN_STATES)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(reference__istartswith=q) | Q(applicant_name__icontains=q))
    sort = filters.sort if filters.sort in SORTS else "new"
    if cursor:
        qs = qs.filter(_cursor_filter(sort, cursor))
    if sort == "due":
        qs = qs.order_by(F("due_date").asc(nulls_last=True), "id")
    elif sort == "old":
        qs = qs.order_by("id")
    else:
        qs = qs.order_by("-id")
    rows = list(
        qs.select_related("service", "assignee").only(
            "id",
            "reference",
            "applicant_name",
            "state",
            "channel",
            "due_date",
            "created_at",
            "version",
            "outcome",
            "service__name",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__email",
        )[: limit + 1]
    )
    next_cursor = ""
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if sort == "due":
            next_cursor = f"{last.due_date.isoformat() if last.due_date else '-'}_{last.pk}"
        else:
            next_cursor = str(last.pk)
    return InboxPage(cases=rows, next_cursor=next_cursor)


def case_history(*, case: Case, public_only: bool = False) -> QuerySet[CaseEvent]:
    from .events import PUBLIC_KINDS

    qs = CaseEvent.objects.filter(case=case).order_by("seq")
    if public_only:
        qs = qs.filter(kind__in=PUBLIC_KINDS)
    return qs


def cases_of_applicant(*, municipality: Municipality, user: User) -> QuerySet[Case]:
    return Case.objects.of(municipality).filter(applicant=user).select_related("service")


def team_members(*, case: Case) -> QuerySet[User]:
    """Staff who may be assigned the case: members of teams handling its service."""
    return (
        User.objects.filter(
            kind=User.Kind.STAFF,
            teams__municipality_id=case.municipality_id,
            teams__services=case.service_id,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )

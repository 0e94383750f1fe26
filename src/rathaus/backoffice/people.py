"""Staff and teams of a municipality, as its municipal admins manage them
(``/verwaltung/mitarbeitende/`` and ``/verwaltung/teams/``).

- **Invite**: a new address gets a staff account without a password and an invitation e-mail
  (``accounts.invitations``); an existing staff account (someone at the IT service provider who
  works for several municipalities, say) gets a membership here and a notice. A citizen's
  account is never turned into staff: staff use their work address.
- **Change** role, name and teams; **reset the second factor** (the person enrols again at the
  next login where the role requires it); **resend** a pending invitation.
- **Remove** from this municipality: the membership and its team places go, the person's open
  cases go back to their teams' queues, and an account left without any membership is
  deactivated. The staff gate refuses the person at the next request (the access stamp).
- A municipality always keeps at least one municipal admin, and admins do not change or remove
  themselves here (no one locks themselves out by accident).

Every write is logged on ``rathaus.staff`` with who did what.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp import device_classes, devices_for_user

from rathaus.accounts import invitations
from rathaus.accounts.models import StaffMembership, StaffRole, User
from rathaus.accounts.services import UrlFor, normalize_email
from rathaus.cases.models import OPEN_STATES, Case, Team
from rathaus.cases.services import cases_release_assignee
from rathaus.catalog.models import Service
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality
from rathaus.core.tenancy import portal_path, portal_url

log = logging.getLogger("rathaus.staff")

# --- reading ------------------------------------------------------------------------------------


def staff_of(municipality: Municipality) -> QuerySet[StaffMembership]:
    """The municipality's staff with their teams here, in name order (a fixed number of queries
    whatever the number of people)."""
    return (
        StaffMembership.objects.filter(municipality=municipality)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__teams",
                queryset=Team.objects.of(municipality).order_by("name"),
                to_attr="teams_here",
            )
        )
        .annotate(
            open_cases=Count(
                "user__assigned_cases",
                filter=Q(user__assigned_cases__municipality=municipality)
                & Q(user__assigned_cases__state__in=OPEN_STATES),
            )
        )
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def staff_member(municipality: Municipality, pk: int) -> StaffMembership | None:
    return staff_of(municipality).filter(pk=pk).first()


def confirmed_second_factor(user_ids: Iterable[int]) -> set[int]:
    """The ids among ``user_ids`` with a confirmed second factor (one query per device kind)."""
    ids = list(user_ids)
    found: set[int] = set()
    for model in device_classes():
        found.update(
            model.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True)
        )
    return found


def teams_of(municipality: Municipality) -> QuerySet[Team]:
    """The municipality's teams with services, members and the number of open cases."""
    teams = Team.objects.of(municipality)
    return cast(
        "QuerySet[Team]",
        teams.prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("members", queryset=User.objects.order_by("last_name", "first_name")),
        )
        .annotate(open_cases=Count("cases", filter=Q(cases__state__in=OPEN_STATES)))
        .order_by("name"),
    )


# --- staff --------------------------------------------------------------------------------------


def _locked(membership: StaffMembership) -> StaffMembership:
    """``membership`` re-read with its row locked, after the rows of the municipality's admins
    (always in this order, in primary-key order): two admins demoting or removing each other at
    the same moment cannot both pass :func:`_ensure_an_admin_remains`, nor deadlock."""
    admins = StaffMembership.objects.select_for_update().filter(
        municipality_id=membership.municipality_id, role=StaffRole.ADMIN
    )
    list(admins.order_by("pk").values_list("pk", flat=True))
    return StaffMembership.objects.select_for_update().get(pk=membership.pk)


def _ensure_an_admin_remains(membership: StaffMembership) -> None:
    """Refuse to take the admin role from ``membership`` when it is the municipality's last
    admin (call with the rows locked by :func:`_locked`)."""
    if membership.role != StaffRole.ADMIN:
        return
    others = StaffMembership.objects.filter(
        municipality_id=membership.municipality_id, role=StaffRole.ADMIN
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            _(
                "Die Verwaltung braucht mindestens eine Person mit der Rolle „Kommunale "
                "Administration“. Geben Sie die Rolle zuerst einer anderen Person."
            ),
        )


def _ensure_not_self(membership: StaffMembership, actor: User, message: str) -> None:
    if membership.user_id == actor.pk:
        raise RathausError(ErrorCode.PERMISSION_DENIED, message)


def _set_teams(municipality: Municipality, user: User, teams: Iterable[Team]) -> None:
    """Exactly ``teams`` of this municipality for ``user``; teams elsewhere stay as they are."""
    wanted = {team.pk for team in teams if team.municipality_id == municipality.pk}
    through = Team.members.through
    here = through.objects.filter(team__municipality=municipality, user=user)
    here.exclude(team_id__in=wanted).delete()
    have = set(here.values_list("team_id", flat=True))
    through.objects.bulk_create([through(team_id=pk, user=user) for pk in wanted - have])


def staff_invite(
    *,
    municipality: Municipality,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    teams: Iterable[Team],
    actor: User | None,
    url_for: UrlFor,
) -> StaffMembership:
    """Give ``email`` access to this back office (see the module docstring). ``actor`` is the
    inviting admin; None for the platform operator's command (``rathaus municipality_add``)."""
    email = normalize_email(email)
    role = StaffRole(role)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=email).first()
        new_account = user is None
        if user is None:
            user = User.objects.create_user(
                email,
                None,  # unusable until the invited person chooses one
                kind=User.Kind.STAFF,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
        elif not user.is_staff:
            raise RathausError(
                ErrorCode.ACCOUNT_EMAIL_TAKEN,
                _(
                    "Zu dieser Adresse gibt es ein Konto im Serviceportal. Mitarbeitende "
                    "verwenden bitte ihre dienstliche E-Mail-Adresse."
                ),
            )
        elif StaffMembership.objects.filter(user=user, municipality=municipality).exists():
            raise RathausError(
                ErrorCode.INVALID_INPUT,
                _("Diese Person gehört bereits zur Verwaltung. Sie finden sie in der Liste."),
            )
        elif not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        membership = StaffMembership.objects.create(user=user, municipality=municipality, role=role)
        _set_teams(municipality, user, teams)
        if invitations.is_pending(user):
            invitations.invitation_send(
                user=user, municipality=municipality, invited_by=actor, url_for=url_for
            )
        else:
            invitations.access_granted_send(
                user=user, municipality=municipality, invited_by=actor, url_for=url_for
            )
    log.info(
        "staff invited: %s to %s as %s by %s (new account: %s)",
        user.email,
        municipality.slug,
        role,
        actor.email if actor else "platform operator",
        new_account,
    )
    return membership


def staff_update(
    *,
    membership: StaffMembership,
    first_name: str,
    last_name: str,
    role: str,
    teams: Iterable[Team],
    actor: User,
) -> StaffMembership:
    role = StaffRole(role)
    municipality = membership.municipality
    with transaction.atomic():
        membership = _locked(membership)
        if role != membership.role:
            _ensure_not_self(
                membership, actor, _("Ihre eigene Rolle kann nur eine andere Person ändern.")
            )
            _ensure_an_admin_remains(membership)
            membership.role = role
            membership.save(update_fields=["role"])
        user = membership.user
        user.first_name, user.last_name = first_name.strip(), last_name.strip()
        user.save(update_fields=["first_name", "last_name"])
        _set_teams(municipality, user, teams)
    log.info(
        "staff changed: %s in %s, role %s, by %s",
        user.email,
        municipality.slug,
        role,
        actor.email,
    )
    return membership


def staff_remove(*, membership: StaffMembership, actor: User) -> int:
    """Take the person out of this municipality's back office (see the module docstring).
    Returns the number of open cases that went back to their teams."""
    municipality = membership.municipality
    user = membership.user
    _ensure_not_self(
        membership, actor, _("Sie können sich nicht selbst aus der Verwaltung entfernen.")
    )
    with transaction.atomic():
        membership = _locked(membership)
        _ensure_an_admin_remains(membership)
        membership.delete()
        _set_teams(municipality, user, [])
        deactivated = False
        if not user.is_platform_operator and not StaffMembership.objects.filter(user=user).exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
            deactivated = True
    # Outside the removal's transaction: one short transaction per case (row locks in case order).
    released = cases_release_assignee(municipality=municipality, user=user, actor=actor)
    log.info(
        "staff removed: %s from %s by %s (%d open cases released, deactivated: %s)",
        user.email,
        municipality.slug,
        actor.email,
        released,
        deactivated,
    )
    return released


def staff_second_factor_reset(*, membership: StaffMembership, actor: User) -> int:
    """Delete the person's second-factor devices (a lost or replaced phone). Where the role
    requires 2FA, the next login leads to enrolment. Returns the number of devices removed."""
    _ensure_not_self(
        membership,
        actor,
        _("Ihre eigene Zwei-Faktor-Anmeldung kann nur eine andere Person zurücksetzen."),
    )
    user = membership.user
    removed = 0
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()  # the signal bumps the access stamp: open sessions re-check
            removed += 1
    log.warning(
        "staff second factor reset: %s in %s by %s (%d devices)",
        user.email,
        membership.municipality.slug,
        actor.email,
        removed,
    )
    return removed


def staff_invitation_resend(*, membership: StaffMembership, actor: User, url_for: UrlFor) -> None:
    user = membership.user
    if not invitations.is_pending(user):
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            _("Diese Person hat ihr Passwort schon gewählt; eine Einladung ist nicht mehr nötig."),
        )
    invitations.invitation_send(
        user=user, municipality=membership.municipality, invited_by=actor, url_for=url_for
    )
    log.info("staff invitation resent: %s by %s", user.email, actor.email)


def platform_url_for(municipality: Municipality) -> UrlFor:
    """Absolute URLs in ``municipality``'s portal without a request: for commands."""

    def build(name: str, **kwargs: Any) -> str:
        return portal_url(municipality=municipality, path=portal_path(name, **kwargs))

    return build


# --- teams --------------------------------------------------------------------------------------


def _unique_key(municipality: Municipality, wanted: str, *, name: str) -> str:
    base = slugify(wanted or name)[:70] or "team"
    taken = set(
        Team.objects.of(municipality).filter(key__startswith=base).values_list("key", flat=True)
    )
    if wanted and slugify(wanted) in taken:
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            _("Diesen Schlüssel hat schon ein anderes Team."),
            field="key",
        )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def team_create(
    *,
    municipality: Municipality,
    name: str,
    key: str,
    services: Iterable[Service],
    members: Iterable[User],
    actor: User,
) -> Team:
    with transaction.atomic():
        team = Team.objects.create(
            municipality=municipality,
            name=name.strip(),
            key=_unique_key(municipality, key.strip(), name=name),
        )
        team.services.set(list(services))
        team.members.set(list(members))
    log.info("team created: %s in %s by %s", team.key, municipality.slug, actor.email)
    return team


def team_update(
    *,
    team: Team,
    name: str,
    services: Iterable[Service],
    members: Iterable[User],
    actor: User,
) -> Team:
    with transaction.atomic():
        team.name = name.strip()
        team.save(update_fields=["name"])
        team.services.set(list(services))
        team.members.set(list(members))
    log.info("team changed: %s in %s by %s", team.key, team.municipality_id, actor.email)
    return team


def team_delete(*, team: Team, actor: User) -> None:
    """Delete the team. Its cases keep their history and stay visible to the teams that handle
    their service; a service definition naming this team's key creates it again, empty, on the
    next application (``cases.services.team_for_service``)."""
    with transaction.atomic():
        Case.objects.filter(team=team).update(team=None)
        key = team.key
        team.delete()
    log.info("team deleted: %s by %s", key, actor.email)

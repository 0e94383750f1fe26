"""What the staff gate knows about a user, answered without a query on most requests.

Every back-office request asks the same questions: is this person staff here, in which role,
are they a municipal admin anywhere (then a second factor is required), do they have a confirmed
OTP device? The answers are :class:`StaffAccess` facts, computed in two queries (all
memberships at once, plus django-otp's device check) and kept in the session together with the
**access stamp** they were computed at: ``User.access_version``, which every change to the
user's memberships or OTP devices bumps (``accounts.signals``, and the bulk writes of
``StaffMembershipQuerySet``). The user row is read fresh on every request anyway
(``AuthenticationMiddleware``), so a stamp that differs from the session's means "recompute";
a change of rights takes effect on the very next request in every worker process — no
process-local cache, nothing to invalidate across processes.

Why this is safe: the stamp is read (with the user row) *before* the facts are computed, and a
change bumps the stamp *after* writing its rows (in the same transaction where there is one). So
facts stored under a stamp are never older than the stamp says; a concurrent change at worst
makes the next request recompute once more. ``User.save()`` never writes the stamp back.

Outside the gate (services called with some other user, the login views) the facts are loaded
on first use and kept on the user object for the rest of the request, as the membership cache
did before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest
from django_otp import user_has_device

from rathaus.core.models import Municipality

from .models import StaffMembership, StaffRole, User

#: Session key of the cached facts (JSON: user id, stamp, memberships, device flag).
SESSION_KEY = "_rathaus_staff_access"
#: Attribute on the user object that holds the facts for the current request.
_ATTR = "_rathaus_staff_access"


@dataclass
class StaffAccess:
    """A user's staff memberships (municipality id → (membership id, role)) and, where known,
    whether they have a confirmed OTP device (None: not looked up)."""

    memberships: dict[int, tuple[int, str]]
    confirmed_device: bool | None = None
    _instances: dict[int, StaffMembership] = field(default_factory=dict, repr=False)

    @property
    def admin_anywhere(self) -> bool:
        return any(role == StaffRole.ADMIN for _pk, role in self.memberships.values())

    def membership(self, user: User, municipality: Municipality) -> StaffMembership | None:
        """The membership row as a model instance with all its fields (id, user, municipality,
        role — as of the stamp), built without a query; the same instance on every call."""
        found = self.memberships.get(municipality.pk)
        if found is None:
            return None
        instance = self._instances.get(municipality.pk)
        if instance is None:
            pk, role = found
            values = {
                "id": pk,
                "user_id": user.pk,
                "municipality_id": municipality.pk,
                "role": role,
            }
            instance = StaffMembership.from_db(
                DEFAULT_DB_ALIAS,
                [f.attname for f in StaffMembership._meta.concrete_fields],
                [values[f.attname] for f in StaffMembership._meta.concrete_fields],
            )
            instance.user = user
            instance.municipality = municipality
            self._instances[municipality.pk] = instance
        return instance

    def to_session(self, user: User) -> dict[str, Any]:
        return {
            "user": user.pk,
            "stamp": user.access_version,
            "memberships": [[m, pk, role] for m, (pk, role) in self.memberships.items()],
            "device": self.confirmed_device,
        }

    @classmethod
    def from_session(cls, data: object, user: User) -> StaffAccess | None:
        """The facts stored for this user at this stamp, or None (missing, stale, malformed)."""
        if not isinstance(data, dict):
            return None
        user_id, stamp = data.get("user"), data.get("stamp")
        if type(user_id) is not int or user_id != user.pk:
            return None
        if type(stamp) is not int or stamp != user.access_version:
            return None
        device = data.get("device")
        rows = data.get("memberships")
        if not isinstance(device, bool) or not isinstance(rows, list):
            return None
        try:
            memberships = {int(m): (int(pk), str(role)) for m, pk, role in rows}
        except (TypeError, ValueError):
            return None
        if not all(role in StaffRole.values for _pk, role in memberships.values()):
            return None
        return cls(memberships=memberships, confirmed_device=device)


def _load_memberships(user: User) -> dict[int, tuple[int, str]]:
    # All municipalities at once: "member here" and "admin anywhere" from the same query. Not
    # tenant-scoped on purpose: these are one person's memberships across tenants.
    rows = StaffMembership.objects.filter(user_id=user.pk).values_list(
        "municipality_id", "pk", "role"
    )
    return {municipality_id: (pk, role) for municipality_id, pk, role in rows}


def attached(user: User | AnonymousUser) -> StaffAccess | None:
    """The facts already known for this request, if any (no query)."""
    return getattr(user, _ATTR, None)


def staff_access(user: User) -> StaffAccess:
    """The user's facts for this request: the session's (attached by the gate) or loaded now
    with one query (memberships only; the device flag stays unknown)."""
    facts = attached(user)
    if facts is None:
        facts = StaffAccess(memberships=_load_memberships(user))
        setattr(user, _ATTR, facts)
    return facts


def staff_access_for_request(request: HttpRequest) -> StaffAccess:
    """The logged-in staff user's facts: from the session when they were stored at the user's
    current access stamp, otherwise computed (memberships and device) and stored again."""
    user = cast(User, request.user)  # the gate has checked: logged in, staff
    facts = StaffAccess.from_session(request.session.get(SESSION_KEY), user)
    if facts is None:
        # The stamp was read with the user row, before these queries (see the module docstring).
        facts = StaffAccess(
            memberships=_load_memberships(user),
            confirmed_device=user_has_device(user, confirmed=True),
        )
        request.session[SESSION_KEY] = facts.to_session(user)
    setattr(user, _ATTR, facts)
    return facts


def forget(user: object) -> None:
    """Drop the facts attached to this user object (its memberships or devices just changed in
    this process; the stamp takes care of every other request)."""
    if user is not None and hasattr(user, _ATTR):
        delattr(user, _ATTR)


def forget_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)

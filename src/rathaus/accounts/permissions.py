"""Who may do what in the back office. One place to ask, used by views, API and services."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from rathaus.core.models import Municipality

from .access import staff_access
from .models import StaffMembership, StaffRole, User


def membership(
    user: User | AnonymousUser, municipality: Municipality | None
) -> StaffMembership | None:
    """The staff membership of ``user`` in ``municipality``; None for citizens and outsiders.

    Answered from the user's access facts (``accounts.access``): behind the staff gate without a
    query, elsewhere with one query for all of the user's memberships, kept for the request."""
    if municipality is None or not user.is_authenticated or not user.is_staff:
        return None
    return staff_access(user).membership(user, municipality)


def is_staff_of(user: User | AnonymousUser, municipality: Municipality | None) -> bool:
    return membership(user, municipality) is not None


def is_municipal_admin(user: User | AnonymousUser, municipality: Municipality | None) -> bool:
    found = membership(user, municipality)
    return found is not None and found.role == StaffRole.ADMIN

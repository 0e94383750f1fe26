"""Access to the back office: the accounts app's staff gate (staff login, 2FA where required,
404 for other municipalities' staff), plus ``request.membership`` that the case views use for
team visibility and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from rathaus.accounts.decorators import staff_gate
from rathaus.accounts.models import StaffMembership, StaffRole, User
from rathaus.accounts.permissions import membership
from rathaus.core.models import Municipality


class StaffRequest(HttpRequest):
    """For type checkers only: the request a view behind :func:`staff_member_required` gets.

    The staff gate guarantees a municipality and a logged-in staff user; the decorator sets
    ``membership``."""

    user: User
    municipality: Municipality
    membership: StaffMembership


def staff_member_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = staff_gate(request)
        if refusal is not None:
            return refusal
        # The gate has passed: a municipality is set and the user is logged-in staff.
        staff_request = cast(StaffRequest, request)
        municipality = staff_request.municipality
        # From the access facts the gate has just loaded: no query. The instance carries every
        # field of the row (id, user, municipality, role) as of the user's access stamp.
        found = membership(staff_request.user, municipality)
        if found is None:
            if not getattr(staff_request.user, "is_platform_operator", False):
                raise Http404
            # Platform operators act as administrators in every municipality (not stored).
            found = StaffMembership(
                user=staff_request.user, municipality=municipality, role=StaffRole.ADMIN
            )
        staff_request.membership = found
        return view(request, *args, **kwargs)

    return wrapper


def admin_member_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """:func:`staff_member_required`, and the role of municipal admin (403 for other staff)."""

    @staff_member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if cast(StaffRequest, request).membership.role != StaffRole.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

"""Access to the back office: the accounts app's staff gate (staff login, 2FA where required,
404 for other municipalities' staff), plus ``request.membership`` that the case views use for
team visibility and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from rathaus.accounts.decorators import staff_gate
from rathaus.accounts.models import StaffMembership, StaffRole
from rathaus.accounts.permissions import membership


def staff_member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = staff_gate(request)
        if refusal is not None:
            return refusal
        municipality = request.municipality  # type: ignore[attr-defined]
        found = membership(request.user, municipality)
        if found is None:
            if not getattr(request.user, "is_platform_operator", False):
                raise Http404
            # Platform operators act as administrators in every municipality (not stored).
            found = StaffMembership(
                user=request.user, municipality=municipality, role=StaffRole.ADMIN
            )
        request.membership = found  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper

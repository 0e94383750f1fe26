"""``staff_required``: the way into every back-office view.

    from rathaus.accounts.decorators import staff_required

    @staff_required()                       # any staff role in this municipality
    def inbox(request): ...

    @staff_required(role=StaffRole.ADMIN)   # at least this role (clerk < team lead < admin)
    def settings_page(request): ...

What it guarantees, in this order:

1. A municipality is resolved for the request (otherwise 404).
2. Anonymous visitors are redirected to the staff login (``staffauth:login``) with ``next``.
3. Citizens get a 403 page that points to the staff login; they never see staff pages.
4. Staff of *other* municipalities only get a 404 — a back office never reveals that another
   tenant exists or that the person works there.
5. A second factor: whoever has a confirmed device must have used it in this session; municipal
   admins and platform operators without a device are sent to enrolment first.
6. The role: 403 with a clear page if it is lower than ``role``.

Platform operators pass as municipal admins in every municipality. ``request.staff_role`` is set
to the effective role for the view.

Checks 4–6 need no query on most requests: they are answered from the access facts cached in the
session, valid while the user's access stamp is unchanged (``accounts.access``); any change of a
membership or a device takes effect on the next request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .access import staff_access_for_request
from .models import StaffRole
from .staff import (
    effective_role,
    has_role,
    has_second_factor,
    is_verified,
    may_use_back_office,
    second_factor_required,
)

View = Callable[..., HttpResponse]


def staff_forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/staff/forbidden.html", {"message": message}, status=403)


def staff_gate(request: HttpRequest, role: str | None = None) -> HttpResponse | None:
    """The checks of :func:`staff_required` as a function: None means "go ahead"."""
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        raise Http404(_("Diese Seite gibt es nur im Portal einer Kommune."))
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("staffauth:login"))
    if not user.is_staff:
        return staff_forbidden(
            request,
            _(
                "Sie sind mit einem Bürgerkonto angemeldet. Die Verwaltung ist nur für "
                "Mitarbeitende; bitte melden Sie sich dort mit Ihrem Dienstkonto an."
            ),
        )
    staff_access_for_request(request)  # memberships and device, for the checks below
    if not may_use_back_office(user, municipality):
        raise Http404
    if has_second_factor(user):
        if not is_verified(request):
            return redirect_to_login(request.get_full_path(), reverse("staffauth:verify"))
    elif second_factor_required(user):
        return redirect_to_login(request.get_full_path(), reverse("staffauth:enrol"))
    if not has_role(user, municipality, role):
        return staff_forbidden(
            request,
            _("Für diese Seite brauchen Sie die Rolle „%(role)s“.")
            % {"role": StaffRole(role).label if role else ""},
        )
    request.staff_role = effective_role(user, municipality)  # type: ignore[attr-defined]
    return None


@overload
def staff_required(view: View) -> View: ...
@overload
def staff_required(view: None = None, *, role: str | None = None) -> Callable[[View], View]: ...


def staff_required(
    view: View | None = None, *, role: str | None = None
) -> View | Callable[[View], View]:
    """Decorator for back-office views; usable as ``@staff_required`` or
    ``@staff_required(role=StaffRole.TEAM_LEAD)``. See the module docstring."""
    if role is not None:
        StaffRole(role)  # fail at import time for a typo

    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = staff_gate(request, role)
            if refusal is not None:
                return refusal
            return func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate


def citizen_required(view: View) -> View:
    """Logged-in citizens only; staff get a 403 page pointing to the back office."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        if not request.user.is_citizen:
            return staff_forbidden(
                request,
                _("Diese Seite ist für Bürgerkonten. Mitarbeitende nutzen die Verwaltung."),
            )
        return view(request, *args, **kwargs)

    return wrapper


__all__ = ["citizen_required", "staff_gate", "staff_required"]

"""Access to the back office until the accounts team's ``staff_required`` (login with 2FA)
lands; swap the decorator then, the views only rely on ``request.membership``.

Staff must be ``User.Kind.STAFF`` with a membership in ``request.municipality``; anybody else
(also staff of other municipalities) gets a 404, so the back office of one municipality does not
even reveal that a case id exists. Anonymous users are sent to the login.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from rathaus.accounts.permissions import membership


def staff_member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        municipality = getattr(request, "municipality", None)
        if municipality is None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        found = membership(request.user, municipality)
        if found is None:
            raise Http404
        request.membership = found  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper

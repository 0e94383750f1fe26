"""The dead-letter page: undelivered messages of the admin's municipality, with replay.

Mounted by the project under ``/verwaltung/zustellungen/``::

    path("verwaltung/zustellungen/", include("rathaus.integrations.urls")),
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rathaus.accounts.permissions import is_municipal_admin, is_staff_of
from rathaus.core.errors import RathausError

from .outbox import outbox_replay
from .selectors import outbox_message_get, outbox_undelivered

PAGE_SIZE = 50


def municipal_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login for strangers, 404 for anyone who is not staff of this municipality (the page
    does not exist for them), 403 for its staff without the admin role."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        municipality = getattr(request, "municipality", None)
        if municipality is None:
            raise Http404(_("Diese Seite gibt es nur im Portal einer Kommune."))
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_of(request.user, municipality):
            raise Http404
        if not is_municipal_admin(request.user, municipality):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@municipal_admin_required
def deliveries(request: HttpRequest) -> HttpResponse:
    queryset = outbox_undelivered(municipality=request.municipality)  # type: ignore[attr-defined]
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "integrations/deliveries.html", {"page": page})


@require_POST
@municipal_admin_required
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    message = outbox_message_get(municipality=request.municipality, pk=pk)  # type: ignore[attr-defined]
    if message is None:
        raise Http404
    try:
        outbox_replay(message=message, actor=request.user)  # type: ignore[arg-type]
    except RathausError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Nachricht %(id)s wird erneut zugestellt.") % {"id": message.pk}
        )
    return redirect("integrations:deliveries")

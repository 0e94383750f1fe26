"""View decorators for tenancy."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _


def municipality_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """404 on the platform's own host for views that only make sense inside a municipality."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "municipality", None) is None:
            raise Http404(_("Diese Seite gibt es nur im Portal einer Kommune."))
        return view(request, *args, **kwargs)

    return wrapper

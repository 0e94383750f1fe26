"""Request tenancy: sets ``request.municipality`` (or None on the platform's own pages)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, QueryDict
from django.template.loader import render_to_string
from django.urls import get_script_prefix, set_script_prefix

from .tenancy import municipality_by_host, municipality_by_slug

PREFIX_RE = re.compile(r"^/m/(?P<slug>[a-z0-9-]+)(?P<rest>/.*)?$")


class MunicipalityMiddleware:
    """Resolve the municipality from host or ``/m/<slug>/`` prefix.

    For the path prefix, the prefix is moved from ``path_info`` into the script prefix, so URL
    patterns never mention it and ``reverse()`` keeps producing prefixed URLs for this request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.municipality = None  # type: ignore[attr-defined]
        request.tenant_prefix = ""  # type: ignore[attr-defined]
        old_prefix = get_script_prefix()
        match = PREFIX_RE.match(request.path_info)
        if match:
            municipality = municipality_by_slug(match["slug"])
            if municipality is None:
                return HttpResponseNotFound(
                    render_to_string("errors/404.html", {"request": request}, request=request)
                )
            prefix = f"/m/{match['slug']}"
            request.path_info = match["rest"] or "/"
            request.META["SCRIPT_NAME"] = request.META.get("SCRIPT_NAME", "") + prefix
            request.tenant_prefix = prefix  # type: ignore[attr-defined]
            set_script_prefix(old_prefix.rstrip("/") + prefix + "/")
        else:
            municipality = municipality_by_host(request.get_host().rsplit(":", 1)[0])
        request.municipality = municipality  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(old_prefix)


class RequestSizeLimitMiddleware:
    """Refuse oversized request bodies before anything reads them, with a page that explains it.

    Django streams uploads to temporary files without an overall limit; this caps a whole
    request at ``RATHAUS_MAX_REQUEST_BYTES``. The form a user came from keeps everything saved
    before (drafts are saved at every step).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.shortcuts import render

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.RATHAUS_MAX_REQUEST_BYTES
        if length > limit:
            from django.utils.http import url_has_allowed_host_and_scheme

            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
                back = ""
            response = render(
                request,
                "errors/413.html",
                {"limit_mb": limit // (1024 * 1024), "back": back},
                status=413,
            )
            response["Connection"] = "close"
            return response
        return self.get_response(request)


def _without_nul(values: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, items in values.lists():
        cleaned.setlist(key.replace("\x00", ""), [item.replace("\x00", "") for item in items])
    cleaned._mutable = False
    return cleaned


class NullCharacterMiddleware:
    """Remove NUL characters (0x00) from query strings and ordinary form posts.

    Nobody types them; they come from scanners and broken clients, and PostgreSQL cannot store or
    compare text containing them (a search for "%00" would be a server error). Multipart forms
    are left alone: their text fields go through Django forms, which refuse NUL with a message,
    and files may contain any byte."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            request.GET = _without_nul(request.GET)  # type: ignore[assignment]
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and b"%00" in request.body
        ):
            request.POST = _without_nul(request.POST)  # type: ignore[assignment]
        return self.get_response(request)

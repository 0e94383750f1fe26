"""Views that belong to no domain: health check, per-municipality theme, error pages."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .theme import theme_css_for


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (and the worker has been seen recently), 503 otherwise."""
    checks: dict[str, dict[str, object]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "not healthy", reported, not raised
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    from rathaus.core.health import extra_checks

    checks.update(extra_checks())
    ok = all(bool(c.get("ok")) for c in checks.values() if c.get("required", True))
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503
    )


@require_safe
@cache_control(public=True, max_age=300)
def theme_css(request: HttpRequest) -> HttpResponse:
    """The municipality's colours as CSS custom properties over KERN (no inline styles: CSP)."""
    css = theme_css_for(getattr(request, "municipality", None))
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = '"' + hashlib.sha256(css.encode()).hexdigest()[:16] + '"'
    return response


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, "errors/500.html", 500)

"""Citizen-facing pages that are not an application: start page, catalogue, legal pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from rathaus.catalog.definition import load_definition
from rathaus.catalog.models import Service
from rathaus.catalog.selectors import service_public, services_public
from rathaus.core.decorators import municipality_required
from rathaus.core.fragments import fragment_cached
from rathaus.core.models import Municipality, Office
from rathaus.core.svg import sanitize_svg


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    if municipality is None:
        municipalities = Municipality.objects.filter(is_active=True).order_by("name")
        return render(request, "portal/platform_home.html", {"municipalities": municipalities})
    services = list(services_public(municipality=municipality)[:6])
    offices = Office.objects.filter(municipality=municipality).order_by("name")
    return render(
        request,
        "portal/home.html",
        {"services": services, "cards": service_cards(services), "offices": offices},
    )


@require_safe
@municipality_required
def catalog(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    services = list(services_public(municipality=request.municipality, query=query))  # type: ignore[attr-defined]
    return render(
        request,
        "portal/catalog.html",
        {"services": services, "cards": service_cards(services), "query": query},
    )


def service_cards(services: list[Service]) -> SafeString:
    """The service cards of the catalogue and the start page, cached under what they show (and
    the URL prefix of their links): rendering them was more than half of the catalogue's time."""
    shown = [(s.key, s.name, s.summary, s.category) for s in services]
    return fragment_cached(
        "portal:service-cards",
        (reverse("portal:catalog"), shown),
        lambda: render_to_string("portal/_service_cards.html", {"services": services}),
    )


@require_safe
@municipality_required
def service_detail(request: HttpRequest, key: str) -> HttpResponse:
    service = service_public(municipality=request.municipality, key=key)  # type: ignore[attr-defined]
    if service is None or service.current_version is None:
        raise Http404
    definition = load_definition(service.current_version)
    return render(
        request, "portal/service_detail.html", {"service": service, "definition": definition}
    )


@require_safe
@municipality_required
@cache_control(public=True, max_age=3600)
def logo(request: HttpRequest) -> HttpResponse:
    svg = request.municipality.logo  # type: ignore[attr-defined]
    if not svg:
        raise Http404
    response = HttpResponse(sanitize_svg(svg), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
@municipality_required
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/imprint.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")

"""Reads of the service catalogue. Every function takes the municipality explicitly."""

from __future__ import annotations

from django.db.models import QuerySet

from rathaus.core.models import Municipality

from .models import Service, ServiceDefinitionVersion


def services_public(*, municipality: Municipality, query: str = "") -> QuerySet[Service]:
    """Enabled services of one municipality, optionally filtered by a search text.

    Every word of the query must occur in name, summary, category or LeiKa key (case-insensitive).
    One query, whatever the number of services.
    """
    services = Service.objects.of(municipality).filter(enabled=True, current_version__isnull=False)
    for word in query.split()[:8]:
        services = services.filter(search_text__icontains=word.casefold())
    return services.order_by("category", "name")


def service_public(*, municipality: Municipality, key: str) -> Service | None:
    return (
        Service.objects.of(municipality)
        .filter(enabled=True, key=key, current_version__isnull=False)
        .select_related("current_version")
        # The YAML source is never shown here, and the checked definition is read only when
        # this process has not compiled that version yet (``load_definition`` caches by id and
        # checksum): a deferred field costs one query then, and nothing afterwards.
        .defer("current_version__source", "current_version__data")
        .first()
    )


def services_for_admin(*, municipality: Municipality) -> QuerySet[Service]:
    return Service.objects.of(municipality).select_related("current_version").order_by("name")


def service_for_admin(*, municipality: Municipality, pk: int) -> Service | None:
    return Service.objects.of(municipality).filter(pk=pk).select_related("current_version").first()


def service_versions(*, service: Service) -> QuerySet[ServiceDefinitionVersion]:
    return service.versions.select_related("created_by").order_by("-number")


def service_search_text(*parts: str) -> str:
    return " ".join(p.casefold() for p in parts if p)


__all__ = [
    "service_for_admin",
    "service_public",
    "service_search_text",
    "service_versions",
    "services_for_admin",
    "services_public",
]

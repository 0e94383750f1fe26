"""Writes to the service catalogue: publishing definitions, switching services on and off,
changing fees and texts, import and export between municipalities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from rathaus.accounts.models import User
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality

from .definition import (
    DefinitionError,
    ServiceDefinition,
    checksum,
    dump_definition,
    parse_definition,
)
from .models import Service, ServiceDefinitionVersion
from .plugins import validate_plugins
from .selectors import service_search_text


def _denormalise(service: Service, definition: ServiceDefinition) -> None:
    service.name = definition.name.get("de", "")
    service.summary = definition.summary.get("de", "")
    service.leika = definition.leika or ""
    service.category = definition.category.get("de", "") if definition.category else ""
    service.trust_level = definition.trust_level_value
    service.allow_anonymous = definition.allow_anonymous
    service.search_text = service_search_text(
        *definition.name.values(),
        *definition.summary.values(),
        *(definition.category.values() if definition.category else []),
        definition.leika or "",
        definition.key,
    )


def service_definition_publish(
    *,
    municipality: Municipality,
    source: str,
    actor: User | None = None,
    note: str = "",
    enable: bool | None = None,
) -> ServiceDefinitionVersion:
    """Validate a definition file and store it as the next version of the municipality's service
    with that key (creating the service on first publication, switched off).

    Raises :class:`DefinitionError` with line-accurate problems; nothing is stored then. An
    unchanged file creates no new version.
    """
    definition = parse_definition(source)
    validate_plugins(definition)
    digest = checksum(source)
    with transaction.atomic():
        service = (
            Service.objects.of(municipality).select_for_update().filter(key=definition.key).first()
        )
        if service is None:
            service = Service(municipality=municipality, key=definition.key, enabled=False)
            _denormalise(service, definition)
            service.save()
        current = service.current_version
        if current is not None and current.checksum == digest:
            if enable is not None and service.enabled != enable:
                service.enabled = enable
                service.save(update_fields=["enabled", "updated_at"])
            return current
        number = (current.number if current else 0) + 1
        version = ServiceDefinitionVersion.objects.create(
            service=service,
            number=number,
            source=source,
            data=definition.model_dump(mode="json", by_alias=True, exclude_none=True),
            checksum=digest,
            note=note[:300],
            created_by=actor,
        )
        service.current_version = version
        if enable is not None:
            service.enabled = enable
        _denormalise(service, definition)
        service.save()
    return version


def service_set_enabled(*, service: Service, enabled: bool) -> Service:
    if enabled and service.current_version is None:
        raise RathausError(
            ErrorCode.SERVICE_NOT_AVAILABLE, "Die Leistung hat noch keine gültige Definition."
        )
    service.enabled = enabled
    service.save(update_fields=["enabled", "updated_at"])
    return service


def service_update_settings(
    *,
    service: Service,
    actor: User | None,
    texts: dict[str, str] | None = None,
    fee_amounts: list[Decimal] | None = None,
    note: str = "",
) -> ServiceDefinitionVersion:
    """Change catalogue texts and fee amounts without touching YAML: makes a new version.

    ``texts`` maps ``name``/``summary``/``description``/``processing_time`` to the German text;
    ``fee_amounts`` gives the amount of each fee rule in order.
    """
    if service.current_version is None:
        raise RathausError(ErrorCode.SERVICE_NOT_AVAILABLE, "Die Leistung hat keine Definition.")
    data: dict[str, Any] = dict(service.current_version.data)
    for key, value in (texts or {}).items():
        if key not in {"name", "summary", "description", "processing_time"}:
            raise RathausError(ErrorCode.INVALID_INPUT, f"Unbekannter Text: {key}")
        existing = data.get(key) or {}
        merged = dict(existing) if isinstance(existing, dict) else {"de": existing}
        merged["de"] = value
        data[key] = merged
    if fee_amounts is not None:
        fee = dict(data.get("fee") or {})
        rules = [dict(r) for r in fee.get("rules") or []]
        if len(fee_amounts) != len(rules):
            raise RathausError(ErrorCode.INVALID_INPUT, "Anzahl der Gebührenbeträge passt nicht.")
        for rule, amount in zip(rules, fee_amounts, strict=True):
            if amount < 0:
                raise RathausError(ErrorCode.INVALID_INPUT, "Gebühren dürfen nicht negativ sein.")
            rule["amount"] = str(amount.quantize(Decimal("0.01")))
        fee["rules"] = rules
        data["fee"] = fee
    try:
        definition = ServiceDefinition.model_validate(data)
    except ValueError as exc:
        raise RathausError(ErrorCode.INVALID_INPUT, str(exc)) from exc
    return service_definition_publish(
        municipality=service.municipality,
        source=dump_definition(definition),
        actor=actor,
        note=note or "Texte/Gebühren geändert",
    )


def service_export(*, service: Service) -> tuple[str, str]:
    """The current definition as a file: (filename, YAML source)."""
    if service.current_version is None:
        raise RathausError(ErrorCode.SERVICE_NOT_AVAILABLE, "Die Leistung hat keine Definition.")
    version = service.current_version
    return f"{service.key}-v{version.number}.yaml", version.source


__all__ = [
    "DefinitionError",
    "service_definition_publish",
    "service_export",
    "service_set_enabled",
    "service_update_settings",
]

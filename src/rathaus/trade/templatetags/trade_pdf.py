"""Template helpers for the trade documents (receipt certificate, register information)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def trade_notification(case: Any) -> Any:
    """The canonical notification of a trade case (for the certificate), or None."""
    from ..notification import KIND_OF_SERVICE, notification_from_answers

    application = getattr(case, "application", None)
    kind = KIND_OF_SERVICE.get(case.service.key)
    if application is None or kind is None:
        return None
    return notification_from_answers(
        kind=kind, answers=application.data or {}, municipality=case.municipality
    )


@register.simple_tag
def trade_business_of(case: Any) -> Any:
    from ..models import BusinessEvent

    event = BusinessEvent.objects.filter(case=case).select_related("business").first()
    return event.business if event else None


@register.simple_tag
def trade_info(case: Any) -> dict[str, Any]:
    """The register entries an information request asks for."""
    from ..selectors import info_lookup

    application = getattr(case, "application", None)
    data = (application.data or {}).get("anfrage", {}) if application else {}
    return info_lookup(
        municipality=case.municipality,
        name=str(data.get("name") or ""),
        place=str(data.get("ort") or ""),
        extended=data.get("art") == "erweitert",
    )


@register.filter
def wz_display(code: str) -> str:
    from ..wz import display, lookup

    found = lookup(code)
    return f"{display(code)} {found.title}" if found else code


@register.filter
def legal_form_label(code: str) -> str:
    from ..codes import LEGAL_FORMS

    found = LEGAL_FORMS.get(code)
    if found:
        return found.label
    from rathaus.xgewerbe.codelists import legal_forms

    return legal_forms().get(code, code)

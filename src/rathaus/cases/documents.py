"""Generated documents of a case: the receipt (Eingangsbestätigung) and the notice (Bescheid).

Both are rendered as PDF/A from templates with the municipality's letterhead and taken into the
case file. A definition may name its own notice template (``documents[].template``), looked up as
``records/pdf/notices/<template>.html`` with the default template as fallback.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

from django.utils import timezone

from rathaus.core.models import Office
from rathaus.core.svg import sanitize_svg
from rathaus.records.pdf import pdf_render

from .models import DEFAULT_LEGAL_REMEDY, Case, CaseSettings, Outcome

TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def _document_spec(case: Case, kind: str) -> dict[str, Any]:
    application = case.application
    data = application.definition_version.data if application is not None else {}
    return next((d for d in data.get("documents", []) if d.get("kind") == kind), {})


def _title(spec: dict[str, Any], default: str) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        return title.get("de") or default
    return title or default


def _address(case: Case) -> str:
    """The postal address from the first address field of the form, if any."""
    application = case.application
    if application is None:
        return ""
    data = application.data if isinstance(application.data, dict) else {}
    for step in application.definition_version.data.get("steps", []):
        for field in step.get("fields", []):
            if field.get("type") != "address":
                continue
            value = (data.get(step.get("key")) or {}).get(field.get("key"))
            if isinstance(value, dict):
                street = value.get("street") or value.get("strasse") or ""
                city = " ".join(
                    str(v)
                    for v in (value.get("postcode") or value.get("plz"), value.get("city"))
                    if v
                )
                return ", ".join(p for p in (street, city) if p)
            if isinstance(value, str):
                return value
    return ""


def letterhead_context(case: Case, *, on: date | None = None) -> dict[str, Any]:
    """The letterhead of the case's municipality; ``on`` is the date the letter bears (today by
    default; a notice bears the date of its decision, however late the worker renders it)."""
    municipality = case.municipality
    settings = CaseSettings.objects.filter(municipality=municipality).first()
    office = settings.letterhead_office if settings and settings.letterhead_office_id else None
    office = office or Office.objects.filter(municipality=municipality).order_by("pk").first()
    logo = ""
    if municipality.logo:
        encoded = base64.b64encode(sanitize_svg(municipality.logo).encode()).decode()
        logo = f"data:image/svg+xml;base64,{encoded}"
    return {
        "case": case,
        "municipality": municipality,
        "office": office,
        "logo_data_uri": logo,
        "today": on or timezone.localdate(),
        "address": _address(case),
        "legal_remedy": (settings.legal_remedy if settings else "") or str(DEFAULT_LEGAL_REMEDY),
    }


def receipt_render(*, case: Case) -> tuple[str, bytes]:
    """Title and PDF of the receipt (Eingangsbestätigung). Runs in the background job
    (``cases.tasks.case_receipt_task``), outside any transaction: WeasyPrint takes a good part of
    a second, and no lock may be held meanwhile."""
    spec = _document_spec(case, "receipt")
    title = _title(spec, "Eingangsbestätigung")
    content = pdf_render(
        template_name="records/pdf/receipt.html",
        context={**letterhead_context(case), "title": title},
    )
    return title, content


def notice_render(
    *, case: Case, outcome: str, reasons: str, automatic: bool, on: date
) -> tuple[str, bytes]:
    """Title and PDF of the notice (Bescheid) of a decision taken ``on`` that day. Runs in the
    background job (``cases.tasks.case_notice_task``), outside any transaction, like the
    receipt."""
    spec = _document_spec(case, "notice")
    title = _title(spec, "Bescheid")
    templates = ["records/pdf/notice.html"]
    custom = spec.get("template") or ""
    if TEMPLATE_NAME.match(custom):
        templates.insert(0, f"records/pdf/notices/{custom}.html")
    content = pdf_render(
        template_name=templates,
        context={
            **letterhead_context(case, on=on),
            "title": title,
            "outcome": outcome,
            "outcome_label": Outcome(outcome).label,
            "reasons": reasons,
            "automatic": automatic,
        },
    )
    return title, content

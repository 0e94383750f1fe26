"""Public WZ search and the trade register in the back office."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from rathaus.backoffice.access import StaffRequest, staff_member_required
from rathaus.records.pdf import pdf_render

from . import codes, wz
from .models import Business, BusinessEvent
from .selectors import business_search
from .services import statistics

KIND_LABELS = dict(BusinessEvent.Kind.choices)
SECTION_TITLES = {
    "A": "Land- und Forstwirtschaft, Fischerei", "B": "Bergbau", "C": "Verarbeitendes Gewerbe",
    "D": "Energieversorgung", "E": "Wasserversorgung, Entsorgung", "F": "Baugewerbe",
    "G": "Handel, Kfz-Instandhaltung", "H": "Verkehr und Lagerei", "I": "Gastgewerbe",
    "J": "Information und Kommunikation", "K": "Finanz- und Versicherungsdienstleistungen",
    "L": "Grundstücks- und Wohnungswesen", "M": "Freiberufliche, wiss. und techn. DL",
    "N": "Sonstige wirtschaftliche Dienstleistungen", "O": "Öffentliche Verwaltung",
    "P": "Erziehung und Unterricht", "Q": "Gesundheits- und Sozialwesen",
    "R": "Kunst, Unterhaltung und Erholung", "S": "Sonstige Dienstleistungen",
    "T": "Private Haushalte", "U": "Exterritoriale Organisationen", "?": "ohne Zuordnung",
}  # fmt: skip
MONTHS = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]


def wz_search(request: HttpRequest) -> HttpResponse:
    """``/gewerbe/wz-suche/?q=Friseur``: JSON for the autocomplete (``format=json`` or an
    ``Accept: application/json`` header), else an HTML page that works without JavaScript."""
    if getattr(request, "municipality", None) is None:
        raise Http404
    query = request.GET.get("q", "")[:200]
    results = wz.search(query, limit=15) if query.strip() else []
    vague = bool(query.strip()) and wz.is_vague(query)
    wants_json = request.GET.get("format") == "json" or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        return JsonResponse(
            {
                "query": query,
                "vague": vague,
                "results": [
                    {
                        "code": c.code,
                        "display": c.dotted,
                        "title": c.title,
                        "permit": wz.permit_for(c.code),
                        "craft": wz.craft_for(c.code),
                    }
                    for c in results
                ],
            }
        )
    rows = [
        {"c": c, "permit": wz.permit_for(c.code), "craft": wz.craft_for(c.code)} for c in results
    ]
    return render(request, "trade/wz_search.html", {"query": query, "rows": rows, "vague": vague})


# --- back office --------------------------------------------------------------------------------


@staff_member_required
def register_list(request: StaffRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    status = request.GET.get("status", "")
    code = request.GET.get("wz", "")[:10]
    found = business_search(
        municipality=request.municipality, query=query, status=status, wz_code=code
    )
    page = Paginator(found, 50).get_page(request.GET.get("seite"))
    return render(
        request,
        "trade_admin/register.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "wz": code,
            "statuses": Business.Status.choices,
            "total": page.paginator.count,
        },
    )


def _business_or_404(request: StaffRequest, public_id: Any) -> Business:
    business = Business.objects.of(request.municipality).filter(public_id=public_id).first()
    if business is None:
        raise Http404
    return business


def _context(business: Business) -> dict[str, Any]:
    legal = codes.LEGAL_FORMS.get(business.legal_form)
    return {
        "business": business,
        "events": list(business.events.select_related("case").order_by("-valid_from", "-pk")),
        "legal_form": legal.label if legal else business.legal_form,
        "activities": [
            {
                "code": c,
                "display": wz.display(c),
                "title": (wz.lookup(c) or wz.WzClass(c, "", "", "")).title,
            }
            for c in business.wz_codes
        ],
        "court": codes.courts().get(business.register_court),
        "kind_labels": KIND_LABELS,
    }


@staff_member_required
def register_detail(request: StaffRequest, public_id: Any) -> HttpResponse:
    business = _business_or_404(request, public_id)
    return render(request, "trade_admin/business.html", _context(business))


@staff_member_required
def register_extract(request: StaffRequest, public_id: Any) -> HttpResponse:
    """The register extract of one business as PDF/A."""
    business = _business_or_404(request, public_id)
    content = pdf_render(
        template_name="trade_admin/extract_pdf.html",
        context={
            **_context(business),
            "municipality": request.municipality,
            "today": timezone.localdate(),
        },
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Registerauszug-{business.number}.pdf"'
    return response


@staff_member_required
def register_statistics(request: StaffRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("jahr") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 1990), 2100)
    stats = statistics(municipality=request.municipality, year=year)
    kinds = list(BusinessEvent.Kind.values)
    colors = {"anmeldung": "#2e7d32", "ummeldung": "#1565c0", "abmeldung": "#c62828"}
    top = max([sum(c.values()) for c in stats["by_month"].values()] + [1])
    months = []
    for number, counter in stats["by_month"].items():
        x = 40.0
        bars = []
        for k in kinds:
            width = round(480 * counter.get(k, 0) / top, 1)
            bars.append(
                {
                    "count": counter.get(k, 0),
                    "label": KIND_LABELS[k],
                    "x": x,
                    "w": width,
                    "color": colors[k],
                }
            )
            x += width
        y = (number - 1) * 22 + 4
        months.append(
            {
                "label": MONTHS[number - 1],
                "counts": [counter.get(k, 0) for k in kinds],
                "total": sum(counter.values()),
                "bars": bars,
                "y": y,
                "y_text": y + 12,
                "x_total": x + 6,
            }
        )
    sections = sorted({s for s, _k in stats["by_section"]})
    section_rows = [
        {
            "section": s,
            "title": SECTION_TITLES.get(s, s),
            "counts": [stats["by_section"].get((s, k), 0) for k in kinds],
        }
        for s in sections
    ]
    from rathaus.xgewerbe import model as xm

    reason_names = {
        "anmeldung": xm.REGISTRATION_REASONS,
        "ummeldung": xm.CHANGE_REASONS,
        "abmeldung": xm.CLOSURE_REASONS,
    }
    reason_rows = [
        {
            "kind": KIND_LABELS.get(kind, kind),
            "reason": reason_names.get(kind, {}).get(reason, reason),
            "count": count,
        }
        for (kind, reason), count in sorted(stats["by_reason"].items())
    ]
    return render(
        request,
        "trade_admin/statistics.html",
        {
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
            "kinds": [KIND_LABELS[k] for k in kinds],
            "months": months,
            "chart_height": 12 * 22 + 8,
            "legend": [{"label": KIND_LABELS[k], "color": colors[k]} for k in kinds],
            "section_rows": section_rows,
            "reason_rows": reason_rows,
            "statistics_url": _statistics_message_url(),
            "today": dt.date.today(),
        },
    )


def _statistics_message_url() -> str:
    """The page of the statistics message, when the xgewerbe app provides one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("xgewerbe_admin:statistics", "xgewerbe_admin:home"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""

"""Back office for resident parking (``/verwaltung/parkausweise/``): the permit register per zone
with search, permits versus capacity, the cases that needed a clerk and why, revoking a permit,
the fee ordinance and the registration-register upload (municipal admins)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.accounts.decorators import staff_required
from rathaus.accounts.models import StaffRole
from rathaus.backoffice.access import staff_member_required
from rathaus.cases.models import Case
from rathaus.core.errors import RathausError

from . import registry, selectors, services
from .fees import fee_description
from .models import FeeModel, ParkingSettings, Permit, PermitStatus, RegisteredResident


def _zones(municipality: Any) -> list[dict[str, Any]]:
    """Every zone with capacity and the number of valid permits (two queries)."""
    counts = services.zone_counts(municipality=municipality)
    rows: list[dict[str, Any]] = []
    try:
        from rathaus.geo.models import Zone
    except ImportError:  # pragma: no cover - geo not installed
        zones: list[Any] = []
    else:
        zones = list(Zone.objects.of(municipality).order_by("code"))
    for zone in zones:
        issued = counts.pop(zone.code, 0)
        rows.append(
            {
                "code": zone.code,
                "name": zone.name,
                "capacity": zone.capacity,
                "issued": issued,
                "over": zone.capacity is not None and issued >= zone.capacity,
            }
        )
    for code, issued in sorted(counts.items()):
        rows.append({"code": code, "name": "", "capacity": None, "issued": issued, "over": False})
    return rows


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Kennzeichen, Name oder Nummer"), required=False, max_length=100
    )
    zone = forms.CharField(label=gettext_lazy("Zone"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("alle")), *PermitStatus.choices],
    )


@staff_member_required
def register(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = SearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.permits_register(
        municipality=municipality,
        query=filters.get("q", ""),
        zone=filters.get("zone", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(found, 50).get_page(request.GET.get("seite"))
    return render(
        request,
        "parking_admin/register.html",
        {"form": form, "page": page, "zones": _zones(municipality)},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Grund des Widerrufs"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Die Inhaberin oder der Inhaber liest ihn im Postfach."),
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def permit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    permit = Permit.objects.of(municipality).filter(pk=pk).select_related("case").first()
    if permit is None:
        raise Http404
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.permit_revoke(
                permit=permit,
                reason=form.cleaned_data["reason"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except RathausError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Der Parkausweis ist widerrufen."))
        return redirect("parking_admin:permit", permit.pk)
    return render(
        request,
        "parking_admin/permit.html",
        {
            "permit": permit,
            "form": form,
            "visitor_passes": permit.visitor_passes.order_by("-day")[:50],
        },
    )


@staff_member_required
def reviews(request: HttpRequest) -> HttpResponse:
    """Applications the automatic procedure could not decide, with the failed checks."""
    municipality = request.municipality  # type: ignore[attr-defined]
    cases = (
        Case.objects.of(municipality)
        .filter(service__key=services.SERVICE_KEY, decided_automatically=False)
        .select_related("application")
        .order_by("-created_at")[:200]
    )
    rows = []
    for case in cases:
        results = (case.application.check_results if case.application else None) or []
        failed = [r for r in results if isinstance(r, dict) and not r.get("passed")]
        if not failed and case.state == "decided":
            continue
        rows.append({"case": case, "failed": failed})
    return render(request, "parking_admin/reviews.html", {"rows": rows})


class SettingsForm(forms.ModelForm):
    bands = forms.CharField(
        label=gettext_lazy("Längenstufen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Eine Stufe je Zeile: „Höchstlänge in m; Betrag“, die letzte ohne Höchstlänge, "
            "z. B. „4,109; 100“ – „4,709; 110“ – „; 120“."
        ),
    )
    period_list = forms.CharField(
        label=gettext_lazy("Erlaubte Laufzeiten (Monate)"),
        help_text=gettext_lazy("Durch Komma getrennt, z. B. „6, 12, 24“."),
    )

    class Meta:
        model = ParkingSettings
        fields = [
            "fee_model",
            "base_period_months",
            "flat_amount",
            "area_rate",
            "area_base",
            "max_length_m",
            "visitor_pass_fee",
            "reminder_days",
            "ordinance",
            "authority",
        ]
        widgets = {"fee_model": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["bands"].initial = "\n".join(
            f"{(b.get('max_length') or '').replace('.', ',')}; {b.get('amount')}"
            for b in instance.length_bands or []
        )
        self.fields["period_list"].initial = ", ".join(str(p) for p in instance.periods or [])

    def clean_bands(self) -> list[dict[str, Any]]:
        bands: list[dict[str, Any]] = []
        for number, line in enumerate(self.cleaned_data["bands"].splitlines(), start=1):
            if not line.strip():
                continue
            limit, _sep, amount = line.partition(";")
            try:
                parsed_amount = Decimal(amount.strip().replace(",", "."))
                parsed_limit = Decimal(limit.strip().replace(",", ".")) if limit.strip() else None
            except ArithmeticError as exc:
                raise forms.ValidationError(
                    _("Zeile %(n)s: „Höchstlänge; Betrag“ erwartet.") % {"n": number}
                ) from exc
            bands.append(
                {
                    "max_length": str(parsed_limit) if parsed_limit is not None else None,
                    "amount": str(parsed_amount.quantize(Decimal("0.01"))),
                }
            )
        limits = [Decimal(b["max_length"]) for b in bands if b["max_length"] is not None]
        if limits != sorted(limits):
            raise forms.ValidationError(_("Die Stufen müssen nach Länge aufsteigen."))
        if self.cleaned_data.get("fee_model") == FeeModel.LENGTH_BANDS and not bands:
            raise forms.ValidationError(_("Das Längenmodell braucht mindestens eine Stufe."))
        return bands

    def clean_period_list(self) -> list[int]:
        try:
            periods = sorted(
                {int(p) for p in self.cleaned_data["period_list"].replace(";", ",").split(",")}
            )
        except ValueError as exc:
            raise forms.ValidationError(_("Bitte ganze Monatszahlen angeben.")) from exc
        if not periods or any(p < 1 or p > 60 for p in periods):
            raise forms.ValidationError(_("Laufzeiten von 1 bis 60 Monaten."))
        return periods


@staff_required(role=StaffRole.ADMIN)
@require_http_methods(["GET", "POST"])
def fee_settings(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    instance = services.parking_settings(municipality)
    form = SettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in SettingsForm.Meta.fields}
        values["length_bands"] = form.cleaned_data["bands"]
        values["periods"] = form.cleaned_data["period_list"]
        services.parking_settings_save(
            municipality=municipality,
            values=values,
            actor=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("Die Gebührenordnung ist gespeichert."))
        return redirect("parking_admin:settings")
    return render(
        request,
        "parking_admin/settings.html",
        {
            "form": form,
            "description": fee_description(instance),
            "upload": ResidentsUploadForm(),
            "residents": RegisteredResident.objects.of(municipality).count(),
        },
    )


class ResidentsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Meldedaten (CSV, UTF-8)"),
        help_text=gettext_lazy(
            "Spalten: familienname; vornamen; geburtsdatum; strasse; hausnummer; plz; "
            "wohnungsstatus (haupt/neben); seit. Die Datei ersetzt den bisherigen Bestand."
        ),
    )


@staff_required(role=StaffRole.ADMIN)
@require_POST
def residents_upload(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = ResidentsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine CSV-Datei."))
        return redirect("parking_admin:settings")
    upload = form.cleaned_data["file"]
    if upload.size > 50 * 1024 * 1024:
        messages.error(request, _("Die Datei ist größer als 50 MB."))
        return redirect("parking_admin:settings")
    try:
        count = registry.residents_import(municipality=municipality, content=upload.read())
    except RathausError as error:
        messages.error(request, error.message)
        return redirect("parking_admin:settings")
    revoked = services.permits_recheck_residence(municipality=municipality)
    messages.success(
        request,
        _("%(count)s Meldedatensätze übernommen; %(revoked)s Parkausweise widerrufen.")
        % {"count": count, "revoked": len(revoked)},
    )
    return redirect("parking_admin:settings")

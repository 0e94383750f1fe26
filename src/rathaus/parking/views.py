"""Citizen pages (``/parkausweis/``): my permits, renewal, vehicle change, return, visitor day
passes; and the public pages: verification of a QR token and the published public keys."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rathaus.accounts.decorators import citizen_required
from rathaus.core.errors import RathausError
from rathaus.records.models import DocumentVersion

from . import selectors, services, tokens
from .models import Permit, VisitorPass


def _municipality(request: HttpRequest) -> Any:
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        raise Http404
    return municipality


def _my_permit(request: HttpRequest, number: str) -> Permit:
    found: Permit | None = (
        Permit.objects.of(_municipality(request))
        .filter(number=number, holder=request.user)
        .select_related("municipality", "case")
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- holder ------------------------------------------------------------------------------------


@citizen_required
def mine(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    permits = selectors.permits_of_holder(
        municipality=municipality,
        holder=request.user,  # type: ignore[arg-type]
    )
    return render(
        request,
        "parking/mine.html",
        {"permits": permits, "today": timezone.localdate()},
    )


@citizen_required
def permit_pdf(request: HttpRequest, number: str) -> HttpResponse:
    permit = _my_permit(request, number)
    if permit.document_id is None:
        raise Http404
    version = (
        DocumentVersion.objects.of(permit.municipality_id)
        .filter(document_id=permit.document_id)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Http404
    with version.content.open("rb") as fh:
        content = fh.read()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Parkausweis-{permit.number}.pdf"'
    return response


@citizen_required
@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, number: str) -> HttpResponse:
    """The reminder e-mail links here; a POST starts the prefilled renewal."""
    permit = _my_permit(request, number)
    if request.method == "POST":
        try:
            application = services.renewal_start(permit=permit, user=request.user)  # type: ignore[arg-type]
        except RathausError as error:
            messages.error(request, error.message)
            return redirect("parking:mine")
        messages.info(request, _("Ihre Angaben sind eingetragen. Bitte prüfen Sie sie."))
        return redirect("applications:step", application.public_id, "adresse")
    return render(request, "parking/confirm.html", {"permit": permit, "action": "renew"})


@citizen_required
@require_http_methods(["GET", "POST"])
def change_vehicle(request: HttpRequest, number: str) -> HttpResponse:
    permit = _my_permit(request, number)
    if request.method == "POST":
        try:
            application = services.vehicle_change_start(permit=permit, user=request.user)  # type: ignore[arg-type]
        except RathausError as error:
            messages.error(request, error.message)
            return redirect("parking:mine")
        messages.info(
            request,
            _(
                "Geben Sie das neue Fahrzeug an. Sobald der neue Ausweis ausgestellt ist, wird "
                "der alte ungültig."
            ),
        )
        return redirect("applications:step", application.public_id, "adresse")
    return render(request, "parking/confirm.html", {"permit": permit, "action": "change"})


@citizen_required
@require_http_methods(["GET", "POST"])
def give_back(request: HttpRequest, number: str) -> HttpResponse:
    permit = _my_permit(request, number)
    if request.method == "POST":
        try:
            services.permit_return(permit=permit, holder=request.user)  # type: ignore[arg-type]
        except RathausError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Der Parkausweis %(number)s ist zurückgegeben und ab sofort ungültig.")
                % {"number": permit.number},
            )
        return redirect("parking:mine")
    return render(request, "parking/confirm.html", {"permit": permit, "action": "return"})


class VisitorPassForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Tag des Besuchs"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    plate = forms.CharField(
        label=gettext_lazy("Kennzeichen des Besuchs"),
        max_length=20,
        help_text=gettext_lazy("z. B. D-XY 987"),
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def visitor_pass(request: HttpRequest, number: str) -> HttpResponse:
    permit = _my_permit(request, number)
    year = timezone.localdate().year
    form = VisitorPassForm(request.POST or None, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            visitor = services.visitor_pass_buy(
                permit=permit,
                holder=request.user,  # type: ignore[arg-type]
                day=form.cleaned_data["day"],
                plate=form.cleaned_data["plate"],
            )
        except RathausError as error:
            form.add_error(None, error.message)
        else:
            if visitor.payment_public_id:
                from django.urls import reverse

                return redirect(reverse("payments:pay", args=[visitor.payment_public_id]))
            messages.success(request, _("Der Besuchertagesausweis ist ausgestellt."))
            return redirect("parking:mine")
    return render(
        request,
        "parking/visitor.html",
        {
            "permit": permit,
            "form": form,
            "quota": services.visitor_quota(permit),
            "used": services.visitor_passes_used(permit, year),
            "year": year,
            "passes": permit.visitor_passes.order_by("-day"),
        },
    )


@citizen_required
def visitor_pass_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    visitor = (
        VisitorPass.objects.of(_municipality(request))
        .filter(public_id=public_id, permit__holder=request.user, status=VisitorPass.Status.VALID)
        .select_related("permit", "permit__municipality")
        .first()
    )
    if visitor is None:
        raise Http404
    response = HttpResponse(services.visitor_pass_pdf(visitor), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Besuch-{visitor.number}.pdf"'
    return response


# --- public ------------------------------------------------------------------------------------


@never_cache
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """What an enforcement officer sees after scanning the QR code: a big status, zone, plate.
    Anything wrong with the token gives "ungültig" with the reason, never an error page."""
    municipality = _municipality(request)
    context: dict[str, Any] = {
        "today": timezone.localdate(),
        "data": None,
        "permit": None,
        "visitor": None,
        "reason": "",
    }
    try:
        data = tokens.token_verify(municipality=municipality, token=token)
    except tokens.TokenError as error:
        context.update(state="invalid", reason=str(error))
        return render(request, "parking/verify.html", context)
    context["data"] = data
    context.update(selectors.token_status(municipality=municipality, data=data))
    return render(request, "parking/verify.html", context)


def keys(request: HttpRequest) -> JsonResponse:
    """The municipality's public keys (JWK set) for offline verification."""
    response = JsonResponse(
        tokens.public_jwks(municipality=_municipality(request)),
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


__all__ = [
    "change_vehicle",
    "give_back",
    "keys",
    "mine",
    "permit_pdf",
    "renew",
    "verify",
    "visitor_pass",
    "visitor_pass_pdf",
]

"""Staff pages for payments: open and pending payments, search by reference, booking an
incoming bank transfer. For every staff member of the municipality (clerks, team leads and
admins); everybody else gets a 404."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rathaus.backoffice.access import StaffRequest, staff_member_required
from rathaus.core.errors import ErrorCode, RathausError

from . import services
from .models import Payment
from .selectors import STATUS_FILTERS, payment_for_staff, payments_for_staff

PAGE_SIZE = 50


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("Suche"),
        required=False,
        max_length=100,
        help_text=_("Verwendungszweck, Aktenzeichen oder Buchungsreferenz"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("offen", _("offen und in Zahlung")),
            ("bezahlt", _("bezahlt")),
            ("abgebrochen", _("fehlgeschlagen oder abgebrochen")),
            ("alle", _("alle")),
        ],
    )


class BookForm(forms.Form):
    provider_reference = forms.CharField(
        label=_("Buchungsreferenz"),
        max_length=200,
        help_text=_("z. B. Kontoauszug Nr. und Datum der Gutschrift"),
        error_messages={"required": _("Bitte geben Sie die Buchungsreferenz an.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


@require_GET
@staff_member_required
def payment_list(request: StaffRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    status, query = "offen", ""
    if form.is_valid():
        status = form.cleaned_data["status"] or "offen"
        query = form.cleaned_data["q"] or ""
    if status not in STATUS_FILTERS:
        status = "offen"
    queryset = payments_for_staff(municipality=request.municipality, status=status, query=query)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(
        request,
        "payments/admin_list.html",
        {"form": form, "page": page, "status": status, "q": query},
    )


def _detail(
    request: StaffRequest, payment: Payment, form: BookForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "payments/admin_detail.html",
        {
            "payment": payment,
            "events": payment.events.select_related("actor").order_by("created_at", "pk"),
            "form": form or BookForm(initial={"version": payment.version}),
        },
        status=status,
    )


@require_GET
@staff_member_required
def payment_detail(request: StaffRequest, public_id: UUID) -> HttpResponse:
    payment = payment_for_staff(municipality=request.municipality, public_id=public_id)
    if payment is None:
        raise Http404
    return _detail(request, payment)


@require_POST
@staff_member_required
def payment_book(request: StaffRequest, public_id: UUID) -> HttpResponse:
    payment = payment_for_staff(municipality=request.municipality, public_id=public_id)
    if payment is None:
        raise Http404
    form = BookForm(request.POST)
    if not form.is_valid():
        return _detail(request, payment, form, status=400)
    if payment.status == Payment.Status.PAID:
        messages.info(request, "Diese Zahlung war bereits gebucht; nichts geändert.")
    try:
        services.payment_mark_paid(
            payment=payment,
            provider_reference=form.cleaned_data["provider_reference"],
            actor=request.user,
            version=form.cleaned_data["version"],
        )
    except RathausError as error:
        payment.refresh_from_db()
        messages.error(request, error.message)
        return _detail(
            request, payment, status=409 if error.code == ErrorCode.STALE_OBJECT else 400
        )
    if payment.status != Payment.Status.PAID:
        messages.success(request, "Die Zahlung ist gebucht.")
    return redirect("payments_admin:detail", payment.public_id)

"""Staff pages for payments: open and pending payments, search by reference, booking an
incoming bank transfer. For every staff member of the municipality (clerks, team leads and
admins); everybody else gets a 404."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.accounts.models import StaffRole
from rathaus.backoffice.access import StaffRequest, staff_member_required
from rathaus.core.errors import ErrorCode, RathausError

from . import services
from .models import Payment, PaymentSettings
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


class SettingsForm(forms.ModelForm):
    xbd_base_url = forms.URLField(
        label=_("XBezahldienste: Basis-URL"),
        required=False,
        assume_scheme="https",
        help_text=_("z. B. https://epayment.example.de/xbezahldienste/v1"),
    )
    xbd_token_url = forms.URLField(
        label=_("XBezahldienste: Token-URL (OAuth2)"),
        required=False,
        assume_scheme="https",
        help_text=_("Leer: <Basis-URL>/oauth/token"),
    )
    xbd_client_secret = forms.CharField(
        label=_("XBezahldienste: Client-Secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leer lassen, um den gespeicherten Wert zu behalten."),
    )
    xbd_notification_secret = forms.CharField(
        label=_("XBezahldienste: Schlüssel für Benachrichtigungen (HMAC)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leer lassen, um den gespeicherten Wert zu behalten."),
    )

    class Meta:
        model = PaymentSettings
        fields = [
            "invoice_enabled",
            "recipient",
            "iban",
            "bic",
            "bank_name",
            "transfer_days",
            "xbezahldienste_enabled",
            "xbd_base_url",
            "xbd_token_url",
            "xbd_originator_id",
            "xbd_endpoint_id",
            "xbd_client_id",
        ]

    def clean_iban(self) -> str:
        from rathaus.applications.formengine.fields import iban_checksum_ok, normalize_iban

        value = normalize_iban(self.cleaned_data.get("iban") or "")
        if value and not iban_checksum_ok(value):
            raise forms.ValidationError(_("Diese IBAN ist ungültig (Prüfziffer)."))
        return value

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("invoice_enabled") and not data.get("iban"):
            self.add_error("iban", _("Für die Überweisung braucht es eine IBAN."))
        if data.get("xbezahldienste_enabled") and not data.get("xbd_base_url"):
            self.add_error("xbd_base_url", _("Für das ePayment braucht es die Basis-URL."))
        return data


@require_http_methods(["GET", "POST"])
@staff_member_required
def payment_settings(request: StaffRequest) -> HttpResponse:
    if request.membership.role != StaffRole.ADMIN:
        raise PermissionDenied
    current = services.payment_settings(request.municipality)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.payment_settings_update(
                municipality=request.municipality, actor=request.user, values=values
            )
        except RathausError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Die Zahlungseinstellungen sind gespeichert.")
            return redirect("payments_admin:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "payments/admin_settings.html", {"form": form}, status=status)


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

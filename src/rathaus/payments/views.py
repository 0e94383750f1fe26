"""The payer's pages: choose how to pay, the bank details, the way back from the ePayment
platform, and the platform's server-to-server notification.

A payment is addressed by its random ``public_id`` within the current municipality; whoever has
the link may pay (somebody may pay for somebody else), and the page shows no personal data. Any
other municipality's payment is a plain 404.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rathaus.core.decorators import municipality_required
from rathaus.core.errors import ErrorCode, RathausError

from . import services
from .models import PROVIDER_INVOICE, PROVIDER_XBEZAHLDIENSTE, Payment


def _payment(request: HttpRequest, public_id: UUID) -> Payment:
    found = (
        Payment.objects.of(request.municipality)  # type: ignore[attr-defined]
        .select_related("municipality", "case")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_GET
@municipality_required
def pay(request: HttpRequest, public_id: UUID) -> HttpResponse:
    payment = _payment(request, public_id)
    config = services.payment_settings(payment.municipality_id)
    return render(
        request,
        "payments/pay.html",
        {
            "payment": payment,
            "config": config,
            "providers": config.enabled_providers,
            "show_bank_details": payment.provider == PROVIDER_INVOICE
            and payment.status == Payment.Status.PENDING,
        },
    )


@require_POST
@municipality_required
def choose(request: HttpRequest, public_id: UUID) -> HttpResponse:
    payment = _payment(request, public_id)
    provider = request.POST.get("provider", "")
    try:
        if provider == PROVIDER_INVOICE:
            services.payment_choose_invoice(payment=payment)
        elif provider == PROVIDER_XBEZAHLDIENSTE:
            target = services.payment_start_online(
                payment=payment,
                return_url=request.build_absolute_uri(
                    reverse("payments:return", args=[payment.public_id])
                ),
                notification_url=request.build_absolute_uri(
                    reverse("payments:notify", args=[payment.public_id])
                ),
            )
            return HttpResponseRedirect(target)
        else:
            raise RathausError(ErrorCode.INVALID_INPUT, "Bitte wählen Sie eine Zahlungsart.")
    except RathausError as error:
        messages.error(request, error.message)
    return redirect("payments:pay", payment.public_id)


@require_GET
@municipality_required
def back(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The browser comes back from the platform: ask it for the outcome (never trust the URL)."""
    payment = _payment(request, public_id)
    try:
        payment = services.payment_query(payment=payment, source="return")
    except RathausError as error:
        messages.warning(request, error.message)
        return redirect("payments:pay", payment.public_id)
    if payment.status == Payment.Status.PAID:
        messages.success(request, "Vielen Dank, Ihre Zahlung ist eingegangen.")
    elif payment.status == Payment.Status.FAILED:
        messages.error(request, "Die Zahlung ist fehlgeschlagen. Bitte versuchen Sie es erneut.")
    elif payment.status == Payment.Status.CANCELLED:
        messages.info(request, "Sie haben die Zahlung abgebrochen. Sie können erneut bezahlen.")
    else:
        messages.info(
            request,
            "Die Zahlung ist noch nicht bestätigt. Sobald der Zahlungsdienst sie meldet, "
            "wird sie gebucht.",
        )
    return redirect("payments:pay", payment.public_id)


@csrf_exempt  # server to server; authenticated by the HMAC signature instead
@require_POST
@municipality_required
def notify(request: HttpRequest, public_id: UUID) -> HttpResponse:
    payment = _payment(request, public_id)
    try:
        services.payment_notification(payment=payment, body=request.body, headers=request.headers)
    except services.NotificationRefused:
        return HttpResponse("invalid notification\n", status=400, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")

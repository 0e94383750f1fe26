"""The recipient directory and its deliveries (municipal admins), ``/verwaltung/empfaenger/``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathaus.cases.models import Case
from rathaus.core.errors import RathausError
from rathaus.integrations.views import municipal_admin_required

from .forms import RecipientForm
from .matrix import MATRIX, RecipientGroup
from .models import Delivery
from .selectors import (
    deliveries_for_case,
    deliveries_for_recipient,
    delivery_get,
    recipient_get,
    recipients,
)
from .services import recipient_save

PAGE_SIZE = 50


@require_GET
@municipal_admin_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    rows = recipients(municipality=municipality).annotate(
        sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DELIVERED)),
        open=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED]),
        ),
        rejected=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.REJECTED)),
    )
    matrix = [MATRIX[group] for group in RecipientGroup]
    return render(request, "xgewerbe/recipients.html", {"rows": rows, "matrix": matrix})


@require_http_methods(["GET", "POST"])
@municipal_admin_required
def recipient_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    recipient = None
    if pk is not None:
        recipient = recipient_get(municipality=municipality, pk=pk)
        if recipient is None:
            raise Http404
    form = RecipientForm(request.POST or None, instance=recipient)
    if request.method == "POST" and form.is_valid():
        try:
            saved = recipient_save(
                municipality=municipality,
                actor=request.user,  # type: ignore[arg-type]
                data=form.cleaned_data,
                recipient=recipient,
            )
        except RathausError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Empfänger „%(name)s“ gespeichert.") % {"name": saved})
            return redirect("xgewerbe_admin:recipients")
    page = None
    if recipient is not None:
        page = Paginator(deliveries_for_recipient(recipient=recipient), PAGE_SIZE).get_page(
            request.GET.get("seite")
        )
    return render(
        request,
        "xgewerbe/recipient_form.html",
        {"form": form, "recipient": recipient, "page": page},
    )


@require_GET
@municipal_admin_required
def case_deliveries(request: HttpRequest, case_pk: int) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    case = Case.objects.of(municipality).filter(pk=case_pk).first()
    if case is None:
        raise Http404
    return render(
        request,
        "xgewerbe/case_deliveries.html",
        {"case": case, "deliveries": deliveries_for_case(case=case)},
    )


@require_GET
@municipal_admin_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = delivery_get(municipality=request.municipality, pk=pk)  # type: ignore[attr-defined]
    if delivery is None:
        raise Http404
    return render(request, "xgewerbe/delivery.html", {"delivery": delivery})

"""Back office pages of the API (``/verwaltung/schnittstellen/``): API clients with their
credentials (shown once), scopes and services, the call log, webhook subscriptions with their
deliveries and manual replay. Municipal admins only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.backoffice.access import StaffRequest, admin_member_required
from rathaus.catalog.models import Service
from rathaus.core.errors import RathausError

from . import services
from .models import ApiCallLog, ApiClient, Scope, WebhookDelivery, WebhookSubscription


class ClientForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name des Fachverfahrens"), max_length=200)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Berechtigungen"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Leistungen"),
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Keine Auswahl: alle Leistungen der Kommune."),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Service.objects.of(municipality).order_by("name")


def _client(request: StaffRequest, pk: int) -> ApiClient:
    found = ApiClient.objects.of(request.municipality).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@admin_member_required
def clients(request: StaffRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, municipality=request.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            client, credentials = services.client_create(
                municipality=request.municipality,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                services=form.cleaned_data["services"],
                actor=request.user,
            )
        except RathausError as exc:
            form.add_error(None, exc.message)
        else:
            return render(
                request,
                "api/credentials.html",
                {"client": client, "credentials": credentials},
            )
    found = ApiClient.objects.of(request.municipality).prefetch_related("services")
    return render(request, "api/clients.html", {"clients": found, "form": form})


@require_http_methods(["GET", "POST"])
@admin_member_required
def client_detail(request: StaffRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    initial = {"name": client.name, "scopes": client.scopes, "services": client.services.all()}
    form = ClientForm(request.POST or None, initial=initial, municipality=request.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(
                client=client,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                services=form.cleaned_data["services"],
            )
        except RathausError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Gespeichert."))
            return redirect("api_admin:client", client.pk)
    subscriptions = WebhookSubscription.objects.filter(client=client).order_by("created_at")
    calls = ApiCallLog.objects.filter(client=client).order_by("-pk")[:50]
    return render(
        request,
        "api/client.html",
        {"client": client, "form": form, "subscriptions": subscriptions, "calls": calls},
    )


@require_POST
@admin_member_required
def client_rotate(request: StaffRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    if not client.active:
        raise Http404
    credentials = services.client_rotate(client=client)
    return render(request, "api/credentials.html", {"client": client, "credentials": credentials})


@require_POST
@admin_member_required
def client_revoke(request: StaffRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    services.client_revoke(client=client)
    messages.success(request, _("Der Zugang ist widerrufen."))
    return redirect("api_admin:client", client.pk)


@admin_member_required
def subscription_detail(request: StaffRequest, pk: int) -> HttpResponse:
    subscription = (
        WebhookSubscription.objects.of(request.municipality)
        .select_related("client")
        .filter(pk=pk)
        .first()
    )
    if subscription is None:
        raise Http404
    deliveries = subscription.deliveries.select_related("message").order_by("-pk")[:100]
    return render(
        request,
        "api/subscription.html",
        {"subscription": subscription, "deliveries": deliveries},
    )


@require_POST
@admin_member_required
def delivery_replay(request: StaffRequest, pk: int) -> HttpResponse:
    delivery = WebhookDelivery.objects.of(request.municipality).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    try:
        services.delivery_replay(delivery=delivery)
    except RathausError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Zustellung wird erneut versucht."))
    return redirect("api_admin:subscription", delivery.subscription_id)

"""The municipal admin's service administration: switch services on and off, set fees and texts,
look at versions, import and export definition files. No code, no YAML needed for the usual
changes."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rathaus.accounts.decorators import staff_required
from rathaus.accounts.models import StaffRole
from rathaus.core.errors import RathausError

from .definition import DefinitionError, load_definition
from .forms import DefinitionUploadForm, ServiceSettingsForm
from .models import Service
from .selectors import service_for_admin, service_versions, services_for_admin
from .services import (
    service_definition_publish,
    service_export,
    service_set_enabled,
    service_update_settings,
)


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Municipal admins of the request's municipality only (2FA enforced by the staff gate);
    other tenants' staff get a 404."""
    return staff_required(role=StaffRole.ADMIN)(view)


def _service_or_404(request: HttpRequest, pk: int) -> Service:
    service = service_for_admin(municipality=request.municipality, pk=pk)  # type: ignore[attr-defined]
    if service is None:
        raise Http404
    return service


@require_safe
@admin_required
def service_list(request: HttpRequest) -> HttpResponse:
    services = services_for_admin(municipality=request.municipality)  # type: ignore[attr-defined]
    return render(request, "catalog/admin/service_list.html", {"services": services})


@admin_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service_or_404(request, pk)
    if service.current_version is None:
        raise Http404
    definition = load_definition(service.current_version)
    form = ServiceSettingsForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            version = service_update_settings(
                service=service,
                actor=request.user,  # type: ignore[arg-type]
                texts=form.texts(),
                fee_amounts=form.fee_amounts(),
                note=form.cleaned_data["note"],
            )
        except RathausError as exc:
            form.add_error(None, exc.message)
        else:
            if version.number == service.current_version.number:
                messages.info(request, _("Keine Änderung – es wurde keine neue Version angelegt."))
            else:
                messages.success(
                    request, _("Gespeichert als Version %(n)s.") % {"n": version.number}
                )
            return redirect("catalog_admin:edit", pk=service.pk)
    return render(
        request,
        "catalog/admin/service_edit.html",
        {
            "service": service,
            "definition": definition,
            "form": form,
            "versions": service_versions(service=service)[:20],
        },
    )


@require_POST
@admin_required
def service_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service_or_404(request, pk)
    enable = request.POST.get("enabled") == "1"
    try:
        service_set_enabled(service=service, enabled=enable)
    except RathausError as exc:
        messages.error(request, exc.message)
    else:
        text = (
            _("„%(name)s“ wird jetzt online angeboten.")
            if enable
            else _("„%(name)s“ wird nicht mehr online angeboten.")
        )
        messages.success(request, text % {"name": service.name})
    return redirect("catalog_admin:list")


@require_safe
@admin_required
def service_download(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service_or_404(request, pk)
    try:
        filename, source = service_export(service=service)
    except RathausError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(source, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin_required
def service_import(request: HttpRequest) -> HttpResponse:
    form = DefinitionUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            version = service_definition_publish(
                municipality=request.municipality,  # type: ignore[attr-defined]
                source=form.cleaned_data["source"],
                actor=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"] or _("Importiert"),
            )
        except DefinitionError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("„%(name)s“ als Version %(n)s gespeichert.")
                % {"name": version.service.name, "n": version.number},
            )
            return redirect("catalog_admin:edit", pk=version.service.pk)
    return render(
        request, "catalog/admin/service_import.html", {"form": form, "problems": problems}
    )

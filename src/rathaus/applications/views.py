"""The online application: multi-step forms rendered from the service definition."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from rathaus.core.decorators import municipality_required

from .models import Application


@login_required
@municipality_required
def mine(request: HttpRequest) -> HttpResponse:
    """ "Meine Anträge": the citizen's drafts and submitted applications in this municipality."""
    applications = (
        Application.objects.of(request.municipality)  # type: ignore[attr-defined]
        .filter(applicant=request.user)
        .exclude(status=Application.Status.DISCARDED)
        .select_related("service")
        .order_by("-updated_at")
    )
    return render(request, "applications/mine.html", {"applications": applications})


@require_POST
@municipality_required
def start(request: HttpRequest, key: str) -> HttpResponse:
    """Start an application (the multi-step form engine replaces this entry point)."""
    raise Http404

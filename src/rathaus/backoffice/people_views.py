"""Staff and teams pages of the back office (``/verwaltung/mitarbeitende/``,
``/verwaltung/teams/``). Municipal admins only; the writes are in ``backoffice.people``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.accounts.invitations import is_pending
from rathaus.accounts.models import StaffMembership, StaffRole, User
from rathaus.accounts.views import url_for
from rathaus.cases.models import Team
from rathaus.catalog.models import Service
from rathaus.core.errors import RathausError

from . import people
from .access import StaffRequest, admin_member_required

# --- forms --------------------------------------------------------------------------------------


class _TeamChoices(forms.Form):
    """A form with a ``teams`` field limited to the municipality's teams."""

    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Teams"),
        queryset=Team.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "Sachbearbeitung und Teamleitung sehen die Vorgänge der Leistungen ihrer Teams."
        ),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["teams"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Team.objects.of(municipality).order_by("name")


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("Rolle"),
        choices=StaffRole.choices,
        initial=StaffRole.CLERK,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Kommunale Administration sieht alle Vorgänge und verwaltet Leistungen, "
            "Mitarbeitende und Schnittstellen; sie meldet sich mit zweitem Faktor an."
        ),
    )


class InviteForm(_TeamChoices):
    email = forms.EmailField(
        label=gettext_lazy("Dienstliche E-Mail-Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=gettext_lazy("Vorname"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Nachname"), max_length=150)
    role = _role_field()

    field_order = ["email", "first_name", "last_name", "role", "teams"]


class MemberForm(_TeamChoices):
    first_name = forms.CharField(label=gettext_lazy("Vorname"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Nachname"), max_length=150)
    role = _role_field()

    field_order = ["first_name", "last_name", "role", "teams"]


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    key = forms.SlugField(
        label=gettext_lazy("Schlüssel"),
        max_length=70,
        required=False,
        help_text=gettext_lazy(
            "Für Leistungsbeschreibungen (workflow.team). Leer lassen: aus dem Namen gebildet. "
            "Kann später nicht geändert werden."
        ),
    )
    services = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Leistungen"),
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Mitglieder"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, municipality: Any, with_key: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_key:
            del self.fields["key"]
        services = self.fields["services"]
        members = self.fields["members"]
        assert isinstance(services, forms.ModelMultipleChoiceField)
        assert isinstance(members, forms.ModelMultipleChoiceField)
        services.queryset = Service.objects.of(municipality).order_by("name")
        members.queryset = User.objects.filter(
            memberships__municipality=municipality, is_active=True
        ).order_by("last_name", "first_name", "email")
        members.label_from_instance = _person_label  # type: ignore[method-assign,assignment]


def _person_label(user: User) -> str:
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


def _apply_error(form: forms.Form, exc: RathausError) -> None:
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


# --- staff --------------------------------------------------------------------------------------


def _member_or_404(request: StaffRequest, pk: int) -> StaffMembership:
    found = people.staff_member(request.municipality, pk)
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@admin_member_required
def staff_list(request: StaffRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, municipality=request.municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = people.staff_invite(
                municipality=request.municipality,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                teams=data["teams"],
                actor=request.user,
                url_for=url_for(request),
            )
        except RathausError as exc:
            _apply_error(form, exc)
        else:
            user = membership.user
            if is_pending(user):
                messages.success(
                    request, _("Die Einladung an %(email)s ist verschickt.") % {"email": user.email}
                )
            else:
                messages.success(
                    request,
                    _("%(email)s hat jetzt Zugang zu dieser Verwaltung und wurde benachrichtigt.")
                    % {"email": user.email},
                )
            return redirect("backoffice:staff")
    members = list(people.staff_of(request.municipality))
    with_factor = people.confirmed_second_factor(m.user_id for m in members)
    status = 400 if form.errors else 200
    return render(
        request,
        "backoffice/people/staff.html",
        {
            "members": members,
            "with_factor": with_factor,
            "form": form,
            "nav_active": "areas",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@admin_member_required
def staff_detail(request: StaffRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    user = member.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": member.role,
        "teams": member.user.teams_here,  # type: ignore[attr-defined]
    }
    form = MemberForm(request.POST or None, initial=initial, municipality=request.municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            people.staff_update(
                membership=member,
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                teams=data["teams"],
                actor=request.user,
            )
        except RathausError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Die Änderungen sind gespeichert."))
            return redirect("backoffice:staff_member", pk=member.pk)
    return render(
        request,
        "backoffice/people/member.html",
        {
            "member": member,
            "form": form,
            "is_self": member.user_id == request.user.pk,
            "pending": is_pending(user),
            "has_factor": bool(people.confirmed_second_factor([user.pk])),
            "nav_active": "areas",
        },
        status=400 if form.errors else 200,
    )


@require_POST
@admin_member_required
def staff_invitation_resend(request: StaffRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    try:
        people.staff_invitation_resend(
            membership=member, actor=request.user, url_for=url_for(request)
        )
    except RathausError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Einladung ist erneut verschickt."))
    return redirect("backoffice:staff_member", pk=member.pk)


@require_POST
@admin_member_required
def staff_second_factor_reset(request: StaffRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    try:
        people.staff_second_factor_reset(membership=member, actor=request.user)
    except RathausError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Die Zwei-Faktor-Anmeldung ist zurückgesetzt. Bei der nächsten Anmeldung wird "
                "sie neu eingerichtet, wo die Rolle sie verlangt."
            ),
        )
    return redirect("backoffice:staff_member", pk=member.pk)


@require_http_methods(["GET", "POST"])
@admin_member_required
def staff_remove(request: StaffRequest, pk: int) -> HttpResponse:
    """GET: what removing means (the open cases go back to the teams); POST: do it."""
    member = _member_or_404(request, pk)
    if request.method == "POST":
        try:
            released = people.staff_remove(membership=member, actor=request.user)
        except RathausError as exc:
            messages.error(request, exc.message)
            return redirect("backoffice:staff_member", pk=member.pk)
        text = _("%(name)s gehört nicht mehr zu dieser Verwaltung.") % {"name": member.user}
        if released:
            text += " " + ngettext(
                "Ein offener Vorgang ist wieder ohne Bearbeitung.",
                "%(count)d offene Vorgänge sind wieder ohne Bearbeitung.",
                released,
            ) % {"count": released}
        messages.success(request, text)
        return redirect("backoffice:staff")
    return render(
        request,
        "backoffice/people/remove.html",
        {"member": member, "is_self": member.user_id == request.user.pk, "nav_active": "areas"},
    )


# --- teams --------------------------------------------------------------------------------------


def _team_or_404(request: StaffRequest, pk: int) -> Team:
    found = people.teams_of(request.municipality).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@admin_member_required
def team_list(request: StaffRequest) -> HttpResponse:
    form = TeamForm(request.POST or None, municipality=request.municipality, with_key=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = people.team_create(
                municipality=request.municipality,
                name=data["name"],
                key=data["key"],
                services=data["services"],
                members=data["members"],
                actor=request.user,
            )
        except RathausError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Das Team „%(name)s“ ist angelegt.") % {"name": team.name})
            return redirect("backoffice:teams")
    return render(
        request,
        "backoffice/people/teams.html",
        {"teams": people.teams_of(request.municipality), "form": form, "nav_active": "areas"},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_member_required
def team_detail(request: StaffRequest, pk: int) -> HttpResponse:
    team = _team_or_404(request, pk)
    initial = {"name": team.name, "services": team.services.all(), "members": team.members.all()}
    form = TeamForm(
        request.POST or None, initial=initial, municipality=request.municipality, with_key=False
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people.team_update(
            team=team,
            name=data["name"],
            services=data["services"],
            members=data["members"],
            actor=request.user,
        )
        messages.success(request, _("Die Änderungen sind gespeichert."))
        return redirect("backoffice:teams")
    return render(
        request,
        "backoffice/people/team.html",
        {"team": team, "form": form, "nav_active": "areas"},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_member_required
def team_delete(request: StaffRequest, pk: int) -> HttpResponse:
    team = _team_or_404(request, pk)
    if request.method == "POST":
        people.team_delete(team=team, actor=request.user)
        messages.success(request, _("Das Team „%(name)s“ ist gelöscht.") % {"name": team.name})
        return redirect("backoffice:teams")
    return render(request, "backoffice/people/team_delete.html", {"team": team})

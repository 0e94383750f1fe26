"""Citizen account pages under ``/konto/``: register, log in/out, verify, reset, profile, delete.

Every URL here works on each municipality's host and behind ``/m/<slug>/``: links and redirects
go through ``reverse``, which keeps the prefix. Pages that send an e-mail need a municipality
(the outbox sends in its name); on the platform's own host they ask the visitor to choose one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core.errors import RathausError
from rathaus.core.models import Municipality

from . import oidc, services, trust
from .decorators import citizen_required
from .forms import (
    AccountDeleteForm,
    CitizenLoginForm,
    EmailChangeForm,
    OutboxPasswordResetForm,
    ProfileForm,
    RegistrationForm,
)
from .models import Profile, TrustLevel, User

View = Callable[..., HttpResponse]


def url_for(request: HttpRequest) -> services.UrlFor:
    """Absolute URLs on the request's host, keeping a ``/m/<slug>/`` prefix."""

    def build(name: str, **kwargs: Any) -> str:
        return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))

    return build


def mail_municipality_required(view: View) -> View:
    """On the platform host (no municipality) show the list of portals instead of the page:
    e-mails are sent in a municipality's name, and the visitor's portal is where they belong."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "municipality", None) is None:
            municipalities = Municipality.objects.filter(is_active=True).order_by("name")
            return render(
                request,
                "accounts/choose_municipality.html",
                {"municipalities": municipalities, "path": request.path_info.lstrip("/")},
            )
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- login / logout -------------------------------------------------------------------------


class CitizenLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = CitizenLoginForm
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["providers"] = oidc.providers()
        return context

    def get_default_redirect_url(self) -> str:
        if getattr(self.request, "municipality", None) is None:
            return reverse("accounts:profile")  # "Meine Anträge" exist per municipality only
        return super().get_default_redirect_url()

    def form_valid(self, form: CitizenLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        trust.set_trust_level(self.request, TrustLevel.BASIC)
        user = form.get_user()
        if user.email_verified_at is None:
            messages.warning(
                self.request,
                _(
                    "Bitte bestätigen Sie noch Ihre E-Mail-Adresse; "
                    "den Link haben wir Ihnen geschickt."
                ),
            )
        return response


login_view = CitizenLoginView.as_view()


class CitizenLogoutView(auth_views.LogoutView):
    pass


logout_view = CitizenLogoutView.as_view()


# --- registration and e-mail verification ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@mail_municipality_required
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.account_register(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            municipality=request.municipality,  # type: ignore[attr-defined]
            url_for=url_for(request),
        )
        # Same answer whether or not the address was known: no enumeration.
        request.session["rathaus_registered_email"] = form.cleaned_data["email"]
        return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get("rathaus_registered_email", "")
    return render(request, "accounts/register_done.html", {"email": email})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except RathausError as error:
        return render(request, "accounts/link_invalid.html", {"error": error}, status=400)
    messages.success(
        request,
        _("Vielen Dank, Ihre E-Mail-Adresse %(email)s ist bestätigt.") % {"email": user.email},
    )
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    return redirect("accounts:login")


@require_POST
@citizen_required
@mail_municipality_required
def verify_resend(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.email_verified_at is None:
        services.verification_send(
            user=user,
            municipality=request.municipality,  # type: ignore[attr-defined]
            url_for=url_for(request),
        )
        messages.success(request, _("Wir haben Ihnen den Bestätigungslink erneut geschickt."))
    return redirect("accounts:profile")


# --- profile and account settings ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@citizen_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    instance, _created = Profile.objects.get_or_create(user=user)
    form = ProfileForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Ihre Angaben sind gespeichert."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "trust_level": TrustLevel(trust.current_trust_level(request)),
            "has_password": user.has_usable_password(),
        },
    )


@require_http_methods(["GET", "POST"])
@citizen_required
@mail_municipality_required
def email_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = EmailChangeForm(request.POST or None, user=user, request=request)
    if request.method == "POST" and form.is_valid():
        services.email_change_request(
            user=user,
            new_email=form.cleaned_data["email"],
            municipality=request.municipality,  # type: ignore[attr-defined]
            url_for=url_for(request),
        )
        messages.success(
            request,
            _(
                "Wir haben einen Bestätigungslink an %(email)s geschickt. Ihre Adresse ändert "
                "sich, sobald Sie ihn öffnen."
            )
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("accounts:profile")
    return render(request, "accounts/email_change.html", {"form": form})


def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_change_confirm(token=token)
    except RathausError as error:
        return render(request, "accounts/link_invalid.html", {"error": error}, status=400)
    messages.success(
        request, _("Ihre neue E-Mail-Adresse %(email)s ist gespeichert.") % {"email": user.email}
    )
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
@citizen_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form_class = PasswordChangeForm if user.has_usable_password() else SetPasswordForm
    form = form_class(user, request.POST or None)
    for name, field in form.fields.items():
        field.widget.attrs["class"] = "kern-form-input__input"
        field.widget.attrs["autocomplete"] = (
            "current-password" if name == "old_password" else "new-password"
        )
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        services.password_changed_notify(
            user=user,
            municipality=getattr(request, "municipality", None),
            url_for=url_for(request),
        )
        messages.success(request, _("Ihr Passwort ist geändert."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
@citizen_required
def account_delete(request: HttpRequest) -> HttpResponse:
    from rathaus.applications.models import Application

    user: User = request.user  # type: ignore[assignment]
    form = AccountDeleteForm(request.POST or None, user=user, request=request)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=user, municipality=getattr(request, "municipality", None))
        logout(request)
        messages.success(request, _("Ihr Konto ist gelöscht."))
        return redirect("portal:home")
    applications = Application.objects.filter(applicant=user)
    return render(
        request,
        "accounts/delete.html",
        {
            "form": form,
            "drafts": applications.filter(status=Application.Status.DRAFT).count(),
            "submitted": applications.filter(status=Application.Status.SUBMITTED).count(),
        },
    )


# --- password reset (Django's views; the mail goes through the outbox) ----------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = OutboxPasswordResetForm
    email_template_name = "accounts/mail/password_reset_body.txt"
    subject_template_name = "accounts/mail/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["municipality"] = self.request.municipality  # type: ignore[attr-defined]
        return kwargs


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        for field in form.fields.values():
            field.widget.attrs.update(
                {"class": "kern-form-input__input", "autocomplete": "new-password"}
            )
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Following the link proves the address; an unverified account is verified now.
        if form.user.email_verified_at is None:
            form.user.email_verified_at = timezone.now()
            form.user.save(update_fields=["email_verified_at"])
        from axes.utils import reset

        reset(username=form.user.email)
        return response


password_reset = mail_municipality_required(PasswordResetView.as_view())  # type: ignore[arg-type]
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


# --- external login (OIDC) --------------------------------------------------------------------


def oidc_start(request: HttpRequest, name: str) -> HttpResponse:
    p = oidc.provider(name)
    if p is None:
        return _external_failed(request, _("Dieser Anmeldedienst ist nicht eingerichtet."), 404)
    request.session["rathaus_oidc_next"] = _safe_next(request, "")
    redirect_uri = request.build_absolute_uri(reverse("accounts:oidc_callback", args=[name]))
    extra = {"acr_values": p.acr_values} if p.acr_values else {}
    try:
        return oidc.client(p).authorize_redirect(request, redirect_uri, **extra)
    except oidc.FLOW_ERRORS:
        oidc.log.exception("OIDC start failed for provider %s", name)
        return _external_failed(
            request,
            _("Der Anmeldedienst %(label)s ist gerade nicht erreichbar.") % {"label": p.label},
            502,
        )


def oidc_callback(request: HttpRequest, name: str) -> HttpResponse:
    p = oidc.provider(name)
    if p is None:
        return _external_failed(request, _("Dieser Anmeldedienst ist nicht eingerichtet."), 404)
    try:
        token = oidc.client(p).authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("no validated ID token in the token response")
        user, level = oidc.external_user(p=p, claims=dict(claims))
    except RathausError as error:
        return _external_failed(request, error.message, 400)
    except oidc.FLOW_ERRORS as error:
        oidc.log.warning("OIDC login via %s failed: %r", name, error)
        return _external_failed(
            request,
            _(
                "Die Anmeldung über %(label)s ist fehlgeschlagen oder abgelaufen. Bitte "
                "versuchen Sie es noch einmal."
            )
            % {"label": p.label},
            400,
        )
    next_url = request.session.pop("rathaus_oidc_next", "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    trust.set_trust_level(request, level)
    messages.success(
        request,
        _("Sie sind über %(label)s angemeldet (Vertrauensniveau: %(level)s).")
        % {"label": p.label, "level": TrustLevel(level).label},
    )
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("accounts:profile")


def _external_failed(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "accounts/external_failed.html",
        {"message": message, "providers": oidc.providers()},
        status=status,
    )

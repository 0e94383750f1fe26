"""Staff login for the back office, mounted at ``/verwaltung/anmelden/`` (see config/urls.py).

Password first (rate-limited by django-axes like the citizen login), then — for whoever has a
TOTP device — the one-time code. Municipal admins and platform operators without a device are
sent to enrolment right after the password. ``staff_required`` enforces the same rules on every
back-office view, so a half-finished login reaches nothing.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import trust
from .decorators import staff_forbidden
from .forms import StaffLoginForm, TokenForm
from .invitations import invitation_tokens
from .models import TrustLevel, User
from .staff import has_second_factor, is_verified, second_factor_required, totp_device_pending
from .views import PasswordResetConfirmView

NEXT = "next"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get(NEXT) or request.GET.get(NEXT) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("backoffice:home")


def _with_next(name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(name)}?{urlencode({NEXT: next_url})}"


def _staff_user(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and user.is_staff:
        return user
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        trust.set_trust_level(request, TrustLevel.BASIC)
        next_url = _next_url(request)
        if has_second_factor(user):
            return redirect(_with_next("staffauth:verify", next_url))
        if second_factor_required(user):
            messages.info(
                request,
                _(
                    "Für Ihre Rolle ist eine Zwei-Faktor-Anmeldung vorgeschrieben. "
                    "Bitte richten Sie sie jetzt ein."
                ),
            )
            return redirect(_with_next("staffauth:enrol", next_url))
        return redirect(next_url)
    return render(
        request,
        "accounts/staff/login.html",
        {"form": form, NEXT: request.POST.get(NEXT) or request.GET.get(NEXT, "")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def staff_verify(request: HttpRequest) -> HttpResponse:
    """Second step: the one-time code from the authenticator app."""
    user = _staff_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path(), reverse("staffauth:login"))
    if not has_second_factor(user):
        return redirect(_with_next("staffauth:enrol", _next_url(request)))
    if is_verified(request):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = _verify_code(user, form.cleaned_data["otp_token"], confirmed=True)
        except Throttled:
            form.add_error("otp_token", str(THROTTLED_MESSAGE))
            device = None
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        if not form.errors:
            form.add_error(
                "otp_token",
                _("Der Code ist falsch oder abgelaufen. Bitte geben Sie den aktuellen Code ein."),
            )
    return render(
        request,
        "accounts/staff/verify.html",
        {"form": form, NEXT: request.POST.get(NEXT) or request.GET.get(NEXT, "")},
    )


def _verify_code(user: User, code: str, *, confirmed: bool) -> TOTPDevice | None:
    """Check the code against the user's TOTP devices (with django-otp's throttling: after a
    wrong code the next try must wait 1, 2, 4 … seconds). Raises ``Throttled``."""
    throttled = False
    for device in TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk"):
        allowed, _reason = device.verify_is_allowed()
        if not allowed:
            throttled = True
            continue
        if device.verify_token(code):
            return device
    if throttled:
        raise Throttled
    return None


class Throttled(Exception):
    """Too many wrong codes in a row; the person has to wait a moment."""


THROTTLED_MESSAGE = _lazy(
    "Zu viele falsche Codes hintereinander. Bitte warten Sie einen Moment und geben Sie dann "
    "den aktuellen Code ein."
)


@never_cache
@require_http_methods(["GET", "POST"])
def staff_enrol(request: HttpRequest) -> HttpResponse:
    """Set up TOTP: scan the QR code (or type the secret), confirm with a first code."""
    user = _staff_user(request)
    if user is None:
        if request.user.is_authenticated:
            return staff_forbidden(
                request, _("Die Zwei-Faktor-Anmeldung gibt es nur für Mitarbeitende.")
            )
        return redirect_to_login(request.get_full_path(), reverse("staffauth:login"))
    if has_second_factor(user) and not is_verified(request):
        # Replacing a device needs the old one first.
        return redirect(_with_next("staffauth:verify", _next_url(request)))
    device = totp_device_pending(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matched = _verify_code(user, form.cleaned_data["otp_token"], confirmed=False)
        except Throttled:
            form.add_error("otp_token", str(THROTTLED_MESSAGE))
            matched = None
        if matched is not None and matched == device:
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Die Zwei-Faktor-Anmeldung ist eingerichtet."))
            return redirect(_next_url(request))
        if not form.errors:
            form.add_error(
                "otp_token",
                _(
                    "Der Code passt nicht. Prüfen Sie die Uhrzeit Ihres Geräts und geben Sie "
                    "den aktuellen Code ein."
                ),
            )
    return render(
        request,
        "accounts/staff/enrol.html",
        {
            "form": form,
            "secret": _base32(device),
            "required": second_factor_required(user),
            NEXT: request.POST.get(NEXT) or request.GET.get(NEXT, ""),
        },
    )


def _base32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@require_safe
def staff_enrol_qr(request: HttpRequest) -> HttpResponse:
    """The enrolment QR code as SVG from our own origin (CSP: no inline images)."""
    user = _staff_user(request)
    if user is None or (has_second_factor(user) and not is_verified(request)):
        return HttpResponse(status=403)
    device = totp_device_pending(user)
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer,
        kind="svg",
        scale=5,
        border=4,
        xmldecl=False,
        title=_("QR-Code für die Authenticator-App"),
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


class StaffInvitationView(PasswordResetConfirmView):
    """The invited person chooses a password (link from ``invitations.invitation_send``), then
    signs in on the staff login — with the second factor where the role requires it. As the
    reset form: the address counts as confirmed, login-failure counters are cleared."""

    template_name = "accounts/staff/invitation.html"
    token_generator = invitation_tokens
    reset_url_token = "einladung"  # noqa: S105 - the URL segment that hides the token
    success_url = reverse_lazy("staffauth:login")

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        # Only staff accounts are invited; a citizen's account is never reached from here, and
        # the link of someone removed from every municipality meanwhile is void.
        return user if user is not None and user.is_staff and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Ihr Passwort ist gespeichert. Bitte melden Sie sich jetzt an."),
        )
        return response


staff_invitation = StaffInvitationView.as_view()

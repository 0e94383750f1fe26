"""Test helpers for other apps: log in staff with a verified second factor, citizens with a
trust level. Import in tests only.

    from rathaus.accounts.testing import login_citizen, login_staff

    def test_inbox(client, clerk, musterstadt):
        login_staff(client, clerk)
        response = client.get("/m/musterstadt/verwaltung/")
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import trust
from .models import TrustLevel, User

BACKEND = "django.contrib.auth.backends.ModelBackend"


def totp_device(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device (created if missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """The current code of ``device`` (``offset`` in steps, e.g. -10 for an old code)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:0{device.digits}d}"


def login_staff(client: Client, user: User, *, verified: bool = True) -> TOTPDevice | None:
    """A staff session as after the staff login with the one-time code.

    With ``verified=False`` the session is logged in by password only (no device is created):
    useful to test that admins are sent to 2FA enrolment.
    """
    client.force_login(user, backend=BACKEND)
    session = client.session
    session[trust.SESSION_KEY] = int(TrustLevel.BASIC)
    device = None
    if verified:
        device = totp_device(user)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def login_citizen(client: Client, user: User, *, level: int = TrustLevel.BASIC) -> None:
    """A citizen session with the given trust level (as after a BundID login, for instance)."""
    client.force_login(user, backend=BACKEND)
    session = client.session
    session[trust.SESSION_KEY] = int(level)
    session.save()


def session_cookie(client: Client) -> dict[str, Any]:
    """The session cookie of a logged-in test client, for Playwright's ``context.add_cookies``
    (pass ``url=live_server.url``)."""
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


__all__ = [
    "BACKEND",
    "BACKEND_SESSION_KEY",
    "HASH_SESSION_KEY",
    "SESSION_KEY",
    "login_citizen",
    "login_staff",
    "session_cookie",
    "totp_code",
    "totp_device",
]

"""Staff login rules: who may enter which back office, and when a second factor is required."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.core.models import Municipality

from .access import attached, staff_access
from .models import StaffRole, User
from .permissions import membership

#: Rank of the roles for ``staff_required(role=…)``: a role includes the ones below it.
ROLE_RANK = {StaffRole.CLERK: 1, StaffRole.TEAM_LEAD: 2, StaffRole.ADMIN: 3}


def may_use_back_office(user: User | AnonymousUser, municipality: Municipality | None) -> bool:
    """Staff with a membership in ``municipality``, or a platform operator (anywhere)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    if user.is_platform_operator:
        return True
    return membership(user, municipality) is not None


def effective_role(user: User, municipality: Municipality | None) -> str | None:
    """The user's role here; platform operators count as municipal admins everywhere."""
    if user.is_platform_operator:
        return StaffRole.ADMIN
    found = membership(user, municipality)
    return found.role if found else None


def has_role(user: User, municipality: Municipality | None, role: str | None) -> bool:
    current = effective_role(user, municipality)
    if current is None:
        return False
    return role is None or ROLE_RANK.get(StaffRole(current), 0) >= ROLE_RANK[StaffRole(role)]


def second_factor_required(user: User) -> bool:
    """Municipal admins (in any municipality) and platform operators must use 2FA."""
    if user.is_platform_operator:
        return True
    return staff_access(user).admin_anywhere


def has_second_factor(user: User) -> bool:
    """A confirmed OTP device: from the access facts behind the staff gate, else looked up."""
    facts = attached(user)
    if facts is not None and facts.confirmed_device is not None:
        return facts.confirmed_device
    return user_has_device(user, confirmed=True)


def is_verified(request: HttpRequest) -> bool:
    """True when this session's login was confirmed with a one-time code."""
    user = request.user
    return bool(getattr(user, "is_verified", lambda: False)())


def totp_device_pending(user: User) -> TOTPDevice:
    """The unconfirmed device used during enrolment (created on first use)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator-App", confirmed=False)
    return device

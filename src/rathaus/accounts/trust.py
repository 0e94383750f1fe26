"""The trust level (level of assurance) of the current login, kept in the session.

A password login gives ``BASIC``; an external identity provider (BundID, Servicekonto.NRW via an
OIDC broker) gives what its ``acr`` claim says. Services state the minimum they need.
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import TrustLevel

SESSION_KEY = "rathaus_trust_level"


def current_trust_level(request: HttpRequest) -> int:
    if not request.user.is_authenticated:
        return TrustLevel.NONE
    return int(request.session.get(SESSION_KEY, TrustLevel.BASIC))


def set_trust_level(request: HttpRequest, level: int) -> None:
    """Call right after ``login()``; the level belongs to this login, not to the account."""
    request.session[SESSION_KEY] = int(level)

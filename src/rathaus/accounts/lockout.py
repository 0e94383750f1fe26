"""django-axes hooks: count failed logins per (lower-cased e-mail, IP address)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address as typed, lower-cased, so ``Erika@…`` and ``erika@…`` count together."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).strip().lower()

"""Registry of further health checks (the worker registers its own)."""

from __future__ import annotations

from collections.abc import Callable

HealthCheck = Callable[[], dict[str, object]]
_checks: dict[str, HealthCheck] = {}


def register_health_check(name: str, check: HealthCheck) -> None:
    """Add a check; its result dict needs ``ok`` and may set ``required: False``."""
    _checks[name] = check


def extra_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in _checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # a broken check reports itself instead of breaking /healthz
            results[name] = {"ok": False, "error": exc.__class__.__name__}
    return results

"""Once-only: values the applicant gave before (account, profile) offered as initial values."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from rathaus.catalog.definition import Step

USER_FIELDS = {"first_name", "last_name", "email"}
PROFILE_FIELDS = {"birth_date", "street", "postcode", "city", "phone", "company_name"}


def prefill_value(source: str, user: Any) -> Any:
    """The value for a ``prefill`` reference, or None (unknown reference, no profile …)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    kind, _sep, name = source.partition(".")
    if kind == "user" and name in USER_FIELDS:
        return getattr(user, name, None) or None
    if kind != "profile":
        return None
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        return None
    if name == "address":
        parts = {"street": profile.street, "postcode": profile.postcode, "city": profile.city}
        return parts if any(parts.values()) else None
    if name in PROFILE_FIELDS:
        value = getattr(profile, name, None)
        if value is not None and hasattr(value, "isoformat"):
            return value.isoformat()
        return value or None
    return None


def prefill_step(step: Step, values: dict[str, Any], user: Any) -> dict[str, Any]:
    """The stored values of a step with prefilled values for fields not answered yet."""
    result = dict(values)
    for spec in step.fields:
        if spec.prefill and result.get(spec.key) in (None, "", [], {}):
            value = prefill_value(spec.prefill, user)
            if value is not None:
                result[spec.key] = value
    return result

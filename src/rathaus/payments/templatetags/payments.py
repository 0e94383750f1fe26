"""``{% load payments %}{% payments_open case %}``: the "Jetzt bezahlen" box for a case's open
payments — used by the confirmation page after submitting and by the postbox case page."""

from __future__ import annotations

from typing import Any

from django import template

from rathaus.payments.selectors import open_payments_of_case

register = template.Library()


@register.inclusion_tag("payments/includes/open_payments.html")
def payments_open(case: Any) -> dict[str, Any]:
    return {"open_payments": open_payments_of_case(case)}

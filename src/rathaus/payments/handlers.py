"""Handlers this app registers itself: what a booked payment sets in motion."""

from __future__ import annotations

from rathaus.cases.models import Case
from rathaus.cases.services import case_payment_received

from .models import Payment


def case_fee_paid(*, payment: Payment) -> None:
    """``cases.fee``: the fee of a case (``handler_ref`` = case id) is paid."""
    case = Case.objects.of(payment.municipality_id).get(pk=int(payment.handler_ref))
    case_payment_received(case=case, payment=payment)

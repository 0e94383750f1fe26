"""Test helpers: a service that takes its fee before the decision, and cases of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rathaus.cases.models import Case
from rathaus.cases.tests.helpers import submitted_case
from rathaus.catalog.models import Service
from rathaus.catalog.services import service_definition_publish
from rathaus.core.models import Municipality
from rathaus.testing.factories import DEFINITIONS_DIR

from ..models import Payment


def paid_service(municipality: Municipality, *, automatic: bool = True) -> Service:
    """The dog licence, changed to: pay first, then (if ``automatic``) decide automatically."""
    source = (DEFINITIONS_DIR / "hund-anmelden.yaml").read_text()
    source = source.replace(
        "workflow:\n  automatic_decision: false\n",
        f"workflow:\n  automatic_decision: {'true' if automatic else 'false'}\n"
        "  payment: before_decision\n",
    )
    assert "payment: before_decision" in source
    version = service_definition_publish(municipality=municipality, source=source, enable=True)
    return version.service


ALL_PASSED = [{"key": "volljaehrig", "passed": True}, {"key": "erlaubnis", "passed": True}]


def case_with_fee(
    service: Service, applicant: Any = None, fee: str = "96.00", **extra: Any
) -> Case:
    extra.setdefault("check_results", ALL_PASSED)
    return submitted_case(
        service,
        applicant,
        fee_amount=Decimal(fee),
        fee_details={"amount": fee, "label": "Steuersatz für den ersten Hund", "period": "year"},
        **extra,
    )


def payment_of(case: Case) -> Payment:
    return Payment.objects.get(case=case)

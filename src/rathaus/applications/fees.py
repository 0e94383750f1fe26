"""The fee of an application: the first matching rule of the definition wins, or a plugin."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from rathaus.catalog import plugins
from rathaus.catalog.definition import ServiceDefinition

from .conditions import Answers, evaluate

PERIOD_LABELS = {"once": "", "year": "pro Jahr", "month": "pro Monat"}


@dataclass(frozen=True)
class FeeResult:
    amount: Decimal
    label: str
    rule_label: str
    period: str
    note: str = ""

    @property
    def period_label(self) -> str:
        if self.period == "year":
            return _("pro Jahr")
        if self.period == "month":
            return _("pro Monat")
        return ""

    def as_json(self) -> dict[str, Any]:
        return {
            "amount": str(self.amount),
            "label": self.label,
            "rule_label": self.rule_label,
            "period": self.period,
        }


class FeeNotComputable(Exception):
    """The definition names a fee plugin that is not registered, or no rule matches."""


def fee_compute(
    *, definition: ServiceDefinition, answers: Answers, municipality: Any = None
) -> FeeResult | None:
    """The fee for these (effective) answers; ``None`` when the service has no fee.

    Raises :class:`FeeNotComputable` when the definition cannot produce one (a misconfiguration
    the municipality must fix, never the applicant's fault).
    """
    fee = definition.fee
    if fee is None:
        return None
    label, note = str(fee.label), str(fee.note) if fee.note else ""
    if fee.plugin:
        function = plugins.resolve_fee(fee.plugin)
        if function is None:
            raise FeeNotComputable(fee.plugin)
        amount = Decimal(
            function(definition=definition, data=answers, municipality=municipality)
        ).quantize(Decimal("0.01"))
        return FeeResult(amount=amount, label=label, rule_label="", period=fee.period, note=note)
    for rule in fee.rules or []:
        if evaluate(rule.when, answers):
            return FeeResult(
                amount=rule.amount,
                label=label,
                rule_label=str(rule.label) if rule.label else "",
                period=fee.period,
                note=note,
            )
    raise FeeNotComputable("no rule matches")

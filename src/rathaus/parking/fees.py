"""The permit fee under the municipality's fee ordinance (:class:`ParkingSettings`).

Three models cover the NRW ordinances in use:

- ``flat``: one amount (Münster: 260 € per 12 months);
- ``length_bands``: the first band whose ``max_length`` the vehicle does not exceed (Köln:
  100 / 110 / 120 € for ≤ 4.109 m / ≤ 4.709 m / longer); a band with ``max_length: null`` takes
  every longer vehicle;
- ``area``: length × width × rate + base amount (Aachen: × 30 €/m² + 15 € per year).

Amounts are for ``base_period_months``. A permit for ``months`` costs
``amount × months ÷ base_period_months``, rounded half up to the cent (with a 12-month base:
6 months cost half, 24 months twice the amount). The area product is rounded only once, at the
end.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .models import FeeModel, ParkingSettings

CENT = Decimal("0.01")


class FeeError(ValueError):
    """The fee cannot be computed for this vehicle or period (message in German)."""


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def vehicle_too_long(settings: ParkingSettings, length: Decimal | None) -> bool:
    return (
        settings.max_length_m is not None
        and length is not None
        and length > Decimal(settings.max_length_m)
    )


def base_amount(
    settings: ParkingSettings, *, length: Decimal | None, width: Decimal | None
) -> Decimal:
    """The amount for the base period, unrounded."""
    if vehicle_too_long(settings, length):
        raise FeeError(
            _("Für Fahrzeuge über %(max)s m Länge wird kein Bewohnerparkausweis ausgestellt.")
            % {"max": format_metres(settings.max_length_m)}
        )
    if settings.fee_model == FeeModel.FLAT:
        return Decimal(settings.flat_amount)
    if settings.fee_model == FeeModel.LENGTH_BANDS:
        if length is None:
            raise FeeError(_("Für die Gebühr wird die Länge des Fahrzeugs benötigt."))
        for band in settings.length_bands or []:
            limit = _decimal(band.get("max_length"))
            amount = _decimal(band.get("amount"))
            if amount is None:
                continue
            if limit is None or length <= limit:
                return amount
        raise FeeError(_("Für diese Fahrzeuglänge sieht die Gebührenordnung keinen Betrag vor."))
    if settings.fee_model == FeeModel.AREA:
        if length is None or width is None:
            raise FeeError(_("Für die Gebühr werden Länge und Breite des Fahrzeugs benötigt."))
        return length * width * Decimal(settings.area_rate) + Decimal(settings.area_base)
    raise FeeError(_("Unbekanntes Gebührenmodell."))


def permit_fee(
    settings: ParkingSettings,
    *,
    months: int,
    length: Decimal | None = None,
    width: Decimal | None = None,
) -> Decimal:
    """The fee for a permit of ``months`` months; raises :class:`FeeError`."""
    if months not in allowed_periods(settings):
        raise FeeError(
            _("Eine Laufzeit von %(months)s Monaten ist nicht vorgesehen.") % {"months": months}
        )
    amount = base_amount(settings, length=length, width=width)
    prorated = amount * Decimal(months) / Decimal(settings.base_period_months or 12)
    return prorated.quantize(CENT, rounding=ROUND_HALF_UP)


def allowed_periods(settings: ParkingSettings) -> list[int]:
    found = []
    for value in settings.periods or []:
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(set(found)) or [12]


def format_metres(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    return f"{number.normalize():f}".replace(".", ",")


def fee_description(settings: ParkingSettings) -> str:
    """One line for the application and the admin page: how the fee is computed."""
    period = settings.base_period_months
    if settings.fee_model == FeeModel.FLAT:
        return _("%(amount)s € je %(months)s Monate") % {
            "amount": money(settings.flat_amount),
            "months": period,
        }
    if settings.fee_model == FeeModel.LENGTH_BANDS:
        parts = []
        for band in settings.length_bands or []:
            limit = band.get("max_length")
            label = _("bis %(m)s m") % {"m": format_metres(limit)} if limit else _("länger")
            parts.append(f"{label}: {money(band.get('amount'))} €")
        return _("%(bands)s je %(months)s Monate") % {"bands": "; ".join(parts), "months": period}
    return _("Länge × Breite × %(rate)s €/m² + %(base)s € je %(months)s Monate") % {
        "rate": money(settings.area_rate),
        "base": money(settings.area_base),
        "months": period,
    }


def money(value: Any) -> str:
    number = _decimal(value) or Decimal("0")
    return f"{number.quantize(CENT):.2f}".replace(".", ",")

"""Licence plates and the three fee models with their boundary values."""

from decimal import Decimal

import pytest

from rathaus.parking.fees import FeeError, permit_fee
from rathaus.parking.models import FeeModel, ParkingSettings
from rathaus.parking.plates import PlateError, plate_key, plate_normalise


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("E-AB 1234", "E-AB 1234"),
        ("e ab 1234", "E-AB 1234"),
        ("E–AB-1234", "E-AB 1234"),
        ("  BOR-X 1 ", "BOR-X 1"),
        ("MÜ-A 12", "MÜ-A 12"),
        ("M-AB 123E", "M-AB 123E"),
        ("K-XY 99 H", "K-XY 99H"),
        ("GEL-AB 999", "GEL-AB 999"),
    ],
)
def test_valid_plates_are_normalised(raw, normalised):
    assert plate_normalise(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "EAB1234",  # no separator: district code ambiguous
        "ABCD-A 1",  # district code too long
        "E-ABC 1",  # three recognition letters
        "E-AB 12345",  # five digits
        "E-AB 0123",  # leading zero
        "E-AB 12X",  # suffix other than E/H
        "GEL-AB 9999",  # nine characters
        "E-Ä 12",  # umlaut only in the district code
        "<script>",
    ],
)
def test_invalid_plates_are_refused_with_an_explanation(raw):
    with pytest.raises(PlateError) as error:
        plate_normalise(raw)
    assert str(error.value)


def test_plate_key_ignores_spelling():
    assert plate_key("e-ab 1234") == plate_key("E AB1234") == "EAB1234"


def _settings(**values) -> ParkingSettings:
    return ParkingSettings(**values)


MUENSTER = {"fee_model": FeeModel.FLAT, "flat_amount": Decimal("260.00"), "base_period_months": 12}
KOELN = {
    "fee_model": FeeModel.LENGTH_BANDS,
    "base_period_months": 24,
    "length_bands": [
        {"max_length": "4.109", "amount": "100.00"},
        {"max_length": "4.709", "amount": "110.00"},
        {"max_length": None, "amount": "120.00"},
    ],
    "max_length_m": Decimal("5.600"),
}
AACHEN = {
    "fee_model": FeeModel.AREA,
    "area_rate": Decimal("30.00"),
    "area_base": Decimal("15.00"),
    "base_period_months": 12,
}


@pytest.mark.parametrize(("months", "fee"), [(6, "130.00"), (12, "260.00"), (24, "520.00")])
def test_flat_fee_is_prorated_from_the_base_period(months, fee):
    assert permit_fee(_settings(**MUENSTER), months=months) == Decimal(fee)


@pytest.mark.parametrize(
    ("length", "fee"),
    [
        ("3.500", "100.00"),
        ("4.109", "100.00"),  # boundary: up to and including 4.109 m
        ("4.110", "110.00"),
        ("4.709", "110.00"),
        ("4.710", "120.00"),
        ("5.600", "120.00"),  # the maximum length itself is allowed
    ],
)
def test_length_bands_with_boundaries(length, fee):
    assert permit_fee(_settings(**KOELN), months=24, length=Decimal(length)) == Decimal(fee)


def test_length_bands_prorated_for_twelve_months():
    assert permit_fee(_settings(**KOELN), months=12, length=Decimal("4.5")) == Decimal("55.00")


def test_vehicle_over_the_maximum_length_is_refused():
    with pytest.raises(FeeError, match="5,6 m"):
        permit_fee(_settings(**KOELN), months=24, length=Decimal("5.601"))


def test_area_fee_aachen_golf():
    # VW Golf 8: 4.284 m × 1.789 m = 7.664076 m² × 30 € + 15 € = 244.92 €
    fee = permit_fee(
        _settings(**AACHEN), months=12, length=Decimal("4.284"), width=Decimal("1.789")
    )
    assert fee == Decimal("244.92")


def test_area_fee_rounds_half_up_once_at_the_end():
    # 2 m × 1.5 m × 30 € + 15 € = 105 € per year; 6 months = 52.50 €
    fee = permit_fee(_settings(**AACHEN), months=6, length=Decimal("2"), width=Decimal("1.5"))
    assert fee == Decimal("52.50")
    fee = permit_fee(
        _settings(**{**AACHEN, "area_rate": Decimal("0.01"), "area_base": Decimal("0")}),
        months=12,
        length=Decimal("1.5"),
        width=Decimal("1"),
    )
    assert fee == Decimal("0.02")  # 0.015 → 0.02


def test_area_needs_length_and_width():
    with pytest.raises(FeeError):
        permit_fee(_settings(**AACHEN), months=12, length=Decimal("4"))


def test_period_not_in_the_ordinance_is_refused():
    with pytest.raises(FeeError, match="3 Monaten"):
        permit_fee(_settings(**MUENSTER, periods=[6, 12]), months=3)

"""The form engine: Django forms built from a service definition's steps and fields."""

from .fields import validate_iban, validate_phone, validate_postcode, validate_street
from .forms import (
    StepForm,
    build_field,
    step_data_from_answers,
    step_form,
    step_validate_stored,
    to_json,
)

__all__ = [
    "StepForm",
    "build_field",
    "step_data_from_answers",
    "step_form",
    "step_validate_stored",
    "to_json",
    "validate_iban",
    "validate_phone",
    "validate_postcode",
    "validate_street",
]

"""Django form fields for the field types of a service definition, with German messages.

Each validator is a plain function so the API and the tests can use it without a form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# ISO 13616 lengths of the IBANs most often seen here (SEPA). Other countries: 15–34 characters.
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27,
    "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LI": 21, "LU": 20, "NL": 18,
    "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
}  # fmt: skip
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 /-]+$")
_POSTCODE = re.compile(r"^[0-9]{5}$")
_HOUSE_NUMBER = re.compile(r"\D\s*\d+\s*[a-zA-Z]?\s*(?:[-/]\s*\d+\s*[a-zA-Z]?)?\s*$")


def normalize_iban(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10: rotate, letters → numbers, remainder 1."""
    rotated = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rotated)
    return int(digits) % 97 == 1


def validate_iban(value: str) -> str:
    """The IBAN without spaces, or ValidationError with a message saying what is wrong."""
    iban = normalize_iban(value)
    if not _IBAN_SHAPE.match(iban):
        raise ValidationError(
            _("Bitte geben Sie eine IBAN an, z. B. DE89 3704 0044 0532 0130 00."), code="iban"
        )
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected and len(iban) != expected:
        raise ValidationError(
            _("Eine IBAN aus %(country)s hat %(length)s Zeichen, Ihre Eingabe hat %(actual)s.")
            % {"country": iban[:2], "length": expected, "actual": len(iban)},
            code="iban_length",
        )
    if not iban_checksum_ok(iban):
        raise ValidationError(
            _("Die IBAN ist nicht gültig (Prüfziffer stimmt nicht). Bitte prüfen Sie die Eingabe."),
            code="iban_checksum",
        )
    return iban


def validate_postcode(value: str) -> str:
    postcode = (value or "").strip()
    if not _POSTCODE.match(postcode):
        raise ValidationError(_("Die Postleitzahl besteht aus genau 5 Ziffern."), code="postcode")
    return postcode


def validate_phone(value: str) -> str:
    phone = " ".join((value or "").split())
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE_CHARS.match(phone) or not 6 <= digits <= 20:
        raise ValidationError(
            _(
                "Bitte geben Sie eine Telefonnummer mit 6 bis 20 Ziffern an "
                "(erlaubt sind Ziffern, Leerzeichen, +, / und -)."
            ),
            code="phone",
        )
    return phone


def validate_street(value: str) -> str:
    street = " ".join((value or "").split())
    if not _HOUSE_NUMBER.search(street):
        raise ValidationError(
            _("Bitte geben Sie Straße und Hausnummer an, z. B. Lindenallee 5."), code="street"
        )
    return street


class _TextInput(forms.TextInput):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(attrs={"class": "kern-form-input__input", **attrs})


class IbanField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _TextInput(autocomplete="off", spellcheck="false"))
        super().__init__(max_length=42, **kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_iban(value) if value else value


class PostcodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", _TextInput(inputmode="numeric", autocomplete="postal-code", maxlength="5")
        )
        super().__init__(max_length=10, **kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_postcode(value) if value else value


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _TextInput(type="tel", autocomplete="tel"))
        super().__init__(max_length=40, **kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_phone(value) if value else value


class StreetField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_street(value) if value else value


class GermanDecimalField(forms.DecimalField):
    """Accepts ``12,50`` as well as ``12.50`` (and ``1.234,50``)."""

    default_error_messages = {"invalid": gettext_lazy("Bitte geben Sie eine Zahl an.")}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("€", "")
            if "," in value:
                value = value.replace(".", "").replace(",", ".")
        return super().to_python(value)


class FullMatchValidator:
    """A definition's ``pattern`` must match the whole input."""

    def __init__(self, pattern: str, message: str) -> None:
        self.regex = re.compile(pattern)
        self.message = message

    def __call__(self, value: str) -> None:
        if value and not self.regex.fullmatch(value):
            raise ValidationError(self.message, code="pattern")


@dataclass(frozen=True)
class UploadValue:
    """What the upload widget read from a request: a new file, the id of a file stored earlier,
    and whether the applicant asked to remove it."""

    file: Any = None
    existing: str = ""
    remove: bool = False


class UploadWidget(forms.Widget):
    """Renders nothing by itself (the step template draws the file input, the hidden id of the
    stored file and the remove box); reads all three back."""

    input_type = "file"
    needs_multipart_form = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> UploadValue:
        return UploadValue(
            file=files.get(name) if files else None,
            existing=str(data.get(f"{name}__existing", "") or ""),
            remove=bool(data.get(f"{name}__remove")),
        )

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class UploadField(forms.Field):
    """A file stored as :class:`~rathaus.applications.models.Upload`; the cleaned value is the
    upload's id. New files are checked and stored before validation (see
    ``StepForm.store_uploads``) so a file survives errors elsewhere on the page."""

    widget = UploadWidget

    def __init__(self, *, accept: list[str], max_bytes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accept = accept
        self.max_bytes = max_bytes
        self.known_uploads: dict[int, Any] = {}
        self.pending_error: str = ""

    def clean(self, value: Any) -> int | None:
        if self.pending_error:
            raise ValidationError(self.pending_error, code="upload")
        if not isinstance(value, UploadValue):
            value = UploadValue()
        upload = None
        if value.existing and not value.remove and value.existing.isdigit():
            upload = self.known_uploads.get(int(value.existing))
        if upload is None and value.file is not None:
            raise ValidationError(
                _("Die Datei konnte nicht verarbeitet werden. Bitte wählen Sie sie erneut."),
                code="upload",
            )
        if upload is None:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        return int(upload.pk)

    def upload_for(self, value: Any) -> Any:
        """The stored upload a (bound) value points at, for showing "bereits hochgeladen"."""
        if isinstance(value, UploadValue) and value.existing.isdigit() and not value.remove:
            return self.known_uploads.get(int(value.existing))
        if isinstance(value, int):
            return self.known_uploads.get(value)
        return None

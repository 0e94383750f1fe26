"""German licence plates (Kennzeichen): validation and the one normalised spelling we store.

A plate is the district code (1–3 letters, umlauts allowed: "LÖ", "MÜ"), one or two letters, a
number of one to four digits without leading zero and an optional suffix "E" (electric vehicle)
or "H" (historic vehicle). Letters and digits together have at most eight characters (§ 8 FZV).
People write plates as "E-AB 1234", "e ab 1234", "E–AB-1234"; without a separator between the
district code and the letters a plate is ambiguous ("EAB1234"), so one is required. Stored and
printed as ``E-AB 1234`` (``E-AB 1234E`` with a suffix).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_PLATE = re.compile(
    r"^(?P<district>[A-ZÄÖÜ]{1,3})\s*[-–‐\s]\s*(?P<letters>[A-Z]{1,2})\s*-?\s*"
    r"(?P<number>[1-9][0-9]{0,3})\s*(?P<suffix>[EH])?$"
)


class PlateError(ValueError):
    """Not a German licence plate; the message says what is wrong, in German."""


def plate_normalise(value: str) -> str:
    """The stored spelling of a plate (``E-AB 1234``); raises :class:`PlateError`."""
    text = " ".join((value or "").upper().split())
    if not text:
        raise PlateError(_("Bitte geben Sie das Kennzeichen an."))
    match = _PLATE.match(text)
    if match is None:
        raise PlateError(
            _(
                "„%(plate)s“ ist kein gültiges deutsches Kennzeichen. Schreiben Sie es wie "
                "auf dem Schild, z. B. „E-AB 1234“: Unterscheidungszeichen (1–3 Buchstaben), "
                "Bindestrich, 1–2 Buchstaben, 1–4 Ziffern, bei E- oder H-Kennzeichen mit E "
                "oder H am Ende."
            )
            % {"plate": value.strip()[:20]}
        )
    district, letters, number = match["district"], match["letters"], match["number"]
    if len(district) + len(letters) + len(number) > 8:
        raise PlateError(
            _("Ein Kennzeichen hat höchstens acht Buchstaben und Ziffern (ohne E oder H).")
        )
    return f"{district}-{letters} {number}{match['suffix'] or ''}"


def plate_key(value: str) -> str:
    """The plate without separators, for searching ("eab1234" finds "E-AB 1234")."""
    return re.sub(r"[^A-Z0-9ÄÖÜ]", "", (value or "").upper())

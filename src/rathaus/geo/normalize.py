"""Normalised keys for street names and house numbers.

"Admiral-Scheer-Str.", "Admiral Scheer Straße" and "admiral-scheer-strasse" all give the key
``admiralscheerstrasse``; "12 a", "12A" and "012a" give ``12a``.
"""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = [
    (re.compile(r"str\.?(?=[\s\-]|$)"), "strasse"),
    (re.compile(r"\bpl\.(?=[\s\-]|$)"), "platz"),
    (re.compile(r"\bst\.\s*"), "sankt "),
]
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NON_KEY = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"^0*(\d+)\s*([a-z]?)(.*)$")
# "Lindenallee 5", "Lindenallee 5a", "Lindenallee 5 a", "Lindenallee, 5"
_QUERY = re.compile(r"^(?P<street>.*?)[\s,]+(?P<number>\d+\s*[a-zA-Z]?)\s*$")


def street_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").casefold().strip()
    text = text.translate(_TRANSLITERATE)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return _NON_KEY.sub("", text)[:200]


def number_key(number: str) -> str:
    text = unicodedata.normalize("NFKC", number or "").casefold().strip()
    text = re.sub(r"\s+", "", text)
    match = _NUMBER.match(text)
    if match:
        return (match.group(1) + match.group(2) + match.group(3))[:20]
    return text[:20]


def number_int(number: str) -> int | None:
    match = re.match(r"\s*0*(\d+)", number or "")
    if not match:
        return None
    value = int(match.group(1))
    return value if value < 2**31 else None


def split_query(query: str) -> tuple[str, str]:
    """("Lindenallee", "5a") from "Lindenallee 5a"; a query without a number gives ("…", "")."""
    text = (query or "").strip()
    match = _QUERY.match(text)
    if match and match.group("street"):
        return match.group("street"), match.group("number")
    return text, ""

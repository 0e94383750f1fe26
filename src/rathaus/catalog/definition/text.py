"""Texts in a definition: a plain string (German) or a mapping ``{de: …, en: …}``."""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import get_language
from pydantic import PlainSerializer, PlainValidator

LANGUAGES = ("de", "en")


class LocalizedText(dict[str, str]):
    """A text in several languages; ``str()`` gives the active language, falling back to German."""

    def __str__(self) -> str:
        lang = (get_language() or "de")[:2]
        return self.get(lang) or self.get("de") or next(iter(self.values()), "")

    def __html__(self) -> str:  # let templates escape it like a str
        from django.utils.html import escape

        return str(escape(str(self)))

    def __bool__(self) -> bool:
        return any(self.values())


def _to_localized(value: Any) -> LocalizedText:
    if isinstance(value, LocalizedText):
        return value
    if isinstance(value, str):
        return LocalizedText(de=value)
    if isinstance(value, dict):
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"unbekannte Sprache(n): {', '.join(sorted(unknown))}")
        if not value.get("de"):
            raise ValueError("ein deutscher Text (de) ist Pflicht")
        if not all(isinstance(v, str) for v in value.values()):
            raise ValueError("Texte müssen Zeichenketten sein")
        return LocalizedText(value)
    raise ValueError("erwartet einen Text oder {de: …, en: …}")


Text = Annotated[
    LocalizedText,
    PlainValidator(_to_localized),
    PlainSerializer(lambda v: dict(v), return_type=dict),
]

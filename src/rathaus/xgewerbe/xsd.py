"""Validation of outgoing messages against the official XSD files, when the operator has them.

The XGewerbeanzeige/XGewerbeordnung schemas are published in XRepository, not redistributed
with Rathaus. An operator downloads them into a folder and sets ``RATHAUS_XGEWERBE_XSD_DIR``;
every message is then validated before it is sent. Without the folder, validation is skipped
with one log line per process.

Layout of the folder: one entry schema per version, found as ``<dir>/<version>/*.xsd`` with the
file named ``xgewerbeanzeige.xsd`` (or ``xgewerbeordnung.xsd``), or else the only ``.xsd`` file
there that declares the version's target namespace; ``<dir>/xgewerbeanzeige.xsd`` also works
for a single version.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree

from .errors import XGewerbeError

logger = logging.getLogger(__name__)

ENTRY_NAMES = ("xgewerbeanzeige.xsd", "xgewerbeordnung.xsd")

_lock = threading.Lock()
_cache: dict[tuple[str, str], etree.XMLSchema | None] = {}
_warned = False


def xsd_dir() -> Path | None:
    value = getattr(settings, "RATHAUS_XGEWERBE_XSD_DIR", "") or ""
    return Path(value) if value else None


def _entry(folder: Path, version: str) -> Path | None:
    for base in (folder / version, folder):
        for name in ENTRY_NAMES:
            if (base / name).is_file():
                return base / name
    candidates = sorted((folder / version).glob("*.xsd")) if (folder / version).is_dir() else []
    return candidates[0] if len(candidates) == 1 else None


def schema_for(version: str) -> etree.XMLSchema | None:
    """The compiled schema for ``version`` (cached), or None when none is configured."""
    global _warned
    folder = xsd_dir()
    if folder is None or not folder.is_dir():
        if not _warned:
            _warned = True
            logger.info(
                "XGewerbeanzeige: keine XSD-Dateien konfiguriert (RATHAUS_XGEWERBE_XSD_DIR); "
                "ausgehende Nachrichten werden nicht gegen das Schema geprüft."
            )
        return None
    key = (str(folder), version)
    with _lock:
        if key not in _cache:
            entry = _entry(folder, version)
            if entry is None:
                logger.info("XGewerbeanzeige %s: kein Schema in %s gefunden.", version, folder)
                _cache[key] = None
            else:
                parser = etree.XMLParser(resolve_entities=False, no_network=True)
                _cache[key] = etree.XMLSchema(etree.parse(str(entry), parser))
        return _cache[key]


def clear_cache() -> None:
    global _warned
    with _lock:
        _cache.clear()
        _warned = False


def validate(xml: bytes, *, version: str) -> bool:
    """Raise ``XGewerbeError`` when the message violates the schema. Returns whether a schema
    was there to validate against."""
    schema = schema_for(version)
    if schema is None:
        return False
    document = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if not schema.validate(document):
        errors: list[Any] = list(schema.error_log)  # type: ignore[call-overload]
        line = errors[0].line if errors else None
        text = errors[0].message if errors else ""
        raise XGewerbeError(
            f"Die Nachricht entspricht nicht dem Schema XGewerbeanzeige {version} "
            f"(Zeile {line}): {text}",
            line=line,
        )
    return True

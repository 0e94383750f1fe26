"""Reading a definition file: YAML → validated :class:`ServiceDefinition`, with errors that name
the line, and a small cache of compiled definitions per stored version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from .schema import ServiceDefinition

if TYPE_CHECKING:
    from rathaus.catalog.models import ServiceDefinitionVersion

MAX_SOURCE_BYTES = 512 * 1024


@dataclass
class Problem:
    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = f"Zeile {self.line}" if self.line else "Datei"
        if self.path:
            where += f" ({self.path})"
        return f"{where}: {self.message}"


class DefinitionError(ValueError):
    """A definition file with one or more mistakes; ``problems`` names each with its line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[int | None, int | None]:
    """Walk the composed YAML node tree along a pydantic error location."""
    best = node
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            key = "in" if part == "in_" else "not" if part == "not_" else part
            child = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if child is None:
                break
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        best = node
    if best is None:
        return None, None
    return best.start_mark.line + 1, best.start_mark.column + 1


_MESSAGES = {
    "missing": "Pflichtangabe fehlt",
    "extra_forbidden": "unbekannter Schlüssel (Tippfehler?)",
    "literal_error": "unzulässiger Wert",
    "string_pattern_mismatch": "hat nicht das erwartete Format",
    "too_short": "ist zu kurz oder leer",
}


def _problem_message(error: Any) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"unzulässiger Wert, erlaubt: {expected}"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return f"hat nicht das erwartete Format ({pattern})"
    return _MESSAGES.get(kind, error["msg"])


def parse_definition(source: str) -> ServiceDefinition:
    """Validate a definition file. Raises :class:`DefinitionError` naming line and key."""
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise DefinitionError([Problem("Die Datei ist zu groß (höchstens 512 KB).")])
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DefinitionError(
            [
                Problem(
                    f"YAML-Syntaxfehler: {exc.problem or exc.context}",
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                )
            ]
        ) from exc
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(f"YAML-Fehler: {exc}")]) from exc
    if not isinstance(data, dict):
        raise DefinitionError([Problem("Die Datei muss eine Zuordnung (key: value) enthalten.")])
    try:
        return ServiceDefinition.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            line, column = _line_of(node, loc)
            path = ".".join(str(p).rstrip("_") for p in loc)
            problems.append(Problem(_problem_message(error), line, column, path))
        raise DefinitionError(problems) from exc


def checksum(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def dump_definition(definition: ServiceDefinition) -> str:
    """A definition as YAML (used when an admin changes fees or texts without editing YAML)."""
    data = definition.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude_defaults=False
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


_cache: dict[tuple[int, str], ServiceDefinition] = {}


def load_definition(version: ServiceDefinitionVersion) -> ServiceDefinition:
    """The compiled definition of a stored version, built once per process.

    Versions are immutable, so the (pk, checksum) pair identifies the content for good.
    """
    key = (version.pk, version.checksum)
    definition = _cache.get(key)
    if definition is None:
        definition = ServiceDefinition.model_validate(version.data)
        if len(_cache) > 2048:
            _cache.clear()
        _cache[key] = definition
    return definition

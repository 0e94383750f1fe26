"""Service definitions: schema, parsing with line-accurate errors, compiled-definition cache."""

from .loader import (
    DefinitionError,
    Problem,
    checksum,
    dump_definition,
    load_definition,
    parse_definition,
)
from .schema import (
    FORMAT,
    TRUST_LEVELS,
    Check,
    Choice,
    Condition,
    DocumentSpec,
    Fee,
    FeeRule,
    FormField,
    Retention,
    ServiceDefinition,
    Step,
    Workflow,
    resolve_relative_date,
)
from .text import LocalizedText

__all__ = [
    "FORMAT",
    "TRUST_LEVELS",
    "Check",
    "Choice",
    "Condition",
    "DefinitionError",
    "DocumentSpec",
    "Fee",
    "FeeRule",
    "FormField",
    "LocalizedText",
    "Problem",
    "Retention",
    "ServiceDefinition",
    "Step",
    "Workflow",
    "checksum",
    "dump_definition",
    "load_definition",
    "parse_definition",
    "resolve_relative_date",
]

"""The one error of this app: a message that cannot be read, built or sent as it is."""

from __future__ import annotations

from typing import Any

from rathaus.core.errors import ErrorCode, RathausError


class XGewerbeError(RathausError):
    """An XGewerbeanzeige message is invalid (German message naming the element and line)."""

    def __init__(self, message: str, *, element: str = "", line: int | None = None, **details: Any):
        super().__init__(ErrorCode.XGEWERBE_INVALID, message, element=element, line=line, **details)
        self.element = element
        self.line = line

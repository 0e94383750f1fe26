"""Municipal logos are SVG entered by admins; scripts, event handlers and external references are
stripped before the logo is served (it is also served with a CSP that forbids scripts)."""

from __future__ import annotations

import re

_FORBIDDEN_ELEMENTS = re.compile(
    r"<\s*(script|foreignObject|iframe|embed|object)\b.*?(<\s*/\s*\1\s*>|/>)",
    re.IGNORECASE | re.DOTALL,
)
_EVENT_ATTRS = re.compile(r"\s+on[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_EXTERNAL_REFS = re.compile(
    r"\s+(?:xlink:)?href\s*=\s*(\"(?!#)[^\"]*\"|'(?!#)[^']*')", re.IGNORECASE
)


def sanitize_svg(svg: str) -> str:
    svg = _FORBIDDEN_ELEMENTS.sub("", svg)
    svg = _EVENT_ATTRS.sub("", svg)
    return _EXTERNAL_REFS.sub("", svg)

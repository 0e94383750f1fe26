"""Rendered HTML fragments cached under a key of everything they depend on.

Rendering through Django templates is the largest part of several hot pages (a catalogue card
costs about as much as a query). A fragment is cached under a digest of its inputs — the data it
shows, the URL prefix its links start with, the active language — so a cached copy can never be
stale and nothing has to invalidate it; an entry simply stops being asked for and expires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def fragment_cached(
    name: str,
    inputs: Any,
    render: Callable[[], str],
    *,
    seconds: int = 300,
) -> SafeString:
    """The HTML of fragment ``name`` for ``inputs`` (anything with a stable ``repr``: tuples,
    lists, strings, numbers) in the active language: from the cache, or made by ``render``
    (called only then, so the work of gathering its data is skipped on a hit)."""
    raw = repr((get_language(), inputs)).encode()
    key = f"fragment:{name}:{hashlib.sha256(raw).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, seconds)
    return mark_safe(html)  # noqa: S308 - made by our own templates, escaped there

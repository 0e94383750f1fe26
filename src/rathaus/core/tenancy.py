"""Finding the municipality a request belongs to.

A request names its municipality by host name (``musterstadt.localhost``, or one of the
municipality's own ``domains``) or, as a fallback, by the path prefix ``/m/<slug>/``. The lookups
are cached briefly because every request makes one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from .models import Municipality

CACHE_SECONDS = 60
_MISSING = "-"


def _cache_key(kind: str, value: str) -> str:
    return f"rathaus:municipality:{kind}:{value}"


def municipality_by_slug(slug: str) -> Municipality | None:
    key = _cache_key("slug", slug)
    found = cache.get(key)
    if found is None:
        found = Municipality.objects.filter(slug=slug, is_active=True).first() or _MISSING
        cache.set(key, found, CACHE_SECONDS)
    return None if found == _MISSING else found


def municipality_by_host(host: str) -> Municipality | None:
    """The municipality for a host name without port, or None for the platform's own host."""
    host = host.lower().rstrip(".")
    base = settings.RATHAUS_BASE_DOMAIN.lower()
    if host.endswith("." + base):
        label = host[: -len(base) - 1]
        if "." not in label:
            return municipality_by_slug(label)
    key = _cache_key("host", host)
    found = cache.get(key)
    if found is None:
        found = _MISSING
        # Custom domains are few per municipality; JSON containment differs per database, so
        # the list is checked in Python over the (small) set of municipalities that have any.
        for municipality in Municipality.objects.filter(is_active=True).exclude(domains=[]):
            if host in {d.lower() for d in municipality.domains}:
                found = municipality
                break
        cache.set(key, found, CACHE_SECONDS)
    return None if found == _MISSING else found


def forget_municipality(municipality: Municipality) -> None:
    """Drop cached lookups after a municipality changed."""
    keys = [_cache_key("slug", municipality.slug)]
    keys += [_cache_key("host", d.lower()) for d in municipality.domains]
    cache.delete_many(keys)

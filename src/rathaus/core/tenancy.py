"""Finding the municipality a request belongs to.

A request names its municipality by host name (``musterstadt.localhost``, or one of the
municipality's own ``domains``) or, as a fallback, by the path prefix ``/m/<slug>/``. The lookups
are cached briefly because every request makes one.

Links into a municipality's portal for e-mails and commands (no request at hand) are
:func:`portal_url` of :func:`portal_path`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import NoReverseMatch, get_script_prefix, reverse

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


def portal_path(name: str, *args: Any, default: str | None = None, **kwargs: Any) -> str:
    """The path of URL ``name`` inside a portal, without the ``/m/<slug>`` prefix the current
    request may have set. ``default`` is returned when the URL is not mounted in this URL
    configuration (some test configurations); without it, NoReverseMatch is raised."""
    try:
        found = reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        if default is None:
            raise
        return default
    prefix = get_script_prefix()
    return "/" + found[len(prefix) :] if found.startswith(prefix) else found


def portal_url(*, municipality: Municipality, path: str) -> str:
    """An absolute URL in ``municipality``'s portal for e-mails and commands: the
    ``RATHAUS_PUBLIC_URL`` and the ``/m/<slug>`` form, which works on every installation."""
    base = settings.RATHAUS_PUBLIC_URL.rstrip("/")
    return f"{base}/m/{municipality.slug}{path}"

"""``{% load geo %}{% has_parking_zones municipality as zones %}``: for the portal start page."""

from __future__ import annotations

from django import template

from rathaus.core.models import Municipality
from rathaus.geo.selectors import has_zones

register = template.Library()


@register.simple_tag
def has_parking_zones(municipality: Municipality | None) -> bool:
    return municipality is not None and has_zones(municipality=municipality)

"""Does an address lie in the municipality? (The business address must, § 14 GewO: the trade
office of the place of business is responsible.)

Order of sources:
1. the municipality's address register (``rathaus.geo.models.Address``) when the geo app is
   installed and holds addresses for the municipality: street (normalised) and postcode must match
   a known address;
2. otherwise the municipality's postcodes: ``TradeSettings.postcodes`` (back office), else the
   setting ``RATHAUS_TRADE_POSTCODES`` (``{"<slug>": ["33098", …]}``), else the postcodes of the
   municipality's offices;
3. with no postcode known at all the check cannot refuse anything (and says so in the log).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings

from .wz import fold

logger = logging.getLogger(__name__)


def municipality_postcodes(municipality: Any) -> set[str]:
    from rathaus.core.models import Office

    from .models import TradeSettings

    found = TradeSettings.objects.filter(municipality=municipality).first()
    if found and found.postcodes:
        return {str(p) for p in found.postcodes}
    configured = getattr(settings, "RATHAUS_TRADE_POSTCODES", {}) or {}
    if configured.get(municipality.slug):
        return {str(p) for p in configured[municipality.slug]}
    return set(Office.objects.filter(municipality=municipality).values_list("postcode", flat=True))


def _street_key(street: str) -> str:
    text = fold(street)
    text = re.sub(r"str\.?(\s|$)", "strasse ", text)
    return re.sub(r"[^a-z0-9]", "", text)


def _register_match(municipality: Any, street: str, postcode: str) -> bool | None:
    """True/False when the address register decides, None when there is none."""
    try:
        from rathaus.geo.models import Address
    except ImportError:
        return None
    try:
        addresses = Address.objects.of(municipality)
        if not addresses.exists():
            return None
        from .notification import split_street

        name, number = split_street(street)
        wanted = _street_key(name)
        candidates = addresses.filter(postcode=postcode) if postcode else addresses
        for found_street, found_number in candidates.values_list("street", "house_number")[:5000]:
            if _street_key(found_street) == wanted and (
                not number or fold(found_number).replace(" ", "") == fold(number).replace(" ", "")
            ):
                return True
        return False
    except Exception:  # an unexpected geo schema must not block the form
        logger.exception("address register lookup failed")
        return None


def address_problem(*, municipality: Any, address: Any) -> str:
    """A German message when the address is outside the municipality, else ""."""
    if not isinstance(address, dict):
        return ""
    street = str(address.get("street") or "")
    postcode = str(address.get("postcode") or "")
    in_register = _register_match(municipality, street, postcode)
    if in_register is True:
        return ""
    if in_register is False:
        return (
            f"Die Anschrift „{street}, {postcode}“ ist im Adressverzeichnis von "
            f"{municipality.name} nicht zu finden. Die Betriebsstätte muss in {municipality.name} "
            "liegen; für andere Orte ist das dortige Gewerbeamt zuständig."
        )
    postcodes = municipality_postcodes(municipality)
    if not postcodes:
        logger.warning("no postcodes known for %s: business address not checked", municipality.slug)
        return ""
    if postcode not in postcodes:
        return (
            f"Die Postleitzahl {postcode} gehört nicht zu {municipality.name} (erlaubt: "
            f"{', '.join(sorted(postcodes))}). Für eine Betriebsstätte in einer anderen Gemeinde "
            "ist das dortige Gewerbeamt zuständig."
        )
    return ""

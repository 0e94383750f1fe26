"""Reads of the parking app: the holder's permits, the register, the verification status."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from rathaus.accounts.models import User
from rathaus.core.models import Municipality

from .models import Permit, PermitStatus, VisitorPass
from .plates import plate_key
from .tokens import PERMIT, TokenData


def permits_of_holder(*, municipality: Municipality, holder: User) -> QuerySet[Permit]:
    return (
        Permit.objects.of(municipality)
        .filter(holder=holder)
        .prefetch_related("visitor_passes")
        .order_by("-valid_to", "-pk")
    )


def permits_register(
    *,
    municipality: Municipality,
    query: str = "",
    zone: str = "",
    status: str = "",
) -> QuerySet[Permit]:
    """The permit register, searched by plate (any spelling), holder or number."""
    found = Permit.objects.of(municipality)
    query = query.strip()
    if query:
        key = plate_key(query)
        condition = Q(number__icontains=query) | Q(holder_name__icontains=query)
        if key:
            condition |= Q(plate_key__contains=key)
        found = found.filter(condition)
    if zone:
        found = found.filter(zone_code=zone)
    today = timezone.localdate()
    if status == PermitStatus.VALID:
        found = found.filter(status=PermitStatus.VALID, valid_to__gte=today)
    elif status == PermitStatus.EXPIRED:
        found = found.filter(
            Q(status=PermitStatus.EXPIRED) | Q(status=PermitStatus.VALID, valid_to__lt=today)
        )
    elif status in (PermitStatus.REVOKED, PermitStatus.RETURNED):
        found = found.filter(status=status)
    return found.order_by("zone_code", "-valid_to", "-pk")


def token_status(*, municipality: Municipality, data: TokenData) -> dict[str, Any]:
    """What the verification page shows for a correctly signed token: state ``valid``,
    ``expired``, ``revoked`` (also returned or cancelled) or ``invalid`` (signed, but no such
    permit — e.g. a database restored to an older state), plus the reason."""
    today = timezone.localdate()
    if data.kind == PERMIT:
        permit = Permit.objects.of(municipality).filter(number=data.number).first()
        if permit is None or permit.plate != data.plate:
            return {"state": "invalid", "reason": "Zu diesem Code gibt es keinen Parkausweis."}
        status = permit.effective_status(today)
        if status in (PermitStatus.REVOKED, PermitStatus.RETURNED):
            return {"state": "revoked", "permit": permit, "reason": permit.get_status_display()}
        if status == PermitStatus.EXPIRED:
            return {"state": "expired", "permit": permit}
        if permit.valid_from > today:
            return {"state": "not_yet", "permit": permit}
        return {"state": "valid", "permit": permit}
    visitor = (
        VisitorPass.objects.of(municipality)
        .filter(number=data.number)
        .select_related("permit")
        .first()
    )
    if visitor is None or visitor.plate != data.plate:
        return {"state": "invalid", "reason": "Zu diesem Code gibt es keinen Besucherausweis."}
    if visitor.status != VisitorPass.Status.VALID:
        return {"state": "revoked", "visitor": visitor, "reason": visitor.get_status_display()}
    if visitor.day < today:
        return {"state": "expired", "visitor": visitor}
    if visitor.day > today:
        return {"state": "not_yet", "visitor": visitor}
    return {"state": "valid", "visitor": visitor}

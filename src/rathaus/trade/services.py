"""Writes of the trade office: the register, incoming messages, domain events.

Every function takes keyword arguments only and runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from rathaus.core.errors import ErrorCode, RathausError
from rathaus.integrations import domain_events
from rathaus.xgewerbe import model as xm

from . import wz
from .models import Business, BusinessEvent
from .notification import KIND_OF_SERVICE, SERVICE_KEYS, notification_from_answers

logger = logging.getLogger(__name__)

EVENT_RECEIVED = "trade.notification_received"
EVENT_REGISTER_CHANGED = "trade.register_changed"


def _distribute(**kwargs: Any) -> bool:
    """Hand the notification to the XGewerbeanzeige distribution (one message per recipient)."""
    try:
        from rathaus.xgewerbe.distribution import notification_distribute
    except ImportError:  # the xgewerbe distribution is not part of this installation
        logger.warning("xgewerbe distribution not available: notification not distributed")
        return False
    notification_distribute(**kwargs)
    return True


def search_text(business: Business) -> str:
    parts = [
        business.number,
        business.name,
        business.trade_name,
        business.street,
        business.postcode,
        business.city,
        business.activity,
        *business.persons,
        *business.wz_codes,
        *(wz.display(c) for c in business.wz_codes),
    ]
    return wz.fold(" ".join(p for p in parts if p))


def _business_number(municipality: Any) -> str:
    from rathaus.cases.services import reference_next

    return reference_next(
        municipality=municipality,
        scope="gewerberegister",
        prefix="G",
        pattern="G-{year}-{number:06d}",
    )


def business_find(*, municipality: Any, notification: xm.Gewerbeanzeige) -> Business | None:
    """The business a change or closure refers to: by number, register entry, or name and
    postcode."""
    businesses = Business.objects.of(municipality)
    if notification.business_id:
        found = businesses.filter(number=notification.business_id).first()
        if found:
            return found
    entry = notification.business.register_entry
    if entry and entry.number:
        found = businesses.filter(register_number__iexact=entry.number.strip()).first()
        if found:
            return found
    names = [
        n for n in (notification.business.registered_name, notification.business.trade_name) if n
    ]
    postcode = notification.business.address.postcode
    for name in names:
        found = (
            businesses.filter(name__iexact=name, postcode=postcode).first()
            or businesses.filter(trade_name__iexact=name, postcode=postcode).first()
        )
        if found:
            return found
    if not names and notification.persons:
        person = notification.persons[0].display_name
        for candidate in businesses.filter(postcode=postcode):
            if person in candidate.persons:
                return candidate
    return None


def register_apply(
    *, municipality: Any, notification: xm.Gewerbeanzeige, case: Any = None
) -> BusinessEvent:
    """Record a notification in the register: a registration creates the business, a change
    updates it, a closure closes it. Publishes ``trade.register_changed``."""
    with transaction.atomic():
        business = None
        if notification.kind != xm.Kind.ANMELDUNG:
            business = business_find(municipality=municipality, notification=notification)
        if business is None:
            business = Business(municipality=municipality, number=_business_number(municipality))
        b = notification.business
        person_names = [p.display_name for p in notification.persons if p.display_name]
        first_person = person_names[0] if person_names else ""
        business.name = (b.registered_name or b.trade_name or first_person or business.name)[:300]
        business.trade_name = b.trade_name[:200]
        business.legal_form = b.legal_form[:6]
        entry = b.register_entry
        business.register_type = entry.kind[:6] if entry else ""
        business.register_court = entry.court_key[:10] if entry else ""
        business.register_number = entry.number[:40] if entry else ""
        business.street = " ".join(p for p in (b.address.street, b.address.house_number) if p)[:200]
        business.postcode = b.address.postcode[:5]
        business.city = b.address.city[:100]
        codes = [
            a.wz_code
            for a in (notification.main_activity, *notification.further_activities)
            if a.wz_code
        ]
        business.main_wz = notification.main_activity.wz_code
        business.wz_codes = codes
        business.activity = "; ".join(
            a.text for a in (notification.main_activity, *notification.further_activities) if a.text
        )
        business.persons = person_names
        if notification.kind == xm.Kind.ABMELDUNG:
            business.status = Business.Status.CLOSED
            business.closed_on = notification.valid_from
        else:
            business.status = Business.Status.ACTIVE
            business.closed_on = None
            if notification.kind == xm.Kind.ANMELDUNG or business.registered_on is None:
                business.registered_on = notification.valid_from
        business.search_text = search_text(business)
        business.save()
        if not notification.business_id:
            notification.business_id = business.number
        reason = notification.registration_reason
        if notification.change:
            reason = notification.change.reasons[0] if notification.change.reasons else ""
        if notification.closure:
            reason = notification.closure.reason
        main = wz.lookup(notification.main_activity.wz_code)
        event = BusinessEvent.objects.create(
            municipality=municipality,
            business=business,
            kind=notification.kind.value,
            case=case,
            valid_from=notification.valid_from,
            reason=reason[:4],
            wz_code=notification.main_activity.wz_code,
            wz_section=main.section if main else "",
            notification=notification.model_dump(mode="json"),
        )
        domain_events.publish(
            municipality=municipality,
            type=EVENT_REGISTER_CHANGED,
            subject=business.number,
            data={
                "business": business.number,
                "kind": notification.kind.value,
                "status": business.status,
                "valid_from": notification.valid_from.isoformat(),
                "wz": business.main_wz,
            },
            case=case,
        )
    return event


def register_apply_case(*, case: Any) -> BusinessEvent | None:
    """``on_deciding``: the notification of a decided case into the register, then distributed
    to the recipient authorities (inside the decision's transaction: the outbox rows commit with
    it)."""
    application = case.application
    if application is None:
        return None
    kind = KIND_OF_SERVICE.get(case.service.key)
    if kind is None:
        return None
    notification = notification_from_answers(
        kind=kind,
        answers=application.data or {},
        municipality=case.municipality,
        reference=case.reference,
        business_id=str((application.data or {}).get("betrieb", {}).get("betriebsnummer") or ""),
        reported_on=timezone.localdate(application.submitted_at)
        if application.submitted_at
        else None,
    )
    event = register_apply(municipality=case.municipality, notification=notification, case=case)
    _distribute(municipality=case.municipality, notification=notification, case=case)
    return event


def notification_received_publish(*, application: Any) -> None:
    case = getattr(application, "case", None)
    domain_events.publish(
        municipality=application.municipality,
        type=EVENT_RECEIVED,
        subject=str(application.public_id),
        data={
            "service": application.service.key,
            "channel": application.channel,
            "reference": case.reference if case is not None else "",
        },
        case=case,
    )


def notification_receive(*, municipality: Any, xml: bytes) -> Any:
    """An incoming XGewerbeanzeige message (from the state's business portal or another office)
    becomes an application and a case of the matching service (channel "Schnittstelle"), worked
    like an online one. Raises ``RathausError(INVALID_INPUT)`` for a message that cannot be read
    and ``SERVICE_NOT_AVAILABLE`` when the service is not set up."""
    from rathaus.applications.checks import checks_run
    from rathaus.applications.models import Application, Channel
    from rathaus.cases.services import case_open_for_application
    from rathaus.catalog.definition import load_definition
    from rathaus.catalog.models import Service

    try:
        from rathaus.xgewerbe.parser import XGewerbeError, parse
    except ImportError as exc:  # pragma: no cover - xgewerbe parser not installed
        raise RathausError(
            ErrorCode.SERVICE_NOT_AVAILABLE,
            "Der Empfang von XGewerbeanzeige-Nachrichten ist nicht eingerichtet.",
        ) from exc
    try:
        notification = parse(xml)
    except XGewerbeError as exc:
        raise RathausError(
            ErrorCode.INVALID_INPUT, f"Die Nachricht ist keine gültige XGewerbeanzeige: {exc}"
        ) from exc
    from .notification import answers_from_notification

    service = (
        Service.objects.of(municipality)
        .select_related("current_version")
        .filter(key=SERVICE_KEYS[notification.kind])
        .first()
    )
    if service is None or service.current_version is None:
        raise RathausError(
            ErrorCode.SERVICE_NOT_AVAILABLE,
            f"Die Leistung „{SERVICE_KEYS[notification.kind]}“ ist nicht eingerichtet.",
        )
    definition = load_definition(service.current_version)
    answers = answers_from_notification(notification)
    with transaction.atomic():
        application = Application.objects.create(
            municipality=municipality,
            service=service,
            definition_version=service.current_version,
            status=Application.Status.SUBMITTED,
            channel=Channel.API,
            data=answers,
            completed_steps=[s.key for s in definition.steps],
            submitted_at=timezone.now(),
            check_results=list(
                checks_run(definition=definition, answers=answers, municipality=municipality)
            ),
        )
        case = case_open_for_application(application=application)
        notification_received_publish(application=application)
    return case


def statistics(*, municipality: Any, year: int) -> dict[str, Any]:
    """Registrations, changes and closures per month, by WZ section and by reason."""
    from collections import Counter

    events = BusinessEvent.objects.of(municipality).filter(valid_from__year=year)
    by_month: dict[int, Counter[str]] = {m: Counter() for m in range(1, 13)}
    by_section: Counter[tuple[str, str]] = Counter()
    by_reason: Counter[tuple[str, str]] = Counter()
    for kind, month, section, reason in events.values_list(
        "kind", "valid_from__month", "wz_section", "reason"
    ):
        by_month[month][kind] += 1
        by_section[(section or "?", kind)] += 1
        by_reason[(kind, reason or "?")] += 1
    return {"year": year, "by_month": by_month, "by_section": by_section, "by_reason": by_reason}


def today() -> dt.date:
    return timezone.localdate()

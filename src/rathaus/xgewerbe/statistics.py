"""Monthly statistics messages (§ 14 Abs. 13 GewO, § 3 Abs. 2 and 5 GewAnzV).

The statistics office gets the month's notifications in one message "spätestens am ersten
Arbeitstag des Folgemonats". ``statistics_send_due`` sends every complete month that has not
been sent yet; run it daily (``rathaus xgewerbe_statistics``, e.g. from cron at 06:00) — it is
idempotent, so running it twice sends nothing twice. Working days: Monday to Friday without the
public holidays of North Rhine-Westphalia (``nrw_holidays``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rathaus.core.models import Municipality
from rathaus.integrations.outbox import outbox_enqueue

from .matrix import RecipientGroup
from .model import Gewerbeanzeige
from .models import Delivery, Recipient, StatisticsEntry
from .serializer import DEFAULT_VERSION, serialize_batch


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def nrw_holidays(year: int) -> set[dt.date]:
    """The statutory public holidays of NRW (Feiertagsgesetz NW)."""
    easter = easter_sunday(year)
    return {
        dt.date(year, 1, 1),  # Neujahr
        easter - dt.timedelta(days=2),  # Karfreitag
        easter + dt.timedelta(days=1),  # Ostermontag
        dt.date(year, 5, 1),  # Tag der Arbeit
        easter + dt.timedelta(days=39),  # Christi Himmelfahrt
        easter + dt.timedelta(days=50),  # Pfingstmontag
        easter + dt.timedelta(days=60),  # Fronleichnam
        dt.date(year, 10, 3),  # Tag der Deutschen Einheit
        dt.date(year, 11, 1),  # Allerheiligen
        dt.date(year, 12, 25),
        dt.date(year, 12, 26),
    }


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in nrw_holidays(day.year)


def first_working_day(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def deadline(period: str) -> dt.date:
    """The last day the statistics message for ``period`` (YYYY-MM) may be sent."""
    year, month = (int(part) for part in period.split("-"))
    return first_working_day(year + month // 12, month % 12 + 1)


@dataclass(frozen=True)
class SentBatch:
    municipality: str
    period: str
    records: int
    deliveries: int


def statistics_send(*, municipality: Municipality, period: str) -> list[Delivery]:
    """Queue the statistics message of ``period`` to every active statistics recipient.
    Idempotent per recipient and period."""
    created: list[Delivery] = []
    with transaction.atomic():
        entries = list(StatisticsEntry.objects.of(municipality).filter(period=period))
        if not entries:
            return []
        notifications = [Gewerbeanzeige.model_validate(e.notification) for e in entries]
        recipients = Recipient.objects.of(municipality).filter(
            active=True, group=RecipientGroup.STATISTIK
        )
        for recipient in recipients:
            if Delivery.objects.filter(recipient=recipient, period=period).exists():
                continue
            from .distribution import reader_for

            message_uuid = str(uuid.uuid4())
            xml = serialize_batch(
                notifications,
                recipient_group=RecipientGroup.STATISTIK,
                reader=reader_for(recipient),
                message_uuid=message_uuid,
            )
            delivery = Delivery.objects.create(
                municipality=municipality,
                recipient=recipient,
                period=period,
                group=recipient.group,
                version=DEFAULT_VERSION,
                message_uuid=message_uuid,
                records=len(notifications),
                xml=xml.decode("utf-8"),
            )
            delivery.outbox_message = outbox_enqueue(
                municipality=municipality,
                kind=recipient.outbox_kind,
                payload={"delivery": delivery.pk},
                dedupe_key=f"xgewerbe:statistik:{period}:{recipient.pk}",
            )
            delivery.save(update_fields=["outbox_message"])
            created.append(delivery)
    return created


def statistics_send_due(*, today: dt.date | None = None) -> list[SentBatch]:
    """Send every complete month (before the current one) that has not been sent yet."""
    today = today or timezone.localdate()
    current = today.strftime("%Y-%m")
    sent: list[SentBatch] = []
    for municipality in Municipality.objects.filter(is_active=True):
        periods = (
            StatisticsEntry.objects.of(municipality)
            .filter(period__lt=current)
            .values_list("period", flat=True)
            .distinct()
        )
        for period in sorted(set(periods)):
            deliveries = statistics_send(municipality=municipality, period=period)
            if deliveries:
                sent.append(
                    SentBatch(municipality.slug, period, deliveries[0].records, len(deliveries))
                )
    return sent

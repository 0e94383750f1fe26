"""Outbox delivery against a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from rathaus.integrations.delivery import (
    backoff_delay,
    outbox_claim,
    outbox_deliver,
    outbox_deliver_due,
)
from rathaus.integrations.models import OutboxMessage
from rathaus.integrations.outbox import email_enqueue, outbox_enqueue
from rathaus.integrations.transports import register_transport, unregister_transport

pytestmark = pytest.mark.django_db


def _mail(municipality, **fields) -> OutboxMessage:
    values = {
        "to": "erika@example.org",
        "subject": "Ihr Antrag auf Hundeanmeldung – eingegangen",
        "body": "Guten Tag,\n\nIhr Antrag ist eingegangen.",
    }
    values.update(fields)
    return email_enqueue(municipality=municipality, **values)


def _make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_queued_mail_arrives_with_municipality_sender_reply_to_and_stable_message_id(
    smtp, musterstadt, settings
):
    settings.DEFAULT_FROM_EMAIL = "Rathaus <noreply@rathaus.example>"
    message = _mail(musterstadt, reply_to="hundesteuer@musterstadt.example")

    results = outbox_deliver_due(worker_id="w1")

    assert [r.status for r in results] == ["delivered"]
    [received] = smtp.wait_for(1)
    assert received["From"] == "Musterstadt <noreply@rathaus.example>"
    assert received["To"] == "erika@example.org"
    assert received["Reply-To"] == "hundesteuer@musterstadt.example"
    assert received["Subject"] == "Ihr Antrag auf Hundeanmeldung – eingegangen"
    assert received["Message-ID"] == f"<outbox.{message.uid}@rathaus.example>"
    assert "Ihr Antrag ist eingegangen." in received.get_content()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert message.delivered_at is not None
    assert message.attempts == 1
    assert message.locked_by == ""
    assert outbox_deliver_due(worker_id="w1") == []  # nothing is sent twice


def test_without_reply_to_the_municipality_address_is_used(smtp, musterstadt):
    musterstadt.email = "buergerbuero@musterstadt.example"
    musterstadt.save()
    _mail(musterstadt)
    outbox_deliver_due(worker_id="w1")
    [received] = smtp.wait_for(1)
    assert received["Reply-To"] == "buergerbuero@musterstadt.example"


def test_a_rolled_back_change_sends_nothing(smtp, musterstadt):
    with pytest.raises(RuntimeError), transaction.atomic():
        _mail(musterstadt)
        raise RuntimeError("the change that caused the mail failed")

    assert outbox_deliver_due(worker_id="w1") == []
    assert smtp.raw == []


def test_same_dedupe_key_queues_and_sends_once(smtp, musterstadt):
    first = _mail(musterstadt, dedupe_key="case-17-received")
    second = _mail(musterstadt, dedupe_key="case-17-received")
    assert first.pk == second.pk
    outbox_deliver_due(worker_id="w1")
    assert len(smtp.wait_for(1)) == 1


def test_refused_mail_is_retried_after_backoff_and_then_arrives(smtp, musterstadt, settings):
    settings.RATHAUS_OUTBOX_BACKOFF_BASE = 60
    smtp.refuse_next = 1
    message = _mail(musterstadt)

    before = timezone.now()
    [result] = outbox_deliver_due(worker_id="w1")

    assert result.status == "pending"
    message.refresh_from_db()
    assert message.attempts == 1
    assert "451" in message.last_error
    assert before + timedelta(seconds=60) <= message.next_attempt_at
    assert message.next_attempt_at <= timezone.now() + timedelta(seconds=75)
    assert outbox_deliver_due(worker_id="w1") == []  # not due yet
    assert smtp.raw == []

    _make_due(message)
    [result] = outbox_deliver_due(worker_id="w1")

    assert result.status == "delivered"
    assert len(smtp.wait_for(1)) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert message.attempts == 2


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.RATHAUS_OUTBOX_BACKOFF_BASE = 60
    settings.RATHAUS_OUTBOX_BACKOFF_MAX = 3600
    for attempts, nominal in [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (30, 3600)]:
        delays = {backoff_delay(attempts).total_seconds() for _ in range(20)}
        assert all(nominal <= d <= 1.25 * nominal for d in delays), (attempts, delays)
        assert len(delays) > 1  # jittered


def test_default_schedule_keeps_trying_for_more_than_a_day(settings):
    total = sum(
        min(
            settings.RATHAUS_OUTBOX_BACKOFF_MAX, settings.RATHAUS_OUTBOX_BACKOFF_BASE * 2 ** (n - 1)
        )
        for n in range(1, settings.RATHAUS_OUTBOX_MAX_ATTEMPTS)
    )
    assert total > 24 * 3600  # jitter only ever adds


def test_mail_that_keeps_failing_is_dead_lettered_after_max_attempts(smtp, musterstadt, settings):
    settings.RATHAUS_OUTBOX_MAX_ATTEMPTS = 3
    smtp.refuse_always = True
    message = _mail(musterstadt)

    for expected in ["pending", "pending", "dead"]:
        [result] = outbox_deliver_due(worker_id="w1")
        assert result.status == expected
        _make_due(message)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert message.attempts == 3
    assert "451" in message.last_error
    assert outbox_deliver_due(worker_id="w1") == []  # dead stays dead until replayed


def test_unknown_recipient_is_dead_lettered_at_once(smtp, musterstadt):
    smtp.unknown_recipients = {"niemand@example.org"}
    message = _mail(musterstadt, to="niemand@example.org")

    [result] = outbox_deliver_due(worker_id="w1")

    assert result.status == "dead"
    message.refresh_from_db()
    assert message.attempts == 1
    assert "550" in message.last_error


def test_a_leased_message_is_not_claimed_by_a_second_worker_until_the_lease_expires(
    smtp, musterstadt
):
    message = _mail(musterstadt)
    [claimed] = outbox_claim(worker_id="w1")
    assert claimed.pk == message.pk

    assert outbox_claim(worker_id="w2") == []

    OutboxMessage.objects.filter(pk=message.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )  # w1 died; its lease ran out
    [taken_over] = outbox_claim(worker_id="w2")
    assert taken_over.locked_by == "w2"
    outbox_deliver(message=taken_over, worker_id="w2")
    assert len(smtp.wait_for(1)) == 1


def test_messages_of_kinds_without_transport_wait_for_a_worker_that_knows_them(
    musterstadt,
):
    calls: list[int] = []
    message = outbox_enqueue(municipality=musterstadt, kind="test-hook", payload={"n": 1})
    assert outbox_deliver_due(worker_id="w1") == []

    register_transport("test-hook")(lambda m: calls.append(m.payload["n"]))
    try:
        [result] = outbox_deliver_due(worker_id="w1")
    finally:
        unregister_transport("test-hook")

    assert result.status == "delivered"
    assert calls == [1]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already registered"):
        register_transport("email")(lambda m: None)


def test_a_batch_is_claimed_at_once_and_recorded_in_one_update(
    musterstadt, django_assert_max_num_queries
):
    sent: list[int] = []

    @register_transport("test_batch")
    def deliver(message: OutboxMessage) -> None:
        sent.append(message.payload["n"])

    try:
        for n in range(5):
            outbox_enqueue(municipality=musterstadt, kind="test_batch", payload={"n": n})
        # one claim (transaction: select + update, then the read back) and one UPDATE for the
        # five successes — before, it was a claim and an UPDATE per message
        with django_assert_max_num_queries(6):
            results = outbox_deliver_due(worker_id="w1", limit=5, batch=20)
        assert sent == [0, 1, 2, 3, 4]  # in claim order
        assert [r.status for r in results] == ["delivered"] * 5
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"delivered"}
        assert set(OutboxMessage.objects.values_list("locked_by", flat=True)) == {""}
    finally:
        unregister_transport("test_batch")


def test_an_ordered_transport_sees_the_earlier_deliveries_of_its_batch(musterstadt):
    seen: list[list[str]] = []

    @register_transport("test_ordered", ordered=True)
    def deliver(message: OutboxMessage) -> None:
        # what an ordered transport checks: are earlier messages still pending?
        seen.append(
            list(
                OutboxMessage.objects.filter(kind="test_ordered", pk__lt=message.pk)
                .order_by("pk")
                .values_list("status", flat=True)
            )
        )

    try:
        for n in range(3):
            outbox_enqueue(municipality=musterstadt, kind="test_ordered", payload={"n": n})
        outbox_deliver_due(worker_id="w1", batch=20)
        assert seen == [[], ["delivered"], ["delivered", "delivered"]]
    finally:
        unregister_transport("test_ordered")


def test_a_stopping_worker_gives_back_the_rest_of_its_batch(musterstadt):
    sent: list[int] = []
    stop = {"now": False}

    @register_transport("test_stop")
    def deliver(message: OutboxMessage) -> None:
        sent.append(message.payload["n"])
        stop["now"] = True  # SIGTERM arrives during the first delivery

    try:
        for n in range(4):
            outbox_enqueue(municipality=musterstadt, kind="test_stop", payload={"n": n})
        results = outbox_deliver_due(worker_id="w1", batch=20, stopping=lambda: stop["now"])
        assert sent == [0] and len(results) == 1
        statuses = list(
            OutboxMessage.objects.order_by("pk").values_list("status", "locked_by", "attempts")
        )
        assert statuses[0] == ("delivered", "", 1)
        # the other three are free for any worker at once, and were not counted as attempts
        assert statuses[1:] == [("pending", "", 0)] * 3
        assert len(outbox_claim(worker_id="w2", limit=10)) == 3
    finally:
        unregister_transport("test_stop")

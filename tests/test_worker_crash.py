"""Killing the worker at any moment loses nothing, against a real SMTP server on loopback.

The worker is a real process (``python -m rathaus.config.cli worker``) on the test database;
the SMTP server holds the worker inside the SMTP conversation until the test has killed it.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from rathaus.integrations.models import OutboxMessage
from rathaus.integrations.outbox import email_enqueue
from rathaus.integrations.tests.processes import SharedDatabase, WorkerProcess, wait_until
from rathaus.integrations.tests.smtp import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def shared_db(tmp_path) -> SharedDatabase:
    return SharedDatabase(tmp_path)


@pytest.fixture
def workers(shared_db, sink) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def _start(workers, shared_db, sink, name: str, *args: str) -> WorkerProcess:
    worker = WorkerProcess(database=shared_db, smtp_port=sink.port, name=name, args=list(args))
    workers.append(worker)
    return worker


@pytest.mark.parametrize(
    ("phase", "copies_at_server"),
    [
        # Killed before the server had the message: the next worker sends the only copy.
        ("RCPT", 1),
        # Killed after the server took the message but before the worker could mark it
        # delivered: the next worker sends it again — the same Message-ID, so the mailbox
        # keeps one (see docs/outbox-and-worker.md, "Exactly once at the SMTP server").
        ("DATA", 2),
    ],
)
def test_worker_killed_mid_delivery_and_the_mail_still_arrives_once(
    musterstadt, shared_db, sink, workers, phase, copies_at_server
):
    # Given a committed mail and a worker that is inside the SMTP conversation for it
    message = email_enqueue(
        municipality=musterstadt,
        to="erika@example.org",
        subject="Ihr Hund ist angemeldet",
        body="Guten Tag, Ihre Hundeanmeldung ist abgeschlossen.",
    )
    shared_db.push()
    sink.block_in = phase
    first = _start(workers, shared_db, sink, "worker-a")
    assert sink.entered.wait(20), first.log

    # When the worker is killed there (SIGKILL: no clean-up of any kind) …
    first.kill()
    sink.release.set()
    # … and another worker comes up
    second = _start(workers, shared_db, sink, "worker-b")
    sink.wait_for(copies_at_server, timeout=20)
    second.signal(signal.SIGTERM)
    assert second.wait() == 0, second.log

    # Then the mail is in the mailbox exactly once, every copy the same mail
    mailbox = sink.mailbox
    assert list(mailbox) == [f"<outbox.{message.uid}@rathaus.example>"]
    assert len(sink.raw) == copies_at_server
    assert {copy.get_content().strip() for copy in sink.raw} == {
        "Guten Tag, Ihre Hundeanmeldung ist abgeschlossen."
    }
    # and the outbox knows it is delivered
    shared_db.pull()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert message.locked_by == ""
    assert "delivered" in second.log


def test_sigterm_finishes_the_current_mail_then_exits(musterstadt, shared_db, sink, workers):
    # Given two committed mails and a worker inside the SMTP conversation for the first
    first_mail = email_enqueue(municipality=musterstadt, to="a@example.org", subject="1", body="1")
    second_mail = email_enqueue(municipality=musterstadt, to="b@example.org", subject="2", body="2")
    shared_db.push()
    sink.block_in = "DATA"
    worker = _start(workers, shared_db, sink, "worker-a")
    assert sink.entered.wait(20), worker.log

    # When it is asked to stop while delivering
    worker.signal(signal.SIGTERM)
    wait_until(lambda: "finishing the current item" in worker.log, what="the signal")
    sink.release.set()

    # Then it completes that delivery, records it and exits cleanly without starting the next
    assert worker.wait() == 0, worker.log
    assert [m["Subject"] for m in sink.raw] == ["1"]
    shared_db.pull()
    first_mail.refresh_from_db()
    second_mail.refresh_from_db()
    assert first_mail.status == OutboxMessage.Status.DELIVERED
    assert second_mail.status == OutboxMessage.Status.PENDING
    assert second_mail.attempts == 0


def test_several_workers_never_deliver_the_same_mail_twice(musterstadt, shared_db, sink, workers):
    # Given many committed mails and a server that takes a moment per mail
    messages = [
        email_enqueue(
            municipality=musterstadt, to=f"person{n}@example.org", subject=f"Nr. {n}", body="x"
        )
        for n in range(20)
    ]
    shared_db.push()
    sink.delay = 0.005

    # When two workers deliver at the same time
    started = [_start(workers, shared_db, sink, f"worker-{n}", "--once") for n in range(2)]
    for worker in started:
        assert worker.wait(60) == 0, worker.log

    # Then every mail arrived exactly once (no crash, so not even a same-ID copy)
    message_ids = [str(m["Message-ID"]) for m in sink.raw]
    assert len(message_ids) == 20
    assert sorted(message_ids) == sorted(
        f"<outbox.{message.uid}@rathaus.example>" for message in messages
    )
    shared_db.pull()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"delivered"}

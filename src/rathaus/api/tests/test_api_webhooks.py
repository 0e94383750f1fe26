"""Webhooks against a real HTTP receiver on loopback: signatures, retries, order per case, no loss
while the receiver is down, duplicates recognisable by event id."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from rathaus.api.models import WebhookDelivery
from rathaus.api.webhooks import SIGNATURE_HEADER, verify
from rathaus.cases import services as case_services
from rathaus.integrations.delivery import outbox_deliver_due
from rathaus.integrations.models import OutboxMessage

pytestmark = pytest.mark.django_db


class Receiver:
    """A loopback HTTP server that records what it gets; ``status`` is what it answers."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.stop()


def deliver() -> None:
    outbox_deliver_due(worker_id="test-worker")


def time_passes(minutes: int) -> None:
    """Move every pending message's due time back, as if ``minutes`` had passed."""
    for message in OutboxMessage.objects.filter(status="pending"):
        OutboxMessage.objects.filter(pk=message.pk).update(
            next_attempt_at=message.next_attempt_at - timedelta(minutes=minutes)
        )


def subscribe(api, url: str, types: list[str]) -> dict:
    response = api.post("/webhooks", {"url": url, "event_types": types})
    assert response.status_code == 201, response.content
    return response.json()


def actor(api):
    return case_services.ExternalActor(label="Test", municipality_id=api.client.municipality_id)


def test_signed_cloudevents_delivered(full_api, receiver, dog_service, citizen):
    from rathaus.cases.tests.helpers import submitted_case

    sub = subscribe(full_api, receiver.url, ["case.submitted", "case.state_changed"])
    case = submitted_case(dog_service, citizen)
    case_services.case_start(case=case, actor=actor(full_api), version=case.version)
    deliver()
    events = receiver.events()
    assert [e["type"] for e in events] == ["case.submitted", "case.state_changed"]
    for headers, body in receiver.received:
        assert verify(secret=sub["secret"], header=headers[SIGNATURE_HEADER], body=body)
        assert not verify(secret="whsec_wrong", header=headers[SIGNATURE_HEADER], body=body)
        assert headers["Content-Type"].startswith("application/cloudevents+json")
    event = events[1]
    assert event["specversion"] == "1.0"
    assert event["subject"] == case.reference
    assert event["source"].endswith("/m/musterstadt")
    assert event["data"]["state"] == "in_progress"
    assert event["datacontenttype"] == "application/json"
    deliveries = full_api.get(f"/webhooks/{sub['id']}/deliveries").json()["items"]
    assert {d["status"] for d in deliveries} == {"delivered"}


def test_receiver_down_gets_everything_in_order_afterwards(full_api, receiver, case):
    subscribe(full_api, receiver.url, ["case.state_changed", "case.question_asked"])
    receiver.status = 503
    who = actor(full_api)
    case_services.case_start(case=case, actor=who, version=case.version)
    deliver()
    assert len(receiver.received) == 1  # tried once, failed
    first = OutboxMessage.objects.get(kind="webhook", status="pending")
    assert first.attempts == 1 and first.next_attempt_at > timezone.now()
    case.refresh_from_db()
    case_services.case_ask_question(
        case=case, actor=who, version=case.version, text="Impfpass?", deadline=None
    )
    time_passes(1)  # the second event is due, the first still waits for its retry
    deliver()
    assert len(receiver.received) == 1  # the question waited for the state change
    second = OutboxMessage.objects.filter(kind="webhook").order_by("-pk").first()
    assert second.attempts == 0  # waiting is not an attempt
    for _ in range(3):  # down for ten minutes: more failed retries
        time_passes(10)
        deliver()
    assert OutboxMessage.objects.get(pk=first.pk).attempts >= 2
    assert OutboxMessage.objects.get(pk=second.pk).attempts == 0
    receiver.status = 200
    time_passes(60)
    deliver()
    time_passes(60)
    deliver()
    ok = [json.loads(body) for headers, body in receiver.received][-2:]
    assert [e["type"] for e in ok] == ["case.state_changed", "case.question_asked"]
    assert not OutboxMessage.objects.filter(kind="webhook", status="pending").exists()
    # every attempt of the first event carried the same id: duplicates are recognisable
    ids = [e["id"] for e in receiver.events() if e["type"] == "case.state_changed"]
    assert len(ids) >= 2 and len(set(ids)) == 1


def test_replay_sends_same_event_again(full_api, receiver, case):
    sub = subscribe(full_api, receiver.url, ["case.state_changed"])
    case_services.case_start(case=case, actor=actor(full_api), version=case.version)
    deliver()
    delivery = full_api.get(f"/webhooks/{sub['id']}/deliveries").json()["items"][0]
    replay = full_api.post(f"/webhooks/{sub['id']}/deliveries/{delivery['id']}/replay")
    assert replay.status_code == 202, replay.content
    deliver()
    first, second = receiver.events()
    assert first["id"] == second["id"]


def test_subscription_crud_and_isolation(full_api, read_api, receiver, beispieldorf, dorf_case):
    sub = subscribe(full_api, receiver.url, ["case.decided"])
    assert full_api.get(f"/webhooks/{sub['id']}").json()["event_types"] == ["case.decided"]
    changed = full_api.patch(
        f"/webhooks/{sub['id']}", {"event_types": ["case.decided", "document.added"]}
    )
    assert changed.status_code == 200 and "secret" not in changed.json()
    bad = full_api.post("/webhooks", {"url": "ftp://x", "event_types": ["case.decided"]})
    assert bad.status_code == 422
    bad = full_api.post("/webhooks", {"url": receiver.url, "event_types": ["nope"]})
    assert bad.status_code == 422
    # events of another municipality never reach this subscription
    case_services.case_start(
        case=dorf_case,
        actor=case_services.ExternalActor(label="x", municipality_id=beispieldorf.pk),
        version=dorf_case.version,
    )
    assert not WebhookDelivery.objects.exists()
    from .conftest import make_api

    other, _ = make_api(full_api.client.municipality, ["events:subscribe"])
    assert other.get(f"/webhooks/{sub['id']}").status_code == 404
    assert full_api.delete(f"/webhooks/{sub['id']}").status_code == 204
    assert full_api.get(f"/webhooks/{sub['id']}").status_code == 404
    assert full_api.get("/event-types").json()["items"]


def test_a_receiver_that_is_no_longer_allowed_gets_nothing(full_api, receiver, case, settings):
    """The target is checked again before each delivery: after the operator forbids internal
    receivers, a subscription pointing at one is dead-lettered, never called."""
    subscribe(full_api, receiver.url, ["case.state_changed"])
    settings.RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    case_services.case_start(case=case, actor=actor(full_api), version=case.version)
    deliver()
    assert receiver.received == []
    message = OutboxMessage.objects.get(kind="webhook")
    assert message.status == OutboxMessage.Status.DEAD
    assert "https://" in message.last_error


def test_payment_events_reach_subscribers_without_personal_data(
    full_api, receiver, musterstadt, citizen, clerk
):
    from rathaus.payments import services as payment_services
    from rathaus.payments.tests.helpers import case_with_fee, paid_service, payment_of

    subscribe(full_api, receiver.url, ["payment.paid", "payment.failed", "payment.cancelled"])
    case = case_with_fee(paid_service(musterstadt, automatic=False), citizen)
    payment = payment_of(case)
    payment_services.payment_mark_paid(payment=payment, provider_reference="Auszug 7", actor=clerk)
    payment_services.payment_mark_paid(payment=payment, provider_reference="Auszug 7", actor=clerk)
    deliver()
    [event] = receiver.events()  # booked once: one event
    assert event["type"] == "payment.paid" and event["subject"] == case.reference
    data = event["data"]
    assert data["payment"] == str(payment.public_id) and data["case"] == case.reference
    assert (data["amount"], data["currency"], data["status"]) == ("96.00", "EUR", "paid")
    assert data["paid_at"]
    assert citizen.email not in json.dumps(event)
    listed = {t["type"] for t in full_api.get("/event-types").json()["items"]}
    assert {"payment.paid", "payment.failed", "payment.cancelled"} <= listed

"""Dead letters: the admin page of one municipality and the replay service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rathaus.accounts.models import StaffRole
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.integrations.delivery import outbox_deliver_due
from rathaus.integrations.models import OutboxMessage
from rathaus.integrations.outbox import email_enqueue, outbox_replay
from rathaus.testing.factories import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("rathaus.integrations.tests.urls")]

HOST = {"HTTP_HOST": "musterstadt.localhost"}


def _dead(municipality, subject="Bescheid liegt vor") -> OutboxMessage:
    message = email_enqueue(
        municipality=municipality, to="erika@example.org", subject=subject, body="Hallo"
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.DEAD,
        attempts=12,
        last_error="SMTPDataError: (451, b'4.3.0 Mail server temporarily unavailable')",
    )
    message.refresh_from_db()
    return message


def test_replay_sends_a_dead_message_again(smtp, musterstadt, municipal_admin):
    message = _dead(musterstadt)

    outbox_replay(message=message, actor=municipal_admin)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 0
    [result] = outbox_deliver_due(worker_id="w1")
    assert result.status == "delivered"
    assert smtp.wait_for(1)[0]["Subject"] == "Bescheid liegt vor"


def test_replay_needs_an_admin_of_the_municipality(musterstadt, beispieldorf, clerk):
    message = _dead(musterstadt)
    other_admin = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    for actor in [clerk, other_admin]:
        with pytest.raises(RathausError) as error:
            outbox_replay(message=message, actor=actor)
        assert error.value.code == ErrorCode.PERMISSION_DENIED
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD


def test_a_delivered_message_is_not_replayed(smtp, musterstadt, municipal_admin):
    message = email_enqueue(municipality=musterstadt, to="a@example.org", subject="s", body="b")
    outbox_deliver_due(worker_id="w1")
    message.refresh_from_db()
    with pytest.raises(RathausError) as error:
        outbox_replay(message=message, actor=municipal_admin)
    assert error.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_admin_sees_undelivered_messages_of_own_municipality_only(
    client, musterstadt, beispieldorf, municipal_admin
):
    _dead(musterstadt, subject="Musterstadt gescheitert")
    email_enqueue(municipality=musterstadt, to="b@example.org", subject="Wartet noch", body="b")
    _dead(beispieldorf, subject="Beispieldorf gescheitert")
    client.force_login(municipal_admin)

    response = client.get(reverse("integrations:deliveries"), **HOST)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Musterstadt gescheitert" in body
    assert "Wartet noch" in body
    assert "Mail server temporarily unavailable" in body
    assert "Erneut senden" in body
    assert "Beispieldorf gescheitert" not in body
    assert body.index("Musterstadt gescheitert") < body.index("Wartet noch")  # dead first


def test_replay_button_resets_the_message(client, musterstadt, municipal_admin):
    message = _dead(musterstadt)
    client.force_login(municipal_admin)

    response = client.post(reverse("integrations:replay", args=[message.pk]), **HOST)

    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:deliveries")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_replay_needs_a_csrf_token(musterstadt, municipal_admin):
    from django.test import Client

    message = _dead(musterstadt)
    client = Client(enforce_csrf_checks=True)
    client.force_login(municipal_admin)
    response = client.post(reverse("integrations:replay", args=[message.pk]), **HOST)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD


def test_replay_is_post_only(client, musterstadt, municipal_admin):
    message = _dead(musterstadt)
    client.force_login(municipal_admin)
    response = client.get(reverse("integrations:replay", args=[message.pk]), **HOST)
    assert response.status_code == 405


def test_admin_of_another_municipality_gets_404_and_cannot_replay(
    client, musterstadt, beispieldorf
):
    message = _dead(musterstadt)
    other_admin = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    client.force_login(other_admin)

    assert client.get(reverse("integrations:deliveries"), **HOST).status_code == 404
    response = client.post(reverse("integrations:replay", args=[message.pk]), **HOST)
    assert response.status_code == 404
    # and on the own host, the other municipality's message id does not exist
    response = client.post(
        reverse("integrations:replay", args=[message.pk]), HTTP_HOST="beispieldorf.localhost"
    )
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD


def test_clerk_gets_403(client, musterstadt, clerk):
    message = _dead(musterstadt)
    client.force_login(clerk)
    assert client.get(reverse("integrations:deliveries"), **HOST).status_code == 403
    response = client.post(reverse("integrations:replay", args=[message.pk]), **HOST)
    assert response.status_code == 403


def test_citizen_gets_404_and_anonymous_is_sent_to_login(client, musterstadt, citizen):
    response = client.get(reverse("integrations:deliveries"), **HOST)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    client.force_login(citizen)
    assert client.get(reverse("integrations:deliveries"), **HOST).status_code == 404


def test_page_has_no_inline_script_or_style(client, musterstadt, municipal_admin):
    _dead(musterstadt)
    client.force_login(municipal_admin)
    body = client.get(reverse("integrations:deliveries"), **HOST).content.decode()
    assert "style=" not in body
    assert "<script>" not in body and "onclick" not in body

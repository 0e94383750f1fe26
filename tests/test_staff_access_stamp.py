"""The staff gate answers from facts cached in the session (``accounts.access``); a change of
rights made anywhere — another worker process, a Django shell, a bulk update — takes effect on
the very next request of a session that is already logged in."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.accounts import access
from rathaus.accounts.models import StaffMembership, StaffRole, User
from rathaus.accounts.permissions import membership
from rathaus.accounts.testing import login_staff
from rathaus.backoffice.access import staff_member_required
from rathaus.config.urls import urlpatterns as root_urlpatterns
from rathaus.testing.factories import staff_user
from tests.test_accounts_staff import admins_only, any_staff

M = "/m/musterstadt"
PAGE = f"{M}/test-verwaltung/"
ADMIN_PAGE = f"{M}/test-verwaltung/admin/"
MEMBER_PAGE = f"{M}/test-verwaltung/mitarbeit/"


@staff_member_required
def with_membership(request):
    found = request.membership
    # the services' own check answers from the same facts
    assert membership(request.user, request.municipality) is found
    return HttpResponse(f"{found.pk} {found.user_id} {found.municipality_id} {found.role}")


urlpatterns = [
    path("test-verwaltung/", any_staff),
    path("test-verwaltung/admin/", admins_only),
    path("test-verwaltung/mitarbeit/", with_membership),
    *root_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def stamp(user: User) -> int:
    return User.objects.values_list("access_version", flat=True).get(pk=user.pk)


def queries(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response.status_code, [q["sql"] for q in ctx.captured_queries]


# --- no query in the gate ------------------------------------------------------------------------


def test_gate_costs_no_query_once_the_facts_are_in_the_session(client, musterstadt, clerk):
    login_staff(client, clerk)  # verified: django-otp loads the session's device
    # the first request computes the facts (memberships, devices) and stores them
    status, first = queries(client, MEMBER_PAGE)
    assert status == 200
    assert any("accounts_staffmembership" in sql for sql in first)
    # then: the session, the user, the session's OTP device — nothing else
    status, sqls = queries(client, MEMBER_PAGE)
    assert status == 200
    assert len(sqls) == 3, sqls
    assert not any("accounts_staffmembership" in sql for sql in sqls)
    # request.membership is the real row, field by field
    row = StaffMembership.objects.get(user=clerk, municipality=musterstadt)
    expected = f"{row.pk} {clerk.pk} {musterstadt.pk} clerk"
    assert client.get(MEMBER_PAGE).content.decode() == expected


# --- memberships changed elsewhere ---------------------------------------------------------------


def test_revoked_membership_is_404_on_the_next_request(client, musterstadt, clerk):
    login_staff(client, clerk)
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE).status_code == 200  # answered from the session
    # when another process deletes the membership (a queryset delete, as in a shell)
    StaffMembership.objects.filter(user_id=clerk.pk).delete()
    # then the very next request of the open session is refused
    assert client.get(PAGE).status_code == 404
    # and a new grant works just as fast
    StaffMembership.objects.create(user_id=clerk.pk, municipality=musterstadt, role="clerk")
    assert client.get(PAGE).content == b"staff ok clerk"


def test_downgrade_and_regrant_by_bulk_update(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin)
    assert client.get(ADMIN_PAGE).status_code == 200
    # queryset.update() sends no signals; the membership queryset bumps the stamp itself
    StaffMembership.objects.filter(user_id=municipal_admin.pk).update(role=StaffRole.CLERK)
    response = client.get(ADMIN_PAGE)
    assert response.status_code == 403
    assert client.get(PAGE).content == b"staff ok clerk"
    StaffMembership.objects.filter(user_id=municipal_admin.pk).update(role=StaffRole.ADMIN)
    assert client.get(ADMIN_PAGE).status_code == 200


def test_downgrade_by_saving_the_row(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin)
    assert client.get(ADMIN_PAGE).status_code == 200
    row = StaffMembership.objects.get(user_id=municipal_admin.pk)
    row.role = StaffRole.TEAM_LEAD
    row.save()
    assert client.get(ADMIN_PAGE).status_code == 403
    assert client.get(PAGE).content == b"staff ok team_lead"


def test_membership_moved_to_another_person(client, musterstadt, clerk):
    login_staff(client, clerk)
    assert client.get(PAGE).status_code == 200
    other = staff_user(musterstadt, email="other@musterstadt.example")
    StaffMembership.objects.filter(user=other).delete()
    # the clerk's row is given to someone else: the clerk's stamp moves too
    row = StaffMembership.objects.get(user_id=clerk.pk)
    row.user = other
    row.save()
    assert client.get(PAGE).status_code == 404


def test_grant_by_bulk_create_and_removal_by_cascade(client, musterstadt, beispieldorf, clerk):
    login_staff(client, clerk)
    assert client.get("/m/beispieldorf/test-verwaltung/").status_code == 404
    StaffMembership.objects.bulk_create(
        [StaffMembership(user_id=clerk.pk, municipality=beispieldorf, role=StaffRole.CLERK)]
    )
    assert client.get("/m/beispieldorf/test-verwaltung/").status_code == 200
    # deleting the municipality cascades to the membership (signals are sent per row)
    before = stamp(clerk)
    beispieldorf.delete()
    assert stamp(clerk) > before


def test_bulk_writes_bump_old_and_new_owners(musterstadt, beispieldorf, clerk):
    other = staff_user(beispieldorf, email="other@beispieldorf.example")
    clerk_before, other_before = stamp(clerk), stamp(other)
    StaffMembership.objects.filter(user=other).update(user=clerk)
    assert stamp(clerk) > clerk_before and stamp(other) > other_before
    rows = list(StaffMembership.objects.filter(municipality=beispieldorf))
    for row in rows:
        row.user = other
    clerk_before, other_before = stamp(clerk), stamp(other)
    StaffMembership.objects.bulk_update(rows, ["user"])
    assert stamp(clerk) > clerk_before and stamp(other) > other_before
    # an update that matches no membership bumps no one
    with CaptureQueriesContext(connection) as ctx:
        StaffMembership.objects.filter(pk=-1).update(role=StaffRole.ADMIN)
    assert not any('UPDATE "accounts_user"' in q["sql"] for q in ctx.captured_queries)


def test_a_stale_user_object_cannot_reset_the_stamp(client, musterstadt, clerk):
    login_staff(client, clerk)
    stale = User.objects.get(pk=clerk.pk)
    assert client.get(PAGE).status_code == 200
    StaffMembership.objects.filter(user_id=clerk.pk).delete()
    # a request that loaded the user before the revocation saves it afterwards
    stale.first_name = "Klara"
    stale.save()
    assert User.objects.get(pk=clerk.pk).first_name == "Klara"
    assert stamp(clerk) > stale.access_version
    assert client.get(PAGE).status_code == 404
    # nor can one loaded with deferred fields
    partial = User.objects.only("first_name").get(pk=clerk.pk)
    User.objects.bump_access_version([clerk.pk])
    current = stamp(clerk)
    partial.first_name = "Karla"
    partial.save()
    assert stamp(clerk) == current
    assert User.objects.get(pk=clerk.pk).first_name == "Karla"


# --- devices --------------------------------------------------------------------------------------


def test_device_confirmed_after_login_asks_for_the_code_next(client, musterstadt, clerk):
    login_staff(client, clerk, verified=False)
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE).status_code == 200
    # an unconfirmed device (enrolment under way elsewhere) changes nothing
    device = TOTPDevice.objects.create(user=clerk, name="App", confirmed=False)
    assert client.get(PAGE).status_code == 200
    # once it is confirmed, this session has to show the code
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/code/")


def test_deleted_device_sends_an_admin_to_enrolment(client, musterstadt, municipal_admin):
    device = login_staff(client, municipal_admin)
    assert device is not None
    assert client.get(ADMIN_PAGE).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).delete()
    response = client.get(ADMIN_PAGE)
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/zwei-faktor/")


def test_which_device_writes_bump_the_stamp(musterstadt, clerk):
    before = stamp(clerk)
    device = TOTPDevice.objects.create(user=clerk, name="App", confirmed=False)
    device.save(update_fields=["name"])
    assert stamp(clerk) == before  # nothing the gate asks about has changed
    device.confirmed = True
    device.save()
    assert stamp(clerk) == before + 1
    # django-otp's own full saves (throttling, last use) bump too: harmless, they only happen
    # while logging in, and the first request after a login recomputes anyway
    device.throttle_increment()
    assert stamp(clerk) == before + 2
    device.delete()
    assert stamp(clerk) == before + 3


# --- sessions -------------------------------------------------------------------------------------


def test_nothing_stale_survives_a_login_as_someone_else(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin)
    assert client.get(ADMIN_PAGE).status_code == 200
    facts = client.session[access.SESSION_KEY]
    clerk = staff_user(musterstadt, email="clerk2@musterstadt.example")
    login_staff(client, clerk)
    assert access.SESSION_KEY not in client.session
    assert client.get(ADMIN_PAGE).status_code == 403
    # even facts copied over from another account's session count for nothing
    User.objects.filter(pk=clerk.pk).update(access_version=facts["stamp"])
    session = client.session
    session[access.SESSION_KEY] = facts
    session.save()
    assert client.get(ADMIN_PAGE).status_code == 403
    assert client.get(PAGE).content == b"staff ok clerk"


def test_malformed_session_facts_are_recomputed(client, musterstadt, clerk):
    login_staff(client, clerk)
    session = client.session
    session[access.SESSION_KEY] = {"user": clerk.pk, "stamp": stamp(clerk), "memberships": 3}
    session.save()
    assert client.get(PAGE).content == b"staff ok clerk"

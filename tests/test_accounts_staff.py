"""Staff login, two-factor authentication and ``staff_required`` (tenancy and roles)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import path
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.accounts.decorators import staff_required
from rathaus.accounts.models import StaffRole, User
from rathaus.accounts.testing import login_citizen, login_staff, totp_code
from rathaus.config.urls import urlpatterns as root_urlpatterns
from rathaus.testing.factories import UserFactory, staff_user

M = "/m/musterstadt"
PASSWORD = "correct-horse-battery"


@staff_required
def any_staff(request):
    return HttpResponse(f"staff ok {request.staff_role}")


@staff_required(role=StaffRole.ADMIN)
def admins_only(request):
    return HttpResponse("admin ok")


urlpatterns = [
    path("test-verwaltung/", any_staff),
    path("test-verwaltung/admin/", admins_only),
    *root_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def staff_login(client, email, password=PASSWORD, prefix=M, next_url=""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(f"{prefix}/verwaltung/anmelden/", data)


def reset_throttle(device: TOTPDevice) -> None:
    """Stand-in for waiting out django-otp's pause after a wrong code."""
    device.refresh_from_db()
    device.throttle_reset()


@pytest.fixture
def beispieldorf_clerk(beispieldorf):
    return staff_user(beispieldorf, StaffRole.CLERK, email="clerk@beispieldorf.example")


@pytest.fixture
def operator(db):
    return UserFactory(
        email="betrieb@rathaus.example", kind=User.Kind.STAFF, is_platform_operator=True
    )


# --- the staff login ----------------------------------------------------------------------------


def test_staff_login_page(client, musterstadt):
    content = client.get(f"{M}/verwaltung/anmelden/").content.decode()
    assert "Anmeldung für Mitarbeitende" in content
    assert "Verwaltung Musterstadt" in content
    assert 'autocomplete="current-password"' in content


def test_clerk_without_device_logs_in_by_password(client, musterstadt, clerk):
    # when a clerk (2FA not required) logs in with a target
    response = staff_login(client, "clerk@musterstadt.example", next_url=f"{M}/test-verwaltung/")
    # then the target opens, with the role known to the view
    assert response["Location"] == f"{M}/test-verwaltung/"
    assert client.get(f"{M}/test-verwaltung/").content == b"staff ok clerk"


def test_staff_login_default_target_is_back_office(client, musterstadt, clerk):
    response = staff_login(client, "clerk@musterstadt.example")
    assert response["Location"] == f"{M}/verwaltung/"


def test_admin_must_enrol_before_anything_else(client, musterstadt, municipal_admin):
    # when an admin without a device logs in
    response = staff_login(
        client, "admin@musterstadt.example", next_url=f"{M}/test-verwaltung/admin/"
    )
    # then enrolment comes first
    assert response.status_code == 302
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/zwei-faktor/?next=")
    # and the back office is closed until then
    response = client.get(f"{M}/test-verwaltung/admin/")
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/zwei-faktor/")
    # the enrolment page shows the secret and the QR code from our own origin
    page = client.get(response["Location"]).content.decode()
    assert f'src="{M}/verwaltung/anmelden/zwei-faktor/qr.svg"' in page
    assert 'autocomplete="one-time-code"' in page
    qr = client.get(f"{M}/verwaltung/anmelden/zwei-faktor/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert "no-store" in qr["Cache-Control"]
    assert b"<svg" in qr.content
    device = TOTPDevice.objects.get(user=municipal_admin, confirmed=False)
    secret = page.split('class="totp-secret">')[1].split("<")[0].replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # a wrong code is refused with a message
    response = client.post(
        f"{M}/verwaltung/anmelden/zwei-faktor/",
        {"otp_token": "000000" if totp_code(device) != "000000" else "111111"},
    )
    assert response.status_code == 200
    assert "Der Code passt nicht" in response.content.decode()
    # an immediate retry is throttled (django-otp), with a message saying so
    response = client.post(
        f"{M}/verwaltung/anmelden/zwei-faktor/", {"otp_token": totp_code(device)}
    )
    assert "Bitte warten Sie einen Moment" in response.content.decode()
    reset_throttle(device)
    # the right code confirms the device and verifies the session
    response = client.post(
        f"{M}/verwaltung/anmelden/zwei-faktor/",
        {"otp_token": totp_code(device), "next": f"{M}/test-verwaltung/admin/"},
    )
    assert response["Location"] == f"{M}/test-verwaltung/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(f"{M}/test-verwaltung/admin/").content == b"admin ok"


def test_staff_with_device_must_enter_code(client, musterstadt, clerk):
    device = TOTPDevice.objects.create(user=clerk, name="App", confirmed=True)
    # when the clerk logs in with the password
    response = staff_login(client, "clerk@musterstadt.example", next_url=f"{M}/test-verwaltung/")
    # then the code is asked for, and nothing opens before it
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/code/?next=")
    response = client.get(f"{M}/test-verwaltung/")
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/code/")
    # the enrolment (to replace the device) is closed without the code as well
    response = client.get(f"{M}/verwaltung/anmelden/zwei-faktor/")
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/code/")
    assert client.get(f"{M}/verwaltung/anmelden/zwei-faktor/qr.svg").status_code == 403
    # a malformed and a wrong code are refused
    response = client.post(f"{M}/verwaltung/anmelden/code/", {"otp_token": "12ab"})
    assert "sechsstelligen Code" in response.content.decode()
    response = client.post(
        f"{M}/verwaltung/anmelden/code/", {"otp_token": totp_code(device, offset=-20)}
    )
    assert "falsch oder abgelaufen" in response.content.decode()
    # the current code opens the target (after the throttling pause)
    reset_throttle(device)
    response = client.post(
        f"{M}/verwaltung/anmelden/code/",
        {"otp_token": totp_code(device), "next": f"{M}/test-verwaltung/"},
    )
    assert response["Location"] == f"{M}/test-verwaltung/"
    assert client.get(f"{M}/test-verwaltung/").status_code == 200


def test_citizen_cannot_log_into_back_office(client, musterstadt, citizen):
    response = staff_login(client, "erika@example.org")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Dies ist ein Bürgerkonto" in content
    assert f'href="{M}/konto/anmelden/"' in content
    assert "_auth_user_id" not in client.session


def test_other_municipalitys_clerk_cannot_log_in_here(client, musterstadt, beispieldorf_clerk):
    response = staff_login(client, "clerk@beispieldorf.example")
    assert response.status_code == 200
    content = response.content.decode()
    # the same words as for a wrong password: Beispieldorf is not revealed
    assert "keinen Zugang zur Verwaltung dieser Kommune" in content
    assert "Beispieldorf" not in content
    assert "_auth_user_id" not in client.session
    # while at home the login works
    response = staff_login(client, "clerk@beispieldorf.example", prefix="/m/beispieldorf")
    assert response.status_code == 302


def test_staff_login_wrong_password_and_lockout(client, musterstadt, clerk):
    response = staff_login(client, "clerk@musterstadt.example", password="falsch")
    assert "E-Mail-Adresse oder Passwort sind falsch" in response.content.decode()
    for attempt in range(4):
        response = staff_login(client, "clerk@musterstadt.example", password=f"falsch{attempt}")
    assert response.status_code == 429
    response = staff_login(client, "clerk@musterstadt.example")
    assert response.status_code == 429
    assert "Anmeldung vorübergehend gesperrt" in response.content.decode()


def test_operator_logs_in_anywhere_with_2fa(client, musterstadt, beispieldorf, operator):
    response = staff_login(client, "betrieb@rathaus.example", prefix="/m/beispieldorf")
    assert response["Location"].startswith("/m/beispieldorf/verwaltung/anmelden/zwei-faktor/")
    login_staff(client, operator)
    assert client.get(f"{M}/test-verwaltung/admin/").content == b"admin ok"


def test_operator_can_log_in_on_platform_host(client, operator):
    response = staff_login(client, "betrieb@rathaus.example", prefix="")
    assert response.status_code == 302


# --- staff_required -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_staff_login_keeping_prefix(client, musterstadt):
    response = client.get(f"{M}/test-verwaltung/")
    assert response.status_code == 302
    assert response["Location"] == (
        f"{M}/verwaltung/anmelden/?next=/m/musterstadt/test-verwaltung/"
    )


def test_other_municipalitys_staff_get_404(client, musterstadt, beispieldorf_clerk):
    login_staff(client, beispieldorf_clerk)
    assert client.get("/m/beispieldorf/test-verwaltung/").status_code == 200
    response = client.get(f"{M}/test-verwaltung/")
    assert response.status_code == 404
    assert "Beispieldorf" not in response.content.decode()


def test_other_municipalitys_admin_get_404(client, musterstadt, beispieldorf):
    admin = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    login_staff(client, admin)
    assert client.get(f"{M}/test-verwaltung/admin/").status_code == 404


def test_clerk_gets_403_for_admin_pages(client, musterstadt, clerk):
    login_staff(client, clerk)
    response = client.get(f"{M}/test-verwaltung/admin/")
    assert response.status_code == 403
    assert "Kommunale Administration" in response.content.decode()


def test_citizen_gets_clear_403(client, musterstadt, citizen):
    login_citizen(client, citizen)
    response = client.get(f"{M}/test-verwaltung/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "Bürgerkonto" in content
    assert f'value="{M}/verwaltung/anmelden/"' in content


def test_unverified_admin_session_is_sent_to_enrolment(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin, verified=False)
    response = client.get(f"{M}/test-verwaltung/")
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/zwei-faktor/")


def test_staff_required_on_platform_host_is_404(client, operator):
    login_staff(client, operator)
    assert client.get("/test-verwaltung/").status_code == 404


def test_login_staff_helper_gives_verified_admin_session(client, musterstadt, municipal_admin):
    login_staff(client, municipal_admin)
    assert client.get(f"{M}/test-verwaltung/admin/").content == b"admin ok"


def test_team_lead_role_rank(client, musterstadt):
    lead = staff_user(musterstadt, StaffRole.TEAM_LEAD, email="lead@musterstadt.example")
    login_staff(client, lead)
    assert client.get(f"{M}/test-verwaltung/").content == b"staff ok team_lead"
    assert client.get(f"{M}/test-verwaltung/admin/").status_code == 403


def test_enrolment_is_for_staff_only(client, musterstadt, citizen):
    login_citizen(client, citizen)
    assert client.get(f"{M}/verwaltung/anmelden/zwei-faktor/").status_code == 403
    assert client.get(f"{M}/verwaltung/anmelden/zwei-faktor/qr.svg").status_code == 403
    client.logout()
    response = client.get(f"{M}/verwaltung/anmelden/code/")
    assert response["Location"].startswith(f"{M}/verwaltung/anmelden/?next=")

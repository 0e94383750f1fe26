"""Citizen accounts through the Django test client: register, verify, log in, reset, change,
delete. Mails are asserted as outbox rows and their links followed like a person would."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from rathaus.accounts import trust
from rathaus.accounts.models import Profile, TrustLevel, User
from rathaus.accounts.testing import login_citizen, login_staff
from rathaus.integrations.models import OutboxMessage

M = "/m/musterstadt"
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Lindenblatt-Sommer-42"

pytestmark = pytest.mark.django_db


def mails_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="email", payload__to=address).order_by("pk"))


def link_in(message: OutboxMessage) -> str:
    """The path of the (single) portal link in a mail body, host stripped."""
    urls = re.findall(r"https?://[^\s]+", message.payload["body"])
    assert urls, message.payload["body"]
    return re.sub(r"^https?://[^/]+", "", urls[0])


def register(client, email="neu@example.org", password=NEW_PASSWORD, **extra):
    data = {
        "first_name": "Nora",
        "last_name": "Neu",
        "email": email,
        "password1": password,
        "password2": password,
        "accept": "on",
        **extra,
    }
    return client.post(f"{M}/konto/registrieren/", data)


# --- registration and verification -----------------------------------------------------------


def test_register_queues_verification_mail_and_link_verifies(client, musterstadt):
    # given the registration page of Musterstadt
    assert client.get(f"{M}/konto/registrieren/").status_code == 200
    # when a person registers
    response = register(client, email="Nora.Neu@Example.org")
    # then the account exists (address lower-cased), unverified, with a profile
    assert response.status_code == 302
    assert response["Location"] == f"{M}/konto/registrieren/fertig/"
    user = User.objects.get(email="nora.neu@example.org")
    assert user.is_citizen and user.email_verified_at is None
    assert Profile.objects.filter(user=user).exists()
    # and one verification mail is queued in Musterstadt's name with a prefixed link
    (mail,) = mails_to("nora.neu@example.org")
    assert mail.municipality == musterstadt
    assert "bestätigen" in mail.payload["subject"]
    link = link_in(mail)
    assert link.startswith(f"{M}/konto/bestaetigen/")
    # when the link is followed
    response = client.get(link)
    # then the address is confirmed and the person is sent to the login (prefix kept)
    assert response.status_code == 302
    assert response["Location"] == f"{M}/konto/anmelden/"
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_register_page_shows_done_page(client, musterstadt):
    register(client)
    response = client.get(f"{M}/konto/registrieren/fertig/")
    assert "neu@example.org" in response.content.decode()


def test_register_existing_address_answers_the_same_and_warns_the_owner(
    client, musterstadt, citizen
):
    # when somebody registers with an address that already has an account
    response = register(client, email="ERIKA@example.org")
    # then the answer is the same as for a new address (no enumeration)
    assert response.status_code == 302
    assert response["Location"] == f"{M}/konto/registrieren/fertig/"
    assert User.objects.filter(email="erika@example.org").count() == 1
    # and the owner is told, with a reset link instead of a verification link
    (mail,) = mails_to("erika@example.org")
    assert "/konto/passwort-vergessen/" in mail.payload["body"]
    assert "/konto/bestaetigen/" not in mail.payload["body"]


@pytest.mark.parametrize(
    ("password", "password2", "message"),
    [
        ("kurz", "kurz", "zu kurz"),
        ("8405172639018", "8405172639018", "komplett numerisch"),
        (NEW_PASSWORD, "anders-als-vorher-1", "stimmen nicht überein"),
    ],
)
def test_register_rejects_bad_passwords(client, musterstadt, password, password2, message):
    response = register(client, password=password, password2=password2)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bitte prüfen Sie Ihre Angaben" in content
    assert message in content
    assert not User.objects.filter(email="neu@example.org").exists()
    assert OutboxMessage.objects.count() == 0


def test_register_requires_privacy_confirmation(client, musterstadt):
    response = register(client, accept="")
    assert response.status_code == 200
    assert "Datenschutzhinweise" in response.content.decode()
    assert not User.objects.exists()


def test_register_on_platform_host_asks_for_a_municipality(client, musterstadt, beispieldorf):
    # given the platform's own host (no municipality)
    response = client.get("/konto/registrieren/")
    # then the person chooses a portal first, and nothing can be posted
    assert response.status_code == 200
    content = response.content.decode()
    assert 'href="/m/musterstadt/konto/registrieren/"' in content
    assert 'href="/m/beispieldorf/konto/registrieren/"' in content
    client.post("/konto/registrieren/", {"email": "x@example.org"})
    assert not User.objects.exists()


def test_register_works_on_the_municipality_host(client, musterstadt):
    response = client.post(
        "/konto/registrieren/",
        {
            "email": "host@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "accept": "on",
        },
        HTTP_HOST="musterstadt.localhost",
    )
    assert response.status_code == 302
    (mail,) = mails_to("host@example.org")
    assert "http://musterstadt.localhost/konto/bestaetigen/" in mail.payload["body"]


def test_verification_link_tampered_or_expired_gives_clear_message(client, musterstadt, settings):
    register(client)
    link = link_in(mails_to("neu@example.org")[0])
    # a tampered link
    response = client.get(link.replace("/bestaetigen/", "/bestaetigen/x"))
    assert response.status_code == 400
    assert "Der Link ist ungültig" in response.content.decode()
    # an expired link
    settings.RATHAUS_EMAIL_LINK_MAX_AGE = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "abgelaufen" in response.content.decode()
    assert User.objects.get(email="neu@example.org").email_verified_at is None


def test_unverified_account_can_log_in_sees_banner_and_resends_link(client, musterstadt):
    register(client)
    # when the unverified person logs in
    response = client.post(
        f"{M}/konto/anmelden/", {"username": "neu@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    # then the account page shows the banner with a resend button
    content = client.get(f"{M}/konto/profil/").content.decode()
    assert "noch nicht bestätigt" in content
    assert f'action="{M}/konto/bestaetigen-erneut/"' in content
    # and resending queues a second mail whose link works
    response = client.post(f"{M}/konto/bestaetigen-erneut/")
    assert response.status_code == 302
    mails = mails_to("neu@example.org")
    assert len(mails) == 2
    client.get(link_in(mails[1]))
    assert User.objects.get(email="neu@example.org").email_verified_at is not None
    assert "noch nicht bestätigt" not in client.get(f"{M}/konto/profil/").content.decode()


# --- login and logout ---------------------------------------------------------------------------


def test_login_sets_basic_trust_level_and_keeps_prefix(client, musterstadt, citizen):
    # given the login page (with a link to registration, reset and the staff login)
    content = client.get(f"{M}/konto/anmelden/").content.decode()
    assert 'autocomplete="email"' in content and 'autocomplete="current-password"' in content
    assert f"{M}/verwaltung/anmelden/" in content
    # when the citizen logs in (address typed in another case)
    response = client.post(
        f"{M}/konto/anmelden/", {"username": "Erika@Example.org", "password": PASSWORD}
    )
    # then "Meine Anträge" in Musterstadt follows and the trust level is basic
    assert response.status_code == 302
    assert response["Location"] == f"{M}/antraege/"
    assert client.session[trust.SESSION_KEY] == TrustLevel.BASIC


def test_login_redirects_to_next_inside_the_municipality(client, musterstadt, citizen):
    response = client.get(f"{M}/konto/profil/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{M}/konto/anmelden/?next=")
    response = client.post(
        f"{M}/konto/anmelden/",
        {"username": "erika@example.org", "password": PASSWORD, "next": f"{M}/konto/profil/"},
    )
    assert response["Location"] == f"{M}/konto/profil/"


def test_login_ignores_foreign_next(client, musterstadt, citizen):
    response = client.post(
        f"{M}/konto/anmelden/",
        {"username": "erika@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == f"{M}/antraege/"


def test_login_on_platform_host_goes_to_account(client, citizen):
    response = client.post(
        "/konto/anmelden/", {"username": "erika@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/konto/profil/"


def test_wrong_password_is_refused(client, musterstadt, citizen):
    response = client.post(
        f"{M}/konto/anmelden/", {"username": "erika@example.org", "password": "falsch-falsch"}
    )
    assert response.status_code == 200
    assert "E-Mail-Adresse oder Passwort sind falsch" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_cannot_log_in_as_citizen(client, musterstadt, clerk):
    response = client.post(
        f"{M}/konto/anmelden/", {"username": "clerk@musterstadt.example", "password": PASSWORD}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Konto der Verwaltung" in content
    assert f'href="{M}/verwaltung/anmelden/"' in content
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_login(client, musterstadt, citizen):
    # given five failed attempts
    for attempt in range(5):
        response = client.post(
            f"{M}/konto/anmelden/", {"username": "erika@example.org", "password": f"nein-{attempt}"}
        )
    # then the fifth already answers with the lockout page
    assert response.status_code == 429
    # and even the right password is refused now, with a clear page and a reset link
    response = client.post(
        f"{M}/konto/anmelden/", {"username": "ERIKA@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429
    content = response.content.decode()
    assert "Anmeldung vorübergehend gesperrt" in content
    assert f"{M}/konto/passwort-vergessen/" in content
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, musterstadt, citizen):
    for attempt in range(4):
        client.post(
            f"{M}/konto/anmelden/", {"username": "erika@example.org", "password": f"nein-{attempt}"}
        )
    response = client.post(
        f"{M}/konto/anmelden/", {"username": "erika@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_logout(client, musterstadt, citizen):
    login_citizen(client, citizen)
    response = client.post(f"{M}/konto/abmelden/")
    assert response.status_code == 302
    assert response["Location"] == f"{M}/"
    assert "_auth_user_id" not in client.session


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_by_mail(client, musterstadt, citizen):
    # when a reset is requested for a known address
    response = client.post(f"{M}/konto/passwort-vergessen/", {"email": "erika@example.org"})
    assert response["Location"] == f"{M}/konto/passwort-vergessen/gesendet/"
    (mail,) = mails_to("erika@example.org")
    assert mail.municipality == musterstadt
    link = link_in(mail)
    assert link.startswith(f"{M}/konto/passwort-neu/")
    # and the link is followed (Django moves the token into the session)
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert 'autocomplete="new-password"' in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == f"{M}/konto/passwort-neu/fertig/"
    # then the new password works, and the old one does not
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    # and the used link is dead
    response = client.get(link, follow=True)
    assert "ungültig oder abgelaufen" in response.content.decode()


def test_password_reset_unknown_address_answers_the_same(client, musterstadt, citizen):
    response = client.post(f"{M}/konto/passwort-vergessen/", {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert response["Location"] == f"{M}/konto/passwort-vergessen/gesendet/"
    assert OutboxMessage.objects.count() == 0


def test_password_reset_with_bad_token(client, musterstadt, citizen):
    response = client.get(f"{M}/konto/passwort-neu/MQ/falsch-123/", follow=True)
    assert response.status_code == 200
    assert "ungültig oder abgelaufen" in response.content.decode()


def test_password_reset_verifies_unverified_address(client, musterstadt, citizen):
    citizen.email_verified_at = None
    citizen.save()
    client.post(f"{M}/konto/passwort-vergessen/", {"email": "erika@example.org"})
    form_url = client.get(link_in(mails_to("erika@example.org")[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    citizen.refresh_from_db()
    assert citizen.email_verified_at is not None


# --- profile ------------------------------------------------------------------------------------


def test_profile_shows_and_saves_personal_data(client, musterstadt, citizen):
    login_citizen(client, citizen)
    content = client.get(f"{M}/konto/profil/").content.decode()
    assert 'value="Lindenallee 5"' in content
    assert 'autocomplete="postal-code"' in content
    response = client.post(
        f"{M}/konto/profil/",
        {
            "first_name": "Erika",
            "last_name": "Musterfrau",
            "street": "Bahnhofstraße 1",
            "postcode": "33098",
            "city": "Musterstadt",
            "birth_date": "1984-08-12",
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.last_name == "Musterfrau"
    assert citizen.profile.street == "Bahnhofstraße 1"
    assert str(citizen.profile.birth_date) == "1984-08-12"


def test_profile_rejects_bad_postcode_and_date(client, musterstadt, citizen):
    login_citizen(client, citizen)
    response = client.post(f"{M}/konto/profil/", {"postcode": "123", "birth_date": "gestern"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "fünfstellige Postleitzahl" in content
    assert "Bitte prüfen Sie Ihre Angaben" in content


def test_profile_is_for_citizens_only(client, musterstadt, clerk):
    login_staff(client, clerk)
    response = client.get(f"{M}/konto/profil/")
    assert response.status_code == 403
    assert "Bürgerkonten" in response.content.decode()


def test_profile_creates_missing_profile(client, musterstadt):
    user = User.objects.create_user("ohne@example.org", PASSWORD, email_verified_at=timezone.now())
    login_citizen(client, user)
    assert client.get(f"{M}/konto/profil/").status_code == 200
    assert Profile.objects.filter(user=user).exists()


# --- change of e-mail address and password ------------------------------------------------------


def test_change_email_confirmed_by_link_and_old_address_notified(client, musterstadt, citizen):
    login_citizen(client, citizen)
    response = client.post(
        f"{M}/konto/e-mail/", {"email": "erika.neu@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    # then the old address got a notice, the new one a link; the address has not changed yet
    (notice,) = mails_to("erika@example.org")
    assert "/konto/bestaetigen" not in notice.payload["body"]
    (confirm,) = mails_to("erika.neu@example.org")
    citizen.refresh_from_db()
    assert citizen.email == "erika@example.org"
    # when the link is followed
    link = link_in(confirm)
    client.get(link)
    citizen.refresh_from_db()
    assert citizen.email == "erika.neu@example.org"
    assert citizen.email_verified_at is not None
    # and a second use of the link is refused
    response = client.get(link)
    assert response.status_code == 400


def test_change_email_needs_the_password(client, musterstadt, citizen):
    login_citizen(client, citizen)
    response = client.post(
        f"{M}/konto/e-mail/", {"email": "erika.neu@example.org", "password": "falsch"}
    )
    assert response.status_code == 200
    assert "Das Passwort ist nicht richtig" in response.content.decode()
    assert OutboxMessage.objects.count() == 0


def test_change_email_to_taken_address_sends_no_link(client, musterstadt, citizen):
    User.objects.create_user("vergeben@example.org", PASSWORD)
    login_citizen(client, citizen)
    response = client.post(
        f"{M}/konto/e-mail/", {"email": "vergeben@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302  # same answer as for a free address
    assert mails_to("vergeben@example.org") == []


def test_change_email_link_expired(client, musterstadt, citizen, settings):
    login_citizen(client, citizen)
    client.post(f"{M}/konto/e-mail/", {"email": "erika.neu@example.org", "password": PASSWORD})
    settings.RATHAUS_EMAIL_LINK_MAX_AGE = -1
    response = client.get(link_in(mails_to("erika.neu@example.org")[0]))
    assert response.status_code == 400
    assert "abgelaufen" in response.content.decode()


def test_change_password(client, musterstadt, citizen):
    login_citizen(client, citizen)
    page = client.get(f"{M}/konto/passwort/").content.decode()
    assert 'autocomplete="new-password"' in page
    response = client.post(
        f"{M}/konto/passwort/",
        {"old_password": "falsch", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    response = client.post(
        f"{M}/konto/passwort/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    # the session survives and the owner is notified
    assert client.get(f"{M}/konto/profil/").status_code == 200
    assert "Passwort" in mails_to("erika@example.org")[0].payload["subject"]


# --- deletion ------------------------------------------------------------------------------------


@pytest.fixture
def applications_of(dog_service):
    from rathaus.applications.models import Application
    from rathaus.cases.models import Case

    def make(user):
        common = {
            "municipality": dog_service.municipality,
            "service": dog_service,
            "definition_version": dog_service.current_version,
            "applicant": user,
        }
        draft = Application.objects.create(status=Application.Status.DRAFT, **common)
        submitted = Application.objects.create(status=Application.Status.SUBMITTED, **common)
        case = Case.objects.create(
            municipality=dog_service.municipality,
            reference="HUND-2026-1",
            service=dog_service,
            application=submitted,
            applicant=user,
            applicant_name=user.get_full_name(),
        )
        return draft, submitted, case

    return make


def test_delete_account_keeps_submitted_applications(client, musterstadt, citizen, applications_of):
    from rathaus.applications.models import Application
    from rathaus.cases.models import Case

    draft, submitted, case = applications_of(citizen)
    login_citizen(client, citizen)
    # the page explains what goes and what stays
    content = client.get(f"{M}/konto/loeschen/").content.decode()
    assert "gesetzliche Aufbewahrungsfrist" in content
    # a wrong password deletes nothing
    response = client.post(f"{M}/konto/loeschen/", {"password": "falsch", "confirm": "on"})
    assert response.status_code == 200
    assert User.objects.filter(pk=citizen.pk).exists()
    # the right one deletes account, profile and draft
    response = client.post(f"{M}/konto/loeschen/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"{M}/"
    assert not User.objects.filter(pk=citizen.pk).exists()
    assert not Profile.objects.filter(user_id=citizen.pk).exists()
    assert not Application.objects.filter(pk=draft.pk).exists()
    # while the submitted application and its case stay, detached, with the name
    submitted.refresh_from_db()
    case.refresh_from_db()
    assert submitted.applicant is None
    assert case.applicant is None and case.applicant_name == "Erika Mustermann"
    assert Case.objects.count() == 1
    assert "_auth_user_id" not in client.session
    assert mails_to("erika@example.org")[-1].payload["subject"] == "Ihr Konto wurde gelöscht"


def test_delete_account_needs_confirmation(client, musterstadt, citizen):
    login_citizen(client, citizen)
    response = client.post(f"{M}/konto/loeschen/", {"password": PASSWORD})
    assert response.status_code == 200
    assert User.objects.filter(pk=citizen.pk).exists()


def test_staff_cannot_use_citizen_delete(client, musterstadt, clerk):
    login_staff(client, clerk)
    response = client.post(f"{M}/konto/loeschen/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert User.objects.filter(pk=clerk.pk).exists()

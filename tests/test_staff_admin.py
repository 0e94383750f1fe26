"""Municipal admins manage their staff and teams: invitations, roles, teams, second factor,
removal — and nobody else can, in this municipality or another."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.accounts.invitations import invitation_tokens
from rathaus.accounts.models import StaffMembership, StaffRole, User
from rathaus.accounts.testing import login_staff, totp_device
from rathaus.backoffice import people
from rathaus.cases.events import Kind
from rathaus.cases.models import Case, CaseEvent, CaseState, Team
from rathaus.cases.tests.helpers import clerk_in_team, submitted_case
from rathaus.core.errors import RathausError
from rathaus.core.models import Municipality
from rathaus.integrations.models import OutboxMessage
from rathaus.testing.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

M = "/m/musterstadt"
STAFF = f"{M}/verwaltung/mitarbeitende/"
TEAMS = f"{M}/verwaltung/teams/"


@pytest.fixture
def admin_client(client, municipal_admin):
    login_staff(client, municipal_admin)
    return client


def invite(client, **fields):
    data = {
        "email": "neu@musterstadt.example",
        "first_name": "Nora",
        "last_name": "Neumann",
        "role": StaffRole.CLERK,
        **fields,
    }
    return client.post(STAFF, data)


def mails_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(payload__to=address).order_by("pk"))


def invitation_link(address: str) -> str:
    body = mails_to(address)[-1].payload["body"]
    return re.search(r"http://\S+/einladung/\S+/", body).group(0)


# --- invitations --------------------------------------------------------------------------------


def test_invited_clerk_chooses_a_password_and_signs_in(admin_client, musterstadt, dog_service):
    team = Team.objects.create(municipality=musterstadt, name="Steueramt", key="steueramt")
    team.services.add(dog_service)

    # When the admin invites a new clerk into the tax team
    response = invite(admin_client, teams=[team.pk])
    assert response.status_code == 302
    page = admin_client.get(STAFF).content.decode()
    assert "Die Einladung an neu@musterstadt.example ist verschickt." in page
    assert "eingeladen" in page

    # then the account exists without a usable password, with role and team
    user = User.objects.get(email="neu@musterstadt.example")
    assert user.is_staff and not user.has_usable_password()
    assert StaffMembership.objects.get(user=user, municipality=musterstadt).role == "clerk"
    assert list(user.teams.all()) == [team]
    # and the invitation names who invited whom, with a link valid for a week
    (mail,) = mails_to("neu@musterstadt.example")
    assert mail.payload["subject"] == "Einladung in die Verwaltung Musterstadt"
    assert (
        "Erika Mustermann hat Sie in die Online-Verwaltung von Musterstadt eingeladen"
        in (mail.payload["body"])
    )
    assert "7 Tage gültig" in mail.payload["body"]

    # When the invited person follows the link and chooses a password
    person = Client()
    link = invitation_link("neu@musterstadt.example")
    form_page = person.get(link, follow=True)
    assert "Passwort für die Verwaltung wählen" in form_page.content.decode()
    assert "neu@musterstadt.example" in form_page.content.decode()
    done = person.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Amtsstube-Nord-2026", "new_password2": "Amtsstube-Nord-2026"},
        follow=True,
    )
    # then she is asked to sign in, and can
    assert "Ihr Passwort ist gespeichert. Bitte melden Sie sich jetzt an." in done.content.decode()
    user.refresh_from_db()
    assert check_password("Amtsstube-Nord-2026", user.password)
    assert user.email_verified_at is not None
    login = person.post(
        f"{M}/verwaltung/anmelden/",
        {"username": "neu@musterstadt.example", "password": "Amtsstube-Nord-2026"},
    )
    assert login.status_code == 302
    assert person.get(f"{M}/verwaltung/vorgaenge/").status_code == 200

    # and the link is spent
    again = Client().get(link, follow=True).content.decode()
    assert "Die Einladung ist ungültig, abgelaufen oder schon genutzt." in again


def test_invitation_link_expires_after_the_configured_days(admin_client, monkeypatch, settings):
    invite(admin_client)
    link = invitation_link("neu@musterstadt.example")
    settings.RATHAUS_STAFF_INVITATION_DAYS = 7
    # the generator's own clock: naive local time (Django's PasswordResetTokenGenerator._now)
    later = datetime.now() + timedelta(days=7, hours=1)
    monkeypatch.setattr(invitation_tokens, "_now", lambda: later)
    response = Client().get(link, follow=True)
    page = response.content.decode()
    assert "Die Einladung ist ungültig, abgelaufen oder schon genutzt." in page


def test_invitation_link_never_opens_a_citizen_account(admin_client, citizen):
    # A token made for a citizen (as if leaked from another purpose) is refused by the view.
    uid = urlsafe_base64_encode(force_bytes(citizen.pk))
    token = invitation_tokens.make_token(citizen)
    page = Client().get(f"{M}/verwaltung/anmelden/einladung/{uid}/{token}/", follow=True)
    assert "Die Einladung ist ungültig" in page.content.decode()


def test_invitation_of_someone_removed_meanwhile_is_void(admin_client):
    invite(admin_client)
    link = invitation_link("neu@musterstadt.example")
    member = StaffMembership.objects.get(user__email="neu@musterstadt.example")
    admin_client.post(f"{STAFF}{member.pk}/entfernen/")
    page = Client().get(link, follow=True).content.decode()
    assert "Die Einladung ist ungültig, abgelaufen oder schon genutzt." in page


def test_resend_makes_a_new_link_until_the_password_is_chosen(admin_client):
    invite(admin_client)
    member = StaffMembership.objects.get(user__email="neu@musterstadt.example")
    response = admin_client.post(f"{STAFF}{member.pk}/einladung/", follow=True)
    assert "Die Einladung ist erneut verschickt." in response.content.decode()
    assert len(mails_to("neu@musterstadt.example")) == 2

    member.user.set_password("Amtsstube-Nord-2026")
    member.user.save()
    response = admin_client.post(f"{STAFF}{member.pk}/einladung/", follow=True)
    assert "eine Einladung ist nicht mehr nötig" in response.content.decode()
    assert len(mails_to("neu@musterstadt.example")) == 2


def test_existing_staff_of_another_municipality_gets_access_not_a_new_account(
    admin_client, musterstadt, beispieldorf
):
    colleague = staff_user(beispieldorf, StaffRole.CLERK, email="it@kdvz.example")
    colleague.set_password("Rechenzentrum-2026")
    colleague.save()

    response = invite(admin_client, email="IT@kdvz.example", role=StaffRole.TEAM_LEAD)

    assert response.status_code == 302
    assert User.objects.filter(email="it@kdvz.example").count() == 1
    assert StaffMembership.objects.get(user=colleague, municipality=musterstadt).role == (
        "team_lead"
    )
    assert StaffMembership.objects.get(user=colleague, municipality=beispieldorf).role == "clerk"
    (mail,) = mails_to("it@kdvz.example")
    assert mail.payload["subject"] == "Zugang zur Verwaltung Musterstadt"
    assert "/verwaltung/anmelden/" in mail.payload["body"]
    assert "einladung" not in mail.payload["body"]


def test_a_citizen_address_is_refused(admin_client, citizen):
    response = invite(admin_client, email=citizen.email)
    assert response.status_code == 400
    assert "Mitarbeitende verwenden bitte ihre dienstliche E-Mail-Adresse" in (
        response.content.decode()
    )
    citizen.refresh_from_db()
    assert citizen.is_citizen and not citizen.memberships.exists()
    assert mails_to(citizen.email) == []


def test_inviting_a_member_twice_is_refused(admin_client, clerk):
    response = invite(admin_client, email="clerk@musterstadt.example")
    assert response.status_code == 400
    assert "Diese Person gehört bereits zur Verwaltung" in response.content.decode()
    assert StaffMembership.objects.filter(user=clerk).count() == 1


def test_bad_input_is_answered_in_the_form(admin_client):
    response = admin_client.post(
        STAFF, {"email": "kein-at-zeichen", "first_name": "", "last_name": "X", "role": "boss"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Bitte gültige E-Mail-Adresse eingeben." in content
    assert "Dieses Feld ist zwingend erforderlich." in content
    assert "Bitte eine gültige Auswahl treffen." in content
    assert not User.objects.filter(last_name="X").exists()


# --- roles, teams, second factor ----------------------------------------------------------------


def test_admin_changes_role_and_teams(admin_client, musterstadt, clerk, dog_service):
    team = Team.objects.create(municipality=musterstadt, name="Steueramt", key="steueramt")
    team.services.add(dog_service)
    member = StaffMembership.objects.get(user=clerk)
    response = admin_client.post(
        f"{STAFF}{member.pk}/",
        {"first_name": "Karl", "last_name": "Klar", "role": "team_lead", "teams": [team.pk]},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    clerk.refresh_from_db()
    assert member.role == "team_lead"
    assert clerk.get_full_name() == "Karl Klar"
    assert list(clerk.teams.all()) == [team]
    # the team list shows it
    page = admin_client.get(TEAMS).content.decode()
    assert "Karl Klar" in page and "Hund anmelden" in page


def test_teams_of_another_municipality_cannot_be_chosen(admin_client, beispieldorf, clerk):
    foreign = Team.objects.create(municipality=beispieldorf, name="Fremd", key="fremd")
    member = StaffMembership.objects.get(user=clerk)
    response = admin_client.post(
        f"{STAFF}{member.pk}/",
        {"first_name": "A", "last_name": "B", "role": "clerk", "teams": [foreign.pk]},
    )
    assert response.status_code == 400
    assert not clerk.teams.exists()


def test_admins_do_not_change_their_own_role(admin_client, municipal_admin):
    member = StaffMembership.objects.get(user=municipal_admin)
    response = admin_client.post(
        f"{STAFF}{member.pk}/", {"first_name": "Erika", "last_name": "M", "role": "clerk"}
    )
    assert response.status_code == 400
    assert "Ihre eigene Rolle kann nur eine andere Person ändern." in response.content.decode()
    member.refresh_from_db()
    assert member.role == StaffRole.ADMIN


def test_the_last_admin_keeps_the_role(client, musterstadt, municipal_admin):
    operator = UserFactory(
        email="betrieb@rathaus.example", kind=User.Kind.STAFF, is_platform_operator=True
    )
    login_staff(client, operator)
    member = StaffMembership.objects.get(user=municipal_admin)

    response = client.post(
        f"{STAFF}{member.pk}/", {"first_name": "Erika", "last_name": "M", "role": "clerk"}
    )
    assert response.status_code == 400
    assert "mindestens eine Person mit der Rolle" in response.content.decode()
    response = client.post(f"{STAFF}{member.pk}/entfernen/", follow=True)
    assert "mindestens eine Person mit der Rolle" in response.content.decode()
    assert StaffMembership.objects.filter(pk=member.pk, role="admin").exists()

    # with a second admin, the first may become a clerk
    staff_user(musterstadt, StaffRole.ADMIN, email="admin2@musterstadt.example")
    response = client.post(
        f"{STAFF}{member.pk}/", {"first_name": "Erika", "last_name": "M", "role": "clerk"}
    )
    assert response.status_code == 302


def test_second_factor_reset_sends_an_admin_to_enrolment(admin_client, musterstadt):
    other = staff_user(musterstadt, StaffRole.ADMIN, email="admin2@musterstadt.example")
    totp_device(other)
    member = StaffMembership.objects.get(user=other)
    page = admin_client.get(f"{STAFF}{member.pk}/").content.decode()
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in page

    response = admin_client.post(f"{STAFF}{member.pk}/zwei-faktor/", follow=True)

    assert "Die Zwei-Faktor-Anmeldung ist zurückgesetzt." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=other).exists()
    # the next login by password leads to enrolment
    other.set_password("Zweiter-Admin-2026")
    other.save()
    person = Client()
    login = person.post(
        f"{M}/verwaltung/anmelden/",
        {"username": "admin2@musterstadt.example", "password": "Zweiter-Admin-2026"},
    )
    assert "/verwaltung/anmelden/zwei-faktor/" in login["Location"]


def test_own_second_factor_is_not_reset_here(admin_client, municipal_admin):
    member = StaffMembership.objects.get(user=municipal_admin)
    response = admin_client.post(f"{STAFF}{member.pk}/zwei-faktor/", follow=True)
    assert "kann nur eine andere Person zurücksetzen" in response.content.decode()
    assert TOTPDevice.objects.filter(user=municipal_admin, confirmed=True).exists()


# --- removal ------------------------------------------------------------------------------------


def test_removed_clerk_loses_access_and_open_cases_return_to_the_team(
    admin_client, musterstadt, dog_service, citizen
):
    clerk = clerk_in_team(musterstadt, dog_service, "weg@musterstadt.example")
    open_case = submitted_case(dog_service, citizen)
    done_case = submitted_case(dog_service, citizen)
    Case.objects.filter(pk__in=[open_case.pk, done_case.pk]).update(assignee=clerk)
    Case.objects.filter(pk=done_case.pk).update(state=CaseState.CLOSED)
    clerk_session = Client()
    login_staff(clerk_session, clerk, verified=False)
    assert clerk_session.get(f"{M}/verwaltung/vorgaenge/").status_code == 200
    member = StaffMembership.objects.get(user=clerk)

    confirm = admin_client.get(f"{STAFF}{member.pk}/entfernen/").content.decode()
    assert "Ihr offener Vorgang geht zurück an sein Team." in confirm
    response = admin_client.post(f"{STAFF}{member.pk}/entfernen/", follow=True)

    assert "Ein offener Vorgang ist wieder ohne Bearbeitung." in response.content.decode()
    assert not StaffMembership.objects.filter(user=clerk).exists()
    assert not clerk.teams.exists()
    clerk.refresh_from_db()
    assert not clerk.is_active
    open_case.refresh_from_db()
    done_case.refresh_from_db()
    assert open_case.assignee is None
    assert done_case.assignee == clerk  # a finished case keeps who worked on it
    event = CaseEvent.objects.filter(case=open_case).latest("seq")
    assert event.kind == Kind.ASSIGNED and event.data["assignee"] is None
    # the open session is refused at the next request
    assert clerk_session.get(f"{M}/verwaltung/vorgaenge/").status_code in (302, 404)


def test_removal_from_one_municipality_keeps_the_other(admin_client, musterstadt, beispieldorf):
    person = staff_user(musterstadt, StaffRole.CLERK, email="beide@kdvz.example")
    StaffMembership.objects.create(user=person, municipality=beispieldorf, role="clerk")
    elsewhere = Team.objects.create(municipality=beispieldorf, name="Dort", key="dort")
    elsewhere.members.add(person)
    member = StaffMembership.objects.get(user=person, municipality=musterstadt)

    admin_client.post(f"{STAFF}{member.pk}/entfernen/")

    person.refresh_from_db()
    assert person.is_active
    assert list(person.memberships.values_list("municipality__slug", flat=True)) == ["beispieldorf"]
    assert list(person.teams.all()) == [elsewhere]


def test_admins_do_not_remove_themselves(admin_client, municipal_admin):
    member = StaffMembership.objects.get(user=municipal_admin)
    assert "nicht selbst" in admin_client.get(f"{STAFF}{member.pk}/entfernen/").content.decode()
    response = admin_client.post(f"{STAFF}{member.pk}/entfernen/", follow=True)
    assert "Sie können sich nicht selbst aus der Verwaltung entfernen." in (
        response.content.decode()
    )
    assert StaffMembership.objects.filter(pk=member.pk).exists()


# --- teams --------------------------------------------------------------------------------------


def test_team_created_edited_and_deleted(admin_client, musterstadt, dog_service, clerk, citizen):
    # created with a key made from the name
    response = admin_client.post(
        TEAMS, {"name": "Ordnungsamt Süd", "key": "", "services": [dog_service.pk]}
    )
    assert response.status_code == 302
    team = Team.objects.get(municipality=musterstadt)
    assert team.key == "ordnungsamt-sud"
    # the same key again is refused
    response = admin_client.post(TEAMS, {"name": "Noch eins", "key": "ordnungsamt-sud"})
    assert response.status_code == 400
    assert "Diesen Schlüssel hat schon ein anderes Team." in response.content.decode()

    # a clerk added to the team sees its cases
    case = submitted_case(dog_service, citizen)
    clerk_session = Client()
    login_staff(clerk_session, clerk, verified=False)
    assert clerk_session.get(f"{M}/verwaltung/vorgaenge/{case.pk}/").status_code == 404
    response = admin_client.post(
        f"{TEAMS}{team.pk}/",
        {"name": "Ordnungsamt Süd", "services": [dog_service.pk], "members": [clerk.pk]},
    )
    assert response.status_code == 302
    assert clerk_session.get(f"{M}/verwaltung/vorgaenge/{case.pk}/").status_code == 200

    # deleted: the case stays, without team
    Case.objects.filter(pk=case.pk).update(team=team)
    assert "löschen?" in admin_client.get(f"{TEAMS}{team.pk}/loeschen/").content.decode()
    admin_client.post(f"{TEAMS}{team.pk}/loeschen/")
    assert not Team.objects.filter(pk=team.pk).exists()
    case.refresh_from_db()
    assert case.team is None


def test_only_own_staff_can_be_team_members(admin_client, beispieldorf):
    outsider = staff_user(beispieldorf, StaffRole.CLERK, email="fremd@beispieldorf.example")
    response = admin_client.post(TEAMS, {"name": "Team", "members": [outsider.pk]})
    assert response.status_code == 400
    assert not Team.objects.exists()


# --- who may do this ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "1/", "1/entfernen/"])
def test_clerks_are_refused(client, clerk, path):
    login_staff(client, clerk, verified=False)
    assert client.get(f"{STAFF}{path}").status_code == 403
    assert client.get(TEAMS).status_code == 403


def test_another_municipality_is_out_of_reach(admin_client, beispieldorf):
    foreign_member = StaffMembership.objects.get(
        user=staff_user(beispieldorf, StaffRole.CLERK, email="x@beispieldorf.example")
    )
    foreign_team = Team.objects.create(municipality=beispieldorf, name="Dort", key="dort")
    for url in (
        f"{STAFF}{foreign_member.pk}/",
        f"{STAFF}{foreign_member.pk}/entfernen/",
        f"{TEAMS}{foreign_team.pk}/",
        f"{TEAMS}{foreign_team.pk}/loeschen/",
    ):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.post(url).status_code == 404, url
    assert admin_client.post(f"{STAFF}{foreign_member.pk}/zwei-faktor/").status_code == 404
    assert StaffMembership.objects.filter(pk=foreign_member.pk).exists()
    assert Team.objects.filter(pk=foreign_team.pk).exists()
    # and the lists show only this municipality's people and teams
    assert "x@beispieldorf.example" not in admin_client.get(STAFF).content.decode()
    assert "Dort" not in admin_client.get(TEAMS).content.decode()
    # an admin of Beispieldorf does not reach Musterstadt's pages at all
    other_admin = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    outsider = Client()
    login_staff(outsider, other_admin)
    assert outsider.get(STAFF).status_code == 404


def test_staff_list_queries_do_not_grow_with_the_staff(
    admin_client, musterstadt, django_assert_max_num_queries
):
    team = Team.objects.create(municipality=musterstadt, name="T", key="t")

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(STAFF).status_code == 200
        return len(queries)

    for n in range(3):
        team.members.add(staff_user(musterstadt, StaffRole.CLERK, email=f"a{n}@m.example"))
    page_queries()  # the first request of the session loads the access facts
    few = page_queries()
    for n in range(12):
        user = staff_user(musterstadt, StaffRole.CLERK, email=f"b{n}@m.example")
        team.members.add(user)
        totp_device(user)
    assert page_queries() == few
    # session, access stamp, staff with open cases, their teams, one per device kind
    with django_assert_max_num_queries(7):
        admin_client.get(STAFF)


# --- a new municipality and its first admin (platform operator's command) -------------------


def test_municipality_add_invites_the_first_admin(db, settings):
    settings.RATHAUS_PUBLIC_URL = "https://rathaus.kdvz.example"
    call_command(
        "municipality_add",
        name="Musterhausen",
        slug="musterhausen",
        ags="05774032",
        admin="Verwaltung@Musterhausen.example",
        admin_name="Maria Muster",
    )

    admin = User.objects.get(email="verwaltung@musterhausen.example")
    membership = admin.memberships.get()
    assert membership.municipality.name == "Musterhausen"
    assert membership.role == StaffRole.ADMIN
    assert admin.get_full_name() == "Maria Muster"
    (mail,) = mails_to("verwaltung@musterhausen.example")
    assert (
        "Der Plattformbetrieb hat Sie in die Online-Verwaltung von Musterhausen"
        in (mail.payload["body"])
    )
    link = re.search(r"https://\S+/einladung/\S+/", mail.payload["body"]).group(0)
    assert link.startswith("https://rathaus.kdvz.example/m/musterhausen/verwaltung/anmelden/")
    page = Client().get(link.removeprefix("https://rathaus.kdvz.example"), follow=True)
    assert "Passwort für die Verwaltung wählen" in page.content.decode()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ags": "123"}, "ags:"),
        ({"slug": "musterstadt"}, "gibt es schon"),
        ({"admin": "kein-at"}, "keine gültige E-Mail-Adresse"),
        ({"admin": "erika@example.org"}, "dienstliche E-Mail-Adresse"),
    ],
)
def test_municipality_add_refuses_bad_input_and_leaves_nothing(
    musterstadt, citizen, options, message
):
    citizen.email = "erika@example.org"
    citizen.save()
    arguments = {
        "name": "Neustadt",
        "slug": "neustadt",
        "ags": "05774033",
        "admin": "admin@neustadt.example",
        **options,
    }
    with pytest.raises(CommandError, match=message):
        call_command("municipality_add", **arguments)
    assert not User.objects.filter(email="admin@neustadt.example").exists()
    assert list(Municipality.objects.values_list("slug", flat=True)) == ["musterstadt"]
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(musterstadt):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    first = staff_user(musterstadt, StaffRole.ADMIN, email="a1@musterstadt.example")
    second = staff_user(musterstadt, StaffRole.ADMIN, email="a2@musterstadt.example")
    together = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor: User, target: User) -> None:
        try:
            together.wait(timeout=10)
            people.staff_update(
                membership=StaffMembership.objects.get(user=target),
                first_name="X",
                last_name="Y",
                role=StaffRole.CLERK,
                teams=[],
                actor=actor,
            )
            outcomes.append("demoted")
        except RathausError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["demoted", "refused"]
    assert StaffMembership.objects.filter(municipality=musterstadt, role="admin").count() == 1

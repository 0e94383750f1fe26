"""Nothing of one municipality is visible to the staff or citizens of another.

Every URL that shows tenant data is requested in the context of the other municipality; the
answer must be 404 (never 403, which would reveal that the object exists) and must not contain
the other municipality's data.
"""

import pytest

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.catalog.selectors import service_for_admin, services_public
from rathaus.testing.factories import publish_service, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_towns(musterstadt, beispieldorf):
    return {
        "musterstadt": publish_service(musterstadt, "hund-anmelden"),
        "beispieldorf": publish_service(beispieldorf, "hund-anmelden", enable=False),
    }


def test_selectors_are_scoped(musterstadt, beispieldorf, two_towns):
    foreign = two_towns["beispieldorf"]
    assert foreign not in services_public(municipality=musterstadt)
    assert service_for_admin(municipality=musterstadt, pk=foreign.pk) is None


def test_catalogue_of_one_town_never_shows_the_other(client, two_towns):
    assert "Hund anmelden" in client.get("/m/musterstadt/leistungen/").content.decode()
    assert "Hund anmelden" not in client.get("/m/beispieldorf/leistungen/").content.decode()
    assert client.get("/m/beispieldorf/leistungen/hund-anmelden/").status_code == 404


def test_staff_of_one_town_cannot_reach_the_other(client, musterstadt, beispieldorf, two_towns):
    admin = staff_user(musterstadt, StaffRole.ADMIN, email="admin@m.example")
    login_staff(client, admin)
    foreign = two_towns["beispieldorf"]
    for url in [
        "/m/beispieldorf/verwaltung/leistungen/",
        f"/m/beispieldorf/verwaltung/leistungen/{foreign.pk}/",
        f"/m/beispieldorf/verwaltung/leistungen/{foreign.pk}/export/",
        f"/m/musterstadt/verwaltung/leistungen/{foreign.pk}/",
        f"/m/musterstadt/verwaltung/leistungen/{foreign.pk}/export/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Beispieldorf" not in response.content or url.startswith("/m/beispieldorf"), url
    response = client.post(
        f"/m/musterstadt/verwaltung/leistungen/{foreign.pk}/schalten/", {"enabled": "1"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.enabled is False


def test_host_names_separate_towns(client, two_towns):
    page = client.get("/leistungen/", HTTP_HOST="beispieldorf.localhost").content.decode()
    assert "Hund anmelden" not in page
    page = client.get("/leistungen/", HTTP_HOST="musterstadt.localhost").content.decode()
    assert "Hund anmelden" in page

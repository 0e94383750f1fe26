"""The municipal admin's service administration, through the test client."""

from pathlib import Path

import pytest

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.catalog.models import Service
from rathaus.testing.factories import publish_service, staff_user

pytestmark = pytest.mark.django_db

DOG = (Path(__file__).resolve().parent.parent / "definitions" / "hund-anmelden.yaml").read_text()


@pytest.fixture
def admin_client(client, municipal_admin):
    login_staff(client, municipal_admin)
    return client


def test_admin_sees_services_of_own_municipality_only(
    admin_client, musterstadt, beispieldorf, dog_service
):
    foreign = publish_service(beispieldorf, "hund-anmelden")
    response = admin_client.get("/m/musterstadt/verwaltung/leistungen/")
    assert response.status_code == 200
    assert list(response.context["services"]) == [dog_service]
    assert (
        admin_client.get(f"/m/musterstadt/verwaltung/leistungen/{foreign.pk}/").status_code == 404
    )
    assert admin_client.get("/m/beispieldorf/verwaltung/leistungen/").status_code == 404


def test_clerk_may_not_administer_services(client, clerk, dog_service):
    client.force_login(clerk)
    assert client.get("/m/musterstadt/verwaltung/leistungen/").status_code == 403


def test_citizen_and_anonymous_are_kept_out(client, citizen, dog_service):
    response = client.get("/m/musterstadt/verwaltung/leistungen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/m/musterstadt/verwaltung/anmelden/")
    client.force_login(citizen)
    assert client.get("/m/musterstadt/verwaltung/leistungen/").status_code == 403


def test_switch_off_and_on(admin_client, musterstadt, dog_service):
    url = f"/m/musterstadt/verwaltung/leistungen/{dog_service.pk}/schalten/"
    admin_client.post(url, {"enabled": "0"})
    assert admin_client.get("/m/musterstadt/leistungen/hund-anmelden/").status_code == 404
    admin_client.post(url, {"enabled": "1"})
    assert admin_client.get("/m/musterstadt/leistungen/hund-anmelden/").status_code == 200


def test_change_fee_and_text_creates_new_version(admin_client, musterstadt, dog_service):
    url = f"/m/musterstadt/verwaltung/leistungen/{dog_service.pk}/"
    form = admin_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"fee_1": "99,50", "summary": "Neue Kurzbeschreibung", "note": "Satzung 2027"})
    response = admin_client.post(url, data)
    assert response.status_code == 302
    dog_service.refresh_from_db()
    assert dog_service.current_version.number == 2
    assert dog_service.summary == "Neue Kurzbeschreibung"
    assert dog_service.current_version.note == "Satzung 2027"
    page = admin_client.get("/m/musterstadt/leistungen/hund-anmelden/").content.decode()
    assert "99,50 €" in page


def test_negative_fee_is_refused_with_message(admin_client, musterstadt, dog_service):
    url = f"/m/musterstadt/verwaltung/leistungen/{dog_service.pk}/"
    form = admin_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["fee_0"] = "-5"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["fee_0"]
    dog_service.refresh_from_db()
    assert dog_service.current_version.number == 1


def test_export_and_import_into_another_municipality(
    client, musterstadt, beispieldorf, dog_service
):
    login_staff(client, staff_user(musterstadt, StaffRole.ADMIN, email="a@m.example"))
    exported = client.get(f"/m/musterstadt/verwaltung/leistungen/{dog_service.pk}/export/")
    assert exported["Content-Disposition"] == 'attachment; filename="hund-anmelden-v1.yaml"'
    login_staff(client, staff_user(beispieldorf, StaffRole.ADMIN, email="a@b.example"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("hund.yaml", exported.content, content_type="application/yaml")
    response = client.post("/m/beispieldorf/verwaltung/leistungen/import/", {"file": upload})
    assert response.status_code == 302
    imported = Service.objects.of(beispieldorf).get(key="hund-anmelden")
    assert imported.enabled is False
    assert imported.current_version.source == dog_service.current_version.source


def test_import_of_broken_file_names_the_line_and_stores_nothing(admin_client, musterstadt):
    broken = DOG.replace("type: choice", "type: chioce", 1)
    response = admin_client.post("/m/musterstadt/verwaltung/leistungen/import/", {"source": broken})
    assert response.status_code == 200
    body = response.content.decode()
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "chioce" in text)
    assert f"Zeile {line}" in body
    assert not Service.objects.of(musterstadt).exists()


def test_import_of_binary_file_is_refused(admin_client, musterstadt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.yaml", b"\xff\xfe\x00binary", content_type="application/yaml")
    response = admin_client.post("/m/musterstadt/verwaltung/leistungen/import/", {"file": upload})
    assert response.status_code == 200
    assert "UTF-8" in response.content.decode()

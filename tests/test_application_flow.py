"""The dog application end to end through the views: logged in, anonymous with the e-mailed
link, drafts, tampering, uploads, double submission and tenant isolation."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.applications.models import Application
from rathaus.cases.models import Case
from rathaus.integrations.models import OutboxMessage

pytestmark = pytest.mark.django_db

BASE = "/m/musterstadt/antraege"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

HALTER = {
    "vorname": "Erika",
    "nachname": "Mustermann",
    "geburtsdatum": "1980-05-01",
    "anschrift__street": "Lindenallee 5",
    "anschrift__postcode": "33098",
    "anschrift__city": "Musterstadt",
    "email": "erika@example.org",
    "telefon": "05251 123456",
}


def hund(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Bello",
        "rasse": "mischling",
        "geburtsdatum": "2020-01-01",
        "chipnummer": "276098106543210",
        "haltung_seit": (date.today() - timedelta(days=10)).isoformat(),
        "weitere_hunde": "0",
    }
    data.update(overrides)
    return data


ZAHLUNG = {"lastschrift": "on", "iban": "DE89 3704 0044 0532 0130 00", "kontoinhaber": "Erika M."}


def start(client) -> str:
    response = client.post(f"{BASE}/neu/hund-anmelden/")
    assert response.status_code == 302
    match = re.search(r"/antraege/([0-9a-f-]{36})/schritt/halter/$", response["Location"])
    assert match, response["Location"]
    return match[1]


def step_url(public_id: str, key: str) -> str:
    return f"{BASE}/{public_id}/schritt/{key}/"


def fill_all(client, public_id: str, **hund_overrides: str) -> None:
    for key, data in (("halter", HALTER), ("hund", hund(**hund_overrides)), ("zahlung", ZAHLUNG)):
        response = client.post(step_url(public_id, key), data)
        assert response.status_code == 302, response.content.decode()[:3000]


def test_logged_in_citizen_applies_for_a_dog_and_gets_a_reference(client, dog_service, citizen):
    # given a logged-in citizen
    client.force_login(citizen)
    # when they go through every step
    public_id = start(client)
    fill_all(client, public_id)
    summary = client.get(f"{BASE}/{public_id}/zusammenfassung/")
    # then the summary shows the answers, "Ändern" links and the fee per year
    page = summary.content.decode()
    assert "Bello" in page and "Mischling" in page and "Ändern" in page
    assert "96,00 €" in page and "pro Jahr" in page
    # and submitting opens exactly one case and shows its reference
    response = client.post(f"{BASE}/{public_id}/absenden/", follow=True)
    case = Case.objects.get()
    assert case.reference in response.content.decode()
    application = Application.objects.get()
    assert application.status == "submitted" and application.submitted_at
    assert str(application.fee_amount) == "96.00"
    assert application.fee_details["period"] == "year"
    assert [r["key"] for r in application.check_results] == ["volljaehrig", "erlaubnis"]
    assert all(r["passed"] for r in application.check_results)
    assert application.data["zahlung"]["iban"] == "DE89370400440532013000"
    mail = OutboxMessage.objects.get(kind="email")
    assert case.reference in mail.payload["body"] and mail.payload["to"] == "erika@example.org"
    assert "Bello" not in mail.payload["body"]  # no personal data beyond the reference


def test_submitting_twice_opens_one_case_and_lands_on_the_confirmation(
    client, dog_service, citizen
):
    client.force_login(citizen)
    public_id = start(client)
    fill_all(client, public_id)
    first = client.post(f"{BASE}/{public_id}/absenden/")
    second = client.post(f"{BASE}/{public_id}/absenden/")
    assert first["Location"] == second["Location"] == f"{BASE}/{public_id}/eingereicht/"
    assert Case.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="email").count() == 1
    # and the steps of a submitted application cannot be changed any more
    response = client.post(step_url(public_id, "hund"), hund(name="Rex"))
    assert response["Location"] == f"{BASE}/{public_id}/eingereicht/"
    assert Application.objects.get().data["hund"]["name"] == "Bello"


def test_prefill_offers_account_and_profile_data(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    page = client.get(step_url(public_id, "halter")).content.decode()
    assert 'value="Erika"' in page and 'value="Lindenallee 5"' in page
    assert 'value="erika@example.org"' in page


def test_errors_are_shown_next_to_the_field_and_in_the_summary_and_input_is_kept(
    client, dog_service, citizen
):
    client.force_login(citizen)
    public_id = start(client)
    data = {**HALTER, "anschrift__postcode": "3309", "telefon": "12"}
    response = client.post(step_url(public_id, "halter"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in page
    assert 'href="#id_anschrift__postcode"' in page
    assert "Die Postleitzahl besteht aus genau 5 Ziffern." in page
    assert 'value="3309"' in page and 'value="Lindenallee 5"' in page
    assert 'aria-invalid="true"' in page
    assert Application.objects.get().completed_steps == []


def test_dangerous_dog_needs_the_extra_step_with_upload_and_costs_600(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    client.post(step_url(public_id, "halter"), HALTER)
    response = client.post(step_url(public_id, "hund"), hund(rasse="rottweiler"))
    assert response["Location"] == step_url(public_id, "gefaehrlich")
    # a wrong file type is refused with a message, the rest of the page is kept
    fake = SimpleUploadedFile("nachweis.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(
        step_url(public_id, "gefaehrlich"),
        {"erlaubnis_vorhanden": "on", "erlaubnis_behoerde": "Ordnungsamt", "sachkunde": fake},
    )
    page = response.content.decode()
    assert "Dieser Dateityp ist nicht erlaubt. Erlaubt sind: PDF, JPEG, PNG." in page
    assert 'value="Ordnungsamt"' in page
    # a real PDF is stored, and survives an error elsewhere on the page
    pdf = SimpleUploadedFile("nachweis.pdf", PDF, "text/plain")
    response = client.post(
        step_url(public_id, "gefaehrlich"),
        {"erlaubnis_vorhanden": "on", "erlaubnis_behoerde": "Ordnungsamt", "sachkunde": pdf},
    )
    page = response.content.decode()
    assert "bereits hochgeladen:" in page and "nachweis.pdf" in page
    upload = Application.objects.get().uploads.get()
    assert upload.content_type == "application/pdf" and len(upload.sha256) == 64
    assert "Bitte geben Sie an: Datum der Erlaubnis" in page  # the conditional field is required
    response = client.post(
        step_url(public_id, "gefaehrlich"),
        {
            "erlaubnis_vorhanden": "on",
            "erlaubnis_behoerde": "Ordnungsamt",
            "erlaubnis_datum": "2024-01-10",
            "sachkunde__existing": str(upload.pk),
            "haftpflicht": "on",
        },
    )
    assert response["Location"] == step_url(public_id, "zahlung")
    client.post(step_url(public_id, "zahlung"), {})
    page = client.get(f"{BASE}/{public_id}/zusammenfassung/").content.decode()
    assert "600,00 €" in page and "nachweis.pdf" in page
    client.post(f"{BASE}/{public_id}/absenden/")
    application = Application.objects.get()
    assert application.fee_amount == 600
    assert application.data["gefaehrlich"]["sachkunde"] == upload.pk


def test_oversized_upload_is_refused_with_a_message(client, dog_service, citizen, settings):
    settings.RATHAUS_MAX_UPLOAD_BYTES = 100
    client.force_login(citizen)
    public_id = start(client)
    client.post(step_url(public_id, "halter"), HALTER)
    client.post(step_url(public_id, "hund"), hund(rasse="rottweiler"))
    big = SimpleUploadedFile("gross.pdf", PDF + b"0" * 200, "application/pdf")
    response = client.post(step_url(public_id, "gefaehrlich"), {"sachkunde": big})
    assert response.status_code == 200
    assert "Die Datei ist zu groß" in response.content.decode()
    assert not Application.objects.get().uploads.exists()


def test_request_too_big_shows_a_message_not_an_error(client, dog_service, citizen, settings):
    client.force_login(citizen)
    public_id = start(client)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(step_url(public_id, "halter"), {**HALTER, "vorname": "x" * 500})
    assert response.status_code == 413
    assert "Die gesendeten Daten sind zu groß" in response.content.decode()


def test_a_tampered_earlier_step_is_caught_on_submission(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    fill_all(client, public_id)
    application = Application.objects.get()
    application.data["hund"]["chipnummer"] = "abc"
    application.save()
    response = client.post(f"{BASE}/{public_id}/absenden/")
    assert response["Location"] == step_url(public_id, "hund") + "?pruefen=1"
    assert not Case.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Die Chipnummer besteht aus genau 15 Ziffern." in page


def test_skipping_ahead_and_unknown_steps(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    response = client.get(step_url(public_id, "zahlung"))
    assert response.status_code == 302 and response["Location"] == step_url(public_id, "halter")
    assert client.get(step_url(public_id, "gibtsnicht")).status_code == 404
    response = client.get(f"{BASE}/{public_id}/zusammenfassung/")
    assert response["Location"] == step_url(public_id, "halter")
    # the dangerous-dog step is not reachable for a mixed breed, even typed into the URL
    fill_all(client, public_id)
    response = client.get(step_url(public_id, "gefaehrlich"))
    assert response.status_code == 302


def test_tampered_choice_and_hidden_fields_get_messages(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    client.post(step_url(public_id, "halter"), HALTER)
    response = client.post(step_url(public_id, "hund"), hund(rasse="wolf", weitere_hunde="-3"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bitte wählen Sie einen der Werte aus." in page
    assert "nicht kleiner als 0" in page
    response = client.post(step_url(public_id, "hund"), {**hund(), "_action": "remove:x:99"})
    assert response.status_code == 302  # an unknown action is treated as "Weiter"


def test_someone_elses_application_is_not_found(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    client.logout()
    from rathaus.testing.factories import UserFactory

    client.force_login(UserFactory(email="other@example.org"))
    assert client.get(step_url(public_id, "halter")).status_code == 404
    assert client.post(f"{BASE}/{public_id}/absenden/").status_code == 404
    client.logout()
    assert client.get(step_url(public_id, "halter")).status_code == 404


def test_save_draft_and_resume_from_my_applications(client, dog_service, citizen):
    client.force_login(citizen)
    public_id = start(client)
    response = client.post(
        step_url(public_id, "halter"),
        {**HALTER, "anschrift__postcode": "12", "_action": "save"},
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.data["halter"]["vorname"] == "Erika"
    assert application.completed_steps == []
    page = client.get(f"{BASE}/").content.decode()
    assert "Fortsetzen" in page and "Hund anmelden" in page
    response = client.get(f"{BASE}/{public_id}/")
    assert response["Location"] == step_url(public_id, "halter")
    fill_all(client, public_id)
    client.post(f"{BASE}/{public_id}/absenden/")
    page = client.get(f"{BASE}/").content.decode()
    assert Case.objects.get().reference in page and "eingegangen" in page


def test_anonymous_applicant_resumes_with_the_emailed_link(client, dog_service, settings):
    # given an anonymous applicant who filled the first step and asked for a link
    public_id = start(client)
    response = client.post(
        step_url(public_id, "halter"),
        {**HALTER, "_action": "link", "_contact_email": "anon@example.org"},
    )
    assert response.status_code == 302
    mail = OutboxMessage.objects.get(kind="email")
    assert mail.payload["to"] == "anon@example.org"
    link = re.search(r"http\S+/fortsetzen/(\S+)/", mail.payload["body"])
    assert link
    application = Application.objects.get()
    assert application.access_token_hash and link[1] not in application.access_token_hash
    # when they come back in another browser with the link
    client.cookies.clear()
    assert client.get(step_url(public_id, "halter")).status_code == 404
    response = client.get(f"{BASE}/fortsetzen/{link[1]}/")
    assert response.status_code == 302
    # then the draft is theirs again and can be submitted
    page = client.get(step_url(public_id, "halter")).content.decode()
    assert 'value="Lindenallee 5"' in page
    fill_all(client, public_id)
    response = client.post(f"{BASE}/{public_id}/absenden/", follow=True)
    assert Case.objects.get().reference in response.content.decode()


def test_expired_or_unknown_or_foreign_links_get_a_clear_page(client, dog_service, beispieldorf):
    public_id = start(client)
    client.post(
        step_url(public_id, "halter"),
        {**HALTER, "_action": "link", "_contact_email": "anon@example.org"},
    )
    token = re.search(r"/fortsetzen/(\S+)/", OutboxMessage.objects.get().payload["body"])[1]
    response = client.get(f"/m/beispieldorf/antraege/fortsetzen/{token}/")
    assert response.status_code == 404
    assert "Dieser Link ist ungültig" in response.content.decode()
    assert client.get(f"{BASE}/fortsetzen/falsch/").status_code == 404
    from django.utils import timezone

    Application.objects.update(access_token_expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(f"{BASE}/fortsetzen/{token}/")
    assert response.status_code == 410
    assert "abgelaufen" in response.content.decode()


def test_a_beispieldorf_session_cannot_open_a_musterstadt_draft(
    client, dog_service, beispieldorf, citizen
):
    from rathaus.testing.factories import publish_service

    publish_service(beispieldorf, "hund-anmelden")
    public_id = start(client)  # anonymous draft in Musterstadt, bound to this session
    response = client.get(f"/m/beispieldorf/antraege/{public_id}/schritt/halter/")
    assert response.status_code == 404
    client.force_login(citizen)
    mine = start(client)
    assert client.get(f"/m/beispieldorf/antraege/{mine}/").status_code == 404
    assert "Hund anmelden" not in client.get("/m/beispieldorf/antraege/").content.decode()
    assert "Hund anmelden" in client.get(f"{BASE}/").content.decode()


def republish(service, **replacements: str):
    from rathaus.catalog.services import service_definition_publish

    source = service.current_version.source
    for old, new in replacements.items():
        source = source.replace(old, new)
    return service_definition_publish(municipality=service.municipality, source=source)


def test_service_without_anonymous_access_requires_login(client, dog_service):
    republish(dog_service, **{"allow_anonymous: true": "allow_anonymous: false"})
    response = client.post(f"{BASE}/neu/hund-anmelden/")
    assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


def test_trust_level_too_low_is_explained(client, dog_service, citizen):
    republish(
        dog_service,
        **{
            "allow_anonymous: true": "allow_anonymous: false",
            "trust_level: none": "trust_level: substantial",
        },
    )
    client.force_login(citizen)
    response = client.post(f"{BASE}/neu/hund-anmelden/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "substanziell" in page and "Basisregistrierung" in page


def test_step_queries_do_not_grow_with_uploads(
    client, dog_service, citizen, django_assert_max_num_queries
):
    client.force_login(citizen)
    public_id = start(client)
    client.post(step_url(public_id, "halter"), HALTER)
    client.post(step_url(public_id, "hund"), hund(rasse="rottweiler"))
    for _ in range(5):
        pdf = SimpleUploadedFile("n.pdf", PDF, "application/pdf")
        client.post(step_url(public_id, "gefaehrlich"), {"sachkunde": pdf})
    assert Application.objects.get().uploads.count() == 5
    with django_assert_max_num_queries(8):
        assert client.get(step_url(public_id, "gefaehrlich")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(step_url(public_id, "halter")).status_code == 200
    with django_assert_max_num_queries(14):
        response = client.post(step_url(public_id, "halter"), HALTER)
        assert response.status_code == 302

"""Intake from other portals: plain JSON, FIT-Connect style with LeiKa, JWE-encrypted; the same
form engine validates; the status is reported back."""

from __future__ import annotations

import base64
import json

import pytest

from rathaus.api.jose import JsonWebEncryption, JsonWebKey
from rathaus.applications.models import Channel
from rathaus.cases import services as case_services
from rathaus.cases.models import Case
from rathaus.cases.tests.helpers import DOG_DATA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_keys(settings):
    settings.RATHAUS_API_INTAKE_KEY_BITS = 2048


def test_json_intake_opens_case(full_api, dog_service):
    response = full_api.post(
        "/intake/submissions",
        {"service": "hund-anmelden", "data": DOG_DATA, "reference": "LP-1"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "case_opened"
    case = Case.objects.get(reference=body["case_reference"])
    assert case.channel == Channel.API
    assert case.municipality == full_api.client.municipality
    assert case.application.data["hund"]["name"] == "Bello"
    status = full_api.get(f"/intake/submissions/{body['id']}").json()
    assert [e["type"] for e in status["events"]][:2] == ["submitted", "opened"]
    # decided in the back office: reported back
    who = case_services.ExternalActor(label="x", municipality_id=case.municipality_id)
    case_services.case_start(case=case, actor=who, version=case.version)
    case.refresh_from_db()
    case_services.case_decide(
        case=case, actor=who, version=case.version, outcome="granted", reasons="ok"
    )
    status = full_api.get(f"/intake/submissions/{body['id']}").json()
    assert status["status"] == "decided" and status["outcome"] == "granted"


def test_fit_connect_style_encrypted(full_api, dog_service):
    keys = full_api.get("/intake/keys").json()["keys"]
    assert keys[0]["alg"] == "RSA-OAEP-256" and "d" not in keys[0]
    public = JsonWebKey.import_key(keys[0])
    payload = {
        "serviceType": {"identifier": f"urn:de:fim:leika:leistung:{dog_service.leika}"},
        "data": DOG_DATA,
    }
    token = JsonWebEncryption().serialize_compact(
        {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": keys[0]["kid"]},
        json.dumps(payload).encode(),
        public,
    )
    response = full_api.post("/intake/submissions", raw=token, content_type="application/jose")
    assert response.status_code == 201, response.content
    assert response.json()["encrypted"] is True
    broken = token.decode()[:-5] + "AAAAA"
    bad = full_api.post("/intake/submissions", raw=broken.encode(), content_type="application/jose")
    assert bad.status_code == 400 and bad.json()["code"] == "decryption_failed"
    junk = full_api.post("/intake/submissions", raw=b"not-a-jwe", content_type="application/jose")
    assert junk.status_code == 400


def test_invalid_intake_is_422_and_leaves_nothing(full_api, dog_service):
    wrong = {**DOG_DATA, "hund": {**DOG_DATA["hund"], "chipnummer": "abc"}}
    response = full_api.post("/intake/submissions", {"service": "hund-anmelden", "data": wrong})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "application_incomplete"
    unknown = full_api.post(
        "/intake/submissions", {"service": "hund-anmelden", "data": {**DOG_DATA, "x": {}}}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "data.x"
    missing = full_api.post("/intake/submissions", {"service": "gibt-es-nicht", "data": DOG_DATA})
    assert missing.status_code == 404
    attachment = full_api.post(
        "/intake/submissions",
        {
            "service": "hund-anmelden",
            "data": DOG_DATA,
            "attachments": [
                {
                    "field": "halter.vorname",
                    "filename": "a.pdf",
                    "content_base64": base64.b64encode(b"%PDF-").decode(),
                }
            ],
        },
    )
    assert attachment.status_code == 422
    assert not Case.objects.exists()


def test_other_municipality_cannot_read_submission(full_api, dog_service, beispieldorf):
    from .conftest import make_api

    created = full_api.post("/intake/submissions", {"service": "hund-anmelden", "data": DOG_DATA})
    other, _ = make_api(beispieldorf, ["intake:submit"])
    assert other.get(f"/intake/submissions/{created.json()['id']}").status_code == 404

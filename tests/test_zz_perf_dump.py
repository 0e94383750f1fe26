import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.test_application_flow import BASE, HALTER, PDF, hund, start, step_url

pytestmark = pytest.mark.django_db


def test_dump(client, dog_service):
    public_id = start(client)
    client.post(step_url(public_id, "halter"), HALTER)
    client.post(step_url(public_id, "hund"), hund(rasse="rottweiler"))
    pdf = SimpleUploadedFile("nachweis.pdf", PDF, "application/pdf")
    r = client.post(
        step_url(public_id, "gefaehrlich"),
        {
            "erlaubnis_vorhanden": "on",
            "erlaubnis_behoerde": "Ordnungsamt",
            "erlaubnis_datum": "2024-01-10",
            "haftpflicht": "on",
            "sachkunde": pdf,
        },
    )
    assert r.status_code == 302
    client.post(step_url(public_id, "zahlung"), {})
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"{BASE}/{public_id}/absenden/")
    assert r.status_code == 302
    with open("/tmp/perf/queries.txt", "w") as f:
        for q in ctx.captured_queries:
            f.write(q["sql"][:150] + "\n")
    print(len(ctx.captured_queries))

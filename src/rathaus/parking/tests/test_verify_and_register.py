"""The verification page, the key set, the back-office register and tenant isolation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.parking import services, tokens
from rathaus.parking.models import PermitStatus
from rathaus.testing.factories import MunicipalityFactory, staff_user

from .helpers import make_permit


@pytest.fixture
def essen(db):
    return MunicipalityFactory(slug="essen", name="Essen", ags="05113000")


def _verify(client, municipality, token):
    return client.get(f"/m/{municipality.slug}/parkausweis/pruefen/{token}")


def test_valid_permit_shows_gueltig_with_zone_and_plate(client, essen):
    permit = make_permit(essen)
    response = _verify(client, essen, services.permit_token(permit))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="valid"' in body
    assert "gültig" in body and "Ostviertel" in body and "E-AB 1234" in body


def test_expired_and_revoked_permits(client, essen):
    today = timezone.localdate()
    expired = make_permit(
        essen,
        plate="E-XY 1",
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )
    assert (
        'data-state="expired"'
        in _verify(client, essen, services.permit_token(expired)).content.decode()
    )
    revoked = make_permit(essen, plate="E-XY 2")
    token = services.permit_token(revoked)
    services.permit_revoke(permit=revoked, reason="Umzug", actor=None)
    body = _verify(client, essen, token).content.decode()
    assert 'data-state="revoked"' in body and "widerrufen" in body


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),  # signature altered
        lambda t: (
            tokens.b64url(tokens.b64url_decode(t.split(".")[0]).replace(b"E-AB 1234", b"E-AB 9999"))
            + "."
            + t.split(".")[1]
        ),  # plate altered
        lambda t: "kein-code",
        lambda t: "%00%ff." + "x" * 90,
    ],
)
def test_tampered_token_shows_ungueltig_never_500(client, essen, mangle):
    token = services.permit_token(make_permit(essen))
    response = _verify(client, essen, mangle(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-state="invalid"' in body and "ungültig" in body


def test_token_of_another_municipality_is_invalid_here(client, essen, beispieldorf):
    token = services.permit_token(make_permit(beispieldorf))
    body = _verify(client, essen, token).content.decode()
    assert 'data-state="invalid"' in body
    assert "nicht von Essen" in body


def test_key_set_is_published_and_verifies_offline(client, essen, tmp_path):
    from django.core.management import call_command

    permit = make_permit(essen)
    token = services.permit_token(permit)
    response = client.get("/m/essen/parkausweis/schluessel")
    assert response.status_code == 200
    jwks = response.json()
    assert jwks["keys"][0]["crv"] == "Ed25519" and "d" not in jwks["keys"][0]
    keys_file = tmp_path / "keys.json"
    keys_file.write_bytes(response.content)
    from io import StringIO

    out = StringIO()
    url = f"http://essen.localhost/parkausweis/pruefen/{token}"
    call_command("parking_verify", url, keys=str(keys_file), stdout=out)
    assert "Signatur gültig" in out.getvalue() and "E-AB 1234" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="UNGÜLTIG"):
        call_command("parking_verify", token[:-2] + "xx", keys=str(keys_file), stdout=out)


def test_register_search_and_isolation(client, essen, beispieldorf):
    clerk = staff_user(essen, StaffRole.CLERK, email="sb@essen.example")
    make_permit(essen, plate="E-AB 1234", holder_name="Erika Mustermann")
    make_permit(essen, plate="E-CD 55", holder_name="Max Gabler", zone_code="Innenstadt Nord")
    make_permit(beispieldorf, plate="BD-ZZ 9", holder_name="Dora Dorf")
    login_staff(client, clerk)
    body = client.get("/m/essen/verwaltung/parkausweise/?q=e ab1234").content.decode()
    assert "Erika Mustermann" in body and "Max Gabler" not in body
    body = client.get("/m/essen/verwaltung/parkausweise/?q=Gabler").content.decode()
    assert "E-CD 55" in body
    assert "Dora Dorf" not in client.get("/m/essen/verwaltung/parkausweise/").content.decode()
    # Beispieldorf's staff cannot see Essen's permits
    other = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    client.logout()
    login_staff(client, other)
    assert client.get("/m/essen/verwaltung/parkausweise/").status_code == 404
    body = client.get("/m/beispieldorf/verwaltung/parkausweise/").content.decode()
    assert "Dora Dorf" in body and "E-AB 1234" not in body
    essen_permit = make_permit(essen, plate="E-EE 1")
    assert (
        client.get(
            f"/m/beispieldorf/verwaltung/parkausweise/ausweis/{essen_permit.pk}/"
        ).status_code
        == 404
    )


def test_register_page_query_count_does_not_grow(client, essen):
    clerk = staff_user(essen, StaffRole.CLERK, email="sb@essen.example")
    login_staff(client, clerk)
    for i in range(3):
        make_permit(essen, plate=f"E-Q {i + 1}")
    client.get("/m/essen/verwaltung/parkausweise/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/m/essen/verwaltung/parkausweise/").status_code == 200
    for i in range(30):
        make_permit(essen, plate=f"E-R {i + 1}", zone_code=f"Z{i % 4}")
    with CaptureQueriesContext(connection) as many:
        client.get("/m/essen/verwaltung/parkausweise/")
    assert len(many) == len(few)
    assert len(few) <= 14


def test_clerk_revokes_with_reason(client, essen):
    clerk = staff_user(essen, StaffRole.CLERK, email="sb@essen.example")
    permit = make_permit(essen)
    login_staff(client, clerk)
    url = f"/m/essen/verwaltung/parkausweise/ausweis/{permit.pk}/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200  # form error, nothing changed
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID
    client.post(url, {"reason": "Fahrzeug abgemeldet"})
    permit.refresh_from_db()
    assert permit.status == PermitStatus.REVOKED and permit.status_reason == "Fahrzeug abgemeldet"
    # revoking twice is a clear message, not an error page
    response = client.post(url, {"reason": "nochmal"}, follow=True)
    assert "nicht mehr gültig" in response.content.decode()


def test_fee_settings_by_admin_only(client, essen):
    clerk = staff_user(essen, StaffRole.CLERK, email="sb@essen.example")
    login_staff(client, clerk)
    assert client.get("/m/essen/verwaltung/parkausweise/einstellungen/").status_code == 403
    admin = staff_user(essen, StaffRole.ADMIN, email="admin@essen.example")
    client.logout()
    login_staff(client, admin)
    url = "/m/essen/verwaltung/parkausweise/einstellungen/"
    data = {
        "fee_model": "length_bands",
        "base_period_months": "24",
        "flat_amount": "0",
        "area_rate": "0",
        "area_base": "0",
        "max_length_m": "5.6",
        "visitor_pass_fee": "2.50",
        "reminder_days": "28",
        "ordinance": "GebO",
        "authority": "Straßenverkehrsbehörde",
        "bands": "4,709; 110\n4,109; 100\n; 120",
        "period_list": "12, 24",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "aufsteigen" in response.content.decode()
    data["bands"] = "4,109; 100\n4,709; 110\n; 120"
    assert client.post(url, data).status_code == 302
    settings_ = services.parking_settings(essen)
    assert settings_.length_bands[0] == {"max_length": "4.109", "amount": "100.00"}
    assert settings_.periods == [12, 24]

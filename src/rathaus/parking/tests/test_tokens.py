"""Signed QR tokens: round trip, tampering, forgery, other municipalities, offline check."""

from datetime import date

import pytest

from rathaus.parking import tokens
from rathaus.parking.models import SigningKey
from rathaus.testing.factories import MunicipalityFactory


@pytest.fixture
def essen(db):
    return MunicipalityFactory(slug="essen", name="Essen", ags="05113000")


def _token(municipality, **overrides):
    values = {
        "kind": tokens.PERMIT,
        "number": "BP-2026-000001",
        "zone": "Ostviertel",
        "plate": "E-AB 1234",
        "day": date(2027, 1, 31),
    }
    values.update(overrides)
    return tokens.token_sign(municipality=municipality, **values)


def test_round_trip_and_compact(essen):
    token = _token(essen)
    data = tokens.token_verify(municipality=essen, token=token)
    assert (data.number, data.zone, data.plate, data.date) == (
        "BP-2026-000001",
        "Ostviertel",
        "E-AB 1234",
        date(2027, 1, 31),
    )
    assert len(token) < 200
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_private_key_is_stored_encrypted(essen):
    _token(essen)
    key = SigningKey.objects.get(municipality=essen)
    assert "ENCRYPTED PRIVATE KEY" in key.private_key_encrypted
    assert key.public_key in str(tokens.public_jwks(municipality=essen))


def test_one_key_per_municipality_reused(essen):
    _token(essen)
    _token(essen, number="BP-2026-000002")
    assert SigningKey.objects.filter(municipality=essen).count() == 1


def test_tampered_payload_is_rejected(essen):
    token = _token(essen)
    payload, signature = token.split(".")
    altered = tokens.b64url(tokens.b64url_decode(payload).replace(b"E-AB 1234", b"E-AB 1235"))
    with pytest.raises(tokens.TokenError, match="Signatur"):
        tokens.token_verify(municipality=essen, token=f"{altered}.{signature}")


def test_forged_token_with_own_key_is_rejected(essen):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    token = _token(essen)
    payload = tokens.b64url_decode(token.split(".")[0])
    forged = Ed25519PrivateKey.generate().sign(payload)
    with pytest.raises(tokens.TokenError):
        tokens.token_verify(
            municipality=essen, token=f"{tokens.b64url(payload)}.{tokens.b64url(forged)}"
        )


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b.c", "!!!.###", "x" * 700, "UlAxfFB8.AAAA", "Zm9v.Zm9v"],
)
def test_garbage_is_rejected_cleanly(essen, garbage):
    with pytest.raises(tokens.TokenError):
        tokens.token_verify(municipality=essen, token=garbage)


def test_other_municipalitys_token_does_not_verify(essen, beispieldorf):
    token = _token(beispieldorf)
    with pytest.raises(tokens.TokenError, match="nicht von Essen"):
        tokens.token_verify(municipality=essen, token=token)


def test_offline_verification_with_the_published_key_alone(essen, beispieldorf):
    import json

    token = _token(essen)
    jwks = json.loads(json.dumps(tokens.public_jwks(municipality=essen)))
    SigningKey.objects.all().delete()  # nothing from the database is needed any more
    assert tokens.token_verify_offline(token, jwks).plate == "E-AB 1234"
    other = json.loads(json.dumps(tokens.public_jwks(municipality=beispieldorf)))
    with pytest.raises(tokens.TokenError):
        tokens.token_verify_offline(token, other)

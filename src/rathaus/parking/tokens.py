"""Signed permit tokens for the QR code, and the municipality's Ed25519 keys.

Token format (version ``RP1``)::

    <base64url(payload)>.<base64url(signature)>            (no padding)
    payload   = "RP1|<type>|<AGS>|<kid>|<number>|<zone>|<plate>|<YYYYMMDD>"  (UTF-8)
    type      = "P" (resident permit; the date is valid_to) or "V" (visitor day pass; the day)
    signature = Ed25519 over the payload bytes, with the key ``kid`` of the municipality ``AGS``

A permit token is about 160 characters, a version-10 QR code at level M. The token proves what
the municipality issued; whether a permit was revoked since is only known online (the
verification page ``/parkausweis/pruefen/<token>``). Offline, anyone with the published key
(``/parkausweis/schluessel``, a JWK set) checks signature, zone, plate and date:
:func:`token_verify_offline` needs nothing but that JSON and is what ``rathaus parking_verify``
runs.

Private keys never leave the server: they are stored as encrypted PKCS#8 (PBES2/AES-256) with a
password derived by HKDF-SHA256 from ``RATHAUS_PARKING_KEY_SECRET`` (falls back to
``SECRET_KEY``), so a database dump alone does not reveal them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from rathaus.core.models import Municipality

from .models import SigningKey

VERSION = "RP1"
PERMIT = "P"
VISITOR = "V"
MAX_TOKEN_LENGTH = 600

_private_keys: dict[str, Ed25519PrivateKey] = {}


class TokenError(ValueError):
    """The token is not a valid token of this municipality (reason in German)."""


@dataclass(frozen=True)
class TokenData:
    kind: str
    ags: str
    kid: str
    number: str
    zone: str
    plate: str
    date: date

    def payload(self) -> bytes:
        fields = [
            VERSION,
            self.kind,
            self.ags,
            self.kid,
            self.number,
            self.zone,
            self.plate,
            self.date.strftime("%Y%m%d"),
        ]
        return "|".join(f.replace("|", "/") for f in fields).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- keys --------------------------------------------------------------------------------------


def _password() -> bytes:
    secret = getattr(settings, "RATHAUS_PARKING_KEY_SECRET", "") or settings.SECRET_KEY
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"rathaus.parking.signing-key"
    ).derive(secret.encode())


def signing_key_current(*, municipality: Municipality) -> SigningKey:
    """The municipality's active key, generated on first use (under a lock on the municipality,
    so two first requests do not make two keys)."""
    found = SigningKey.objects.of(municipality).filter(active=True).order_by("-created_at").first()
    if found is not None:
        return found
    with transaction.atomic():
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        found = (
            SigningKey.objects.of(municipality).filter(active=True).order_by("-created_at").first()
        )
        if found is not None:
            return found
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        encrypted = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_password()),
        ).decode()
        key = SigningKey.objects.create(
            municipality=municipality,
            kid=secrets.token_hex(4),
            public_key=b64url(public),
            private_key_encrypted=encrypted,
        )
        _private_keys[key.kid] = private
        return key


def _private_key(key: SigningKey) -> Ed25519PrivateKey:
    loaded = _private_keys.get(key.kid)
    if loaded is None:
        candidate = serialization.load_pem_private_key(
            key.private_key_encrypted.encode(), password=_password()
        )
        if not isinstance(candidate, Ed25519PrivateKey):  # pragma: no cover - we only store these
            raise TypeError("not an Ed25519 key")
        loaded = _private_keys[key.kid] = candidate
    return loaded


def public_jwks(*, municipality: Municipality) -> dict[str, Any]:
    """The municipality's public keys as a JWK set (RFC 8037: kty OKP, crv Ed25519)."""
    signing_key_current(municipality=municipality)
    return {
        "issuer": municipality.name,
        "ags": municipality.ags,
        "token_format": VERSION,
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": key.public_key,
                "kid": key.kid,
                "use": "sig",
                "alg": "EdDSA",
            }
            for key in SigningKey.objects.of(municipality).order_by("created_at")
        ],
    }


# --- tokens ------------------------------------------------------------------------------------


def token_sign(
    *, municipality: Municipality, kind: str, number: str, zone: str, plate: str, day: date
) -> str:
    """A signed token for a permit (``day`` = valid_to) or a visitor pass (``day`` = the day)."""
    key = signing_key_current(municipality=municipality)
    data = TokenData(
        kind=kind,
        ags=municipality.ags,
        kid=key.kid,
        number=number,
        zone=zone,
        plate=plate,
        date=day,
    )
    payload = data.payload()
    return f"{b64url(payload)}.{b64url(_private_key(key).sign(payload))}"


def token_parse(token: str) -> tuple[TokenData, bytes, bytes]:
    """Split a token into its data, the signed bytes and the signature (nothing verified yet)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError("Der Code hat nicht das Format eines Parkausweis-Codes.")
    encoded_payload, encoded_signature = token.split(".")
    try:
        payload = b64url_decode(encoded_payload)
        signature = b64url_decode(encoded_signature)
        fields = payload.decode().split("|")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise TokenError("Der Code ist beschädigt und lässt sich nicht lesen.") from exc
    if len(fields) != 8 or fields[0] != VERSION or fields[1] not in (PERMIT, VISITOR):
        raise TokenError("Der Code hat nicht das Format eines Parkausweis-Codes.")
    if len(signature) != 64:
        raise TokenError("Der Code ist beschädigt: die Signatur ist unvollständig.")
    try:
        day = date(int(fields[7][:4]), int(fields[7][4:6]), int(fields[7][6:8]))
    except ValueError as exc:
        raise TokenError("Der Code ist beschädigt: das Datum ist ungültig.") from exc
    data = TokenData(
        kind=fields[1],
        ags=fields[2],
        kid=fields[3],
        number=fields[4],
        zone=fields[5],
        plate=fields[6],
        date=day,
    )
    return data, payload, signature


def _verify(public_key: bytes, payload: bytes, signature: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, payload)
    except (InvalidSignature, ValueError) as exc:
        raise TokenError(
            "Die Signatur stimmt nicht: Der Code wurde verändert oder nicht von dieser Kommune "
            "ausgestellt."
        ) from exc


def token_verify(*, municipality: Municipality, token: str) -> TokenData:
    """The data of a token signed by one of the municipality's keys; raises :class:`TokenError`
    for anything else (malformed, another municipality's, altered, forged)."""
    data, payload, signature = token_parse(token)
    if data.ags != municipality.ags:
        raise TokenError(f"Dieser Code wurde nicht von {municipality.name} ausgestellt.")
    key = SigningKey.objects.of(municipality).filter(kid=data.kid).first()
    if key is None:
        raise TokenError(
            f"Der Code nennt einen Schlüssel, den {municipality.name} nicht verwendet."
        )
    _verify(b64url_decode(key.public_key), payload, signature)
    return data


def token_verify_offline(token: str, jwks: dict[str, Any]) -> TokenData:
    """Verify with the published JWK set alone (no database, no network)."""
    data, payload, signature = token_parse(token)
    if jwks.get("ags") and jwks["ags"] != data.ags:
        raise TokenError("Der Code stammt von einer anderen Kommune als der Schlüssel.")
    for jwk in jwks.get("keys", []):
        if jwk.get("kid") == data.kid and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            _verify(b64url_decode(jwk["x"]), payload, signature)
            return data
    raise TokenError("Der Schlüssel des Codes ist nicht im Schlüsselsatz enthalten.")

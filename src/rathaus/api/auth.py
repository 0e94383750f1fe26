"""Authentication of API clients: OAuth2 client credentials (short-lived signed JWT) or an API key.

- ``POST /api/v1/oauth/token`` with ``grant_type=client_credentials`` and the client id and
  secret (form fields or HTTP Basic) gives an access token: a JWT (HS256, key derived from
  ``SECRET_KEY``) valid for ``RATHAUS_API_TOKEN_SECONDS`` (at most 900 s) with the client id
  (``sub``), the municipality (``municipality``) and the scopes (``scope``).
- An API key ``rk_…`` is sent as ``Authorization: Bearer rk_…`` or ``X-API-Key: rk_…``.

Only the SHA-256 of secrets and keys is stored (random 256-bit tokens: a plain hash suffices),
compared in constant time. Revoking a client (``active = False``) stops tokens and keys at once:
every request loads the client.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from rathaus.core.errors import ErrorCode

from .jose import JoseError, JsonWebToken
from .models import ApiClient
from .problems import ApiError

API_KEY_PREFIX = "rk_"
SECRET_PREFIX = "rs_"  # noqa: S105 - a prefix, not a secret
TOKEN_AUDIENCE = "rathaus-api"  # noqa: S105 - a claim value, not a secret
_jwt = JsonWebToken(["HS256"])


def token_seconds() -> int:
    return max(60, min(900, int(getattr(settings, "RATHAUS_API_TOKEN_SECONDS", 900))))


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def _signing_key() -> bytes:
    return hashlib.sha256(b"rathaus.api.jwt:" + settings.SECRET_KEY.encode()).digest()


def _issuer() -> str:
    return str(getattr(settings, "RATHAUS_PUBLIC_URL", "rathaus")).rstrip("/")


@dataclass(frozen=True)
class Principal:
    client: ApiClient
    scopes: frozenset[str]


def token_issue(*, client: ApiClient) -> tuple[str, int]:
    now = int(time.time())
    lifetime = token_seconds()
    claims = {
        "iss": _issuer(),
        "aud": TOKEN_AUDIENCE,
        "sub": client.client_id,
        "municipality": client.municipality.slug,
        "scope": " ".join(client.scopes),
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_hex(16),
    }
    token = _jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, _signing_key())
    return token.decode(), lifetime


def client_authenticate(*, client_id: str, secret: str) -> ApiClient | None:
    """The active client with this id and secret, else None."""
    client = (
        ApiClient.objects.select_related("municipality")
        .filter(client_id=client_id[:80], active=True)
        .first()
    )
    if client is None or not client.secret_hash:
        digest(secret)  # same work either way
        return None
    if not hmac.compare_digest(client.secret_hash, digest(secret)):
        return None
    return client


def _invalid(detail: str) -> ApiError:
    return ApiError(
        ErrorCode.TOKEN_INVALID,
        detail,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _from_api_key(key: str) -> Principal:
    hashed = digest(key)
    client = (
        ApiClient.objects.select_related("municipality")
        .filter(api_key_hash=hashed, active=True)
        .first()
    )
    if client is None or not hmac.compare_digest(client.api_key_hash, hashed):
        raise _invalid("Der API-Schlüssel ist ungültig oder widerrufen.")
    return Principal(client, frozenset(client.scopes))


def _from_token(token: str) -> Principal:
    try:
        claims = _jwt.decode(
            token,
            _signing_key(),
            claims_options={
                "iss": {"essential": True, "value": _issuer()},
                "aud": {"essential": True, "value": TOKEN_AUDIENCE},
                "sub": {"essential": True},
                "exp": {"essential": True},
            },
        )
        claims.validate(leeway=0)
    except (JoseError, ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid("Das Zugriffstoken ist ungültig oder abgelaufen.") from exc
    client = (
        ApiClient.objects.select_related("municipality")
        .filter(client_id=str(claims["sub"])[:80], active=True)
        .first()
    )
    if client is None:
        raise _invalid("Der Client ist nicht (mehr) zugelassen.")
    granted = set(str(claims.get("scope", "")).split()) & set(client.scopes)
    return Principal(client, frozenset(granted))


def request_authenticate(request: HttpRequest) -> Principal:
    """The client making the request, or ``ApiError`` (401)."""
    header = request.headers.get("Authorization", "")
    key = request.headers.get("X-API-Key", "").strip()
    if header:
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            raise _invalid("Erwartet wird „Authorization: Bearer <Token oder API-Schlüssel>“.")
        if credentials.startswith(API_KEY_PREFIX):
            return _from_api_key(credentials)
        return _from_token(credentials)
    if key:
        return _from_api_key(key)
    raise ApiError(
        ErrorCode.UNAUTHENTICATED,
        "Bitte melden Sie sich mit einem Zugriffstoken oder API-Schlüssel an.",
        headers={"WWW-Authenticate": 'Bearer realm="rathaus"'},
    )


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None

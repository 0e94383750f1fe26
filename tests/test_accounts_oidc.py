"""External login (OIDC) against a real, minimal OpenID provider on loopback.

The provider below speaks the protocol as a broker (Keycloak in front of BundID) does:
discovery, the authorisation endpoint (redirecting back with code and state), the token
endpoint (checking client secret and PKCE) issuing an RS256-signed ID token, and the JWKS.
The Django test client plays the browser: it follows Rathaus' redirect to the provider with
``requests`` and brings the provider's redirect back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from rathaus.accounts import trust
from rathaus.accounts.models import Profile, TrustLevel, User
from rathaus.testing.factories import UserFactory

M = "/m/musterstadt"
CLIENT_ID = "rathaus-portal"
CLIENT_SECRET = "geheimnis-0815"
REALM = "/realms/bund"  # the issuer carries a realm path, like Keycloak's

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "provider-key"})


@pytest.fixture(scope="module")
def foreign_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "provider-key"})


class Provider:
    """State and knobs of the loopback OpenID provider."""

    def __init__(self, key: RSAKey, foreign_key: RSAKey) -> None:
        self.key = key
        self.foreign_key = foreign_key
        self.issuer = ""
        self.codes: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, Any] = {
            "sub": "bpk2-4711",
            "email": "max.buerger@example.org",
            "email_verified": True,
            "given_name": "Max",
            "family_name": "Bürger",
            "acr": "STORK-QAA-Level-3",
            "birthdate": "1990-02-01",
            "address": {
                "street_address": "Marktplatz 3",
                "postal_code": "33098",
                "locality": "Musterstadt",
            },
        }
        self.nonce_override: str | None = None
        self.sign_with_foreign_key = False
        self.expired = False
        self.token_requests: list[dict[str, list[str]]] = []

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now - 3600 * 3 if self.expired else now,
            "exp": now - 3600 * 2 if self.expired else now + 300,
            "auth_time": now,
            "nonce": self.nonce_override or nonce,
            **self.claims,
        }
        key = self.foreign_key if self.sign_with_foreign_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "provider-key"}, claims, key)


def handler_for(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _json(self, data: Any, status: int = 200) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path.removeprefix(REALM))
            if url.path == "/.well-known/openid-configuration":
                return self._json(
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "jwks_uri": f"{provider.issuer}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["pairwise"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                        "acr_values_supported": [f"STORK-QAA-Level-{n}" for n in range(1, 5)],
                    }
                )
            if url.path == "/jwks":
                return self._json(KeySet([provider.key]).as_dict(private=False))
            if url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if (
                    query.get("client_id") != CLIENT_ID
                    or query.get("response_type") != "code"
                    or query.get("code_challenge_method") != "S256"
                    or "openid" not in query.get("scope", "").split()
                ):
                    return self._json({"error": "invalid_request"}, 400)
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                target = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
                return None
            return self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            if urlsplit(self.path.removeprefix(REALM)).path != "/token":
                return self._json({"error": "not_found"}, 404)
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            provider.token_requests.append(form)
            auth = self.headers.get("Authorization", "")
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if auth != f"Basic {expected}":
                return self._json({"error": "invalid_client"}, 401)
            request = provider.codes.pop(form.get("code", [""])[0], None)
            if request is None or form.get("grant_type") != ["authorization_code"]:
                return self._json({"error": "invalid_grant"}, 400)
            verifier = form.get("code_verifier", [""])[0]
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if challenge != request["code_challenge"]:
                return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            if form.get("redirect_uri", [""])[0] != request["redirect_uri"]:
                return self._json({"error": "invalid_grant"}, 400)
            return self._json(
                {
                    "access_token": secrets.token_urlsafe(24),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(request.get("nonce", "")),
                }
            )

    return Handler


@pytest.fixture
def provider(signing_key, foreign_key, settings, monkeypatch) -> Iterator[Provider]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    state = Provider(signing_key, foreign_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    state.issuer = f"http://127.0.0.1:{server.server_address[1]}{REALM}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.RATHAUS_OIDC_PROVIDERS = [
        {
            "name": "bundid",
            "label": "BundID",
            "issuer": state.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "acr_values": "STORK-QAA-Level-3",
        }
    ]
    yield state
    server.shutdown()
    server.server_close()


def start_login(client, prefix: str = M) -> requests.Response:
    """Rathaus → provider: returns the provider's answer (its redirect back to Rathaus)."""
    response = client.get(f"{prefix}/konto/extern/bundid/")
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith("http://127.0.0.1:")
    return requests.get(location, allow_redirects=False, timeout=10)


def finish_login(client, provider_response: requests.Response, tamper_state: bool = False):
    assert provider_response.status_code == 302, provider_response.text
    back = urlsplit(provider_response.headers["Location"])
    query = back.query
    if tamper_state:
        params = {k: v[0] for k, v in parse_qs(query).items()}
        params["state"] = "manipuliert"
        query = urlencode(params)
    return client.get(f"{back.path}?{query}")


def test_login_page_offers_provider_buttons(client, musterstadt, provider):
    content = client.get(f"{M}/konto/anmelden/").content.decode()
    assert "Anmelden mit BundID" in content
    assert f'href="{M}/konto/extern/bundid/"' in content


def test_oidc_login_creates_citizen_with_trust_level(client, musterstadt, provider):
    # when a person logs in through the provider
    response = client.get(f"{M}/konto/extern/bundid/")
    authorize = urlsplit(response["Location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    # then Rathaus asked with PKCE, state, nonce and the wanted level
    assert params["code_challenge_method"] == "S256"
    assert params["state"] and params["nonce"] and params["code_challenge"]
    assert params["acr_values"] == "STORK-QAA-Level-3"
    assert params["redirect_uri"] == f"http://testserver{M}/konto/extern/bundid/zurueck/"
    answer = requests.get(response["Location"], allow_redirects=False, timeout=10)
    response = finish_login(client, answer)
    # and is logged in as a new citizen, linked by (issuer, subject), named from the claims
    assert response.status_code == 302
    assert response["Location"] == f"{M}/konto/profil/"
    user = User.objects.get(external_subject="bpk2-4711")
    assert user.external_issuer == provider.issuer
    assert user.is_citizen and not user.has_usable_password()
    assert (user.first_name, user.last_name, user.email) == (
        "Max",
        "Bürger",
        "max.buerger@example.org",
    )
    assert user.email_verified_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)
    # with the trust level from acr (Level 3 = substantial) and the profile filled once-only
    assert client.session[trust.SESSION_KEY] == TrustLevel.SUBSTANTIAL
    profile = Profile.objects.get(user=user)
    assert (profile.street, profile.postcode, str(profile.birth_date)) == (
        "Marktplatz 3",
        "33098",
        "1990-02-01",
    )
    # the PKCE verifier travelled to the token endpoint
    assert provider.token_requests[0]["code_verifier"][0]
    # the profile page shows the level; the names are read-only there
    content = client.get(f"{M}/konto/profil/").content.decode()
    assert "substanziell" in content
    assert "Von Ihrem Identitätsanbieter bestätigt" in content


def test_second_login_finds_the_same_account(client, musterstadt, provider):
    finish_login(client, start_login(client))
    client.post(f"{M}/konto/abmelden/")
    provider.claims["email"] = "neue.adresse@example.org"
    provider.claims["acr"] = "STORK-QAA-Level-4"
    response = finish_login(client, start_login(client))
    assert response.status_code == 302
    assert User.objects.filter(external_subject="bpk2-4711").count() == 1
    assert client.session[trust.SESSION_KEY] == TrustLevel.HIGH


@pytest.mark.parametrize(
    ("acr", "level"),
    [
        ("STORK-QAA-Level-1", TrustLevel.BASIC),
        ("substantial", TrustLevel.SUBSTANTIAL),
        ("high", TrustLevel.HIGH),
        ("something-else", TrustLevel.BASIC),
        (None, TrustLevel.BASIC),
    ],
)
def test_acr_mapping(client, musterstadt, provider, acr, level):
    provider.claims["acr"] = acr
    if acr is None:
        del provider.claims["acr"]
    finish_login(client, start_login(client))
    assert client.session[trust.SESSION_KEY] == level


def test_custom_acr_map_from_settings(client, musterstadt, provider, settings):
    settings.RATHAUS_OIDC_PROVIDERS = [
        {**settings.RATHAUS_OIDC_PROVIDERS[0], "acr_map": {"urn:nrw:eid": 3}}
    ]
    provider.claims["acr"] = "urn:nrw:eid"
    finish_login(client, start_login(client))
    assert client.session[trust.SESSION_KEY] == TrustLevel.HIGH


def assert_refused(response) -> None:
    assert response.status_code == 400
    content = response.content.decode()
    assert "Anmeldung nicht möglich" in content
    assert "fehlgeschlagen" in content
    assert not User.objects.filter(external_subject="bpk2-4711").exists()


def test_bad_state_is_refused(client, musterstadt, provider):
    response = finish_login(client, start_login(client), tamper_state=True)
    assert_refused(response)
    assert "_auth_user_id" not in client.session


def test_callback_without_login_start_is_refused(client, musterstadt, provider):
    response = client.get(f"{M}/konto/extern/bundid/zurueck/?code=abc&state=xyz")
    assert_refused(response)


def test_wrong_nonce_is_refused(client, musterstadt, provider):
    provider.nonce_override = "eine-andere-nonce"
    assert_refused(finish_login(client, start_login(client)))


def test_wrong_signature_is_refused(client, musterstadt, provider):
    provider.sign_with_foreign_key = True
    assert_refused(finish_login(client, start_login(client)))


def test_expired_id_token_is_refused(client, musterstadt, provider):
    provider.expired = True
    assert_refused(finish_login(client, start_login(client)))


def test_provider_error_is_shown(client, musterstadt, provider):
    client.get(f"{M}/konto/extern/bundid/")
    response = client.get(
        f"{M}/konto/extern/bundid/zurueck/?error=access_denied&error_description=abgebrochen"
    )
    assert_refused(response)


def test_wrong_client_secret_is_refused(client, musterstadt, provider, settings):
    settings.RATHAUS_OIDC_PROVIDERS = [
        {**settings.RATHAUS_OIDC_PROVIDERS[0], "client_secret": "falsch"}
    ]
    assert_refused(finish_login(client, start_login(client)))


def test_existing_password_account_is_not_taken_over(client, musterstadt, provider):
    UserFactory(email="max.buerger@example.org")
    response = finish_login(client, start_login(client))
    assert response.status_code == 400
    assert "mit E-Mail-Adresse und Passwort an" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_identity_cannot_log_in_externally(client, musterstadt, provider):
    UserFactory(
        email="amt@example.org",
        kind=User.Kind.STAFF,
        external_issuer=provider.issuer,
        external_subject="bpk2-4711",
    )
    response = finish_login(client, start_login(client))
    assert response.status_code == 400
    assert "Verwaltungskonten" in response.content.decode()


def test_unknown_provider_is_404_page(client, musterstadt, provider):
    response = client.get(f"{M}/konto/extern/unbekannt/")
    assert response.status_code == 404
    assert "nicht eingerichtet" in response.content.decode()


def test_unreachable_provider_gives_clear_page(client, musterstadt, settings):
    settings.RATHAUS_OIDC_PROVIDERS = [
        {
            "name": "bundid",
            "label": "BundID",
            "issuer": "http://127.0.0.1:9/realms/nirgends",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    ]
    response = client.get(f"{M}/konto/extern/bundid/")
    assert response.status_code == 502
    assert "nicht erreichbar" in response.content.decode()


def test_invalid_provider_config_is_ignored(client, musterstadt, settings):
    settings.RATHAUS_OIDC_PROVIDERS = [{"label": "kaputt"}, "nonsense"]
    assert client.get(f"{M}/konto/anmelden/").status_code == 200

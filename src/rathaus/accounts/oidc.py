"""External login through OpenID Connect (BundID, Servicekonto.NRW … behind a broker).

Providers come from ``settings.RATHAUS_OIDC_PROVIDERS`` (JSON in the environment variable of the
same name, see ``config/settings/security.py``). The flow is Authlib's Django client with the
authorisation code flow, PKCE (S256), ``state`` and ``nonce``; Authlib checks state, nonce,
signature (against the provider's JWKS), issuer, audience and expiry of the ID token.

Redirect URIs: the callback is ``/konto/extern/<name>/zurueck/`` on the municipality's host (or
behind ``/m/<slug>/``). Register those (or a wildcard per host) at the broker.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc.errors import JoseError
from requests import RequestException

from rathaus.core.errors import ErrorCode, RathausError

from .models import Profile, TrustLevel, User

log = logging.getLogger(__name__)

METADATA_MAX_AGE = 3600


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    metadata_url: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    acr_values: str = ""
    acr_claim: str = "acr"
    acr_map: dict[str, int] = field(default_factory=dict)

    def trust_level(self, acr: object) -> int:
        """The trust level for an ``acr`` value (unknown or missing: the configured default)."""
        mapping = {**settings.RATHAUS_OIDC_ACR_MAP, **self.acr_map}
        values = acr if isinstance(acr, list) else [acr]
        levels = [int(mapping[v]) for v in values if isinstance(v, str) and v in mapping]
        level = max(levels) if levels else int(settings.RATHAUS_OIDC_DEFAULT_TRUST_LEVEL)
        return max(int(TrustLevel.BASIC), min(level, int(TrustLevel.HIGH)))


def providers() -> list[Provider]:
    """The configured providers; entries missing a name or client id are skipped (logged)."""
    result = []
    for raw in settings.RATHAUS_OIDC_PROVIDERS or []:
        try:
            issuer = str(raw.get("issuer", "")).rstrip("/")
            metadata_url = raw.get("server_metadata_url") or (
                f"{issuer}/.well-known/openid-configuration" if issuer else ""
            )
            if not raw["name"] or not raw["client_id"] or not metadata_url:
                raise KeyError("name/client_id/issuer")
            result.append(
                Provider(
                    name=str(raw["name"]),
                    label=str(raw.get("label") or raw["name"]),
                    metadata_url=str(metadata_url),
                    client_id=str(raw["client_id"]),
                    client_secret=str(raw.get("client_secret", "")),
                    scopes=str(raw.get("scopes") or "openid email profile"),
                    acr_values=str(raw.get("acr_values", "")),
                    acr_claim=str(raw.get("acr_claim", "acr")),
                    acr_map={str(k): int(v) for k, v in (raw.get("acr_map") or {}).items()},
                )
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            log.error("RATHAUS_OIDC_PROVIDERS: ignoring invalid entry %r", raw)
    return result


def provider(name: str) -> Provider | None:
    return next((p for p in providers() if p.name == name), None)


_clients: dict[str, DjangoOAuth2App] = {}
_clients_lock = threading.Lock()


def client(p: Provider) -> DjangoOAuth2App:
    """An Authlib client for the provider; kept per process so discovery is fetched rarely."""
    key = hashlib.sha256(json.dumps(p.__dict__, sort_keys=True).encode()).hexdigest()
    with _clients_lock:
        found = _clients.get(key)
        loaded_at = found.server_metadata.get("_loaded_at", 0) if found else 0
        if found is None or (
            loaded_at and timezone.now().timestamp() - loaded_at > METADATA_MAX_AGE
        ):
            oauth = OAuth()
            found = oauth.register(
                name=p.name,
                client_id=p.client_id,
                client_secret=p.client_secret,
                server_metadata_url=p.metadata_url,
                client_kwargs={
                    "scope": p.scopes,
                    "code_challenge_method": "S256",
                    "default_timeout": 10,
                },
            )
            _clients[key] = found
        return found


#: Errors of the external round trip that mean "login failed", never a server error.
FLOW_ERRORS: tuple[type[Exception], ...] = (
    OAuthError,
    JoseError,
    RequestException,
    KeyError,
    ValueError,
    RuntimeError,
)


def _failure(reason: str) -> RathausError:
    return RathausError(ErrorCode.EXTERNAL_LOGIN_FAILED, reason)


def external_user(*, p: Provider, claims: dict[str, Any]) -> tuple[User, int]:
    """Find or create the citizen for the ID token's (issuer, subject) and fill name, e-mail
    and profile from the claims. Returns the user and the trust level of this login.

    An e-mail address that already belongs to a password account is not linked automatically
    (that would let whoever controls the provider's address take over the account); the person
    is told to log in with the password instead.
    """
    issuer = str(claims.get("iss", ""))
    subject = str(claims.get("sub", ""))
    if not issuer or not subject:
        raise _failure(_("Die Anmeldung enthielt keine gültige Kennung."))
    level = p.trust_level(claims.get(p.acr_claim))
    email = str(claims.get("email") or "").strip().lower()
    email_verified = claims.get("email_verified") in (True, "true")
    with transaction.atomic():
        user = User.objects.filter(external_issuer=issuer, external_subject=subject).first()
        if user is None:
            if email and User.objects.filter(email=email).exists():
                raise _failure(
                    _(
                        "Zu der E-Mail-Adresse %(email)s gibt es bereits ein Konto. Bitte melden "
                        "Sie sich mit E-Mail-Adresse und Passwort an."
                    )
                    % {"email": email}
                )
            placeholder = hashlib.sha256(f"{issuer}|{subject}".encode()).hexdigest()[:20]
            try:
                user = User.objects.create_user(
                    email or f"{placeholder}@{p.name}.extern.invalid",
                    None,
                    external_issuer=issuer,
                    external_subject=subject,
                )
            except IntegrityError as exc:  # a parallel first login of the same person
                raise _failure(_("Bitte versuchen Sie es noch einmal.")) from exc
        if not user.is_active:
            raise _failure(_("Dieses Konto ist gesperrt."))
        if not user.is_citizen:
            raise _failure(
                _("Verwaltungskonten können sich nicht über einen externen Anbieter anmelden.")
            )
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        if email and email == user.email and email_verified and user.email_verified_at is None:
            user.email_verified_at = timezone.now()
        user.save()
        profile, _created = Profile.objects.get_or_create(user=user)
        _fill_profile(profile, claims)
    return user, level


def _fill_profile(profile: Profile, claims: dict[str, Any]) -> None:
    """Once-only: take the address and birth date the provider vouches for."""
    raw_address = claims.get("address")
    address: dict[str, Any] = raw_address if isinstance(raw_address, dict) else {}
    changes = {
        "street": address.get("street_address"),
        "postcode": address.get("postal_code"),
        "city": address.get("locality"),
        "phone": claims.get("phone_number"),
    }
    for name, value in changes.items():
        if value:
            max_length = getattr(Profile._meta.get_field(name), "max_length", None) or 200
            setattr(profile, name, str(value)[:max_length])
    birthdate = claims.get("birthdate")
    if isinstance(birthdate, str):
        from django.utils.dateparse import parse_date

        with contextlib.suppress(ValueError):
            profile.birth_date = parse_date(birthdate) or profile.birth_date
    profile.save()

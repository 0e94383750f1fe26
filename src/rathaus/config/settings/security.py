"""Security: password hashing, cookies, CSP, login rate limiting."""

import json
from urllib.parse import urlsplit

from .base import DEBUG
from .env import env_bool, env_int, env_list, env_str

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first (it refuses locked-out username+IP pairs), then password login. External logins
# (OIDC) do not go through ``authenticate()``: the ID token is verified in
# ``rathaus.accounts.oidc`` and the user is logged in with ``ModelBackend`` explicitly.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Production (DJANGO_DEBUG off): secure cookies and HSTS unless explicitly running plain HTTP
# locally (RATHAUS_INSECURE_HTTP=1, which `make run` sets for the demo on 127.0.0.1).
_SECURE = not DEBUG and not env_bool("RATHAUS_INSECURE_HTTP", False)
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SECURE_SSL_REDIRECT = _SECURE and env_bool("RATHAUS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if _SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
# Preloading HSTS is an operator's decision per domain (hard to undo): opt in explicitly.
SECURE_HSTS_PRELOAD = _SECURE and env_bool("RATHAUS_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: nothing inline, nothing from third-party hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Map tiles: none by default (the zone map draws the municipality's own data). An operator may
# configure a tile server ("https://tiles.example/{z}/{x}/{y}.png"); its origin is then allowed
# for images, and only it.
RATHAUS_MAP_TILE_URL = env_str("RATHAUS_MAP_TILE_URL", "")
RATHAUS_MAP_TILE_ATTRIBUTION = env_str("RATHAUS_MAP_TILE_ATTRIBUTION", "")
if RATHAUS_MAP_TILE_URL:
    _tiles = urlsplit(RATHAUS_MAP_TILE_URL.replace("{s}", "*"))  # {s}: any subdomain
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# Webhooks go to public HTTPS receivers only (rathaus.api.egress); receivers inside the
# authority's network, the demo and tests need this switched on.
RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool(
    "RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS", not _SECURE
)

# Login rate limiting (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("RATHAUS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "rathaus.accounts.lockout.axes_username"

# Account e-mail links (verification, change of address): valid this long.
RATHAUS_EMAIL_LINK_MAX_AGE = env_int("RATHAUS_EMAIL_LINK_MAX_AGE", 60 * 60 * 48)
PASSWORD_RESET_TIMEOUT = env_int("RATHAUS_PASSWORD_RESET_TIMEOUT", 60 * 60 * 2)
# Invitations of new staff (link to choose the password): valid this many days.
RATHAUS_STAFF_INVITATION_DAYS = env_int("RATHAUS_STAFF_INVITATION_DAYS", 7)

# Two-factor authentication for staff (django-otp TOTP). The issuer is shown in the
# authenticator app next to the account name.
OTP_TOTP_ISSUER = env_str("RATHAUS_OTP_ISSUER", "Rathaus")

# External login through OpenID Connect (BundID, Servicekonto.NRW, … behind a broker such as
# Keycloak). A JSON list of providers, e.g.
#   [{"name": "bundid", "label": "BundID", "issuer": "https://id.example/realms/bund",
#     "client_id": "rathaus", "client_secret": "…", "scopes": "openid email profile",
#     "acr_values": "STORK-QAA-Level-3", "acr_map": {"urn:custom": 2}}]
# ``issuer`` (discovery at ``<issuer>/.well-known/openid-configuration``) or
# ``server_metadata_url``; ``acr_map`` extends RATHAUS_OIDC_ACR_MAP (acr value → trust level
# 1 basic, 2 substantial, 3 high). See ``rathaus.accounts.oidc``.
RATHAUS_OIDC_PROVIDERS = json.loads(env_str("RATHAUS_OIDC_PROVIDERS") or "[]")
RATHAUS_OIDC_ACR_MAP = {
    "STORK-QAA-Level-1": 1,
    "STORK-QAA-Level-2": 1,
    "STORK-QAA-Level-3": 2,
    "STORK-QAA-Level-4": 3,
    "low": 1,
    "basic": 1,
    "substantial": 2,
    "substanziell": 2,
    "high": 3,
    "hoch": 3,
    "level1": 1,
    "level2": 1,
    "level3": 2,
    "level4": 3,
    "http://eidas.europa.eu/LoA/low": 1,
    "http://eidas.europa.eu/LoA/substantial": 2,
    "http://eidas.europa.eu/LoA/high": 3,
}
# Trust level of an external login whose acr is missing or unknown.
RATHAUS_OIDC_DEFAULT_TRUST_LEVEL = 1

"""JOSE (JWT for access tokens, JWE for intake) from Authlib, imported in one place.

Authlib 1.6+ marks ``authlib.jose`` as deprecated in favour of its successor ``joserfc`` (already
installed as Authlib's dependency) and stays compatible until Authlib 2.0; the warning is silenced
here so that it does not drown every command's output. Moving these imports to ``joserfc`` is the
planned next step (same algorithms: HS256, RSA-OAEP-256 + A256GCM).
"""

import warnings

import authlib.deprecate  # noqa: F401 - installs its own "always" filter first; ours then wins

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    from authlib.jose import JsonWebEncryption, JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError

__all__ = ["JoseError", "JsonWebEncryption", "JsonWebKey", "JsonWebToken"]

"""Stable, machine-readable error codes shared by the UI and the API.

A service function raises :class:`RathausError` with one of these codes; a view turns it into a
message for the user, the API into its error document. Codes never change meaning once released.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID_INPUT = "invalid_input"
    DEFINITION_INVALID = "definition_invalid"
    SERVICE_NOT_AVAILABLE = "service_not_available"
    TRUST_LEVEL_TOO_LOW = "trust_level_too_low"
    LOGIN_REQUIRED = "login_required"
    DRAFT_NOT_FOUND = "draft_not_found"
    DRAFT_LINK_EXPIRED = "draft_link_expired"
    STEP_NOT_REACHABLE = "step_not_reachable"
    APPLICATION_INCOMPLETE = "application_incomplete"
    APPLICATION_ALREADY_SUBMITTED = "application_already_submitted"
    UPLOAD_TYPE_NOT_ALLOWED = "upload_type_not_allowed"
    UPLOAD_TOO_LARGE = "upload_too_large"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    STALE_OBJECT = "stale_object"
    FEE_NOT_COMPUTABLE = "fee_not_computable"
    ACCOUNT_LINK_INVALID = "account_link_invalid"
    ACCOUNT_LINK_EXPIRED = "account_link_expired"
    ACCOUNT_EMAIL_TAKEN = "account_email_taken"
    EXTERNAL_LOGIN_FAILED = "external_login_failed"
    STAFF_LOGIN_REQUIRED = "staff_login_required"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    # xgewerbe
    XGEWERBE_INVALID = "xgewerbe_invalid"
    # geo
    GEO_IMPORT_INVALID = "geo_import_invalid"
    GEO_ZONE_INVALID = "geo_zone_invalid"
    # parking
    PARKING_NOT_ELIGIBLE = "parking_not_eligible"
    PARKING_PERMIT_CONFLICT = "parking_permit_conflict"
    PARKING_PERMIT_NOT_VALID = "parking_permit_not_valid"
    PARKING_QUOTA_EXHAUSTED = "parking_quota_exhausted"
    # payments
    PAYMENT_ALREADY_PAID = "payment_already_paid"
    PAYMENT_PROVIDER_NOT_AVAILABLE = "payment_provider_not_available"
    PAYMENT_PROVIDER_ERROR = "payment_provider_error"
    # api
    UNAUTHENTICATED = "unauthenticated"
    TOKEN_INVALID = "token_invalid"  # noqa: S105 - an error code
    SCOPE_MISSING = "scope_missing"
    MALFORMED_REQUEST = "malformed_request"
    REQUEST_TOO_LARGE = "request_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    PRECONDITION_REQUIRED = "precondition_required"
    DECRYPTION_FAILED = "decryption_failed"


class RathausError(Exception):
    """A domain error a user can understand and act upon."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

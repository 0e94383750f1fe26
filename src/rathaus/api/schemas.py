"""Request and response bodies of the API as pydantic models (they give the JSON Schemas of the
OpenAPI document). Requests forbid unknown fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors, auth -------------------------------------------------------------------------------


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is a stable machine-readable error code."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, str]] | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the token type, not a secret
    expires_in: int
    scope: str


# --- services ------------------------------------------------------------------------------------


class ServiceOut(BaseModel):
    key: str
    name: str
    leika: str
    category: str
    enabled: bool
    version: int | None = Field(description="Number of the current definition version")


class ServiceDetail(ServiceOut):
    definition: dict[str, Any] = Field(
        description="The current checked definition (rathaus.service/1)"
    )


class ServiceList(BaseModel):
    items: list[ServiceOut]


# --- cases ---------------------------------------------------------------------------------------


class DocumentOut(BaseModel):
    id: int
    case_reference: str
    title: str
    kind: str
    origin: str
    visible_to_applicant: bool
    filename: str
    content_type: str
    size: int
    sha256: str
    version: int
    created_at: datetime


class QuestionOut(BaseModel):
    id: int
    text: str
    deadline: date | None
    asked_at: datetime
    answer: str
    answered_at: datetime | None


class CaseOut(BaseModel):
    reference: str
    service: str
    state: str
    state_label: str
    outcome: str
    channel: str
    applicant_name: str
    applicant_email: str
    assignee: str | None
    due_date: date | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    closed_at: datetime | None
    version: int = Field(description="Send it back in If-Match to change the case")


class CaseDetail(CaseOut):
    data: dict[str, Any] = Field(description="The answers, keyed by step and field")
    documents: list[DocumentOut]
    questions: list[QuestionOut]


class CaseList(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class HistoryEntry(BaseModel):
    seq: int
    kind: str
    label: str
    actor: str
    channel: str
    data: dict[str, Any]
    created_at: datetime
    hash: str


class History(BaseModel):
    items: list[HistoryEntry]


class DocumentList(BaseModel):
    items: list[DocumentOut]


class StateChange(Strict):
    action: Literal["start", "close"]


class QuestionIn(Strict):
    text: str = Field(min_length=1, max_length=10000)
    deadline: date | None = None


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=10000)


class FileIn(Strict):
    filename: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(description="The file, base64-encoded (standard alphabet)")


class DecisionIn(Strict):
    outcome: Literal["granted", "rejected", "partly_granted"]
    reasons: str = Field(min_length=1, max_length=50000)
    notice: FileIn | None = Field(
        default=None, description="A notice PDF made by the Fachverfahren; replaces the generated"
    )


class DocumentIn(Strict):
    title: str = Field(min_length=1, max_length=300)
    filename: str = Field(min_length=1, max_length=255)
    content_base64: str
    visible_to_applicant: bool = True


# --- webhooks ------------------------------------------------------------------------------------


class SubscriptionIn(Strict):
    url: str = Field(min_length=1, max_length=500, description="http(s) URL of the receiver")
    event_types: list[str] = Field(min_length=1, max_length=50)
    active: bool = True


class SubscriptionPatch(Strict):
    url: str | None = Field(default=None, min_length=1, max_length=500)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Signing secret: shown only now")


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    subject: str
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    last_error: str
    last_status_code: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class EventType(BaseModel):
    type: str
    description: str


class EventTypeList(BaseModel):
    items: list[EventType]


# --- intake --------------------------------------------------------------------------------------


class AttachmentIn(Strict):
    field: str = Field(
        min_length=1, max_length=200, description="Path of the upload field: `<step>.<field>`"
    )
    filename: str = Field(min_length=1, max_length=255)
    content_base64: str


class ServiceTypeIn(Strict):
    identifier: str = Field(
        min_length=1, max_length=100, description="urn:de:fim:leika:leistung:<LeiKa> or LeiKa key"
    )
    name: str | None = Field(default=None, max_length=300)


class IntakeIn(Strict):
    service: str | None = Field(
        default=None, max_length=100, description="Service key or LeiKa key"
    )
    service_type: ServiceTypeIn | None = Field(
        default=None, alias="serviceType", description="FIT-Connect style service type"
    )
    data: dict[str, Any] = Field(description="Answers keyed like the definition: step → field")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    contact_email: str | None = Field(default=None, max_length=254)
    reference: str | None = Field(
        default=None, max_length=200, description="The sending portal's own reference"
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class IntakeEvent(BaseModel):
    type: str
    time: datetime
    label: str


class IntakeStatus(BaseModel):
    id: str
    status: Literal[
        "submitted", "case_opened", "in_progress", "question", "decided", "closed", "withdrawn"
    ]
    service: str
    case_reference: str | None
    outcome: str
    encrypted: bool
    created_at: datetime
    events: list[IntakeEvent]


class JwkOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    kty: str
    kid: str
    use: str
    alg: str
    n: str
    e: str


class JwkSet(BaseModel):
    keys: list[JwkOut]

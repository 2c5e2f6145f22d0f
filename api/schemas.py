"""What the API answers, as schemas for ninja and the OpenAPI document.

(What a generator sends with an upload, the provenance, is ``aiassets.schemas.ProvenanceIn``:
ingest validates it, whatever the channel.)
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class ErrorBody(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    """The one error body (aiassets.errors): ``{"error": {"code", "message"}}``."""

    error: ErrorBody


class AssetCreated(Schema):
    id: uuid.UUID
    moderation_status: str


class ModelOut(Schema):
    name: str
    version: str
    licence: str


class SourceOut(Schema):
    platform: str
    job_id: str


class ProvenanceOut(Schema):
    """Fields marked 'owner only' are null for a public view."""

    model: ModelOut
    prompt: str | None = Field(description="Null unless the prompt is public or you own it.")
    negative_prompt: str | None = Field(description="Owner only.")
    seed: str | None = Field(description="Owner only.")
    params: dict[str, Any] | None = Field(description="Owner only.")
    generated_at: datetime
    source: SourceOut | None = Field(description="Owner only.")
    extracted_fields: list[str] | None = Field(
        None,
        description="Owner only: the fields filled from the file's own generator metadata "
        "(none was given for them), e.g. prompt, seed, params, model.",
    )


class VariantOut(Schema):
    width: int
    height: int
    format: str
    bytes: int | None
    status: str
    url: str | None = Field(description="Public and immutable, or signed and expiring (owner).")
    ratio: str | None = Field(
        default=None, description='A crop\'s ratio ("16/9"); null: full frame.'
    )


class AssetOut(Schema):
    id: uuid.UUID
    view: Literal["owner", "public"] = Field(
        description="'owner': the token uploaded it, everything is shown. "
        "'public': a public asset through its public fields only."
    )
    sha256: str
    moderation_status: str
    published: bool
    format: str
    width: int
    height: int
    bytes: int
    created_at: datetime
    provenance: ProvenanceOut | None
    variants: list[VariantOut]


class TakedownIn(Schema):
    """A takedown request (JSON; or the same fields as multipart with ``evidence_image``)."""

    requester_name: str
    requester_email: str
    reason: str
    details: str = ""
    evidence_url: str = Field("", description="The address of the image on our site.")


class TakedownReceived(Schema):
    id: uuid.UUID
    status: Literal["received"]

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

from aiassets.tags import MAX_TAG_LENGTH, MAX_TAGS
from webhooks.events import EVENT_TYPES


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = Field(None, description="The offending field, when there is one.")


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


class CollectionOut(Schema):
    slug: str = Field(description="Filter the list with `collection=<slug>`.")
    name: str


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
    tags: list[str] = Field(
        default_factory=list, description="The asset's tags, sorted; filter with `tag=<name>`."
    )
    collections: list[CollectionOut] = Field(
        default_factory=list, description="The collections the asset is in, by name."
    )


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


class AssetPage(Schema):
    items: list[AssetOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class AssetPatch(Schema):
    """Only the fields sent change."""

    title: str | None = Field(None, description="At most 200 characters.")
    alt_text: str | None = Field(None, description="At most 500 characters.")
    prompt_visibility: Literal["inherit", "public", "private"] | None = Field(
        None, description="'inherit' follows the generative model's default."
    )
    tags: list[str] | None = Field(
        None,
        max_length=MAX_TAGS,
        description=f"Replaces the asset's tags: at most {MAX_TAGS}, each 1 to "
        f"{MAX_TAG_LENGTH} characters, no comma; case-insensitive (`Cat` is `cat`). "
        "`[]` removes every tag.",
    )


class ErasureAccepted(Schema):
    id: uuid.UUID
    status: Literal["erasure_requested"]
    status_url: str = Field(description="Answers 410 `erased` once the erasure is done.")


class StatusIn(Schema):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=100, description="1 to 100 asset ids.")


class StatusItem(Schema):
    id: uuid.UUID
    status: str = Field(
        description="A moderation status, `erased` (your upload was erased) or `not_found` "
        "(unknown, or not yours and not public: the two are never told apart)."
    )
    published: bool
    updated_at: datetime | None


class StatusOut(Schema):
    items: list[StatusItem]


class PictureSource(Schema):
    type: str = Field(description="The MIME type, e.g. image/avif.")
    srcset: str


class PictureImg(Schema):
    src: str
    srcset: str


class PictureOut(Schema):
    """What the `{% picture %}` tag renders (delivery.pictures.picture_data)."""

    id: uuid.UUID
    view: Literal["owner", "public"]
    ready: bool = Field(description="False until renditions exist (placeholder only).")
    sources: list[PictureSource] = Field(description="<source> elements, preferred first.")
    img: PictureImg = Field(description="The fallback <img>.")
    width: int
    height: int
    ratio: str | None = Field(None, description='The crop ("16/9"), null for the full frame.')
    placeholder: str = Field(description="A tiny data: URI image to show while loading.")
    dominant_color: str
    alt: str


WebhookEvent = Literal[EVENT_TYPES]  # type: ignore[valid-type]  (webhooks.events)


class WebhookIn(Schema):
    url: str = Field(max_length=2000, description="A public http(s) URL.")
    name: str = Field("", max_length=100, description="Defaults to the URL's host.")
    events: list[WebhookEvent] = Field(
        default_factory=list, max_length=20, description="Empty: every event."
    )


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The HMAC-SHA256 signing secret, shown only this once.")


class WebhookList(Schema):
    items: list[WebhookOut]

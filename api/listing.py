"""GET /api/v1/assets (on the assets router, beside POST): what a token may see, newest first.

Scoped like GET one: the token's own uploads (in full) and public assets (public fields).
Paging is a keyset on (created_at, id) behind an opaque, signed cursor: every page is two
index walks that stop after ``limit + 1`` rows, never a COUNT, whatever the table's size.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core import signing
from django.db import connection
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from aiassets import tags, validation
from aiassets.errors import CodedError
from aiassets.models import ApiToken, Asset, ModerationStatus, Provenance
from aiassets.search import prompt_q
from public import paging

from .assets import ERRORS, asset_body, related, router
from .auth import read_scope
from .schemas import AssetPage

CURSOR_SALT = "api.assets.cursor"
MAX_LIMIT = 100


class ListFilters(Schema):
    status: ModerationStatus | None = Field(None, description="Moderation status.")
    model: str | None = Field(None, max_length=200, description="Generative model name.")
    created_after: datetime | None = Field(None, description="Created at or after (ISO 8601).")
    created_before: datetime | None = Field(None, description="Created before (ISO 8601).")
    q: str | None = Field(
        None, max_length=200, description="Words in the prompt (only prompts you may see)."
    )
    tag: str | None = Field(
        None, max_length=100, description="Only assets with this tag (any case)."
    )
    collection: str | None = Field(
        None, max_length=100, description="Only assets in the collection with this slug."
    )
    cursor: str | None = Field(None, max_length=200, description="`next_cursor` of a page.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


PUBLIC = Q(moderation_status=ModerationStatus.APPROVED, published=True)
NEWEST = ("-created_at", "-id")


def visible(token: ApiToken) -> Q:
    """What ``token`` may list: its own uploads and public assets (never erased ones)."""
    return (Q(uploaded_via=token) | PUBLIC) & Q(erased_at__isnull=True)


def prompt_filter(token: ApiToken, text: str) -> Q:
    """``text`` in the prompt, searched only where the caller may read the prompt."""
    match = prompt_q("provenance__prompt", text, connection.vendor)
    public_prompts = Provenance.objects.prompt_public().values("asset_id")
    return match & (Q(uploaded_via=token) | Q(pk__in=public_prompts))


def filtered(token: ApiToken, f: ListFilters) -> QuerySet[Asset]:
    """The filters, without the scope (see :func:`page`)."""
    qs = Asset.objects.filter(erased_at__isnull=True)
    if f.status:
        qs = qs.filter(moderation_status=f.status)
    if f.model:
        qs = qs.filter(provenance__model__name=validation.check_query(f.model, "model"))
    if f.created_after:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before:
        qs = qs.filter(created_at__lt=f.created_before)
    if f.q:
        qs = qs.filter(prompt_filter(token, f.q))
    if f.tag:
        qs = tags.with_tag(qs, f.tag)
    if f.collection:
        qs = tags.in_collection(qs, tags.collection_named(f.collection))
    return qs


def page(token: ApiToken, qs: QuerySet[Asset], size: int) -> list[Asset]:
    """The newest ``size`` rows of ``qs`` the token may see: two index walks that each stop
    after ``size`` rows (its own uploads on ``asset_token_newest_idx``, public ones on
    ``asset_public_newest_idx``), merged. An OR of the two would walk every row between.
    Variants, tags and collections are then fetched once for the page (a query each)."""
    qs = qs.select_related("provenance__model").order_by(*NEWEST)
    rows = {a.pk: a for a in qs.filter(uploaded_via=token)[:size]}
    rows.update((a.pk, a) for a in qs.filter(PUBLIC)[:size] if a.pk not in rows)
    found = sorted(rows.values(), key=lambda a: (a.created_at, a.pk), reverse=True)[:size]
    prefetch_related_objects(found, *related())
    return found


def encode_cursor(asset: Asset) -> str:
    return signing.Signer(salt=CURSOR_SALT).sign(paging.cursor(asset))


def decode_cursor(value: str) -> tuple[datetime, uuid.UUID]:
    try:
        at = paging.parse_cursor(signing.Signer(salt=CURSOR_SALT).unsign(value))
    except signing.BadSignature:
        at = None
    if at is None:
        raise CodedError("bad_request", "The cursor is not one this API gave out.")
    return at


@router.get("/assets", response={200: AssetPage, **ERRORS}, auth=read_scope)
def list_assets(request: HttpRequest, filters: Query[ListFilters]):
    """Your uploads (in full) and public assets (public fields), newest first.

    Page on with `cursor` = the previous page's `next_cursor` (null on the last page)."""
    qs = filtered(request.auth, filters)
    if filters.cursor:
        moment, pk = decode_cursor(filters.cursor)
        qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    rows = page(request.auth, qs, filters.limit + 1)
    more, rows = len(rows) > filters.limit, rows[: filters.limit]
    token = request.auth
    items = [asset_body(a, "owner" if a.uploaded_via_id == token.pk else "public") for a in rows]
    return Status(200, {"items": items, "next_cursor": encode_cursor(rows[-1]) if more else None})

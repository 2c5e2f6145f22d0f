"""PATCH and DELETE /api/v1/assets/<id> (scope ``ingest``, the uploading token only).

PATCH sets the title, the alt text, the tags (``aiassets.tags``: the whole set is replaced)
and the prompt's visibility, each checked by ``aiassets.validation``; a new prompt
visibility goes through moderation's republish, so the renditions (whose signed manifest
names a public prompt) are rebuilt and old URLs purged.
DELETE asks moderation for erasure in a background job (audited as a take-down decision with
the token's name); it answers 202 with the asset's URL until the erasure is done, then the
asset answers 410.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Status

from aiassets import tags, validation
from aiassets.errors import CodedError
from aiassets.models import ApiToken, Asset, Provenance
from aiassets.queueing import enqueue_on_commit
from moderation import erasure, workflow

from .assets import ERRORS, asset_body, readable, router
from .auth import ingest_scope
from .schemas import AssetOut, AssetPatch, ErasureAccepted

logger = logging.getLogger(__name__)
TEXT_FIELDS = ("title", "alt_text")
ERASE_RETRIES = 3  # erasure is safe to run again: a retry deletes what a failed run left


def owned(token: ApiToken, asset_id: uuid.UUID) -> Asset:
    """The asset if ``token`` uploaded it; otherwise the same 404 as an unknown id."""
    asset, view = readable(token, asset_id)
    if view != "owner":
        raise CodedError("not_found", f"No asset {asset_id}.")
    return asset


def checked(patch: AssetPatch) -> dict[str, Any]:
    """The fields to write, each through the one validation home."""
    changes = patch.model_dump(exclude_unset=True)
    for name in TEXT_FIELDS:
        if name in changes:
            if changes[name] is None:
                raise validation.refuse(name, f'{name} cannot be null; send "" to clear it.')
            limit = Asset._meta.get_field(name).max_length
            if len(changes[name]) > limit:
                raise validation.refuse(name, f"{name} is longer than {limit} characters.")
            validation.check_text(changes[name], name)
    if "prompt_visibility" in changes and changes["prompt_visibility"] is None:
        raise validation.refuse("prompt_visibility", "prompt_visibility cannot be null.")
    if "tags" in changes:
        if changes["tags"] is None:
            raise validation.refuse("tags", "tags cannot be null; send [] to remove every tag.")
        changes["tags"] = tags.clean(changes["tags"])
    return changes


@router.patch("/assets/{asset_id}", response={200: AssetOut, **ERRORS}, auth=ingest_scope)
def patch_asset(request: HttpRequest, asset_id: uuid.UUID, patch: AssetPatch):
    """Set the title, alt text, tags or prompt visibility of one of your uploads.

    `tags` replaces the asset's whole set of tags (`[]` removes them all).

    A new prompt visibility rebuilds the renditions (moderation's republish) and purges the
    old URLs of a public asset."""
    asset = owned(request.auth, asset_id)
    changes = checked(patch)
    texts = {k: v for k, v in changes.items() if k in TEXT_FIELDS}
    visibility = changes.get("prompt_visibility")
    with transaction.atomic():
        if texts:
            Asset.objects.filter(pk=asset.pk).update(**texts)
        if visibility is not None:
            Provenance.objects.filter(asset=asset).update(prompt_visibility=visibility)
        if "tags" in changes:
            tags.set_tags(asset, changes["tags"])
    if visibility is not None:
        workflow.republish(asset.pk, reason=f"prompt visibility: {visibility} (API)")
    asset, view = readable(request.auth, asset_id)
    return Status(200, asset_body(asset, view))


@router.delete("/assets/{asset_id}", response={202: ErasureAccepted, **ERRORS}, auth=ingest_scope)
def delete_asset(request: HttpRequest, asset_id: uuid.UUID):
    """Ask for the erasure of one of your uploads (every file deleted, a tombstone kept).

    Answers 202 with the asset's URL while the erasure runs; once done, that URL answers
    410 `erased`. Asking again while it runs answers 202 again."""
    asset = owned(request.auth, asset_id)
    token = request.auth
    enqueue_on_commit(
        "moderation",
        "api.edit.erase_for_token",
        str(asset.pk),
        token.pk,
        job_id=job_id(asset.pk),
        retries=ERASE_RETRIES,
    )
    url = request.build_absolute_uri(f"/api/v1/assets/{asset.pk}")
    body = {"id": asset.pk, "status": "erasure_requested", "status_url": url}
    return Status(202, body)


def job_id(asset_id: uuid.UUID | str) -> str:
    return f"api-erase-{asset_id}"


def erase_for_token(asset_id: str, token_id: int) -> dict[str, Any]:
    """The RQ job: erase through moderation, the token named in the audited reason."""
    token = ApiToken.objects.filter(pk=token_id).first()
    name = token.name if token else f"#{token_id}"
    report = erasure.erase(asset_id, f"Requested through the API by token {name!r}.")
    if not report.ok:  # some files could not be deleted: raise, so the job is retried
        raise erasure.ErasureError(f"erasure of {asset_id} left files: {report.errors}")
    logger.info(
        "API erasure of %s for token %s: done",
        asset_id,
        name,
        extra={"event": "api.erasure", "asset_id": asset_id, "token": name},
    )
    return {"asset_id": asset_id, "deleted": len(report.deleted)}

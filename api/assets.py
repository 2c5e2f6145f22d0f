"""POST /api/v1/assets (scope ``ingest``) and GET /api/v1/assets/<id> (scope ``read``).

Who reads what: a token reads the assets it uploaded in full (private prompts, signed URLs
for unpublished variants), and public assets (approved and published) through their public
fields only. Any other asset answers exactly as a missing id does (404), so the API is no
oracle for the existence of unpublished assets.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Header, Router, Status
from ninja.files import UploadedFile

from aiassets import tags
from aiassets.errors import CodedError
from aiassets.ingest import IngestError, ingest
from aiassets.models import SERVABLE, ApiToken, Asset, Provenance, Variant
from delivery import signing

from . import idempotency
from .auth import ingest_scope, read_scope
from .schemas import AssetCreated, AssetOut, ErrorOut

View = Literal["owner", "public"]


def related() -> tuple:
    """What asset_body reads beyond the row, for prefetch_related: a query each."""
    return ("variants", tags.prefetch(), "collections")


ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 503)}

IDEMPOTENCY_KEY = Header(
    None, alias="Idempotency-Key", description="Makes a retried upload safe (24 hours)."
)

router = Router(tags=["assets"])


@router.post(
    "/assets", response={200: AssetCreated, 201: AssetCreated, **ERRORS}, auth=ingest_scope
)
def create_asset(
    request: HttpRequest,
    file: File[UploadedFile] = None,
    provenance: Form[str] = None,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
):
    """Upload an original with its provenance. The same bytes twice return the same id (200).

    The provenance may be left out, or leave fields out, when the file carries generator
    metadata (A1111, ComfyUI, InvokeAI, NovelAI, Fooocus): given values win, the file's fill
    the gaps. Without a prompt given or in the file: 422 `invalid_metadata`.

    With an `Idempotency-Key` header, a retry with the same key and content answers the first
    answer again (for 24 hours); the same key with other content is 409 `idempotency_conflict`.
    503 `storage_unavailable` (with Retry-After) when file storage is down: nothing is stored.
    """
    if file is None:
        raise IngestError("missing_file", "Send the image as a multipart field named 'file'.")
    if idempotency_key is not None:
        return idempotency.once(request.auth, idempotency_key, file, provenance or "", _ingest)
    return _ingest(request.auth, file, provenance)


def _ingest(token: ApiToken, file: UploadedFile, provenance: str | None) -> Status:
    result = ingest(file, provenance or None, token=token, filename=file.name or "")
    asset = result.asset
    return Status(
        201 if result.created else 200,
        {"id": asset.id, "moderation_status": asset.moderation_status},
    )


@router.get("/assets/{asset_id}", response={200: AssetOut, **ERRORS}, auth=read_scope)
def get_asset(request: HttpRequest, asset_id: uuid.UUID):
    """An asset's status, dimensions, provenance and variants.

    Your own uploads in full (variant URLs signed unless public); other tokens' assets only
    when public, through their public fields and public URLs; anything else 404.
    """
    asset, view = readable(request.auth, asset_id)
    return Status(200, asset_body(asset, view))


def readable(token: ApiToken, asset_id: uuid.UUID) -> tuple[Asset, View]:
    """The asset and how ``token`` may see it; CodedError 404 (or 410 to its owner) if not."""
    asset = (
        Asset.objects.select_related("provenance__model")
        .prefetch_related(*related())
        .filter(pk=asset_id)
        .first()
    )
    owner = asset is not None and asset.uploaded_via_id == token.pk
    if owner and asset.erased_at is not None:
        message = f"Asset {asset_id} was erased on {asset.erased_at:%Y-%m-%d}."
        raise CodedError("erased", message, status=410)
    if asset is None or not (owner or (asset.is_public and asset.erased_at is None)):
        raise CodedError("not_found", f"No asset {asset_id}.")  # the same for all three
    return asset, "owner" if owner else "public"


def asset_body(asset: Asset, view: View) -> dict[str, Any]:
    prov = getattr(asset, "provenance", None)
    variants = sorted(asset.variants.all(), key=lambda v: (v.ratio, v.format, v.width))
    return {
        "id": asset.id,
        "view": view,
        "sha256": asset.sha256,
        "moderation_status": asset.moderation_status,
        "published": asset.published,
        "format": asset.format,
        "width": asset.width,
        "height": asset.height,
        "bytes": asset.bytes,
        "created_at": asset.created_at,
        "provenance": provenance_body(prov, view) if prov is not None else None,
        "variants": [variant_body(asset, v, view) for v in variants],
        "tags": tags.names(asset),
        "collections": [
            {"slug": c.slug, "name": c.name}
            for c in sorted(asset.collections.all(), key=lambda c: c.name.casefold())
        ],
    }


def provenance_body(prov: Provenance, view: View) -> dict[str, Any]:
    model = {"name": prov.model.name, "version": prov.model.version, "licence": prov.model.licence}
    if view == "public":  # what the public asset page and provenance record show
        return {
            "model": model,
            "prompt": prov.prompt if prov.prompt_is_public else None,
            "negative_prompt": None,
            "seed": None,
            "params": None,
            "generated_at": prov.generated_at,
            "source": None,
            "extracted_fields": None,
        }
    return {
        "model": model,
        "prompt": prov.prompt,
        "negative_prompt": prov.negative_prompt,
        "seed": prov.seed or None,
        "params": prov.params,
        "generated_at": prov.generated_at,
        "source": {"platform": prov.source_platform, "job_id": prov.source_job_id},
        "extracted_fields": list(prov.extracted_fields or []),
    }


def variant_body(asset: Asset, variant: Variant, view: View) -> dict[str, Any]:
    url = None
    if variant.status in SERVABLE:  # a lazy one is built when its URL is first asked for
        if view == "public":  # never a signed URL for someone else's asset
            url = signing.public_base() + signing.variant_path(asset, variant)
        else:
            url = signing.variant_url(asset, variant)
    return {
        "width": variant.width,
        "height": variant.height,
        "format": variant.format,
        "bytes": variant.bytes,
        "status": variant.status,
        "url": url,
        "ratio": variant.ratio.replace("x", "/") if variant.ratio else None,
    }

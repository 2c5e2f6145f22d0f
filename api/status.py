"""POST /api/v1/assets/status: the moderation status of up to 100 assets in one call.

An id the token may not read (someone else's unpublished asset) is reported exactly as an
unknown id is, so the answer is no oracle for what exists.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Status

from aiassets.models import Asset

from .assets import ERRORS
from .auth import read_scope
from .listing import visible
from .schemas import StatusIn, StatusOut

# Its own router, added before the assets router: /assets/{asset_id} would match 'status'.
router = Router(tags=["assets"])


@router.post("/assets/status", response={200: StatusOut, **ERRORS}, auth=read_scope)
def batch_status(request: HttpRequest, body: StatusIn):
    """Status per id: your uploads and public assets; `not_found` for anything else, and
    `erased` for your uploads that were erased."""
    token = request.auth
    wanted = list(dict.fromkeys(body.ids))
    rows = Asset.objects.filter(pk__in=wanted).filter(
        visible(token) | Q(uploaded_via=token, erased_at__isnull=False)
    )
    fields = ("id", "moderation_status", "published", "erased_at", "updated_at")
    found = {a.pk: a for a in rows.only(*fields)}
    return Status(200, {"items": [entry(i, found.get(i)) for i in wanted]})


def entry(asset_id: uuid.UUID, asset: Asset | None) -> dict:
    if asset is None:
        return {"id": asset_id, "status": "not_found", "published": False, "updated_at": None}
    status = "erased" if asset.erased_at is not None else asset.moderation_status
    return {
        "id": asset_id,
        "status": status,
        "published": asset.is_public and asset.erased_at is None,
        "updated_at": asset.updated_at,
    }

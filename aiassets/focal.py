"""Focal rectangles: where an asset's subject is, which every crop keeps.

Set automatically (saliency at ingest, then the faces moderation records) unless an editor
set it; an editor's rectangle always wins until an editor changes it again. Changing it
re-plans the asset: cropped renditions get new keys (the focal rectangle is in their
recipe, spec.py), the old ones are retired through ``renditions.ensure_rows`` (which sends
``renditions_retiring``, so delivery records their public URLs for the CDN purge) and the new
ones are built in the background. Full-frame renditions never depend on it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from . import renditions
from .imaging import crops
from .models import Asset, FocalSource

logger = logging.getLogger(__name__)


def parse(text: str) -> crops.Rect:
    """``"l,t,r,b"`` fractions (a point when l == r and t == b) → a rounded rectangle.
    Raises ValueError with a message for people."""
    try:
        values = [float(v) for v in (text or "").split(",")]
    except ValueError:
        raise ValueError("A focal rectangle is four numbers: left,top,right,bottom.")
    if len(values) != 4 or not all(0.0 <= v <= 1.0 for v in values):
        raise ValueError("A focal rectangle is four fractions from 0 to 1: left,top,right,bottom.")
    return crops.rounded(values)


def describe(rect: Any) -> str:
    return crops.signature(rect) if rect else "none"


def set_focal(asset: Asset, rect: crops.Rect, source: str, by: Any = None) -> bool:
    """Store ``rect`` as the asset's focal rectangle and re-plan its crops. True if changed."""
    rect = crops.rounded(rect)
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.focal_rect() == rect and locked.focal_source == source:
            return False
        user = by if getattr(by, "is_authenticated", False) else None
        Asset.objects.filter(pk=locked.pk).update(
            focal=list(rect), focal_source=source, focal_set_by=user
        )
        locked.focal, locked.focal_source, locked.focal_set_by = list(rect), source, user
        asset.focal, asset.focal_source, asset.focal_set_by = list(rect), source, user
        if _has_crops(locked):
            renditions.ensure_rows(locked)  # retires the old crops (and records their purge)
            renditions.schedule(locked.pk)
    logger.info(
        "focal rectangle of %s set to %s (%s)",
        asset.pk,
        describe(rect),
        source,
        extra={"event": "aiassets.focal", "asset_id": str(asset.pk), "source": source},
    )
    return True


def _has_crops(asset: Asset) -> bool:
    """Whether the asset has or plans any crop (else a new focal rectangle changes no key)."""
    planned = renditions.planned_ratios() or renditions.social_card(asset) is not None
    return planned or asset.variants.exclude(ratio="").exists()


def from_faces(asset: Asset) -> bool:
    """Faces were recorded: they become the focal rectangle unless an editor set one."""
    rect = crops.faces_rect(crops.faces_as_rects(asset.faces))
    if rect is None or asset.focal_source == FocalSource.EDITOR:
        return False
    return set_focal(asset, rect, FocalSource.FACES)

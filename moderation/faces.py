"""Faces detected in an asset, and what that means for its variants.

Moderation's classifier finds the faces (NudeNet's FACE_* boxes) and records them here as
fractions of the displayed image. When redaction is in force for the asset (its own setting,
else its generative model's), variants pixelate those boxes and get keys of their own: the
workflow republishes the asset (retiring the old renditions and purging their URLs).
The faces also become the focal rectangle that crops keep, unless an editor set one
(aiassets.focal: cropped renditions get new keys, the old ones are purged).
"""

from __future__ import annotations

import uuid

from aiassets import focal
from aiassets.models import Asset

from . import workflow

Box = tuple[float, float, float, float]


def record_faces(asset_id: uuid.UUID | str, boxes: list[Box]) -> bool:
    """Store the boxes; rebuild the variants when that changes what they show. True if changed."""
    clean = sorted([round(float(v), 4) for v in box] for box in boxes)
    asset = Asset.objects.get(pk=asset_id)
    if clean == sorted(asset.faces):
        return False
    before = asset.redaction_boxes()
    Asset.objects.filter(pk=asset.pk).update(faces=clean)
    asset.faces = clean
    if before != asset.redaction_boxes():
        workflow.republish(asset, reason="faces detected")
    focal.from_faces(asset)
    return True

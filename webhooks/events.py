"""The events we send, and their payloads: the one place that decides what a webhook may say.

A payload names the event, its id and time, and the asset's id with its public state. It
never carries a prompt, a face box, a signed URL or anything else the asset keeps private:
the receiver may be any generator's server.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

ASSET_CREATED = "asset.created"
APPROVED = "moderation.approved"
REJECTED = "moderation.rejected"
IN_REVIEW = "moderation.in_review"
TAKEN_DOWN = "moderation.taken_down"
RESTORED = "moderation.restored"
VARIANTS_READY = "variants.ready"
ASSET_ERASED = "asset.erased"
EVENT_TYPES = (
    ASSET_CREATED,
    APPROVED,
    REJECTED,
    IN_REVIEW,
    TAKEN_DOWN,
    RESTORED,
    VARIANTS_READY,
    ASSET_ERASED,
)
_BY_STATUS = {"approved": APPROVED, "rejected": REJECTED, "in_review": IN_REVIEW}


def moderation_event(old_status: str, new_status: str) -> str | None:
    """The event a transition means, or None when the status did not change."""
    if old_status == new_status:
        return None
    if new_status == "taken_down":
        return TAKEN_DOWN
    if old_status == "taken_down":
        return RESTORED
    return _BY_STATUS.get(new_status)


def payload(event_type: str, asset_id: Any, **data: Any) -> dict[str, Any]:
    """``{"id", "type", "created", "data": {"asset_id", ...}}``; ``data`` holds public facts."""
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "created": timezone.now().isoformat(),
        "data": {"asset_id": str(asset_id), **data},
    }

"""aiassets' signals → events → one delivery per interested endpoint.

Receivers run after the sender's transaction committed; a failure here is logged and never
reaches the request or job that sent the signal.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db.models import Q

from aiassets.models import Asset

from . import events
from .delivery import schedule
from .models import Delivery, Endpoint

logger = logging.getLogger(__name__)


def record_event(event_type: str, asset_id: Any, **data: Any) -> int:
    """Log and queue ``event_type`` for every endpoint that may see ``asset_id``'s events."""
    token_id = Asset.objects.filter(pk=asset_id).values_list("uploaded_via_id", flat=True).first()
    scope = Q(token__isnull=True) | Q(token_id=token_id) if token_id else Q(token__isnull=True)
    endpoints = [e for e in Endpoint.objects.filter(scope, is_active=True) if e.wants(event_type)]
    if not endpoints:
        return 0
    body = events.payload(event_type, asset_id, **data)
    rows = Delivery.objects.bulk_create(
        [
            Delivery(
                event_id=uuid.UUID(body["id"]),
                event_type=event_type,
                endpoint=endpoint,
                asset_id=asset_id,
                payload=body,
            )
            for endpoint in endpoints
        ]
    )
    for row in rows:
        schedule(row.pk)
    return len(rows)


def _safely(event_type: str, asset_id: Any, **data: Any) -> None:
    try:
        record_event(event_type, asset_id, **data)
    except Exception:  # webhooks must never break ingest, moderation or builds
        logger.exception("could not record webhook event %s for %s", event_type, asset_id)


def on_ingested(sender: Any, asset_id: Any, **kwargs: Any) -> None:
    _safely(events.ASSET_CREATED, asset_id, moderation_status="pending")


def on_visibility(
    sender: Any, asset_id: Any, old_status: str, new_status: str, is_public: bool, **kwargs: Any
) -> None:
    event_type = events.moderation_event(str(old_status), str(new_status))
    if event_type:
        _safely(event_type, asset_id, moderation_status=str(new_status), public=bool(is_public))


def on_variants_ready(sender: Any, asset_id: Any, **kwargs: Any) -> None:
    _safely(events.VARIANTS_READY, asset_id)


def on_erased(sender: Any, asset_id: Any, **kwargs: Any) -> None:
    _safely(events.ASSET_ERASED, asset_id)


def connect() -> None:
    from aiassets import signals

    signals.asset_ingested.connect(on_ingested, dispatch_uid="webhooks.ingested")
    signals.asset_visibility_changed.connect(on_visibility, dispatch_uid="webhooks.visibility")
    signals.variants_ready.connect(on_variants_ready, dispatch_uid="webhooks.variants_ready")
    signals.asset_erased.connect(on_erased, dispatch_uid="webhooks.erased")

"""Signal receivers: how moderation hears about new assets and changed model rules."""

from __future__ import annotations

import uuid
from typing import Any

from . import jobs


def on_asset_ingested(sender: Any, asset_id: uuid.UUID, **kwargs: Any) -> None:
    """A new asset was committed: classify it on the moderation queue."""
    jobs.schedule(asset_id)


def on_model_rules_changed(sender: Any, model_id: int, **kwargs: Any) -> None:
    """A generative model's face or prompt rules changed: republish its assets in the
    background (never inside the admin request)."""
    jobs.schedule_model_republish(model_id)

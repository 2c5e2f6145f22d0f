"""Signal receivers: how moderation hears about new assets."""

from __future__ import annotations

import uuid
from typing import Any

from . import jobs


def on_asset_ingested(sender: Any, asset_id: uuid.UUID, **kwargs: Any) -> None:
    """A new asset was committed: classify it on the moderation queue."""
    jobs.schedule(asset_id)

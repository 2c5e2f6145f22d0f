"""Moderation settings: the one home of their defaults (config/settings.py only maps the
environment onto them). Cached, and reset on ``setting_changed`` (see aiassets.conf)."""

from __future__ import annotations

import re
from typing import Any

from aiassets.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    "MODERATION_CLASSIFIERS": ["moderation.classifiers.NudeNetClassifier"],
    "MODERATION_CLASSIFY_MAX_SIDE": 1024,
    # Per label: score >= review -> human review; score >= reject -> auto-reject; either may
    # be None. Labels not listed are ignored (NudeNet scores faces, feet, covered parts and
    # abstract art too: crude skin-toned shapes ~0.3, abstract art ~0.35 on *_COVERED).
    # Empty (or no usable threshold) fails closed: every image goes to human review.
    "MODERATION_THRESHOLDS": {
        "FEMALE_GENITALIA_EXPOSED": {"review": 0.25, "reject": 0.7},
        "MALE_GENITALIA_EXPOSED": {"review": 0.25, "reject": 0.7},
        "ANUS_EXPOSED": {"review": 0.25, "reject": 0.7},
        "FEMALE_BREAST_EXPOSED": {"review": 0.25, "reject": 0.8},
        "BUTTOCKS_EXPOSED": {"review": 0.25, "reject": 0.8},
    },
    "MODERATION_PUBLISH_ON_APPROVE": True,
    "MODERATION_FORBID_SELF_APPROVAL": True,
    "MODERATION_CLAIM_SECONDS": 900,
    "MODERATION_JOB_RETRIES": 2,
    "MODERATION_RETRY_INTERVALS": [10, 60],
    "MODERATION_JOB_TIMEOUT": 300,
    "MODERATION_TAKEDOWN_MAX_DISTANCE": 10,
    "MODERATION_TAKEDOWN_RATE": "5/h",
    "MODERATION_TAKEDOWN_MAX_BYTES": 10 * 1024 * 1024,
    "MODERATION_TAKEDOWN_MAX_PIXELS": 50_000_000,
    "MODERATION_CLIENT_IP_HEADER": "",
    "MODERATION_FACE_MIN_SCORE": 0.3,
    # Items a page of a review queue: a screenful or two of thumbnails, oldest first (bulk
    # decisions have grid mode, moderation.admin.grid.GRID_SIZE tiles).
    "MODERATION_QUEUE_PER_PAGE": 25,
    # Extra addresses told of each new takedown request (besides users who may handle them).
    "MODERATION_NOTIFY_EMAILS": [],
}


settings = AppSettings(DEFAULTS)


def get(name: str) -> Any:
    return settings.get(name)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/h"`` → (5, 3600): at most N requests per period."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not match:
        raise ValueError(f"a rate looks like '5/h' or '10/15m', not {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]

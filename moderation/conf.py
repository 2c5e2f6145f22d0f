"""Moderation settings with their defaults, read on every call so tests can override them."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "MODERATION_CLASSIFIERS": ["moderation.classifiers.NudeNetClassifier"],
    "MODERATION_CLASSIFY_MAX_SIDE": 1024,
    # label -> {"review": score, "reject": score}; either may be None. Labels not listed are
    # ignored (NudeNet scores faces, feet, covered parts and abstract art too).
    "MODERATION_THRESHOLDS": {},
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
    # Extra addresses told of each new takedown request (besides users who may handle them).
    "MODERATION_NOTIFY_EMAILS": [],
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/h"`` → (5, 3600): at most N requests per period."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not match:
        raise ValueError(f"a rate looks like '5/h' or '10/15m', not {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]

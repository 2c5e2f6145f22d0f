"""Fixed-window counters in Django's cache: rate limits and budgets.

Use a shared cache in production (with REDIS_URL set, settings use Redis): the local-memory
cache counts per process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


def now() -> float:
    """The clock the windows use (tests move it)."""
    return time.time()


def hit(key: str, limit: int, period: int, amount: int = 1) -> RateResult:
    """Add ``amount`` to this window's counter for ``key`` and compare it with ``limit``.

    A limit of 0 or less means unlimited (the counter is still kept, for visibility).
    """
    t = now()
    window_key = f"rate:{key}:{int(t // period)}"
    cache.add(window_key, 0, timeout=period + 5)
    try:
        count = cache.incr(window_key, amount)
    except ValueError:  # expired between add and incr
        cache.set(window_key, amount, timeout=period + 5)
        count = amount
    retry_after = max(1, int(period - (t % period)))
    return RateResult(limit <= 0 or count <= limit, count, limit, retry_after)

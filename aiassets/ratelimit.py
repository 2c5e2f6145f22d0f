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


def add(key: str, amount: int, timeout: int) -> int:
    """Atomically add ``amount`` to a counter that expires after ``timeout``; the new value."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=timeout)
        return amount


def hit(key: str, limit: int, period: int, amount: int = 1) -> RateResult:
    """Add ``amount`` to this window's counter for ``key`` and compare it with ``limit``.

    A limit of 0 or less means unlimited (the counter is still kept, for visibility).
    """
    t = now()
    count = add(f"rate:{key}:{int(t // period)}", amount, period + 5)
    retry_after = max(1, int(period - (t % period)))
    return RateResult(limit <= 0 or count <= limit, count, limit, retry_after)

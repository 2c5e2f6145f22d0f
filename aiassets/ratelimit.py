"""Fixed-window counters in Django's cache: rate limits and budgets.

Use a shared cache in production (with REDIS_URL set, settings use Redis): the local-memory
cache counts per process.

A limit fails open: when the cache cannot be reached, ``hit()`` allows the request, logs a
warning and counts ``aiassets_limiter_unavailable_total``. An outage of the counter store must
not turn into refused uploads or 500s; the limits come back with the cache.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

from . import metrics

logger = logging.getLogger(__name__)


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
    retry_after = max(1, int(period - (t % period)))
    try:
        count = add(f"rate:{key}:{int(t // period)}", amount, period + 5)
    except Exception as exc:  # the cache backend's own errors (redis-py's, for Redis)
        return _fail_open(key, limit, retry_after, exc)
    return RateResult(limit <= 0 or count <= limit, count, limit, retry_after)


def _fail_open(key: str, limit: int, retry_after: int, exc: Exception) -> RateResult:
    scope = ":".join(key.split(":")[:2])  # "api:req", "moderation:takedown": no address, no id
    metrics.LIMITER_UNAVAILABLE.labels(scope).inc()
    logger.warning(
        "rate limit %s not checked, request allowed: the cache is unavailable (%s)",
        scope,
        type(exc).__name__,
        extra={"event": "ratelimit.unavailable", "limit": scope, "error": str(exc)[:200]},
    )
    return RateResult(True, 0, limit, retry_after)

"""A fixed-window rate limit per client IP, kept in Django's cache.

Use a shared cache (Redis, Memcached, the database) in production: the default local-memory
cache counts per process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from . import conf


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    count: int
    limit: int
    retry_after: int


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the header named in MODERATION_CLIENT_IP_HEADER behind a trusted proxy
    (its last address: the one the proxy itself added)."""
    header = conf.get("MODERATION_CLIENT_IP_HEADER")
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()[:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def hit(scope: str, request: HttpRequest, rate: str | None = None) -> RateResult:
    """Count one request from this client against ``rate`` (e.g. "5/h")."""
    limit, period = conf.parse_rate(rate or conf.get("MODERATION_TAKEDOWN_RATE"))
    now = time.time()
    window = int(now // period)
    key = f"moderation:rate:{scope}:{client_ip(request)}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    retry_after = max(1, int(period - (now % period)))
    return RateResult(count <= limit, count, limit, retry_after)

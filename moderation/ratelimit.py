"""A fixed-window rate limit per client IP (aiassets.ratelimit counters in the cache).

Use a shared cache (Redis, Memcached, the database) in production: the default local-memory
cache counts per process.
"""

from __future__ import annotations

from django.http import HttpRequest

from aiassets import ratelimit
from aiassets.ratelimit import RateResult

from . import conf

__all__ = ["TAKEDOWN", "RateResult", "client_ip", "hit"]

TAKEDOWN = "takedown"  # the form and the API share one budget per client


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
    return ratelimit.hit(f"moderation:{scope}:{client_ip(request)}", limit, period)

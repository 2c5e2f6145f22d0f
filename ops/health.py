"""Liveness and readiness: what a load balancer or supervisor asks before sending traffic.

Liveness (``/healthz``) touches nothing: the process answers. Readiness (``/readyz``) checks
every dependency a request needs: the database, Redis when jobs go through it, and both
storages (originals and variants). Each check is bounded by a short timeout, and a failure
reports only its exception class, never an address, a bucket name or a credential.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.db import connections

from aiassets import storage

logger = logging.getLogger(__name__)

REDIS_TIMEOUT = 2.0


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )


def redis_url() -> str | None:
    """The Redis the jobs use, or None when jobs run in-process (nothing to check)."""
    if settings.JOBS_INLINE:
        return None
    return settings.RQ_QUEUES["default"]["URL"]


def check_redis() -> None:
    _redis(redis_url()).ping()


def check_originals() -> None:
    storage.probe(storage.originals())


def check_variants() -> None:
    storage.probe(storage.variants())


def checks() -> dict[str, Callable[[], None] | None]:
    """The readiness checks by name; None marks one that does not apply here."""
    return {
        "database": check_database,
        "redis": check_redis if redis_url() else None,
        "originals": check_originals,
        "variants": check_variants,
    }


def _run(name: str, check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        logger.warning("readiness check %s failed", name, exc_info=True)
        return {"status": "fail", "error": type(exc).__name__, "ms": _ms(started)}
    return {"status": "ok", "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def readiness() -> tuple[bool, dict]:
    """(ready, report): every applicable check passed, and each check's status."""
    report = {}
    for name, check in checks().items():
        report[name] = {"status": "skipped"} if check is None else _run(name, check)
    ready = all(r["status"] != "fail" for r in report.values())
    return ready, {"status": "ok" if ready else "unavailable", "checks": report}

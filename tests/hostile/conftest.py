"""Rate-limit counters live in the cache and are keyed by token id; on SQLite a rolled-back
test hands the next test the same id. Each hostile test starts with empty caches."""

from __future__ import annotations

import contextlib

import pytest
from django.core.cache import caches


def _clear() -> None:
    for cache in caches.all():
        with contextlib.suppress(Exception):  # a cache that is down has nothing to clear
            cache.clear()


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    # Hostile inputs are not a rate-limit test (tests/aiassets/test_limits.py is): the budgets
    # are off here, so hundreds of requests on one token can never turn a case into a 429.
    settings.API_RATE_REQUESTS_PER_MINUTE = 0
    settings.API_RATE_BYTES_PER_DAY = 0
    _clear()
    yield
    _clear()

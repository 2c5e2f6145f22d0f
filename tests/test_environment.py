"""CI must run on the real stack: PostgreSQL and Redis, not the embedded defaults."""

import os

import pytest
from django.db import connection

from tests.conftest import IN_CI, TEST_REDIS_URL


@pytest.mark.skipif(not IN_CI, reason="only CI promises PostgreSQL")
@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


@pytest.mark.skipif(not IN_CI, reason="only CI promises Redis")
def test_ci_has_redis():
    import redis

    assert os.environ.get("REDIS_URL")
    assert redis.Redis.from_url(TEST_REDIS_URL).ping()


def test_debug_is_off_unless_set(settings):
    assert os.environ.get("DEBUG") or settings.DEBUG is False

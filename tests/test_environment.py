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


@pytest.mark.parametrize("value,expected", [(None, "False"), ("true", "True"), ("0", "False")])
def test_debug_is_off_unless_set(value, expected, tmp_path):
    """Read the settings module fresh (the test runner forces DEBUG off in-process)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env["VAR_DIR"] = str(tmp_path)
    if value is not None:
        env["DEBUG"] = value
    out = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEBUG)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected

"""Dead database connections: gunicorn workers keep connections (CONN_MAX_AGE); after
pg_terminate_backend kills every one of them, the next ingests and pages answer as before,
never 500, because CONN_HEALTH_CHECKS replaces a dead connection before a request uses it."""

from __future__ import annotations

import pytest
from django.db import connection

from tests import images
from tests.conftest import provenance
from tests.production import hosts

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.timeout(240)]


def terminate_other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_terminated_connections_give_no_500(postgres, token, tmp_path):
    env = {
        k: v
        for k, v in hosts.shared_env(redis_url="", s3_endpoint="").items()
        if not k.startswith("AWS_") and k not in ("REDIS_URL", "STORAGE")
    }
    env.update(MEDIA_ROOT=str(tmp_path / "media"), CONN_MAX_AGE="600", DERIVATIVE_WIDTHS="320")
    web = hosts.start_web("web", env, tmp_path, workers=2, threads=2)
    try:
        statuses = []
        for round_ in range(3):
            for i in range(4):
                data = images.png(200 + round_ * 8 + i, 160, seed=round_ * 10 + i)
                status, body = hosts.post_image(web.url, token, data, provenance())
                statuses.append(("ingest", status, body))
                statuses.append(("page", hosts.get(f"{web.url}/")[0], None))
                statuses.append(("ready", hosts.get(f"{web.url}/readyz")[0], None))
            killed = terminate_other_connections()
            assert killed >= 1, "the workers held persistent connections"
        bad = [s for s in statuses if s[1] >= 500 or s[1] not in (200, 201)]
        assert not bad, f"{bad}\n{web.output()}"
    finally:
        web.stop()

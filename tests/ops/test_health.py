"""/healthz (liveness: no dependency) and /readyz (database, Redis, storages; 503 when not
ready, with per-check status and no addresses, bucket names or credentials in the body)."""

from __future__ import annotations

import socket

import pytest


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket closes


def test_healthz_touches_nothing(client):
    """No database access is allowed here (no django_db mark): liveness needs none."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_all_ok_with_local_storage_and_inline_jobs(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["redis"] == {"status": "skipped"}
    assert checks["originals"]["status"] == checks["variants"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_is_cheap_and_never_rate_limited(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/readyz").status_code == 200
    assert all(client.get("/readyz").status_code == 200 for _ in range(30))


@pytest.mark.django_db
def test_readyz_503_when_redis_is_down_leaks_nothing(client, settings):
    url = f"redis://:hunter2-secret@127.0.0.1:{closed_port()}/0"
    settings.JOBS_INLINE = False
    settings.RQ_QUEUES = {name: {"URL": url} for name in settings.JOB_QUEUES}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["status"] == "fail"
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"
    assert "hunter2" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_checks_the_real_redis(client, rq):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["redis"]["status"] == "ok"


@pytest.mark.s3
@pytest.mark.django_db
def test_readyz_checks_both_buckets(client, s3, settings):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    s3.delete_bucket(Bucket="test-variants")
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["originals"]["status"] == "ok"
    assert checks["variants"]["status"] == "fail"
    assert "test-variants" not in response.content.decode()


@pytest.mark.s3
@pytest.mark.django_db
def test_readyz_answers_fast_when_s3_is_unreachable(client, s3, settings):
    import time

    dead = f"http://127.0.0.1:{closed_port()}"
    for alias in ("originals", "variants"):
        settings.STORAGES[alias]["OPTIONS"]["endpoint_url"] = dead
    settings.STORAGES = dict(settings.STORAGES)  # setting_changed resets the storages
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert time.monotonic() - started < 10
    assert response.json()["checks"]["originals"]["status"] == "fail"
    assert dead not in response.content.decode()

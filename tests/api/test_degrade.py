"""Degrade, don't fail: an S3 outage at ingest answers a JSON 503 with Retry-After and stores
nothing; with Redis down, ingest stores the asset and leaves its jobs pending, and the rate
limiters fail open (a log line and a metric), never a 500."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from prometheus_client import REGISTRY

from aiassets.models import Asset, Variant
from tests import images
from tests.api.conftest import error_of
from tests.conftest import need

pytestmark = [pytest.mark.django_db, pytest.mark.fault]

PORTS = range(9300, 9400)  # this suite's private servers bind 127.0.0.1 within this range


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


# --- S3 ------------------------------------------------------------------------------------


@pytest.fixture
def private_moto(s3, settings) -> Iterator:
    """Originals go through a moto server of their own (sharing moto's in-process state with
    the ``s3`` fixture's server, which the test reads the bucket through), one we can stop."""
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    originals = settings.STORAGES["originals"]
    options = {
        **originals["OPTIONS"],
        "endpoint_url": f"http://{host}:{port}",
        "client_config": Config(retries={"max_attempts": 2, "mode": "standard"}),
    }
    settings.STORAGES = {**settings.STORAGES, "originals": {**originals, "OPTIONS": options}}

    def stop() -> None:
        server.stop()
        server._server.server_close()  # stop() leaves the socket listening: close it too

    server.outage = stop
    yield server
    if server._server_ready_event.is_set():
        stop()


def bucket_keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket="test-originals").get("Contents", []))


def ingest_outcomes() -> float:
    return (
        REGISTRY.get_sample_value("aiassets_ingests_total", {"outcome": "storage_unavailable"})
        or 0.0
    )


@pytest.mark.s3
def test_s3_outage_is_a_json_503_with_retry_after_and_stores_nothing(
    private_moto, s3, token, upload
):
    raw = token("gen")
    first = upload(raw, images.png(320, 240, seed=1))
    assert first.status_code == 201
    stored = bucket_keys(s3)
    assert len(stored) == 1
    private_moto.outage()
    before = ingest_outcomes()
    response = upload(raw, images.png(320, 240, seed=2))
    assert error_of(response) == (503, "storage_unavailable")
    assert response["Retry-After"] == "30"
    assert "nothing was stored" in response.json()["error"]["message"]
    assert Asset.objects.count() == 1, "no row for the refused upload"
    assert bucket_keys(s3) == stored, "no file for it either"
    assert ingest_outcomes() == before + 1


# --- Redis ---------------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    import redis

    exe = shutil.which("redis-server")
    if exe is None:
        need("redis-server", "not installed (apt-get install redis-server)")
    port = free_port()
    args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [*args, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = PrivateRedis(f"redis://127.0.0.1:{port}/0", process)
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(server.url).ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                need("redis-server", f"did not start on port {port}")
            time.sleep(0.05)
    yield server
    server.stop()


@pytest.fixture
def on_private_redis(settings, private_redis) -> PrivateRedis:
    """Jobs (RQ) and the shared counters (the cache) both on the private server."""
    settings.JOBS_INLINE = False
    settings.RQ_QUEUES = {
        name: {"URL": private_redis.url, "DEFAULT_TIMEOUT": 300} for name in settings.JOB_QUEUES
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
        }
    }
    return private_redis


def fail_opens(scope: str) -> float:
    return REGISTRY.get_sample_value("aiassets_limiter_unavailable_total", {"limit": scope}) or 0.0


@pytest.mark.redis
@pytest.mark.moderation  # keep the moderation receiver: its enqueue must not fail either
def test_ingest_with_redis_down_stores_the_asset_and_leaves_jobs_pending(
    on_private_redis, token, upload, caplog
):
    import django_rq

    raw = token("gen")
    assert upload(raw, images.png(320, 240, seed=1)).status_code == 201
    assert django_rq.get_queue("derivatives").count == 1, "queued while Redis is up"
    on_private_redis.stop()
    before = fail_opens("api:req")
    caplog.set_level(logging.INFO)
    response = upload(raw, images.png(320, 240, seed=2))
    assert response.status_code == 201, response.content
    asset = Asset.objects.get(pk=response.json()["id"])
    assert asset.moderation_status == "pending"
    statuses = set(asset.variants.values_list("status", flat=True))
    assert statuses == {Variant.Status.PENDING}, "left for healing to enqueue"
    messages = [r.getMessage() for r in caplog.records]
    assert any("was not enqueued" in m and "derivatives" in m for m in messages)
    assert any("was not enqueued" in m and "moderation" in m for m in messages)
    assert any("rate limit api:req not checked" in m for m in messages)
    assert fail_opens("api:req") == before + 1


@pytest.mark.redis
def test_takedowns_with_redis_down_are_not_a_500(on_private_redis, client):
    on_private_redis.stop()
    response = client.post(
        "/api/v1/takedowns",
        {"requester_name": "Ada", "requester_email": "ada@example.org", "reason": "copyright"},
        content_type="application/json",
    )
    assert error_of(response) == (422, "invalid"), "validated as usual, no 500"

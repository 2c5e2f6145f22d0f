"""Fixtures that start real components: Redis and an RQ burst worker, moto's S3 server,
PostgreSQL (through DATABASE_URL), and per-test file storage.

A test that needs a component missing on this machine skips, except with CI=true, where it
fails: CI must never pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from aiassets.ingest import IngestResult, ingest
from aiassets.models import ApiToken
from tests import images

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_REDIS_URL = (
    os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or ("redis://127.0.0.1:6379/13")
)


def need(component: str, reason: str) -> None:
    """Skip on a laptop without ``component``; fail in CI."""
    message = f"{component} is not available: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: missing components fail the run)", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------------------------
# Storage and jobs defaults for every test
# --------------------------------------------------------------------------------------------


def local_storages(root: Path) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "private"},
        },
        "originals": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "private"},
        },
        "variants": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "public", "allow_overwrite": True},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _static_root() -> None:
    """WhiteNoise reads STATIC_ROOT (collectstatic makes it; settings write no file)."""
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path) -> Iterator[Path]:
    """Every test gets its own media root and runs jobs in-process unless it asks for RQ.

    Outside tests/moderation (and tests marked ``moderation``), ingest does not trigger the
    classifier: assets stay pending, as they are until a moderation worker gets to them, and
    tests set the state they need explicitly.
    """
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = local_storages(root)
    settings.JOBS_INLINE = True
    settings.DERIVATIVE_WIDTHS = [320, 640, 1280]
    settings.DERIVATIVE_PRECOMPUTE = ["*"]  # every format at once; lazy-format tests opt out
    settings.DERIVATIVE_RATIOS = []  # art direction tests turn crops on (tests/artdirection)
    settings.SOCIAL_CARD_WIDTH = 0
    settings.DERIVATIVE_RETRY_INTERVALS = []
    wants_moderation = "tests/moderation" in str(
        request.node.path
    ) or request.node.get_closest_marker("moderation")
    if wants_moderation:
        yield root
        return
    from aiassets.signals import asset_ingested
    from moderation.receivers import on_asset_ingested

    uid = "moderation.classify_on_ingest"
    asset_ingested.disconnect(dispatch_uid=uid)
    try:
        yield root
    finally:
        asset_ingested.connect(on_asset_ingested, dispatch_uid=uid)


@pytest.fixture
def media_root(_isolated) -> Path:
    return _isolated


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------
# Ingest helpers
# --------------------------------------------------------------------------------------------


def provenance(**overrides) -> dict:
    data = {
        "model": {"name": "Test Diffusion", "version": "1.0"},
        "prompt": "a lighthouse at dusk, watercolour",
        "negative_prompt": "blurry",
        "seed": 42,
        "params": {"steps": 30, "cfg": 7},
        "generated_at": "2026-11-01T12:00:00Z",
        "source": {"platform": "tests", "job_id": "job-1"},
    }
    data.update(overrides)
    return data


@pytest.fixture
def ingest_now(django_capture_on_commit_callbacks):
    """ingest() with its on-commit jobs (derivatives, moderation) run before returning."""

    def run(data: bytes | None = None, prov: dict | None = None, **kwargs) -> IngestResult:
        with django_capture_on_commit_callbacks(execute=True):
            return ingest(
                data if data is not None else images.png(), prov or provenance(), **kwargs
            )

    return run


@pytest.fixture
def api_token(db) -> str:
    return ApiToken.issue("test-generator")[1]


# --------------------------------------------------------------------------------------------
# Redis and a real RQ worker
# --------------------------------------------------------------------------------------------


@pytest.fixture
def redis_conn():
    import redis

    conn = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        conn.ping()
    except redis.exceptions.RedisError as exc:
        need("Redis", f"{TEST_REDIS_URL}: {exc}")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def rq(settings, redis_conn):
    """Jobs go to the real Redis; ``rq.work()`` runs a burst worker over every queue."""
    import django_rq
    import django_rq.queues
    from rq import SimpleWorker

    settings.JOBS_INLINE = False
    queues_conf = {
        name: {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 300} for name in settings.JOB_QUEUES
    }
    settings.RQ_QUEUES = queues_conf  # django-rq 4 reads RQ_QUEUES on every call

    class Runner:
        connection = redis_conn

        def queue(self, name: str):
            return django_rq.get_queue(name)

        def work(self, *names: str, scheduler: bool = False) -> bool:
            queues = [django_rq.get_queue(n) for n in (names or settings.JOB_QUEUES)]
            worker = SimpleWorker(queues, connection=redis_conn)
            return worker.work(burst=True, with_scheduler=scheduler)

    return Runner()


# --------------------------------------------------------------------------------------------
# S3 through moto's server on a random loopback port
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        need("moto[server]", str(exc))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint, monkeypatch, tmp_path):
    """Point originals and variants at two fresh private buckets on moto's S3 server."""
    import boto3
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=5)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for bucket in ("test-originals", "test-variants"):
        client.create_bucket(Bucket=bucket)
    common = {
        "endpoint_url": moto_endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "signature_version": "s3v4",
        "addressing_style": "path",
        "default_acl": "private",
        "querystring_auth": True,
    }
    settings.STORAGES = {
        **local_storages(tmp_path / "media"),
        "originals": {
            "BACKEND": "aiassets.storage.OriginalsS3Storage",
            "OPTIONS": {**common, "bucket_name": "test-originals"},
        },
        "variants": {
            "BACKEND": "aiassets.storage.VariantsS3Storage",
            "OPTIONS": {**common, "bucket_name": "test-variants"},
        },
    }
    client.endpoint = moto_endpoint
    return client


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        need("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        need("Playwright", str(exc))
    # Playwright's sync API runs an event loop; Django must allow sync DB calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Nothing to change; present so DATABASE_URL (PostgreSQL in CI) is used as configured."""


def pytest_report_header(config):
    db = django_settings.DATABASES["default"]
    return [f"database: {db['ENGINE']} {db.get('NAME')}", f"redis for tests: {TEST_REDIS_URL}"]

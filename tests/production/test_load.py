"""Load against the production shape: gunicorn (deploy/gunicorn.conf.py) for pages (2
processes × 4 threads) and a second pool for uploads (aiassets-ingest.service), two RQ worker
processes at Nice=10 (as the systemd unit runs them), PostgreSQL, Redis and moto S3.

20 clients for 30 s: 17 read pages (each waiting 0.25 s between pages, as a reader does) while
3 upload images through the API back to back. Zero errors, page p95 under 1 s, and afterwards
every asset has its original and no file is an orphan."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from aiassets import orphans
from aiassets.models import Asset
from tests import images
from tests.conftest import TEST_REDIS_URL, provenance
from tests.production import hosts, load

pytestmark = [
    pytest.mark.load,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.s3,
    pytest.mark.timeout(420),
]

# 20 s keeps the whole suite within its 15 minutes on a 2-core VM; LOAD_SECONDS=120 for a soak.
SECONDS = float(os.environ.get("LOAD_SECONDS", 20))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", 20))
UPLOADERS = int(os.environ.get("LOAD_UPLOADERS", 3))
# Each page client is a reader: it waits this long between pages (uploaders never wait).
THINK = float(os.environ.get("LOAD_THINK_SECONDS", 0.25))
WEB_WORKERS = int(os.environ.get("LOAD_WEB_WORKERS", 2))
WEB_THREADS = int(os.environ.get("LOAD_WEB_THREADS", 4))
PAGE_P95 = 1.0


def seed_public(web: hosts.Host, token: str, count: int) -> list[str]:
    from moderation import workflow

    ids = []
    for i in range(count):
        status, body = hosts.post_image(web.url, token, images.png(400, 300, seed=i), provenance())
        assert status == 201, body
        workflow.approve(body["id"], note="load test seed")
        ids.append(body["id"])
    return ids


def page_task(web: hosts.Host, ids: list[str], client: int) -> load.Task:
    paths = ["/", *[f"/images/{i}/" for i in ids], "/?q=lighthouse"]

    def task(i: int) -> tuple[str, int]:
        return "page", hosts.get(web.url + paths[(client + i) % len(paths)], timeout=30)[0]

    return task


def ingest_task(web: hosts.Host, token: str, client: int) -> load.Task:
    def task(i: int) -> tuple[str, int]:
        data = images.png(320 + client, 240 + i % 50, seed=1000 * client + i)
        return "ingest", hosts.post_image(web.url, token, data, provenance(), timeout=60)[0]

    return task


def test_pages_stay_fast_while_ingest_runs(
    postgres, token, redis_conn, s3, tmp_path, shared_signer
):
    env = hosts.shared_env(redis_url=TEST_REDIS_URL, s3_endpoint=s3.endpoint, signer=shared_signer)
    started: list[hosts.Host] = []
    try:
        web = hosts.start_web("web", env, tmp_path, workers=WEB_WORKERS, threads=WEB_THREADS)
        started.append(web)
        started += [hosts.start_worker(n, env, tmp_path) for n in ("worker-1", "worker-2")]
        ids = seed_public(web, token, 6)
        # Uploads go to their own pool (aiassets-ingest.service), as the README's proxy rule
        # routes them: an upload's decoding never holds a page thread's GIL.
        uploads = hosts.start_web("ingest", env, tmp_path, workers=1, threads=UPLOADERS)
        started.append(uploads)

        tasks = [(ingest_task(uploads, token, c), 0.0) for c in range(UPLOADERS)]
        tasks += [(page_task(web, ids, c), THINK) for c in range(CLIENTS - UPLOADERS)]
        results = load.run(tasks, SECONDS)

        pages, ingests = results.of("page"), results.of("ingest")
        p95 = results.percentile("page", 95)
        summary = (
            f"{len(pages)} pages (p50 {results.percentile('page', 50):.3f}s, p95 {p95:.3f}s), "
            f"{len(ingests)} ingests (p95 {results.percentile('ingest', 95):.3f}s)"
        )
        print(summary)
        assert not results.failures, results.failures[:5]
        assert not results.errors(), (results.errors()[:10], web.output())
        assert len(ingests) >= 10 and len(pages) >= 100, summary
        assert p95 < PAGE_P95, summary

        # Consistent afterwards: one original per row, no file without a row.
        listed = s3.list_objects_v2(Bucket="test-originals", Prefix="originals/")
        assert listed.get("KeyCount", 0) == Asset.objects.count()
        assert orphans.sweep(grace=timedelta(0), dry_run=True).orphans == []
    finally:
        for host in started:
            host.stop()

"""Several machines: two gunicorn web hosts and two RQ worker hosts, each with its own VAR_DIR,
sharing PostgreSQL, Redis and S3 (moto) and nothing else but their configuration.

- A URL signed on one web host verifies on the other (one SECRET_KEY, from the environment).
- Every variant is built once, by whichever worker took the job; a third host with its own
  VAR_DIR plans the same recipes (no C2PA key is configured: the development signer is derived
  from the shared SECRET_KEY, so its fingerprint in the recipe is the same on every host) and
  so sees nothing to rebuild: no rebuild storm.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urljoin

import pytest
from django.db.models import Sum

from aiassets.models import Asset, BuildLog, Variant
from tests import images
from tests.conftest import TEST_REDIS_URL, provenance
from tests.production import hosts

pytestmark = [
    pytest.mark.multihost,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.s3,
    pytest.mark.timeout(420),
]

FORMATS = 3  # AVIF, WebP, JPEG
WIDTHS = 2  # DERIVATIVE_WIDTHS=320,640 in hosts.shared_env


def wait_all_ready(ids: list[str], timeout: float = 240) -> None:
    expected = len(ids) * FORMATS * WIDTHS
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = Variant.objects.filter(asset_id__in=ids)
        if rows.filter(status="ready").count() == expected == rows.count():
            return
        time.sleep(0.5)  # the worker hosts are building; bounded by the deadline
    states = list(Variant.objects.filter(asset_id__in=ids).values_list("status", "error"))
    raise AssertionError(f"variants not ready after {timeout}s: {states}")


def signed_urls(web: hosts.Host, token: str, asset_id: str) -> list[str]:
    status, body = hosts.get(
        f"{web.url}/api/v1/assets/{asset_id}", {"Authorization": f"Bearer {token}"}
    )
    assert status == 200, body
    return [v["url"] for v in json.loads(body)["variants"] if v["url"]]


def fetch_on(web: hosts.Host, url: str) -> tuple[int, bytes]:
    return hosts.get(urljoin(web.url + "/", url.lstrip("/")))


def test_two_web_and_two_worker_hosts(postgres, token, redis_conn, s3, tmp_path, shared_signer):
    env = hosts.shared_env(redis_url=TEST_REDIS_URL, s3_endpoint=s3.endpoint, signer=shared_signer)
    started: list[hosts.Host] = []
    try:
        web_a = hosts.start_web("web-a", env, tmp_path, workers=1, threads=4)
        started.append(web_a)
        web_b = hosts.start_web("web-b", env, tmp_path, workers=1, threads=4)
        started.append(web_b)
        started += [hosts.start_worker(n, env, tmp_path) for n in ("worker-c", "worker-d")]

        ids = []
        for i in range(4):
            web = (web_a, web_b)[i % 2]
            status, body = hosts.post_image(
                web.url, token, images.png(480, 360, seed=100 + i), provenance()
            )
            assert status == 201, (status, body, web.output())
            ids.append(body["id"])
        wait_all_ready(ids)

        # Built once each: one object per row, one successful build per variant.
        variants = Variant.objects.filter(asset_id__in=ids)
        built = BuildLog.objects.filter(asset_id__in=ids).aggregate(n=Sum("built"))["n"]
        assert built == variants.count()
        stored = s3.list_objects_v2(Bucket="test-variants").get("KeyCount", 0)
        assert stored == variants.count()

        # Signed on A, verified on B, and the other way round.
        for signer, verifier in ((web_a, web_b), (web_b, web_a)):
            urls = signed_urls(signer, token, ids[0])
            assert len(urls) == FORMATS * WIDTHS and all("&sig=" in u for u in urls)
            for url in urls:
                status, data = fetch_on(verifier, url)
                assert status == 200 and len(data) > 100, (url, status, verifier.output())
            forged = urls[0][: urls[0].index("&sig=")] + "&sig=" + "A" * 43
            assert fetch_on(verifier, forged)[0] == 403

        # A host that has never built anything plans the same keys: nothing to rebuild.
        fresh = hosts.run_manage(
            env, tmp_path / "host-e", "reconcile_variants", "--dry-run", "--no-progress"
        )
        assert "0 missing row(s)" in fresh and "would rebuild 0 asset(s)" in fresh, fresh
        assert Asset.objects.filter(pk__in=ids).count() == 4
        assert list(Variant.objects.filter(asset_id__in=ids).values_list("key", flat=True)) == list(
            variants.values_list("key", flat=True)
        )
    finally:
        for host in started:
            host.stop()

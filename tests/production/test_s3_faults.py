"""S3 faults through a TCP proxy in front of moto: resets that botocore's retries absorb, then
an outage longer than the retry window. During it ingest answers the JSON 503 with
Retry-After and stores nothing, readiness says so, builds fail and wait for their scheduled
retry; once S3 is back everything heals by itself (the RQ scheduler reruns the builds): no
asset lost, every variant built, no orphan file."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiassets import orphans
from aiassets.models import Asset, Variant
from tests import images
from tests.conftest import provenance
from tests.production.faultproxy import FaultProxy

pytestmark = [pytest.mark.fault, pytest.mark.s3, pytest.mark.redis, pytest.mark.timeout(240)]


@pytest.fixture
def proxy(s3, settings):
    """moto behind the fault proxy; both storages go through it."""
    target = urlsplit(s3.endpoint)
    fault = FaultProxy(target.hostname, target.port)
    storages = {alias: {**conf} for alias, conf in settings.STORAGES.items()}
    for alias in ("originals", "variants"):
        storages[alias]["OPTIONS"] = {**storages[alias]["OPTIONS"], "endpoint_url": fault.endpoint}
    settings.STORAGES = storages
    yield fault
    fault.stop()


def post(client, token: str, seed: int):
    upload = images.png(360, 240, seed=seed)
    return client.post(
        "/api/v1/assets",
        {
            "file": SimpleUploadedFile("a.png", upload, content_type="image/png"),
            "provenance": json.dumps(provenance()),
        },
        headers={"Authorization": f"Bearer {token}"},
    )


def heal(rq, until, timeout: float = 60) -> None:
    """Run workers with the scheduler, as deployed, until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "did not heal by itself in time"
        rq.work("derivatives", scheduler=True)
        time.sleep(0.3)  # scheduled retries come due; bounded by the deadline


def all_built(ids) -> bool:
    rows = Variant.objects.filter(asset_id__in=ids)
    return rows.exists() and not rows.exclude(status="ready").exists()


@pytest.mark.django_db(transaction=True)
def test_s3_resets_and_outage_heal_without_a_person(client, api_token, rq, proxy, s3, settings):
    settings.DERIVATIVE_RETRY_INTERVALS = [1, 2]
    settings.DERIVATIVE_MAX_ATTEMPTS = 4

    # Resets that the client's retries absorb: every ingest succeeds.
    proxy.set_mode("flaky")
    first = [post(client, api_token, seed) for seed in range(3)]
    assert [r.status_code for r in first] == [201] * 3, [r.content for r in first]
    assert proxy.resets >= 1

    # An outage longer than the retry window.
    proxy.set_mode("reset")
    refused = post(client, api_token, 10)
    assert refused.status_code == 503, refused.content
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["error"]["code"] == "storage_unavailable"
    assert int(refused["Retry-After"]) > 0
    assert Asset.objects.count() == 3, "nothing half-stored"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["originals"]["status"] == "fail"
    rq.work("derivatives")  # builds run into the outage and wait for their retry
    ids = list(Asset.objects.values_list("id", flat=True))
    assert not all_built(ids)
    assert Variant.objects.filter(asset_id__in=ids, status="failed").count() == 0

    # S3 is back: the scheduled retries build everything; the refused upload goes through.
    proxy.set_mode("pass")
    heal(rq, lambda: all_built(ids))
    again = post(client, api_token, 10)
    assert again.status_code == 201, again.content
    heal(rq, lambda: all_built(Asset.objects.values_list("id", flat=True)))
    assert client.get("/readyz").status_code == 200

    originals = s3.list_objects_v2(Bucket="test-originals").get("KeyCount", 0)
    assert originals == Asset.objects.count() == 4
    assert orphans.sweep(grace=timedelta(0), dry_run=True).orphans == []

"""End to end through real Varnish (deploy/varnish/aiassets.vcl) in front of the Django origin
(pytest-django's live_server): a moderation reject purges the CDN through a real RQ worker,
and a re-approval gives new URLs while the old ones stay dead."""

from __future__ import annotations

import pytest

from aiassets.models import Asset
from delivery import purges
from delivery.models import PurgeRequest
from delivery.signing import variant_url
from moderation import workflow
from tests import images

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def public_urls(asset: Asset) -> list[str]:
    asset.refresh_from_db()
    assert asset.is_public
    return sorted(variant_url(asset, v) for v in asset.variants.filter(status="ready"))


@pytest.fixture
def through_varnish(settings, varnish_live):
    """Public URLs point at Varnish, and purges go to it."""
    settings.DELIVERY_PUBLIC_BASE_URL = varnish_live.base_url
    settings.CDN_BACKENDS = {
        "default": {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": varnish_live.base_url},
        }
    }
    settings.CDN_PURGE_RETRY_INTERVALS = []
    settings.MODERATION_PUBLISH_ON_APPROVE = True
    return varnish_live


def assert_cached_on_second_fetch(varnish, urls: list[str]) -> None:
    """Every URL fetched twice through Varnish: a miss, then a hit of the same bytes."""
    for url in urls:
        first, second = varnish.get(url), varnish.get(url)
        assert (first.status_code, first.headers["X-Cache"]) == (200, "MISS")
        assert (second.status_code, second.headers["X-Cache"]) == (200, "HIT")
        assert "immutable" in second.headers["Cache-Control"]
        assert second.content == first.content


def assert_purged(varnish, urls: list[str]) -> None:
    """Each URL misses the cache and the origin answers 404."""
    for url in urls:
        gone = varnish.get(url)
        assert (gone.status_code, gone.headers["X-Cache"]) == (404, "MISS")


def test_reject_purges_varnish_and_reapproval_gives_new_urls(
    transactional_db, through_varnish, rq, ingest_now, settings
):
    varnish = through_varnish
    settings.JOBS_INLINE = True  # build the variants (and classify) now
    asset = ingest_now(images.png(480, 320, seed=7)).asset
    settings.JOBS_INLINE = False  # from here on, jobs go to Redis and the RQ worker
    asset.refresh_from_db()
    if not asset.is_public:  # the classifier may have sent it to review
        workflow.approve(asset)

    # (1) Every variant is fetched twice through Varnish: a miss, then a hit.
    old_urls = public_urls(asset)
    assert len(old_urls) == 6 and all(
        u.startswith(varnish.base_url + "/media/v/") for u in old_urls
    )
    assert_cached_on_second_fetch(varnish, old_urls)

    # (2) Reject: the workflow bumps the version and, on commit, the signal enqueues the purge.
    old_version = asset.delivery_version
    workflow.reject(asset, reason_code="quality")
    assert asset.delivery_version == old_version + 1
    queue = rq.queue("purge")
    assert queue.job_ids == [purges.job_id(asset.id, old_version)]
    stale = varnish.get(old_urls[0])
    assert (stale.status_code, stale.headers["X-Cache"]) == (200, "HIT"), "the CDN still serves it"

    rq.work("purge")
    row = PurgeRequest.objects.get(asset_id=asset.id)
    assert (row.status, row.attempts, row.delivery_version) == ("done", 1, old_version)
    assert sorted(row.urls) == old_urls
    assert "Invalidated 6 objects" in row.result  # the surrogate-key purge found them all

    # (3) The next fetch misses and the origin answers 404.
    assert_purged(varnish, old_urls)

    # (4) Re-approval: new URLs (new delivery_version) are served; the old ones stay dead.
    workflow.approve(asset)
    new_urls = public_urls(asset)
    assert len(new_urls) == 6 and not set(new_urls) & set(old_urls)
    assert all(f"/{asset.delivery_version}/" in u for u in new_urls)
    for url in new_urls:
        assert varnish.get(url).headers["X-Cache"] == "MISS"
        hit = varnish.get(url)
        assert (hit.status_code, hit.headers["X-Cache"]) == (200, "HIT")
    for url in old_urls:
        assert varnish.get(url).status_code == 404
    assert queue.count == 0, "re-entering public view purges nothing"
    assert PurgeRequest.objects.filter(asset_id=asset.id).count() == 1

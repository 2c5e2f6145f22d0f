"""Purges take the URLs that were actually served, collected when they died.

A republish (new recipes) and an erasure delete the rows the URLs were built from, so nothing
can re-derive them later. With the CloudFront backend (path invalidations, no surrogate keys)
against moto's CloudFront, every previously public URL, planned or on demand, must be in the
invalidations.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from aiassets.models import Asset, Provenance
from delivery import signing
from delivery.models import PurgeRequest
from moderation import workflow
from moderation.erasure import erase
from tests import images
from tests.conftest import provenance

pytestmark = [pytest.mark.django_db, pytest.mark.s3]
BASE = "https://img.example.test"


@pytest.fixture
def cdn(settings, cloudfront):
    client, distribution, options = cloudfront
    settings.DELIVERY_PUBLIC_BASE_URL = BASE
    settings.CDN_BACKENDS = {
        "cf": {"BACKEND": "delivery.cdn.cloudfront.CloudFrontBackend", "OPTIONS": options}
    }
    settings.CDN_PURGE_RETRY_INTERVALS = []
    return client, distribution


@pytest.fixture
def public_asset(ingest_now, client, django_capture_on_commit_callbacks) -> Asset:
    prov = provenance(prompt_visibility="public")
    asset = ingest_now(images.png(480, 320, seed=5), prov).asset
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    asset.refresh_from_db()
    assert asset.is_public
    on_demand = client.get(signing.transform_url(asset, 400, "jpeg"))
    assert on_demand.status_code == 200
    return asset


def served_paths(asset: Asset) -> set[str]:
    """The path of every public URL the asset serves now: planned and on-demand renditions."""
    asset.refresh_from_db()
    urls = [signing.variant_url(asset, v) for v in asset.variants.filter(status="ready")]
    assert urls and all(url.startswith(BASE + "/media/v/") for url in urls)
    return {urlsplit(url).path for url in urls}


def invalidated_paths(client, distribution: str) -> set[str]:
    listed = client.list_invalidations(DistributionId=distribution)["InvalidationList"]
    paths: set[str] = set()
    for item in listed.get("Items", []):
        answer = client.get_invalidation(DistributionId=distribution, Id=item["Id"])
        paths |= set(answer["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return paths


def assert_all_purged(before: set[str], asset: Asset, cdn) -> None:
    missing = before - invalidated_paths(*cdn)
    assert not missing, f"{len(missing)} of {len(before)} served URLs not invalidated: {missing}"
    rows = PurgeRequest.objects.filter(asset_id=asset.pk)
    assert rows and {r.status for r in rows} == {"done"}
    recorded = {urlsplit(url).path for row in rows for url in row.urls}
    assert before <= recorded, "the PurgeRequest rows hold the URLs that were sent"


def test_a_republish_invalidates_every_previously_public_url(
    cdn, public_asset, django_capture_on_commit_callbacks
):
    asset = public_asset
    before = served_paths(asset)
    assert len(before) == 7, "6 planned renditions and 1 on demand"
    Provenance.objects.filter(asset=asset).update(prompt_visibility="private")
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.republish(asset, reason="prompt made private")
    assert not before & served_paths(asset), "every rendition has a new URL"
    assert_all_purged(before, asset, cdn)


def test_an_erasure_invalidates_every_previously_public_url(
    cdn, public_asset, django_capture_on_commit_callbacks
):
    asset = public_asset
    before = served_paths(asset)
    with django_capture_on_commit_callbacks(execute=True):
        report = erase(asset.pk, "GDPR request")
    assert report.ok and not asset.variants.exists()
    assert_all_purged(before, asset, cdn)


def test_a_reject_invalidates_the_urls_of_the_version_that_died(
    cdn, public_asset, django_capture_on_commit_callbacks
):
    asset = public_asset
    before = served_paths(asset)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(asset, reason_code="quality")
    assert_all_purged(before, asset, cdn)
    assert PurgeRequest.objects.filter(asset_id=asset.pk).count() == 1

"""Metric values change when events happen, read back from /metrics with prometheus_client's
text parser (before/after deltas: the process's counters outlive a test)."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from delivery import purges, signing
from delivery.models import PurgeRequest
from moderation import workflow
from moderation.models import Decision
from tests import images
from tests.delivery.helpers import make_public

from .conftest import make_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("boss", "boss@example.test", "pw")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ingest_counts_and_build_histogram(scrape, ingest_now):
    before = scrape()
    asset = ingest_now(images.png(400, 300, seed=71)).asset
    after = scrape()
    created = ("aiassets_ingests_total", {"outcome": "created"})
    assert after.get(created[0], **created[1]) == before.get(created[0], **created[1]) + 1
    builds = "aiassets_variant_build_seconds_count"
    assert after.get(builds) == before.get(builds) + 1
    assert after.types["aiassets_variant_build_seconds"] == "histogram"
    ready = asset.variants.filter(status="ready").count()
    assert ready == asset.variants.count() > 0
    assert (
        after.get("aiassets_variants", status="ready")
        == before.get("aiassets_variants", status="ready") + ready
    )
    assert after.get("aiassets_variants", status="pending") == 0

    ingest_now(images.png(400, 300, seed=71))  # the same bytes again: a duplicate, no build
    again = scrape()
    assert (
        again.get("aiassets_ingests_total", outcome="duplicate")
        == after.get("aiassets_ingests_total", outcome="duplicate") + 1
    )
    assert again.get(builds) == after.get(builds)


def test_origin_responses_200_then_304(scrape, client, ingest_now):
    asset = make_public(ingest_now(images.png(400, 300, seed=72)).asset)
    url = signing.variant_url(asset, asset.variants.get(width=320, format="webp"))
    before = scrape()
    first = client.get(url)
    assert first.status_code == 200
    mid = scrape()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    after = scrape()

    name = "aiassets_origin_responses_total"
    assert (
        mid.get(name, status="200", kind="variant")
        == before.get(name, status="200", kind="variant") + 1
    )
    assert mid.get(name, status="304", kind="variant") == before.get(
        name, status="304", kind="variant"
    )
    assert (
        after.get(name, status="304", kind="variant")
        == before.get(name, status="304", kind="variant") + 1
    )
    assert after.get(name, status="200", kind="variant") == mid.get(
        name, status="200", kind="variant"
    )


def test_decisions_by_verdict_and_actor(scrape, superuser):
    asset = make_asset()
    before = scrape()
    workflow.approve(asset, by=superuser)
    mid = scrape()
    workflow.reject(asset, kind="system", reason_code="other")
    after = scrape()

    name = "aiassets_moderation_decisions_total"
    assert (
        mid.get(name, verdict="approve", actor_kind="user")
        == before.get(name, verdict="approve", actor_kind="user") + 1
    )
    assert mid.get(name, verdict="reject", actor_kind="system") == before.get(
        name, verdict="reject", actor_kind="system"
    )
    assert (
        after.get(name, verdict="reject", actor_kind="system")
        == before.get(name, verdict="reject", actor_kind="system") + 1
    )
    assert after.types["aiassets_moderation_decisions"] == "counter"
    # Every verdict × actor kind is exposed from zero, so rate() sees the first one.
    assert before.has(name, verdict="take_down", actor_kind="classifier")


def test_review_queue_and_time_in_review(scrape):
    now = timezone.now()
    empty = scrape()
    assert empty.get("aiassets_review_queue_length") == 0
    assert empty.get("aiassets_review_queue_oldest_age_seconds") == 0
    assert empty.get("aiassets_time_in_review_samples") == 0

    waiting = make_asset(created_at=now - timedelta(hours=5), moderation_status="in_review")
    Decision.objects.create(
        asset=waiting,
        actor_kind="classifier",
        verdict="review",
        from_status="pending",
        to_status="in_review",
        created_at=now - timedelta(hours=2),
    )
    make_asset(created_at=now - timedelta(minutes=30), moderation_status="in_review")
    # Two decided items: in review for 60 and 180 seconds.
    for seconds in (60, 180):
        done = make_asset(created_at=now - timedelta(hours=3), moderation_status="approved")
        entered = now - timedelta(hours=1)
        Decision.objects.create(
            asset=done,
            actor_kind="classifier",
            verdict="review",
            from_status="pending",
            to_status="in_review",
            created_at=entered,
        )
        Decision.objects.create(
            asset=done,
            actor_kind="user",
            verdict="approve",
            from_status="in_review",
            to_status="approved",
            created_at=entered + timedelta(seconds=seconds),
        )

    snap = scrape()
    assert snap.get("aiassets_review_queue_length") == 2
    # The longest wait counts from the entering decision (2 h), not from creation (5 h).
    assert 2 * 3600 <= snap.get("aiassets_review_queue_oldest_age_seconds") < 2 * 3600 + 60
    assert snap.get("aiassets_time_in_review_samples") == 2
    assert snap.get("aiassets_time_in_review_seconds", quantile="0.5") == pytest.approx(120)
    assert snap.get("aiassets_time_in_review_seconds", quantile="0.99") == pytest.approx(178.8)


def test_purges_by_status_failures_and_latency(scrape, settings):
    settings.CDN_BACKENDS = {}
    settings.DELIVERY_PUBLIC_BASE_URL = "https://img.example.test"
    before = scrape()
    purges.purge(uuid.uuid4(), 1)  # no CDN: recorded as done at once
    settings.CDN_BACKENDS = {
        "default": {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": f"http://127.0.0.1:{closed_port()}"},
        }
    }
    report = purges.purge(uuid.uuid4(), 1, max_attempts=1)  # the CDN is unreachable
    assert report.failed and PurgeRequest.objects.filter(status="failed").count() == 1
    after = scrape()

    name = "aiassets_purge_requests"
    assert after.get(name, status="failed") == before.get(name, status="failed") + 1
    assert after.get(name, status="done") == before.get(name, status="done") + 1
    assert after.get(name, status="pending") == before.get(name, status="pending")
    assert (
        after.get("aiassets_purge_latency_samples")
        == before.get("aiassets_purge_latency_samples") + 1
    )
    assert after.has("aiassets_purge_latency_seconds", quantile="0.5")


def test_one_scrape_is_a_fixed_number_of_queries(scrape, django_assert_max_num_queries):
    for _ in range(3):
        make_asset(moderation_status="in_review")
    with django_assert_max_num_queries(7):
        scrape()


def test_multiprocess_mode_reads_the_shared_directory(scrape, tmp_path, monkeypatch):
    single = scrape()
    assert "process_cpu_seconds_total" in single.names() or "python_info" in single.names()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    multi = scrape()
    # Only what the directory holds (nothing yet) plus the scrape-time values.
    assert "python_info" not in multi.names()
    assert multi.has("aiassets_variants", status="ready")
    assert multi.has("ops_scrape_duration_seconds")


def test_openmetrics_on_request(client, metrics_token):
    response = client.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {metrics_token}",
        HTTP_ACCEPT="application/openmetrics-text; version=1.0.0",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")

"""The rollup behind /metrics and the dashboard: refreshed counts, exact decision counters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aiassets.models import Variant
from moderation.models import Decision
from moderation.queues import backfill_queued_at
from ops import rollups
from ops.models import Rollup

pytestmark = pytest.mark.django_db


def test_snapshot_counts_decisions_exactly_across_refreshes(population):
    assets = population(40)
    first = rollups.snapshot()
    assert first.variants is None and first.refreshed_at is None
    total = Decision.objects.count()
    assert sum(first.decisions.values()) == total

    later = timezone.now() + timedelta(minutes=5)  # every decision so far has settled
    snap = rollups.refresh(later)
    assert sum(snap.decisions.values()) == total
    assert snap.variants == {"ready": Variant.objects.count()}
    Decision.objects.create(
        asset=assets[0],
        actor_kind="system",
        verdict="take_down",
        from_status="approved",
        to_status="taken_down",
    )
    after = rollups.snapshot()
    assert sum(after.decisions.values()) == total + 1
    assert after.decisions[("take_down", "system")] >= 1
    rollups.refresh(later + timedelta(minutes=5))
    assert sum(rollups.snapshot().decisions.values()) == total + 1  # counted once, not twice


def test_variant_counts_are_as_of_the_last_refresh(population):
    population(10)
    rollups.refresh()
    before = rollups.snapshot().variants["ready"]
    Variant.objects.filter(pk=Variant.objects.first().pk).update(status="failed")
    assert rollups.snapshot().variants["ready"] == before
    rollups.refresh()
    assert rollups.snapshot().variants == {"ready": before - 1, "failed": 1}
    assert Rollup.objects.filter(name="variants").count() == 2


def test_a_status_change_stamps_queued_at_and_backfill_fills_older_rows(population):
    assets = population(20)
    asset = assets[1]
    moment = timezone.now() - timedelta(hours=3)
    Decision.objects.create(
        asset=asset,
        actor_kind="system",
        verdict="review",
        from_status="approved",
        to_status="in_review",
        created_at=moment,
    )
    asset.refresh_from_db()
    assert asset.queued_at == moment
    type(asset).objects.filter(moderation_status="in_review").update(queued_at=None)
    assert backfill_queued_at(batch=1000) >= 1
    asset.refresh_from_db()
    assert asset.queued_at == moment, "from its latest status change"
    assert backfill_queued_at() == 0

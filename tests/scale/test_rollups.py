"""The rollup behind /metrics and the dashboard: exact counters, refreshed incrementally."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aiassets.models import Variant
from moderation.models import Decision
from moderation.queues import backfill_queued_at
from ops import rollup_triggers, rollups
from ops.models import Rollup, RollupDelta

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


def test_variant_counts_follow_every_change_and_refresh_folds_them(population):
    population(10)
    rollups.refresh()
    before = rollups.snapshot().variants["ready"]
    assert before == Variant.objects.count() and not RollupDelta.objects.exists()
    Variant.objects.filter(pk=Variant.objects.first().pk).update(status="failed")
    assert rollups.snapshot().variants == {"ready": before - 1, "failed": 1}  # exact already
    rollups.refresh()
    assert rollups.snapshot().variants == {"ready": before - 1, "failed": 1}
    assert Rollup.objects.filter(name="variants").count() == 2
    assert not RollupDelta.objects.exists(), "folded deltas are deleted"


def test_every_kind_of_write_is_counted(population):
    """Triggers see what signals would not: bulk_create, queryset update, cascade, raw SQL."""
    assets = population(6)
    rollups.refresh()
    Variant.objects.filter(asset=assets[0]).update(status="pending")
    Variant.objects.filter(asset=assets[1], width=320).delete()
    Variant.objects.filter(asset=assets[2]).update(updated_at=timezone.now())  # no status change
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aiassets_variant SET status = 'failed' WHERE asset_id = %s AND width = 640",
            [assets[3].pk.hex if connection.vendor == "sqlite" else assets[3].pk],
        )
    Variant.objects.filter(asset=assets[5]).delete()
    live = Counter(dict(Variant.objects.order_by().values_list("status").annotate(n=Count("id"))))
    assert rollups.snapshot().variants == live
    assert rollups.refresh().variants == live


def test_an_incremental_refresh_never_reads_the_variants_table(population):
    """After the first (full) count, a refresh reads only the deltas: its cost follows the
    changes since the last one, the same at 10k rows as at 10M."""
    population(12)
    rollups.refresh()
    Variant.objects.filter(pk=Variant.objects.first().pk).update(status="failed")
    with CaptureQueriesContext(connection) as captured:
        rollups.refresh()
    assert not [q for q in captured.captured_queries if "aiassets_variant" in q["sql"]]
    with CaptureQueriesContext(connection) as full:
        rollups.refresh(full=True)
    assert any("aiassets_variant" in q["sql"] for q in full.captured_queries)


def test_triggers_are_installed_once_and_reinstalling_clears_the_rollup(population):
    population(3)
    rollups.refresh()
    assert rollup_triggers.installed(connection) == set(rollup_triggers.TRIGGERS)
    assert rollup_triggers.install(connection) is False  # already there: nothing touched
    assert Rollup.objects.filter(name="variants").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER ops_variant_rollup_del"
            + (" ON aiassets_variant" if connection.vendor == "postgresql" else "")
        )
    assert rollup_triggers.install(connection) is True
    assert rollups.snapshot().variants is None, "uncounted changes: counted in full next time"
    assert rollups.refresh().variants == {"ready": Variant.objects.count()}


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


def _live_statuses() -> Counter:
    from aiassets.models import Asset

    rows = Asset.objects.order_by().values_list("moderation_status").annotate(n=Count("pk"))
    return Counter(dict(rows))


def test_assets_by_moderation_status_follow_every_change(population):
    """The review queue's length comes from a rollup kept by triggers on the asset table:
    exact after a decision, a bulk update or a delete, before and after the refresh."""
    from aiassets.models import Asset
    from moderation import workflow
    from ops import queries

    assets = population(40)
    assert rollups.snapshot().assets is None  # counted live until the first refresh
    rollups.refresh()
    assert rollups.snapshot().assets == _live_statuses()
    queued = [a for a in assets if a.moderation_status == "in_review"]
    workflow.approve(queued[0], kind="system")
    Asset.objects.filter(pk=queued[1].pk).update(moderation_status="rejected")
    decided = set(Decision.objects.values_list("asset_id", flat=True))
    Asset.objects.filter(pk=next(a.pk for a in assets if a.pk not in decided)).delete()
    Asset.objects.filter(pk=assets[1].pk).update(title="renamed")  # no status change
    snap = rollups.snapshot()
    assert snap.assets == _live_statuses()
    length, oldest = queries.review_queue(snap)
    live = Asset.objects.filter(moderation_status="in_review")
    assert length == live.count() == len(queued) - 2
    assert oldest == min(a.queued_at for a in live)
    assert rollups.refresh().assets == _live_statuses()

"""The healing pieces, in-process against the test Redis (the fault suite runs them for real
in worker processes): abandoned jobs, dead scheduler locks, lost jobs, purge backoff."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from aiassets import jobhealth, renditions
from aiassets.models import Asset, Variant
from delivery import purges
from delivery.models import PurgeRequest
from moderation import jobs as moderation_jobs
from ops import healing
from tests import images

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def abandon(rq, queue_name: str, job_id: str, *, beat_age: float | None = None) -> None:
    """Make ``job_id`` look started by a worker: a dead one, or (``beat_age``) a live one."""
    queue = rq.queue(queue_name)
    queue.remove(job_id)
    conn = rq.connection
    conn.zadd(f"rq:wip:{queue_name}", {f"{job_id}:ex1": time.time() + 600})
    conn.hset(f"rq:job:{job_id}", "status", "started")
    if beat_age is not None:
        beat = time.time() - beat_age
        conn.hset(
            f"rq:execution:{job_id}:ex1", mapping={"worker_name": "w1", "last_heartbeat": beat}
        )
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(beat))
        conn.hset("rq:worker:w1", mapping={"last_heartbeat": stamp})


def test_an_abandoned_build_is_recovered_and_built(rq, ingest_now, settings):
    asset = ingest_now(images.png(400, 300, seed=5)).asset
    job_id = renditions.job_id(asset.id)
    abandon(rq, "derivatives", job_id)
    assert rq.queue("derivatives").job_ids == []
    assert jobhealth.recover_abandoned() == [job_id]
    assert rq.queue("derivatives").job_ids == [job_id], "retried at once"
    rq.work("derivatives")
    assert set(asset.variants.values_list("status", flat=True)) == {"ready"}


def test_a_busy_worker_with_fresh_heartbeats_is_left_alone(rq, ingest_now, settings):
    settings.JOBS_HEARTBEAT_SECONDS = 10
    asset = ingest_now(images.png(400, 300, seed=6)).asset
    abandon(rq, "derivatives", renditions.job_id(asset.id), beat_age=5)
    assert jobhealth.recover_abandoned() == []
    rq.connection.hset("rq:worker:w1", "last_heartbeat", "2020-01-01T00:00:00.000000Z")
    rq.connection.hset(f"rq:execution:{renditions.job_id(asset.id)}:ex1", "last_heartbeat", 1.0)
    assert jobhealth.recover_abandoned() == [renditions.job_id(asset.id)]


def test_reconcile_requeues_a_build_whose_worker_died(
    rq, ingest_now, django_capture_on_commit_callbacks
):
    asset = ingest_now(images.png(400, 300, seed=7)).asset
    job_id = renditions.job_id(asset.id)
    abandon(rq, "derivatives", job_id)
    rq.connection.hset(f"rq:job:{job_id}", "retries_left", 0)  # no retries left: failed
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_variants", "--no-progress", "--stale-minutes", "0")
    assert rq.queue("derivatives").job_ids == [job_id]
    rq.work("derivatives")
    assert set(asset.variants.values_list("status", flat=True)) == {"ready"}


@pytest.mark.moderation
def test_healing_requeues_builds_and_classification_that_redis_lost(
    rq, ingest_now, django_capture_on_commit_callbacks
):
    asset = ingest_now(images.png(400, 300, seed=8)).asset
    rq.connection.flushdb()  # a Redis restart: every job is gone
    old = timezone.now() - timedelta(minutes=5)
    Variant.objects.update(updated_at=old)
    Asset.objects.update(created_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        report = healing.heal()
    assert (report["variants"], report["moderation"]) == (1, 1)
    assert rq.queue("derivatives").job_ids == [renditions.job_id(asset.id)]
    assert rq.queue("moderation").job_ids == [moderation_jobs.job_id(asset.id)]
    assert healing.heal()["variants"] == 0, "a queued job is not queued twice"


def test_a_dead_scheduler_lock_is_released_and_a_live_one_kept(rq):
    conn = rq.connection
    conn.set("rq:scheduler-lock:purge", "ghost")
    conn.set("rq:scheduler-lock:moderation", "alive")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    conn.hset("rq:scheduler:alive", "last_heartbeat", stamp)
    assert jobhealth.release_dead_scheduler_locks() == ["purge"]
    assert conn.get("rq:scheduler-lock:moderation") == b"alive"


def test_healing_is_enqueued_once_per_interval(rq, settings):
    settings.JOBS_HEAL_INTERVAL = 60
    assert healing.enqueue_if_due() is True
    assert healing.enqueue_if_due() is False
    assert rq.queue("default").job_ids == [healing.JOB_ID]


def test_unfinished_purges_are_due_after_their_backoff(settings):
    settings.CDN_PURGE_RETRY_INTERVALS = [2, 10]
    now = timezone.now()

    def row(asset_id: str, attempts: int, status: str, age: float) -> None:
        r = PurgeRequest.objects.create(
            asset_id=asset_id, delivery_version=1, attempts=attempts, status=status
        )
        PurgeRequest.objects.filter(pk=r.pk).update(updated_at=now - timedelta(seconds=age))

    ids = [f"00000000-0000-0000-0000-00000000000{n}" for n in range(6)]
    row(ids[0], 1, "pending", 3)  # after 2 s: due
    row(ids[1], 2, "pending", 5)  # after 10 s: not yet
    row(ids[2], 5, "failed", 11)  # the last interval repeats: due
    row(ids[3], 0, "pending", 60)  # never tried: its job was lost
    row(ids[4], 3, "done", 600)
    row(ids[5], 0, "pending", 1)  # just made: its job is on the way
    due = {a for a, _ in purges.due_rounds(grace=30)}
    assert due == {ids[0], ids[2], ids[3]}
    assert [purges.retry_delay(n) for n in (1, 2, 3, 9)] == [2, 10, 10, 10]


def test_a_job_lost_again_and_again_is_left_alone_past_the_daily_limit(
    rq, ingest_now, settings, django_capture_on_commit_callbacks
):
    settings.JOBS_HEAL_MAX_REQUEUES = 2
    ingest_now(images.png(400, 300, seed=9))
    Variant.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    counts = []
    for _ in range(3):
        rq.queue("derivatives").empty()  # the job dies (a poison image) or is lost again
        with django_capture_on_commit_callbacks(execute=True):
            counts.append(healing.stale_variants())
    assert counts == [1, 1, 0]


def test_a_partial_job_record_left_by_a_redis_restart_is_replaced(
    rq, ingest_now, django_capture_on_commit_callbacks
):
    """A worker that outlived a Redis restart writes its job's status into a record that is
    gone: the id then holds a partial hash, which neither RQ nor healing may trip over."""
    asset = ingest_now(images.png(400, 300, seed=10)).asset
    job_id = renditions.job_id(asset.id)
    rq.connection.flushdb()
    rq.connection.hset(f"rq:job:{job_id}", mapping={"status": "started"})
    rq.connection.zadd("rq:wip:derivatives", {f"{job_id}:ex9": time.time() + 600})
    assert jobhealth.recover_abandoned() == [job_id]
    Variant.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert healing.stale_variants() == 1
    assert rq.queue("derivatives").job_ids == [job_id]
    rq.work("derivatives")
    assert set(asset.variants.values_list("status", flat=True)) == {"ready"}

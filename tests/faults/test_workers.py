"""Faults in the job system, healed with no manual command (issue 15): work horses killed
mid-build, and Redis restarted (losing every job) during ingests."""

from __future__ import annotations

import os
import signal
import time

import pytest

from aiassets.models import Asset, ModerationStatus, Variant
from tests import images
from tests.faults.conftest import wait_until

pytestmark = [pytest.mark.fault, pytest.mark.redis, pytest.mark.slow]


def every_variant_ready(expected_assets: int, per_asset: int) -> bool:
    """every asset has all its variants, and each is ready"""
    rows = list(Variant.objects.values_list("asset_id", "status"))
    assets = {a for a, _ in rows}
    return (
        len(assets) == expected_assets
        and len(rows) == expected_assets * per_asset
        and all(s == Variant.Status.READY for _, s in rows)
    )


def per_asset(settings) -> int:
    return len(settings.DERIVATIVE_WIDTHS) * len(settings.DERIVATIVE_FORMATS)


def test_killing_a_work_horse_mid_build_ten_times_loses_nothing(settings, workers, ingest_now):
    settings.DERIVATIVE_RETRY_INTERVALS = [1]  # retries go through the RQ scheduler
    builds = workers.start("builds")
    workers.start("fast")
    for seed in range(5):
        ingest_now(images.jpeg(1400, 1050, seed=seed))
    kills = 0
    while kills < 10:
        wait_until(lambda w=builds: workers.horse(w), timeout=60, step=0.02)
        time.sleep(0.15)  # mid-build
        horse = workers.horse(builds)
        if horse is None:
            continue  # it finished first
        if kills % 2 == 0:  # the horse alone: the worker sees it die
            os.kill(horse, signal.SIGKILL)
        else:  # worker, horse and scheduler: the supervisor starts a new worker
            workers.kill(builds)
            builds = workers.start("builds")
        kills += 1
    took = wait_until(lambda: every_variant_ready(5, per_asset(settings)), timeout=75)
    assert took < 75, workers.logs()


@pytest.mark.moderation
def test_redis_restart_during_ingests_loses_nothing(settings, workers, fault_rq, ingest_now):
    fast, builds = workers.start("fast"), workers.start("builds")
    for seed in range(2):
        ingest_now(images.png(800, 600, seed=seed))
    fault_rq.stop()  # every queued job is gone with it
    for seed in range(2, 4):
        ingest_now(images.png(800, 600, seed=seed))  # stored; its jobs could not be queued
    time.sleep(2)
    fault_rq.start()
    for seed in range(4, 6):
        ingest_now(images.png(800, 600, seed=seed))

    def all_done() -> bool:
        """every asset classified and every variant built"""
        return (
            every_variant_ready(6, per_asset(settings))
            and not Asset.objects.filter(moderation_status=ModerationStatus.PENDING).exists()
        )

    wait_until(all_done, timeout=60)
    assert fast.poll() is None and builds.poll() is None, "the workers reconnected"

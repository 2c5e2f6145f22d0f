"""Queue depths come from the real Redis at scrape time; Redis down is skipped and counted."""

from __future__ import annotations

import socket

import pytest

from aiassets.queueing import enqueue

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.redis
def test_queue_depths_follow_the_jobs_in_redis(rq, scrape):
    empty = scrape()
    for name in ("derivatives", "moderation", "purge", "default"):
        assert empty.get("aiassets_queue_jobs", queue=name, state="queued") == 0
        assert empty.has("aiassets_queue_jobs", queue=name, state="failed")

    enqueue("default", "os.getpid")
    enqueue("default", "os.getpid")
    enqueue("purge", "builtins.int", "not a number")  # will fail when it runs
    queued = scrape()
    assert queued.get("aiassets_queue_jobs", queue="default", state="queued") == 2
    assert queued.get("aiassets_queue_jobs", queue="purge", state="queued") == 1
    assert queued.get("aiassets_queue_jobs", queue="derivatives", state="queued") == 0

    rq.work("default", "purge")
    worked = scrape()
    assert worked.get("aiassets_queue_jobs", queue="default", state="queued") == 0
    assert worked.get("aiassets_queue_jobs", queue="purge", state="queued") == 0
    assert worked.get("aiassets_queue_jobs", queue="purge", state="failed") == 1
    assert worked.get("aiassets_queue_jobs", queue="default", state="failed") == 0


def test_redis_down_is_skipped_and_counted(scrape, settings):
    settings.JOBS_INLINE = False
    settings.RQ_QUEUES = {
        name: {"URL": f"redis://127.0.0.1:{closed_port()}/0"} for name in settings.JOB_QUEUES
    }
    before = scrape()
    after = scrape()
    assert not any(name == "aiassets_queue_jobs" for name in after.names())
    errors = "ops_scrape_errors_total"
    assert after.get(errors, collector="queues") == before.get(errors, collector="queues") + 1
    assert after.has("aiassets_variants", status="ready")  # the rest is still served


def test_inline_jobs_have_no_queues(scrape, settings):
    settings.JOBS_INLINE = True
    first, second = scrape(), scrape()
    assert "aiassets_queue_jobs" not in second.names()
    errors = "ops_scrape_errors_total"
    assert second.get(errors, collector="queues") == first.get(errors, collector="queues")

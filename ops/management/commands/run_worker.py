"""Run one RQ worker process for a pool of queues, and keep it running through Redis outages.

    manage.py run_worker fast      # purge, moderation, default (healing): never behind builds
    manage.py run_worker builds    # derivatives only

rq's worker exits when Redis goes away. This command waits for Redis to answer again (with
backoff) and starts a fresh worker, with its scheduler, so nothing needs a person after a Redis
restart; the supervisor (deploy/systemd) restarts the process if it exits anyway. SIGTERM or
SIGINT stops it (warm: the running job finishes first).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("ops.worker")

POOLS = {
    "fast": ("purge", "moderation", "default"),  # strict priority, in this order
    "builds": ("derivatives",),
}


class Command(BaseCommand):
    help = "Run an RQ worker for a queue pool (fast | builds | queue names), reconnecting to Redis."

    def add_arguments(self, parser) -> None:
        parser.add_argument("pool", nargs="+", help="fast, builds, or queue names")
        parser.add_argument("--burst", action="store_true", help="Quit when the queues are empty.")
        parser.add_argument("--name", default=None, help="Worker name (default: random).")

    def handle(self, pool: list[str], burst: bool, name: str | None, **options) -> None:
        queues = queues_for(pool)
        if settings.JOBS_INLINE:
            raise CommandError("REDIS_URL is not set: jobs run in-process, there is no queue.")
        stopping = {"now": False}

        def stop(signum, frame) -> None:  # between runs only: rq installs its own during work()
            stopping["now"] = True
            sys.exit(0)

        delay = 1.0
        while not stopping["now"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            if not wait_for_redis(queues[0], delay):
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            worker = run_once(queues, burst, name)
            if burst or worker._stop_requested or worker._shutdown_requested_date:
                return
            logger.warning(
                "worker %s stopped (Redis lost?); starting a new one",
                worker.name,
                extra={"event": "worker.restart", "queues": list(queues)},
            )
            time.sleep(1)


def queues_for(pool: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for item in pool:
        for queue in POOLS.get(item, (item,)):
            if queue not in settings.JOB_QUEUES:
                raise CommandError(f"unknown queue or pool {queue!r}: {', '.join(POOLS)} or "
                                   f"{', '.join(settings.JOB_QUEUES)}")  # fmt: skip
            if queue not in names:
                names.append(queue)
    return tuple(names)


def wait_for_redis(queue: str, delay: float) -> bool:
    import django_rq
    from redis.exceptions import RedisError

    try:
        django_rq.get_connection(queue).ping()
        return True
    except RedisError as exc:
        logger.warning("Redis is unreachable (%s); retrying in %.0f s", exc, delay)
        time.sleep(delay)
        return False


def run_once(queues: tuple[str, ...], burst: bool, name: str | None) -> Any:
    """One rq worker run, until it stops or loses Redis. Returns the worker."""
    from django.db import connections
    from django_rq.workers import get_worker
    from redis.exceptions import RedisError

    worker = get_worker(*queues, worker_class="ops.worker.Worker", name=name)
    for conn in connections.all(initialized_only=True):
        conn.close()  # never share a database connection with the forked work horses
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    except RedisError:
        logger.warning("worker %s lost Redis", worker.name)
        try:
            worker.stop_scheduler() if worker.scheduler else None
        except Exception:  # the scheduler process may be gone already
            logger.debug("scheduler of %s already gone", worker.name)
    return worker

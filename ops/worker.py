"""The RQ worker class every worker process of ours runs (``manage.py run_worker``).

Compared with rq's own worker it
- heartbeats every JOBS_HEARTBEAT_SECONDS while a job runs, so the healing job can tell a
  dead worker from a busy one within a few heartbeats (aiassets.jobhealth.dead_after());
- runs its maintenance (registry cleanup, taking over a free scheduler lock) every three
  heartbeats instead of every ten minutes, so a dead worker's scheduler lock, once released,
  is taken over within seconds;
- at each maintenance round (also when idle: it blocks on an empty queue for three
  heartbeats at most) releases dead scheduler locks, recovers abandoned jobs and enqueues
  the periodic healing run when it is due (ops.healing.enqueue_if_due).
"""

from __future__ import annotations

import logging
from typing import Any

from rq import Worker as RQWorker

from aiassets import jobhealth

logger = logging.getLogger(__name__)


class Worker(RQWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        beat = jobhealth.heartbeat_seconds()
        kwargs.setdefault("job_monitoring_interval", beat)
        kwargs.setdefault("maintenance_interval", 3 * beat)
        # rq blocks on an empty queue for worker_ttl - 15 s; maintenance runs between blocks
        kwargs["worker_ttl"] = 3 * beat + 15
        super().__init__(*args, **kwargs)

    def run_maintenance_tasks(self) -> None:
        from . import healing

        try:  # before rq's own round, which then takes over any lock released here
            jobhealth.release_dead_scheduler_locks()
            jobhealth.recover_abandoned()
            healing.enqueue_if_due()
        except Exception:  # never let healing take the worker down
            logger.exception("healing from the worker's maintenance round failed")
        super().run_maintenance_tasks()

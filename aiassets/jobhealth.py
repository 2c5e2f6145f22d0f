"""Health of the RQ machinery itself, app-agnostic: which jobs are alive, which are abandoned.

A job is *abandoned* when it sits in a StartedJobRegistry but nothing is working on it: its
worker's key is gone, or neither the worker nor the execution has sent a heartbeat for
``dead_after()`` seconds (three heartbeat intervals: workers heartbeat every
JOBS_HEARTBEAT_SECONDS while a job runs, see ops.worker.Worker). Abandoned jobs are handed to
rq's own registry cleanup, which retries them while retries are left and fails them otherwise,
so a deterministic job id is free to be enqueued again at once instead of after its timeout.

A scheduler lock whose holder stopped heart-beating is deleted, so another worker's scheduler
takes it over at its next maintenance round (every JOBS_HEARTBEAT_SECONDS with our worker).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from django.conf import settings

from .conf import app_settings
from .queueing import ACTIVE_STATES, record_state

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> int:
    return int(app_settings.JOBS_HEARTBEAT_SECONDS)


def dead_after() -> float:
    """Seconds without a heartbeat after which a worker, execution or scheduler is dead."""
    return 3 * heartbeat_seconds() + 5


def _connection():
    import django_rq

    return django_rq.get_connection(settings.JOB_QUEUES[0])


def job_states(job_ids: list[str]) -> dict[str, str | None]:
    """Each job's status (``None`` when Redis no longer has it), in one round trip."""
    if not job_ids:
        return {}
    with _connection().pipeline() as pipe:
        for job_id in job_ids:
            pipe.hmget(f"rq:job:{job_id}", ["status", "created_at"])
        answers = pipe.execute()
    return {  # a partial record (no created_at) is no job: see queueing.record_state
        job_id: (status.decode() if isinstance(status, bytes) else status) if created else None
        for job_id, (status, created) in zip(job_ids, answers, strict=True)
    }


def inactive(job_ids: list[str]) -> list[str]:
    """The ids among ``job_ids`` that no queue, schedule or worker holds."""
    return [j for j, state in job_states(job_ids).items() if state not in ACTIVE_STATES]


def may_requeue(job_id: str) -> bool:
    """Count one healing re-enqueue of ``job_id``; False past JOBS_HEAL_MAX_REQUEUES a day.

    A job that kills its work horse every time (a poison image) is then left alone, with an
    error in the log, instead of being retried for ever."""
    limit = int(app_settings.JOBS_HEAL_MAX_REQUEUES)
    conn = _connection()
    key = f"aiassets:requeued:{job_id}"
    count = conn.incr(key)
    if count == 1:
        conn.expire(key, 86400)
    if count > limit:
        logger.error(
            "job %s was requeued by healing %d times today: left alone",
            job_id,
            limit,
            extra={"event": "jobs.requeue_limit", "job_id": job_id},
        )
        return False
    return True


def _age(stamp: bytes | str | None) -> float:
    """Seconds since an rq timestamp (epoch float, or rq's ISO format); infinite if absent."""
    if not stamp:
        return float("inf")
    text = stamp.decode() if isinstance(stamp, bytes) else str(stamp)
    try:
        return time.time() - float(text)
    except ValueError:
        when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return time.time() - when.timestamp()


def _is_abandoned(conn, composite: str) -> bool:
    execution = conn.hgetall(f"rq:execution:{composite}")
    if not execution:
        return True  # its TTL ran out: no heartbeat for a minute and more
    worker_name = (execution.get(b"worker_name") or b"").decode()
    worker = conn.hgetall(f"rq:worker:{worker_name}") if worker_name else {}
    if not worker or worker.get(b"death"):
        return True
    limit = dead_after()
    return _age(execution.get(b"last_heartbeat")) > limit and (
        _age(worker.get(b"last_heartbeat")) > limit
    )


def recover_abandoned() -> list[str]:
    """Hand every abandoned started job to rq's cleanup (retry or fail). Returns their ids."""
    import django_rq
    from rq.registry import StartedJobRegistry

    recovered: list[str] = []
    for name in settings.JOB_QUEUES:
        queue = django_rq.get_queue(name)
        registry = StartedJobRegistry(queue=queue)
        conn = queue.connection
        for raw in conn.zrange(registry.key, 0, -1):
            composite = raw.decode() if isinstance(raw, bytes) else raw
            job_id = composite.split(":", 1)[0]
            if record_state(conn, job_id) is None:  # no record left: RQ could not load it
                conn.zrem(registry.key, composite)
                recovered.append(job_id)
            elif _is_abandoned(conn, composite):
                conn.zadd(registry.key, {composite: 0}, xx=True)  # expire it now
                recovered.append(job_id)
        registry.cleanup()
    for job_id in recovered:
        logger.warning(
            "recovered abandoned job %s (its worker is gone)",
            job_id,
            extra={"event": "jobs.abandoned", "job_id": job_id},
        )
    return recovered


def release_dead_scheduler_locks() -> list[str]:
    """Delete scheduler locks whose holder sent no heartbeat for dead_after(). Returns queues."""
    conn = _connection()
    released = []
    for name in settings.JOB_QUEUES:
        key = f"rq:scheduler-lock:{name}"
        holder = conn.get(key)
        if not holder:
            continue
        holder = holder.decode() if isinstance(holder, bytes) else holder
        beat = conn.hget(f"rq:scheduler:{holder}", "last_heartbeat")
        if _age(beat) > dead_after() and conn.get(key) in (holder, holder.encode()):
            conn.delete(key)
            released.append(name)
    if released:
        logger.warning(
            "released dead scheduler locks of %s",
            released,
            extra={"event": "jobs.scheduler_lock_released", "queues": released},
        )
    return released

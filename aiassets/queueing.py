"""The one way to enqueue a job: RQ when REDIS_URL is set, in-process otherwise.

Payloads are ids only. Deterministic job ids collapse duplicates: a job with the same id that
is queued, scheduled or running is reused; a finished, failed or partial one is replaced. If
Redis is unreachable the job is logged as not enqueued and the data stays as it is (pending),
for the periodic healing (ops.healing) to pick up. Nothing is lost.

Why not Django 6's ``django.tasks``: it ships only the immediate and dummy backends, and its
API has no job ids of our choosing, no retries with backoff and no queue depth, which the
duplicate collapsing, healing and deferral here rely on. RQ stays behind this one function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

ACTIVE_STATES = {"queued", "started", "deferred", "scheduled"}


def _resolve(func: Callable[..., Any] | str) -> Callable[..., Any]:
    return import_string(func) if isinstance(func, str) else func


def enqueue(
    queue: str,
    func: Callable[..., Any] | str,
    *args: Any,
    job_id: str | None = None,
    retries: int = 0,
    retry_intervals: list[int] | None = None,
    timeout: int | None = None,
) -> str | None:
    """Enqueue ``func(*args)`` on ``queue`` now. Returns the job id, or None when run inline."""
    if settings.JOBS_INLINE:
        _run_inline(_resolve(func), args, retries)
        return None
    return _enqueue_rq(queue, func, args, job_id, retries, retry_intervals, timeout)


def enqueue_on_commit(
    queue: str, func: Callable[..., Any] | str, *args: Any, **kwargs: Any
) -> None:
    """Enqueue once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(enqueue, queue, func, *args, **kwargs))


def queue_depth(queue: str) -> int | None:
    """Jobs waiting on ``queue``; None when jobs run in-process or Redis cannot be reached."""
    if settings.JOBS_INLINE:
        return None
    import django_rq
    from redis.exceptions import RedisError

    try:
        return django_rq.get_queue(queue).count
    except RedisError:
        logger.warning("could not read the depth of queue %s", queue)
        return None


def _run_inline(func: Callable[..., Any], args: tuple[Any, ...], retries: int) -> None:
    for attempt in range(retries + 1):
        try:
            func(*args)
            return
        except Exception:
            last = attempt == retries
            logger.exception(
                "in-process job %s%s failed (attempt %d of %d)",
                getattr(func, "__name__", func),
                args,
                attempt + 1,
                retries + 1,
            )
            if last:
                return


def _enqueue_rq(
    queue_name: str,
    func: Callable[..., Any] | str,
    args: tuple[Any, ...],
    job_id: str | None,
    retries: int,
    retry_intervals: list[int] | None,
    timeout: int | None,
) -> str | None:
    import django_rq
    from redis.exceptions import RedisError
    from rq import Retry
    from rq.exceptions import DuplicateJobError

    options: dict[str, Any] = {}
    if retries:
        options["retry"] = Retry(max=retries, interval=retry_intervals or 0)
    if timeout:
        options["job_timeout"] = timeout
    try:
        queue = django_rq.get_queue(queue_name, commit_mode="auto")
        if job_id is None:
            return queue.enqueue(func, *args, **options).id
        for _ in range(3):
            try:
                return queue.enqueue(func, *args, job_id=job_id, unique=True, **options).id
            except DuplicateJobError:
                if _replace_unless_active(queue.connection, job_id):
                    return job_id
        logger.error("could not enqueue job %s on %s after 3 tries", job_id, queue_name)
        return None
    except RedisError:
        logger.exception(
            "Redis is unreachable: job %s on queue %s was not enqueued; it stays pending",
            job_id or func,
            queue_name,
        )
        return None


def record_state(conn: Any, job_id: str) -> str | None:
    """The job's status, or None when Redis has no complete record of it (a job written to
    by a worker after a Redis restart lost its record is only a partial hash)."""
    status, created = conn.hmget(f"rq:job:{job_id}", ["status", "created_at"])
    if not created or not status:
        return None
    return status.decode() if isinstance(status, bytes) else status


def _replace_unless_active(conn: Any, job_id: str) -> bool:
    """True if the job is queued, scheduled or running; otherwise delete its record (finished,
    failed or partial) so that a fresh run can take the id, and return False."""
    from rq.job import Job

    if record_state(conn, job_id) in ACTIVE_STATES:
        return True
    try:
        Job.fetch(job_id, connection=conn).delete()  # also leaves RQ's registries
    except Exception:  # no record, a partial one, or dangling executions
        conn.delete(f"rq:job:{job_id}")
    return False

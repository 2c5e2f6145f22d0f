"""Self-healing: the periodic job that makes sure no fault needs a person.

``heal()`` runs every JOBS_HEAL_INTERVAL seconds as the RQ job ``ops-heal`` on the ``default``
queue (a fast worker, never behind builds). Every worker (ops.worker.Worker) calls
``enqueue_if_due()`` at start and at each maintenance round; the first one after the interval
enqueues the run. So healing needs no scheduler process and survives a Redis restart and any
worker's death. Each run, in order:

1. recovers abandoned jobs: started, but their worker is gone (aiassets.jobhealth);
2. releases scheduler locks whose holder is dead, so a live worker takes them over;
3. re-enqueues assets with pending variants and no live build job, and releases deferred ones;
4. re-enqueues classification of pending assets with no live moderation job;
5. retries unfinished purges whose backoff is over (delivery.purges.due_rounds);
6. sweeps orphan files (see ``sweep_orphans``);
7. retries webhook deliveries whose backoff is over (webhooks.delivery.retry_due);
8. stamps queued_at on queued assets that predate it, and refreshes the metrics rollups.

Thresholds follow the heartbeats and job timeouts, not a fixed age: a started job is abandoned
after three missed heartbeats (rq itself fails one that outlives its timeout), and pending work
counts as lost once no queue, schedule or worker holds its job for a grace of three heartbeats.
Deterministic job ids make every step idempotent. A build or classification is requeued at
most JOBS_HEAL_MAX_REQUEUES times a day (a poison image is left alone, with an error logged).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from aiassets import jobhealth, orphans, renditions
from aiassets.models import Asset, ModerationStatus, Variant
from delivery import purges
from moderation import jobs as moderation_jobs
from moderation import queues as moderation_queues
from webhooks import delivery as webhook_delivery

from . import rollups
from .conf import app_settings

logger = logging.getLogger(__name__)

JOB_ID = "ops-heal"
DUE_KEY = "ops:heal:due"  # exists while the last run is less than interval() old
QUEUE = "default"


def interval() -> int:
    return int(app_settings.JOBS_HEAL_INTERVAL)


def batch() -> int:
    return int(app_settings.JOBS_HEAL_BATCH)


def grace() -> float:
    """How long pending work may go without a live job before it counts as lost."""
    return jobhealth.dead_after()


def stale_variants() -> int:
    """Schedule a build for each asset with pending variants and no live build job."""
    cutoff = timezone.now() - timedelta(seconds=grace())
    asset_ids = list(
        Variant.objects.filter(status=Variant.Status.PENDING, updated_at__lt=cutoff)
        .order_by("asset_id")
        .values_list("asset_id", flat=True)
        .distinct()[: batch()]
    )
    by_job = {renditions.job_id(a): a for a in asset_ids}
    lost = [j for j in jobhealth.inactive(list(by_job)) if jobhealth.may_requeue(j)]
    for job_id in lost:
        renditions.schedule(by_job[job_id])
    renditions.release_deferred()
    return len(lost)


def stale_moderation() -> int:
    """Schedule classification of each pending asset with no live moderation job."""
    cutoff = timezone.now() - timedelta(seconds=grace())
    asset_ids = list(
        Asset.objects.filter(moderation_status=ModerationStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[: batch()]
    )
    by_job = {moderation_jobs.job_id(a): a for a in asset_ids}
    lost = [j for j in jobhealth.inactive(list(by_job)) if jobhealth.may_requeue(j)]
    for job_id in lost:
        moderation_jobs.schedule(by_job[job_id])
    return len(lost)


def due_purges() -> int:
    """Retry each unfinished purge round whose backoff is over and that no job holds."""
    rounds = {purges.job_id(a, v): (a, v) for a, v in purges.due_rounds(grace(), batch())}
    lost = jobhealth.inactive(list(rounds))
    for job_id in lost:
        purges.schedule_resume(*rounds[job_id])
    return len(lost)


def sweep_orphans() -> Any:
    """Remove files in storage that no row names, once older than ORPHAN_GRACE_SECONDS
    (aiassets.orphans: listing by prefix, never a per-file check). JOBS_ORPHAN_SWEEP=false
    turns it off (for example while a bulk import writes files ahead of its rows)."""
    if not app_settings.JOBS_ORPHAN_SWEEP:
        return None
    return orphans.sweep().summary()


STEPS = {
    "abandoned": lambda: len(jobhealth.recover_abandoned()),
    "scheduler_locks": lambda: len(jobhealth.release_dead_scheduler_locks()),
    "variants": stale_variants,
    "moderation": stale_moderation,
    "purges": due_purges,
    "orphans": sweep_orphans,
    "webhooks": lambda: webhook_delivery.retry_due(batch()),
    "queued_at": lambda: moderation_queues.backfill_queued_at(batch()),
    "rollups": lambda: sum((rollups.refresh().variants or {}).values()),
}


def heal() -> dict[str, Any]:
    """Run every healing step; one step failing never stops the others."""
    report: dict[str, Any] = {}
    for name, step in STEPS.items():
        try:
            report[name] = step()
        except Exception as exc:
            logger.exception("healing step %s failed", name)
            report[name] = f"error: {type(exc).__name__}: {exc}"
    logger.info("healing run %s", report, extra={"event": "jobs.healed", **report})
    return report


def enqueue_if_due() -> bool:
    """Enqueue a healing run unless one ran or was enqueued less than interval() ago.

    Called by every worker at each maintenance round (ops.worker.Worker), so healing needs
    neither the RQ scheduler (whose lock may be held by a dead worker) nor a person: a Redis
    key with a TTL of interval() elects one run per interval. Returns True if one was added."""
    if settings.JOBS_INLINE:
        return False
    import django_rq

    from aiassets.queueing import enqueue

    conn = django_rq.get_connection(QUEUE)
    if not conn.set(DUE_KEY, "1", nx=True, ex=interval()):
        return False
    enqueue(QUEUE, "ops.healing.heal", job_id=JOB_ID, timeout=300)
    return True

"""Rendition jobs on the "derivatives" queue: scheduling (with back-pressure) and the job.

Jobs are enqueued as ``aiassets.renditions.jobs.build_variants``. Jobs that RQ stored under the
old dotted path ``aiassets.jobs.build_variants`` still run: aiassets/jobs.py re-exports this
function for one release.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from .. import metrics
from ..models import Variant
from ..queueing import enqueue_on_commit, queue_depth
from .build import build

logger = logging.getLogger(__name__)

JOB = "aiassets.renditions.jobs.build_variants"


class BuildFailed(Exception):
    """Some variants failed. RQ retries the job while attempts remain; after the last one the
    job lands in the failed registry, and each Variant row keeps its error."""


def build_variants(asset_id: str) -> dict[str, Any]:
    """The RQ job: build the asset's pending renditions, then let deferred builds in."""
    report = build(asset_id)
    release_deferred()  # the queue just got shorter: let deferred builds in
    if report.failed:
        state = "will retry" if report.retryable else "no attempts left"
        raise BuildFailed(f"{len(report.failed)} variant(s) failed ({state}): {report.failed}")
    return report.as_dict()


def job_id(asset_id: uuid.UUID | str) -> str:
    return f"derivatives-{asset_id}"


def schedule(asset_id: uuid.UUID | str) -> None:
    """Ask for a build of the asset's pending variants, on commit, on the derivatives queue.

    When the queue is deeper than DERIVATIVE_QUEUE_MAX_DEPTH the rows are marked deferred
    instead (visible in the admin and the metrics); release_deferred() queues them later.
    """
    limit = settings.DERIVATIVE_QUEUE_MAX_DEPTH
    depth = queue_depth("derivatives") if limit > 0 else None
    if depth is not None and depth >= limit:
        deferred = Variant.objects.filter(asset_id=asset_id, status=Variant.Status.PENDING).update(
            status=Variant.Status.DEFERRED, updated_at=timezone.now()
        )
        metrics.LIMIT_HITS.labels("derivatives_deferred").inc()
        logger.info(
            "derivatives queue is %d deep (limit %d): %d variant(s) of %s deferred",
            depth,
            limit,
            deferred,
            asset_id,
        )
        return
    enqueue_on_commit(
        "derivatives",
        JOB,
        str(asset_id),
        job_id=job_id(asset_id),
        retries=max(0, settings.DERIVATIVE_MAX_ATTEMPTS - 1),
        retry_intervals=list(settings.DERIVATIVE_RETRY_INTERVALS),
        timeout=settings.DERIVATIVE_JOB_TIMEOUT,
    )


def release_deferred(max_assets: int | None = None) -> int:
    """Queue deferred builds while the queue has room, oldest first. Returns assets queued."""
    limit = settings.DERIVATIVE_QUEUE_MAX_DEPTH
    depth = queue_depth("derivatives") if limit > 0 else 0
    room = (limit - depth) if limit > 0 and depth is not None else max_assets or 100
    if max_assets is not None:
        room = min(room, max_assets)
    if room <= 0:
        return 0
    asset_ids = list(
        Variant.objects.filter(status=Variant.Status.DEFERRED)
        .order_by("updated_at")
        .values_list("asset_id", flat=True)
        .distinct()[: room * 20]
    )
    released: list = []
    for asset_id in asset_ids:
        if asset_id in released:
            continue
        Variant.objects.filter(asset_id=asset_id, status=Variant.Status.DEFERRED).update(
            status=Variant.Status.PENDING, updated_at=timezone.now()
        )
        schedule(asset_id)
        released.append(asset_id)
        if len(released) >= room:
            break
    return len(released)

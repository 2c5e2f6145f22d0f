"""The purge service: which URLs and keys die with a delivery version, and sending them.

A purge round is one PurgeRequest row per configured CDN backend. ``purge()`` resumes the
pending rows of a round (an RQ retry, or an admin "retry") or opens a new round, tries each
pending row once and records the outcome. Rows reach ``failed`` after CDN_PURGE_MAX_ATTEMPTS
tries; the admin can send them back to ``pending``.
"""

from __future__ import annotations

import copy
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from aiassets.models import Asset

from .cdn import PurgeError, get_backends
from .metrics import PURGE_ATTEMPTS
from .models import PurgeRequest
from .signing import variant_path

logger = logging.getLogger(__name__)


def surrogate_key(asset_id: uuid.UUID | str) -> str:
    """The key the origin view sends in ``xkey``/``Surrogate-Key``."""
    return f"asset-{asset_id}"


def job_id(asset_id: uuid.UUID | str, delivery_version: int) -> str:
    """Deterministic (letters, digits, ``-`` only) so duplicate requests collapse."""
    return f"purge-{asset_id}-v{int(delivery_version)}"


def urls_for(asset_id: uuid.UUID | str, delivery_version: int) -> list[str]:
    """Every public variant URL the asset had under ``delivery_version`` (sorted)."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        return []  # deleted: the surrogate key still reaches every cached object
    old = copy.copy(asset)
    old.delivery_version = int(delivery_version)
    base = settings.DELIVERY_PUBLIC_BASE_URL.rstrip("/")
    return sorted({base + variant_path(old, v) for v in asset.variants.all()})


@dataclass
class PurgeReport:
    asset_id: str
    delivery_version: int
    done: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)  # backend -> error, will retry
    failed: dict[str, str] = field(default_factory=dict)  # backend -> error, no tries left
    results: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.pending and not self.failed


def _open_round(asset_id: str, version: int) -> list[PurgeRequest]:
    urls, keys = urls_for(asset_id, version), [surrogate_key(asset_id)]
    aliases = list(settings.CDN_BACKENDS or {}) or [""]
    return [
        PurgeRequest.objects.create(
            backend=alias,
            asset_id=asset_id,
            delivery_version=version,
            urls=urls,
            surrogate_keys=keys,
        )
        for alias in aliases
    ]


def purge(
    asset_id: uuid.UUID | str,
    delivery_version: int,
    *,
    new_round: bool = False,
    max_attempts: int | None = None,
) -> PurgeReport:
    """Purge the asset's URLs under ``delivery_version`` and its surrogate key from every CDN.

    Resumes the pending rows of the current round, or opens a new round (always with
    ``new_round``). A row that fails its ``max_attempts``-th try (default
    CDN_PURGE_MAX_ATTEMPTS) is marked failed; before that it stays pending for the next try.
    """
    asset_id, version = str(asset_id), int(delivery_version)
    limit = max_attempts or settings.CDN_PURGE_MAX_ATTEMPTS
    report = PurgeReport(asset_id, version)
    rows = list(
        PurgeRequest.objects.filter(
            asset_id=asset_id, delivery_version=version, status=PurgeRequest.Status.PENDING
        ).order_by("id")
    )
    if new_round or not rows:
        rows = _open_round(asset_id, version)
    backends = get_backends()
    for row in rows:
        _attempt(row, backends, report, limit)
    return report


def resume(asset_id: uuid.UUID | str, delivery_version: int) -> PurgeReport:
    """Try the round's unfinished rows (pending or failed) once more; never opens a new round.

    Healing calls this for rounds whose retry is due (see ``due_rounds``), so a purge that
    failed while the CDN was down is retried until it is done."""
    report = PurgeReport(str(asset_id), int(delivery_version))
    rows = PurgeRequest.objects.filter(
        asset_id=asset_id,
        delivery_version=int(delivery_version),
        status__in=[PurgeRequest.Status.PENDING, PurgeRequest.Status.FAILED],
    ).order_by("id")
    backends = get_backends()
    for row in rows:
        _attempt(row, backends, report, settings.CDN_PURGE_MAX_ATTEMPTS)
    return report


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th try: CDN_PURGE_RETRY_INTERVALS, whose last
    value repeats for ever (a purge is retried until it is done)."""
    intervals = list(settings.CDN_PURGE_RETRY_INTERVALS) or [60]
    return int(intervals[min(max(attempts, 1), len(intervals)) - 1])


def due_rounds(grace: float, limit: int = 500) -> list[tuple[str, int]]:
    """(asset id, delivery version) of unfinished rounds whose next try is due.

    A row never tried is due after ``grace`` seconds (its job was lost before it ran); a
    row tried n times is due retry_delay(n) seconds after its last try."""
    now = timezone.now()
    soonest = min([grace, *settings.CDN_PURGE_RETRY_INTERVALS])
    rows = (
        PurgeRequest.objects.filter(
            status__in=[PurgeRequest.Status.PENDING, PurgeRequest.Status.FAILED],
            updated_at__lte=now - timedelta(seconds=soonest),
        )
        .order_by("updated_at")
        .values_list("asset_id", "delivery_version", "attempts", "updated_at")[:limit]
    )
    due: dict[tuple[str, int], None] = {}
    for asset_id, version, attempts, updated_at in rows:
        wait = retry_delay(attempts) if attempts else grace
        if updated_at + timedelta(seconds=wait) <= now:
            due[(str(asset_id), int(version))] = None
    return list(due)


def schedule_resume(asset_id: uuid.UUID | str, delivery_version: int) -> None:
    """Enqueue ``resume`` under the round's own job id (a running purge is never doubled)."""
    from aiassets.queueing import enqueue

    enqueue(
        "purge",
        "delivery.jobs.resume_purge",
        str(asset_id),
        int(delivery_version),
        job_id=job_id(asset_id, delivery_version),
    )


def _attempt(row: PurgeRequest, backends: dict, report: PurgeReport, limit: int) -> None:
    PurgeRequest.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    row.refresh_from_db(fields=["attempts"])
    try:
        if not row.backend:
            text = "no CDN configured: nothing to purge"
        else:
            backend = backends.get(row.backend)
            if backend is None:
                raise PurgeError(f"CDN backend {row.backend!r} is no longer in CDN_BACKENDS")
            text = str(backend.purge(list(row.urls), list(row.surrogate_keys)))
    except Exception as exc:  # any backend failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"
        final = row.attempts >= limit
        row.status = PurgeRequest.Status.FAILED if final else PurgeRequest.Status.PENDING
        row.last_error, row.finished_at = error, timezone.now() if final else None
        row.save(update_fields=["status", "last_error", "finished_at", "updated_at"])
        (report.failed if final else report.pending)[row.backend] = error
        PURGE_ATTEMPTS.labels(row.backend or "none", "failed").inc()
        logger.warning(
            "purge %s attempt %d failed: %s",
            row,
            row.attempts,
            error,
            extra=_log_fields("purge.failed", row),
        )
        return
    row.status, row.result, row.finished_at = PurgeRequest.Status.DONE, text, timezone.now()
    row.save(update_fields=["status", "result", "finished_at", "updated_at"])
    report.done.append(row.backend)
    report.results.append(text)
    PURGE_ATTEMPTS.labels(row.backend or "none", "done").inc()
    logger.info("purged %s: %s", row, text, extra=_log_fields("purge.done", row))


def _log_fields(event: str, row: PurgeRequest) -> dict:
    return {
        "event": event,
        "purge_id": row.pk,
        "asset_id": str(row.asset_id),
        "backend": row.backend,
        "attempt": row.attempts,
    }


def schedule(asset_id: uuid.UUID | str, delivery_version: int) -> None:
    """Enqueue the purge job on the ``purge`` queue, once the current transaction commits."""
    from aiassets.queueing import enqueue_on_commit

    enqueue_on_commit(
        "purge",
        "delivery.jobs.purge_asset",
        str(asset_id),
        int(delivery_version),
        job_id=job_id(asset_id, delivery_version),
        retries=max(0, settings.CDN_PURGE_MAX_ATTEMPTS - 1),
        retry_intervals=list(settings.CDN_PURGE_RETRY_INTERVALS),
    )

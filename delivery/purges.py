"""The purge service: recording what must be purged when it dies, and sending exactly that.

Like Wagtail's ``PurgeBatch``, the URLs are collected by the code that makes them die, at that
moment: renditions about to be retired or erased (signal ``renditions_retiring``, before their
rows are deleted), an asset leaving public view (its ready rows under the old delivery
version). ``record()`` persists them in one PurgeRequest per configured CDN backend, with the
asset's surrogate key, and the purge job sends exactly those URLs and keys; nothing is
re-derived later. Only a purge asked for by hand (``manage.py purge_asset``, or ``purge()`` of
a version with nothing recorded) lists the asset's current rows.

``purge()`` tries each pending row of a version once and records the outcome. Rows reach
``failed`` after CDN_PURGE_MAX_ATTEMPTS tries; the admin can send them back to ``pending``.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from aiassets.models import Asset, Variant

from .cdn import PurgeError, get_backends
from .metrics import PURGE_ATTEMPTS
from .models import PurgeRequest
from .signing import public_urls, surrogate_key

logger = logging.getLogger(__name__)

__all__ = ["purge", "record", "record_left_public_view", "schedule", "surrogate_key"]


def job_id(asset_id: uuid.UUID | str, delivery_version: int) -> str:
    """Deterministic (letters, digits, ``-`` only) so duplicate requests collapse."""
    return f"purge-{asset_id}-v{int(delivery_version)}"


def urls_for(
    asset_id: uuid.UUID | str, delivery_version: int, *, ready_only: bool = False
) -> list[str]:
    """The public URLs the asset's current rows have under ``delivery_version`` (sorted)."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        return []  # deleted: the surrogate key still reaches every cached object
    old = copy.copy(asset)
    old.delivery_version = int(delivery_version)
    rows = asset.variants.all()
    if ready_only:  # and lazy ones: their URLs are in srcsets, and may be mid-build
        rows = rows.filter(status__in=[Variant.Status.READY, Variant.Status.LAZY])
    return public_urls(old, rows)


def record(
    asset_id: uuid.UUID | str, delivery_version: int, urls: Iterable[str], *, reason: str = ""
) -> list[PurgeRequest]:
    """Persist one purge batch: a pending PurgeRequest per CDN backend holding exactly
    ``urls`` and the asset's surrogate key."""
    aliases = list(settings.CDN_BACKENDS or {}) or [""]
    return [
        PurgeRequest.objects.create(
            backend=alias,
            asset_id=asset_id,
            delivery_version=int(delivery_version),
            urls=sorted(set(urls)),
            surrogate_keys=[surrogate_key(asset_id)],
            reason=reason[:100],
        )
        for alias in aliases
    ]


def record_and_schedule(
    asset_id: uuid.UUID | str, delivery_version: int, urls: Iterable[str], *, reason: str
) -> None:
    record(asset_id, delivery_version, urls, reason=reason)
    schedule(asset_id, delivery_version)


def record_left_public_view(asset_id: uuid.UUID | str, delivery_version: int) -> None:
    """The asset left public view (or its renditions changed) and every URL under
    ``delivery_version`` died: record the ready ones not recorded yet, then schedule."""
    recorded = PurgeRequest.objects.filter(asset_id=asset_id, delivery_version=delivery_version)
    known = {url for urls in recorded.values_list("urls", flat=True) for url in urls}
    new = set(urls_for(asset_id, delivery_version, ready_only=True)) - known
    if new or not recorded.exists():
        record(asset_id, delivery_version, new, reason="left public view")
    schedule(asset_id, delivery_version)


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
    """A purge asked for by hand: the asset's current rows under ``version``."""
    return record(asset_id, version, urls_for(asset_id, version), reason="by hand")


def purge(
    asset_id: uuid.UUID | str,
    delivery_version: int,
    *,
    new_round: bool = False,
    max_attempts: int | None = None,
) -> PurgeReport:
    """Send the pending purge batches of the asset's ``delivery_version`` to their CDNs.

    Batches recorded while this runs are sent too. With nothing recorded for that version at
    all (or with ``new_round``) a batch of the asset's current rows is opened first. A row
    that fails its ``max_attempts``-th try (default CDN_PURGE_MAX_ATTEMPTS) is marked failed;
    before that it stays pending for the next try.
    """
    asset_id, version = str(asset_id), int(delivery_version)
    limit = max_attempts or settings.CDN_PURGE_MAX_ATTEMPTS
    report = PurgeReport(asset_id, version)
    mine = PurgeRequest.objects.filter(asset_id=asset_id, delivery_version=version)
    if new_round or not mine.exists():
        rows = _open_round(asset_id, version)
    else:
        rows = list(mine.filter(status=PurgeRequest.Status.PENDING).order_by("id"))
    backends, tried = get_backends(), set()
    while rows:
        for row in rows:
            _attempt(row, backends, report, limit)
            tried.add(row.pk)
        fresh = mine.filter(status=PurgeRequest.Status.PENDING, attempts=0).exclude(pk__in=tried)
        rows = list(fresh.order_by("id"))
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

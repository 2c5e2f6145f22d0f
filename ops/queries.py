"""The database reads behind the metrics collector and the dashboard.

Every function is one query, whatever the data: group-bys for counts, ``values_list`` over a
bounded window (newest first, at most ``limit`` rows) for the values Python aggregates.

Time in review: an asset enters review with a decision whose ``to_status`` is in_review and
whose ``from_status`` is not (escalations stay in review), and leaves with the next decision
whose ``to_status`` is anything else. An asset in review with no entering decision (set up
outside the workflow) counts from its creation.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from aiassets.models import Asset, BuildLog, ModerationStatus, Variant
from delivery.models import PurgeRequest
from moderation.models import Decision

from . import rollups

IN_REVIEW = ModerationStatus.IN_REVIEW
SETTLING_VERDICTS = (Decision.Verdict.APPROVE, Decision.Verdict.REJECT)
HOUR_CACHE_SECONDS = 3600  # completed hours' counts (_past_and_current), until the hour ends


def _entered_review(asset_ref: str, before_ref: str | None = None) -> Subquery:
    """When the asset at ``OuterRef(asset_ref)`` last entered review (before ``before_ref``)."""
    entries = Decision.objects.filter(asset=OuterRef(asset_ref), to_status=IN_REVIEW).exclude(
        from_status=IN_REVIEW
    )
    if before_ref:
        entries = entries.filter(created_at__lte=OuterRef(before_ref))
    return Subquery(entries.order_by("-created_at", "-id").values("created_at")[:1])


def decision_counts(snapshot: rollups.Snapshot | None = None) -> Counter[tuple[str, str]]:
    """All decisions ever, by (verdict, actor kind). Decisions are append-only: true counters,
    kept in the rollup plus the decisions since its watermark (one query: the snapshot)."""
    return (snapshot or rollups.snapshot()).decisions


def review_queue(snapshot: rollups.Snapshot | None = None) -> tuple[int, datetime | None]:
    """(items in review, when the longest-waiting one entered review).

    The count from the assets-by-status rollup (exact: stored counts plus the changes not
    folded yet) once it has been refreshed, else counted; the oldest is the first entry of
    the index (moderation_status, queued_at): the stored ``queued_at`` is when the asset
    entered review (moderation.models.Decision stamps it on every status change)."""
    waiting = Asset.objects.filter(moderation_status=IN_REVIEW)
    if snapshot is not None and snapshot.assets is not None:
        n = snapshot.assets.get(IN_REVIEW, 0)
        first = waiting.filter(queued_at__isnull=False).order_by("queued_at")
        return n, first.values_list("queued_at", flat=True).first()
    head = waiting.order_by().aggregate(n=Count("pk"), oldest=Min("queued_at"))
    return head["n"], head["oldest"]


def review_entries_per_hour(since: datetime) -> Counter[tuple]:
    """{(hour,): items now in review that entered it in that local hour} since ``since``: a
    range of the index (moderation_status, queued_at), grouped in the database."""
    waiting = Asset.objects.filter(moderation_status=IN_REVIEW, queued_at__gte=since)
    return _per_hour(waiting, "queued_at")


def review_exits(since: datetime, limit: int) -> list[tuple[datetime, datetime]]:
    """(entered, left) for every item that left review since ``since``, newest first."""
    return list(
        Decision.objects.filter(from_status=IN_REVIEW, created_at__gte=since)
        .exclude(to_status=IN_REVIEW)
        .annotate(entered=Coalesce(_entered_review("asset", "created_at"), F("asset__created_at")))
        .order_by("-created_at", "-id")
        .values_list("entered", "created_at")[:limit]
    )


def purge_status_counts() -> Counter[str]:
    rows = PurgeRequest.objects.order_by().values_list("status").annotate(n=Count("id"))
    return Counter(dict(rows))


def purge_latencies(since: datetime, limit: int) -> list[float]:
    """Seconds from request to success for purges that succeeded since ``since``."""
    rows = (
        PurgeRequest.objects.filter(status=PurgeRequest.Status.DONE, finished_at__gte=since)
        .order_by("-finished_at")
        .values_list("created_at", "finished_at")[:limit]
    )
    return [(done - asked).total_seconds() for asked, done in rows]


def purge_failures(since: datetime, limit: int) -> list[datetime]:
    """When each purge that ran out of attempts since ``since`` gave up."""
    return list(
        PurgeRequest.objects.filter(status=PurgeRequest.Status.FAILED, finished_at__gte=since)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)[:limit]
    )


def variant_status_counts(snapshot: rollups.Snapshot | None = None) -> Counter[str]:
    """From the rollup (ops.rollups) when it has been refreshed; counted live until then."""
    if snapshot is not None and snapshot.variants is not None:
        return snapshot.variants
    rows = Variant.objects.order_by().values_list("status").annotate(n=Count("id"))
    return Counter(dict(rows))


def _per_hour(rows: QuerySet, field: str, *by: str) -> Counter[tuple]:
    """{(local hour start, *by values): rows}: one GROUP BY in the database, so the result is
    at most one row per hour (and group), however many rows the window holds. Hours start
    at the current time zone's hour boundaries, as the dashboard's buckets do."""
    grouped = (
        rows.order_by()
        .annotate(hour=TruncHour(field))
        .values_list("hour", *by)
        .annotate(n=Count("pk"))
    )
    return Counter({tuple(key): n for *key, n in grouped})


def _hour_start(now: datetime) -> datetime:
    """The start of the current local hour (the dashboard's last, partial bucket)."""
    local = timezone.localtime(now)
    return local.replace(minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


def _past_and_current(name: str, rows: QuerySet, field: str, since: datetime, *by: str):
    """``_per_hour`` of rows stamped when they were written (``created_at``): the completed
    hours since ``since`` are counted once and cached until the hour ends (no row can join
    an hour that is over; a deletion shows from the next hour), the current hour every time.
    A view of the dashboard then counts one hour of events, not a week of them."""
    top = _hour_start(timezone.now())
    zone = timezone.get_current_timezone_name()
    key = f"ops:per-hour:{name}:{zone}:{since.isoformat()}:{top.isoformat()}:{'/'.join(by)}"
    past = cache.get(key)
    if past is None:
        window = {f"{field}__gte": since, f"{field}__lt": top}
        past = _per_hour(rows.filter(**window), field, *by)
        cache.set(key, past, timeout=HOUR_CACHE_SECONDS)
    return past + _per_hour(rows.filter(**{f"{field}__gte": max(top, since)}), field, *by)


def ingests_per_hour(since: datetime) -> Counter[tuple]:
    """{(hour,): assets created in that hour} since ``since``."""
    return _past_and_current("ingests", Asset.objects.all(), "created_at", since)


def settling_per_hour(since: datetime) -> Counter[tuple]:
    """{(hour, verdict): approvals or rejections in that hour} since ``since``."""
    decided = Decision.objects.filter(verdict__in=SETTLING_VERDICTS)
    return _past_and_current("settling", decided, "created_at", since, "verdict")


def build_times(since: datetime, limit: int) -> list[tuple[datetime, float]]:
    """(finished, seconds) of derivative builds since ``since``."""
    return list(
        BuildLog.objects.filter(finished_at__gte=since)
        .order_by("-finished_at")
        .values_list("finished_at", "seconds")[:limit]
    )

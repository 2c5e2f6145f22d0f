"""The operations dashboard's numbers: the last 24 hours by hour and the last 7 days by day.

Eight queries in all, whatever the data, each over the 7-day window once for both windows.
Counts (ingests, approvals, rejections) are grouped per local hour in the database, so their
cost follows the week's hours, not its rows; the hours are summed into either window's
buckets here. What needs each value (build latencies, purge failures, the review intervals)
reads at most OPS_DASHBOARD_MAX_ROWS rows, newest first. The same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from . import queries, rollups
from .charts import Chart, Series, bar_chart, line_chart, number
from .stats import (
    Window,
    count_by_bucket,
    last_days,
    last_hours,
    quantile,
    sum_by_bucket,
    values_by_bucket,
)


@dataclass
class Raw:
    """The 7-day window, read once: counts per hour, and the rows whose values matter."""

    ingests: dict[datetime, int]  # hour start: assets created
    approvals: dict[datetime, int]
    rejections: dict[datetime, int]
    builds: list[tuple[datetime, float]]
    purge_failures: list[datetime]
    review: list[tuple[datetime, datetime | None]]  # (entered, left): left review since then
    waiting: OpenQueue  # what is in review now, as counts
    snapshot: rollups.Snapshot  # the rollups, read once
    truncated: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OpenQueue:
    """The items in review now, without reading them: how many, the oldest entry, and how
    many entered in each local hour of the window (the rest entered before it)."""

    total: int
    oldest: datetime | None
    per_hour: dict[datetime, int]

    def at(self, moment: datetime) -> tuple[int, float]:
        """(of the items waiting now, how many had entered review by ``moment``; the oldest
        one's wait at ``moment`` in seconds). Items of the window count from the start of
        their hour; the hours are bucket boundaries, so a bucket's end counts exactly what
        entered before it."""
        later = sum(n for hour, n in self.per_hour.items() if hour >= moment)
        count = self.total - later
        if not count or self.oldest is None or self.oldest > moment:
            return count, 0.0
        return count, (moment - self.oldest).total_seconds()


def read_open_queue(since: datetime, snapshot: rollups.Snapshot) -> OpenQueue:
    total, oldest = queries.review_queue(snapshot)
    per_hour = {hour: n for (hour,), n in queries.review_entries_per_hour(since).items()}
    return OpenQueue(total, oldest, per_hour)


def queue_load(moments: list[datetime], raw: Raw) -> list[tuple[int, float]]:
    """(items in review, oldest wait in seconds) at each of ``moments`` (ascending): those
    that have left review since (review_load over their intervals) plus those still in it."""
    out = []
    for moment, (left, left_age) in zip(moments, review_load(moments, raw.review), strict=True):
        waiting, waiting_age = raw.waiting.at(moment)
        out.append((left + waiting, max(left_age, waiting_age)))
    return out


def read(since: datetime, limit: int) -> Raw:
    snapshot = rollups.snapshot()
    settled = queries.settling_per_hour(since)
    sources = {
        "builds": queries.build_times(since, limit),
        "purge failures": queries.purge_failures(since, limit),
        "review exits": queries.review_exits(since, limit),
    }
    return Raw(
        ingests={hour: n for (hour,), n in queries.ingests_per_hour(since).items()},
        approvals={hour: n for (hour, v), n in settled.items() if v == "approve"},
        rejections={hour: n for (hour, v), n in settled.items() if v == "reject"},
        builds=sources["builds"],
        purge_failures=sources["purge failures"],
        review=sources["review exits"],
        waiting=read_open_queue(since, snapshot),
        snapshot=snapshot,
        truncated=[name for name, rows in sources.items() if len(rows) >= limit],
    )


def review_load(
    moments: list[datetime], intervals: list[tuple[datetime, datetime | None]]
) -> list[tuple[int, float]]:
    """(items in review, oldest wait in seconds) at each of ``moments`` (ascending).

    One sweep: intervals enter a heap keyed by when they entered review as the moments pass
    their start, and leave it once a moment has passed their end, so the cost is
    O((intervals + moments) log intervals), not intervals × moments (0.7 s at 1M assets).
    """
    # An item is in review from when it entered until (not at) when it left.
    starts = sorted(
        (iv for iv in intervals if iv[1] is None or iv[1] > iv[0]), key=lambda iv: iv[0]
    )
    ends = sorted(left for _, left in starts if left is not None)
    heap: list[tuple[datetime, int]] = []
    out, nxt = [], 0
    for moment in moments:
        while nxt < len(starts) and starts[nxt][0] <= moment:
            heapq.heappush(heap, (starts[nxt][0], nxt))
            nxt += 1
        while heap and (left := starts[heap[0][1]][1]) is not None and left <= moment:
            heapq.heappop(heap)
        entered = bisect.bisect_right(starts, moment, key=lambda iv: iv[0])
        count = entered - bisect.bisect_right(ends, moment)
        oldest = (moment - heap[0][0]).total_seconds() if heap else 0.0
        out.append((count, oldest))
    return out


def _hours(seconds: float) -> str:
    return number(seconds / 3600, 1)


def _fmt_pct(v: float) -> str:
    return number(v, 1) + "%"


def _moderation_series(window: Window, raw: Raw) -> dict[str, list]:
    approvals = sum_by_bucket(window, raw.approvals)
    rejections = sum_by_bucket(window, raw.rejections)
    rates = [
        (100 * r / (a + r)) if (a + r) else None for a, r in zip(approvals, rejections, strict=True)
    ]
    # Sampled at each bucket's end.
    load = queue_load([window.bucket_end(i) for i in range(len(window))], raw)
    waiting: list[float | None] = [count for count, _ in load]
    oldest: list[float | None] = [age / 3600 for _, age in load]
    return {
        "approvals": approvals,
        "rejections": rejections,
        "rates": rates,
        "oldest": oldest,
        "waiting": waiting,
    }


def window_charts(window: Window, raw: Raw) -> list[Chart]:
    labels, names, key = window.labels(), window.long_labels(), window.key
    return [
        draw(f"{ident}-{key}", title, labels, series, unit, names, **extra)
        for draw, ident, title, series, unit, extra in _chart_specs(window, raw)
    ]


def _chart_specs(window: Window, raw: Raw) -> list[tuple]:
    """(kind, id, title, series, unit, extra keyword arguments) of each chart."""
    m = _moderation_series(window, raw)
    builds = [sorted(b) for b in values_by_bucket(window, raw.builds)]
    p50 = [quantile(b, 0.5) if b else None for b in builds]
    p95 = [quantile(b, 0.95) if b else None for b in builds]
    ingests = [Series("Assets", sum_by_bucket(window, raw.ingests))]
    decisions = [
        Series("Approved", m["approvals"], "s0"),
        Series("Rejected", m["rejections"], "s1"),
    ]
    purges = [Series("Failed purges", count_by_bucket(window, raw.purge_failures), "s1")]
    return [
        (bar_chart, "ingests", "Ingest volume", ingests, "", {}),
        (bar_chart, "decisions", "Moderation throughput", decisions, "", {}),
        (
            line_chart,
            "rejection",
            "Rejection rate",
            [Series("Rejected share", m["rates"], "s1")],
            "%",
            {"fmt": _fmt_pct, "top": 100},
        ),
        (
            line_chart,
            "review-age",
            "Review queue: longest wait (hours)",
            [Series("Longest wait", m["oldest"], "s0")],
            "h",
            {},
        ),
        (
            bar_chart,
            "review-length",
            "Review queue length",
            [Series("Items in review", m["waiting"], "s2")],
            "",
            {},
        ),
        (
            line_chart,
            "build-latency",
            "Variant build latency (seconds)",
            [Series("p50", p50, "s0"), Series("p95", p95, "s1")],
            "s",
            {},
        ),
        (bar_chart, "purge-failures", "Purge failures", purges, "", {}),
    ]


def tiles(now: datetime, day: Window, raw: Raw) -> list[tuple[str, str]]:
    """Headline numbers: the queue now and the last 24 hours."""
    [(waiting, oldest)] = queue_load([now], raw)

    def in_day(per_hour: dict[datetime, int]) -> int:
        return sum(n for hour, n in per_hour.items() if hour >= day.start)

    rejected = in_day(raw.rejections)
    decided = in_day(raw.approvals) + rejected
    builds = sorted(s for t, s in raw.builds if t >= day.start)
    variants = queries.variant_status_counts(raw.snapshot)
    purges = queries.purge_status_counts()
    return [
        ("In review now", str(waiting)),
        ("Oldest wait", f"{_hours(oldest)} h"),
        ("Ingested (24 h)", str(in_day(raw.ingests))),
        ("Decided (24 h)", str(decided)),
        (
            "Rejection rate (24 h)",
            f"{number(100 * rejected / decided, 1)}%" if decided else "–",
        ),
        ("Build p50 / p95 (24 h)", _build_tile(builds)),
        (
            "Variants pending / failed",
            f"{variants.get('pending', 0)} / {variants.get('failed', 0)}",
        ),
        ("Purges pending / failed", f"{purges.get('pending', 0)} / {purges.get('failed', 0)}"),
    ]


def _build_tile(builds: list[float]) -> str:
    if not builds:
        return "–"
    return f"{number(quantile(builds, 0.5))} s / {number(quantile(builds, 0.95))} s"


def context(now: datetime | None = None) -> dict:
    """Everything the dashboard template shows."""
    now = now or timezone.now()
    day, week = last_hours(now), last_days(now)
    raw = read(min(day.start, week.start), settings.OPS_DASHBOARD_MAX_ROWS)
    return {
        "now": now,
        "tiles": tiles(now, day, raw),
        "windows": [(w, window_charts(w, raw)) for w in (day, week)],
        "truncated": raw.truncated,
        "max_rows": settings.OPS_DASHBOARD_MAX_ROWS,
    }

"""Pure helpers: quantiles and time windows cut into buckets. No database, no Django models."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

QUANTILES = (0.5, 0.9, 0.99)


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default). Needs a non-empty,
    sorted sequence."""
    if not sorted_values:
        raise ValueError("quantile of no values")
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def quantiles(values: Iterable[float], qs: Sequence[float] = QUANTILES) -> dict[float, float]:
    """{q: value}; empty when there are no values."""
    ordered = sorted(values)
    return {q: quantile(ordered, q) for q in qs} if ordered else {}


@dataclass(frozen=True)
class Window:
    """A period cut into consecutive buckets: ``starts[i]`` to ``starts[i + 1]`` (the last one
    ends at ``end``, now)."""

    key: str
    title: str
    step: str  # "hour" | "day"
    starts: tuple[datetime, ...]
    end: datetime

    @property
    def start(self) -> datetime:
        return self.starts[0]

    def __len__(self) -> int:
        return len(self.starts)

    def index(self, moment: datetime) -> int | None:
        """The bucket holding ``moment``, or None outside the window."""
        if moment < self.starts[0] or moment > self.end:
            return None
        return bisect.bisect_right(self.starts, moment) - 1

    def bucket_end(self, i: int) -> datetime:
        return self.starts[i + 1] if i + 1 < len(self.starts) else self.end

    def labels(self) -> list[str]:
        if self.step == "hour":
            return [timezone.localtime(s).strftime("%H:00") for s in self.starts]
        return [timezone.localtime(s).strftime("%a %d") for s in self.starts]

    def long_labels(self) -> list[str]:
        fmt = "%Y-%m-%d %H:00" if self.step == "hour" else "%Y-%m-%d"
        return [timezone.localtime(s).strftime(fmt) for s in self.starts]


def last_hours(now: datetime, hours: int = 24) -> Window:
    """``hours`` hourly buckets, the last one the current (partial) hour."""
    local = timezone.localtime(now)
    top = local.replace(minute=0, second=0, microsecond=0).astimezone(now.tzinfo)
    starts = tuple(top - timedelta(hours=k) for k in range(hours - 1, -1, -1))
    return Window(f"{hours}h", f"Last {hours} hours", "hour", starts, now)


def last_days(now: datetime, days: int = 7) -> Window:
    """``days`` daily buckets (local midnight to midnight), the last one today so far."""
    today = timezone.localtime(now).date()
    tz = timezone.get_current_timezone()
    starts = tuple(
        timezone.make_aware(datetime.combine(today - timedelta(days=k), time.min), tz)
        for k in range(days - 1, -1, -1)
    )
    return Window(f"{days}d", f"Last {days} days", "day", starts, now)


def count_by_bucket(window: Window, moments: Iterable[datetime]) -> list[int]:
    counts = [0] * len(window)
    for moment in moments:
        i = window.index(moment)
        if i is not None:
            counts[i] += 1
    return counts


def sum_by_bucket(window: Window, counts: dict[datetime, int]) -> list[int]:
    """Counts already grouped by a finer period (hours), summed into the window's buckets:
    an hour belongs to the bucket its start falls in."""
    sums = [0] * len(window)
    for moment, n in counts.items():
        i = window.index(moment)
        if i is not None:
            sums[i] += n
    return sums


def values_by_bucket(window: Window, rows: Iterable[tuple[datetime, float]]) -> list[list[float]]:
    buckets: list[list[float]] = [[] for _ in range(len(window))]
    for moment, value in rows:
        i = window.index(moment)
        if i is not None:
            buckets[i].append(value)
    return buckets

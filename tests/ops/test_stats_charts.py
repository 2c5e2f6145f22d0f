"""The pure parts: quantiles, windows and buckets, chart geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ops.charts import Series, bar_chart, line_chart, nice_ceiling, number
from ops.stats import count_by_bucket, last_days, last_hours, quantile, quantiles


def test_quantiles_interpolate_between_ranks():
    assert quantile([5.0], 0.99) == 5
    assert quantile([1.0, 3.0], 0.5) == 2
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.95) == pytest.approx(3.85)
    assert quantiles([]) == {}
    assert quantiles([3, 1, 2]) == {0.5: 2, 0.9: pytest.approx(2.8), 0.99: pytest.approx(2.98)}


def test_windows_cut_hours_and_days(settings):
    settings.TIME_ZONE = "UTC"
    now = datetime(2026, 3, 10, 14, 25, tzinfo=UTC)
    day = last_hours(now)
    assert len(day) == 24
    assert day.start == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    assert day.index(now) == 23 and day.index(now - timedelta(minutes=26)) == 22
    assert day.index(day.start - timedelta(seconds=1)) is None
    assert day.index(now + timedelta(seconds=1)) is None
    assert day.bucket_end(23) == now and day.bucket_end(0) == datetime(2026, 3, 9, 16, tzinfo=UTC)
    assert day.labels()[0] == "15:00"

    week = last_days(now)
    assert len(week) == 7
    assert week.start == datetime(2026, 3, 4, tzinfo=UTC)
    assert week.index(datetime(2026, 3, 9, 23, 59, tzinfo=UTC)) == 5
    moments = [now, now - timedelta(hours=15), now - timedelta(days=6), now - timedelta(days=7)]
    assert count_by_bucket(week, moments) == [1, 0, 0, 0, 0, 1, 1]


def test_nice_numbers():
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 3, 7, 11, 240)] == [1, 0.5, 1, 5, 10, 20, 250]
    assert (number(3.0), number(2.5), number(0.1234)) == ("3", "2.5", "0.12")


def test_bars_only_for_values_and_stacked():
    chart = bar_chart(
        "c", "Things", ["a", "b", "c"], [Series("X", [2, 0, 1]), Series("Y", [1, 0, 0])]
    )
    assert [(b.series, b.value) for b in chart.bars] == [("X", "2"), ("Y", "1"), ("X", "1")]
    x_bar, y_bar = chart.bars[:2]
    assert float(y_bar.y) + float(y_bar.height) == pytest.approx(float(x_bar.y), abs=0.11)
    assert chart.rows == [("a", ["2", "1"]), ("b", ["0", "0"]), ("c", ["1", "0"])]
    assert "X: highest 2 at a." in chart.description


def test_lines_break_where_there_is_no_value():
    chart = line_chart("l", "Latency", ["a", "b", "c", "d"], [Series("p50", [1.0, None, 2.0, 3.0])])
    (line,) = chart.lines
    assert [p.value for p in line.points] == ["1", "2", "3"]
    assert line.path.count("M") == 2 and line.path.count("L") == 1
    assert chart.rows[1] == ("b", ["–"])


def test_review_load_matches_counting_every_item_at_every_moment():
    """The dashboard's one-sweep queue load equals the plain definition: an item is in
    review from when it entered until (not at) when it left; the oldest wait is the longest."""
    import random
    from datetime import UTC, datetime, timedelta

    from ops.dashboard import review_load

    rng = random.Random(7)
    base = datetime(2026, 11, 1, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return base + timedelta(minutes=minutes)

    intervals = []
    for _ in range(400):
        entered = rng.randrange(0, 2000)
        left = None if rng.random() < 0.3 else entered + rng.randrange(-5, 600)
        intervals.append((at(entered), None if left is None else at(left)))
    intervals += [(at(100), at(100)), (at(50), at(200))]  # empty and exact boundaries
    moments = [at(m) for m in range(0, 2400, 37)] + [at(200)]
    moments.sort()
    for moment, (count, oldest) in zip(moments, review_load(moments, intervals), strict=True):
        ages = [
            (moment - e).total_seconds()
            for e, left in intervals
            if e <= moment and (left is None or left > moment)
        ]
        assert (count, oldest) == (len(ages), max(ages, default=0.0)), moment


def test_queue_load_with_the_waiting_items_as_hourly_counts():
    """Items still in review come as counts (total, oldest, entries per hour of the window);
    at hour boundaries the load equals the plain definition over every item."""
    import random
    from collections import Counter
    from datetime import UTC, datetime, timedelta

    from ops.dashboard import OpenQueue, Raw, queue_load
    from ops.rollups import Snapshot

    rng = random.Random(11)
    since = datetime(2026, 11, 1, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return since + timedelta(minutes=minutes)

    left = [(at(e), at(e + rng.randrange(1, 900))) for e in rng.sample(range(0, 3000), 150)]
    waiting = [at(rng.randrange(-2000, 3000)) for _ in range(200)]
    per_hour: dict[datetime, int] = {}
    for entered in waiting:
        if entered >= since:
            hour = entered.replace(minute=0, second=0, microsecond=0)
            per_hour[hour] = per_hour.get(hour, 0) + 1
    nothing = Snapshot(None, Counter(), None)
    raw = Raw({}, {}, {}, [], [], left, OpenQueue(len(waiting), min(waiting), per_hour), nothing)
    moments = [at(60 * h) for h in range(0, 60)]
    everyone = [*left, *((e, None) for e in waiting)]
    for moment, got in zip(moments, queue_load(moments, raw), strict=True):
        ages = [
            (moment - e).total_seconds()
            for e, out in everyone
            if e <= moment and (out is None or out > moment) and not (e == moment and out is None)
        ]
        assert got == (len(ages), max(ages, default=0.0)), moment

"""Chart geometry for server-rendered SVG (ops/templates/ops/chart.html). Pure Python.

Coordinates and numbers are formatted here, as strings, so templates never localise them.
Bars are drawn only for non-zero values and points only where there is a value, so the marks
in an SVG are exactly the data: every mark carries ``data-value`` and a ``<title>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 30
MAX_X_LABELS = 8


def number(value: float, decimals: int = 2) -> str:
    """3 → "3", 2.5 → "2.5", 0.1234 → "0.12"."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ value (1 for nothing)."""
    if value <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if m * base >= value * (1 - 1e-9):
            return m * base
    return 10 * base  # pragma: no cover


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    css: str = "s0"


@dataclass
class Mark:
    series: str
    css: str
    value: str
    title: str
    x: str = "0"
    y: str = "0"
    width: str = "0"
    height: str = "0"


@dataclass
class Line:
    series: str
    css: str
    path: str
    points: list[Mark]


@dataclass
class Tick:
    position: str
    label: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    unit: str
    labels: list[str]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Mark] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def mark_count(self) -> int:
        return len(self.bars) + sum(len(line.points) for line in self.lines)


def _frame(
    chart: Chart, top_value: float, fmt: Callable[[float], str], integer: bool = False
) -> tuple[float, float]:
    """Axes and the data table; returns (slot width, plot height). ``integer``: no gridline
    at a fractional value."""
    n = len(chart.labels)
    plot_w = chart.plot_right - chart.plot_left
    plot_h = chart.plot_bottom - chart.plot_top
    slot = plot_w / max(n, 1)
    halves = not integer or float(top_value / 2).is_integer()
    for fraction in (0, 0.5, 1) if halves else (0, 1):
        y = chart.plot_bottom - plot_h * fraction
        chart.y_ticks.append(Tick(f"{y:.1f}", fmt(top_value * fraction)))
    every = math.ceil(n / MAX_X_LABELS) if n else 1
    for i, label in enumerate(chart.labels):
        if i % every == 0:
            chart.x_ticks.append(Tick(f"{chart.plot_left + (i + 0.5) * slot:.1f}", label))
    for i, label in enumerate(chart.labels):
        cells = [("–" if s.values[i] is None else fmt(s.values[i])) for s in chart.series]
        chart.rows.append((label, cells))
    return slot, plot_h


def _describe(title: str, labels: Sequence[str], series: Sequence[Series], unit: str) -> str:
    parts = [f"{title}, {len(labels)} buckets from {labels[0]} to {labels[-1]}."]
    for s in series:
        present = [(v, labels[i]) for i, v in enumerate(s.values) if v is not None]
        if not present:
            parts.append(f"{s.name}: no data.")
            continue
        peak, at = max(present, key=lambda pair: pair[0])
        parts.append(f"{s.name}: highest {number(peak)} {unit} at {at}.".replace("  ", " "))
    return " ".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    long_labels: Sequence[str] | None = None,
) -> Chart:
    """Stacked bars of counts, one column per bucket; series stack in the given order."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top_value = max(nice_ceiling(max(totals, default=0)), 2)
    chart = Chart(
        chart_id, title, _describe(title, labels, series, unit), unit, list(labels), list(series)
    )
    slot, plot_h = _frame(chart, top_value, number, integer=True)
    names = long_labels or labels
    for i in range(len(labels)):
        base = 0.0
        for s in series:
            value = s.values[i] or 0
            if value <= 0:
                continue
            y0 = chart.plot_bottom - plot_h * (base + value) / top_value
            height = plot_h * value / top_value
            base += value
            chart.bars.append(
                Mark(
                    series=s.name,
                    css=s.css,
                    value=number(value),
                    title=f"{names[i]}: {number(value)} {s.name.lower()}",
                    x=f"{chart.plot_left + i * slot + slot * 0.15:.1f}",
                    y=f"{y0:.1f}",
                    width=f"{slot * 0.7:.1f}",
                    height=f"{height:.1f}",
                )
            )
    return chart


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    long_labels: Sequence[str] | None = None,
    fmt: Callable[[float], str] = number,
    top: float | None = None,
) -> Chart:
    """Points joined by lines; a bucket without a value breaks the line. ``top``: a fixed
    scale (100 for percentages)."""
    peak = max((v for s in series for v in s.values if v is not None), default=0)
    top_value = top if top is not None else nice_ceiling(peak)
    chart = Chart(
        chart_id, title, _describe(title, labels, series, unit), unit, list(labels), list(series)
    )
    slot, plot_h = _frame(chart, top_value, fmt)
    names = long_labels or labels
    for s in series:
        points: list[Mark] = []
        path: list[str] = []
        previous = False
        for i, value in enumerate(s.values):
            if value is None:
                previous = False
                continue
            x = chart.plot_left + (i + 0.5) * slot
            y = chart.plot_bottom - plot_h * value / top_value
            path.append(f"{'L' if previous else 'M'}{x:.1f} {y:.1f}")
            previous = True
            points.append(
                Mark(
                    series=s.name,
                    css=s.css,
                    value=fmt(value),
                    title=f"{names[i]}: {s.name} {fmt(value)} {unit}".strip(),
                    x=f"{x:.1f}",
                    y=f"{y:.1f}",
                )
            )
        chart.lines.append(Line(s.name, s.css, " ".join(path), points))
    return chart

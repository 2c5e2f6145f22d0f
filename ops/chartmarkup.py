"""A chart's repeated markup (axis labels, bars, points, data rows) written in Python.

The ops dashboard draws 14 charts of up to 168 marks and table rows each; as template loops
they cost about 60 ms of a page budgeted at 50. Here each piece is one joined string, every
text escaped; ops/templates/ops/chart.html keeps the frame and places these pieces.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .charts import Chart


def axis(chart: Chart) -> SafeString:
    """The gridlines with their value labels, and the period labels under the plot."""
    left, right, label_x = chart.plot_left, chart.plot_right, chart.plot_left - 6
    y_ticks = (
        f'<line class="grid" x1="{left}" x2="{right}" y1="{t.position}" y2="{t.position}"/>'
        f'<text class="y-label" x="{label_x}" y="{t.position}" dy="4" text-anchor="end">'
        f"{escape(t.label)}</text>\n"
        for t in chart.y_ticks
    )
    x_ticks = (
        f'<text class="x-label" x="{t.position}" y="{chart.height - 10}" '
        f'text-anchor="middle">{escape(t.label)}</text>\n'
        for t in chart.x_ticks
    )
    return mark_safe("".join(y_ticks) + "".join(x_ticks))  # noqa: S308 (every text escaped)


def bars(chart: Chart) -> SafeString:
    return mark_safe(  # noqa: S308 (every text escaped)
        "".join(
            f'<rect class="bar {escape(b.css)}" x="{b.x}" y="{b.y}" width="{b.width}" '
            f'height="{b.height}" data-series="{escape(b.series)}" '
            f'data-value="{escape(b.value)}"><title>{escape(b.title)}</title></rect>\n'
            for b in chart.bars
        )
    )


def lines(chart: Chart) -> SafeString:
    """Each series' path and its points (a point per bucket with a value)."""
    parts = []
    for line in chart.lines:
        if line.path:
            parts.append(
                f'<path class="line {escape(line.css)}" d="{line.path}" aria-hidden="true"/>\n'
            )
        parts.extend(
            f'<circle class="point {escape(p.css)}" cx="{p.x}" cy="{p.y}" r="3.5" '
            f'data-series="{escape(p.series)}" data-value="{escape(p.value)}">'
            f"<title>{escape(p.title)}</title></circle>\n"
            for p in line.points
        )
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped)


def rows(chart: Chart) -> SafeString:
    """The data table's body: a row per period, a cell per series."""
    return mark_safe(  # noqa: S308 (every text escaped)
        "".join(
            f'<tr><th scope="row">{escape(label)}</th>'
            + "".join(f"<td>{escape(cell)}</td>" for cell in cells)
            + "</tr>"
            for label, cells in chart.rows
        )
    )

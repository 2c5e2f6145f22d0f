"""``{% chart_axis chart %}`` and friends: ops.chartmarkup's pieces, for ops/chart.html."""

from __future__ import annotations

from django import template

from ops import chartmarkup

register = template.Library()

register.simple_tag(chartmarkup.axis, name="chart_axis")
register.simple_tag(chartmarkup.bars, name="chart_bars")
register.simple_tag(chartmarkup.lines, name="chart_lines")
register.simple_tag(chartmarkup.rows, name="chart_rows")

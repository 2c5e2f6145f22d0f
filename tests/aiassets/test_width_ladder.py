"""The default width ladder is slot-aware: the gallery's own slots (from its ``sizes``) and the
phone range each get a rung at most about 10 % wider than they need."""

from __future__ import annotations

import re

import pytest

from aiassets import imaging
from aiassets.conf import DEFAULTS
from public.views import DETAIL_SIZES, GRID_SIZES

LADDER = DEFAULTS["DERIVATIVE_WIDTHS"]
GALLERY_VIEWPORTS = (390, 768, 1280, 1920)
PHONES = range(320, 415)


def slot(sizes: str, viewport: int) -> float:
    """The CSS px a ``sizes`` attribute gives at ``viewport`` (min-width media, px, vw, calc)."""
    for entry in (part.strip() for part in sizes.split(",")):
        media = re.match(r"\(min-width: (\d+)px\)\s*(.*)", entry)
        if media and viewport < int(media.group(1)):
            continue
        length = media.group(2) if media else entry
        expr = length.replace("calc", "").replace("px", "").replace("100vw", str(viewport))
        return float(eval(expr, {"__builtins__": {}}))  # noqa: S307 - our own constant
    raise AssertionError(f"no entry of {sizes!r} applies at {viewport}px")


def rung(need: float, source: int = 2560) -> int:
    planned = imaging.plan_widths(source, LADDER)
    return next((w for w in planned if w >= need), planned[-1])


def test_the_slot_parser_reads_the_gallery_sizes():
    assert [slot(GRID_SIZES, vw) for vw in GALLERY_VIEWPORTS] == [358, 360, 300, 330]
    assert slot(DETAIL_SIZES, 1280) == 1200


@pytest.mark.parametrize("dpr", [1, 2])
@pytest.mark.parametrize("viewport", GALLERY_VIEWPORTS)
def test_every_gallery_slot_gets_a_rung_within_10_percent(viewport, dpr):
    need = slot(GRID_SIZES, viewport) * dpr
    assert need <= rung(need) <= need * 1.10, (viewport, dpr, need, rung(need))


@pytest.mark.parametrize("dpr", [1, 2])
def test_every_phone_gets_a_rung_within_about_10_percent(dpr):
    """Full-width pictures on 320-414 px phones. Only the 320 px viewport (a 288 px slot)
    lands at 11 %: a rung below 320 would serve almost nobody else."""
    for viewport in PHONES:
        need = slot(GRID_SIZES, viewport) * dpr
        assert need <= rung(need) <= need * 1.112, (viewport, dpr, need, rung(need))


def test_the_detail_page_gets_a_rung_within_10_percent():
    for viewport, dpr in [(1280, 1), (1280, 2), (768, 1), (768, 2), (390, 1), (390, 2)]:
        need = slot(DETAIL_SIZES, viewport) * dpr
        assert need <= rung(need) <= need * 1.10, (viewport, dpr, need, rung(need))


def test_a_2048_source_gets_no_near_duplicate_rung():
    planned = imaging.plan_widths(2048, LADDER)
    assert planned[-2:] == [1600, 2048], "1920 is within 10 % of 2048: only 2048 is built"
    assert all(b / a > 1.05 for a, b in zip(planned, planned[1:], strict=False))

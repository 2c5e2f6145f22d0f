"""On-demand sizes: a signed transform URL asks for a width that is not precomputed.

The rendition is built once, stored as a Variant and reused. Its identity is the planned
one's (aiassets.renditions.spec_for): the same recipe, with the same privacy inputs, so a
prompt or redaction change retires it like any planned rendition. Builds are capped by
ON_DEMAND_MAX_CONCURRENT across every process sharing the cache (use the Redis cache in
production). Past the cap the caller gets the nearest ready width instead (see views).
A transform may name a ratio (``640w-16x9.jpg``): the crop around the asset's focal
rectangle, under the same limits, never wider than the crop box (no upscaling).
The origin builds planned renditions that DERIVATIVE_PRECOMPUTE left lazy the same way
(build_lazy), on their first request under their planned URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache

from aiassets import metrics, ratelimit, renditions
from aiassets.imaging.crops import Ratio, is_whole_frame, parse_ratio
from aiassets.models import Asset, Variant

SLOTS_KEY = "aiassets:ondemand:active"
SLOT_TTL = 300  # a crashed builder's slot is freed after this many seconds


class Busy(Exception):
    """Every build slot is taken, or this minute's build budget is spent."""


@contextmanager
def build_slot() -> Iterator[None]:
    """Hold one of ON_DEMAND_MAX_CONCURRENT build slots, or raise Busy."""
    active = ratelimit.add(SLOTS_KEY, 1, SLOT_TTL)
    try:
        if active > settings.ON_DEMAND_MAX_CONCURRENT:
            raise Busy
        yield
    finally:
        with suppress(ValueError):  # the counter expired meanwhile
            cache.decr(SLOTS_KEY)


def check_width(
    asset: Asset, width: int, fmt: str | None = None, ratio: Ratio | None = None
) -> str | None:
    """Why ``width`` (in ``fmt``, cropped to ``ratio``) cannot be made for ``asset``, or None
    when it can."""
    if fmt is not None and fmt not in settings.DERIVATIVE_FORMATS:
        return f"{fmt} is not among the formats served ({', '.join(settings.DERIVATIVE_FORMATS)})"
    if width < settings.ON_DEMAND_MIN_WIDTH:
        return f"width must be at least {settings.ON_DEMAND_MIN_WIDTH}"
    if width > settings.ON_DEMAND_MAX_WIDTH:
        return f"width must be at most {settings.ON_DEMAND_MAX_WIDTH}"
    if width > asset.width:
        return f"width must not exceed the original's {asset.width} (no upscaling)"
    if ratio is not None:
        crop_width = renditions.spec_for(asset, width, fmt or "jpeg", ratio=ratio).width
        if width > crop_width:
            return f"width must not exceed the {ratio} crop's {crop_width} (no upscaling)"
    if fmt is not None:
        return renditions.spec_for(asset, width, fmt, ratio=ratio).too_large or None
    return None


def ready(asset: Asset, width: int, fmt: str, ratio: Ratio | None = None) -> Variant | None:
    spec = renditions.spec_for(asset, width, fmt, ratio=ratio)
    return Variant.objects.filter(
        asset=asset, width=spec.width, format=fmt, recipe=spec.recipe, status=Variant.Status.READY
    ).first()


def nearest_ready(asset: Asset, width: int, fmt: str, ratio: Ratio | None = None) -> Variant | None:
    """The ready variant of ``fmt`` (and ratio) whose width is closest to ``width`` (larger
    wins ties)."""
    whole = ratio is None or is_whole_frame(asset.width, asset.height, ratio)
    slug = "" if whole else ratio.slug
    rows = list(asset.variants.filter(format=fmt, ratio=slug, status=Variant.Status.READY))
    if not rows:
        return None
    return min(rows, key=lambda v: (abs(v.width - width), -v.width))


def get_or_build(asset: Asset, width: int, fmt: str, ratio: Ratio | None = None) -> Variant:
    """The variant, built now if needed. Raises Busy past the per-minute budget or the
    concurrency cap (ready variants are always served: they cost nothing)."""
    existing = ready(asset, width, fmt, ratio)
    if existing is not None:
        return existing
    budget = ratelimit.hit("ondemand:builds", settings.ON_DEMAND_BUDGET_PER_MINUTE, 60)
    if not budget.allowed:
        metrics.LIMIT_HITS.labels("on_demand_budget").inc()
        raise Busy("budget")
    try:
        with build_slot():
            return renditions.build_one(asset, width, fmt, ratio)
    except Busy:
        metrics.LIMIT_HITS.labels("on_demand_concurrency").inc()
        raise


def build_lazy(asset: Asset, variant: Variant) -> Variant | None:
    """A planned rendition DERIVATIVE_PRECOMPUTE left to its first request (status lazy),
    built now through the on-demand path above (budget, build slots), under its planned URL.
    None when its recipe is no longer the current one (a retired rendition must not be rebuilt
    under its old URL). Raises Busy like get_or_build."""
    ratio = parse_ratio(variant.ratio) if variant.ratio else None
    spec = renditions.spec_for(asset, variant.width, variant.format, ratio=ratio)
    if (spec.width, spec.recipe) != (variant.width, variant.recipe):
        return None
    return get_or_build(asset, variant.width, variant.format, ratio)

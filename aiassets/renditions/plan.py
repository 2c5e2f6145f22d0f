"""Which renditions an asset should have, their rows, and retiring the ones it no longer wants.

A plan is every width × format the settings want for an asset, each as a Spec (spec.py):
the full frame, each planned ratio (DERIVATIVE_RATIOS) cropped around the focal rectangle,
and the social card (SOCIAL_CARD_RATIO at SOCIAL_CARD_WIDTH, JPEG).
Sizes a format's encoder cannot make (WebP stops at 16383 px a side) are left out of the plan
with a reason, shown in the admin, instead of failing at build time.

Retiring deletes rows first (nothing serves them any more), then files; just before,
``renditions_retiring`` hands the rows to delivery, which records the
URLs they were served under for the CDN purge.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from .. import formats, imaging, storage
from ..imaging import crops
from ..models import Asset, Variant
from ..signals import renditions_retiring
from . import inventory
from .spec import Inputs, Spec, options_for, spec_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """The specs to build, and why any width × format was left out."""

    specs: list[Spec] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Spec]:
        return iter(self.specs)

    def __len__(self) -> int:
        return len(self.specs)

    @functools.cached_property  # a Plan is shared by alike assets in plan_many()
    def wanted(self) -> set[tuple[int, str, str]]:
        return {(s.width, s.format, s.recipe) for s in self.specs}

    @functools.cached_property
    def signatures(self) -> frozenset[str]:
        """``wanted`` as inventory signatures: what the healing walk compares rows with."""
        return frozenset(inventory.signature(*wanted) for wanted in self.wanted)


def plan(asset: Asset, inputs: Inputs | None = None) -> Plan:
    """Every rendition the current settings want for ``asset``, within each encoder's limits."""
    inputs = inputs or Inputs.of(asset)
    specs, left_out = [], []
    for width, height in imaging.variant_sizes(asset.width, asset.height, _widths()):
        for fmt in settings.DERIVATIVE_FORMATS:
            _add(Spec(width, height, fmt, options_for(fmt), inputs), specs, left_out)
    for ratio in planned_ratios():
        if crops.is_whole_frame(asset.width, asset.height, ratio):
            continue  # the full frame above is this crop (spec_for says the same)
        sizes = crops.crop_sizes(asset.width, asset.height, ratio, inputs.focal, _widths())[1]
        for width, height in sizes:
            for fmt in settings.DERIVATIVE_FORMATS:
                spec = Spec(width, height, fmt, options_for(fmt), inputs, crop=ratio.slug)
                _add(spec, specs, left_out)
    card = social_card(asset, inputs)
    if card is not None and card not in specs:
        _add(card, specs, left_out)
    return Plan(specs, left_out)


def plan_many(assets: Iterable[Asset]) -> dict[Any, Plan]:
    """plan() of each asset, by asset pk, their inputs read in one query (Inputs.many) instead
    of one or two per asset: reconcile plans a million assets this way. Assets alike in every
    input of plan() (plan_shape) share one Plan object."""
    assets = list(assets)
    inputs = Inputs.many(assets)
    shared: dict[tuple, Plan] = {}
    plans = {}
    for asset in assets:
        shape = plan_shape(asset, inputs[asset.pk])
        if shape not in shared:
            shared[shape] = plan(asset, inputs[asset.pk])
        plans[asset.pk] = shared[shape]
    return plans


def plan_shape(asset: Asset, inputs: Inputs) -> tuple:
    """Everything plan() reads from an asset: its displayed size and its inputs (focal
    rectangle included). Keep it in step with plan() when plan() reads more."""
    return (asset.width, asset.height, inputs)


def _add(spec: Spec, specs: list[Spec], left_out: list[str]) -> None:
    if spec.too_large:
        left_out.append(spec.too_large)
    else:
        specs.append(spec)


def _widths() -> list[int]:
    return list(settings.DERIVATIVE_WIDTHS)


def planned_ratios() -> list[crops.Ratio]:
    """DERIVATIVE_RATIOS, parsed (a bad entry is a configuration error: checks report it)."""
    return [crops.parse_ratio(text) for text in settings.DERIVATIVE_RATIOS]


def social_card(asset: Asset, inputs: Inputs | None = None) -> Spec | None:
    """The share card's spec (og:image): SOCIAL_CARD_RATIO at SOCIAL_CARD_WIDTH in the
    fallback format, around the focal rectangle, never upscaled. None when turned off."""
    if not settings.SOCIAL_CARD_RATIO or not settings.SOCIAL_CARD_WIDTH:
        return None
    ratio = crops.parse_ratio(settings.SOCIAL_CARD_RATIO)
    return spec_for(asset, settings.SOCIAL_CARD_WIDTH, formats.FALLBACK_FORMAT, inputs, ratio)


@dataclass(frozen=True)
class Precompute:
    """DERIVATIVE_PRECOMPUTE parsed: per format, the widest width built at once (None: every
    width), for the full frame and for the planned crops. A format a side does not name is
    built on first request."""

    frame: dict[str, int | None]
    crops: dict[str, int | None]

    def at_once(self, spec: Spec) -> bool:
        rules = self.crops if spec.crop else self.frame
        if spec.format not in rules:
            return False
        widest = rules[spec.format]
        return widest is None or spec.width <= widest


def precompute_rules() -> Precompute:
    """DERIVATIVE_PRECOMPUTE parsed. Entries: "fmt" (every width of the full frame), "fmt:W"
    (its widths up to W px), the same after "crops:" for the planned crops ("crops:jpeg:640",
    "crops:*"), or "*" alone: everything at once, crops included. Raises ValueError on an
    entry it cannot read, or a format not in DERIVATIVE_FORMATS (checks report it)."""
    every = dict.fromkeys(settings.DERIVATIVE_FORMATS)
    frame: dict[str, int | None] = {}
    cropped: dict[str, int | None] = {}
    for entry in settings.DERIVATIVE_PRECOMPUTE:
        text = str(entry).strip().lower()
        if text == "*":  # everything at once, as before lazy renditions
            return Precompute(dict(every), dict(every))
        rules, text = (cropped, text[6:]) if text.startswith("crops:") else (frame, text)
        if text == "*":
            rules.update(every)
            continue
        fmt, widest = _precompute_entry(entry, text)
        if fmt in rules and (rules[fmt] is None or widest is None):
            widest = None
        elif fmt in rules:
            widest = max(widest or 0, rules[fmt] or 0)
        rules[fmt] = widest
    return Precompute(frame, cropped)


def _precompute_entry(entry: object, text: str) -> tuple[str, int | None]:
    fmt, sep, width = text.partition(":")
    if fmt not in settings.DERIVATIVE_FORMATS:
        known = ", ".join(settings.DERIVATIVE_FORMATS)
        raise ValueError(f"{entry!r} names no format of DERIVATIVE_FORMATS ({known})")
    if sep and not width.strip().isdigit():
        raise ValueError(f"{entry!r}: the width after ':' must be a whole number of px")
    return fmt, int(width) if sep else None


def lazy_specs(asset: Asset, wanted: Plan, inputs: Inputs | None = None) -> set[tuple]:
    """(width, format, recipe) of the planned renditions DERIVATIVE_PRECOMPUTE leaves to their
    first request. The share card is always built at once: crawlers fetch it, not browsers."""
    rules = precompute_rules()
    card = social_card(asset, inputs)
    return {
        (spec.width, spec.format, spec.recipe)
        for spec in wanted
        if spec != card and not rules.at_once(spec)
    }


def ensure_rows(asset: Asset) -> list[Variant]:
    """Create rows for planned renditions that have none (pending, or lazy when
    DERIVATIVE_PRECOMPUTE leaves them to their first request), retire the renditions the plan
    replaced, and return the planned rows."""
    inputs = Inputs.of(asset)
    wanted = plan(asset, inputs)
    lazy = lazy_specs(asset, wanted, inputs)
    Variant.objects.bulk_create(
        [
            Variant(
                asset=asset,
                width=s.width,
                height=s.height,
                format=s.format,
                recipe=s.recipe,
                key=s.key(asset),
                ratio=s.crop,
                status=_initial_status(s, lazy),
            )
            for s in wanted
        ],
        ignore_conflicts=True,
    )
    retire_obsolete(asset, inputs)
    rows = [v for v in asset.variants.all() if (v.width, v.format, v.recipe) in wanted.wanted]
    adopted = [v.pk for v in rows if v.on_demand]
    if adopted:  # an on-demand width that the plan now includes joins the srcset
        Variant.objects.filter(pk__in=adopted).update(on_demand=False)
    return _follow_precompute(rows, lazy)


def _initial_status(spec: Spec, lazy: set[tuple]) -> str:
    if (spec.width, spec.format, spec.recipe) in lazy:
        return Variant.Status.LAZY
    return Variant.Status.PENDING


def _follow_precompute(rows: list[Variant], lazy: set[tuple]) -> list[Variant]:
    """Unbuilt rows follow a changed DERIVATIVE_PRECOMPUTE: pending rows it now leaves to
    their first request become lazy, lazy rows it now wants built become pending."""
    changes = {Variant.Status.LAZY: [], Variant.Status.PENDING: []}
    for v in rows:
        is_lazy = (v.width, v.format, v.recipe) in lazy
        if v.status == Variant.Status.PENDING and is_lazy:
            changes[Variant.Status.LAZY].append(v)
        elif v.status == Variant.Status.LAZY and not is_lazy:
            changes[Variant.Status.PENDING].append(v)
    for status, changed in changes.items():
        if changed:
            Variant.objects.filter(pk__in=[v.pk for v in changed]).update(status=status)
            for v in changed:
                v.status = status
    return rows


def obsolete(asset: Asset, inputs: Inputs | None = None) -> list[Variant]:
    """Rows, planned or on demand, whose spec today has another recipe (new encoder settings,
    signer, redaction, prompt visibility or, for crops, focal rectangle) or that no encoder can
    make at their size."""
    inputs = inputs or Inputs.of(asset)
    found = []
    for v in asset.variants.all():
        if v.format not in settings.DERIVATIVE_FORMATS:
            continue
        spec = Spec(v.width, v.height, v.format, options_for(v.format), inputs, crop=v.ratio)
        if spec.recipe != v.recipe or spec.too_large:
            found.append(v)
    return found


def retire_obsolete(asset: Asset, inputs: Inputs | None = None) -> int:
    """Retire every obsolete rendition of ``asset`` (see obsolete()). Returns how many."""
    rows = obsolete(asset, inputs)
    drop_variants(asset, rows)
    return len(rows)


def drop_variants(asset: Asset, variants: list[Variant], *, delete_files: bool = True) -> None:
    """Retire renditions: announce them (delivery records their served URLs for the purge),
    then delete the rows, then their files."""
    variants = list(variants)
    if not variants:
        return
    renditions_retiring.send(
        sender=Asset, asset=asset, variants=variants, was_public=asset.is_public
    )
    Variant.objects.filter(pk__in=[v.pk for v in variants]).delete()
    if delete_files:  # a rollback leaves ready rows without files: reconcile rebuilds them
        _delete_files([v.key for v in variants])


def _delete_files(keys: list[str]) -> None:
    for key in keys:
        try:
            storage.variants().delete(key)
        except Exception:  # reconcile or a later run can sweep it; never fail the caller
            logger.exception("could not delete retired variant file %s", key)


def reset_for_rebuild(asset: Asset, *, only_unhealthy: bool = True) -> int:
    """Mark an asset's variants pending again (failed ones and, unless only_unhealthy, all)."""
    qs = asset.variants.exclude(status=Variant.Status.LAZY)  # built on request, not here
    if only_unhealthy:
        qs = qs.exclude(status=Variant.Status.READY)
    return qs.update(status=Variant.Status.PENDING, attempts=0, error="", updated_at=timezone.now())

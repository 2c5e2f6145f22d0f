"""Building renditions: the planned set of an asset, or one size on demand, through one loop.

``build(asset_id)`` is idempotent. It decodes the original once (imaging.render_set, the loop
the benchmarks time too), derives every missing rendition, signs it, writes it under the key
of its spec, and only then marks its row ready: a worker killed mid-job never leaves a ready
row pointing at a partial or missing file. ``build_one`` makes one spec the same way.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import c2pa, imaging, metrics, storage
from ..imaging import crops
from ..models import Asset, BuildLog, Variant
from ..signals import variants_ready
from .plan import ensure_rows, plan
from .spec import Inputs, Spec, spec_for

logger = logging.getLogger(__name__)


def limits() -> imaging.Limits:
    return imaging.Limits(
        max_pixels=settings.INGEST_MAX_PIXELS,
        max_side=settings.INGEST_MAX_SIDE,
        allow_animated=settings.INGEST_ALLOW_ANIMATED,
    )


@dataclass
class BuildReport:
    asset_id: str
    built: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # key -> error
    exhausted: list[str] = field(default_factory=list)  # keys that will not be retried
    skipped: int = 0
    seconds: float = 0.0

    @property
    def retryable(self) -> bool:
        return bool(set(self.failed) - set(self.exhausted))

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "built": len(self.built),
            "failed": self.failed,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Made:
    """One rendition out of the loop: signed bytes, or the error that stopped it."""

    variant: Variant
    width: int
    height: int
    data: bytes = b""
    c2pa: str = ""
    note: str = ""
    error: str = ""
    exception: Exception | None = None


def render(asset: Asset, data: bytes, todo: list[tuple[Variant, Spec]]) -> Iterator[Made]:
    """THE build loop: decode ``data`` once, redact, crop, resize in a cascade and encode each
    spec (imaging.render_set), then sign it (C2PA). Raises only when the original is
    unreadable. Crops are cut from the redacted frame: privacy applies to them as to it."""
    by_pair = {(s.crop, s.width, s.format): (v, s) for v, s in todo}
    outputs = {s.format: s.encoder_options for _, s in todo}
    full = [s for _, s in todo if not s.crop]
    marker = c2pa.Marker(asset, data)  # signs each encoded rendition (C2PA)
    renditions = imaging.render_set(
        data,
        limits(),
        sorted({s.width for s in full}),
        outputs,
        imaging.iptc_xmp(marker.source_type),  # the source type the original states
        boxes=asset.redaction_boxes(),
        only={(s.width, s.format) for s in full},
        keep_going=True,
        crops=crop_jobs(asset, [s for _, s in todo if s.crop]),
    )
    del data  # render_set drops its own reference once decoded: the original is freed then
    for r in renditions:
        variant, _ = by_pair[(r.ratio, r.width, r.format)]
        made = Made(variant, r.width, r.height, error=r.error)
        if not r.error:
            try:
                made.data, made.c2pa, made.note = marker.apply(r.data, r.format, r.width, r.height)
            except Exception as exc:  # C2PA_REQUIRED and signing failed: the rendition fails
                made.error, made.exception = f"{type(exc).__name__}: {exc}", exc
        yield made


def crop_jobs(asset: Asset, specs: list[Spec]) -> list[imaging.CropJob]:
    """One CropJob per ratio among ``specs``: its box (fractions) and its exact outputs."""
    jobs: dict[str, imaging.CropJob] = {}
    for spec in specs:
        if spec.crop not in jobs:
            box = crops.box_fractions(spec.crop_box(asset), asset.width, asset.height)
            jobs[spec.crop] = imaging.CropJob(spec.crop, box, set())
        jobs[spec.crop].outputs.add((spec.width, spec.height, spec.format))
    return list(jobs.values())


def _store(made: Made) -> None:
    """Write the file under the row's key, and only then mark the row ready."""
    variant = made.variant
    saved = storage.variants().save(variant.key, ContentFile(made.data))
    if saved != variant.key:
        raise RuntimeError(f"storage wrote {saved!r} instead of {variant.key!r}")
    Variant.objects.filter(pk=variant.pk).update(
        status=Variant.Status.READY,
        height=made.height,
        bytes=len(made.data),
        c2pa=made.c2pa,
        error=made.note,
        attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )


def _todo(asset: Asset, force: bool) -> tuple[list[tuple[Variant, Spec]], int]:
    inputs = Inputs.of(asset)
    rows = ensure_rows(asset)
    specs = {(s.width, s.format, s.recipe): s for s in plan(asset, inputs)}
    pairs = [(v, specs[(v.width, v.format, v.recipe)]) for v in rows]
    todo = [(v, s) for v, s in pairs if v.status == Variant.Status.PENDING or force and built(v)]
    return todo, len(rows) - len(todo)


def build(asset_id: uuid.UUID | str, *, force: bool = False) -> BuildReport:
    """Build every planned rendition of the asset that is not ready (all of them with force)."""
    started = time.perf_counter()
    report = BuildReport(str(asset_id))
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        logger.info(
            "asset %s is gone; nothing to build",
            asset_id,
            extra={"event": "variants.asset_gone", "asset_id": str(asset_id)},
        )
        return report
    todo, report.skipped = _todo(asset, force)
    if not todo:
        return report
    try:
        for made in render(asset, _original(asset), todo):  # no reference kept here: render
            # frees the encoded original as soon as it is decoded
            _keep(made, report)
    except Exception as exc:  # the original is missing or unreadable: the rest fail this try
        for variant, _ in todo:
            if variant.key not in report.built and variant.key not in report.failed:
                _record_failure(variant, f"could not read the original: {exc}", report)
    _finish(asset, report, started)
    return report


def _original(asset: Asset) -> bytes:
    """The original's bytes; from a local file, mapped (imaging.MappedOriginal), so that its
    decode never holds the encoded bytes and the pixels in memory together."""
    originals = storage.originals()
    try:
        return imaging.MappedOriginal.of(originals.path(asset.original_key))
    except (NotImplementedError, OSError, ValueError):  # not a local file, or an empty one
        with originals.open(asset.original_key, "rb") as fh:
            return fh.read()


def built(variant: Variant) -> bool:
    """Whether a force rebuild remakes the row: every one but the lazy ones never asked for."""
    return variant.status != Variant.Status.LAZY


def _keep(made: Made, report: BuildReport) -> None:
    if not made.error:
        try:
            _store(made)
            report.built.append(made.variant.key)
            return
        except Exception as exc:
            made.error = f"{type(exc).__name__}: {exc}"
    _record_failure(made.variant, made.error, report)


def _finish(asset: Asset, report: BuildReport, started: float) -> None:
    report.seconds = time.perf_counter() - started
    record(report)
    unready = asset.variants.exclude(status__in=[Variant.Status.READY, Variant.Status.LAZY])
    if not report.failed and not unready.exists():
        transaction.on_commit(lambda: variants_ready.send(sender=Asset, asset_id=asset.id))
    logger.info(
        "built variants %s",
        report.as_dict(),
        extra={
            "event": "variants.built",
            "asset_id": report.asset_id,
            "built": len(report.built),
            "failed": len(report.failed),
            "skipped": report.skipped,
            "seconds": round(report.seconds, 3),
        },
    )


def build_one(asset: Asset, width: int, fmt: str, ratio: crops.Ratio | None = None) -> Variant:
    """Build (or return) one rendition outside the plan, e.g. for an on-demand transform URL.

    Its spec is the planned one's (spec_for): the same recipe, so the same privacy inputs. The
    row is marked on_demand unless the plan wants it, so srcsets stay regular."""
    inputs = Inputs.of(asset)
    spec = spec_for(asset, width, fmt, inputs, ratio)
    if spec.too_large:
        raise ValueError(spec.too_large)
    variant, _ = Variant.objects.get_or_create(
        asset=asset,
        width=spec.width,
        format=fmt,
        recipe=spec.recipe,
        defaults={
            "height": spec.height,
            "key": spec.key(asset),
            "ratio": spec.crop,
            "on_demand": spec not in plan(asset, inputs).specs,
        },
    )
    if variant.status == Variant.Status.READY:
        return variant
    # A lazy rendition that fails stays lazy (its next request tries again) until exhausted.
    again = Variant.Status.LAZY if variant.status == Variant.Status.LAZY else None
    for made in render(asset, _original(asset), [(variant, spec)]):
        if made.error:
            _record_failure(variant, made.error, BuildReport(str(asset.id)), again)
            raise made.exception or RuntimeError(made.error)
        _store(made)
    variant.refresh_from_db()
    return variant


def record(report: BuildReport) -> None:
    """Metrics and the build log for the dashboard."""
    metrics.BUILD_SECONDS.observe(report.seconds)
    BuildLog.objects.create(
        asset_id=report.asset_id,
        seconds=report.seconds,
        built=len(report.built),
        failed=len(report.failed),
    )


def _record_failure(
    variant: Variant, error: str, report: BuildReport, again: str | None = None
) -> None:
    attempts = variant.attempts + 1
    exhausted = attempts >= settings.DERIVATIVE_MAX_ATTEMPTS
    Variant.objects.filter(pk=variant.pk).update(
        status=Variant.Status.FAILED if exhausted else again or Variant.Status.PENDING,
        error=error[:2000],
        attempts=attempts,
        updated_at=timezone.now(),
    )
    report.failed[variant.key] = error
    metrics.BUILD_FAILURES.labels(variant.format).inc()
    if exhausted:
        report.exhausted.append(variant.key)
    logger.warning(
        "variant %s failed (attempt %d): %s",
        variant.key,
        attempts,
        error,
        extra={
            "event": "variant.failed",
            "asset_id": str(variant.asset_id),
            "variant_key": variant.key,
            "attempt": attempts,
            "exhausted": exhausted,
            "error": error,
        },
    )

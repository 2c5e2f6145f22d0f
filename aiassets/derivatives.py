"""Derivatives: plan, build and record every width × format rendition of an asset.

``build(asset_id)`` is idempotent. It decodes the original once, derives every missing width
from it, writes each file under a content-addressed key and only then marks its row ready,
so a worker killed mid-job never leaves a ready row pointing at a partial or missing file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import c2pa, imaging, metrics, storage
from .models import Asset, BuildLog, Provenance, Variant
from .signals import variants_ready

logger = logging.getLogger(__name__)

# Bump when the pipeline changes the bytes it makes (it changes every key).
PIPELINE_VERSION = "1"


def limits() -> imaging.Limits:
    return imaging.Limits(
        max_pixels=settings.INGEST_MAX_PIXELS,
        max_side=settings.INGEST_MAX_SIDE,
        allow_animated=settings.INGEST_ALLOW_ANIMATED,
    )


def recipe(
    fmt: str, options: dict[str, Any], redaction: str = "", prompt_public: bool = False
) -> str:
    """Short hash of everything that shapes a variant's bytes besides the source and width.

    ``redaction`` is imaging.faces_signature() of the boxes pixelated, when any are;
    ``prompt_public`` says whether the signed manifest carries the prompt."""
    spec: dict[str, Any] = {"v": PIPELINE_VERSION, "f": fmt, "o": options}
    if redaction:  # redacted variants get keys of their own
        spec["redact"] = redaction
    signing = c2pa.recipe_token()
    if signing:  # the C2PA manifest is part of the bytes: signing on, or a new key, gives new keys
        spec["c2pa"] = signing
        if prompt_public:  # the manifest names the prompt: hiding it later must change keys
            spec["prompt"] = 1
    blob = json.dumps(spec, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Spec:
    width: int
    height: int
    format: str
    recipe: str


def plan(asset: Asset) -> list[Spec]:
    """Every variant the current settings want for ``asset``."""
    sizes = imaging.variant_sizes(asset.width, asset.height, settings.DERIVATIVE_WIDTHS)
    redaction = imaging.faces_signature(asset.redaction_boxes())
    prov = Provenance.objects.filter(asset_id=asset.pk).select_related("model").first()
    prompt_public = bool(prov and prov.prompt_is_public)
    return [
        Spec(w, h, fmt, recipe(fmt, options, redaction, prompt_public))
        for w, h in sizes
        for fmt, options in settings.DERIVATIVE_FORMATS.items()
    ]


def ensure_rows(asset: Asset) -> list[Variant]:
    """Create pending rows for planned variants that have none; return the planned rows."""
    specs = plan(asset)
    Variant.objects.bulk_create(
        [
            Variant(
                asset=asset,
                width=s.width,
                height=s.height,
                format=s.format,
                recipe=s.recipe,
                key=storage.variant_key(asset.id, asset.sha256, s.width, s.format, s.recipe),
            )
            for s in specs
        ],
        ignore_conflicts=True,
    )
    wanted = {(s.width, s.format, s.recipe) for s in specs}
    retire_obsolete(asset, specs)
    rows = [v for v in asset.variants.all() if (v.width, v.format, v.recipe) in wanted]
    adopted = [v.pk for v in rows if v.on_demand]
    if adopted:  # an on-demand width that the plan now includes joins the srcset
        Variant.objects.filter(pk__in=adopted).update(on_demand=False)
    return rows


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


def build(asset_id: uuid.UUID | str, *, force: bool = False) -> BuildReport:
    """Build every planned variant of the asset that is not ready (all of them with ``force``)."""
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
    rows = ensure_rows(asset)
    todo = [v for v in rows if force or v.status == Variant.Status.PENDING]
    report.skipped = len(rows) - len(todo)
    if not todo:
        return report

    by_size: dict[int, dict[str, Variant]] = {}
    for v in todo:
        by_size.setdefault(v.width, {})[v.format] = v
    try:
        data = storage.originals().open(asset.original_key, "rb").read()
        source = imaging.prepare_source(data, limits(), sorted(by_size))
        boxes = asset.redaction_boxes()
        if boxes:
            source.image = imaging.redact(source.image, boxes)
        marker = c2pa.Marker(asset, data)  # signs each encoded variant (C2PA)
        del data
    except Exception as exc:  # the original is missing or unreadable: every row fails this try
        for v in todo:
            _record_failure(v, f"could not read the original: {exc}", report)
        report.seconds = time.perf_counter() - started
        record(report)
        return report

    xmp = imaging.iptc_xmp(marker.source_type)  # the source type the original states
    sizes = [s for s in source.sizes if s[0] in by_size]
    for resized in imaging.resize_cascade(source.image, sizes):
        for fmt, variant in by_size[resized.width].items():
            try:
                blob = imaging.encode(resized, fmt, settings.DERIVATIVE_FORMATS[fmt], xmp)
                blob, signed, note = marker.apply(blob, fmt, resized.width, resized.height)
                saved = storage.variants().save(variant.key, ContentFile(blob))
                if saved != variant.key:
                    raise RuntimeError(f"storage wrote {saved!r} instead of {variant.key!r}")
            except Exception as exc:
                _record_failure(variant, f"{type(exc).__name__}: {exc}", report)
                continue
            # The file is complete; only now does the row say so.
            Variant.objects.filter(pk=variant.pk).update(
                status=Variant.Status.READY,
                height=resized.height,
                bytes=len(blob),
                c2pa=signed,
                error=note,
                attempts=F("attempts") + 1,
                updated_at=timezone.now(),
            )
            report.built.append(variant.key)
    report.seconds = time.perf_counter() - started
    record(report)
    if not report.failed and not asset.variants.exclude(status=Variant.Status.READY).exists():
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
    return report


def retire_obsolete(asset: Asset, specs: list[Spec] | None = None) -> int:
    """Delete renditions the plan no longer wants at their width (another recipe: new encoder
    settings, a redaction or prompt-visibility change). Returns how many were retired."""
    specs = plan(asset) if specs is None else specs
    current = {s.format: s.recipe for s in specs}
    planned = {(s.width, s.format) for s in specs}
    obsolete = [
        v
        for v in asset.variants.all()
        if v.format in current
        and v.recipe != current[v.format]
        and (v.on_demand or (v.width, v.format) in planned)
    ]
    if obsolete:
        drop_variants(obsolete)
    return len(obsolete)


def drop_variants(variants: list[Variant]) -> None:
    """Delete rows first (nothing serves them any more), then their files."""
    keys = [v.key for v in variants]
    Variant.objects.filter(pk__in=[v.pk for v in variants]).delete()
    for key in keys:
        try:
            storage.variants().delete(key)
        except Exception:  # reconcile or a later run can sweep it; never fail the build
            logger.exception("could not delete obsolete variant file %s", key)


def record(report: BuildReport) -> None:
    """Metrics and the build log for the dashboard."""
    metrics.BUILD_SECONDS.observe(report.seconds)
    BuildLog.objects.create(
        asset_id=report.asset_id,
        seconds=report.seconds,
        built=len(report.built),
        failed=len(report.failed),
    )


def _record_failure(variant: Variant, error: str, report: BuildReport) -> None:
    attempts = variant.attempts + 1
    exhausted = attempts >= settings.DERIVATIVE_MAX_ATTEMPTS
    Variant.objects.filter(pk=variant.pk).update(
        status=Variant.Status.FAILED if exhausted else Variant.Status.PENDING,
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


def reset_for_rebuild(asset: Asset, *, only_unhealthy: bool = True) -> int:
    """Mark an asset's variants pending again (failed ones and, unless only_unhealthy, all)."""
    qs = asset.variants.all()
    if only_unhealthy:
        qs = qs.exclude(status=Variant.Status.READY)
    return qs.update(status=Variant.Status.PENDING, attempts=0, error="", updated_at=timezone.now())


def job_id(asset_id: uuid.UUID | str) -> str:
    return f"derivatives-{asset_id}"


def schedule(asset_id: uuid.UUID | str) -> None:
    """Ask for a build of the asset's pending variants, on commit, on the derivatives queue.

    When the queue is deeper than DERIVATIVE_QUEUE_MAX_DEPTH the rows are marked deferred
    instead (visible in the admin and the metrics); release_deferred() queues them later.
    """
    from .queueing import enqueue_on_commit, queue_depth

    limit = settings.DERIVATIVE_QUEUE_MAX_DEPTH
    depth = queue_depth("derivatives") if limit > 0 else None
    if depth is not None and depth >= limit:
        deferred = Variant.objects.filter(asset_id=asset_id, status=Variant.Status.PENDING).update(
            status=Variant.Status.DEFERRED, updated_at=timezone.now()
        )
        metrics.LIMIT_HITS.labels("derivatives_deferred").inc()
        logger.info(
            "derivatives queue is %d deep (limit %d): %d variant(s) of %s deferred",
            depth,
            limit,
            deferred,
            asset_id,
        )
        return
    intervals = list(settings.DERIVATIVE_RETRY_INTERVALS)
    enqueue_on_commit(
        "derivatives",
        "aiassets.jobs.build_variants",
        str(asset_id),
        job_id=job_id(asset_id),
        retries=max(0, settings.DERIVATIVE_MAX_ATTEMPTS - 1),
        retry_intervals=intervals,
        timeout=settings.DERIVATIVE_JOB_TIMEOUT,
    )


def release_deferred(max_assets: int | None = None) -> int:
    """Queue deferred builds while the queue has room, oldest first. Returns assets queued."""
    from .queueing import queue_depth

    limit = settings.DERIVATIVE_QUEUE_MAX_DEPTH
    depth = queue_depth("derivatives") if limit > 0 else 0
    room = (limit - depth) if limit > 0 and depth is not None else max_assets or 100
    if max_assets is not None:
        room = min(room, max_assets)
    if room <= 0:
        return 0
    asset_ids = list(
        Variant.objects.filter(status=Variant.Status.DEFERRED)
        .order_by("updated_at")
        .values_list("asset_id", flat=True)
        .distinct()[: room * 20]
    )
    released: list = []
    for asset_id in asset_ids:
        if asset_id in released:
            continue
        Variant.objects.filter(asset_id=asset_id, status=Variant.Status.DEFERRED).update(
            status=Variant.Status.PENDING, updated_at=timezone.now()
        )
        schedule(asset_id)
        released.append(asset_id)
        if len(released) >= room:
            break
    return len(released)


def build_one(asset: Asset, width: int, fmt: str) -> Variant:
    """Build (or return) one rendition outside the plan, e.g. for an on-demand transform URL.

    The row is marked on_demand unless the plan already wants it, so srcsets stay regular.
    """
    options = settings.DERIVATIVE_FORMATS[fmt]
    spec_recipe = recipe(fmt, options)
    height = imaging.scaled_height(asset.width, asset.height, width)
    variant, _ = Variant.objects.get_or_create(
        asset=asset,
        width=width,
        format=fmt,
        recipe=spec_recipe,
        defaults={
            "height": height,
            "key": storage.variant_key(asset.id, asset.sha256, width, fmt, spec_recipe),
            "on_demand": width not in imaging.plan_widths(asset.width, settings.DERIVATIVE_WIDTHS),
        },
    )
    if variant.status == Variant.Status.READY:
        return variant
    data = storage.originals().open(asset.original_key, "rb").read()
    source = imaging.prepare_source(data, limits(), [width])
    boxes = asset.redaction_boxes()
    if boxes:
        source.image = imaging.redact(source.image, boxes)
    marker = c2pa.Marker(asset, data)
    blob = imaging.encode(source.image, fmt, options, imaging.iptc_xmp(marker.source_type))
    try:
        blob, signed, note = marker.apply(blob, fmt, source.image.width, source.image.height)
    except c2pa.SigningError as exc:  # C2PA_REQUIRED: the row keeps the error
        _record_failure(variant, str(exc), BuildReport(str(asset.id)))
        raise
    saved = storage.variants().save(variant.key, ContentFile(blob))
    if saved != variant.key:
        raise RuntimeError(f"storage wrote {saved!r} instead of {variant.key!r}")
    Variant.objects.filter(pk=variant.pk).update(
        status=Variant.Status.READY,
        height=source.image.height,
        bytes=len(blob),
        c2pa=signed,
        error=note,
        attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )
    variant.refresh_from_db()
    return variant

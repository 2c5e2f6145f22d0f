"""Our side of bench/derivatives.py: the production entry points, with the DB and storage.

- ingest:      aiassets.ingest.ingest (what POST /api/v1/assets runs), not timed
- moderation:  moderation.jobs.classify_asset (the RQ job: NudeNet, policy, DB rows)
- build:       aiassets.renditions.build (the RQ job's work: decode once, resize cascade,
               encode, C2PA-sign every rendition, write it to storage, mark its row ready)
- floor:       the same decode and resizes, then the cheapest encoder presets for the same
               outputs and qualities (AVIF speed 10, WebP method 0, JPEG baseline without
               optimize), no XMP, no signing, no storage, no DB

``configure()`` must run before Django is set up: it points VAR_DIR (SQLite unless
DATABASE_URL is set, media, the C2PA development signer) at a fresh temporary directory and
runs jobs in-process.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

FLOOR = {
    "avif": {"speed": 10, "max_threads": 1},
    "webp": {"method": 0},
    "jpeg": {"optimize": False, "progressive": False},
}


def configure() -> Path:
    var = Path(tempfile.mkdtemp(prefix="bench-derivatives-"))
    os.environ["VAR_DIR"] = str(var)
    os.environ.pop("MEDIA_ROOT", None)
    os.environ["JOBS_INLINE"] = "true"
    return var


def prepare_django(settings) -> None:
    """Migrate; crops and the share card off (django-pictures gets no crops); no moderation
    on ingest (the bench runs and times it explicitly)."""
    from django.core.management import call_command

    from aiassets.signals import asset_ingested

    call_command("migrate", verbosity=0)
    settings.DERIVATIVE_RATIOS = []
    settings.SOCIAL_CARD_WIDTH = 0
    asset_ingested.disconnect(dispatch_uid="moderation.classify_on_ingest")


def provenance(name: str) -> dict:
    return {
        "model": {"name": "Bench Diffusion", "version": "1.0"},
        "prompt": f"benchmark source {name}",
        "seed": 1,
        "generated_at": "2026-11-01T12:00:00Z",
    }


def ingest(name: str, png: bytes):
    """Ingest one source (its first build runs in-process on commit: the warm-up)."""
    from aiassets.ingest import ingest as do_ingest

    return do_ingest(png, provenance(name), filename=f"{name}.png").asset


def moderate(asset_id) -> dict:
    from moderation.jobs import classify_asset

    return classify_asset(str(asset_id))


def plan_rows(asset) -> list:
    """The rows the current settings plan (created here, untimed, so build() only builds)."""
    from aiassets.renditions.plan import ensure_rows

    return [v for v in ensure_rows(asset) if not v.ratio]


def reset(asset) -> None:
    """Mark the planned rows pending again and delete their files (untimed)."""
    from aiassets import storage
    from aiassets.models import Variant

    rows = plan_rows(asset)
    for v in rows:
        storage.variants().delete(v.key)
    Variant.objects.filter(pk__in=[v.pk for v in rows]).update(status=Variant.Status.PENDING)


def build(asset):
    from aiassets.renditions.build import build as do_build

    report = do_build(asset.id)
    if report.failed:
        raise RuntimeError(f"production build failed: {report.failed}")
    return report


def outputs(asset) -> list[tuple[int, str, bytes, str]]:
    """(width, format, file bytes, c2pa state) of every full-frame rendition build() made:
    the planned rows it built (ready), not those DERIVATIVE_PRECOMPUTE leaves to their first
    request (lazy: with the default, WebP)."""
    from aiassets import storage

    out = []
    for v in plan_rows(asset):
        if v.status != "ready":
            continue
        with storage.variants().open(v.key, "rb") as fh:
            out.append((v.width, v.format, fh.read(), v.c2pa))
    return out


def floor(png: bytes, pairs: list[tuple[int, str]], formats: dict) -> int:
    """Decode, resize and encode ``pairs`` with the cheapest presets. Returns bytes."""
    from aiassets import imaging

    widths = sorted({w for w, _ in pairs})
    source = imaging.prepare_source(png, imaging.Limits(), widths)
    total = 0
    for im in imaging.resize_ladder(source.image, source.sizes):
        for w, fmt in pairs:
            if w != im.width:
                continue
            buf = io.BytesIO()
            kwargs = {"quality": formats[fmt]["quality"], **FLOOR[fmt]}
            im.save(buf, fmt.upper() if fmt != "jpeg" else "JPEG", **kwargs)
            total += buf.tell()
    return total

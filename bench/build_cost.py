"""What the production build() costs: peak memory of big originals, and what lazy formats save.

    .venv/bin/python bench/build_cost.py memory     # 100 MP JPEG and 64 MP PNG, ~3 minutes
    .venv/bin/python bench/build_cost.py lazy       # 4 sources of 2048², ~3 minutes
    .venv/bin/python bench/build_cost.py lazy --n 2

Both run ``aiassets.renditions.build()`` (decode, redact, crop, resize, encode, C2PA signing,
storage writes and rows) on a throwaway SQLite database and media root under a temporary
directory, with the settings' defaults (widths, formats, ratios, share card) unless the
environment overrides them. Originals are ingested through ``aiassets.ingest`` with the
derivative and moderation jobs held back, so each build runs here, measured.

memory: each build runs in a fresh Python process (``MALLOC_ARENA_MAX=2``, as the worker
units); its peak is that process's VmHWM from /proc/self/status (not ru_maxrss, which also
counts the parent's resident memory at exec). The process's resident size after Django set
up, before the build, is printed as well. INGEST_MAX_BYTES is raised to 256 MiB: a 64 MP
noisy PNG is bigger than the 64 MiB default.

lazy: per source, build() with DERIVATIVE_PRECOMPUTE="*" (everything at once) and with the
default (WebP and most crop renditions left to their first request), interleaved, CPU seconds
(process time) and bytes written; then one lazy WebP built through the origin's path, as its
first request does, and the moderation job (moderation.jobs.classify_asset: NudeNet, policy,
rows). Images per hour per worker = 3600 / (moderation + build) CPU seconds, for each setting.
Writes bench/results/build_cost_<mode>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def environment(tmp: Path) -> dict[str, str]:
    """The throwaway database, media root and limits every process of one run shares."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "INGEST_MAX_BYTES": str(256 * 1024 * 1024),
        "MALLOC_ARENA_MAX": "2",
        "LOG_FORMAT": "plain",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    for name in ("REDIS_URL", "TEST_REDIS_URL"):
        env[name] = ""  # jobs would run in-process: ingest holds them back itself
    return env


def setup(env: dict[str, str], migrate: bool = False) -> Any:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from django.conf import settings

    return settings


def ingest(data: bytes, seed: int) -> str:
    """Store an original and its rows through the real ingest, without running its jobs."""
    from aiassets import queueing
    from aiassets.ingest import ingest as run_ingest

    held = queueing.enqueue
    queueing.enqueue = lambda *args, **kwargs: None  # derivatives and moderation wait
    try:
        model = {"name": "Bench Diffusion", "version": "1.0"}
        prov = {"model": model, "prompt": f"bench {seed}", "seed": seed}
        prov["generated_at"] = "2026-11-01T12:00:00Z"
        return str(run_ingest(data, prov).asset.pk)
    finally:
        queueing.enqueue = held


def _save(im: Any, fmt: str, **options: Any) -> bytes:
    import io

    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def _noisy(width: int, height: int, seed: int) -> Any:
    """A photo-like synthetic image at full size: synth.artwork scaled up, with grain added
    tile by tile (so no full-size float arrays are ever held)."""
    from PIL import Image

    from aiassets import synth

    im = synth.artwork(width // 4, height // 4, seed, "photo").resize(
        (width, height), Image.Resampling.BICUBIC
    )
    tile = 2000
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            box = (left, top, min(left + tile, width), min(top + tile, height))
            part = im.crop(box)
            grain = Image.effect_noise(part.size, 40).convert("RGB")
            im.paste(Image.blend(part, grain, 0.12), box)
    return im


def child(asset_id: str) -> None:
    """Run in a fresh process: build one asset and print its peak and baseline memory."""
    setup({})
    from aiassets import renditions

    before = _status("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    report = renditions.build(asset_id)
    print(
        json.dumps(
            {
                "built": len(report.built),
                "failed": len(report.failed),
                "wall_s": time.perf_counter() - started,
                "cpu_s": time.process_time() - cpu,
                "baseline_mib": before / 1024,
                "peak_mib": _status("VmHWM") / 1024,
            }
        )
    )


def _status(field: str) -> int:
    """A /proc/self/status field in KiB."""
    text = Path("/proc/self/status").read_text()
    return int(text.split(f"{field}:")[1].split()[0])


def memory(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        env = environment(Path(tmp))
        setup(env, migrate=True)
        sources = {
            "100 MP JPEG (10000x10000, q90)": lambda: _save(
                _noisy(10_000, 10_000, 1), "JPEG", quality=90
            ),
            "64 MP PNG (8000x8000, RGB)": lambda: _save(_noisy(8000, 8000, 2), "PNG"),
        }
        results = {}
        for i, (name, encode) in enumerate(sources.items()):
            data = encode()
            asset_id = ingest(data, i)
            size = len(data)
            del data
            run = subprocess.run(
                [sys.executable, __file__, "child", asset_id],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=900,
            )
            if run.returncode:
                raise SystemExit(run.stderr[-3000:])
            results[name] = {**json.loads(run.stdout.strip().splitlines()[-1]), "bytes": size}
            print(f"{name}: {size / 2**20:.0f} MiB file", _line(results[name]), flush=True)
        return results


def _line(r: dict) -> str:
    return (
        f"peak {r['peak_mib']:.0f} MiB (Django set up: {r['baseline_mib']:.0f} MiB), "
        f"{r['built']} built, {r['failed']} failed, {r['cpu_s']:.1f} CPU s, {r['wall_s']:.1f} s"
    )


def lazy(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-lazy-") as tmp:
        settings = setup(environment(Path(tmp)), migrate=True)
        from aiassets import synth

        default = list(settings.DERIVATIVE_PRECOMPUTE)
        runs = {"everything at once": ["*"], f"precompute {','.join(default)}": default}
        rows = {name: [] for name in runs}
        first_request = []
        for i in range(args.n):
            style = ("photo", "flat")[i % 2]
            data = synth.encode(synth.artwork(2048, 2048, 500 + i, style), "PNG")
            asset_id = ingest(data, i)
            for name, precompute in runs.items():  # interleaved per source
                settings.DERIVATIVE_PRECOMPUTE = precompute
                rows[name].append(_timed_build(asset_id))
            first_request.append(_first_lazy_request(asset_id))
            first_request[-1]["moderation_cpu_s"] = _timed_moderation(asset_id)
            print(f"source {i + 1}/{args.n} ({style}) done", flush=True)
        return _lazy_summary(rows, first_request)


def _timed_build(asset_id: str) -> dict:
    """A full build of the asset from nothing under the current settings."""
    from aiassets import renditions
    from aiassets.models import Asset

    asset = Asset.objects.get(pk=asset_id)
    renditions.drop_variants(asset, list(asset.variants.all()))
    cpu, wall = time.process_time(), time.perf_counter()
    report = renditions.build(asset_id)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    ready = asset.variants.filter(status="ready")
    return {
        "cpu_s": cpu,
        "wall_s": wall,
        "files": len(report.built),
        "bytes": sum(v.bytes or 0 for v in ready),
        "lazy_rows": asset.variants.filter(status="lazy").count(),
    }


def _timed_moderation(asset_id: str) -> float:
    """CPU seconds of the moderation job on this asset, timed on its second run (the first
    warms NudeNet and makes the decision; the second classifies and applies the policy again,
    all but the transition). Jobs the decision would enqueue are held back, as in ingest()."""
    from aiassets import queueing
    from moderation.jobs import classify_asset

    held = queueing.enqueue
    queueing.enqueue = lambda *args, **kwargs: None
    try:
        classify_asset(asset_id)
        cpu = time.process_time()
        classify_asset(asset_id)
        return time.process_time() - cpu
    finally:
        queueing.enqueue = held


def _first_lazy_request(asset_id: str) -> dict:
    """One lazy rendition (the WebP of the gallery's 360 px rung) built as its first request
    builds it: delivery.transforms.build_lazy, the on-demand path."""
    from aiassets.models import Asset
    from delivery import transforms

    asset = Asset.objects.get(pk=asset_id)
    row = asset.variants.filter(status="lazy", ratio="").order_by("width").first()
    if row is None:
        return {}
    cpu, wall = time.process_time(), time.perf_counter()
    built = transforms.build_lazy(asset, row)
    return {
        "width": row.width,
        "format": row.format,
        "cpu_s": time.process_time() - cpu,
        "wall_s": time.perf_counter() - wall,
        "bytes": built.bytes if built else 0,
    }


def _lazy_summary(rows: dict, first_request: list[dict]) -> dict:
    summary = {}
    for name, items in rows.items():
        summary[name] = {
            key: statistics.fmean(r[key] for r in items)
            for key in ("cpu_s", "wall_s", "files", "bytes", "lazy_rows")
        }
    eager, lazy_ = summary.values()
    print(f"\nper 2048² source, mean of {len(first_request)} (production build(), C2PA, storage)")
    for name, s in summary.items():
        print(
            f"  {name:<28} {s['cpu_s']:6.2f} CPU s {s['wall_s']:6.2f} s {s['files']:5.0f} files "
            f"{s['bytes'] / 2**20:6.2f} MiB stored, {s['lazy_rows']:.0f} rows left lazy"
        )
    saved_cpu = 1 - lazy_["cpu_s"] / eager["cpu_s"]
    saved_bytes = 1 - lazy_["bytes"] / eager["bytes"]
    print(
        f"  lazy saves {eager['cpu_s'] - lazy_['cpu_s']:.2f} CPU s ({saved_cpu:.0%}) and "
        f"{(eager['bytes'] - lazy_['bytes']) / 2**20:.2f} MiB ({saved_bytes:.0%}) per source"
    )
    moderation = statistics.fmean(r["moderation_cpu_s"] for r in first_request)
    print(f"  moderation job {moderation:.2f} CPU s; images per hour per worker (CPU):")
    for name, s in summary.items():
        print(f"    {name:<40} {3600 / (moderation + s['cpu_s']):7,.0f}")
    built = [r for r in first_request if r.get("width")]
    if built:
        cpu = statistics.fmean(r["cpu_s"] for r in built)
        print(
            f"  a lazy {built[0]['format']} {built[0]['width']}w on first request: {cpu:.3f} CPU s"
        )
    return {"summary": summary, "first_request": first_request}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        child(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["memory", "lazy"])
    ap.add_argument("--n", type=int, default=4, help="lazy: how many 2048² sources")
    args = ap.parse_args()
    result = memory(args) if args.mode == "memory" else lazy(args)
    path = BENCH / "results" / f"build_cost_{args.mode}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"mode": args.mode, **result}, indent=2, default=str))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Derivatives, ours against django-pictures, through both real entry points, at equal bytes.

    bench/.venv/bin/python bench/derivatives.py [--quick] [--out derivatives.json]

Ours is the production path with its database and storage (bench/deriv_prod.py): ingest, then
moderation.jobs.classify_asset and renditions.build (C2PA-signed, stored, rows marked ready).
Theirs is django-pictures 1.8.0's pictures.tasks.process_picture on a FileSystemStorage
(bench/deriv_peer.py), asked for exactly the (width, format) pairs our build() made.
Five sources of different kinds (bench/deriv_sources.py). Crops and the share card are off
on our side (django-pictures would need its own aspect-ratio pictures).

1. "as shipped": both with their default encoder settings. Our build() is also compared with
   the cheapest encoders for the same outputs, and moderation + build of the 2048² source
   gives images per hour per worker.
2. "equal bytes": our quality per format is searched so that our encoded bytes match
   django-pictures' within ~2 % (bench/deriv_match.py); their settings stay as shipped.
   Our build() and their processor then run interleaved, source by source (who goes first
   alternates), and every rendition is scored with SSIMULACRA2 against an OpenCV INTER_AREA
   reference that neither side uses (bench/deriv_quality.py).

CPU is process CPU time (all threads); wall is perf_counter. Threads: our AVIF max_threads=1,
theirs Pillow's default (the CPUs this process may use); libwebp, libjpeg and Pillow's resize
run one thread on both sides. Writes bench/results/<out>.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import deriv_prod

VAR = deriv_prod.configure()

import benchlib  # noqa: E402

settings = benchlib.setup_django()

import deriv_match  # noqa: E402
import deriv_peer  # noqa: E402
import deriv_quality  # noqa: E402
import deriv_report  # noqa: E402
import deriv_sources  # noqa: E402

FORMATS = ("avif", "webp", "jpeg")
TARGETS = {"cpu_vs_peer": 0.5, "build_vs_floor": 1.15, "images_per_hour": 2800}


def timed(fn, *args):
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0, time.process_time() - c0


def setup_sources(scale: float) -> list[dict]:
    """Ingest every source (its first build, in-process, is the warm-up) and warm NudeNet."""
    deriv_prod.prepare_django(settings)
    items = []
    for name, png in deriv_sources.sources(scale):
        asset = deriv_prod.ingest(name, png)
        pairs = [(w, f) for w, f, _, _ in deriv_prod.outputs(asset)]
        items.append({"name": name, "png": png, "asset": asset, "pairs": sorted(pairs)})
    deriv_prod.moderate(items[0]["asset"].id)
    return items


def run_peer(peer: deriv_peer.Peer, item: dict) -> dict:
    file_name = peer.upload(item["name"], item["png"])
    pictures = peer.pictures(file_name, item["pairs"])
    peer.clear(pictures)
    _, wall, cpu = timed(peer.process, file_name, pictures)
    return {"wall_s": wall, "cpu_s": cpu, "files": peer.outputs(pictures)}


def run_ours(item: dict) -> dict:
    deriv_prod.reset(item["asset"])
    _, wall, cpu = timed(deriv_prod.build, item["asset"])
    files = [(w, f, data) for w, f, data, _ in deriv_prod.outputs(item["asset"])]
    states = {c for *_, c in deriv_prod.outputs(item["asset"])}
    return {"wall_s": wall, "cpu_s": cpu, "files": files, "c2pa": sorted(states)}


def shipped(items: list[dict], peer: deriv_peer.Peer) -> None:
    """Phase 1: both as shipped, plus the floor and moderation, order alternating."""
    formats = dict(settings.DERIVATIVE_FORMATS)
    for i, item in enumerate(items):
        steps = ["ours", "peer", "floor", "moderation"]
        steps = steps[i % 4 :] + steps[: i % 4]
        res = {}
        for step in steps:
            if step == "ours":
                res["ours"] = run_ours(item)
            elif step == "peer":
                res["peer"] = run_peer(peer, item)
            elif step == "floor":
                _, wall, cpu = timed(deriv_prod.floor, item["png"], item["pairs"], formats)
                res["floor"] = {"wall_s": wall, "cpu_s": cpu}
            else:
                _, wall, cpu = timed(deriv_prod.moderate, item["asset"].id)
                res["moderation"] = {"wall_s": wall, "cpu_s": cpu}
        item["shipped"] = res
        print(f"  shipped {item['name']}: " + deriv_report.brief(res), flush=True)


def match(items: list[dict]) -> tuple[dict, dict]:
    """Our per-format options whose bytes equal the peer's (as shipped) within ~2 %."""
    resized = deriv_match.Resized(
        {it["name"]: it["png"] for it in items}, {it["name"]: it["pairs"] for it in items}
    )
    matched, ratios = {}, {}
    for fmt, options in settings.DERIVATIVE_FORMATS.items():
        target = sum(
            len(d) for it in items for _, f, d in it["shipped"]["peer"]["files"] if f == fmt
        )
        if not target:
            continue
        matched[fmt], ratios[fmt] = deriv_match.search(resized, fmt, dict(options), target)
        print(f"  matched {fmt}: {matched[fmt]}  bytes ratio {ratios[fmt]:.3f}", flush=True)
    return matched, ratios


def equal_bytes(items: list[dict], peer: deriv_peer.Peer, matched: dict) -> None:
    """Phase 2: our build() at the matched qualities and theirs, interleaved."""
    settings.DERIVATIVE_FORMATS = {f: dict(o) for f, o in matched.items()}
    for i, item in enumerate(items):
        deriv_prod.plan_rows(item["asset"])  # rows for the new recipe, untimed
        order = ("ours", "peer") if i % 2 == 0 else ("peer", "ours")
        res = {}
        for side in order:
            res[side] = run_ours(item) if side == "ours" else run_peer(peer, item)
        item["equal"] = res
        print(f"  equal bytes {item['name']}: " + deriv_report.brief(res), flush=True)


def score(items: list[dict], phase: str, sides=("ours", "peer")) -> None:
    for item in items:
        ref = deriv_quality.Reference(item["png"])
        for side in sides:
            rows = []
            for width, fmt, data in item[phase][side]["files"]:
                s2, size = ref.score(data)
                rows.append(
                    {
                        "width": width,
                        "height": size[1],
                        "format": fmt,
                        "bytes": len(data),
                        "ssimulacra2": s2,
                    }
                )
            item[phase][side]["renditions"] = rows
            item[phase][side]["ssimulacra2"] = statistics.fmean(r["ssimulacra2"] for r in rows)
        print(f"  scored {phase} {item['name']}", flush=True)


def score_resizers(items: list[dict], peer: deriv_peer.Peer) -> None:
    """SSIMULACRA2 of each side's resizes alone (before encoding) against the same reference:
    how much of the equal-bytes difference the resampler accounts for."""
    from aiassets import imaging

    for item in items:
        ref = deriv_quality.Reference(item["png"])
        widths = sorted({w for w, _ in item["pairs"]})
        src = imaging.prepare_source(item["png"], imaging.Limits(), widths)
        ours = list(imaging.resize_ladder(src.image, src.sizes))
        theirs = peer.resized(peer.upload(item["name"], item["png"]), widths)
        item["resize_only"] = {
            side: statistics.fmean(ref.score_image(im) for im in ims)
            for side, ims in (("ours", ours), ("peer", theirs))
        }
        print(f"  resize-only {item['name']}: {item['resize_only']}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="sources at half size (a smoke test)")
    ap.add_argument("--score-shipped", action="store_true", help="also score phase 1")
    ap.add_argument("--out", default="derivatives.json", help="file name under bench/results/")
    args = ap.parse_args()
    machine = deriv_report.machine(settings, deriv_peer)
    deriv_report.print_machine(machine)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pictures-"))
    try:
        peer = deriv_peer.Peer(tmp)
        items = setup_sources(0.5 if args.quick else 1.0)
        t0 = time.perf_counter()
        shipped(items, peer)
        matched, ratios = match(items)
        equal_bytes(items, peer, matched)
        score(items, "equal")
        score_resizers(items, peer)
        if args.score_shipped:
            score(items, "shipped")
        machine["load_after"] = deriv_report.loadavg()
        machine["bench_wall_s"] = time.perf_counter() - t0
        summary = deriv_report.summarize(items, matched, ratios, TARGETS)
        deriv_report.print_all(items, summary, TARGETS)
        path = benchlib.write_json(args.out, deriv_report.payload(machine, items, summary))
        print(f"wrote {path.relative_to(benchlib.ROOT)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()

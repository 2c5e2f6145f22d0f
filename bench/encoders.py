"""Encoder-settings sweep on our pipeline: time, bytes and SSIM per format and setting.

    bench/.venv/bin/python bench/encoders.py [--quick] [--images N]

Uses the same corpus and widths as bench/derivatives.py. Each image is decoded and resized once
(aiassets.imaging.prepare_source + resize_ladder, as render_set does); then every setting
encodes every size, one thread (max_threads=1 for AVIF). Prints a table per format and, if
bench/results/derivatives.json exists, the fastest setting combinations that meet the targets
against django-pictures (bytes ratio <= 1.0, mean SSIM no more than 0.005 below theirs).
Writes bench/results/encoders.json.
"""

from __future__ import annotations

import argparse
import gc
import io
import itertools
import json
import statistics
import time

import benchlib

settings = benchlib.setup_django()

from aiassets import imaging  # noqa: E402

XMP = imaging.iptc_xmp()

# (label, Pillow save kwargs). "cur" = config defaults; "pil" = Pillow's defaults, i.e. what
# django-pictures writes (it passes no options).
SWEEP = {
    "avif": [
        ("q60 s8", {"quality": 60, "speed": 8}),
        ("q65 s8", {"quality": 65, "speed": 8}),
        ("q70 s8 (cur)", {"quality": 70, "speed": 8}),
        ("q75 s8", {"quality": 75, "speed": 8}),
        ("q70 s9", {"quality": 70, "speed": 9}),
        ("q70 s10", {"quality": 70, "speed": 10}),
        ("q75 s6 (pil)", {"quality": 75, "speed": 6}),
    ],
    "webp": [
        ("q75 m4", {"quality": 75, "method": 4}),
        ("q80 m4 (pil)", {"quality": 80, "method": 4}),
        ("q85 m4", {"quality": 85, "method": 4}),
        ("q88 m4 (cur)", {"quality": 88, "method": 4}),
        ("q80 m2", {"quality": 80, "method": 2}),
        ("q85 m2", {"quality": 85, "method": 2}),
        ("q88 m2", {"quality": 88, "method": 2}),
    ],
    "jpeg": [
        ("q75 base (pil)", {"quality": 75}),
        ("q75 opt prog", {"quality": 75, "optimize": True, "progressive": True}),
        ("q78 opt prog", {"quality": 78, "optimize": True, "progressive": True}),
        ("q82 opt prog (cur)", {"quality": 82, "optimize": True, "progressive": True}),
        ("q82 opt base", {"quality": 82, "optimize": True, "progressive": False}),
    ],
}
PIL_NAME = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}


def encode(im, fmt, kwargs):
    buf = io.BytesIO()
    extra = {"max_threads": 1} if fmt == "avif" else {}
    im.save(buf, PIL_NAME[fmt], xmp=XMP, **kwargs, **extra)
    return buf.getvalue()


def sweep_corpus(n: int, widths: list[int]) -> dict:
    """Encode every size of each image with every setting.

    ``acc[fmt][label] = {"s": [...per image], "bytes": int, "ssim": [...per rendition]}``
    """
    acc = {f: {lab: {"s": [], "bytes": 0, "ssim": []} for lab, _ in s} for f, s in SWEEP.items()}
    for i, (name, png) in enumerate(benchlib.corpus(n)):
        src = imaging.prepare_source(png, imaging.Limits(), widths)
        resized = list(imaging.resize_ladder(src.image, src.sizes))
        refs = benchlib.References(png)
        for fmt, sweep in SWEEP.items():
            for label, kwargs in sweep:
                gc.collect()
                t0 = time.perf_counter()
                blobs = [encode(im, fmt, kwargs) for im in resized]
                acc[fmt][label]["s"].append(time.perf_counter() - t0)
                acc[fmt][label]["bytes"] += sum(map(len, blobs))
                acc[fmt][label]["ssim"] += [refs.score(b)[0] for b in blobs]
        print(f"[{i + 1}/{n}] {name}", flush=True)
    return acc


def format_table(acc: dict) -> dict:
    """Per format and setting: mean time per image, bytes, mean SSIM (printed against cur)."""
    table = {}
    for fmt, sweep in SWEEP.items():
        cur = next(lab for lab, _ in sweep if "(cur)" in lab)
        c = acc[fmt][cur]
        print(
            f"\n{fmt.upper():<20} {'s/image':>8} {'total KB':>9} {'bytes/cur':>9} "
            f"{'SSIM':>7} {'dSSIM':>7}"
        )
        for label, _ in sweep:
            a = acc[fmt][label]
            row = {
                "s_per_image": statistics.fmean(a["s"]),
                "bytes": a["bytes"],
                "ssim": statistics.fmean(a["ssim"]),
                "renditions": len(a["ssim"]),
            }
            table.setdefault(fmt, {})[label] = row
            print(
                f"{label:<20} {row['s_per_image']:8.3f} {benchlib.kb(row['bytes']):>9} "
                f"{a['bytes'] / c['bytes']:9.2f} {row['ssim']:7.4f} "
                f"{row['ssim'] - statistics.fmean(c['ssim']):+7.4f}"
            )
    return table


def all_combos(table: dict) -> list[dict]:
    """Every choice of one setting per format, with its summed time and bytes."""
    combos = []
    for picks in itertools.product(*(table[f].items() for f in SWEEP)):
        combos.append(
            {
                "settings": {f: lab for f, (lab, _) in zip(SWEEP, picks, strict=True)},
                "s_per_image": sum(r["s_per_image"] for _, r in picks),
                "bytes": sum(r["bytes"] for _, r in picks),
                # equal rendition counts per format, so the mean of means is the overall mean
                "ssim": statistics.fmean(r["ssim"] for _, r in picks),
            }
        )
    return combos


def meeting_targets(combos: list[dict], n: int) -> list[dict] | None:
    """The fastest combos that meet the django-pictures targets (printed), or None without a
    results/derivatives.json from a run on the same number of images."""
    derived = benchlib.RESULTS_DIR / "derivatives.json"
    if not derived.exists():
        return None
    d = json.loads(derived.read_text())
    if "pictures" not in d.get("summary", {}):  # derivatives.py now writes another schema
        print("\n(no comparable derivatives.json: see bench/deriv_presets.py for equal bytes)")
        return None
    theirs = d["summary"]["pictures"]
    if len(d["images"]) != n:
        print(
            f"\n(derivatives.json has {len(d['images'])} images, not {n}: "
            "run both with the same --images to compare against django-pictures)"
        )
        return None
    ok = [
        c
        for c in combos
        if c["bytes"] <= theirs["bytes_total"] and c["ssim"] >= theirs["ssim_mean"] - 0.005
    ]
    ok.sort(key=lambda c: c["s_per_image"])
    print(
        f"\nCombos meeting bytes <= django-pictures ({benchlib.kb(theirs['bytes_total'])}"
        f" KB) and SSIM >= {theirs['ssim_mean']:.4f} - 0.005, fastest first "
        f"(encode time only; add decode+resize ~= ours minus encodes):"
    )
    for c in ok[:8]:
        s = c["settings"]
        print(
            f"  {s['avif']:<14} {s['webp']:<14} {s['jpeg']:<20} "
            f"{c['s_per_image']:.2f} s  {benchlib.kb(c['bytes'])} KB "
            f"(x{c['bytes'] / theirs['bytes_total']:.2f})  SSIM {c['ssim']:.4f}"
        )
    if not ok:
        print("  none")
    return ok[:20]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4 images instead of 12")
    ap.add_argument("--images", type=int)
    args = ap.parse_args()
    n = args.images or (4 if args.quick else 12)
    widths = list(settings.DERIVATIVE_WIDTHS)

    table = format_table(sweep_corpus(n, widths))
    combos = all_combos(table)
    result = {"images": n, "widths": widths, "table": table}
    ok = meeting_targets(combos, n)
    if ok is not None:
        result["meeting_targets"] = ok
    result["combos"] = combos
    path = benchlib.write_json("encoders.json", result)
    print(f"wrote {path.relative_to(benchlib.ROOT)}")


if __name__ == "__main__":
    main()

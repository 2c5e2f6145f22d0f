"""Candidate srcset width sets for a 2048x2048 source: build time, bytes and srcset waste.

    bench/.venv/bin/python bench/widths.py [--quick] [--set 320,640,...]...

For each set: wall time of aiassets.imaging.render_set (all DERIVATIVE_FORMATS, config encoder
settings) per image, files and total bytes. "Srcset waste": for slot widths 320..2560 px in
steps of 40 at DPR 1 and 2, the browser needs slot*DPR px (at most the source width) and takes
the next-larger candidate (the largest if none is larger); waste = bytes of that candidate minus
bytes of an image exactly as wide as needed. The "exact" bytes come from a dense ladder of
direct resizes (every 40 px, plus every candidate width), encoded with the same settings.
Writes bench/results/widths.json.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import benchlib

settings = benchlib.setup_django()

from PIL import Image  # noqa: E402

from aiassets import imaging, synth  # noqa: E402

CANDIDATES = {
    "A (current)": [320, 640, 960, 1280, 1600, 1920, 2560],
    "B (dense)": [320, 480, 640, 768, 1024, 1280, 1600, 1920, 2560],
    "C (400 step)": [400, 800, 1200, 1600, 2000, 2560],
    "D (B - 1920)": [320, 480, 640, 768, 1024, 1280, 1600, 2560],
    "E (160 step)": [320, 480, 640, 800, 960, 1120, 1280, 1440, 1600, 1760, 1920, 2560],
}
SLOTS = range(320, 2561, 40)
DPRS = (1, 2)
SIDE = 2048


def ladder_bytes(png, ladder, formats):
    """{fmt: {width: bytes}} for direct LANCZOS resizes of the prepared source."""
    src = imaging.prepare_source(png, imaging.Limits(), [max(ladder)]).image
    xmp = imaging.iptc_xmp()
    out = {f: {} for f in formats}
    for w in ladder:
        h = imaging.scaled_height(src.width, src.height, w)
        im = src if w == src.width else src.resize((w, h), Image.Resampling.LANCZOS)
        for fmt, opts in formats.items():
            out[fmt][w] = len(imaging.encode(im.copy(), fmt, opts, xmp))
    return out


def waste(planned, sizes, src_width):
    """{dpr: (mean extra bytes, mean extra fraction, fraction of slots served too small)}.

    When even the largest candidate is narrower than needed, nothing is wasted but the slot is
    under-served: that counts 0 waste and is reported as 'short'."""
    res = {}
    for dpr in DPRS:
        extra, pct, short = [], [], 0
        for slot in SLOTS:
            need = min(slot * dpr, src_width)
            chosen = next((w for w in planned if w >= need), planned[-1])
            if chosen < need:
                short += 1
            diff = max(0, sizes[chosen] - sizes[need])
            extra.append(diff)
            pct.append(diff / sizes[need])
        res[dpr] = (statistics.fmean(extra), statistics.fmean(pct), short / len(SLOTS))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 image instead of 2, 1 timing run")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="W,W,...",
        help="an extra candidate width set (repeatable)",
    )
    args = ap.parse_args()
    formats = dict(settings.DERIVATIVE_FORMATS)
    cands = dict(CANDIDATES)
    for i, s in enumerate(args.set):
        cands[f"X{i + 1} (--set)"] = sorted(int(w) for w in s.split(","))
    styles = ["photo"] if args.quick else ["photo", "flat"]
    runs = 1 if args.quick else 3
    images = [
        (f"{st}-{SIDE}", synth.encode(synth.artwork(SIDE, SIDE, 300 + k, st), "PNG"))
        for k, st in enumerate(styles)
    ]
    planned = {name: imaging.plan_widths(SIDE, ws) for name, ws in cands.items()}
    ladder = sorted(set(range(320, SIDE + 1, 40)) | {w for p in planned.values() for w in p})
    ladder = [w for w in ladder if w <= SIDE]

    list(imaging.render_set(images[0][1], imaging.Limits(), [320], formats))  # warm-up
    rows = {
        name: {
            "widths": cands[name],
            "planned": planned[name],
            "s": [],
            "bytes": {},
            "waste": {f: {d: [] for d in DPRS} for f in formats},
        }
        for name in cands
    }
    for img_name, png in images:
        sizes = ladder_bytes(png, ladder, formats)
        times = {name: [] for name in cands}
        for _ in range(runs):
            for name in cands:  # interleave the sets within each run
                gc.collect()
                t0 = time.perf_counter()
                out = list(imaging.render_set(png, imaging.Limits(), cands[name], formats))
                times[name].append(time.perf_counter() - t0)
                for r in out:
                    rows[name]["bytes"][r.format] = rows[name]["bytes"].get(r.format, 0) + len(
                        r.data
                    )
        for name in cands:
            rows[name]["s"].append(min(times[name]))  # the least disturbed run
            for fmt in formats:
                for dpr, val in waste(planned[name], sizes[fmt], SIDE).items():
                    rows[name]["waste"][fmt][dpr].append(val)
        print(f"measured {img_name} (ladder of {len(ladder)} widths)", flush=True)

    for name in cands:  # bytes were summed over runs
        rows[name]["bytes"] = {f: b // runs for f, b in rows[name]["bytes"].items()}

    print(
        f"\n{SIDE}x{SIDE} source, {len(images)} image(s) ({', '.join(styles)}), formats "
        f"{'/'.join(formats)}; time = render_set wall s per image (best of {runs}, mean "
        f"over images); MP = megapixels encoded per image; waste = mean extra KB per "
        "download (AVIF | JPEG), DPR 1 and 2; short = slots whose need exceeds the largest "
        "width built"
    )
    print(
        f"{'set':<14} {'widths built':<44} {'files':>5} {'s/img':>6} {'MP':>5} {'KB/img':>7} "
        f"{'AVIF waste d1':>14} {'d2':>12} {'JPEG waste d1':>14} {'d2':>12} {'short':>6}"
    )
    summary = {}
    for name, r in rows.items():
        t = statistics.fmean(r["s"])
        total = sum(r["bytes"].values()) / len(images)
        w = {
            f: {d: tuple(statistics.fmean(x[i] for x in v[d]) for i in range(3)) for d in DPRS}
            for f, v in r["waste"].items()
        }
        short = statistics.fmean(w["avif"][d][2] for d in DPRS)
        summary[name] = {
            "widths": r["widths"],
            "built": r["planned"],
            "s_per_image": t,
            "bytes_per_image": total,
            "bytes_per_format": {f: b / len(images) for f, b in r["bytes"].items()},
            "waste_bytes": {f: {d: w[f][d][0] for d in DPRS} for f in w},
            "waste_pct": {f: {d: w[f][d][1] for d in DPRS} for f in w},
            "short_fraction": short,
            "megapixels": sum(w * w for w in r["planned"]) / 1e6,  # square source
            "files": len(r["planned"]) * len(formats),
        }

        def cell(f, d, w=w):
            return f"{w[f][d][0] / 1024:5.1f} ({w[f][d][1] * 100:3.0f}%)"

        print(
            f"{name:<14} {str(r['planned']):<44} {summary[name]['files']:5d} {t:6.2f} "
            f"{summary[name]['megapixels']:5.1f} "
            f"{total / 1024:7.0f} {cell('avif', 1):>14} {cell('avif', 2):>12} "
            f"{cell('jpeg', 1):>14} {cell('jpeg', 2):>12} {short * 100:5.0f}%"
        )

    # A short recommendation: the least AVIF waste (the format most browsers fetch, averaged
    # over DPR 1 and 2) among sets that encode at most 10 % more pixels than the current set.
    # Pixels encoded track build time and, unlike a 2-core wall clock, do not vary by run.
    def avif_waste(k):
        return statistics.fmean(summary[k]["waste_bytes"]["avif"].values())

    base = next(iter(summary))
    budget = 1.10 * summary[base]["megapixels"]
    near = [
        k
        for k in summary
        if summary[k]["megapixels"] <= budget and summary[k]["short_fraction"] == 0
    ]
    best = min(near, key=avif_waste)
    pareto = [
        k
        for k in summary
        if not any(
            summary[o]["s_per_image"] < summary[k]["s_per_image"] and avif_waste(o) < avif_waste(k)
            for o in summary
        )
    ]
    print(f"\nPareto-optimal (time vs AVIF waste): {', '.join(pareto)}")
    print(
        f"Recommendation: {best} {summary[best]['widths']}: least AVIF waste "
        f"({avif_waste(best) / 1024:.1f} KB per download vs {avif_waste(base) / 1024:.1f} KB for "
        f"{base}) among sets encoding <= 1.10x the pixels of {base} that serve every slot in full."
    )
    least = min(summary, key=avif_waste)
    if least != best:
        print(
            f"  {least} wastes less ({avif_waste(least) / 1024:.1f} KB) but costs "
            f"{summary[least]['s_per_image'] / summary[base]['s_per_image']:.2f}x the build time "
            f"and {summary[least]['bytes_per_image'] / summary[base]['bytes_per_image']:.2f}x "
            "the storage."
        )
    path = benchlib.write_json(
        "widths.json",
        {
            "side": SIDE,
            "images": [n for n, _ in images],
            "formats": formats,
            "ladder": ladder,
            "summary": summary,
            "recommended": best,
        },
    )
    print(f"wrote {path.relative_to(benchlib.ROOT)}")


if __name__ == "__main__":
    main()

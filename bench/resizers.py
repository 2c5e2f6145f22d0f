"""How to derive a ladder of widths from one decoded source: CPU and quality of each way.

    bench/.venv/bin/python bench/resizers.py               # the five derivatives sources
    bench/.venv/bin/python bench/resizers.py --scale 0.5   # quicker

Every strategy makes every planned width (DERIVATIVE_WIDTHS, no upscaling) of each source in
bench/deriv_sources.py, pixels only (no encoding). CPU is process time of the resizes alone,
best of three. Quality is SSIMULACRA2 of each output against two references made by a
resampler none of the strategies uses: OpenCV INTER_AREA (area averaging) and OpenCV
INTER_LANCZOS4, each straight from the source; the mean over every output is printed.

- cascade:   each width LANCZOS-resized from the previous (larger) output; a box reduce()
             first when the step is 3x or more (production before this bench)
- direct:    each width from the source: reduce() by the integer factor that leaves 2x or
             more, then LANCZOS (Pillow's reducing_gap=2.0)
- ancestor:  each width from the smallest earlier output at least twice as wide (else the
             source), as "direct": a cascade only two or three generations deep
- thumbnail: each width from the source, reduce() then BICUBIC, as django-pictures
             (Image.thumbnail) does
- ladder:    production's resize_ladder: as thumbnail, each integer reduce() of the source
             made once and shared by the widths that need it
- anc-bicubic: as ancestor, with BICUBIC
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import cv2  # noqa: E402
import deriv_sources  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from ssimulacra2 import compute_ssimulacra2  # noqa: E402

from aiassets.conf import DEFAULTS  # noqa: E402

Image.MAX_IMAGE_PIXELS = None
cv2.setNumThreads(1)
LANCZOS, BICUBIC = Image.Resampling.LANCZOS, Image.Resampling.BICUBIC
Sizes = list[tuple[int, int]]


def cascade(im: Image.Image, sizes: Sizes) -> list[Image.Image]:
    out, current = [], im
    for size in sizes:
        gap = 3.0 if current.width >= 3 * size[0] else None
        current = current.resize(size, LANCZOS, reducing_gap=gap)
        out.append(current)
    return out


def direct(im: Image.Image, sizes: Sizes, resample=LANCZOS) -> list[Image.Image]:
    return [im.resize(size, resample, reducing_gap=2.0) for size in sizes]


def ancestor(im: Image.Image, sizes: Sizes, resample=LANCZOS) -> list[Image.Image]:
    out: list[Image.Image] = []
    for size in sizes:
        parent = next((o for o in reversed(out) if o.width >= 2 * size[0]), im)
        out.append(parent.resize(size, resample, reducing_gap=2.0))
    return out


def thumbnail(im: Image.Image, sizes: Sizes) -> list[Image.Image]:
    return direct(im, sizes, BICUBIC)


def ladder(im: Image.Image, sizes: Sizes) -> list[Image.Image]:
    """What production runs: aiassets.imaging.resize_ladder."""
    from aiassets.imaging import resize_ladder

    return list(resize_ladder(im, sizes))


def ancestor_bicubic(im: Image.Image, sizes: Sizes) -> list[Image.Image]:
    return ancestor(im, sizes, BICUBIC)


STRATEGIES: dict[str, Callable[[Image.Image, Sizes], list[Image.Image]]] = {
    "cascade": cascade,
    "direct": direct,
    "ancestor": ancestor,
    "thumbnail": thumbnail,
    "ladder": ladder,
    "anc-bicubic": ancestor_bicubic,
}


def sizes_of(im: Image.Image) -> Sizes:
    widths = sorted({w for w in DEFAULTS["DERIVATIVE_WIDTHS"] if w < im.width}, reverse=True)
    return [(w, max(1, round(im.height * w / im.width))) for w in widths]


def ppm(arr: np.ndarray) -> io.BytesIO:
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, "PPM")
    buf.seek(0)
    return buf


def score(source: np.ndarray, out: Image.Image, interpolation: int) -> float:
    ref = cv2.resize(source, out.size, interpolation=interpolation)
    return float(compute_ssimulacra2(ppm(ref), ppm(np.asarray(out.convert("RGB")))))


def measure(name: str, png: bytes) -> dict[str, dict[str, float]]:
    im = Image.open(io.BytesIO(png)).convert("RGB")
    source, sizes = np.asarray(im), sizes_of(im)
    result = {}
    for label, fn in STRATEGIES.items():
        cpu = []
        for _ in range(3):
            start = time.process_time()
            outs = fn(im, sizes)
            cpu.append(time.process_time() - start)
        result[label] = {
            "cpu_s": min(cpu),
            "area": statistics.fmean(score(source, o, cv2.INTER_AREA) for o in outs),
            "lanczos4": statistics.fmean(score(source, o, cv2.INTER_LANCZOS4) for o in outs),
        }
        print(f"  {name:<22} {label:<10} " + fmt(result[label]), flush=True)
    return result


def fmt(r: dict[str, float]) -> str:
    return f"{r['cpu_s'] * 1000:7.1f} ms  AREA {r['area']:6.2f}  LANCZOS4 {r['lanczos4']:6.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    runs = {name: measure(name, png) for name, png in deriv_sources.sources(args.scale)}
    print("\nmean over the sources (CPU summed):")
    for label in STRATEGIES:
        rows = [r[label] for r in runs.values()]
        total = {
            "cpu_s": sum(r["cpu_s"] for r in rows),
            "area": statistics.fmean(r["area"] for r in rows),
            "lanczos4": statistics.fmean(r["lanczos4"] for r in rows),
        }
        print(f"  {label:<10} " + fmt(total))


if __name__ == "__main__":
    main()

"""Equal bytes for bench/derivatives.py: find our quality per format so that our encoded
bytes for a format, summed over every source and width, match django-pictures' within ~2 %.

Matching uses our production encoder (aiassets.imaging.encode, the one build() calls) on
our production resizes, and compares image payloads: the C2PA manifest build() adds to each
file (a few kB, a feature the peer does not have) is reported separately, not matched.
AVIF and JPEG take integer qualities, so they can land a step away; WebP takes a float.
"""

from __future__ import annotations

from PIL import Image

from aiassets import imaging

XMP = imaging.iptc_xmp()


class Resized:
    """Each source decoded and resized once (production's prepare_source + resize_ladder)."""

    def __init__(self, sources: dict[str, bytes], pairs: dict[str, list[tuple[int, str]]]):
        self.images: dict[str, list[tuple[str, Image.Image]]] = {}
        for name, png in sources.items():
            widths = sorted({w for w, _ in pairs[name]})
            src = imaging.prepare_source(png, imaging.Limits(), widths)
            made = list(imaging.resize_ladder(src.image, src.sizes))
            self.images[name] = [
                (fmt, im) for im in made for w, fmt in pairs[name] if w == im.width
            ]

    def encoded(self, fmt: str, options: dict):
        """Yield (source name, encoded bytes) of every ``fmt`` rendition at ``options``."""
        for name, ims in self.images.items():
            for f, im in ims:
                if f == fmt:
                    yield name, imaging.encode(im, f, options, XMP)

    def total(self, fmt: str, options: dict) -> int:
        return sum(len(data) for _, data in self.encoded(fmt, options))


def search(resized: Resized, fmt: str, options: dict, target: int) -> tuple[dict, float]:
    """Bisect ``quality`` (1..100) until bytes are within 1 % of ``target`` or the step is
    below what the encoder takes. Returns (options, bytes ratio ours/target)."""
    lo, hi = 1.0, 100.0
    best = (dict(options), float("inf"))
    integer = fmt != "webp"
    for _ in range(12):
        q = (lo + hi) / 2
        q = round(q) if integer else round(q, 2)
        trial = {**options, "quality": q}
        ratio = resized.total(fmt, trial) / target
        if abs(ratio - 1) < abs(best[1] - 1):
            best = (trial, ratio)
        if abs(ratio - 1) <= 0.01 or (integer and hi - lo <= 1):
            break
        lo, hi = (q, hi) if ratio < 1 else (lo, q)
    return best

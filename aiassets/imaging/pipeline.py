"""Derivatives: plan sizes, decode once, resize to every width (resize_ladder), encode."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .colour import normalize
from .decode import open_image
from .encode import encode, iptc_xmp
from .redact import Box, redact
from .resampling import RESAMPLE, reduce_factor, shrink
from .types import Inspection, Limits

# A configured rung less than this factor below the source width is a near-duplicate of the
# source's own rung (a 2048 px source made both 1920 and 2048): the source's rung replaces it.
NEAR_DUPLICATE = 1.10


def plan_widths(source_width: int, widths: list[int]) -> list[int]:
    """Widths to build for a source: never upscale; add the source width when it is smaller
    than the largest configured width and not already present, and then drop the configured
    rungs it makes near-duplicates (within NEAR_DUPLICATE below it)."""
    wanted = sorted({w for w in widths if 0 < w <= source_width})
    if widths and source_width < max(widths) and source_width not in wanted:
        wanted = [w for w in wanted if w * NEAR_DUPLICATE <= source_width]
        wanted.append(source_width)
    return wanted


def scaled_height(source_width: int, source_height: int, width: int) -> int:
    return max(1, round(source_height * width / source_width))


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    format: str
    data: bytes
    error: str = ""  # set (and data empty) when encoding failed under keep_going
    ratio: str = ""  # the crop's ratio slug ("16x9"), "" for the full frame


@dataclass(frozen=True)
class CropJob:
    """One aspect ratio to cut from the (redacted) source: its box as fractions of the
    displayed image and the exact (width, height, format) outputs wanted from it."""

    ratio: str
    box: tuple[float, float, float, float]
    outputs: set[tuple[int, int, str]] = field(default_factory=set)

    def source_width(self) -> int:
        """How wide the decoded source must stay so that no output of this crop upscales."""
        widest = max((w for w, _, _ in self.outputs), default=0)
        return math.ceil(widest / max(1e-9, self.box[2] - self.box[0]))


def resize_ladder(im: Image.Image, sizes: list[tuple[int, int]]) -> Iterator[Image.Image]:
    """Yield ``im`` resized to each (width, height), largest first.

    Each size comes from the integer ``reduce()`` of ``im`` (box averaging) that leaves at least
    REDUCING_GAP times its size, made once and shared by every size that needs that factor,
    then one RESAMPLE step: resampling.shrink, without reducing again for each width.
    Every output is one or two steps from ``im``. A chain of LANCZOS resizes, each from the
    last, rang and blurred at its deep end on a 16-rung ladder: 4.6 to 7 SSIMULACRA2 points
    lower on two independent references (bench/resizers.py; text 14 points lower).
    """
    reduced = {1: im}
    for size in sorted(set(sizes), reverse=True):
        if size == im.size:
            yield im
            continue
        factor = reduce_factor(im.width, im.height, size)
        if factor not in reduced:
            reduced[factor] = im.reduce(factor)
        box = (0, 0, im.width / factor, im.height / factor)  # reduce() rounds its size up
        yield reduced[factor].resize(size, RESAMPLE, box=box)


def variant_sizes(width: int, height: int, widths: list[int]) -> list[tuple[int, int]]:
    """(width, height) of every rendition a ``width``×``height`` source gets."""
    return [(w, scaled_height(width, height, w)) for w in plan_widths(width, widths)]


@dataclass
class PreparedSource:
    image: Image.Image  # upright sRGB RGB/RGBA, no larger than the largest size needed
    info: Inspection
    sizes: list[tuple[int, int]]  # every rendition size, in displayed orientation


@dataclass
class Decoded:
    """A decoded original, before shrinking: the pixels as the decoder gave them (a JPEG's
    already at reduced scale), the file's inspection, and the sizes wanted of it."""

    image: Image.Image
    info: Inspection
    top: tuple[int, int]  # the largest size needed, as displayed
    sizes: list[tuple[int, int]]  # every rendition size, as displayed


def decode_source(data: bytes, limits: Limits, widths: list[int], keep_width: int = 0) -> Decoded:
    """Decode once; a JPEG at the smallest DCT scale that covers the largest size needed
    (draft(): its full-size pixels are never held). ``keep_width`` keeps it at least that
    wide (crops need more of the source than their output width). ``data`` is not needed
    after this: callers drop it before shrink_source() to lower the peak."""
    needed: list[tuple[int, int]] = []

    def largest(info: Inspection) -> tuple[int, int]:
        sizes = variant_sizes(info.width, info.height, widths)
        top = max(sizes) if sizes else (info.width, info.height)
        if keep_width > top[0]:
            kept = min(keep_width, info.width)
            top = (kept, scaled_height(info.width, info.height, kept))
        needed[:] = [top, *sizes]
        return top

    im, info = open_image(data, limits, scale_to=largest)
    if not needed:
        largest(info)
    return Decoded(im, info, needed[0], needed[1:])


def shrink_source(decoded: Decoded) -> PreparedSource:
    """The upright sRGB image at the largest size needed. The first downscale of an 8-bit
    image runs in bands of rows (the same result, a fraction of the working memory)
    and frees the full-size decode before the colour steps."""
    im, info, top = decoded.image, decoded.info, decoded.top
    decoded.image = None  # the caller's Decoded no longer holds the full-size pixels
    im = _banded_resize(im, top[::-1] if info.orientation in (5, 6, 7, 8) else top)
    return PreparedSource(normalize(im, size=top), info, decoded.sizes)


def prepare_source(
    data: bytes, limits: Limits, widths: list[int], keep_width: int = 0
) -> PreparedSource:
    """decode_source() then shrink_source(): the upright sRGB image, no larger than the
    largest rendition needs, the inspection and every rendition size."""
    return shrink_source(decode_source(data, limits, widths, keep_width))


BAND_ROWS = 256  # output rows per band of the first downscale


def _banded_resize(im: Image.Image, stored: tuple[int, int]) -> Image.Image:
    """``im`` shrunk (resampling.shrink) to ``stored`` band by band: each band's box reads the
    source rows its filter needs, so the result equals one shrink(), without its full-height
    intermediate. Other modes, or no downscale, are left to normalize()."""
    if im.mode not in ("L", "LA", "RGB", "RGBA") or stored == im.size:
        return im
    if stored[0] > im.width or stored[1] > im.height:
        return im
    out = Image.new(im.mode, stored)
    out.info = dict(im.info)  # the orientation and colour profile normalize() reads
    scale = im.height / stored[1]
    for top in range(0, stored[1], BAND_ROWS):
        bottom = min(top + BAND_ROWS, stored[1])
        box = (0, top * scale, im.width, bottom * scale)
        out.paste(shrink(im, (stored[0], bottom - top), box=box), (0, top))
    return out


def render_set(
    data: bytes,
    limits: Limits,
    widths: list[int],
    outputs: dict[str, dict[str, Any]],
    xmp: bytes | None = None,
    *,
    boxes: list[Box] | None = None,
    only: set[tuple[int, str]] | None = None,
    keep_going: bool = False,
    crops: list[CropJob] | None = None,
) -> Iterator[Rendition]:
    """Decode ``data`` once and yield every (width × format) rendition, largest first.

    The build loop of production (aiassets.renditions.build) and of the benchmarks.
    ``boxes`` are pixelated before resizing; ``only`` limits the (width, format) pairs made;
    with ``keep_going`` an encoding failure yields a Rendition with ``error`` set instead of
    raising, so one format's failure does not stop the others. ``crops`` are cut from the
    same decoded, redacted source (redaction always comes before the crop)."""
    xmp = iptc_xmp() if xmp is None else xmp
    crops = crops or []
    keep = max((job.source_width() for job in crops), default=0)
    decoded = decode_source(data, limits, widths, keep_width=keep)
    del data  # the caller dropped its own: the encoded original is freed here
    source = shrink_source(decoded)
    del decoded
    if boxes:
        source.image = redact(source.image, boxes)
    sizes = [s for s in source.sizes if only is None or any(s[0] == w for w, _ in only)]
    for resized in resize_ladder(source.image, sizes):
        for fmt, options in outputs.items():
            if only is not None and (resized.width, fmt) not in only:
                continue
            yield _rendition(resized, fmt, options, xmp, keep_going)
    for job in crops:
        yield from _render_crop(source.image, job, outputs, xmp, keep_going)


def _render_crop(
    image: Image.Image,
    job: CropJob,
    outputs: dict[str, dict[str, Any]],
    xmp: bytes,
    keep_going: bool,
) -> Iterator[Rendition]:
    """Cut ``job.box`` out of ``image`` straight into its largest output size (reduced first,
    as resize_ladder does), then the ladder below it."""
    sizes = sorted({(w, h) for w, h, _ in job.outputs}, reverse=True)
    if not sizes:
        return
    left, top, right, bottom = job.box
    box = (left * image.width, top * image.height, right * image.width, bottom * image.height)
    first = shrink(image, sizes[0], box=box)
    for resized in resize_ladder(first, sizes):
        for fmt, options in outputs.items():
            if (resized.width, resized.height, fmt) not in job.outputs:
                continue
            made = _rendition(resized, fmt, options, xmp, keep_going)
            yield Rendition(made.width, made.height, fmt, made.data, made.error, job.ratio)


def _rendition(
    resized: Image.Image, fmt: str, options: dict[str, Any], xmp: bytes, keep_going: bool
) -> Rendition:
    try:
        return Rendition(resized.width, resized.height, fmt, encode(resized, fmt, options, xmp))
    except Exception as exc:
        if not keep_going:
            raise
        error = f"{type(exc).__name__}: {exc}"
        return Rendition(resized.width, resized.height, fmt, b"", error)

"""Art direction, the pure part: aspect ratios, focal rectangles and crop boxes.

No Django. Rectangles are fractions of the displayed image, ``(left, top, right, bottom)`` in
0..1, so they survive any resize; crop boxes are integer pixels of the displayed image.

The geometry promises, for every source size and ratio:
- the crop has exactly the ratio asked for (``width * q == height * p`` for the reduced p/q);
- it lies inside the image and is never larger than it (a crop never upscales);
- it contains the focal rectangle whenever a crop of that ratio can, and is centred on the
  rectangle's centre otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

import numpy as np
from PIL import Image

from ..errors import CodedError
from .pipeline import plan_widths

Rect = tuple[float, float, float, float]
WHOLE: Rect = (0.0, 0.0, 1.0, 1.0)
MIN_RATIO, MAX_RATIO = Fraction(1, 10), Fraction(10, 1)
_RATIO = re.compile(r"([0-9]{1,4})[/:x]([0-9]{1,4})")


class RatioError(CodedError):
    def __init__(self, message: str):
        super().__init__("invalid_ratio", message, status=400)


@dataclass(frozen=True)
class Ratio:
    """A reduced aspect ratio ``p/q`` (width/height)."""

    p: int
    q: int

    def __str__(self) -> str:
        return f"{self.p}/{self.q}"

    @property
    def slug(self) -> str:  # for keys and URLs: "16x9"
        return f"{self.p}x{self.q}"

    def height_for(self, width: int) -> int:
        return max(1, round(width * self.q / self.p))


def parse_ratio(text: str) -> Ratio:
    """``"16/9"``, ``"16:9"`` or ``"16x9"`` → Ratio(16, 9). ASCII digits only, 1/10 to 10/1."""
    match = _RATIO.fullmatch((text or "").strip())
    if not match:
        raise RatioError(f"A ratio looks like '16/9', not {text[:20]!r}.")
    p, q = int(match.group(1)), int(match.group(2))
    if not p or not q:
        raise RatioError("A ratio's sides must be positive.")
    value = Fraction(p, q)
    if not MIN_RATIO <= value <= MAX_RATIO:
        raise RatioError(f"Ratios run from 1/10 to 10/1; {p}/{q} is outside that.")
    return Ratio(value.numerator, value.denominator)


def clamp_rect(rect: Rect | None) -> Rect:
    """A valid rectangle inside the image (points become 1-pixel-free points)."""
    if not rect or len(rect) != 4:
        return WHOLE
    left, top, right, bottom = (min(1.0, max(0.0, float(v))) for v in rect)
    left, right = min(left, right), max(left, right)
    top, bottom = min(top, bottom), max(top, bottom)
    return (left, top, right, bottom)


def crop_box(width: int, height: int, ratio: Ratio, focal: Rect | None = None) -> tuple:
    """The largest ``ratio`` crop of a ``width`` × ``height`` image around ``focal``, as
    ``(left, top, right, bottom)`` pixels."""
    k = min(width // ratio.p, height // ratio.q)
    if k == 0:  # the image is smaller than the reduced ratio's own sides: approximate
        crop_w, crop_h = _approximate(width, height, ratio)
    else:
        crop_w, crop_h = k * ratio.p, k * ratio.q
    left, top, right, bottom = clamp_rect(focal)
    x = _place(floor(left * width), ceil(right * width), crop_w, width)
    y = _place(floor(top * height), ceil(bottom * height), crop_h, height)
    return (x, y, x + crop_w, y + crop_h)


def is_whole_frame(width: int, height: int, ratio: Ratio) -> bool:
    """Whether the ``ratio`` crop of a ``width`` × ``height`` image is the image itself (a 1:1
    crop of a square source): the same pixels, so the full frame's renditions serve it."""
    box = crop_box(width, height, ratio)
    return (box[2] - box[0], box[3] - box[1]) == (width, height)


def _approximate(width: int, height: int, ratio: Ratio) -> tuple[int, int]:
    if width * ratio.q >= height * ratio.p:
        return max(1, min(width, round(height * ratio.p / ratio.q))), height
    return width, max(1, min(height, round(width * ratio.q / ratio.p)))


def _place(start: int, end: int, size: int, total: int) -> int:
    """Offset of a ``size`` window in ``total`` that covers [start, end] when it can (centred on
    it as far as that allows), centred on it otherwise, and never outside 0..total."""
    offset = round((start + end - size) / 2)
    if end - start <= size:
        offset = min(max(offset, end - size), start)
    return max(0, min(offset, total - size))


def output_size(box: tuple, ratio: Ratio, width: int) -> tuple[int, int]:
    """The rendition size for ``width`` from ``box``: never wider than the box (no upscale)."""
    crop_w = box[2] - box[0]
    width = min(width, crop_w)
    return width, min(box[3] - box[1], ratio.height_for(width))


# -- where the subject is ----------------------------------------------------------------


def faces_rect(faces: list[Rect]) -> Rect | None:
    """The rectangle holding every face box, or None."""
    boxes = [clamp_rect(f) for f in faces or []]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def saliency_rect(im: Image.Image, size: int = 64, share: float = 0.5) -> Rect:
    """A rectangle around where the detail is: the smallest window holding ``share`` of the
    image's gradient energy along each axis, on a small greyscale copy. Cheap (about 1 ms)."""
    small = im.convert("L")
    small.thumbnail((size, size))
    a = np.asarray(small, dtype=np.float32)
    if a.size == 0 or a.shape[0] < 3 or a.shape[1] < 3:
        return WHOLE
    energy = np.abs(np.diff(a, axis=0))[:, :-1] + np.abs(np.diff(a, axis=1))[:-1, :]
    if float(energy.sum()) <= 0:
        return WHOLE
    x0, x1 = _window(energy.sum(axis=0), share)
    y0, y1 = _window(energy.sum(axis=1), share)
    w, h = energy.shape[1], energy.shape[0]
    return (x0 / w, y0 / h, x1 / w, y1 / h)


def _window(profile: np.ndarray, share: float) -> tuple[int, int]:
    """The narrowest [i, j) whose sum is at least ``share`` of the total."""
    total = float(profile.sum())
    cumulative = np.concatenate([[0.0], np.cumsum(profile)])
    best = (0, len(profile))
    j = 0
    for i in range(len(profile)):
        while j < len(profile) and cumulative[j] - cumulative[i] < share * total:
            j += 1
        if cumulative[j] - cumulative[i] < share * total:
            break
        if j - i < best[1] - best[0]:
            best = (i, j)
    return best


def focal_rect(im: Image.Image, faces: list[Rect] | None = None) -> Rect:
    """The automatic focal rectangle: the faces when there are any, else the detail."""
    return faces_rect(faces or []) or saliency_rect(im)


# -- glue for the rendition plan ---------------------------------------------------------


def faces_as_rects(faces: list) -> list[Rect]:
    """Face boxes as stored on an asset (``[x, y, width, height]`` fractions) → rectangles."""
    rects = []
    for face in faces or []:
        if len(face) == 4:
            x, y, w, h = (float(v) for v in face)
            rects.append((x, y, x + w, y + h))
    return rects


def rounded(rect: Rect | None) -> Rect:
    """A clamped rectangle at 4 decimals: what is stored, compared and hashed."""
    return tuple(round(v, 4) for v in clamp_rect(rect))  # type: ignore[return-value]


def signature(rect: Rect | None) -> str:
    """A short stable text for a focal rectangle (part of a cropped rendition's recipe)."""
    return ",".join(f"{v:.4f}" for v in rounded(rect))


def crop_sizes(
    width: int, height: int, ratio: Ratio, focal: Rect | None, widths: list[int]
) -> tuple[tuple, list[tuple[int, int]]]:
    """The crop box of a ``width`` × ``height`` image and the output size of every planned
    width that fits in it, planned like the full frame's (pipeline.plan_widths: never upscaled,
    the crop's own width joins when it is smaller than the largest asked for)."""
    box = crop_box(width, height, ratio, focal)
    crop_w = box[2] - box[0]
    return box, [output_size(box, ratio, w) for w in plan_widths(crop_w, widths)]


def box_fractions(box: tuple, width: int, height: int) -> Rect:
    """A pixel box of a ``width`` × ``height`` image as fractions (to apply at any scale)."""
    return (box[0] / width, box[1] / height, box[2] / width, box[3] / height)

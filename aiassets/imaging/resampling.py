"""THE downscale of the imaging pipeline: a box ``reduce()`` by the integer factor that leaves
at least REDUCING_GAP times the output size, then one RESAMPLE step (Pillow's reducing_gap).

Every resize that makes rendition pixels goes through :func:`shrink` or repeats its two steps
with a shared reduce (``pipeline.resize_ladder``): the first downscale of a decoded original
(banded or whole), a crop's cut and each width of the ladder. bench/resizers.py compares it
with the LANCZOS chain it replaced on two independent references.
"""

from __future__ import annotations

from PIL import Image

RESAMPLE = Image.Resampling.BICUBIC
REDUCING_GAP = 2.0


def shrink(im: Image.Image, size: tuple[int, int], box: tuple | None = None) -> Image.Image:
    """``im`` (or its ``box``) resized to ``size``: reduce, then RESAMPLE."""
    return im.resize(size, RESAMPLE, box=box, reducing_gap=REDUCING_GAP)


def reduce_factor(width: int, height: int, size: tuple[int, int]) -> int:
    """The integer box reduction :func:`shrink` applies before RESAMPLE for ``size``."""
    return max(1, int(min(width / size[0], height / size[1]) / REDUCING_GAP))

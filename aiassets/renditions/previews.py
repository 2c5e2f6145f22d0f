"""imagekit specs for staff-only previews, cached privately beside the originals.

imagekit provides caching and naming; the pixels go through our own ``imaging.normalize`` so
previews are upright and sRGB like every derivative.
"""

from __future__ import annotations

from imagekit import ImageSpec
from imagekit.processors import ResizeToFit
from PIL import Image

from .. import imaging


class Normalize:
    """pilkit processor: EXIF orientation, 8-bit, sRGB (see imaging.normalize)."""

    def process(self, img: Image.Image) -> Image.Image:
        return imaging.normalize(img)


class AdminThumbnail(ImageSpec):
    processors = [Normalize(), ResizeToFit(320, 320, upscale=False)]
    format = "WEBP"
    options = {"quality": 80}

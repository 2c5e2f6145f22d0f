"""Quality for bench/derivatives.py: SSIMULACRA2 against an independent reference.

The reference for each output size is OpenCV's INTER_AREA (pixel-area averaging) of the
decoded source. Neither pipeline uses it: ours resizes with Pillow LANCZOS (in a cascade),
django-pictures 1.8 with Pillow's Image.thumbnail (reduce() by an integer factor, then BICUBIC).
The score is the pure-Python SSIMULACRA2 (PyPI ssimulacra2 0.3.0, Pacidus/py-ssimulacra2):
100 = identical, ~90 visually lossless, ~70 high quality, ~50 medium, below 30 low.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image
from ssimulacra2 import compute_ssimulacra2

cv2.setNumThreads(1)  # scoring is not timed, but keep it off the other cores


def _ppm(arr: np.ndarray) -> io.BytesIO:
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, "PPM")
    buf.seek(0)
    return buf


class Reference:
    """One decoded source; INTER_AREA references cached per output size."""

    def __init__(self, png: bytes):
        self.source = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        self._cache: dict[tuple[int, int], bytes] = {}

    def at(self, size: tuple[int, int]) -> io.BytesIO:
        if size not in self._cache:
            h, w = self.source.shape[:2]
            arr = self.source
            if (w, h) != size:
                arr = cv2.resize(arr, size, interpolation=cv2.INTER_AREA)
            self._cache[size] = _ppm(arr).getvalue()
        return io.BytesIO(self._cache[size])

    def score_image(self, im: Image.Image) -> float:
        rgb = np.asarray(im.convert("RGB"))
        return float(compute_ssimulacra2(self.at(im.size), _ppm(rgb)))

    def score(self, data: bytes) -> tuple[float, tuple[int, int]]:
        """SSIMULACRA2 of an encoded rendition against the reference at its own size."""
        out = Image.open(io.BytesIO(data))
        out.load()
        rgb = np.asarray(out.convert("RGB"))
        return float(compute_ssimulacra2(self.at(out.size), _ppm(rgb))), out.size

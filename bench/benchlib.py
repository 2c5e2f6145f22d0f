"""Helpers shared by the benchmarks: Django setup, corpus, SSIM, formatting.

Imported by bench/*.py (bench/ is sys.path[0] when a script there is run directly).
"""

from __future__ import annotations

import io
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


def setup_django():
    """Make the project importable and load config.settings. Returns django.conf.settings."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    return settings


def corpus(n: int, sizes=(1024, 2048), styles=("photo", "flat")):
    """``n`` synthetic images as (name, png_bytes), cycling size and style, distinct seeds."""
    from aiassets import synth

    combos = [(s, st) for s in sizes for st in styles]
    out = []
    for i in range(n):
        size, style = combos[i % len(combos)]
        seed = 100 + i
        im = synth.artwork(size, size, seed, style)
        out.append((f"{style}-{size}-s{seed}", synth.encode(im, "PNG")))
    return out


# --- SSIM on luma: gaussian window 11 (sigma 1.5, radius 5), K1=0.01, K2=0.03, L=255 ----------
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2
_TRUNCATE = 5 / 1.5  # scipy radius = int(truncate * sigma + 0.5) = 5 -> 11 taps


def luma(im: Image.Image) -> np.ndarray:
    """Rec. 601 luma as float64 (Pillow's RGB -> L conversion; alpha is ignored)."""
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    return np.asarray(im.convert("L"), dtype=np.float64)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two equal-size luma arrays, over the valid region (5 px border dropped)."""

    def blur(x):
        return gaussian_filter(x, 1.5, truncate=_TRUNCATE, mode="reflect")

    mu_a, mu_b = blur(a), blur(b)
    aa = blur(a * a) - mu_a * mu_a
    bb = blur(b * b) - mu_b * mu_b
    ab = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + _C1) * (2 * ab + _C2)
    den = (mu_a * mu_a + mu_b * mu_b + _C1) * (aa + bb + _C2)
    m = num / den
    r = 5
    if m.shape[0] > 2 * r and m.shape[1] > 2 * r:
        m = m[r:-r, r:-r]
    return float(m.mean())


class References:
    """Plain Pillow LANCZOS resizes of one decoded source, as luma, cached per size."""

    def __init__(self, png: bytes):
        self.source = Image.open(io.BytesIO(png)).convert("RGB")
        self._cache: dict[tuple[int, int], np.ndarray] = {}

    def get(self, size: tuple[int, int]) -> np.ndarray:
        if size not in self._cache:
            im = self.source
            if im.size != size:
                im = im.resize(size, Image.Resampling.LANCZOS)
            self._cache[size] = luma(im)
        return self._cache[size]

    def score(self, data: bytes) -> tuple[float, tuple[int, int]]:
        out = Image.open(io.BytesIO(data))
        out.load()
        return ssim(self.get(out.size), luma(out)), out.size


def environment() -> dict:
    import PIL

    info = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "pillow": PIL.__version__,
    }
    try:
        from PIL import features

        info["libavif"] = features.version("avif")
        info["libwebp"] = features.version("webp")
        info["libjpeg"] = features.version("jpg")
    except Exception:  # noqa: BLE001
        pass
    try:
        import django

        info["django"] = django.get_version()
    except ImportError:
        pass
    return info


def write_json(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def kb(n: float) -> str:
    return f"{n / 1024:,.0f}"

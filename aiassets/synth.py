"""Synthetic 'AI art' made by code: gradients, shapes and noise, deterministic per seed.

Used by the demo data, the tests and the benchmarks. Pure: no Django.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

PALETTES = [
    [(255, 94, 77), (255, 200, 87), (38, 70, 83)],
    [(42, 157, 143), (233, 196, 106), (231, 111, 81)],
    [(94, 84, 142), (159, 134, 192), (224, 177, 203)],
    [(13, 27, 42), (65, 90, 119), (224, 225, 221)],
    [(255, 190, 11), (251, 86, 7), (131, 56, 236)],
    [(6, 214, 160), (17, 138, 178), (7, 59, 76)],
]


def artwork(width: int, height: int, seed: int, style: str = "photo") -> Image.Image:
    """An RGB image. ``photo`` has texture and noise; ``flat`` is clean vector-like art."""
    rng = np.random.default_rng(seed)
    palette = PALETTES[seed % len(PALETTES)]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    t = (np.cos(angle) * xx / width + np.sin(angle) * yy / height + 1) / 2
    a, b = np.array(palette[0], np.float32), np.array(palette[1], np.float32)
    img = a * (1 - t[..., None]) + b * t[..., None]
    if style == "photo":
        for _ in range(3):
            fx, fy, ph = rng.uniform(1, 9), rng.uniform(1, 9), rng.uniform(0, 6.3)
            wave = np.sin(fx * xx / width * 6.283 + ph) * np.cos(fy * yy / height * 6.283)
            img += wave[..., None] * rng.uniform(10, 30)
    base = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(base, "RGBA")
    for _ in range(int(rng.integers(5, 14))):
        colour = tuple(int(c) for c in palette[int(rng.integers(0, 3))]) + (
            int(rng.integers(90, 220)),
        )
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.04, 0.3) * min(width, height)
        if rng.random() < 0.5:
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        else:
            pts = [(cx + r * np.cos(k), cy + r * np.sin(k)) for k in rng.uniform(0, 6.3, 3)]
            draw.polygon(pts, fill=colour)
    if style == "photo":
        base = base.filter(ImageFilter.GaussianBlur(radius=max(1, min(width, height) // 400)))
        grain = rng.normal(0, 9, (height, width, 1)).astype(np.float32)
        arr = np.asarray(base, np.float32) + grain
        base = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return base


def encode(im: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()

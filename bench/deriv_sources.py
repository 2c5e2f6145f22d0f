"""Five sources of different kinds for bench/derivatives.py, made in code (deterministic).

- photo:      1/f² colour noise (the power spectrum of natural photographs) with soft shapes
- flat:       clean vector-like illustration (aiassets.synth "flat")
- grain:      the photo with strong film grain (sigma 14, per channel)
- text:       a screenshot: UI panels and many lines of small text on white
- large:      a 2048² photo-like image (the size the images-per-hour figure is about)

Each is returned as PNG bytes (lossless, no ICC), the form generators upload.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def pink_field(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A (height, width, 3) float field in 0..255 with a 1/f² power spectrum per channel."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    out = np.empty((height, width, 3), np.float64)
    for c in range(3):
        spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f
        spec[0, 0] = 0
        field = np.fft.irfft2(spec, s=(height, width))
        field = (field - field.mean()) / (field.std() + 1e-9)
        out[..., c] = 128 + 45 * field
    return np.clip(out, 0, 255)


def photo(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = Image.fromarray(pink_field(width, height, rng).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(base, "RGBA")
    for _ in range(8):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.2) * min(width, height)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3)) + (120,)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    return base.filter(ImageFilter.GaussianBlur(radius=1.2))


def grain(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed + 1)
    arr = np.asarray(photo(width, height, seed), np.float32)
    arr += rng.normal(0, 14, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def flat(width: int, height: int, seed: int) -> Image.Image:
    from aiassets import synth

    return synth.artwork(width, height, seed, "flat").convert("RGB")


def text(width: int, height: int, seed: int) -> Image.Image:
    """A screenshot-like page: a dark sidebar, coloured buttons, many lines of 13-15 px text."""
    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (width, height), (250, 250, 252))
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 0, width // 5, height], fill=(32, 36, 48))
    small = ImageFont.load_default(size=13)
    body = ImageFont.load_default(size=15)
    words = "the quick brown fox jumps over lazy dog render width format quality 0123456789"
    vocab = words.split()
    for y in range(20, height - 20, 22):
        draw.text((14, y), " ".join(rng.choice(vocab, 2)), font=small, fill=(200, 205, 215))
    for y in range(30, height - 30, 24):
        line = " ".join(rng.choice(vocab, int(rng.integers(6, 14))))
        draw.text((width // 5 + 24, y), line, font=body, fill=(20, 20, 28))
        if rng.random() < 0.08:
            x = int(rng.integers(width // 2, width - 160))
            draw.rounded_rectangle([x, y - 2, x + 120, y + 20], 6, fill=(37, 99, 235))
            draw.text((x + 14, y), "Submit", font=body, fill=(255, 255, 255))
    return im


def sources(scale: float = 1.0) -> list[tuple[str, bytes]]:
    """The five sources as (name, png). ``scale`` < 1 makes them smaller (--quick)."""

    def px(n: int) -> int:
        return max(64, int(n * scale))

    made = [
        ("photo-1536x1024", photo(px(1536), px(1024), 11)),
        ("flat-1536x1536", flat(px(1536), px(1536), 12)),
        ("grain-1536x1024", grain(px(1536), px(1024), 13)),
        ("text-1600x1000", text(px(1600), px(1000), 14)),
        ("large-2048x2048", photo(px(2048), px(2048), 15)),
    ]
    return [(f"{name}" if scale == 1.0 else f"{name}@{scale:g}", _png(im)) for name, im in made]

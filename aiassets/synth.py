"""Synthetic 'AI art' made by code, and demo photographs, both deterministic per seed.

``artwork`` draws gradients, shapes and noise (the tests and the benchmarks use it).
``photograph`` turns the public-domain/CC0 photographs that scikit-image ships inside its wheel
(astronaut, cat, coffee, rocket, ...) into distinct demo images: a crop, a slight tilt, a
mirror and a colour grade per index, so that faces, crops, redaction and encoder quality show
as they would on real pictures. It reads the files straight from the installed package (never
``skimage.data``'s fetchers, which may download), so it works offline; without scikit-image
it returns None. Pure: no Django.
"""

from __future__ import annotations

import importlib.util
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

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


@dataclass(frozen=True)
class Photo:
    file: str  # in skimage/data/ inside the installed wheel
    subject: str
    credit: str


PHOTOS = (
    Photo("astronaut.png", "an astronaut in a white spacesuit", "NASA, public domain"),
    Photo("chelsea.png", "a tabby cat", "Stefan van der Walt, CC0"),
    Photo("coffee.png", "a cup of coffee on a saucer", "Rachel Michetti, CC0"),
    Photo("rocket.jpg", "a rocket on the launch pad", "SpaceX, public domain"),
    Photo("camera.png", "a photographer behind a camera on a tripod", "Lav Varshney, CC0"),
    Photo("hubble_deep_field.jpg", "a field of distant galaxies", "NASA, public domain"),
    Photo("moon.png", "the cratered surface of the moon", "Andreas Preuss, CC0"),
)
CROPS = (("full frame", 0.0), ("16:9", 16 / 9), ("4:5", 4 / 5), ("1:1", 1.0), ("3:2", 1.5))
GRADES = ("natural", "warm", "cool", "faded film", "high contrast", "monochrome")


def photo_dir() -> Path | None:
    """skimage/data of the installed scikit-image, found without importing it; None if absent."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if all((folder / p.file).is_file() for p in PHOTOS) else None


def photograph(i: int, long_side: int = 1024) -> tuple[Image.Image, dict] | None:
    """Demo image ``i``: one of PHOTOS, cropped, tilted, graded; with what was done to it.

    Distinct for every ``i`` (the crop window and grade strength come from a seeded generator).
    Smaller sources are scaled up (Lanczos) to ``long_side``. None without scikit-image."""
    folder = photo_dir()
    if folder is None:
        return None
    photo = PHOTOS[i % len(PHOTOS)]
    turn = i // len(PHOTOS)
    rng = np.random.default_rng(5000 + i)
    with Image.open(folder / photo.file) as src:
        im = src.convert("RGB")
    angle = float(rng.uniform(-4, 4)) if turn % 3 == 1 else 0.0
    im = _tilt(im, angle)
    crop_name, ratio = CROPS[turn % len(CROPS)]
    im = _crop(im, ratio, rng)
    mirrored = turn % 4 == 2
    if mirrored:
        im = ImageOps.mirror(im)
    grade = GRADES[(turn + i) % len(GRADES)]
    im = _grade(im, grade, strength=float(rng.uniform(0.6, 1.0)))
    scale = long_side / max(im.size)
    if scale > 1:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
    return im, {
        "source_photo": f"scikit-image sample data: {photo.file}",
        "credit": photo.credit,
        "subject": photo.subject,
        "crop": crop_name,
        "tilt_degrees": round(angle, 2),
        "mirrored": mirrored,
        "grade": grade,
    }


def _tilt(im: Image.Image, angle: float) -> Image.Image:
    """Rotate by ``angle`` degrees and crop away the corners the rotation left empty."""
    if not angle:
        return im
    a = math.radians(abs(angle))
    w, h = im.size
    keep = 1 / (math.cos(a) + max(w / h, h / w) * math.sin(a))
    turned = im.rotate(angle, resample=Image.BICUBIC)
    cw, ch = int(w * keep), int(h * keep)
    left, top = (w - cw) // 2, (h - ch) // 2
    return turned.crop((left, top, left + cw, top + ch))


def _crop(im: Image.Image, ratio: float, rng: np.random.Generator) -> Image.Image:
    """The largest ``ratio`` (width/height) window, shifted at random; 0 keeps ~92 % of it."""
    w, h = im.size
    if not ratio:
        cw, ch = int(w * 0.92), int(h * 0.92)
    elif w / h > ratio:
        cw, ch = int(h * ratio), h
    else:
        cw, ch = w, int(w / ratio)
    left = int(rng.integers(0, w - cw + 1))
    top = int(rng.integers(0, h - ch + 1))
    return im.crop((left, top, left + cw, top + ch))


def _grade(im: Image.Image, grade: str, strength: float) -> Image.Image:
    """A colour grade blended in at ``strength`` (0..1)."""
    x = np.asarray(im, np.float32) / 255
    luma = (x @ np.array([0.2126, 0.7152, 0.0722], np.float32))[..., None]
    if grade == "warm":
        y = x * np.array([1.08, 1.0, 0.86], np.float32)
    elif grade == "cool":
        y = x * np.array([0.88, 0.98, 1.1], np.float32)
    elif grade == "faded film":
        y = 0.08 + 0.82 * (0.75 * x + 0.25 * luma) * np.array([1.02, 1.0, 0.94], np.float32)
    elif grade == "high contrast":
        y = 0.5 + (luma + (x - luma) * 1.25 - 0.5) * 1.3
    elif grade == "monochrome":
        y = np.repeat(luma, 3, axis=2) * np.array([1.04, 1.0, 0.92], np.float32)
    else:
        y = x
    out = x + (y - x) * strength
    return Image.fromarray((np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")

"""Fingerprints: perceptual hash and placeholder."""

from __future__ import annotations

import base64
import io

import imagehash
from PIL import Image


def perceptual_hash(im: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits."""
    return str(imagehash.phash(im.convert("RGB")))


def mirrored_perceptual_hash(im: Image.Image) -> str:
    return perceptual_hash(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT))


def hash_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def placeholder(im: Image.Image, size: int = 16) -> tuple[str, str]:
    """A tiny WebP data URI (about 200 bytes) and the dominant colour as #rrggbb."""
    small = im.convert("RGB")
    small.thumbnail((size, size), Image.Resampling.BOX)
    buf = io.BytesIO()
    small.save(buf, "WEBP", quality=40, method=4)
    uri = "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    r, g, b = small.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))[:3]
    return uri, f"#{r:02x}{g:02x}{b:02x}"

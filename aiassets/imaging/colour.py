"""Normalising: 8-bit RGB(A), displayed orientation, sRGB."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageCms

from .decode import read_orientation
from .resampling import shrink
from .types import ImagingError

_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}

_SRGB = ImageCms.createProfile("sRGB")


def _to_8bit(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB, RGBA or CMYK, scaling high bit depths properly."""
    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return im
    if mode.startswith("I;16") or mode == "I":
        arr = np.asarray(im).astype(np.uint32)
        peak = 65535 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255
        arr8 = (arr * 255 + peak // 2) // peak if peak != 255 else arr
        return Image.fromarray(np.clip(arr8, 0, 255).astype(np.uint8), "L")
    if mode == "F":
        arr = np.asarray(im)
        scale = 255.0 if arr.max(initial=0) <= 1.0 else 1.0
        return Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L")
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("PA", "RGBa", "La"):
        return im.convert("RGBA")
    if mode == "1":
        return im.convert("L")
    return im.convert("RGB")


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert to sRGB with the embedded profile; returns RGB or RGBA."""
    alpha = im.getchannel("A") if im.mode in ("RGBA", "LA") else None
    base = im.convert("L" if im.mode == "LA" else "RGB") if alpha is not None else im
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        except (OSError, ImageCms.PyCMSError, ValueError) as exc:
            raise ImagingError(
                "invalid_metadata", f"The embedded colour profile (ICC) is malformed: {exc}."
            )
        description = (ImageCms.getProfileDescription(src) or "").strip().lower()
        if not (description.startswith("srgb") and base.mode == "RGB"):
            try:
                base = ImageCms.profileToProfile(base, src, _SRGB, outputMode="RGB")
            except ImageCms.PyCMSError as exc:
                raise ImagingError(
                    "invalid_metadata",
                    f"The embedded colour profile (ICC) does not fit this image: {exc}.",
                )
    if base.mode != "RGB":
        base = base.convert("RGB")
    if alpha is not None:
        base.putalpha(alpha)
    return base


def normalize(im: Image.Image, size: tuple[int, int] | None = None) -> Image.Image:
    """Decoded image → RGB/RGBA in sRGB, upright as displayed, optionally resized.

    ``size`` is the wanted (width, height) as displayed. The resize (resampling.shrink: box
    reduce, then bicubic) happens before the colour transform, so big originals are copied at
    full size only once.
    """
    icc = im.info.get("icc_profile")
    orientation = read_orientation(im)
    work = _to_8bit(im)
    if size is not None:
        stored = (size[1], size[0]) if orientation in (5, 6, 7, 8) else tuple(size)
        if stored != work.size:
            work = shrink(work, stored)
    for method in _TRANSPOSE.get(orientation, []):
        work = work.transpose(method)
    out = _to_srgb(work, icc)
    out.info = {}
    return out


def thumbnail_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))

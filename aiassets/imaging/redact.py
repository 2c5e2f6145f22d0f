"""Privacy: face redaction by pixelation."""

from __future__ import annotations

from PIL import Image

Box = tuple[float, float, float, float]  # x, y, width, height as fractions of the image


def redact(im: Image.Image, boxes: list[Box], margin: float = 0.25, blocks: int = 6) -> Image.Image:
    """Pixelate each box (grown by ``margin`` of its size on every side) to at most ``blocks``
    cells across, so a face cannot be recognised. Returns a new image; ``im`` is untouched."""
    out = im.copy()
    for x, y, w, h in boxes:
        left = max(0, int((x - margin * w) * im.width))
        top = max(0, int((y - margin * h) * im.height))
        right = min(im.width, int(round((x + w * (1 + margin)) * im.width)))
        bottom = min(im.height, int(round((y + h * (1 + margin)) * im.height)))
        if right - left < 2 or bottom - top < 2:
            continue
        region = out.crop((left, top, right, bottom))
        cells = max(1, min(blocks, region.width, region.height))
        scale = cells / max(region.width, region.height)
        small = region.resize(
            (max(1, round(region.width * scale)), max(1, round(region.height * scale))),
            Image.Resampling.BOX,
        )
        out.paste(small.resize(region.size, Image.Resampling.NEAREST), (left, top))
    return out


def faces_signature(boxes: list[Box]) -> str:
    """A short stable text for a set of boxes (part of a redacted variant's recipe)."""
    return ";".join(",".join(f"{v:.4f}" for v in box) for box in sorted(boxes))

"""Crude skin-toned shapes that NudeNet scores (deterministically, with the pinned model)."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from tests import images

SKIN = (224, 172, 140)


def torso(mild: bool = True) -> bytes:
    """``mild``: an oval with two discs (NudeNet ~0.42 FEMALE_BREAST_EXPOSED, review band).
    Otherwise a skin-filled frame with two large discs (~0.85, above the reject threshold)."""
    im = Image.new("RGB", (640, 640), (40, 60, 90))
    draw = ImageDraw.Draw(im)
    if mild:
        draw.ellipse([170, 120, 470, 560], fill=SKIN)
        for x in (220, 330):
            draw.ellipse([x, 260, x + 90, 350], fill=(230, 180, 150))
            draw.ellipse([x + 35, 295, x + 55, 315], fill=(150, 80, 70))
    else:
        draw.rectangle([0, 0, 640, 640], fill=SKIN)
        for x in (120, 340):
            draw.ellipse([x, 200, x + 180, 380], fill=(235, 185, 155))
            draw.ellipse([x + 75, 275, x + 105, 305], fill=(160, 90, 80))
    return images.save(im.filter(ImageFilter.GaussianBlur(6)), "PNG")

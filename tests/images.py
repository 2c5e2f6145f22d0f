"""Test images made in memory: good ones in every accepted format and mode, and bad ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms

from aiassets import synth


def save(im: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def art(width: int = 640, height: int = 480, seed: int = 1, style: str = "photo") -> Image.Image:
    return synth.artwork(width, height, seed=seed, style=style)


def png(width: int = 640, height: int = 480, seed: int = 1) -> bytes:
    return save(art(width, height, seed), "PNG")


def jpeg(width: int = 640, height: int = 480, seed: int = 1, **options) -> bytes:
    return save(art(width, height, seed), "JPEG", quality=90, **options)


def webp(width: int = 640, height: int = 480, seed: int = 1) -> bytes:
    return save(art(width, height, seed), "WEBP", quality=90)


def avif(width: int = 640, height: int = 480, seed: int = 1) -> bytes:
    return save(art(width, height, seed), "AVIF", quality=80, speed=10)


GOOD = {"png": png, "jpeg": jpeg, "webp": webp, "avif": avif}


def oriented_jpeg(orientation: int, width: int = 120, height: int = 80) -> bytes:
    """A JPEG stored as width×height, with an EXIF orientation tag and GPS data.

    The top-left quarter is red, so the displayed orientation can be checked by colour.
    """
    im = Image.new("RGB", (width, height), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    gps = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    exif[0x8825] = gps
    return save(im, "JPEG", quality=95, exif=exif.tobytes())


def jpeg_with_gps() -> bytes:
    return oriented_jpeg(1, 200, 150)


def rgba_png(width: int = 300, height: int = 200) -> bytes:
    im = art(width, height).convert("RGBA")
    alpha = Image.linear_gradient("L").resize((width, height))
    im.putalpha(alpha)
    return save(im, "PNG")


def palette_png() -> bytes:
    im = art(200, 200).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return save(im, "PNG", transparency=0)


def gray16_png(width: int = 256, height: int = 128) -> bytes:
    im = Image.linear_gradient("L").resize((width, height)).convert("I")
    im = im.point(lambda v: v * 257).convert("I;16")
    return save(im, "PNG")


def cmyk_jpeg(width: int = 240, height: int = 160) -> bytes:
    return save(art(width, height).convert("CMYK"), "JPEG", quality=90)


def adobe_rgb_jpeg() -> bytes:
    """A JPEG tagged with a non-sRGB profile (a LAB-derived profile stands in for Adobe RGB)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    im = Image.new("LAB", (64, 64), (50, 40, 40))
    return save(im.convert("RGB"), "JPEG", icc_profile=profile.tobytes())


def animated_webp() -> bytes:
    frames = [art(64, 64, seed=s) for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


def animated_png() -> bytes:
    frames = [art(64, 64, seed=s) for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG that declares 2.5 gigapixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * width
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(16)) + comp.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
    )


def bad_crc_png() -> bytes:
    data = bytearray(png(64, 64))
    data[29] ^= 0xFF  # inside the IHDR CRC
    return bytes(data)


BAD: dict[str, tuple[bytes, str]] = {}


def bad_inputs() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, expected IngestError code). At least 15 distinct kinds."""
    good_png, good_jpeg = png(320, 240), jpeg(320, 240)
    return {
        "empty": (b"", "empty"),
        "truncated_png": (good_png[: len(good_png) // 2], "truncated"),
        "truncated_jpeg": (good_jpeg[: len(good_jpeg) // 2], "truncated"),
        "truncated_webp": (webp(320, 240)[:400], "truncated"),
        "truncated_avif": (avif(320, 240)[:300], "truncated"),
        "decompression_bomb": (png_bomb(), "too_many_pixels"),
        "jpeg_zip_polyglot": (good_jpeg + b"PK\x03\x04" + b"\x00" * 26 + b"evil.sh", "polyglot"),
        "png_html_polyglot": (good_png + b"<html><script>alert(1)</script></html>", "polyglot"),
        "svg": (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(1)</script></svg>",
            "unsupported_type",
        ),
        "html": (
            b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
            "unsupported_type",
        ),
        "gif": (save(art(32, 32), "GIF"), "unsupported_type"),
        "tiff": (save(art(32, 32), "TIFF"), "unsupported_type"),
        "bmp": (save(art(32, 32), "BMP"), "unsupported_type"),
        "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "unsupported_type"),
        "eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "unsupported_type"),
        "text_named_png": (b"just some text pretending to be an image", "unsupported_type"),
        "png_header_garbage": (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, "corrupt"),
        "bad_crc_png": (bad_crc_png(), "corrupt"),
        "animated_webp": (animated_webp(), "animated"),
        "animated_png": (animated_png(), "animated"),
    }


# -- art direction ----------------------------------------------------------------------------

SUBJECT = (255, 0, 255)  # the marked subject's colour (magenta), absent from the background


def subject_png(width: int, height: int, subject: tuple[float, float, float, float]) -> bytes:
    """A flat, gently shaded background with a magenta square ``subject`` (l, t, r, b fractions)
    that crops must keep in view."""
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    im = Image.blend(im, Image.new("RGB", (width, height), (30, 60, 90)), 0.7)
    left, top, right, bottom = subject
    box = (int(left * width), int(top * height), int(right * width), int(bottom * height))
    im.paste(Image.new("RGB", (box[2] - box[0], box[3] - box[1]), SUBJECT), box[:2])
    return save(im, "PNG")


def subject_share(data: bytes) -> float:
    """The share of an image's pixels that are (about) the subject's magenta."""
    im = Image.open(io.BytesIO(data)).convert("RGB")
    im.thumbnail((200, 200))
    r, g, b = (
        im.getchannel(c).point(lambda v, c=c: 255 * (v > 200 if c != "G" else v < 80))
        for c in "RGB"
    )
    from PIL import ImageChops

    mask = ImageChops.multiply(ImageChops.multiply(r, g), b)
    return mask.histogram()[255] / (im.width * im.height)

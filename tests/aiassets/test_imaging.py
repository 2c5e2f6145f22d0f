"""Tests of aiassets.imaging alone: bytes in, pixels and bytes out. No database, no Django.

Every output is decoded again with Pillow and checked pixel by pixel or byte by byte, so a
test fails when the behaviour breaks, not only when an exception is raised.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import defusedxml.ElementTree as SafeET
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageOps

from aiassets import formats, imaging
from aiassets.conf import DEFAULTS
from aiassets.imaging import ImagingError, Limits
from tests import icc, images

ROOT = Path(__file__).resolve().parents[2]
TRAINED = imaging.TRAINED_ALGORITHMIC_MEDIA
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
FAST_FORMATS = {"avif": {"quality": 70, "speed": 10}, "webp": {"quality": 88}, "jpeg": {}}
BAD = images.bad_inputs()


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def open_ok(data: bytes, limits: Limits | None = None) -> tuple[Image.Image, imaging.Inspection]:
    return imaging.open_image(data, limits or Limits())


def refused(data: bytes, limits: Limits | None = None) -> ImagingError:
    with pytest.raises(ImagingError) as caught:
        imaging.open_image(data, limits or Limits())
    return caught.value


def pixels(im: Image.Image, mode: str = "RGB") -> np.ndarray:
    return np.asarray(im.convert(mode), dtype=np.float64)


def mean_abs_diff(a: Image.Image, b: Image.Image, mode: str = "RGB") -> float:
    assert a.size == b.size
    return float(np.abs(pixels(a, mode) - pixels(b, mode)).mean())


def flat(colour, size=(16, 16), mode="RGB", fmt="PNG", **options) -> bytes:
    return images.save(Image.new(mode, size, colour), fmt, **options)


# --------------------------------------------------------------------------------------------
# EXIF orientation
# --------------------------------------------------------------------------------------------

# Where the stored image's top-left (red) quarter is shown, for each EXIF orientation.
RED_CORNER = {
    1: "top-left",  # as stored
    2: "top-right",  # mirrored left-right
    3: "bottom-right",  # rotated 180
    4: "bottom-left",  # mirrored top-bottom
    5: "top-left",  # transposed (mirrored about the main diagonal)
    6: "top-right",  # shown rotated 90° clockwise
    7: "bottom-right",  # transversed (mirrored about the anti-diagonal)
    8: "bottom-left",  # shown rotated 90° counter-clockwise
}
OPPOSITE = {
    "top-left": "bottom-right",
    "top-right": "bottom-left",
    "bottom-left": "top-right",
    "bottom-right": "top-left",
}


def quadrant_means(im: Image.Image) -> dict[str, np.ndarray]:
    """Mean RGB of each quadrant, inset from the edges and the centre lines."""
    a = pixels(im)
    h, w = a.shape[:2]
    ih, iw = max(1, h // 16), max(1, w // 16)
    rows = {"top": slice(ih, h // 2 - ih), "bottom": slice(h // 2 + ih, h - ih)}
    cols = {"left": slice(iw, w // 2 - iw), "right": slice(w // 2 + iw, w - iw)}
    return {
        f"{r}-{c}": a[rs, cs].reshape(-1, 3).mean(axis=0)
        for r, rs in rows.items()
        for c, cs in cols.items()
    }


def is_red(rgb) -> bool:
    return rgb[0] > 220 and rgb[1] < 35 and rgb[2] < 35


def is_blue(rgb) -> bool:
    return rgb[2] > 220 and rgb[0] < 35 and rgb[1] < 35


def assert_red_corner(im: Image.Image, corner: str) -> None:
    means = quadrant_means(im)
    assert is_red(means[corner]), (corner, means)
    assert is_blue(means[OPPOSITE[corner]]), (corner, means)
    for other, rgb in means.items():
        if other != corner:
            assert is_blue(rgb), (corner, other, means)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_open_image_reports_displayed_size_and_normalize_turns_upright(orientation):
    data = images.oriented_jpeg(orientation)  # stored 120×80
    im, info = open_ok(data)
    assert im.size == (120, 80)  # open_image leaves the pixels as stored
    assert info.orientation == orientation
    assert info.format == "JPEG" and info.mime_type == "image/jpeg" and info.extension == "jpg"
    displayed = (80, 120) if orientation >= 5 else (120, 80)
    assert (info.width, info.height) == displayed

    upright = imaging.normalize(im)
    assert upright.mode == "RGB"
    assert upright.size == displayed
    assert upright.info == {}
    assert_red_corner(upright, RED_CORNER[orientation])
    # Pillow's own reading of the tag agrees pixel for pixel.
    reference = ImageOps.exif_transpose(decode(data))
    assert mean_abs_diff(upright, reference) < 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_normalize_resizes_in_displayed_orientation(orientation):
    im, info = open_ok(images.oriented_jpeg(orientation))
    size = (info.width // 2, info.height // 2)
    out = imaging.normalize(im, size=size)
    assert out.size == size
    assert_red_corner(out, RED_CORNER[orientation])


@pytest.mark.parametrize("orientation", range(1, 9))
def test_render_set_of_a_big_oriented_jpeg_is_upright(orientation):
    """Exercises the reduced-scale JPEG decode (draft) together with the orientation."""
    data = images.oriented_jpeg(orientation, 1200, 800)
    out = list(imaging.render_set(data, Limits(), [100, 240], {"jpeg": {"quality": 95}}))
    displayed = [(240, 360), (100, 150)] if orientation >= 5 else [(240, 160), (100, 67)]
    assert [(r.width, r.height) for r in out] == displayed
    for rendition in out:
        decoded = decode(rendition.data)
        assert decoded.size == (rendition.width, rendition.height)
        assert_red_corner(decoded, RED_CORNER[orientation])
        assert len(decoded.getexif()) == 0


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "AVIF"])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_in_other_formats(fmt, orientation):
    stored = Image.new("RGB", (120, 80), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = orientation
    options = {"quality": 95, "speed": 10} if fmt == "AVIF" else {}
    if fmt == "WEBP":
        options = {"lossless": True}
    im, info = open_ok(images.save(stored, fmt, exif=exif.tobytes(), **options))
    assert info.orientation == orientation
    displayed = (80, 120) if orientation >= 5 else (120, 80)
    assert (info.width, info.height) == displayed
    out = imaging.normalize(im)
    assert out.size == displayed
    assert_red_corner(out, RED_CORNER[orientation])


def test_unreadable_or_out_of_range_orientation_counts_as_upright():
    exif = Image.Exif()
    exif[0x0112] = 9
    im, info = open_ok(flat((1, 2, 3), fmt="JPEG", exif=exif.tobytes()))
    assert info.orientation == 1
    assert imaging.read_orientation(Image.new("RGB", (4, 4))) == 1


# --------------------------------------------------------------------------------------------
# Encoded outputs: metadata, XMP, alpha
# --------------------------------------------------------------------------------------------


def xmp_source_type(decoded: Image.Image) -> str:
    description = decoded.getxmp()["xmpmeta"]["RDF"]["Description"]
    return description["DigitalSourceType"]


@pytest.fixture(scope="module")
def gps_outputs() -> list[imaging.Rendition]:
    outputs = {"avif": {"quality": 70, "speed": 8}, "webp": {"quality": 88}, "jpeg": {}}
    return list(imaging.render_set(images.jpeg_with_gps(), Limits(), [100, 4000], outputs))


def test_source_really_carries_exif_and_gps():
    source = decode(images.jpeg_with_gps())
    exif = source.getexif()
    assert exif[0x010F] == "TestCam"
    assert exif.get_ifd(0x8825)[1] == "N"  # the GPS IFD
    assert b"TestCam" in images.jpeg_with_gps()


def test_outputs_carry_no_exif_gps_or_icc(gps_outputs):
    assert sorted((r.width, r.format) for r in gps_outputs) == [
        (100, "avif"),
        (100, "jpeg"),
        (100, "webp"),
        (200, "avif"),
        (200, "jpeg"),
        (200, "webp"),
    ]
    for rendition in gps_outputs:
        decoded = decode(rendition.data)
        assert decoded.format == formats.OUTPUT[rendition.format].pillow
        assert len(decoded.getexif()) == 0, rendition.format
        assert "exif" not in decoded.info
        assert not decoded.info.get("icc_profile"), rendition.format
        assert b"TestCam" not in rendition.data  # no maker data hiding anywhere
        assert b"Exif\x00\x00" not in rendition.data


def test_outputs_carry_the_iptc_ai_marking(gps_outputs):
    for rendition in gps_outputs:
        decoded = decode(rendition.data)
        assert xmp_source_type(decoded) == TRAINED, rendition.format
        assert TRAINED.encode() in rendition.data
        assert b"Iptc4xmpExt:DigitalSourceType" in rendition.data


def test_render_set_writes_a_given_xmp_packet():
    xmp = imaging.iptc_xmp(COMPOSITE)
    for rendition in imaging.render_set(images.png(64, 48), Limits(), [64], FAST_FORMATS, xmp):
        assert xmp_source_type(decode(rendition.data)) == COMPOSITE
        assert TRAINED.encode() not in rendition.data


def test_alpha_is_flattened_onto_white_for_jpeg_and_kept_for_webp_and_avif():
    data = images.rgba_png()  # alpha: a vertical gradient, 0 on the top row
    source = decode(data)
    assert source.mode == "RGBA"
    src_alpha = pixels(source, "RGBA")[..., 3]
    assert src_alpha[0].max() == 0 and src_alpha[-1].min() == 255
    assert pixels(source)[0].min() < 200  # the hidden colour under alpha 0 is not white

    out = {r.format: r for r in imaging.render_set(data, Limits(), [300], FAST_FORMATS)}
    assert set(out) == {"avif", "webp", "jpeg"}

    jpeg = decode(out["jpeg"].data)
    assert jpeg.mode == "RGB"
    top = pixels(jpeg)[0]
    assert top.min() >= 250, "fully transparent pixels must become white"
    bottom = pixels(jpeg)[-1]
    assert np.abs(bottom - pixels(source)[-1]).mean() < 6, "opaque pixels keep their colour"

    for fmt in ("webp", "avif"):
        decoded = decode(out[fmt].data)
        assert decoded.mode == "RGBA", fmt
        alpha = pixels(decoded, "RGBA")[..., 3]
        assert np.abs(alpha - src_alpha).mean() < 3, fmt
        assert alpha[0].max() <= 8 and alpha[-1].min() >= 247, fmt


def test_encode_jpeg_background_option():
    im = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    white = decode(imaging.encode(im.copy(), "jpeg", {}, imaging.iptc_xmp()))
    black = decode(imaging.encode(im.copy(), "jpeg", {"background": (0, 0, 0)}, b""))
    assert white.mode == black.mode == "RGB"
    assert min(white.getpixel((4, 4))) >= 250
    assert max(black.getpixel((4, 4))) <= 5


def test_encode_drops_metadata_attached_to_the_image():
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    for fmt in ("avif", "webp", "jpeg"):
        im = Image.new("RGB", (16, 16), (10, 20, 30))
        im.info = {"exif": exif.tobytes(), "icc_profile": icc.wide_gamut_profile()}
        decoded = decode(imaging.encode(im, fmt, FAST_FORMATS[fmt], imaging.iptc_xmp()))
        assert len(decoded.getexif()) == 0, fmt
        assert not decoded.info.get("icc_profile"), fmt
        assert xmp_source_type(decoded) == TRAINED


def test_encode_refuses_unknown_formats():
    with pytest.raises((ValueError, KeyError)):
        imaging.encode(Image.new("RGB", (4, 4)), "gif", {}, b"")


def test_iptc_xmp_is_well_formed_xml():
    for source_type in (TRAINED, COMPOSITE):
        packet = imaging.iptc_xmp(source_type)
        assert packet.startswith(b"<?xpacket begin=") and packet.endswith(b'<?xpacket end="w"?>')
        root = SafeET.fromstring(packet.decode("utf-8"))
        assert root.tag == "{adobe:ns:meta/}xmpmeta"
        descriptions = root.findall(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
        assert len(descriptions) == 1
        assert descriptions[0].get(f"{{{IPTC_EXT}}}DigitalSourceType") == source_type


# --------------------------------------------------------------------------------------------
# Planning widths and sizes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "widths", "expected"),
    [
        (1000, [320, 640, 1280], [320, 640, 1000]),  # source added, no upscale
        (2000, [320, 640, 1280], [320, 640, 1280]),  # big source: configured widths only
        (1280, [1280, 640, 320], [320, 640, 1280]),  # sorted
        (1280, [640, 320, 640, 320, 1280], [320, 640, 1280]),  # duplicates removed
        (100, [320, 640, 1280], [100]),  # smaller than every width
        (640, [320, 640, 1280], [320, 640]),  # source equals a configured width: once
        (500, [], []),
        (500, [0, -5, 200], [200]),
        (2048, [320, 1280, 1920, 2560], [320, 1280, 2048]),  # 1920 is 2048's near-duplicate
        (1400, [320, 1280, 1920], [320, 1400]),  # 1280 is within 10 % below 1400
        (1500, [320, 1280, 1920], [320, 1280, 1500]),  # 1280 is 17 % below: kept
    ],
)
def test_plan_widths(source, widths, expected):
    assert imaging.plan_widths(source, widths) == expected


def test_plan_widths_properties():
    rng = random.Random(7)
    for _ in range(500):
        widths = [rng.randint(1, 3000) for _ in range(rng.randint(1, 8))]
        source = rng.randint(1, 4000)
        plan = imaging.plan_widths(source, widths)
        assert plan == sorted(set(plan)), (source, widths, plan)
        assert all(0 < w <= source for w in plan), (source, widths, plan)
        assert set(plan) <= set(widths) | {source}
        near = imaging.pipeline.NEAR_DUPLICATE
        kept = {w for w in widths if w <= source and (w * near <= source or source >= max(widths))}
        assert kept <= set(plan)
        if source < max(widths):
            assert plan[-1] == source
        else:
            assert source not in plan or source in widths


@pytest.mark.parametrize(
    ("width", "height", "widths"),
    [(1000, 500, [320, 640, 1280]), (1001, 667, [320, 640, 960]), (333, 1000, [100, 200, 640])],
)
def test_variant_sizes_keep_the_aspect_ratio(width, height, widths):
    sizes = imaging.variant_sizes(width, height, widths)
    assert [w for w, _ in sizes] == imaging.plan_widths(width, widths)
    for w, h in sizes:
        assert h == round(height * w / width)
        assert abs(h / w - height / width) <= 1 / w


def test_scaled_and_thumbnail_sizes_never_reach_zero():
    assert imaging.variant_sizes(10_000, 1, [320]) == [(320, 1)]
    assert imaging.scaled_height(10_000, 3, 100) == 1
    assert imaging.thumbnail_size(4000, 3000, 400) == (400, 300)
    assert imaging.thumbnail_size(100, 50, 400) == (100, 50)  # never upscales
    assert imaging.thumbnail_size(10_000, 1, 100) == (100, 1)


def test_resize_ladder_yields_exact_sizes_largest_first():
    source = images.art(900, 600)
    sizes = [(300, 200), (600, 400), (900, 600), (150, 100), (600, 400)]
    out = list(imaging.resize_ladder(source, sizes))
    assert [im.size for im in out] == [(900, 600), (600, 400), (300, 200), (150, 100)]
    assert out[0] is source  # the source size is not resampled
    for im in out[1:]:
        direct = source.resize(im.size, Image.Resampling.LANCZOS)
        assert mean_abs_diff(im, direct) < 2, im.size


# --------------------------------------------------------------------------------------------
# render_set
# --------------------------------------------------------------------------------------------


def test_render_set_builds_every_width_and_format():
    data = images.png(1000, 500)
    out = list(imaging.render_set(data, Limits(), [320, 640, 1280], FAST_FORMATS))
    assert len(out) == 9
    assert sorted((r.width, r.format) for r in out) == sorted(
        (w, f) for w in (320, 640, 1000) for f in ("avif", "webp", "jpeg")
    )
    assert [r.width for r in out] == sorted((r.width for r in out), reverse=True)
    reference = images.art(1000, 500)
    for r in out:
        assert r.height == round(500 * r.width / 1000)
        decoded = decode(r.data)
        assert decoded.format == formats.OUTPUT[r.format].pillow
        assert decoded.size == (r.width, r.height)
        assert decoded.mode == "RGB"
        expected = reference.resize(decoded.size, Image.Resampling.LANCZOS)
        assert mean_abs_diff(decoded, expected) < 8, (r.width, r.format)


def test_render_set_of_an_allowed_animation_gives_still_images():
    limits = Limits(allow_animated=True)
    out = list(imaging.render_set(images.animated_webp(), limits, [32], FAST_FORMATS))
    assert sorted(r.format for r in out) == ["avif", "jpeg", "webp"]
    for r in out:
        decoded = decode(r.data)
        assert decoded.size == (32, 32)
        assert getattr(decoded, "n_frames", 1) == 1


def test_render_set_refuses_bad_input_before_encoding():
    with pytest.raises(ImagingError) as caught:
        list(imaging.render_set(BAD["jpeg_zip_polyglot"][0], Limits(), [64], FAST_FORMATS))
    assert caught.value.code == "polyglot"


# --------------------------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------------------------


def test_gray16_keeps_its_full_range():
    data = images.gray16_png()
    im, info = open_ok(data)
    assert info.mode.startswith("I")
    source16 = np.asarray(im).astype(np.float64)
    assert source16.max() > 255  # really 16-bit data

    out = imaging.normalize(im)
    assert out.mode == "RGB" and out.size == (256, 128)
    a = pixels(out)
    assert (a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all()
    assert a.min() < 10 and a.max() > 245, "the 16-bit range must be scaled, not clipped"
    assert np.abs(a[..., 0] - source16 / 257).max() <= 1
    mid = out.getpixel((128, 64))[0]
    assert abs(mid - 128) <= 4
    assert (np.diff(a[:, 0, 0]) >= 0).all()  # the gradient stays monotonic


def test_cmyk_jpeg_becomes_rgb_with_sane_colours():
    data = images.cmyk_jpeg()
    im, info = open_ok(data)
    assert info.mode == "CMYK" and not info.has_alpha
    out = imaging.normalize(im)
    assert out.mode == "RGB" and out.size == (240, 160)
    assert mean_abs_diff(out, decode(data).convert("RGB")) < 2
    assert mean_abs_diff(out, images.art(240, 160)) < 8  # close to the art it came from


def test_palette_png_with_transparency_becomes_rgba():
    data = images.palette_png()
    im, info = open_ok(data)
    assert info.mode == "P" and info.has_alpha
    indices = np.asarray(im)
    out = imaging.normalize(im)
    assert out.mode == "RGBA"
    assert mean_abs_diff(out, decode(data).convert("RGBA"), "RGBA") < 1
    alpha = pixels(out, "RGBA")[..., 3]
    assert (alpha == 0).sum() == (indices == 0).sum() > 0
    assert (alpha[indices != 0] == 255).all()
    opaque = indices != 0
    assert np.abs(pixels(out)[opaque] - pixels(images.art(200, 200))[opaque]).mean() < 25


@pytest.mark.parametrize(
    ("mode", "colour", "expected_mode", "expected"),
    [
        ("L", 77, "RGB", (77, 77, 77)),
        ("LA", (77, 100), "RGBA", (77, 77, 77, 100)),
        ("RGBA", (10, 200, 30, 40), "RGBA", (10, 200, 30, 40)),
        ("1", 1, "RGB", (255, 255, 255)),
        ("P", 0, "RGB", None),
    ],
)
def test_other_modes_normalize_to_rgb_or_rgba(mode, colour, expected_mode, expected):
    data = flat(colour, mode=mode)
    im, info = open_ok(data)
    out = imaging.normalize(im)
    assert out.mode == expected_mode
    if expected is None:
        expected = decode(data).convert("RGB").getpixel((0, 0))
    assert out.getpixel((3, 3)) == expected
    assert info.has_alpha == (expected_mode == "RGBA")


# --------------------------------------------------------------------------------------------
# Colour management
# --------------------------------------------------------------------------------------------

SATURATED = (200, 60, 40)


def test_wide_gamut_test_profile_is_accepted_by_lcms():
    profile = icc.load(icc.wide_gamut_profile())
    description = ImageCms.getProfileDescription(profile).strip()
    assert description == icc.WIDE_GAMUT_DESCRIPTION and not description.lower().startswith("srgb")
    assert profile.profile.xcolor_space.strip() == "RGB"
    red = profile.profile.red_colorant[0]
    assert red == pytest.approx(icc.P3_D50[b"rXYZ"], abs=1e-3)
    srgb_red = icc.load(icc.srgb_profile()).profile.red_colorant[0]
    assert srgb_red[0] < red[0] - 0.05  # P3's red is farther out than sRGB's


def expected_in_srgb(rgb, profile: bytes) -> tuple[int, int, int]:
    im = Image.new("RGB", (1, 1), rgb)
    srgb = ImageCms.createProfile("sRGB")
    return ImageCms.profileToProfile(im, icc.load(profile), srgb).getpixel((0, 0))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_wide_gamut_pixels_are_converted_to_srgb(fmt):
    options = {"quality": 100, "subsampling": 0} if fmt == "JPEG" else {}
    data = flat(SATURATED, fmt=fmt, icc_profile=icc.wide_gamut_profile(), **options)
    im, info = open_ok(data)
    assert info.has_icc_profile
    r, g, b = imaging.normalize(im).getpixel((8, 8))
    assert r - SATURATED[0] > 3 and SATURATED[1] - g > 3 and SATURATED[2] - b > 3, (r, g, b)
    reference = expected_in_srgb(SATURATED, icc.wide_gamut_profile())
    assert max(abs(x - y) for x, y in zip((r, g, b), reference, strict=True)) <= 3


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_srgb_tagged_pixels_are_left_alone(fmt):
    options = {"quality": 100, "subsampling": 0} if fmt == "JPEG" else {}
    data = flat(SATURATED, fmt=fmt, icc_profile=icc.srgb_profile(), **options)
    im, info = open_ok(data)
    assert info.has_icc_profile
    out = imaging.normalize(im).getpixel((8, 8))
    assert out == decode(data).convert("RGB").getpixel((8, 8))
    assert max(abs(x - y) for x, y in zip(out, SATURATED, strict=True)) <= 1


def test_wide_gamut_keeps_neutrals_and_alpha():
    wide = icc.wide_gamut_profile()
    im, _ = open_ok(flat((128, 128, 128), icc_profile=wide))
    assert imaging.normalize(im).getpixel((0, 0)) == pytest.approx((128, 128, 128), abs=1)
    im, _ = open_ok(flat((*SATURATED, 77), mode="RGBA", icc_profile=wide))
    out = imaging.normalize(im)
    assert out.mode == "RGBA"
    r, g, b, a = out.getpixel((0, 0))
    assert a == 77
    assert r - SATURATED[0] > 3 and SATURATED[1] - g > 3


def test_render_set_outputs_converted_untagged_srgb():
    data = flat(SATURATED, size=(64, 64), icc_profile=icc.wide_gamut_profile())
    reference = expected_in_srgb(SATURATED, icc.wide_gamut_profile())
    formats = {"webp": {"quality": 100}, "jpeg": {"quality": 100, "subsampling": 0}}
    for r in imaging.render_set(data, Limits(), [64], formats):
        decoded = decode(r.data)
        assert not decoded.info.get("icc_profile")
        got = decoded.convert("RGB").getpixel((32, 32))
        assert max(abs(x - y) for x, y in zip(got, reference, strict=True)) <= 4, (r.format, got)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_garbage_icc_profile_is_invalid_metadata(fmt):
    data = flat(SATURATED, fmt=fmt, icc_profile=b"not a profile" * 10)
    im, info = open_ok(data)
    assert info.has_icc_profile
    with pytest.raises(ImagingError) as caught:
        imaging.normalize(im)
    assert caught.value.code == "invalid_metadata"
    assert caught.value.message
    with pytest.raises(ImagingError) as caught:
        list(imaging.render_set(data, Limits(), [8], FAST_FORMATS))
    assert caught.value.code == "invalid_metadata"


def test_grayscale_with_a_gray_profile():
    im, _ = open_ok(flat(100, mode="L", icc_profile=icc.gray_profile()))
    out = imaging.normalize(im)
    assert out.mode == "RGB"
    r, g, b = out.getpixel((0, 0))
    assert r == g == b and abs(r - 100) <= 3


def test_grayscale_alpha_with_a_gray_profile():
    im, info = open_ok(flat((100, 128), mode="LA", icc_profile=icc.gray_profile()))
    assert info.mode == "LA" and info.has_icc_profile
    out = imaging.normalize(im)
    assert out.mode == "RGBA"
    r, g, b, a = out.getpixel((0, 0))
    assert r == g == b and abs(r - 100) <= 3 and a == 128


# --------------------------------------------------------------------------------------------
# open_image: bad input, limits, trailing data
# --------------------------------------------------------------------------------------------


def test_bad_inputs_cover_many_kinds():
    assert len(BAD) >= 15
    assert len({code for _, code in BAD.values()}) >= 6


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_with_its_code(name):
    data, code = BAD[name]
    error = refused(data)
    assert error.code == code
    assert isinstance(error.message, str) and error.message.strip()
    assert str(error) == error.message


def test_unsupported_type_messages_name_the_kind():
    assert "SVG" in refused(BAD["svg"][0]).message
    assert "HTML" in refused(BAD["html"][0]).message
    assert "GIF" in refused(BAD["gif"][0]).message
    assert "PDF" in refused(BAD["pdf"][0]).message


@pytest.mark.parametrize("fmt", sorted(images.GOOD))
def test_good_inputs_are_inspected(fmt):
    data = images.GOOD[fmt](64, 48)
    im, info = open_ok(data)
    pil_name = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "avif": "AVIF"}[fmt]
    assert imaging.sniff_format(data) == pil_name
    assert info.format == pil_name
    assert (info.mime_type, info.extension) == (
        formats.INPUT[pil_name].mime,
        formats.INPUT[pil_name].ext,
    )
    assert (info.width, info.height) == (64, 48) == im.size
    assert info.frames == 1 and info.orientation == 1
    assert not info.has_alpha and not info.has_icc_profile


def test_heic_is_not_sniffed_as_avif():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
    assert imaging.sniff_format(heic) is None
    error = refused(heic)
    assert error.code == "unsupported_type" and "HEIF" in error.message


def test_pixel_limit():
    data = images.png(100, 100)
    error = refused(data, Limits(max_pixels=1000))
    assert error.code == "too_many_pixels" and error.message
    open_ok(data, Limits(max_pixels=100 * 100))  # the limit itself is allowed


def test_side_limit():
    data = images.png(100, 100)
    error = refused(data, Limits(max_side=50))
    assert error.code == "too_many_pixels" and error.message
    open_ok(data, Limits(max_side=100))
    assert refused(images.png(101, 10), Limits(max_side=100)).code == "too_many_pixels"


@pytest.mark.parametrize("maker", [images.animated_webp, images.animated_png])
def test_animation_allowed_by_limits(maker):
    data = maker()
    assert refused(data).code == "animated"
    im, info = open_ok(data, Limits(allow_animated=True))
    assert info.frames == 3
    assert (info.width, info.height) == (64, 64)


@pytest.mark.parametrize("fmt", sorted(images.GOOD))
def test_trailing_zero_padding_is_accepted(fmt):
    data = images.GOOD[fmt](64, 48) + b"\x00" * 64
    im, info = open_ok(data)
    assert (info.width, info.height) == (64, 48)


PAYLOADS = {
    "zip": b"PK\x03\x04" + b"\x00" * 26 + b"evil.sh",
    "html": b"<html><script>alert(1)</script></html>",
    "one_byte": b"A",
    "zeros_then_data": b"\x00" * 16 + b"#!/bin/sh",
}


@pytest.mark.parametrize(
    ("fmt", "payload"),
    [pytest.param(fmt, name) for fmt in sorted(images.GOOD) for name in ("zip", "html", "one_byte")]
    + [pytest.param(fmt, "zeros_then_data") for fmt in ("jpeg", "png", "webp")],
)
def test_non_zero_trailing_data_is_a_polyglot(fmt, payload):
    error = refused(images.GOOD[fmt](64, 48) + PAYLOADS[payload])
    assert error.code == "polyglot", error.message
    assert "after the end" in error.message


def test_imaging_error_carries_code_and_message():
    error = ImagingError("corrupt", "Broken.")
    assert (error.code, error.message, str(error)) == ("corrupt", "Broken.", "Broken.")


def test_imaging_module_does_not_import_django():
    code = "import sys, aiassets.imaging; print(sorted(m for m in sys.modules if 'django' in m))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# Perceptual hash and placeholder
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def artwork() -> Image.Image:
    return images.art(640, 480, seed=1)


def test_perceptual_hash_format(artwork):
    value = imaging.perceptual_hash(artwork)
    assert re.fullmatch(r"[0-9a-f]{16}", value)
    assert imaging.perceptual_hash(artwork.convert("RGBA")) == value
    assert imaging.hash_distance(value, value) == 0
    assert imaging.hash_distance("0" * 16, "f" * 16) == 64
    assert imaging.hash_distance("0" * 15 + "1", "0" * 16) == 1


def test_perceptual_hash_survives_resize_and_reencode(artwork):
    value = imaging.perceptual_hash(artwork)
    half = artwork.resize((320, 240), Image.Resampling.LANCZOS)
    assert imaging.hash_distance(value, imaging.perceptual_hash(half)) <= 6
    reencoded = decode(images.save(artwork, "JPEG", quality=70))
    assert imaging.hash_distance(value, imaging.perceptual_hash(reencoded)) <= 6


@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_perceptual_hash_separates_different_art(artwork, seed):
    value = imaging.perceptual_hash(artwork)
    other = imaging.perceptual_hash(images.art(640, 480, seed=seed))
    assert imaging.hash_distance(value, other) > 12


def test_mirrored_perceptual_hash_finds_flipped_copies(artwork):
    value = imaging.perceptual_hash(artwork)
    flipped = ImageOps.mirror(artwork)
    assert imaging.hash_distance(value, imaging.perceptual_hash(flipped)) > 12
    assert imaging.hash_distance(value, imaging.mirrored_perceptual_hash(flipped)) <= 2


@pytest.mark.parametrize(
    "im",
    [
        images.art(640, 480),
        images.art(2000, 20),
        images.art(30, 900),
        Image.open(io.BytesIO(images.rgba_png())),
        Image.new("RGB", (3, 2), (1, 2, 3)),
    ],
    ids=["landscape", "strip", "portrait", "rgba", "tiny"],
)
def test_placeholder_is_a_tiny_webp_data_uri(im):
    uri, colour = imaging.placeholder(im)
    prefix = "data:image/webp;base64,"
    assert uri.startswith(prefix)
    assert len(uri.encode("ascii")) < 600
    thumb = decode(base64.b64decode(uri[len(prefix) :], validate=True))
    assert thumb.format == "WEBP"
    assert 1 <= max(thumb.size) <= 16
    if im.width > 16 or im.height > 16:
        assert max(thumb.size) == 16
        scale = 16 / max(im.size)  # the aspect ratio is kept to the pixel
        assert abs(thumb.width - max(1, im.width * scale)) <= 1
        assert abs(thumb.height - max(1, im.height * scale)) <= 1
    assert re.fullmatch(r"#[0-9a-f]{6}", colour)


def test_placeholder_colour_is_the_average_colour():
    _, colour = imaging.placeholder(Image.new("RGB", (300, 200), (12, 200, 99)))
    assert colour == "#0cc863"
    half = Image.new("RGB", (64, 64), (0, 0, 0))
    ImageDraw.Draw(half).rectangle((0, 0, 31, 63), fill=(200, 100, 50))
    _, colour = imaging.placeholder(half)
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    assert (r, g, b) == pytest.approx((100, 50, 25), abs=2)


# --------------------------------------------------------------------------------------------
# Memory on a 64-megapixel source
# --------------------------------------------------------------------------------------------

# The pure build loop (render_set, no Django, C2PA or storage) on the production ladder and
# the production encoder settings, every format. What the production build() peaks at, with
# C2PA, storage and Django, is measured by `bench/build_cost.py memory` (README, "Derivative
# defaults"): this test guards the loop against regressions, it does not stand for that figure.
FULL_WIDTHS = DEFAULTS["DERIVATIVE_WIDTHS"]
FULL_FORMATS = {
    "avif": {"quality": 70, "speed": 9},
    "webp": {"quality": 88, "method": 2},
    "jpeg": {"quality": 82},
}
PEAK_LIMIT = 600 * 2**20  # measured 318 MiB (a 64 MP RGB decode alone is 244 MiB)
CHILD = textwrap.dedent(
    """
    import io, json, resource, sys
    from PIL import Image
    from aiassets import imaging

    data = open(sys.argv[1], "rb").read()
    widths, formats = json.loads(sys.argv[2]), json.loads(sys.argv[3])
    out = []
    for r in imaging.render_set(data, imaging.Limits(), widths, formats):
        decoded = Image.open(io.BytesIO(r.data))
        out.append([r.width, r.height, r.format, decoded.format, *decoded.size])
    del data
    # VmHWM is this process image's own peak. ru_maxrss would also count the parent's resident
    # memory, which Linux folds into it when the (v)forked child calls exec.
    try:
        status = open("/proc/self/status").read()
        peak_kib = int(status.split("VmHWM:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"renditions": out, "peak_kib": peak_kib}))
    """
)


def write_64mp_png(path: Path, side: int = 8000) -> None:
    red = Image.linear_gradient("L").resize((side, side), Image.Resampling.BILINEAR)
    green = red.transpose(Image.Transpose.ROTATE_90)
    blue = Image.radial_gradient("L").resize((side, side), Image.Resampling.BILINEAR)
    im = Image.merge("RGB", (red, green, blue))
    del red, green, blue
    draw = ImageDraw.Draw(im)
    draw.ellipse((1000, 1000, 5000, 4000), fill=(250, 30, 60))
    draw.rectangle((4500, 5000, 7600, 7700), fill=(20, 200, 90))
    draw.polygon([(200, 7800), (3000, 5200), (3900, 7900)], fill=(40, 40, 220))
    im.save(path, "PNG", compress_level=1)


@pytest.mark.slow
def test_64_megapixel_source_builds_a_full_set_under_600_mib(tmp_path):
    source = tmp_path / "big.png"
    write_64mp_png(source)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(source),
            json.dumps(FULL_WIDTHS),
            json.dumps(FULL_FORMATS),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MALLOC_ARENA_MAX": "2"},  # as in the units
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    renditions = report["renditions"]
    planned = imaging.plan_widths(8000, FULL_WIDTHS)
    assert sorted((w, f) for w, _, f, *_ in renditions) == sorted(
        (w, f) for w in planned for f in FULL_FORMATS
    )
    for width, height, fmt, pil_format, dw, dh in renditions:
        assert height == width  # a square source
        assert pil_format == formats.OUTPUT[fmt].pillow
        assert (dw, dh) == (width, height)
    assert report["peak_kib"] * 1024 < PEAK_LIMIT, f"peak RSS {report['peak_kib'] / 1024:.0f} MiB"

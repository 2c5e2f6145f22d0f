"""Crop geometry: exact ratios, no upscaling, the focal rectangle kept, at every rounding edge."""

from __future__ import annotations

import itertools
import random
from math import ceil, floor

import pytest
from PIL import Image, ImageDraw

from aiassets.imaging import crops
from aiassets.imaging.crops import Ratio, crop_box, parse_ratio

RATIOS = ["16/9", "1/1", "4/5", "3/2", "9/16", "21/9", "1/10", "10/1", "1001/1000"]
SIZES = [(1, 1), (2, 3), (7, 5), (16, 9), (17, 9), (1000, 563), (1920, 1080), (1081, 1920)]
SIZES += [(4000, 3), (3, 4000), (999, 1000), (1000, 999), (1366, 768)]


@pytest.mark.parametrize(
    ("text", "ratio"), [("16/9", (16, 9)), ("32:18", (16, 9)), ("4x5", (4, 5))]
)
def test_ratios_parse_and_reduce(text, ratio):
    assert (parse_ratio(text).p, parse_ratio(text).q) == ratio


@pytest.mark.parametrize("text", ["", "16", "16/0", "0/9", "²/1", "1/11", "16/9/1", "-1/2", "a/b"])
def test_bad_ratios_are_refused_with_a_code(text):
    with pytest.raises(crops.RatioError) as caught:
        parse_ratio(text)
    assert caught.value.code == "invalid_ratio" and caught.value.status == 400


def focal_rects(seed: int, count: int = 12) -> list:
    rng = random.Random(seed)
    rects = [None, crops.WHOLE, (0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0), (0.5, 0.5, 0.5, 0.5)]
    for _ in range(count):
        x0, x1 = sorted(rng.random() for _ in range(2))
        y0, y1 = sorted(rng.random() for _ in range(2))
        rects.append((x0, y0, x0 + (x1 - x0) * rng.random() * 0.6, y0 + (y1 - y0) * 0.5))
    return rects


@pytest.mark.parametrize(("size", "text"), list(itertools.product(SIZES, RATIOS)))
def test_crop_is_exact_inside_and_keeps_the_focal_rect(size, text):
    width, height = size
    ratio = parse_ratio(text)
    for focal in focal_rects(hash(size) & 0xFFFF):
        left, top, right, bottom = box = crop_box(width, height, ratio, focal)
        crop_w, crop_h = right - left, bottom - top
        assert 0 <= left < right <= width and 0 <= top < bottom <= height, box
        if width >= ratio.p and height >= ratio.q:
            assert crop_w * ratio.q == crop_h * ratio.p, "exact ratio"
            # the largest such crop: one more step of the ratio would not fit
            assert crop_w + ratio.p > width or crop_h + ratio.q > height
        fl, ft, fr, fb = crops.clamp_rect(focal)
        span_x = (floor(fl * width), ceil(fr * width))
        span_y = (floor(ft * height), ceil(fb * height))
        if span_x[1] - span_x[0] <= crop_w:
            assert left <= span_x[0] and span_x[1] <= right, (box, focal)
        if span_y[1] - span_y[0] <= crop_h:
            assert top <= span_y[0] and span_y[1] <= bottom, (box, focal)


def test_near_the_source_ratio_the_crop_is_nearly_the_whole_image():
    assert crop_box(1920, 1080, Ratio(16, 9)) == (0, 0, 1920, 1080)
    assert crop_box(1921, 1080, Ratio(16, 9)) == (0, 0, 1920, 1080)
    left, top, right, bottom = crop_box(1919, 1080, Ratio(16, 9))
    assert (right - left, bottom - top) == (1904, 1071)


def test_the_crop_centres_on_the_focal_point():
    left, _, right, _ = crop_box(2000, 1000, Ratio(1, 1), (0.8, 0.4, 0.8, 0.6))
    assert (left, right) == (1000, 2000)  # clamped at the right edge
    left, _, right, _ = crop_box(3000, 1000, Ratio(1, 1), (0.5, 0.5, 0.5, 0.5))
    assert (left, right) == (1000, 2000)


def test_a_focal_rect_too_big_for_the_crop_is_centred():
    left, _, right, _ = crop_box(2000, 1000, Ratio(1, 1), (0.1, 0.0, 0.9, 1.0))
    assert (left + right) / 2 == pytest.approx(1000, abs=1)


@pytest.mark.parametrize("width", [1, 50, 320, 640, 1280, 5000])
def test_output_never_upscales(width):
    box = crop_box(800, 600, Ratio(16, 9))
    out_w, out_h = crops.output_size(box, Ratio(16, 9), width)
    assert out_w <= box[2] - box[0] and out_h <= box[3] - box[1]
    assert abs(out_w / out_h - 16 / 9) < 2 / out_h + 1e-9


def test_faces_win_over_saliency():
    im = marked_subject(400, 300, (300, 50, 360, 110))
    faces = [(0.1, 0.2, 0.2, 0.35), (0.15, 0.5, 0.25, 0.6)]
    assert crops.focal_rect(im, faces) == (0.1, 0.2, 0.25, 0.6)


def marked_subject(width: int, height: int, box: tuple) -> Image.Image:
    """A flat image with one detailed subject at ``box``."""
    im = Image.new("RGB", (width, height), (120, 140, 160))
    draw = ImageDraw.Draw(im)
    rng = random.Random(3)
    for _ in range(400):
        x = rng.randrange(box[0], box[2])
        y = rng.randrange(box[1], box[3])
        draw.rectangle((x, y, x + 3, y + 3), fill=tuple(rng.randrange(256) for _ in range(3)))
    return im


@pytest.mark.parametrize("box", [(300, 50, 360, 110), (20, 200, 90, 280), (170, 120, 230, 180)])
def test_saliency_finds_the_detailed_subject(box):
    im = marked_subject(400, 300, box)
    left, top, right, bottom = crops.saliency_rect(im)
    cx, cy = (box[0] + box[2]) / 2 / 400, (box[1] + box[3]) / 2 / 300
    assert left <= cx <= right and top <= cy <= bottom
    assert right - left < 0.5 and bottom - top < 0.5


def test_a_flat_image_has_the_whole_frame_as_focus():
    assert crops.saliency_rect(Image.new("RGB", (64, 64), "white")) == crops.WHOLE

"""Art direction in the rendition identity: ratios and focal rectangles as inputs.

Crops are renditions like any other: planned in the background for DERIVATIVE_RATIOS (and the
share card), keyed by a recipe that includes the ratio and the focal rectangle, never
upscaled, cut after redaction, and retired (with their public URLs recorded) when the focal
rectangle changes. Full-frame keys never depend on the focal rectangle.
"""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from PIL import Image

from aiassets import focal, renditions, storage
from aiassets.imaging import crops
from aiassets.models import Asset, FaceRedaction, FocalSource, Variant
from aiassets.signals import renditions_retiring
from tests import images

pytestmark = pytest.mark.django_db

RIGHT = (0.80, 0.40, 0.95, 0.60)  # a subject near the right edge
LEFT = (0.05, 0.40, 0.20, 0.60)


@pytest.fixture
def art(settings):
    settings.DERIVATIVE_RATIOS = ["16/9", "1/1"]
    settings.SOCIAL_CARD_WIDTH = 1200
    settings.DERIVATIVE_FORMATS = {"jpeg": {"quality": 82}, "webp": {"quality": 80, "method": 0}}
    return settings


def keys(asset: Asset, ratio: str) -> dict[tuple[int, str], str]:
    return {(v.width, v.format): v.key for v in asset.variants.filter(ratio=ratio)}


def test_ingest_sets_a_saliency_focal_rect(ingest_now):
    asset = ingest_now(images.subject_png(800, 400, RIGHT)).asset
    assert asset.focal_source == FocalSource.SALIENCY
    left, top, right, bottom = asset.focal_rect()
    assert 0.0 <= left < right <= 1.0 and 0.0 <= top < bottom <= 1.0
    # the detail is the marked subject on the right: the estimate leans right
    assert (left + right) / 2 > 0.5


def test_planned_crops_are_built_with_exact_ratios_and_never_upscaled(art, ingest_now):
    asset = ingest_now(images.subject_png(800, 400, RIGHT)).asset
    rows = list(asset.variants.exclude(ratio=""))
    assert {v.ratio for v in rows} == {"16x9", "1x1", "40x21"}
    assert all(v.status == Variant.Status.READY for v in rows)
    for v in rows:
        ratio = crops.parse_ratio(v.ratio)
        with storage.variants().open(v.key, "rb") as fh:
            im = Image.open(io.BytesIO(fh.read()))
        assert im.size == (v.width, v.height)
        assert abs(Fraction(im.width, im.height) - Fraction(ratio.p, ratio.q)) < Fraction(1, 40)
        assert im.height <= 400 and im.width <= 800  # never upscaled
        if v.format == "jpeg":  # the focal subject is in every crop
            with storage.variants().open(v.key, "rb") as fh:
                assert images.subject_share(fh.read()) > 0.01, v.ratio
    square = sorted(v.width for v in rows if v.ratio == "1x1" and v.format == "jpeg")
    assert square == [320, 400]  # 1280 would upscale the 400 px square: its own size instead
    card = asset.variants.get(ratio="40x21")
    assert (card.width, card.height, card.format) == (760, 399, "jpeg")  # as wide as it can be


def test_keys_differ_per_ratio_and_change_with_the_focal_rect(
    art, ingest_now, django_capture_on_commit_callbacks
):
    asset = ingest_now(images.subject_png(800, 400, RIGHT)).asset
    full, wide, square = keys(asset, ""), keys(asset, "16x9"), keys(asset, "1x1")
    assert not set(full.values()) & set(wide.values())
    assert not set(wide.values()) & set(square.values())
    retired: list = []

    def listen(sender, asset, variants, was_public, **kwargs):
        retired.extend(variants)

    renditions_retiring.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert focal.set_focal(asset, LEFT, FocalSource.EDITOR)
    finally:
        renditions_retiring.disconnect(listen)
    asset.refresh_from_db()
    assert keys(asset, "") == full  # full frames do not depend on the focal rectangle
    new_square = keys(asset, "1x1")
    assert set(new_square) == set(square) and not set(new_square.values()) & set(square.values())
    assert {v.key for v in retired} >= set(square.values())
    assert not {v.key for v in retired} & set(full.values())
    # the new crops are built (inline jobs) around the left: the right-hand mark is out now
    v = asset.variants.get(ratio="1x1", format="jpeg", width=400)
    assert v.status == Variant.Status.READY
    with storage.variants().open(v.key, "rb") as fh:
        assert images.subject_share(fh.read()) < 0.001
    assert not focal.set_focal(asset, LEFT, FocalSource.EDITOR)  # unchanged: nothing to do


def test_spec_recipe_depends_on_focal_only_for_crops():
    asset = Asset(width=800, height=400, sha256="0" * 64)
    a = renditions.Inputs(focal=(0.1, 0.1, 0.2, 0.2))
    b = renditions.Inputs(focal=(0.7, 0.1, 0.8, 0.2))
    wide = crops.parse_ratio("16/9")
    assert (
        renditions.Spec(640, 320, "jpeg", (), a).recipe
        == renditions.Spec(640, 320, "jpeg", (), b).recipe
    )
    crop_a = renditions.Spec(640, 360, "jpeg", (), a, crop="16x9")
    crop_b = renditions.Spec(640, 360, "jpeg", (), b, crop="16x9")
    square = renditions.Spec(640, 640, "jpeg", (), a, crop="1x1")
    assert len({crop_a.recipe, crop_b.recipe, square.recipe}) == 3
    assert crop_a.crop_box(asset) == crops.crop_box(800, 400, wide, a.focal)


def test_faces_become_the_focal_rect_unless_an_editor_set_one(art, ingest_now):
    from moderation.faces import record_faces

    asset = ingest_now(images.subject_png(800, 400, RIGHT)).asset
    record_faces(asset.pk, [(0.10, 0.20, 0.10, 0.20)])  # x, y, w, h
    asset.refresh_from_db()
    assert asset.focal_source == FocalSource.FACES
    assert asset.focal_rect() == (0.1, 0.2, 0.2, 0.4)
    focal.set_focal(asset, RIGHT, FocalSource.EDITOR)
    record_faces(asset.pk, [(0.30, 0.20, 0.10, 0.20)])
    asset.refresh_from_db()
    assert asset.focal_source == FocalSource.EDITOR and asset.focal_rect() == RIGHT


def test_redaction_applies_to_crops(art, ingest_now):
    """A face inside the crop is pixelated in the crop exactly as in the full frame."""
    asset = ingest_now(images.png(800, 400, seed=3)).asset
    face = [0.45, 0.30, 0.10, 0.30]
    Asset.objects.filter(pk=asset.pk).update(faces=[face], face_redaction=FaceRedaction.REDACT)
    asset.refresh_from_db()
    renditions.ensure_rows(asset)
    renditions.build(asset.pk)
    v = asset.variants.get(ratio="1x1", format="webp", width=400, status="ready")
    with storage.variants().open(v.key, "rb") as fh:
        crop = Image.open(io.BytesIO(fh.read())).convert("RGB")
    box = crops.crop_box(800, 400, crops.parse_ratio("1/1"), asset.focal_rect())
    # the face's centre in crop pixels: a pixelated block has few distinct colours
    cx, cy = int(0.50 * 800) - box[0], int(0.45 * 400)
    block = crop.crop((cx - 6, cy - 6, cx + 6, cy + 6))
    assert len(block.getcolors(maxcolors=4096) or range(4097)) <= 12
    assert renditions.Inputs.of(asset).redaction  # the crop's key is a redacted one

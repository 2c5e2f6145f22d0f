"""ingest(): every accepted format, every kind of bad input, dedupe, and no half-stored data."""

from __future__ import annotations

import hashlib

import pytest
from PIL import Image

from aiassets import ingest as ingest_module
from aiassets.ingest import IngestError, ingest
from aiassets.models import Asset, GenerativeModel, Provenance, Variant
from tests import images
from tests.conftest import provenance, stored_files

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", sorted(images.GOOD))
def test_each_accepted_format_is_stored_with_provenance_and_variants(fmt, ingest_now, media_root):
    data = images.GOOD[fmt](640, 400, seed=3)
    result = ingest_now(data, provenance(seed=2**64 - 1), filename=f"x.{fmt}")
    asset = result.asset
    assert result.created
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert (asset.width, asset.height, asset.bytes) == (640, 400, len(data))
    assert asset.format == {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "avif": "AVIF"}[fmt]
    ext = {"png": "png", "jpeg": "jpg", "webp": "webp", "avif": "avif"}[fmt]
    assert asset.original_key == f"originals/{asset.id}/{asset.sha256}.{ext}"
    assert (media_root / "private" / asset.original_key).read_bytes() == data
    assert len(asset.phash) == 16 and int(asset.phash, 16) >= 0
    assert asset.placeholder.startswith("data:image/webp;base64,")
    assert asset.moderation_status == "pending" and not asset.published
    prov = Provenance.objects.get(asset=asset)
    assert prov.model.name == "Test Diffusion" and prov.prompt.startswith("a lighthouse")
    assert prov.seed == str(2**64 - 1)
    widths = sorted({v.width for v in asset.variants.all()})
    assert widths == [320, 640]  # no upscaling to 1280; the source width is included
    assert {v.status for v in asset.variants.all()} == {"ready"}
    assert {v.format for v in asset.variants.all()} == {"avif", "webp", "jpeg"}


@pytest.mark.parametrize("orientation,expected", [(1, (120, 80)), (6, (80, 120)), (8, (80, 120))])
def test_dimensions_are_recorded_as_displayed(orientation, expected, ingest_now):
    asset = ingest_now(images.oriented_jpeg(orientation)).asset
    assert (asset.width, asset.height) == expected


BAD = images.bad_inputs()


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gets_its_code_and_leaves_nothing(name, media_root):
    data, code = BAD[name]
    with pytest.raises(IngestError) as err:
        ingest(data, provenance(), filename=f"{name}.png")
    assert err.value.code == code
    assert err.value.message and len(err.value.message) < 300
    assert Asset.objects.count() == 0
    assert Variant.objects.count() == 0
    assert GenerativeModel.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "prov,code,needle",
    [
        ('{"model": {"name": "x"}, "prompt": ', "invalid_json", "not valid JSON"),
        ("[1, 2]", "invalid_metadata", "JSON object"),
        (provenance(prompt=""), "invalid_metadata", "prompt"),
        ({k: v for k, v in provenance().items() if k != "prompt"}, "invalid_metadata", "prompt"),
        (
            {k: v for k, v in provenance().items() if k != "generated_at"},
            "invalid_metadata",
            "generated_at",
        ),
        (provenance(model={"version": "1"}), "invalid_metadata", "model.name"),
        (provenance(model="Test"), "invalid_metadata", "model"),
        (provenance(prompt="bad\x00byte"), "invalid_metadata", "NUL"),
        (provenance(seed=True), "invalid_metadata", "seed"),
        (provenance(seed=2**64), "invalid_metadata", "seed"),
        (provenance(seed="abc"), "invalid_metadata", "seed"),
        (provenance(generated_at="yesterday"), "invalid_metadata", "generated_at"),
        (provenance(generated_at="2999-01-01T00:00:00Z"), "invalid_metadata", "future"),
        (provenance(params="steps=30"), "invalid_metadata", "params"),
        (provenance(params={"blob": "x" * 70_000}), "invalid_metadata", "params"),
    ],
)
def test_malformed_provenance_is_refused_before_anything_is_stored(prov, code, needle, media_root):
    with pytest.raises(IngestError) as err:
        ingest(images.png(), prov)
    assert err.value.code == code
    assert needle in err.value.message
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_oversized_upload_is_refused(settings, media_root):
    data = images.png(200, 200)
    settings.INGEST_MAX_BYTES = len(data) - 1
    with pytest.raises(IngestError) as err:
        ingest(data, provenance())
    assert err.value.code == "too_large" and err.value.http_status == 413
    assert stored_files(media_root) == []


def test_pixel_and_side_limits(settings):
    settings.INGEST_MAX_PIXELS = 100 * 100
    with pytest.raises(IngestError) as err:
        ingest(images.png(101, 100), provenance())
    assert err.value.code == "too_many_pixels"
    settings.INGEST_MAX_PIXELS = 10**8
    settings.INGEST_MAX_SIDE = 64
    with pytest.raises(IngestError) as err:
        ingest(images.png(65, 10), provenance())
    assert err.value.code == "too_many_pixels"


def test_animation_is_allowed_only_by_setting(settings, ingest_now):
    settings.INGEST_ALLOW_ANIMATED = True
    asset = ingest_now(images.animated_webp()).asset
    assert asset.format == "WEBP" and asset.variants.filter(status="ready").exists()


def test_wrong_extension_is_ignored_content_decides(ingest_now):
    asset = ingest_now(images.jpeg(300, 200), filename="actually-a-jpeg.png").asset
    assert asset.format == "JPEG" and asset.original_key.endswith(".jpg")
    assert asset.original_filename == "actually-a-jpeg.png"


@pytest.mark.parametrize(
    "factory,alpha",
    [("cmyk_jpeg", False), ("gray16_png", False), ("palette_png", True), ("rgba_png", True)],
)
def test_unusual_modes_are_ingested(factory, alpha, ingest_now):
    asset = ingest_now(getattr(images, factory)()).asset
    assert asset.has_alpha is alpha
    assert asset.variants.filter(status="ready").count() == asset.variants.count() > 0


def test_same_content_twice_is_one_asset(ingest_now, media_root):
    data = images.png(320, 240, seed=9)
    first = ingest_now(data)
    second = ingest_now(data, provenance(prompt="something else"))
    assert first.created and not second.created
    assert first.asset.pk == second.asset.pk
    assert Asset.objects.count() == 1
    originals = [f for f in stored_files(media_root) if f.startswith("private/")]
    assert len(originals) == 1
    assert Provenance.objects.get(asset=first.asset).prompt.startswith("a lighthouse")


def test_database_failure_leaves_no_file_and_no_row(monkeypatch, media_root):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest_module.Provenance.objects, "create", explode)
    with pytest.raises(RuntimeError):
        ingest(images.png(), provenance())
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


def test_original_is_never_modified(ingest_now, media_root):
    data = images.oriented_jpeg(6)
    asset = ingest_now(data).asset
    stored = (media_root / "private" / asset.original_key).read_bytes()
    assert stored == data
    assert Image.open(media_root / "private" / asset.original_key).getexif().get(0x0112) == 6


def test_prompts_are_stored_verbatim_as_untrusted_text(ingest_now):
    prompt = '<script>alert("x")</script> & "quotes" — ünïcode 🎨'
    asset = ingest_now(prov=provenance(prompt=prompt)).asset
    assert Provenance.objects.get(asset=asset).prompt == prompt

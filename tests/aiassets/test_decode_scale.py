"""Memory: a JPEG is decoded at the smallest DCT scale that covers the largest rendition, so
its full-size pixels are never held; the inspection still describes the file as stored."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from aiassets import imaging
from aiassets.imaging import decode, pipeline, resampling
from tests import images


def full_size_of(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_a_jpeg_decodes_at_the_smallest_scale_that_covers_the_largest_width():
    data = images.jpeg(2400, 1600)
    im, info = imaging.open_image(data, imaging.Limits(), scale_to=lambda info: (560, 373))
    assert (info.width, info.height) == (2400, 1600), "the file as stored"
    assert im.size == (600, 400), "1/4 scale: the smallest DCT scale at least 560 wide"
    im, _ = imaging.open_image(data, imaging.Limits(), scale_to=lambda info: (700, 467))
    assert im.size == (1200, 800), "1/2: a quarter would be too narrow"


def test_without_a_target_or_for_other_formats_the_decode_is_full_size():
    assert imaging.open_image(images.jpeg(800, 600), imaging.Limits())[0].size == (800, 600)
    png, _ = imaging.open_image(images.png(800, 600), imaging.Limits(), lambda i: (100, 75))
    assert png.size == (800, 600)


def test_the_rotated_target_is_asked_for_in_stored_orientation():
    data = images.oriented_jpeg(6, 1600, 800)  # stored 1600x800, displayed 800x1600
    im, info = imaging.open_image(data, imaging.Limits(), scale_to=lambda info: (200, 400))
    assert (info.width, info.height) == (800, 1600)
    assert im.size == (400, 200)


def test_renditions_from_a_reduced_decode_match_a_full_decode():
    data = images.jpeg(2400, 1600)
    source = imaging.prepare_source(data, imaging.Limits(), [320, 640])
    assert source.image.size == (640, 427)
    reference = full_size_of(data).resize((640, 427), Image.Resampling.LANCZOS)
    diff = np.abs(np.asarray(source.image, float) - np.asarray(reference.convert("RGB"), float))
    assert diff.mean() < 2.0, "within JPEG noise of a Lanczos resize of the full decode"


def test_crops_keep_the_source_wide_enough():
    data = images.jpeg(2400, 1600)
    source = imaging.prepare_source(data, imaging.Limits(), [320], keep_width=1000)
    assert source.image.width == 1000 and source.sizes == [(320, 213)]


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_truncated_jpeg_is_still_refused_at_reduced_scale(cut):
    data = images.jpeg(1600, 1200)
    with pytest.raises(imaging.ImagingError) as err:
        imaging.open_image(data[: int(len(data) * cut)], imaging.Limits(), lambda i: (100, 75))
    assert err.value.code == "truncated"


@pytest.mark.parametrize(
    ("source", "size"),
    [((900, 1300), (301, 433)), ((3000, 4000), (301, 401))],  # bicubic only; reduce(4) first
)
def test_the_banded_first_downscale_equals_one_shrink(source, size):
    """Band by band, the first downscale is the one resampling.shrink() of the whole image, up
    to rounding where a band's reduce() blocks meet the next band's."""
    im = images.art(*source, seed=5)
    banded = pipeline._banded_resize(im, size)
    whole = resampling.shrink(im, size)
    diff = np.abs(np.asarray(banded, int) - np.asarray(whole, int))
    assert diff.max() <= 2, "only rounding at band edges"
    assert (diff > 1).mean() < 0.001


def test_the_decode_is_freed_before_the_colour_steps():
    decoded = pipeline.decode_source(images.png(1600, 1200), imaging.Limits(), [320])
    assert decoded.image.size == (1600, 1200) and decoded.top == (320, 240)
    source = pipeline.shrink_source(decoded)
    assert decoded.image is None, "the full-size pixels are no longer referenced"
    assert source.image.size == (320, 240)


@pytest.mark.parametrize("make", [images.png, images.jpeg])
def test_a_mapped_original_decodes_like_its_bytes(tmp_path, make):
    data = make(900, 600)
    path = tmp_path / "original"
    path.write_bytes(data)
    mapped = imaging.MappedOriginal.of(str(path))
    assert mapped.startswith(data[:8]) and mapped.startswith((b"nope", data[:3]))
    from_file, info = imaging.open_image(mapped, imaging.Limits())
    from_bytes, same = imaging.open_image(data, imaging.Limits())
    assert info == same and from_file.tobytes() == from_bytes.tobytes()


def test_a_truncated_mapped_original_is_refused(tmp_path):
    path = tmp_path / "cut.png"
    path.write_bytes(images.png(400, 300)[:-500])
    with pytest.raises(imaging.ImagingError) as err:
        imaging.open_image(imaging.MappedOriginal.of(str(path)), imaging.Limits())
    assert err.value.code == "truncated"


def test_the_paged_reader_reads_and_seeks_like_a_file(tmp_path):
    path = tmp_path / "blob"
    blob = bytes(range(256)) * 40_000  # 10 MB: pages are handed back on the way
    path.write_bytes(blob)
    reader = decode._PagedReader(imaging.MappedOriginal.of(str(path)))
    assert reader.read(9_000_000) == blob[:9_000_000] and reader.dropped > 0
    assert reader.seek(10) == 10 and reader.read(5) == blob[10:15], "back: pages fault in again"
    assert reader.seek(-3, 2) == len(blob) - 3 and reader.read() == blob[-3:]
    assert reader.read(10) == b"" and reader.tell() == len(blob)


@pytest.mark.django_db
def test_build_reads_a_local_original_mapped(ingest_now):
    from aiassets.renditions.build import _original

    asset = ingest_now(images.png(500, 400)).asset
    assert isinstance(_original(asset), imaging.MappedOriginal)
    assert set(asset.variants.values_list("status", flat=True)) == {"ready"}

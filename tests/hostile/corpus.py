"""The hostile-input corpus: bad and tricky files and provenance documents, with the coded
error each must get. Real-world broken files come from Pillow's own test suite (pillow/,
MIT-CMU licence, see pillow/README.md); the rest are built here in memory.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from tests import images
from tests.conftest import provenance

PILLOW = Path(__file__).parent / "pillow"
CHANNELS = ("api", "admin", "import")


@dataclass(frozen=True)
class Case:
    """One hostile input. ``prov`` is the provenance exactly as sent (API field, sidecar file);
    ``form`` overrides admin form fields; ``manifest`` adds fields to an import manifest line.
    ``admin_needle`` is the text of the admin's answer when Django's own form validation
    answers before ours."""

    name: str
    code: str
    data: bytes | None = None
    prov: str | bytes | None = None
    form: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)
    channels: tuple[str, ...] = CHANNELS
    admin_needle: str | None = None

    def file_bytes(self) -> bytes:
        return images.png(64, 48, seed=7) if self.data is None else self.data

    def prov_text(self) -> str | bytes:
        return json.dumps(provenance()) if self.prov is None else self.prov


def pillow(name: str) -> bytes:
    return (PILLOW / name).read_bytes()


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def png_declaring(width: int, height: int) -> bytes:
    """A valid-looking PNG header declaring width×height, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * (width + 1))
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
    )


def png_chunk_length(delta: int) -> bytes:
    """A good PNG whose IDAT length field is off by ``delta``."""
    data = bytearray(images.png(64, 48, seed=3))
    pos = data.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", data[pos : pos + 4])
    data[pos : pos + 4] = struct.pack(">I", max(0, length + delta) & 0xFFFFFFFF)
    return bytes(data)


def mpo(pictures: int = 2) -> bytes:
    frames = [images.art(96, 64, seed=s) for s in range(pictures)]
    buf = io.BytesIO()
    frames[0].save(buf, "MPO", save_all=True, append_images=frames[1:], quality=85)
    return buf.getvalue()


def jpeg_then_jpeg() -> bytes:
    """Two JPEGs back to back with no MP index: not an MPO, an appended payload."""
    return images.jpeg(64, 48, seed=1) + images.jpeg(64, 48, seed=2)


def animated_avif() -> bytes:
    frames = [images.art(48, 48, seed=s) for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "AVIF", save_all=True, append_images=frames[1:], speed=10)
    return buf.getvalue()


def webp_riff_size(size: int) -> bytes:
    data = bytearray(images.webp(64, 48))
    data[4:8] = struct.pack("<I", size)
    return bytes(data)


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def prov_with(**changes: object) -> str:
    return json.dumps(provenance(**changes))


def prov_raw(params_json: str) -> str:
    """A provenance document whose params are the given raw JSON text."""
    text = json.dumps(provenance(params={"__P__": 0}))
    return text.replace('{"__P__": 0}', params_json)


PILLOW_REFUSED = {
    "broken.png": "corrupt",
    "broken_data_stream.png": "corrupt",
    "truncated_end_chunk.png": "truncated",
    "truncated_jpeg.jpg": "truncated",
    "icc-after-SOF.jpg": "invalid_metadata",
    "apng_chunk_no_fdat.png": "animated",
    "apng_split_fdat_zero_chunk.png": "animated",
    "apng_syntax_num_frames_zero.png": "corrupt",
    "crash-4fb027452e6988530aa5dabee76eecacb3b79f8a.j2k": "unsupported_type",
    "crash-86214e58da443d2b80820cff9677a38a33dcbbca.tif": "unsupported_type",
    "oom-225817ca0f8c663be7ab4b9e717b02c661e66834.tif": "unsupported_type",
    "ossfuzz-4836216264589312.pcx": "unsupported_type",
    "pngtest_bad.png.bin": "unsupported_type",
}


def _file_cases() -> list[Case]:
    django_first = {"empty": "The submitted file is empty"}
    cases = [
        Case(f"made_{name}", code, data, admin_needle=django_first.get(name))
        for name, (data, code) in images.bad_inputs().items()
    ]
    good_png, good_jpeg, good_webp, good_avif = (
        images.png(64, 48),
        images.jpeg(64, 48),
        images.webp(64, 48),
        images.avif(64, 48),
    )
    cases += [
        Case("one_byte", "unsupported_type", b"\xff"),
        Case("png_magic_only", "truncated", good_png[:8]),
        Case("png_header_only", "truncated", good_png[:33]),
        Case("jpeg_soi_only", "truncated", b"\xff\xd8\xff"),
        Case("jpeg_no_eoi", "truncated", good_jpeg[:-2]),
        Case("webp_riff_only", "truncated", good_webp[:12]),
        Case("webp_riff_size_short", "corrupt", webp_riff_size(len(good_webp) - 108)),
        Case("webp_riff_size_huge", "truncated", webp_riff_size(0xFFFFFFF0)),
        Case("avif_ftyp_only", "corrupt", good_avif[:32]),
        Case("webp_trailing_payload", "polyglot", good_webp + b"<?php system($_GET[1]); ?>"),
        Case("avif_trailing_payload", "polyglot", good_avif + b"PK\x05\x06" + b"\x00" * 18),
        Case("png_chunk_length_plus", "truncated", png_chunk_length(+40)),
        Case("png_chunk_length_minus", "corrupt", png_chunk_length(-10)),
        Case("png_chunk_length_huge", "truncated", png_chunk_length(+0x7FFFFFF0)),
        Case("png_zero_width", "corrupt", png_declaring(0, 10)),
        Case("png_side_over_limit", "too_many_pixels", png_declaring(20_001, 1)),
        Case("jpeg_then_jpeg", "polyglot", jpeg_then_jpeg()),
        Case("mpo_then_zip", "polyglot", mpo() + b"PK\x03\x04" + b"\x00" * 26 + b"x.sh"),
        Case("animated_avif", "animated", animated_avif()),
        Case("html_named_png", "unsupported_type", b"\n\n  <html><body>hi</body></html>"),
        Case("xml_svg", "unsupported_type", b'<?xml version="1.0"?>\n<svg xmlns="x"/>'),
        Case("zip", "unsupported_type", b"PK\x03\x04" + b"\x00" * 40),
        Case("heic", "unsupported_type", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),
    ]
    cases += [Case(f"pillow_{n}", code, pillow(n)) for n, code in PILLOW_REFUSED.items()]
    return cases


def _params_cases() -> list[Case]:
    params = [
        ("params_nan", '{"cfg": NaN}', None),
        ("params_infinity", '{"cfg": Infinity}', None),
        ("params_minus_infinity", '{"cfg": -Infinity}', None),
        ("params_1e999", '{"cfg": 1e999}', None),
        ("params_int_5001_digits", '{"n": ' + "9" * 5001 + "}", None),
        ("params_int_41_digits", '{"n": ' + "9" * 41 + "}", None),
        ("params_nul_value", '{"sampler": "euler\\u0000a"}', None),
        ("params_nul_key", '{"sam\\u0000pler": "euler"}', None),
        ("params_surrogate_value", '{"sampler": "\\ud800"}', None),
        ("params_surrogate_key", '{"\\udfff": 1}', None),
        ("params_deep_21", '{"a": ' + nested(20) + "}", None),
        ("params_deep_3000", '{"a": ' + nested(3000) + "}", None),
        ("params_deep_100000", nested(100_000), None),
        ("params_too_big", json.dumps({"blob": "x" * 70_000}), None),
        ("params_list", "[1, 2, 3]", None),
        ("params_string", '"steps=30"', None),
    ]
    return [
        Case(name, "invalid_metadata", prov=prov_raw(raw), form={"params": raw})
        for name, raw, _ in params
    ]


def _text_cases() -> list[Case]:
    cases = []
    nul, lone = "\\u0000", "\\ud800"
    django_nul = "Null characters are not allowed"
    text_fields = [
        ("prompt", {"prompt": f"a cat{nul}"}, django_nul),
        ("negative_prompt", {"negative_prompt": f"blurry{nul}"}, django_nul),
        ("model_name", {"new_model_name": f"Diff{nul}usion"}, django_nul),
        ("source_job_id", {"source_job_id": f"job{nul}1"}, django_nul),
    ]
    for name, form, needle in text_fields:
        key = next(iter(form))
        doc = json.dumps(provenance())
        form = {key: form[key].replace(nul, "\x00")}
        cases.append(
            Case(
                f"{name}_nul",
                "invalid_metadata",
                prov=_inject(doc, name, nul),
                form=form,
                admin_needle=needle,
            )
        )
        cases.append(
            Case(
                f"{name}_surrogate",
                "invalid_metadata",
                prov=_inject(doc, name, lone),
                channels=("api", "import"),
            )
        )
    return cases


DJANGO_NUL = "Null characters are not allowed"
DOCUMENT_CASES = [
    Case(
        "generated_at_year_1_plus_14",
        "invalid_metadata",
        prov=prov_with(generated_at="0001-01-01T00:00:00+14:00"),
        channels=("api", "import"),
    ),
    Case(
        "generated_at_year_0",
        "invalid_metadata",
        prov=prov_with(generated_at="0000-06-01T00:00:00Z"),
        channels=("api", "import"),
    ),
    Case(
        "generated_at_far_future",
        "invalid_metadata",
        prov=prov_with(generated_at="9999-12-31T23:59:59-14:00"),
        form={"generated_at_0": "9999-12-31"},
    ),
    Case(
        "prompt_too_long",
        "invalid_metadata",
        prov=prov_with(prompt="p" * 20_001),
        form={"prompt": "p" * 20_001},
    ),
    Case(
        "seed_superscript",
        "invalid_metadata",
        prov=prov_with(seed="²"),
        form={"seed": "²"},
        admin_needle="Enter a whole number",
    ),
    Case(
        "seed_too_big",
        "invalid_metadata",
        prov=prov_with(seed=2**64),
        form={"seed": str(2**64)},
        admin_needle="less than or equal",
    ),
    Case(
        "prompt_visibility_unknown",
        "invalid_metadata",
        prov=prov_with(prompt_visibility="secret"),
        channels=("api", "import"),
    ),
    Case(
        "provenance_nan_toplevel",
        "invalid_metadata",
        prov='{"seed": NaN}',
        channels=("api", "import"),
    ),
    Case(
        "provenance_deep_extra_key",
        "invalid_metadata",
        prov=prov_raw("{}")[:-1] + ', "x": ' + nested(3000) + "}",
        channels=("api", "import"),
    ),
    Case("provenance_array", "invalid_metadata", prov="[]", channels=("api", "import")),
    Case("provenance_null", "invalid_metadata", prov="null", channels=("api", "import")),
    Case(
        "provenance_truncated",
        "invalid_json",
        prov=prov_with()[:-5],
        channels=("api", "import"),
    ),
    Case(
        "provenance_raw_nul",
        "invalid_json",
        prov=prov_with().replace("a light", "a\x00light"),
        channels=("api", "import"),
    ),
    Case(
        "provenance_bom",
        "invalid_json",
        prov="\ufeff" + prov_with(),
        channels=("api", "import"),
    ),
    Case(
        "provenance_not_utf8",
        "invalid_json",
        prov=prov_with().encode() + b"\xff",
        channels=("import",),
    ),
    Case(
        "provenance_too_large",
        "too_large",
        prov=prov_with(params={"b": "x" * 300_000}),
        channels=("api", "import"),
    ),
    Case(
        "title_nul",
        "invalid_metadata",
        manifest={"title": "a\x00b"},
        form={"title": "a\x00b"},
        channels=("admin", "import"),
        admin_needle=DJANGO_NUL,
    ),
    Case(
        "alt_text_surrogate",
        "invalid_metadata",
        manifest={"alt_text": "\ud83d"},
        channels=("import",),
    ),
]


def _inject(doc: str, field_name: str, escape: str) -> str:
    """Insert a JSON escape into one text field of a serialised provenance document."""
    anchors = {
        "prompt": '"prompt": "a',
        "negative_prompt": '"negative_prompt": "b',
        "model_name": '"name": "T',
        "source_job_id": '"job_id": "j',
    }
    anchor = anchors[field_name]
    assert anchor in doc, anchor
    return doc.replace(anchor, anchor + escape, 1)


def accepted_tricky() -> dict[str, bytes]:
    """Odd but valid files that must be accepted (and give one asset)."""
    return {
        "pillow_frame_size.mpo": pillow("frame_size.mpo"),
        "pillow_ignore_frame_size.mpo": pillow("ignore_frame_size.mpo"),
        "made_mpo_3_pictures": mpo(3),
        "pillow_broken_exif_dpi.jpg": pillow("broken_exif_dpi.jpg"),
        "pillow_invalid-exif.jpg": pillow("invalid-exif.jpg"),
        "pillow_exif-ifd-offset.jpg": pillow("exif-ifd-offset.jpg"),
        "pillow_truncated_exif_dpi.jpg": pillow("truncated_exif_dpi.jpg"),
        "pillow_avif_hopper-missing-pixi.avif": pillow("avif_hopper-missing-pixi.avif"),
        "pillow_cross_scan_line.png": pillow("cross_scan_line.png"),
        "pillow_apng_syntax_num_frames_invalid.png": pillow("apng_syntax_num_frames_invalid.png"),
        "made_jpeg_zero_padding": images.jpeg(64, 48) + b"\x00" * 64,
        "made_1x1_png": images.save(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG"),
    }


def cases() -> list[Case]:
    found = _file_cases() + _params_cases() + _text_cases() + DOCUMENT_CASES
    names = [c.name for c in found]
    assert len(names) == len(set(names)), "case names must be unique"
    return found

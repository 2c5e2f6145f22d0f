"""A seeded fuzzer: valid images in every accepted format, mutated (truncated at random
offsets, bytes flipped, chunk and segment lengths edited). Whatever comes out, ingest must
answer with a coded refusal or accept the image: never another exception, never a 5xx.
"""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Callable

import pytest

from aiassets.ingest import IngestError, prepare
from tests import images
from tests.conftest import provenance

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

SEED = 20261129
CASES_PER_FORMAT = 150  # x 4 formats, through prepare(); a quarter of them also through the API


def _png_lengths(data: bytes) -> list[tuple[int, str]]:
    out, pos = [], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((pos, ">I"))
        pos += 12 + length
    return out


def _jpeg_lengths(data: bytes) -> list[tuple[int, str]]:
    out, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        out.append((pos + 2, ">H"))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return out


def _riff_lengths(data: bytes) -> list[tuple[int, str]]:
    out, pos = [(4, "<I")], 12
    while pos + 8 <= len(data):
        out.append((pos + 4, "<I"))
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        pos += 8 + size + (size % 2)
    return out


def _box_lengths(data: bytes) -> list[tuple[int, str]]:
    out, pos = [], 0
    while pos + 8 <= len(data):
        size = struct.unpack(">I", data[pos : pos + 4])[0]
        out.append((pos, ">I"))
        if size < 8:
            break
        pos += size
    return out


LENGTHS: dict[str, Callable[[bytes], list[tuple[int, str]]]] = {
    "png": _png_lengths,
    "jpeg": _jpeg_lengths,
    "webp": _riff_lengths,
    "avif": _box_lengths,
}


def truncate(data: bytes, fmt: str, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def flip(data: bytes, fmt: str, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(out))
        out[pos] = rng.randrange(256) if rng.random() < 0.5 else out[pos] ^ (1 << rng.randrange(8))
    return bytes(out)


def edit_length(data: bytes, fmt: str, rng: random.Random) -> bytes:
    fields = LENGTHS[fmt](data)
    pos, layout = rng.choice(fields)
    (old,) = struct.unpack(layout, data[pos : pos + struct.calcsize(layout)])
    top = 0xFFFF if layout == ">H" else 0xFFFFFFFF
    new = rng.choice([0, 1, 7, 8, old - 1, old + 1, old * 2, top, rng.randrange(top + 1)])
    return (
        data[:pos]
        + struct.pack(layout, max(0, min(new, top)))
        + data[pos + struct.calcsize(layout) :]
    )


MUTATIONS = [truncate, flip, edit_length]


def mutants() -> list[tuple[str, bytes]]:
    rng = random.Random(SEED)
    sources = {fmt: make(96, 64, seed=3) for fmt, make in images.GOOD.items()}
    out = []
    for fmt, data in sources.items():
        for i in range(CASES_PER_FORMAT):
            mutation = MUTATIONS[i % len(MUTATIONS)]
            out.append((f"{fmt}-{mutation.__name__}-{i}", mutation(data, fmt, rng)))
    return out


def test_mutated_images_get_a_coded_answer_never_an_exception(client, api_token, media_root):
    prov = json.dumps(provenance())
    outcomes: dict[str, int] = {}
    for index, (name, data) in enumerate(mutants()):
        try:
            prepared = prepare(data, prov, filename=name)
            outcome = "accepted" if prepared.info is not None else "duplicate"
        except IngestError as exc:
            assert exc.status < 500 and exc.message, (name, exc)
            outcome = exc.code
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if index % 4 == 0:  # a quarter also through the whole HTTP stack
            response = client.post(
                "/api/v1/assets",
                {"file": images_upload(name, data), "provenance": prov},
                HTTP_AUTHORIZATION=f"Bearer {api_token}",
            )
            assert response.status_code < 500, (name, response.content[:300])
            if response.status_code >= 400:
                assert response.json()["error"]["code"], name
    assert sum(outcomes.values()) == CASES_PER_FORMAT * len(images.GOOD)
    print("fuzz outcomes:", outcomes)
    assert len(outcomes) >= 3, outcomes  # the mutations reach several kinds of refusal


def images_upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name + ".bin", data)

"""Fixtures for Content Credentials: a development chain made once per session in a tmp dir,
a second ("foreign") chain, and helpers to sign files the way a generator would."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aiassets import c2pa
from aiassets.c2pa import DevChain, make_dev_chain


@pytest.fixture(scope="session")
def dev_chain(tmp_path_factory) -> DevChain:
    return make_dev_chain(tmp_path_factory.mktemp("c2pa") / "ours")


@pytest.fixture(scope="session")
def foreign_chain(tmp_path_factory) -> DevChain:
    return make_dev_chain(tmp_path_factory.mktemp("c2pa") / "foreign")


@pytest.fixture(autouse=True)
def _signing(settings, dev_chain: DevChain) -> DevChain:
    """Every test here signs with the session chain; nothing is written under var/."""
    settings.C2PA_SIGNING = True
    settings.C2PA_REQUIRED = True
    settings.C2PA_SIGNER_KEY = str(dev_chain.key)
    settings.C2PA_SIGNER_CHAIN = str(dev_chain.chain)
    settings.C2PA_TRUST_ANCHORS = ""
    settings.C2PA_DEV_CREDENTIALS = False
    return dev_chain


def sign_as_generator(data: bytes, mime: str, chain: DevChain, title: str = "generated") -> bytes:
    """``data`` signed the way a generator signs what it makes (CREATE, trainedAlgorithmicMedia)."""
    import c2pa as c2pa_lib

    signer = c2pa_lib.Signer.from_info(
        c2pa_lib.C2paSignerInfo(
            c2pa_lib.C2paSigningAlg.ES256, chain.chain.read_bytes(), chain.key.read_bytes(), None
        )
    )
    context = c2pa_lib.Context(
        settings=c2pa_lib.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    builder = c2pa_lib.Builder(
        {"claim_generator_info": [{"name": "SomeGenerator"}], "title": title}, context
    )
    builder.set_intent(
        c2pa_lib.C2paBuilderIntent.CREATE, c2pa_lib.C2paDigitalSourceType.TRAINED_ALGORITHMIC_MEDIA
    )
    out = io.BytesIO()
    builder.sign(signer, mime, io.BytesIO(data), out)
    return out.getvalue()


def flip_scan_byte(jpeg: bytes) -> bytes:
    """One byte of a JPEG's entropy-coded data changed (the file still decodes)."""
    data = bytearray(jpeg)
    start = data.rfind(b"\xff\xda")  # the (last) start of scan; the manifest sits before it
    pos = start + (len(data) - start) // 2
    while data[pos] in (0xFF, 0xFE, 0x00) or data[pos - 1] == 0xFF:
        pos += 1
    data[pos] ^= 0x01
    return bytes(data)


def variant_bytes(variant) -> bytes:
    from aiassets import storage

    with storage.variants().open(variant.key, "rb") as fh:
        return fh.read()


def credentials_of(chain: DevChain) -> c2pa.Credentials:
    return c2pa.keys.load(Path(chain.key), Path(chain.chain))


def sign_as_rich_generator(
    data: bytes,
    mime: str,
    chain: DevChain,
    *,
    prompt: str,
    thumbnail: bytes,
    source_type: str,
) -> bytes:
    """``data`` signed the way a chatty generator signs: its own assertion naming the prompt
    and negative prompt, a large JPEG thumbnail, and the digital source type it chose."""
    import c2pa as c2pa_lib

    signer = c2pa_lib.Signer.from_info(
        c2pa_lib.C2paSignerInfo(
            c2pa_lib.C2paSigningAlg.ES256, chain.chain.read_bytes(), chain.key.read_bytes(), None
        )
    )
    context = c2pa_lib.Context(
        settings=c2pa_lib.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    action = {
        "action": "c2pa.created",
        "digitalSourceType": source_type,
        "softwareAgent": {"name": "ChattyGen", "version": "9"},
    }
    definition = {
        "claim_generator_info": [{"name": "ChattyGen"}],
        "title": "chatty.png",
        "thumbnail": {"format": "image/jpeg", "identifier": "thumbnail.jpg"},
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [action]}},
            {
                "label": "com.chattygen.generation",
                "data": {"prompt": prompt, "negative_prompt": "NEGATIVE-" + prompt, "seed": 7},
            },
        ],
    }
    builder = c2pa_lib.Builder(definition, context)
    builder.add_resource("thumbnail.jpg", io.BytesIO(thumbnail))
    out = io.BytesIO()
    builder.sign(signer, mime, io.BytesIO(data), out)
    return out.getvalue()

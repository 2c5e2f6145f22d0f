"""A lazily built rendition (DERIVATIVE_PRECOMPUTE: a format, or a crop) is built by the origin
on its first request: never for someone who may not see it, and never with a private fact in
its bytes. Each test runs for a lazy WebP of the full frame and a lazy AVIF of a crop."""

from __future__ import annotations

import json

import pytest

from aiassets import c2pa
from aiassets.models import Asset, GenerativeModel
from delivery import signing
from moderation import workflow
from tests import images
from tests.conftest import provenance

pytestmark = pytest.mark.django_db

PROMPT = "LAZYPROMPT lantern festival"


LAZY = {"webp": ("webp", ""), "crop": ("avif", "16x9")}  # (format, ratio) left lazy


@pytest.fixture(params=list(LAZY))
def lazy(request, settings) -> tuple[str, str]:
    settings.DERIVATIVE_RATIOS = ["16/9"]
    # WebP and the crops' AVIF (and their JPEGs above 320 px) are built on first request
    settings.DERIVATIVE_PRECOMPUTE = ["avif", "jpeg", "crops:jpeg:320"]
    return LAZY[request.param]


@pytest.fixture
def make(lazy, ingest_now, django_capture_on_commit_callbacks):

    def run(seed: int, *steps: str, **prov) -> Asset:
        asset = ingest_now(images.png(480, 320, seed=seed), provenance(prompt=PROMPT, **prov))
        with django_capture_on_commit_callbacks(execute=True):
            for step in steps:
                getattr(workflow, step)(asset.asset, reason_code="quality")
        return Asset.objects.get(pk=asset.asset.pk)

    return run


@pytest.fixture
def lazy_row(lazy):
    fmt, ratio = lazy

    def row_of(asset: Asset):
        row = asset.variants.get(format=fmt, ratio=ratio, width=320)
        assert row.status == "lazy", "control: not built yet"
        return row

    return row_of


def is_image(blob: bytes, fmt: str) -> bool:
    return blob[:4] == b"RIFF" if fmt == "webp" else blob[4:12] == b"ftypavif"


@pytest.mark.parametrize("steps", [(), ("send_to_review", "reject")], ids=["pending", "rejected"])
def test_a_non_public_asset_is_never_built_or_served_publicly(
    make, lazy_row, lazy, client, media_root, steps
):
    asset = make(11, *steps)
    assert not asset.is_public
    row = lazy_row(asset)
    public_url = signing.public_base() + signing.variant_path(asset, row)
    assert client.get(public_url).status_code == 404
    row.refresh_from_db()
    assert row.status == "lazy", "nothing was built for a request that may not see it"
    assert not list((media_root / "public").rglob(f"{row.width}w-{row.recipe}.*"))
    signed = client.get(signing.variant_url(asset, row))  # e.g. the owner's API answer
    assert signed.status_code == 200 and signed["Cache-Control"].startswith("private")


def test_control_a_public_asset_is_built_on_request(make, lazy_row, client):
    asset = make(12, "approve")
    assert asset.is_public
    response = client.get(signing.variant_url(asset, lazy_row(asset)))
    assert response.status_code == 200 and "immutable" in response["Cache-Control"]


def test_a_private_prompt_stays_out_of_a_lazily_built_file(make, lazy_row, lazy, client):
    GenerativeModel.objects.update(prompts_public_by_default=True)  # the asset overrides
    asset = make(13, "approve", prompt_visibility="private")
    blob = client.get(signing.variant_url(asset, lazy_row(asset))).content
    assert is_image(blob, lazy[0]), "control: the lazy rendition was built"
    assert b"LAZYPROMPT" not in blob
    assert "LAZYPROMPT" not in json.dumps(c2pa.read(blob).__dict__, default=str)

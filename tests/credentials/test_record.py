"""GET /provenance/<id>.json: public assets only, no private data, verifiable with our key;
the public asset page shows the Content Credentials state."""

from __future__ import annotations

import copy

import pytest

from aiassets import c2pa
from aiassets.models import Asset, ModerationStatus
from tests import images
from tests.conftest import provenance

from .conftest import credentials_of

pytestmark = pytest.mark.django_db


def publish(asset: Asset) -> None:
    Asset.objects.filter(pk=asset.pk).update(
        moderation_status=ModerationStatus.APPROVED, published=True
    )


@pytest.fixture
def public_asset(ingest_now) -> Asset:
    asset = ingest_now(images.png(), provenance(prompt_visibility="private")).asset
    publish(asset)
    return asset


def test_record_is_signed_and_verifies_with_our_public_key(client, public_asset, dev_chain):
    response = client.get(f"/provenance/{public_asset.pk}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["xkey"] == f"asset-{public_asset.pk}"
    document = response.json()
    record = document["record"]
    assert record["asset_id"] == str(public_asset.pk)
    assert record["sha256"] == public_asset.sha256
    assert record["model"] == {"name": "Test Diffusion", "version": "1.0"}
    assert record["generated_at"].startswith("2026-11-01T12:00:00")
    assert set(record["licence"]) == {"name", "url"}
    ours = credentials_of(dev_chain)
    assert c2pa.verify_record(document, ours.certificate.public_key())
    assert document["signature"]["kid"] == ours.fingerprint[:16]
    forged = copy.deepcopy(document)
    forged["record"]["model"]["name"] = "Other Model"
    assert not c2pa.verify_record(forged, ours.certificate.public_key())


def test_record_has_no_private_data(client, public_asset):
    text = client.get(f"/provenance/{public_asset.pk}.json").content.decode()
    for private in ("lighthouse", "blurry", "job-1", "tests", '"seed"', "cfg", "uploaded"):
        assert private not in text


def test_public_prompt_is_in_the_record(client, ingest_now):
    asset = ingest_now(images.png(), provenance(prompt_visibility="public")).asset
    publish(asset)
    record = client.get(f"/provenance/{asset.pk}.json").json()["record"]
    assert record["prompt"] == "a lighthouse at dusk, watercolour"


@pytest.mark.parametrize(
    "status, published",
    [
        (ModerationStatus.PENDING, False),
        (ModerationStatus.APPROVED, False),
        (ModerationStatus.REJECTED, True),
        (ModerationStatus.TAKEN_DOWN, True),
    ],
)
def test_record_is_404_unless_public(client, ingest_now, status, published):
    asset = ingest_now(images.png()).asset
    Asset.objects.filter(pk=asset.pk).update(moderation_status=status, published=published)
    assert client.get(f"/provenance/{asset.pk}.json").status_code == 404


def test_unknown_asset_is_404(client, db):
    assert client.get("/provenance/00000000-0000-0000-0000-000000000000.json").status_code == 404


def test_asset_page_shows_the_content_credentials(client, settings, public_asset, tmp_path):
    settings.C2PA_SIGNER_KEY = settings.C2PA_SIGNER_CHAIN = ""
    settings.C2PA_DEV_CREDENTIALS = True
    settings.C2PA_DEV_DIR = tmp_path / "dev"  # label from the signer certificate
    c2pa.make_dev_chain(settings.C2PA_DEV_DIR)
    html = client.get(f"/images/{public_asset.pk}/").content.decode()
    assert "Content Credentials" in html
    assert "Signed by aiassets (development credentials)" in html
    assert f"/provenance/{public_asset.pk}.json" in html

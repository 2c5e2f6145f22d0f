"""Ingest records the original's manifest; derivatives sign every variant (AVIF, WebP, JPEG)
with the expected actions, source type and custom assertion, keeping the IPTC XMP."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aiassets import credentials, imaging, renditions
from aiassets.models import GenerativeModel, Variant
from tests import images
from tests.conftest import provenance

from .conftest import flip_scan_byte, sign_as_generator, variant_bytes

pytestmark = pytest.mark.django_db
TAM = imaging.TRAINED_ALGORITHMIC_MEDIA


def test_unsigned_original_is_recorded_absent(ingest_now):
    prov = ingest_now(images.png()).asset.provenance
    assert prov.c2pa_state == credentials.ABSENT
    assert prov.c2pa_manifest is None and prov.c2pa_failures == []


def test_signed_original_stores_manifest_and_state(ingest_now, foreign_chain):
    signed = sign_as_generator(images.png(), "image/png", foreign_chain, title="lighthouse")
    prov = ingest_now(signed).asset.provenance
    assert prov.c2pa_state == credentials.VALID
    active = prov.c2pa_manifest["manifests"][prov.c2pa_manifest["active_manifest"]]
    assert active["title"] == "lighthouse"
    assert [f["code"] for f in prov.c2pa_failures] == ["signingCredential.untrusted"]


def test_tampered_original_is_recorded_invalid_and_still_ingested(ingest_now, foreign_chain):
    signed = sign_as_generator(images.jpeg(), "image/jpeg", foreign_chain)
    result = ingest_now(flip_scan_byte(signed))
    prov = result.asset.provenance
    assert result.created and prov.c2pa_state == credentials.INVALID
    assert "assertion.dataHash.mismatch" in [f["code"] for f in prov.c2pa_failures]
    # An invalid parent is not carried into our variants: they are signed as created.
    v = result.asset.variants.get(format="jpeg", width=320)
    actions = credentials.read(variant_bytes(v)).actions()
    assert actions[0]["action"] == "c2pa.created"


def _public_prompt_model():
    GenerativeModel.objects.update_or_create(
        name="Test Diffusion",
        version="1.0",
        defaults={"licence": "CC-BY-4.0", "prompts_public_by_default": False},
    )


def test_every_format_carries_manifest_and_xmp(ingest_now):
    _public_prompt_model()
    asset = ingest_now(images.png(), provenance(prompt_visibility="private")).asset
    variants = list(asset.variants.all())
    assert {v.format for v in variants} == {"avif", "webp", "jpeg"}
    for v in variants:
        assert v.status == Variant.Status.READY and v.c2pa == credentials.SIGNED, v.error
        data = variant_bytes(v)
        assert v.bytes == len(data)
        im = Image.open(io.BytesIO(data))
        assert TAM.encode() in (im.info.get("xmp") or b""), v.format  # IPTC marking kept
        im.load()  # the signed file still decodes
        report = credentials.read(data)
        assert report.state == credentials.VALID, (v.format, report.codes)
        actions = report.actions()
        assert [a["action"] for a in actions] == ["c2pa.created", "c2pa.resized"]
        assert actions[0]["digitalSourceType"] == TAM
        assert actions[0]["softwareAgent"] == {"name": "Test Diffusion", "version": "1.0"}
        assert actions[1]["parameters"] == {"width": v.width, "height": v.height}
        custom = report.assertion(credentials.ASSERTION_LABEL)
        assert custom["model"] == {"name": "Test Diffusion", "version": "1.0"}
        assert custom["licence"] == "CC-BY-4.0"
        assert custom["asset_id"] == str(asset.id)
        assert "prompt" not in custom  # private prompt
        assert "lighthouse" not in data.decode("latin-1")  # nowhere in the file
        assert report.active.get("thumbnail") is None  # thumbnail off


def test_public_prompt_is_in_the_custom_assertion(ingest_now):
    asset = ingest_now(images.png(), provenance(prompt_visibility="public")).asset
    v = asset.variants.get(format="webp", width=320)
    custom = credentials.read(variant_bytes(v)).assertion(credentials.ASSERTION_LABEL)
    assert custom["prompt"] == "a lighthouse at dusk, watercolour"


def test_signed_original_becomes_the_parent_ingredient(ingest_now, foreign_chain):
    asset = ingest_now(sign_as_generator(images.png(), "image/png", foreign_chain)).asset
    v = asset.variants.get(format="jpeg", width=320)
    report = credentials.read(variant_bytes(v))
    assert report.state == credentials.VALID
    actions = report.actions()
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.resized"]
    assert actions[0]["digitalSourceType"] == TAM
    ingredients = report.active["ingredients"]
    assert [i["relationship"] for i in ingredients] == ["parentOf"]
    assert ingredients[0]["active_manifest"] == asset.provenance.c2pa_manifest["active_manifest"]


def test_required_signing_failure_fails_the_variant_with_the_error(
    settings, ingest_now, media_root, tmp_path
):
    settings.C2PA_SIGNER_KEY = str(tmp_path / "missing.key")
    asset = ingest_now(images.png()).asset
    rows = list(asset.variants.all())
    assert rows and all(v.status != Variant.Status.READY for v in rows)
    assert all("C2PA signing failed" in v.error and "missing.key" in v.error for v in rows)
    assert not list((media_root / "public").rglob("*.*"))  # nothing unmarked was shipped


def test_optional_signing_ships_unmarked_and_records_it(settings, ingest_now, tmp_path):
    settings.C2PA_REQUIRED = False
    settings.C2PA_SIGNER_KEY = str(tmp_path / "missing.key")
    asset = ingest_now(images.png()).asset
    for v in asset.variants.all():
        assert v.status == Variant.Status.READY and v.c2pa == credentials.FAILED
        assert "shipped unmarked" in v.error
        assert credentials.read(variant_bytes(v)).state == credentials.ABSENT


def test_signing_off_builds_unsigned_variants(settings, ingest_now):
    settings.C2PA_SIGNING = False
    asset = ingest_now(images.png()).asset
    v = asset.variants.get(format="avif", width=320)
    assert v.c2pa == credentials.UNSIGNED
    assert credentials.read(variant_bytes(v)).state == credentials.ABSENT


def test_build_one_signs_on_demand_variants(ingest_now, settings, tmp_path):
    asset = ingest_now(images.png()).asset
    v = renditions.build_one(asset, 200, "webp")
    assert v.c2pa == credentials.SIGNED and v.on_demand
    report = credentials.read(variant_bytes(v))
    assert report.state == credentials.VALID
    assert report.actions()[1]["parameters"] == {"width": 200, "height": 150}
    settings.C2PA_SIGNER_KEY = str(tmp_path / "missing.key")
    with pytest.raises(credentials.SigningError, match="C2PA signing failed"):
        renditions.build_one(asset, 210, "webp")
    failed = asset.variants.get(width=210, format="webp")
    assert failed.status != Variant.Status.READY and "C2PA signing failed" in failed.error


def test_an_expired_signer_fails_the_variant(settings, ingest_now, tmp_path):
    expired = credentials.make_dev_chain(tmp_path / "expired", days=0)
    settings.C2PA_SIGNER_KEY, settings.C2PA_SIGNER_CHAIN = str(expired.key), str(expired.chain)
    asset = ingest_now(images.png()).asset
    rows = list(asset.variants.all())
    assert rows and all(v.status != Variant.Status.READY for v in rows)
    assert all(v.error.startswith("SigningError: C2PA signing failed") for v in rows), rows[0].error

"""Ingest records the original's manifest; derivatives sign every variant (AVIF, WebP, JPEG)
with the expected actions, source type and custom assertion, keeping the IPTC XMP."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aiassets import c2pa, imaging, renditions
from aiassets.models import GenerativeModel, Variant
from tests import images
from tests.conftest import provenance

from .conftest import flip_scan_byte, sign_as_generator, variant_bytes

pytestmark = pytest.mark.django_db
TAM = imaging.TRAINED_ALGORITHMIC_MEDIA


def test_unsigned_original_is_recorded_absent(ingest_now):
    prov = ingest_now(images.png()).asset.provenance
    assert prov.c2pa_state == c2pa.ABSENT
    assert prov.c2pa_manifest is None and prov.c2pa_failures == []


def test_signed_original_stores_manifest_and_state(ingest_now, foreign_chain):
    signed = sign_as_generator(images.png(), "image/png", foreign_chain, title="lighthouse")
    prov = ingest_now(signed).asset.provenance
    assert prov.c2pa_state == c2pa.VALID
    active = prov.c2pa_manifest["manifests"][prov.c2pa_manifest["active_manifest"]]
    assert active["title"] == "lighthouse"
    assert [f["code"] for f in prov.c2pa_failures] == ["signingCredential.untrusted"]


def test_tampered_original_is_recorded_invalid_and_still_ingested(ingest_now, foreign_chain):
    signed = sign_as_generator(images.jpeg(), "image/jpeg", foreign_chain)
    result = ingest_now(flip_scan_byte(signed))
    prov = result.asset.provenance
    assert result.created and prov.c2pa_state == c2pa.INVALID
    assert "assertion.dataHash.mismatch" in [f["code"] for f in prov.c2pa_failures]
    # An invalid parent is referenced honestly (issue 20): opened, with its failure codes.
    v = result.asset.variants.get(format="jpeg", width=320)
    report = c2pa.read(variant_bytes(v))
    assert report.state == c2pa.VALID
    assert report.actions()[0]["action"] == "c2pa.opened"
    failures = report.active["ingredients"][0]["validation_results"]["activeManifest"]["failure"]
    assert {"code": "assertion.dataHash.mismatch"} in failures


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
        assert v.status == Variant.Status.READY and v.c2pa == c2pa.SIGNED, v.error
        data = variant_bytes(v)
        assert v.bytes == len(data)
        im = Image.open(io.BytesIO(data))
        assert TAM.encode() in (im.info.get("xmp") or b""), v.format  # IPTC marking kept
        im.load()  # the signed file still decodes
        report = c2pa.read(data)
        assert report.state == c2pa.VALID, (v.format, report.codes)
        actions = report.actions()
        assert [a["action"] for a in actions] == ["c2pa.created", "c2pa.resized"]
        assert actions[0]["digitalSourceType"] == TAM
        assert actions[0]["softwareAgent"] == {"name": "Test Diffusion", "version": "1.0"}
        assert actions[1]["parameters"] == {"width": v.width, "height": v.height}
        custom = report.assertion(c2pa.ASSERTION_LABEL)
        assert custom["model"] == {"name": "Test Diffusion", "version": "1.0"}
        assert custom["licence"] == "CC-BY-4.0"
        assert custom["asset_id"] == str(asset.id)
        assert "prompt" not in custom  # private prompt
        assert "lighthouse" not in data.decode("latin-1")  # nowhere in the file
        assert report.active.get("thumbnail") is None  # thumbnail off


def test_public_prompt_is_in_the_custom_assertion(ingest_now):
    asset = ingest_now(images.png(), provenance(prompt_visibility="public")).asset
    v = asset.variants.get(format="webp", width=320)
    custom = c2pa.read(variant_bytes(v)).assertion(c2pa.ASSERTION_LABEL)
    assert custom["prompt"] == "a lighthouse at dusk, watercolour"


def test_signed_original_becomes_the_parent_ingredient(ingest_now, foreign_chain):
    asset = ingest_now(sign_as_generator(images.png(), "image/png", foreign_chain)).asset
    v = asset.variants.get(format="jpeg", width=320)
    report = c2pa.read(variant_bytes(v))
    assert report.state == c2pa.VALID
    actions = report.actions()
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.resized"]
    assert actions[0]["digitalSourceType"] == TAM
    ingredients = report.active["ingredients"]
    assert [i["relationship"] for i in ingredients] == ["parentOf"]
    # A reference, not a copy: the parent's manifest label and hash are in our assertion.
    parent = report.assertion(c2pa.ASSERTION_LABEL)["parent"]
    assert parent["manifest"] == asset.provenance.c2pa_manifest["active_manifest"]
    assert parent["sha256"] == asset.sha256 and parent["validation_state"] == c2pa.VALID


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
        assert v.status == Variant.Status.READY and v.c2pa == c2pa.FAILED
        assert "shipped unmarked" in v.error
        assert c2pa.read(variant_bytes(v)).state == c2pa.ABSENT


def test_signing_off_builds_unsigned_variants(settings, ingest_now):
    settings.C2PA_SIGNING = False
    asset = ingest_now(images.png()).asset
    v = asset.variants.get(format="avif", width=320)
    assert v.c2pa == c2pa.UNSIGNED
    assert c2pa.read(variant_bytes(v)).state == c2pa.ABSENT


def test_build_one_signs_on_demand_variants(ingest_now, settings, tmp_path):
    asset = ingest_now(images.png()).asset
    v = renditions.build_one(asset, 200, "webp")
    assert v.c2pa == c2pa.SIGNED and v.on_demand
    report = c2pa.read(variant_bytes(v))
    assert report.state == c2pa.VALID
    assert report.actions()[1]["parameters"] == {"width": 200, "height": 150}
    settings.C2PA_SIGNER_KEY = str(tmp_path / "missing.key")
    with pytest.raises(c2pa.SigningError, match="C2PA signing failed"):
        renditions.build_one(asset, 210, "webp")
    failed = asset.variants.get(width=210, format="webp")
    assert failed.status != Variant.Status.READY and "C2PA signing failed" in failed.error


def test_an_expired_signer_fails_the_variant(settings, ingest_now, tmp_path):
    expired = c2pa.make_dev_chain(tmp_path / "expired", days=0)
    settings.C2PA_SIGNER_KEY, settings.C2PA_SIGNER_CHAIN = str(expired.key), str(expired.chain)
    asset = ingest_now(images.png()).asset
    rows = list(asset.variants.all())
    assert rows and all(v.status != Variant.Status.READY for v in rows)
    assert all(v.error.startswith("SigningError: C2PA signing failed") for v in rows), rows[0].error

"""The publication policy (aiassets.c2pa.policy): a public variant carries our own claim and
only a privacy-safe reference to the original's manifest (hash and validation state): never a
generator's assertions (its prompt), never its thumbnail. Tampered parents and composite
source types come out honestly. Staff still read the full incoming chain."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from aiassets import c2pa, imaging, renditions
from aiassets.models import Variant
from tests import images
from tests.conftest import provenance

from .conftest import flip_scan_byte, sign_as_rich_generator, variant_bytes

pytestmark = pytest.mark.django_db

PROMPT = "a secret lighthouse named Zanzibar-7731, watercolour"
THUMBNAIL = images.save(images.art(1024, 768, seed=9), "JPEG", quality=95)
MAX_OVERHEAD = 6 * 1024


def _signed_original(foreign_chain, source_type=c2pa.TRAINED, fmt="png") -> bytes:
    data = images.png(1024, 768, seed=4) if fmt == "png" else images.jpeg(1024, 768, seed=4)
    mime = "image/png" if fmt == "png" else "image/jpeg"
    return sign_as_rich_generator(
        data, mime, foreign_chain, prompt=PROMPT, thumbnail=THUMBNAIL, source_type=source_type
    )


def _private(**extra) -> dict:
    return provenance(prompt=PROMPT, prompt_visibility="private", **extra)


def _variants(asset) -> dict[tuple[int, str], bytes]:
    rows = list(asset.variants.all())
    assert rows and all(v.status == Variant.Status.READY for v in rows), [v.error for v in rows]
    return {(v.width, v.format): variant_bytes(v) for v in rows}


@pytest.fixture
def chatty(ingest_now, foreign_chain):
    """A generator-signed original (prompt assertion + 1024 px thumbnail), prompt private."""
    original = _signed_original(foreign_chain)
    assert len(THUMBNAIL) > 100_000 and PROMPT.encode() in original and THUMBNAIL in original
    asset = ingest_now(original, _private()).asset
    assert asset.provenance.c2pa_state == c2pa.VALID
    renditions.build_one(asset, 500, "webp")  # an on-demand width goes through the same path
    return asset


def test_public_variants_carry_neither_the_prompt_nor_the_thumbnail(chatty):
    found = _variants(chatty)
    widths = {w for w, _ in found}
    assert {"avif", "webp", "jpeg"} == {f for _, f in found} and {320, 500, 640} <= widths
    for (width, fmt), data in found.items():
        for secret in (PROMPT, "Zanzibar-7731", "NEGATIVE-", "com.chattygen", "ChattyGen"):
            assert secret.encode() not in data, (width, fmt, secret)
        assert THUMBNAIL[200:264] not in data, (width, fmt)
        report = c2pa.read(data)
        assert report.state == c2pa.VALID, (width, fmt, report.codes)
        store = json.dumps(report.manifest)
        assert len(report.manifest["manifests"]) == 1  # ours only: no copied parent manifest
        assert "thumbnail" not in store and "com.chattygen" not in store
        assert "prompt" not in report.assertion(c2pa.ASSERTION_LABEL)


def test_each_variant_manifest_costs_at_most_6_kB(chatty, settings):
    signed = _variants(chatty)
    settings.C2PA_SIGNING = False  # the same pipeline unsigned: the difference is the manifest
    renditions.build(chatty.pk)
    unsigned = _variants(chatty)
    planned = [key for key in signed if key in unsigned]
    assert len(planned) == len(unsigned) >= 9
    for key in planned:
        overhead = len(signed[key]) - len(unsigned[key])
        assert 0 < overhead <= MAX_OVERHEAD, (key, overhead)


def test_the_parent_is_a_reference_with_hash_and_validation_state(chatty):
    report = c2pa.read(variant_bytes(chatty.variants.get(width=320, format="jpeg")))
    actions = report.actions()
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.resized"]
    (ingredient,) = report.active["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    assert "thumbnail" not in ingredient and "active_manifest" not in ingredient
    results = ingredient["validation_results"]["activeManifest"]
    assert {"code": "signingCredential.untrusted"} in results["failure"]
    assert all(set(entry) == {"code"} for kind in results.values() for entry in kind)
    parent = report.assertion(c2pa.ASSERTION_LABEL)["parent"]
    prov = chatty.provenance
    assert parent == {
        "sha256": chatty.sha256,
        "manifest": prov.c2pa_manifest["active_manifest"],
        "validation_state": "valid",
        "failures": ["signingCredential.untrusted"],
    }


def test_a_public_prompt_is_ours_to_publish_and_the_generator_assertion_still_is_not(
    ingest_now, foreign_chain
):
    asset = ingest_now(_signed_original(foreign_chain), provenance(prompt=PROMPT)).asset
    asset.provenance.prompt_visibility = "public"
    asset.provenance.save()
    renditions.build(asset.pk)
    data = variant_bytes(asset.variants.filter(format="avif").latest("updated_at"))
    assert c2pa.read(data).assertion(c2pa.ASSERTION_LABEL)["prompt"] == PROMPT
    assert b"com.chattygen" not in data and b"NEGATIVE-" not in data


def test_a_tampered_parent_is_referenced_as_invalid(ingest_now, foreign_chain):
    original = flip_scan_byte(_signed_original(foreign_chain, fmt="jpeg"))
    asset = ingest_now(original, _private()).asset
    assert asset.provenance.c2pa_state == c2pa.INVALID
    for (width, fmt), data in _variants(asset).items():
        assert PROMPT.encode() not in data and THUMBNAIL[200:264] not in data
        report = c2pa.read(data)
        assert report.state == c2pa.VALID, (width, fmt)
        assert report.actions()[0]["action"] == "c2pa.opened"  # not a plain c2pa.created
        (ingredient,) = report.active["ingredients"]
        failures = ingredient["validation_results"]["activeManifest"]["failure"]
        assert {"code": "assertion.dataHash.mismatch"} in failures
        parent = report.assertion(c2pa.ASSERTION_LABEL)["parent"]
        assert parent["validation_state"] == "invalid" and parent["sha256"] == asset.sha256
        assert "assertion.dataHash.mismatch" in parent["failures"]


def _xmp_source_type(data: bytes) -> str:
    im = Image.open(io.BytesIO(data))
    xmp = im.info.get("xmp") or b""
    xmp = xmp.decode() if isinstance(xmp, bytes) else xmp
    return c2pa.COMPOSITE if c2pa.COMPOSITE in xmp else c2pa.TRAINED if c2pa.TRAINED in xmp else ""


def test_a_composite_source_type_in_the_manifest_is_kept(ingest_now, foreign_chain):
    asset = ingest_now(_signed_original(foreign_chain, c2pa.COMPOSITE), _private()).asset
    for key, data in _variants(asset).items():
        assert c2pa.read(data).actions()[0]["digitalSourceType"] == c2pa.COMPOSITE, key
        assert _xmp_source_type(data) == c2pa.COMPOSITE, key


def test_a_composite_source_type_in_the_xmp_is_kept(ingest_now):
    im = images.art(800, 600, seed=6)
    original = images.save(im, "JPEG", quality=90, xmp=imaging.iptc_xmp(c2pa.COMPOSITE))
    asset = ingest_now(original, _private()).asset
    assert asset.provenance.c2pa_state == c2pa.ABSENT
    for key, data in _variants(asset).items():
        actions = c2pa.read(data).actions()
        assert actions[0]["action"] == "c2pa.created", key
        assert actions[0]["digitalSourceType"] == c2pa.COMPOSITE, key
        assert _xmp_source_type(data) == c2pa.COMPOSITE, key


def test_any_other_stated_source_type_is_published_as_trained(ingest_now, foreign_chain):
    capture = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    asset = ingest_now(_signed_original(foreign_chain, capture), _private()).asset
    data = variant_bytes(asset.variants.get(width=320, format="webp"))
    assert c2pa.read(data).actions()[0]["digitalSourceType"] == c2pa.TRAINED
    assert _xmp_source_type(data) == c2pa.TRAINED


def test_staff_verify_page_shows_the_full_incoming_chain(admin_client, chatty):
    data = variant_bytes(chatty.variants.get(width=320, format="jpeg"))
    upload = SimpleUploadedFile("variant.jpg", data)
    html = admin_client.post("/admin/aiassets/asset/verify/", {"file": upload}).content.decode()
    assert "Ours: the Content Credentials are intact" in html
    assert "Incoming chain (stored original)" in html
    assert "com.chattygen.generation" in html and PROMPT in html and "ChattyGen" in html


def test_verify_image_reports_the_incoming_chain(tmp_path, chatty):
    path = tmp_path / "v.avif"
    path.write_bytes(variant_bytes(chatty.variants.get(width=320, format="avif")))
    out = io.StringIO()
    call_command("verify_image", str(path), "--json", stdout=out)  # exit code 0: ours
    result = json.loads(out.getvalue())
    assert result["verdict"] == "ours"
    incoming = result["incoming"]
    assert incoming["state"] == "valid"
    active = incoming["manifest_store"]["manifests"][incoming["manifest_store"]["active_manifest"]]
    labels = [a["label"] for a in active["assertions"]]
    assert "com.chattygen.generation" in labels and active.get("thumbnail")


def test_hostile_parent_labels_and_codes_are_not_published():
    from aiassets.c2pa import policy
    from aiassets.models import Asset, Provenance

    asset = Asset(sha256="a" * 64, mime_type="image/png")
    prov = Provenance(
        c2pa_state="valid",
        c2pa_manifest={"active_manifest": f"urn:c2pa:{PROMPT}"},
        c2pa_failures=[{"code": PROMPT}, {"code": "signingCredential.untrusted"}],
    )
    ref = policy.parent_reference(asset, prov)
    assert ref.manifest == "" and ref.results["failure"] == ["signingCredential.untrusted"]
    prov.c2pa_manifest = {"active_manifest": "urn:c2pa:3fad1ead-8ed5-44d0-873b-ea5f58adea82:acme"}
    assert policy.parent_reference(asset, prov).manifest.endswith(":acme")
    prov.c2pa_state = "absent"
    assert policy.parent_reference(asset, prov) is None

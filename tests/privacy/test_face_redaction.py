"""Faces: detected at ingest, pixelated in public variants when the policy says so, under new
keys, with the old renditions deleted and purged; the original stays untouched."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from aiassets.models import Asset, GenerativeModel
from delivery.models import PurgeRequest
from delivery.signing import variant_url
from moderation import faces, workflow
from moderation.models import Decision
from tests.conftest import provenance

pytestmark = pytest.mark.django_db

FACE = (173 / 512, 82 / 512, 102 / 512, 98 / 512)  # the astronaut's face


def astronaut_png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(skimage_data.astronaut()).save(buf, "PNG")
    return buf.getvalue()


def jpeg_320(asset, media_root) -> tuple[str, np.ndarray]:
    v = asset.variants.get(width=320, format="jpeg", status="ready")
    im = Image.open(media_root / "public" / v.key).convert("RGB")
    return v.key, np.asarray(im, np.int16)


@pytest.mark.moderation
def test_faces_are_detected_at_ingest(ingest_now):
    asset = ingest_now(astronaut_png()).asset
    asset.refresh_from_db()
    assert len(asset.faces) >= 1
    x, y, w, h = asset.faces[0]
    cx, cy = x + w / 2, y + h / 2
    assert abs(cx - (FACE[0] + FACE[2] / 2)) < 0.05 and abs(cy - (FACE[1] + FACE[3] / 2)) < 0.05
    assert not asset.redaction_boxes(), "the model does not ask for redaction by default"


def test_redaction_changes_the_face_only_under_new_keys(
    ingest_now, media_root, django_capture_on_commit_callbacks, client
):
    original = astronaut_png()
    asset = ingest_now(original).asset
    with django_capture_on_commit_callbacks(execute=True):
        faces.record_faces(asset.pk, [FACE])
        workflow.approve(asset)
    asset.refresh_from_db()
    old_key, plain = jpeg_320(asset, media_root)
    old_url = variant_url(asset, asset.variants.get(key=old_key))
    assert client.get(old_url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        decision = workflow.set_face_redaction(asset, "redact")
    asset.refresh_from_db()
    assert decision.verdict == "face_redaction" and decision.reason_code == "redact"
    new_key, redacted = jpeg_320(asset, media_root)
    assert new_key != old_key and not (media_root / "public" / old_key).exists()
    assert {v.status for v in asset.variants.all()} == {"ready"}

    x, y, w, h = (round(v * 320) for v in FACE)
    inside = np.abs(plain[y : y + h, x : x + w] - redacted[y : y + h, x : x + w]).mean()
    assert inside > 10, "the face is pixelated"
    mask = np.ones(plain.shape[:2], bool)
    pad = 16 + max(w, h) // 4  # the redaction margin plus one JPEG block
    mask[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad] = False
    assert np.abs(plain[mask] - redacted[mask]).mean() < 0.5, "everything else is the same"

    assert (media_root / "private" / asset.original_key).read_bytes() == original
    assert client.get(old_url).status_code == 404, "the old URL is dead"
    assert PurgeRequest.objects.filter(asset_id=asset.pk).exists(), "and purged from the CDN"
    blob = (media_root / "public" / new_key).read_bytes()
    assert b"c2pa.edited" in blob and b"Pixelated 1 detected face" in blob

    with django_capture_on_commit_callbacks(execute=True):
        workflow.set_face_redaction(asset, "keep")
    _, restored = jpeg_320(asset, media_root)
    assert np.abs(restored - plain).mean() < 0.5


def test_model_default_and_asset_override(ingest_now, django_capture_on_commit_callbacks):
    asset = ingest_now(
        astronaut_png(), provenance(model={"name": "Portraits", "version": "1"})
    ).asset
    faces.record_faces(asset.pk, [FACE])
    asset.refresh_from_db()
    assert asset.redaction_boxes() == []
    GenerativeModel.objects.filter(name="Portraits").update(redact_faces=True)
    assert asset.redaction_boxes() == [tuple(round(v, 4) for v in FACE)]
    Asset.objects.filter(pk=asset.pk).update(face_redaction="keep")
    asset.refresh_from_db()
    assert asset.redaction_boxes() == []
    with pytest.raises(workflow.WorkflowError):
        workflow.set_face_redaction(asset, "blur-everything")


def test_moderators_override_on_the_review_page(
    client, ingest_now, django_user_model, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # groups and their permissions
    asset = ingest_now(astronaut_png()).asset
    faces.record_faces(asset.pk, [FACE])
    from django.contrib.auth.models import Group

    mod = django_user_model.objects.create_user("mo", password="x", is_staff=True)
    mod.groups.add(Group.objects.get(name="moderators"))
    ed = django_user_model.objects.create_user("ed", password="x", is_staff=True)
    ed.groups.add(Group.objects.get(name="editors"))
    url = f"/admin/moderation/needsreview/{asset.pk}/change/"
    client.force_login(ed)
    client.post(url, {"action": "face_redaction", "face_redaction": "redact"})
    assert Asset.objects.get(pk=asset.pk).face_redaction == "inherit"
    client.force_login(mod)
    page = client.get(url)
    assert page.status_code == 200 and "Faces in public variants" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "face_redaction", "face_redaction": "redact"})
    assert Asset.objects.get(pk=asset.pk).face_redaction == "redact"
    assert Decision.objects.filter(asset=asset, verdict="face_redaction", actor=mod).exists()


def test_changing_a_model_in_the_admin_republishes_its_assets(
    client, ingest_now, media_root, django_user_model, django_capture_on_commit_callbacks
):
    """Turning a model's prompts private (or its redaction on) rebuilds its public assets'
    variants under new keys: the prompt leaves the C2PA manifests and the old URLs are purged."""
    model = {"name": "Open Prompts", "version": "1"}
    asset = ingest_now(astronaut_png(), provenance(model=model, prompt="PUBLICWORDS here")).asset
    gm = GenerativeModel.objects.get(name="Open Prompts")
    gm.prompts_public_by_default = True
    gm.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.republish(asset)
        workflow.approve(asset)
    asset.refresh_from_db()
    old_key, _ = jpeg_320(asset, media_root)
    assert b"PUBLICWORDS" in (media_root / "public" / old_key).read_bytes()
    version = asset.delivery_version

    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    form = {
        "name": gm.name,
        "version": gm.version,
        "licence": "",
        "licence_url": "",
        "usage_restrictions": "",
        "redact_faces": "",
        "prompts_public_by_default": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/aiassets/generativemodel/{gm.pk}/change/", form, follow=True
        )
    assert "being rebuilt" in response.content.decode()
    asset.refresh_from_db()
    new_key, _ = jpeg_320(asset, media_root)
    assert new_key != old_key and asset.delivery_version == version + 1
    assert not (media_root / "public" / old_key).exists()
    assert b"PUBLICWORDS" not in (media_root / "public" / new_key).read_bytes()
    assert PurgeRequest.objects.filter(asset_id=asset.pk, delivery_version=version).exists()

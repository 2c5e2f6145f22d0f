"""Erasure: files gone, CDN purge recorded, tombstone kept, re-uploads refused and recognised."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from aiassets import synth, tags
from aiassets.ingest import IngestError, ingest
from aiassets.models import ApiToken, Asset, Collection
from delivery.models import PurgeRequest
from moderation import takedown, workflow
from moderation.erasure import ErasureError, erase
from moderation.models import Decision
from tests.conftest import provenance, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_asset(ingest_now, django_capture_on_commit_callbacks):
    data = synth.encode(synth.artwork(640, 480, seed=77), "PNG")
    asset = ingest_now(data, provenance(prompt="my neighbour's face, photo")).asset
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    asset.refresh_from_db()
    assert asset.is_public
    return asset, data


def test_erase_command_leaves_no_file_and_keeps_a_tombstone(
    public_asset, media_root, django_capture_on_commit_callbacks, client
):
    asset, data = public_asset
    sha, phash = asset.sha256, asset.phash
    tags.set_tags(asset, ["neighbour Jane"])
    Collection.objects.create(name="Street", slug="street").assets.add(asset)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_asset", str(asset.pk), "--reason", "GDPR request #42", stdout=out)
    assert "Erased" in out.getvalue()
    leftovers = [f for f in stored_files(media_root) if str(asset.pk) in f]
    assert leftovers == [], leftovers

    tomb = Asset.objects.get(pk=asset.pk)
    assert tomb.erased_at and tomb.erasure_reason == "GDPR request #42"
    assert (tomb.sha256, tomb.phash) == (sha, phash)
    assert tomb.moderation_status == "taken_down" and not tomb.published
    assert tomb.variants.count() == 0 and tomb.original_key == ""
    assert tomb.provenance.prompt == "[erased]", "personal data in the prompt is gone"
    assert not tomb.tags.exists() and not tomb.collections.exists(), "editors' words too"
    verdicts = list(Decision.objects.filter(asset=tomb).values_list("verdict", "reason_code"))
    assert ("take_down", "erasure") in verdicts, "the decision trail is kept and extended"

    assert PurgeRequest.objects.filter(asset_id=asset.pk).exists(), "the CDN purge is recorded"

    with pytest.raises(IngestError) as err:
        ingest(data, provenance())
    assert err.value.code == "erased" and err.value.http_status == 409

    uploader, token = ApiToken.issue("gen")
    Asset.objects.filter(pk=asset.pk).update(uploaded_via=uploader)  # only its uploader sees 410
    response = client.post(
        "/api/v1/assets",
        {"file": SimpleUploadedFile("a.png", data), "provenance": json.dumps(provenance())},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "erased"
    gone = client.get(f"/api/v1/assets/{asset.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert gone.status_code == 410
    other = ApiToken.issue("other")[1]
    hidden = client.get(f"/api/v1/assets/{asset.pk}", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert hidden.status_code == 404, "to anyone else an erased asset is as unknown as any other"

    # A re-encoded copy is different bytes, but the takedown matcher still recognises it.
    copy = synth.encode(synth.artwork(640, 480, seed=77).resize((320, 240)), "JPEG", quality=70)
    evidence = takedown.evidence_from_image(copy)
    assert asset.pk in [
        c.asset_id for c in takedown.find_matches(evidence.phash, evidence.mirrored_phash)
    ]


def test_erasure_needs_a_reason_and_an_existing_asset(public_asset):
    asset, _ = public_asset
    with pytest.raises(ErasureError, match="reason"):
        erase(asset.pk, "  ")
    with pytest.raises(CommandError, match="No asset"):
        call_command("erase_asset", "00000000-0000-0000-0000-000000000000", "--reason", "x")


def test_erasing_twice_is_safe(public_asset, django_capture_on_commit_callbacks):
    asset, _ = public_asset
    with django_capture_on_commit_callbacks(execute=True):
        erase(asset.pk, "first")
    again = erase(asset.pk, "second")
    assert again.ok and Asset.objects.get(pk=asset.pk).erasure_reason == "first"


def test_admin_action_is_for_superusers_and_asks_for_a_reason(
    public_asset, client, django_user_model, django_capture_on_commit_callbacks
):
    asset, _ = public_asset
    staff = django_user_model.objects.create_user("ed", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_asset", "change_asset"])
    )
    client.force_login(staff)
    page = client.get("/admin/aiassets/asset/").content.decode()
    assert "erase_assets" not in page
    client.post(
        "/admin/aiassets/asset/", {"action": "erase_assets", "_selected_action": [asset.pk]}
    )
    assert Asset.objects.get(pk=asset.pk).erased_at is None

    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    confirm = client.post(
        "/admin/aiassets/asset/", {"action": "erase_assets", "_selected_action": [asset.pk]}
    )
    assert confirm.status_code == 200 and "Reason (required)" in confirm.content.decode()
    assert Asset.objects.get(pk=asset.pk).erased_at is None
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/admin/aiassets/asset/",
            {
                "action": "erase_assets",
                "_selected_action": [asset.pk],
                "erasure_reason": "court order",
                "confirm": "1",
            },
            follow=True,
        )
    assert "Erased" in done.content.decode()
    assert Asset.objects.get(pk=asset.pk).erasure_reason == "court order"

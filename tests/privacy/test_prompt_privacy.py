"""A private prompt appears nowhere public: pages, search, the API, XMP, C2PA, the record."""

from __future__ import annotations

import pytest

from aiassets.models import GenerativeModel
from moderation import workflow
from tests import images
from tests.conftest import provenance

pytestmark = pytest.mark.django_db

SECRET = "SECRETPROMPT portrait of Jane Q Public at her front door"


def publish(
    ingest_now, django_capture_on_commit_callbacks, prompt: str, visibility: str, seed: int
):
    asset = ingest_now(
        images.png(480, 320, seed=seed), provenance(prompt=prompt, prompt_visibility=visibility)
    ).asset
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    asset.refresh_from_db()
    return asset


def variant_bytes(asset, media_root) -> list[bytes]:
    return [(media_root / "public" / v.key).read_bytes() for v in asset.variants.all()]


def test_private_prompt_is_nowhere_public(
    client, ingest_now, media_root, django_capture_on_commit_callbacks
):
    GenerativeModel.objects.all().update(prompts_public_by_default=True)  # the asset overrides
    asset = publish(ingest_now, django_capture_on_commit_callbacks, SECRET, "private", 1)
    word = "SECRETPROMPT"
    for url in ["/", f"/images/{asset.pk}/", f"/provenance/{asset.pk}.json"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert word not in response.content.decode(), url
    assert str(asset.pk) not in client.get(f"/?q={word}").content.decode()
    api = client.get(f"/api/v1/assets/{asset.pk}")
    assert api.status_code == 401 and word not in api.content.decode()
    blobs = variant_bytes(asset, media_root)
    assert blobs and all(word.encode() not in b for b in blobs), "not in XMP nor C2PA"


def test_public_prompt_is_shown_everywhere_it_should_be(
    client, ingest_now, media_root, django_capture_on_commit_callbacks
):
    """The control: the same checks see a public prompt, so the test above can fail."""
    asset = publish(ingest_now, django_capture_on_commit_callbacks, SECRET, "public", 2)
    assert "SECRETPROMPT" in client.get(f"/images/{asset.pk}/").content.decode()
    assert "SECRETPROMPT" in client.get(f"/provenance/{asset.pk}.json").content.decode()
    assert str(asset.pk) in client.get("/?q=SECRETPROMPT").content.decode()
    assert any(b"SECRETPROMPT" in b for b in variant_bytes(asset, media_root)), "in the C2PA"

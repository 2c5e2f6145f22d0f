"""The moderators' preview view: unpublished bytes for the review desk's users only, never
cached, read from aiassets storage (moderation does not import delivery)."""

from __future__ import annotations

import pytest
from PIL import Image

from aiassets.models import Variant
from moderation import previews
from tests import images


@pytest.fixture
def pending(ingest_for_review):
    return ingest_for_review(images.png(640, 480, seed=31), title="Private fox")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_moderators_get_the_variant_bytes_never_cached(client, moderator, pending):
    variant = pending.variants.get(status=Variant.Status.READY, format="jpeg")
    url = previews.image_url(pending, 320)
    assert url == f"/moderation/preview/{pending.pk}/{variant.pk}"
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    import io

    assert Image.open(io.BytesIO(_body(response))).size == (variant.width, variant.height)


def test_the_original_when_no_variant_is_ready(client, moderator, pending):
    pending.variants.all().delete()
    url = previews.image_url(pending, 320)
    assert url == f"/moderation/preview/{pending.pk}/original"
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert _body(response).startswith(b"\x89PNG")


@pytest.mark.parametrize("who", ["anonymous", "editor", "staff", "inactive"])
def test_everyone_else_is_refused(client, make_user, editor, pending, who):
    if who == "editor":
        client.force_login(editor)
    elif who == "staff":
        client.force_login(make_user("plain"))
    elif who == "inactive":
        mod = make_user("gone", "moderators")
        mod.is_active = False
        mod.save()
        client.force_login(mod)
    variant = pending.variants.filter(status=Variant.Status.READY).first()
    for url in (
        f"/moderation/preview/{pending.pk}/{variant.pk}",
        f"/moderation/preview/{pending.pk}/original",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert not response.get("Content-Type", "").startswith("image/")


def test_superusers_may_look(client, superuser, pending):
    client.force_login(superuser)
    assert client.get(previews.image_url(pending, 320)).status_code == 200


def test_a_variant_of_another_asset_or_unknown_is_404(client, moderator, pending, make_asset):
    other = make_asset()
    variant = pending.variants.filter(status=Variant.Status.READY).first()
    client.force_login(moderator)
    assert client.get(f"/moderation/preview/{other.pk}/{variant.pk}").status_code == 404
    assert client.get(f"/moderation/preview/{pending.pk}/999999").status_code == 404
    assert client.get(f"/moderation/preview/{other.pk}/original").status_code == 404  # no file
    assert client.post(f"/moderation/preview/{pending.pk}/original").status_code == 405

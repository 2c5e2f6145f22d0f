"""The editor's side of art direction: the focal widget, its audit trail and crop previews."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.admin.models import LogEntry
from PIL import Image

from aiassets.models import Asset, FocalSource
from tests import images
from tests.aiassets.test_admin import editor, groups  # noqa: F401

pytestmark = pytest.mark.django_db
RIGHT = (0.80, 0.40, 0.95, 0.60)


@pytest.fixture
def asset(settings, ingest_now) -> Asset:
    settings.DERIVATIVE_RATIOS = ["16/9", "1/1"]
    settings.DERIVATIVE_FORMATS = {"jpeg": {"quality": 82}}
    return ingest_now(images.subject_png(800, 400, RIGHT)).asset


def change(client, asset: Asset, focal_rect: str, captured):
    """Submit the change form as the browser would (its hidden inputs included)."""
    url = f"/admin/aiassets/asset/{asset.pk}/change/"
    page = client.get(url).content.decode()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    data.update({"title": "Lighthouse", "alt_text": "", "focal_rect": focal_rect})
    with captured(execute=True):
        return client.post(url, {**data, "_continue": "1"}, follow=True)


def test_the_change_page_shows_the_widget_and_every_planned_crop(editor, asset):  # noqa: F811
    page = editor.get(f"/admin/aiassets/asset/{asset.pk}/change/").content.decode()
    assert 'class="aia-focal"' in page and 'name="focal_rect"' in page
    assert "aiassets/focal.js" in page and "<script>" not in page.split("aia-focal", 1)[1]
    for slug in ("16x9", "1x1"):
        assert f'data-ratio="{slug}"' in page
        crop = editor.get(f"/admin/aiassets/asset/{asset.pk}/crop/{slug}/")
        assert crop.status_code == 200 and "no-store" in crop["Cache-Control"]
        im = Image.open(io.BytesIO(crop.content))
        p, q = (int(v) for v in slug.split("x"))
        assert abs(im.width / im.height - p / q) < 0.02
    assert editor.get(f"/admin/aiassets/asset/{asset.pk}/crop/nonsense/").status_code == 404


def test_an_editor_sets_the_focal_rect_and_it_is_audited(
    editor,  # noqa: F811
    asset,
    django_capture_on_commit_callbacks,
):
    before = {v.key for v in asset.variants.filter(ratio="1x1")}
    old = ",".join(f"{v:.4f}" for v in asset.focal_rect())
    response = change(
        editor, asset, "0.0500,0.4000,0.2000,0.6000", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    asset.refresh_from_db()
    assert asset.focal_source == FocalSource.EDITOR and asset.focal_set_by.username == "ed"
    assert asset.focal_rect() == (0.05, 0.4, 0.2, 0.6)
    after = {v.key for v in asset.variants.filter(ratio="1x1", status="ready")}
    assert after and not after & before
    entries = LogEntry.objects.filter(object_id=str(asset.pk), user__username="ed")
    audit = [e.get_change_message() for e in entries if "focal" in e.get_change_message()]
    assert audit == [f"Changed the focal rectangle from {old} to 0.0500,0.4000,0.2000,0.6000."]


def test_a_bad_focal_rect_is_a_message_not_a_500(
    editor,  # noqa: F811
    asset,
    django_capture_on_commit_callbacks,
):
    old = asset.focal_rect()
    for bad in ("1,2,3", "a,b,c,d", "0.1,0.1,1.5,0.2", "nan,0,1,1"):
        response = change(editor, asset, bad, django_capture_on_commit_callbacks)
        assert response.status_code == 200
        assert "focal rectangle is four" in response.content.decode()
    asset.refresh_from_db()
    assert asset.focal_rect() == old and asset.focal_source == FocalSource.SALIENCY

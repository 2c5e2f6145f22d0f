"""The admin as editors and moderators use it: upload, list, search, preview, permissions."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from aiassets.models import ApiToken, Asset, GenerativeModel
from tests import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(db):
    call_command("migrate", verbosity=0)  # post_migrate creates the groups and their perms
    return {g.name: g for g in Group.objects.all()}


def member(group: Group, name: str) -> User:
    user = User.objects.create_user(name, password="pw-" + name, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def editor(client, groups):
    client.force_login(member(groups["editors"], "ed"))
    return client


def upload_form(data: bytes, **overrides) -> dict:
    form = {
        "file": SimpleUploadedFile("art.png", data, content_type="image/png"),
        "title": "Harbour at dawn",
        "alt_text": "Boats in a misty harbour",
        "new_model_name": "Admin Diffusion",
        "new_model_version": "2",
        "prompt": "boats in a misty <b>harbour</b>",
        "negative_prompt": "",
        "seed": "123",
        "params": '{"steps": 20}',
        "generated_at_0": "2026-11-01",
        "generated_at_1": "10:00:00",
        "source_platform": "",
        "source_job_id": "",
    }
    form.update(overrides)
    return form


def test_editor_uploads_with_provenance(editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post("/admin/aiassets/asset/add/", upload_form(images.png(500, 300)))
    assert response.status_code == 302, response.content[:2000]
    asset = Asset.objects.get()
    assert asset.title == "Harbour at dawn" and asset.uploaded_by.username == "ed"
    assert asset.provenance.model == GenerativeModel.objects.get(
        name="Admin Diffusion", version="2"
    )
    assert asset.provenance.params == {"steps": 20}
    assert asset.variants.filter(status="ready").count() == 6
    page = editor.get(f"/admin/aiassets/asset/{asset.pk}/change/")
    html = page.content.decode()
    assert "boats in a misty &lt;b&gt;harbour&lt;/b&gt;" in html, "prompts are escaped"
    assert "<b>harbour</b>" not in html
    assert 'name="moderation_status"' not in html, "status is read-only for editors"


@pytest.mark.parametrize(
    "data,needle",
    [
        (images.png()[:400], "truncated"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unsupported_type"),
        (images.png_bomb(), "too_many_pixels"),
    ],
)
def test_bad_upload_is_a_form_error_and_stores_nothing(editor, data, needle, media_root):
    response = editor.post("/admin/aiassets/asset/add/", upload_form(data))
    assert response.status_code == 200
    assert needle in response.content.decode()
    assert Asset.objects.count() == 0 and not any(media_root.rglob("*.*"))


def test_missing_prompt_is_a_form_error(editor):
    response = editor.post("/admin/aiassets/asset/add/", upload_form(images.png(), prompt=""))
    assert response.status_code == 200 and Asset.objects.count() == 0
    assert "This field is required" in response.content.decode()


def test_changelist_shows_thumbnails_and_searches_prompts(editor, ingest_now):
    from tests.conftest import provenance

    ingest_now(images.png(seed=1), provenance(prompt="a red fox in snow"))
    ingest_now(images.png(seed=2), provenance(prompt="a lighthouse"))
    page = editor.get("/admin/aiassets/asset/?q=fox")
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 result" in html
    assert html.count("/preview/") == 1


def test_preview_is_staff_only_and_never_the_original(editor, client, ingest_now):
    asset = ingest_now(images.png(900, 600)).asset
    url = f"/admin/aiassets/asset/{asset.pk}/preview/"
    response = editor.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert "private" in response["Cache-Control"]
    from io import BytesIO

    from PIL import Image

    im = Image.open(BytesIO(response.content))
    assert max(im.size) == 320
    editor.logout()
    assert editor.get(url).status_code == 302  # to the login page


def test_moderators_can_view_but_not_upload(client, groups, ingest_now):
    client.force_login(member(groups["moderators"], "mo"))
    asset = ingest_now(images.png()).asset
    assert client.get("/admin/aiassets/asset/").status_code == 200
    assert client.get(f"/admin/aiassets/asset/{asset.pk}/change/").status_code == 200
    assert client.get("/admin/aiassets/asset/add/").status_code == 403


def test_rebuild_action_requires_permission(
    editor, ingest_now, groups, client, django_capture_on_commit_callbacks
):
    asset = ingest_now(images.png()).asset
    asset.variants.update(status="failed", error="x")
    action = {"action": "rebuild_variants", "_selected_action": [str(asset.pk)]}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post("/admin/aiassets/asset/", action, follow=True)
    assert "Rebuild requested for 1 asset" in response.content.decode()
    assert set(asset.variants.values_list("status", flat=True)) == {"ready"}

    client.force_login(member(groups["moderators"], "mo"))
    asset.variants.update(status="failed")
    page = client.get("/admin/aiassets/asset/").content.decode()
    assert "rebuild_variants" not in page
    client.post("/admin/aiassets/asset/", action)
    assert set(asset.variants.values_list("status", flat=True)) == {"failed"}


def test_api_token_created_in_admin_is_shown_once(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    response = client.post(
        "/admin/aiassets/apitoken/add/", {"name": "gen-a", "is_active": "on"}, follow=True
    )
    html = response.content.decode()
    assert "Copy this token now" in html
    raw = html.split("<code>")[1].split("</code>")[0]
    assert ApiToken.objects.authenticate(raw).name == "gen-a"


def test_django_rq_dashboard_is_linked_for_superusers(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.get("/admin/django-rq/").status_code == 200
    assert "/admin/django_rq/dashboard/" in client.get("/admin/").content.decode()
    client.logout()
    assert client.get("/admin/django-rq/").status_code == 302  # to the login page


def test_the_asset_list_count_stops_at_its_cap_and_says_so(admin_client, ingest_now, monkeypatch):
    """The changelist counts at most BoundedPaginator.cap rows (one LIMITed query) and reads
    "N+" past them; a list of exactly N reads "N"."""
    from aiassets.paging import BoundedPaginator

    monkeypatch.setattr(BoundedPaginator, "cap", 2)
    for seed in (1, 2):
        ingest_now(images.png(64, 48, seed=seed))
    html = admin_client.get("/admin/aiassets/asset/").content.decode()
    assert re.search(r"\b2 assets\b", html) and "2+ assets" not in html
    ingest_now(images.png(64, 48, seed=3))
    html = admin_client.get("/admin/aiassets/asset/").content.decode()
    assert "2+ assets" in html

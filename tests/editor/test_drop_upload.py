"""The JSON upload behind drag and drop: one file per request, the add form's validation and
ingest, the documented error body for refusals, CSRF and permissions as for the add form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aiassets.models import Asset
from tests import images
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db
URL = "/admin/aiassets/asset/upload.json"


def fields(data: bytes, name: str = "art.png", **overrides) -> dict:
    form = {
        "file": SimpleUploadedFile(name, data, content_type="image/png"),
        "title": "",
        "alt_text": "",
        "new_model_name": "Drop Diffusion",
        "new_model_version": "1",
        "prompt": "a red kite over hills",
        "params": "",
        "generated_at_0": "2026-11-01",
        "generated_at_1": "10:00:00",
    }
    form.update(overrides)
    return form


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


def test_a_good_file_becomes_an_asset(as_editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_editor.post(URL, fields(images.png(500, 300)))
    assert response.status_code == 201, response.content
    body = response.json()
    asset = Asset.objects.get()
    assert body["id"] == str(asset.pk) and body["created"] is True
    assert body["url"] == f"/admin/aiassets/asset/{asset.pk}/change/"
    assert asset.uploaded_by.username == "ed"
    assert asset.provenance.prompt == "a red kite over hills"
    assert asset.variants.filter(status="ready").exists(), "renditions were queued on commit"
    again = as_editor.post(URL, fields(images.png(500, 300)))
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == str(asset.pk)


@pytest.mark.parametrize(
    "data,code,status",
    [
        (images.png()[:400], "truncated", 422),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unsupported_type", 415),
        (images.png_bomb(), "too_many_pixels", 422),
    ],
)
def test_a_bad_file_gets_the_error_body_and_stores_nothing(
    as_editor, media_root, data, code, status
):
    response = as_editor.post(URL, fields(data))
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["field"] == "file" and error["message"]
    assert f"({code})" not in error["message"], "the code is not repeated in the message"
    assert not Asset.objects.exists() and stored_files(media_root) == []


def test_provenance_errors_name_their_field(as_editor):
    response = as_editor.post(URL, fields(images.png(), prompt="", new_model_name=""))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_metadata" and error["field"] in ("prompt", "model")
    missing = as_editor.post(URL, {"prompt": "x", "new_model_name": "m"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_file"


def test_only_uploaders_may_post_and_only_with_csrf(client, moderator, editor):
    client.force_login(moderator)  # moderators view assets but may not add them
    response = client.post(URL, fields(images.png()))
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(URL, fields(images.png())).status_code == 403
    assert not Asset.objects.exists()
    client.force_login(editor)
    assert client.get(URL).status_code == 405


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.post(URL, fields(images.png()))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_add_page_offers_the_drop_zone_and_keeps_the_form(as_editor):
    html = as_editor.get("/admin/aiassets/asset/add/").content.decode()
    assert (
        'class="aia-drop module" data-upload-url="/admin/aiassets/asset/upload.json" hidden' in html
    )
    assert "aiassets/dropupload.js" in html
    assert 'name="file"' in html and 'enctype="multipart/form-data"' in html, "no-JS form kept"


BAD_FILES = images.bad_inputs()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_every_bad_file_is_a_4xx_error_body(as_editor, media_root, name):
    data, code = BAD_FILES[name]
    response = as_editor.post(URL, fields(data, name=f"{name}.png"))
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code
    assert not Asset.objects.exists() and stored_files(media_root) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"params": '{"cfg": NaN}'},
        {"params": "[" * 5000 + "]" * 5000},
        {"seed": "1" * 5000},
        {"prompt": "nul \x00 byte"},
        {"title": "t" * 5000},
        {"generated_at_0": "0001-01-01", "generated_at_1": "00:00:00"},
    ],
)
def test_hostile_fields_are_4xx_error_bodies(as_editor, media_root, changes):
    response = as_editor.post(URL, fields(images.png(64, 48), **changes))
    assert 400 <= response.status_code < 500, response.content[:300]
    body = response.json()["error"]
    assert body["code"] and body["message"] and "field" in body  # "" for form-wide errors
    assert not Asset.objects.exists() and stored_files(media_root) == []


def test_a_refusal_at_commit_is_its_error_body_and_leaves_nothing(
    as_editor, media_root, monkeypatch
):
    from aiassets import ingest as ingest_module
    from aiassets.errors import CodedError

    def refuse(*args, **kwargs):
        raise CodedError("storage_unavailable", "The store is down; try again.", status=503)

    monkeypatch.setattr(ingest_module, "_write_rows", refuse)
    response = as_editor.post(URL, fields(images.png(64, 48)))
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": "storage_unavailable",
        "message": "The store is down; try again.",
    }
    assert not Asset.objects.exists() and stored_files(media_root) == []

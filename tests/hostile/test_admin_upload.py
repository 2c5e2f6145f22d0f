"""The admin upload form validates without writing, and a refusal at save time is a message,
not a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiassets import ingest as ingest_module
from aiassets.admin import AssetUploadForm
from aiassets.errors import CodedError
from aiassets.models import Asset, GenerativeModel
from tests import images
from tests.aiassets.test_admin import upload_form
from tests.conftest import stored_files
from tests.hostile import corpus

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_a_valid_form_writes_nothing_until_it_is_saved(media_root):
    data = images.png(64, 48)
    fields = upload_form(data)
    files = {"file": fields.pop("file")}
    form = AssetUploadForm(fields, files)
    assert form.is_valid(), form.errors
    assert form.prepared is not None and form.prepared.info.format == "PNG"
    assert Asset.objects.count() == 0 and GenerativeModel.objects.count() == 0
    assert stored_files(media_root) == []


def test_refusal_when_committing_is_a_message_and_leaves_nothing(
    staff_client, media_root, monkeypatch
):
    def refuse(*args, **kwargs):
        raise CodedError("storage_unavailable", "The store is down; try again.", status=503)

    monkeypatch.setattr(ingest_module, "_write_rows", refuse)
    fields = upload_form(images.png(64, 48))
    response = staff_client.post("/admin/aiassets/asset/add/", fields, follow=True)
    assert response.status_code == 200
    assert "The store is down" in response.content.decode()
    assert Asset.objects.count() == 0 and GenerativeModel.objects.count() == 0
    assert stored_files(media_root) == []


def test_params_errors_keep_the_typed_text(staff_client):
    raw = '{"cfg": NaN, "sampler": "euler"}'
    fields = upload_form(images.png(64, 48), params=raw)
    response = staff_client.post("/admin/aiassets/asset/add/", fields)
    text = response.content.decode()
    assert response.status_code == 200 and "(invalid_metadata)" in text
    assert "NaN, &quot;sampler&quot;" in text or 'NaN, "sampler"' in text


def test_mpo_original_is_stored_as_sent_and_rendered_from_its_primary_picture(ingest_now):
    data = corpus.mpo(2)
    asset = ingest_now(data).asset
    assert (asset.format, asset.width, asset.height) == ("JPEG", 96, 64)
    assert asset.bytes == len(data)
    assert asset.variants.filter(status="ready").exists()


def test_upload_of_a_file_named_with_a_nul(staff_client):
    fields = upload_form(images.png(64, 48))
    fields["file"] = SimpleUploadedFile("a\x00b.png", images.png(64, 48))
    response = staff_client.post("/admin/aiassets/asset/add/", fields)
    assert response.status_code in (200, 302)

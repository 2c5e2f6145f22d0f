"""The HTTP ingest API: auth, creation, duplicates, errors, reading back, OpenAPI."""

from __future__ import annotations

import json

import pytest

from aiassets.models import ApiToken, Asset
from tests import images
from tests.conftest import provenance, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, api_token, django_capture_on_commit_callbacks):
    def send(data: bytes | None = None, prov=None, token: str | None = api_token, **extra):
        body = {}
        if data is not None:
            from django.core.files.uploadedfile import SimpleUploadedFile

            body["file"] = SimpleUploadedFile("upload.png", data, content_type="image/png")
        if prov is not False:
            body["provenance"] = prov if isinstance(prov, str) else json.dumps(prov or provenance())
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/assets", body, **headers, **extra)

    return send


def error_of(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    assert set(body["error"]) <= {"code", "message", "field"}  # field: which input, if one
    assert body["error"]["message"]
    return response.status_code, body["error"]["code"]


def test_create_then_duplicate(post):
    data = images.png(400, 300)
    first = post(data)
    assert first.status_code == 201
    body = first.json()
    assert body["moderation_status"] == "pending"
    asset = Asset.objects.get(pk=body["id"])
    assert asset.uploaded_via.name == "test-generator"
    second = post(data)
    assert second.status_code == 200 and second.json()["id"] == body["id"]
    assert ApiToken.objects.get(name="test-generator").last_used_at is not None


@pytest.mark.parametrize("token", [None, "aia_wrong", "x" * 500])
def test_auth_required(post, token, media_root):
    response = post(images.png(), token=token)
    assert error_of(response) == (401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_inactive_token_is_refused(post, api_token):
    ApiToken.objects.update(is_active=False)
    assert error_of(post(images.png()))[0] == 401


@pytest.mark.parametrize(
    "data,prov,expected",
    [
        (None, None, (400, "missing_file")),
        (images.png(), False, (422, "invalid_metadata")),
        (images.png(), '{"model": ', (400, "invalid_json")),
        (images.png(), provenance(prompt=None), (422, "invalid_metadata")),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None, (415, "unsupported_type")),
        (images.png()[:300], None, (422, "truncated")),
        (images.png_bomb(), None, (422, "too_many_pixels")),
        (b"", None, (400, "empty")),
    ],
)
def test_errors_are_json_with_the_right_status(post, data, prov, expected, media_root):
    response = post(data, prov)
    assert error_of(response) == expected
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_oversized_request_is_refused_before_parsing(client, api_token, settings):
    settings.INGEST_MAX_BYTES = 1000
    response = client.post(
        "/api/v1/assets",
        {"file": images.png(), "provenance": "{}"},
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert error_of(response) == (413, "too_large")


def test_oversized_file_is_413(post, settings):
    data = images.png(300, 300)
    settings.INGEST_MAX_BYTES = len(data) - 10
    assert error_of(post(data)) == (413, "too_large")


def test_get_asset_returns_provenance_and_signed_variant_urls(post, client, api_token):
    created = post(images.png(700, 350), provenance(seed=7)).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
    response = client.get(f"/api/v1/assets/{created['id']}", **auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["width"], body["height"]) == (700, 350)
    assert body["provenance"]["model"]["name"] == "Test Diffusion"
    assert body["provenance"]["seed"] == "7"
    variants = body["variants"]
    assert {(v["width"], v["format"]) for v in variants} == {
        (w, f) for w in (320, 700) for f in ("avif", "webp", "jpeg")
    }, "640 is within 10 % below 700: the source's own width replaces it"
    for v in variants:
        assert v["status"] == "ready" and v["bytes"] > 0
        assert "exp=" in v["url"] and "sig=" in v["url"], "unapproved assets get signed URLs only"
    jpeg = next(v for v in variants if v["format"] == "jpeg" and v["width"] == 320)
    fetched = client.get(jpeg["url"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/jpeg"
    assert len(fetched.content) == jpeg["bytes"]
    tampered = jpeg["url"].replace("sig=", "sig=0")
    assert client.get(tampered).status_code == 403
    unsigned = jpeg["url"].split("?")[0]
    assert client.get(unsigned).status_code == 404, "no public URL before approval"


def test_get_unknown_asset_is_404_json(client, api_token):
    response = client.get(
        "/api/v1/assets/00000000-0000-0000-0000-000000000000",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )
    assert error_of(response) == (404, "not_found")


def test_get_requires_auth(client):
    assert client.get("/api/v1/assets/00000000-0000-0000-0000-000000000000").status_code == 401


def test_openapi_schema_describes_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/assets" in schema["paths"]
    post = schema["paths"]["/api/v1/assets"]["post"]
    assert {"201", "200", "401", "413", "415", "422"} <= set(post["responses"])
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert schema["components"]["securitySchemes"]

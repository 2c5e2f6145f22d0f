"""Every error under /api/ is the documented JSON body, including those Django raises while it
reads the request (before our code sees it), unknown routes and unknown methods."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aiassets.models import Asset
from tests import images
from tests.api.conftest import bearer, error_of
from tests.conftest import provenance, stored_files

pytestmark = pytest.mark.django_db

BOUNDARY = "XyZzY0123"


def multipart(*parts: tuple[str, bytes], boundary: str = BOUNDARY) -> bytes:
    """Raw multipart bytes from (header block, content) pairs."""
    out = b""
    for headers, content in parts:
        out += f"--{boundary}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def field(name: str, value: bytes) -> tuple[str, bytes]:
    return f'Content-Disposition: form-data; name="{name}"', value


def image_part() -> tuple[str, bytes]:
    return (
        'Content-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png',
        images.png(64, 64),
    )


def post_raw(client, path: str, body: bytes, content_type: str, raw_token: str | None = None):
    headers = bearer(raw_token) if raw_token else {}
    return client.generic("POST", path, body, content_type=content_type, **headers)


@pytest.fixture
def gen(token) -> str:
    return token("gen")


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize("path", ["/api/v1/assets", "/api/v1/takedowns"])
@pytest.mark.parametrize(
    "case,expected",
    [
        ("huge_field", (413, "too_large")),
        ("no_boundary", (400, "bad_multipart")),
        ("bad_boundary", (400, "bad_multipart")),
        ("non_ascii_type", (400, "bad_multipart")),
        ("oversized_part_header", (400, "bad_multipart")),
        ("too_many_fields", (400, "too_many_fields")),
        ("too_many_files", (400, "too_many_fields")),
    ],
)
def test_request_reading_errors_are_json(client, gen, settings, media_root, path, case, expected):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    prov = field("provenance", json.dumps(provenance()).encode())
    content_type, body = MULTIPART, multipart(image_part(), prov)
    if case == "huge_field":  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default)
        body = multipart(image_part(), field("provenance", b"x" * (3 * 1024 * 1024)))
    elif case == "no_boundary":
        content_type = "multipart/form-data"
    elif case == "bad_boundary":
        content_type = "multipart/form-data; boundary=" + "b" * 300
    elif case == "non_ascii_type":
        content_type = "multipart/form-data; boundary=é"
    elif case == "oversized_part_header":
        long_header = 'Content-Disposition: form-data; name="provenance"; x="' + "a" * 5000 + '"'
        body = multipart(image_part(), (long_header, b"{}"))
    elif case == "too_many_fields":
        body = multipart(image_part(), *[field(f"f{i}", b"1") for i in range(20)])
    elif case == "too_many_files":
        body = multipart(*[image_part() for _ in range(4)], prov)
    response = post_raw(client, path, body, content_type, gen)
    assert error_of(response) == expected
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_a_too_large_json_body_is_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"details": "x" * 5000})
    response = client.post("/api/v1/takedowns", body, content_type="application/json")
    assert error_of(response) == (413, "too_large")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api/v1/assets/",
        "/api/v2/assets",
        "/api/",
        "/api/v1/assets/<script>alert(1)</script>",
    ],
)
def test_unknown_routes_are_json_404(client, gen, path):
    response = client.get(path, **bearer(gen))
    assert error_of(response) == (404, "not_found")
    assert b"<html" not in response.content.lower()


def test_a_malformed_id_is_a_json_400(client, gen):
    response = client.get("/api/v1/assets/not-a-uuid", **bearer(gen))
    assert error_of(response) == (400, "bad_request")
    assert "asset_id" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("PUT", "/api/v1/assets", {"GET", "POST"}),
        ("DELETE", "/api/v1/takedowns", {"POST"}),
        ("GET", "/api/v1/takedowns", {"POST"}),
        ("PROPFIND", f"/api/v1/assets/{uuid.uuid4()}", {"GET", "PATCH", "DELETE"}),
        ("PUT", f"/api/v1/assets/{uuid.uuid4()}", {"GET", "PATCH", "DELETE"}),
        ("GET", "/api/v1/assets/status", {"POST"}),
    ],
)
def test_unknown_methods_are_json_405_with_allow(client, gen, method, path, allowed):
    response = client.generic(method, path, **bearer(gen))
    assert error_of(response) == (405, "method_not_allowed")
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_an_unexpected_error_is_a_logged_json_500(gen, monkeypatch, caplog):
    from api import assets

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(assets, "ingest", broken)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/v1/assets",
        {"file": SimpleUploadedFile("a.png", images.png(32, 32)), "provenance": "{}"},
        **bearer(gen),
    )
    assert error_of(response) == (500, "internal_error")
    assert "boom" not in response.content.decode(), "no internals in the answer"
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


def test_errors_outside_the_api_stay_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")

"""verify_image and the admin verify page: ours, tampered, absent (but similar), foreign,
bad input; the admin provenance panel shows the original's manifest, escaped."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from aiassets import c2pa
from tests import images

from .conftest import flip_scan_byte, sign_as_generator, variant_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(ingest_now):
    return ingest_now(images.png(640, 480, seed=5)).asset


@pytest.fixture
def files(tmp_path, asset, foreign_chain):
    ours = variant_bytes(asset.variants.get(format="jpeg", width=640))
    paths = {
        "ours": ours,
        "tampered": flip_scan_byte(ours),
        "absent": images.jpeg(640, 480, seed=5),  # the same picture, re-encoded, unsigned
        "foreign": sign_as_generator(images.jpeg(640, 480, seed=77), "image/jpeg", foreign_chain),
        "text": b"hello, not an image",
        "truncated": images.png(200, 200)[:300],
        "bomb": images.png_bomb(),
    }
    out = {}
    for name, data in paths.items():
        out[name] = tmp_path / f"{name}.bin"
        out[name].write_bytes(data)
    return out


def run(path, *extra) -> tuple[int, str]:
    from io import StringIO

    buf = StringIO()
    try:
        call_command("verify_image", str(path), *extra, stdout=buf)
    except SystemExit as exc:
        return int(exc.code), buf.getvalue()
    return 0, buf.getvalue()


def test_ours(files, asset):
    code, out = run(files["ours"])
    assert code == 0
    assert "Verdict: ours" in out and "our signing key" in out
    assert f"names asset {asset.pk}" in out
    assert f"{asset.pk} distance 0" in out


def test_tampered(files):
    code, out = run(files["tampered"])
    assert code == 2
    assert "Verdict: tampered" in out and "assertion.dataHash.mismatch" in out


def test_absent_but_similar(files, asset):
    code, out = run(files["absent"], "--json")
    assert code == 3
    result = json.loads(out)
    assert result["verdict"] == "similar" and result["manifest"]["state"] == "absent"
    assert result["matches"][0]["asset_id"] == str(asset.pk) and result["matches"][0]["within"]


def test_foreign(files):
    code, out = run(files["foreign"])
    assert code == 1
    assert "Content Credentials: valid, signed by" in out and "Verdict: unknown" in out


@pytest.mark.parametrize(
    "name, code",
    [("text", "unsupported_type"), ("truncated", "truncated"), ("bomb", "too_many_pixels")],
)
def test_bad_input_is_a_clear_error(files, name, code):
    with pytest.raises(CommandError, match=f"\\({code}\\)") as info:
        call_command("verify_image", str(files[name]))
    assert info.value.returncode == 4


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read") as info:
        call_command("verify_image", str(tmp_path / "nope.jpg"))
    assert info.value.returncode == 4


URL = "/admin/aiassets/asset/verify/"


def test_admin_verify_page(admin_client, files, asset):
    assert admin_client.get(URL).status_code == 200
    ours = SimpleUploadedFile("x.jpg", files["ours"].read_bytes())
    html = admin_client.post(URL, {"file": ours}).content.decode()
    assert "Ours: the Content Credentials are intact" in html
    assert f"/admin/aiassets/asset/{asset.pk}/change/" in html
    tampered = SimpleUploadedFile("x.jpg", files["tampered"].read_bytes())
    html = admin_client.post(URL, {"file": tampered}).content.decode()
    assert "Tampered" in html and "assertion.dataHash.mismatch" in html


@pytest.mark.parametrize("name", ["text", "truncated", "bomb"])
def test_admin_verify_page_bad_input(admin_client, files, name):
    upload = SimpleUploadedFile("x.png", files[name].read_bytes())
    response = admin_client.post(URL, {"file": upload})
    assert response.status_code == 200
    assert 'class="errornote"' in response.content.decode()


def test_admin_verify_page_is_staff_only(client, django_user_model):
    assert client.get(URL).status_code == 302  # to the login page
    django_user_model.objects.create_user("visitor", password="pw-visitor-123")
    client.login(username="visitor", password="pw-visitor-123")
    assert client.get(URL).status_code == 302


def test_admin_panel_shows_manifest_escaped(admin_client, ingest_now, foreign_chain):
    signed = sign_as_generator(
        images.png(), "image/png", foreign_chain, title="<script>alert(1)</script>"
    )
    asset = ingest_now(signed).asset
    html = admin_client.get(f"/admin/aiassets/asset/{asset.pk}/change/").content.decode()
    assert "Content Credentials (original)" in html
    assert "Valid (signer not in our trust anchors)" in html
    assert "signingCredential.untrusted" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert c2pa.read(signed).state == c2pa.VALID

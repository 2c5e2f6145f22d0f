"""The origin view: headers and status codes for public, signed and forbidden requests."""

from __future__ import annotations

import pytest

from delivery import signing
from tests import images
from tests.delivery.helpers import make_public, supersede

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(ingest_now):
    return ingest_now(images.png(700, 400)).asset


def test_public_variant_headers(client, asset, media_root):
    asset = make_public(asset)
    v = asset.variants.get(width=320, format="avif")
    url = signing.variant_url(asset, v)
    assert "sig=" not in url
    response = client.get(url)
    assert response.status_code == 200
    body = (media_root / "public" / v.key).read_bytes()
    assert response.content == body
    assert response["Content-Type"] == "image/avif"
    assert response["Content-Length"] == str(len(body)) == str(v.bytes)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["xkey"] == response["Surrogate-Key"] == f"asset-{asset.id}"
    assert response["Cache-Tag"] == f"asset-{asset.id}"
    etag = response["ETag"]
    assert etag.startswith('W/"') and asset.sha256[:16] in etag

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200

    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(body))


@pytest.mark.parametrize("fmt,mime", [("jpeg", "image/jpeg"), ("webp", "image/webp")])
def test_content_type_is_exact_per_format(client, asset, fmt, mime):
    asset = make_public(asset)
    response = client.get(signing.variant_url(asset, asset.variants.get(width=320, format=fmt)))
    assert response["Content-Type"] == mime


def test_signed_variant_is_private_and_short_lived(client, asset):
    v = asset.variants.get(width=320, format="jpeg")
    url = signing.variant_url(asset, v)
    response = client.get(url)
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert cache.startswith("private, max-age=")
    assert 0 < int(cache.split("=")[1]) <= 660


def test_unapproved_assets_have_no_public_url(client, asset):
    v = asset.variants.get(width=320, format="jpeg")
    assert client.get(signing.variant_path(asset, v)).status_code == 404


def test_bad_and_expired_signatures_are_403(client, asset):
    v = asset.variants.get(width=320, format="jpeg")
    path = signing.variant_path(asset, v)
    assert client.get(path + "?exp=1&sig=abc").status_code == 403
    expired = signing.sign_path(path, ttl=-3600)
    assert client.get(expired).status_code == 403
    assert client.get(path + "?exp=9999999999").status_code == 403


def test_superseded_version_is_404_even_when_signed(client, asset):
    asset = make_public(asset)
    v = asset.variants.get(width=320, format="jpeg")
    old_public = signing.variant_url(asset, v)
    old_signed = signing.sign_path(signing.variant_path(asset, v))
    supersede(asset)
    assert client.get(old_public).status_code == 404
    assert client.get(old_signed).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/v/00000000-0000-0000-0000-000000000000/0123456789abcdef/1/320w-abcdef12.jpg",
        "/media/v/not-a-uuid/0123456789abcdef/1/320w-abcdef12.jpg",
    ],
)
def test_unknown_is_404(client, path):
    assert client.get(path).status_code == 404


def test_wrong_hash_or_extension_is_404(client, asset):
    asset = make_public(asset)
    v = asset.variants.get(width=320, format="jpeg")
    url = signing.variant_url(asset, v)
    assert client.get(url.replace(asset.sha256[:16], "f" * 16)).status_code == 404
    assert client.get(url.replace(".jpg", ".png")).status_code == 404
    assert client.get(url.replace(".jpg", ".webp")).status_code == 404


def test_only_safe_methods(client, asset):
    asset = make_public(asset)
    url = signing.variant_url(asset, asset.variants.get(width=320, format="jpeg"))
    assert client.post(url).status_code == 405
    assert client.delete(url).status_code == 405


def test_missing_file_is_404_not_500(client, asset, media_root):
    asset = make_public(asset)
    v = asset.variants.get(width=320, format="jpeg")
    (media_root / "public" / v.key).unlink()
    assert client.get(signing.variant_url(asset, v)).status_code == 404


def test_originals_are_never_served(client, asset):
    assert client.get("/" + asset.original_key).status_code == 404
    assert client.get("/media/" + asset.original_key).status_code == 404


@pytest.mark.parametrize(
    "exp,sig",
    [
        ("²", "abc"),
        ("\u0661\u0662\u0663", "abc"),  # Arabic-Indic digits: int() would accept them
        ("１２３", "abc"),  # full-width digits
        ("12 ", "abc"),
        ("+60", "abc"),
        ("-60", "abc"),
        ("1" * 5000, "abc"),
        ("0x10", "abc"),
        ("", ""),
        ("60", "a:b"),
        ("60", "é" * 10),
        ("60", "\x00"),
    ],
)
def test_signed_url_fields_must_be_ascii_and_bounded(client, asset, exp, sig):
    """Anything but ASCII digits in ``exp`` (and the base64 alphabet in ``sig``) is a 403."""
    v = asset.variants.get(width=320, format="jpeg")
    path = signing.variant_path(asset, v)
    assert client.get(path, {"exp": exp, "sig": sig}).status_code == 403
    transform = signing.transform_url(asset, 200).split("?")[0]
    assert client.get(transform, {"exp": exp, "sig": sig}).status_code == 403


def test_a_valid_signature_with_unicode_digits_in_exp_is_refused(client, asset):
    """The same expiry written in other digits must not be a second valid URL."""
    v = asset.variants.get(width=320, format="jpeg")
    path, query = signing.variant_url(asset, v).split("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    arabic = params["exp"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(path, {"exp": arabic, "sig": params["sig"]}).status_code == 403
    assert client.get(path, params).status_code == 200

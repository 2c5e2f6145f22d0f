"""Signed URLs: round trip, tampering, expiry, key rotation; S3 and CloudFront modes."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing as dj_signing
from django.test import override_settings

from delivery import signing

PATH = "/media/v/0b6e5c4e-1111-4a4a-9c9c-123456789abc/0123456789abcdef/1/640w-abcdef12.avif"


def parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    q = parse_qs(split.query)
    return split.path, q["exp"][0], q["sig"][0]


def test_round_trip_and_default_lifetime():
    now = 1_800_000_000.0
    path, exp, sig = parts(signing.sign_path(PATH, now=now))
    assert path == PATH
    assert 600 <= int(exp) - now < 660, "10 minutes, rounded up to the minute"
    assert int(exp) % 60 == 0
    assert signing.verify(path, exp, sig, now=now) == int(exp) - int(now)


def test_urls_are_stable_within_a_minute():
    base = 1_800_000_000.0 - 1_800_000_000.0 % 60 + 1
    assert signing.sign_path(PATH, now=base) == signing.sign_path(PATH, now=base + 30)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p, e, s: (p.replace("640w", "1280w"), e, s),
        lambda p, e, s: (p, str(int(e) + 60), s),
        lambda p, e, s: (p, e, s[:-1] + ("A" if s[-1] != "A" else "B")),
        lambda p, e, s: (p, e, ""),
        lambda p, e, s: (p, "soon", s),
        lambda p, e, s: (p, e, "x" * 500),
    ],
)
def test_tampering_is_rejected(mutate):
    now = time.time()
    path, exp, sig = mutate(*parts(signing.sign_path(PATH, now=now)))
    with pytest.raises(dj_signing.BadSignature):
        signing.verify(path, exp, sig, now=now)


def test_expired_signature_is_rejected():
    now = time.time()
    path, exp, sig = parts(signing.sign_path(PATH, ttl=60, now=now))
    with pytest.raises(signing.SignatureExpired):
        signing.verify(path, exp, sig, now=int(exp) + 1)


def test_key_rotation_through_fallbacks():
    with override_settings(SECRET_KEY="old-key-" + "x" * 40):
        old_url = signing.sign_path(PATH)
    with override_settings(
        SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=["old-key-" + "x" * 40]
    ):
        assert signing.verify(*parts(old_url)) > 0
    with (
        override_settings(SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(dj_signing.BadSignature),
    ):
        signing.verify(*parts(old_url))


def test_signature_uses_sha256():
    _, _, sig = parts(signing.sign_path(PATH))
    assert len(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))) == 32


@pytest.mark.django_db
@pytest.mark.s3
def test_s3_presigned_mode_points_at_the_bucket_with_expiry(s3, ingest_now, settings):
    settings.DELIVERY_SIGNED_URL_MODE = "s3"
    asset = ingest_now().asset
    variant = asset.variants.get(width=320, format="jpeg")
    url = signing.variant_url(asset, variant)
    split = urlsplit(url)
    q = parse_qs(split.query)
    assert url.startswith(f"{s3.endpoint}/test-variants/{variant.key}")
    assert q["X-Amz-Expires"] == ["600"] and q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert q["X-Amz-Signature"][0]
    import requests

    fetched = requests.get(url, timeout=5)
    assert fetched.status_code == 200 and len(fetched.content) == variant.bytes


@pytest.mark.django_db
def test_cloudfront_mode_signs_a_cdn_url_that_wraps_our_signature(ingest_now, settings):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.CLOUDFRONT_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.CLOUDFRONT_KEY_ID = "K2TESTKEY"
    settings.DELIVERY_SIGNED_URL_MODE = "cloudfront"
    settings.DELIVERY_PUBLIC_BASE_URL = "https://img.example.com"
    asset = ingest_now().asset
    url = signing.variant_url(asset, asset.variants.get(width=320, format="jpeg"))
    split = urlsplit(url)
    q = parse_qs(split.query)
    assert url.startswith("https://img.example.com/media/v/")
    assert q["Key-Pair-Id"] == ["K2TESTKEY"] and "exp" in q and "sig" in q
    expires = int(q["Expires"][0])
    assert expires % 60 == 0 and 600 <= expires - time.time() < 661
    resource = url.split("&Expires=")[0]
    condition = '{"DateLessThan":{"AWS:EpochTime":' + str(expires) + "}}"
    policy = f'{{"Statement":[{{"Resource":"{resource}","Condition":{condition}}}]}}'.encode()
    cf_sig = q["Signature"][0].replace("-", "+").replace("_", "=").replace("~", "/")
    key.public_key().verify(base64.b64decode(cf_sig), policy, padding.PKCS1v15(), hashes.SHA1())
    # Our own signature inside still verifies at the origin.
    signing.verify(split.path, q["exp"][0], q["sig"][0])

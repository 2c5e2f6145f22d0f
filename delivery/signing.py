"""URLs for variants: immutable public ones, and signed, expiring ones for everything else.

A signature is an HMAC-SHA256 (django.core.signing.Signer) over a canonical string of the
method, the path and the expiry. Verification is constant-time and accepts keys from
SECRET_KEY_FALLBACKS, so keys rotate without breaking live URLs. Expiries are rounded up to
the minute so a URL stays the same (and cacheable) for a while.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core import signing

from aiassets import formats
from aiassets.models import Asset, Variant

SALT = "aiassets.delivery.url"
# ASCII only: str.isdigit() accepts "²" (then int() fails) and int() accepts other scripts'
# digits, which would let one signature match many cache keys.
_EXPIRES = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIG = re.compile(r"[A-Za-z0-9_-]{1,128}", re.ASCII)
URL_PREFIX = "/media/v"


class SignatureExpired(signing.BadSignature):
    pass


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, algorithm="sha256")


def _canonical(method: str, path: str, expires: int) -> str:
    return f"{method.upper()}\n{path}\n{expires}"


def variant_dir(asset: Asset) -> str:
    return f"{URL_PREFIX}/{asset.id}/{asset.sha256[:16]}/{asset.delivery_version}/"


def variant_file(variant: Variant) -> str:
    return f"{variant.width}w-{variant.recipe}.{formats.OUTPUT[variant.format].ext}"


def variant_path(asset: Asset, variant: Variant) -> str:
    """The path names the asset, its content hash, the delivery version and the spec."""
    return variant_dir(asset) + variant_file(variant)


def public_urls(asset: Asset, variants: Iterable[Variant]) -> list[str]:
    """The public URLs of ``variants`` as ``asset`` (its delivery_version) serves them now,
    sorted: what a purge must reach once they die."""
    prefix = public_base() + variant_dir(asset)
    return sorted({prefix + variant_file(v) for v in variants})


def surrogate_key(asset_id: uuid.UUID | str) -> str:
    """The cache tag of every response about an asset (``xkey``, ``Surrogate-Key``,
    ``Cache-Tag``): purging it drops them all from a key-aware CDN."""
    return f"asset-{asset_id}"


def transform_url(
    asset: Asset, width: int, fmt: str = "jpeg", ttl: int | None = None, ratio: str = ""
) -> str:
    """A signed URL asking the origin for a width (cropped to ``ratio``, e.g. "16x9") that
    may not be precomputed."""
    ext = formats.OUTPUT[fmt].ext
    crop = f"-{ratio.replace('/', 'x').replace(':', 'x')}" if ratio else ""
    path = (
        f"/media/t/{asset.id}/{asset.sha256[:16]}/{asset.delivery_version}/"
        f"{int(width)}w{crop}.{ext}"
    )
    return sign_path(path, ttl)


def sign_path(path: str, ttl: int | None = None, now: float | None = None) -> str:
    """``path?exp=…&sig=…``, valid for at least ``ttl`` seconds (default 10 minutes)."""
    ttl = settings.DELIVERY_SIGNED_URL_TTL if ttl is None else ttl
    now = time.time() if now is None else now
    expires = math.ceil((now + ttl) / 60) * 60
    sig = _signer().signature(_canonical("GET", path, expires))
    return f"{path}?exp={expires}&sig={sig}"


def verify(path: str, expires: str, sig: str, now: float | None = None) -> int:
    """Check a signature; return seconds of life left. Raise BadSignature or SignatureExpired."""
    if not _EXPIRES.fullmatch(expires) or not _SIG.fullmatch(sig):
        raise signing.BadSignature("malformed signature")
    _signer().unsign(f"{_canonical('GET', path, int(expires))}:{sig}")
    left = int(expires) - int(time.time() if now is None else now)
    if left <= 0:
        raise SignatureExpired("signature expired")
    return left


def variant_url(asset: Asset, variant: Variant, *, ttl: int | None = None) -> str:
    """An immutable public URL for public assets; a signed, expiring one otherwise.

    DELIVERY_SIGNED_URL_MODE picks how private URLs are signed: ``origin`` (our HMAC, checked
    by the origin view), ``s3`` (a presigned URL straight to the variants bucket) or
    ``cloudfront`` (a CloudFront signed URL to the CDN, wrapping our own signed path so the
    origin can still check it).
    """
    path = variant_path(asset, variant)
    if asset.is_public:
        return public_base() + path
    mode = settings.DELIVERY_SIGNED_URL_MODE
    if mode == "s3":
        return s3_presigned_url(variant.key, ttl)
    signed = sign_path(path, ttl)
    if mode == "cloudfront":
        return cloudfront_signed_url(public_base() + signed, ttl)
    return signed


def public_base() -> str:
    return settings.DELIVERY_PUBLIC_BASE_URL.rstrip("/")


def s3_presigned_url(key: str, ttl: int | None = None) -> str:
    """A presigned GET on the variants bucket (needs STORAGE=s3)."""
    from aiassets import storage

    ttl = settings.DELIVERY_SIGNED_URL_TTL if ttl is None else ttl
    return storage.variants().url(key, expire=ttl)


def cloudfront_signed_url(url: str, ttl: int | None = None, now: float | None = None) -> str:
    """A canned-policy CloudFront signed URL (botocore's CloudFrontSigner, RSA-SHA1)."""
    import datetime

    from botocore.signers import CloudFrontSigner

    ttl = settings.DELIVERY_SIGNED_URL_TTL if ttl is None else ttl
    now = time.time() if now is None else now
    expires = datetime.datetime.fromtimestamp(math.ceil((now + ttl) / 60) * 60, datetime.UTC)
    signer = CloudFrontSigner(settings.CLOUDFRONT_KEY_ID, _cloudfront_rsa_signer)
    return signer.generate_presigned_url(url, date_less_than=expires)


def _cloudfront_rsa_signer(message: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    pem = settings.CLOUDFRONT_PRIVATE_KEY.encode()
    key = serialization.load_pem_private_key(pem, password=None)
    return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's scheme

"""Where files live. Originals and variants each have their own storage alias.

Storages are looked up on every call (never cached at import) so tests and settings changes
take effect. Keys are content-addressed: a key's bytes never change.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from . import formats

IMMUTABLE = "public, max-age=31536000, immutable"
# What a storage write raises when the store is down or refuses (S3: connection errors,
# 5xx, access denied; a disk: OSError). Callers answer 503 with Retry-After, never 500.
UNAVAILABLE: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError, Boto3Error)
RETRY_AFTER = 30  # seconds a client should wait before retrying after UNAVAILABLE


def originals() -> Storage:
    return storages["originals"]


def variants() -> Storage:
    return storages["variants"]


def original_key(asset_id: uuid.UUID, sha256: str, ext: str) -> str:
    return f"originals/{asset_id}/{sha256}.{ext}"


VARIANTS_PREFIX = "variants/"  # every variant key starts here (reconcile lists it in bulk)


def variant_key(asset_id: uuid.UUID, sha256: str, width: int, fmt: str, recipe: str) -> str:
    ext = formats.OUTPUT[fmt].ext
    return f"{VARIANTS_PREFIX}{asset_id}/{sha256[:16]}/{width}w-{recipe}.{ext}"


class OriginalsS3Storage(S3Storage):
    """Private originals: never cacheable by shared caches, never public."""

    def get_object_parameters(self, name: str) -> dict:
        params = super().get_object_parameters(name)
        params.setdefault("ContentType", formats.mime_for(name))
        params.setdefault("CacheControl", "private, no-store")
        return params


class VariantsS3Storage(S3Storage):
    """Variants: content-addressed keys, so every object is immutable."""

    def get_object_parameters(self, name: str) -> dict:
        params = super().get_object_parameters(name)
        params.setdefault("ContentType", formats.mime_for(name))
        params.setdefault("CacheControl", IMMUTABLE)
        return params


# --------------------------------------------------------------------------------------------
# Probing and listing (readiness checks, the orphan sweep)
# --------------------------------------------------------------------------------------------

PROBE_TIMEOUT = 2.0  # seconds: a readiness probe must answer fast, even during an outage


def _probe_client(store: S3Storage):
    """A client on the storage's endpoint and credentials with short timeouts and one try."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=store.endpoint_url,
        region_name=store.region_name,
        aws_access_key_id=store.access_key,
        aws_secret_access_key=store.secret_key,
        config=Config(
            connect_timeout=PROBE_TIMEOUT,
            read_timeout=PROBE_TIMEOUT,
            retries={"max_attempts": 1, "mode": "standard"},
            signature_version=store.signature_version,
            s3={"addressing_style": store.addressing_style},
        ),
    )


def probe(store: Storage) -> None:
    """Raise if ``store`` cannot be reached: HeadBucket on S3, a writable directory locally."""
    if isinstance(store, S3Storage):
        _probe_client(store).head_bucket(Bucket=store.bucket_name)
        return
    location = getattr(store, "location", None)
    if location is None:
        store.listdir("")
        return
    path = Path(location)
    while not path.exists() and path != path.parent:
        path = path.parent  # FileSystemStorage makes missing directories on first save
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"{path} is not a writable directory")


def delete_many(store: Storage, keys: list[str]) -> tuple[int, int]:
    """Delete ``keys`` (at most 1000): one DeleteObjects call on S3. (removed, errors)."""
    if isinstance(store, S3Storage):
        base = store.location.strip("/") + "/" if store.location else ""
        answer = store.connection.meta.client.delete_objects(
            Bucket=store.bucket_name,
            Delete={"Objects": [{"Key": base + k} for k in keys], "Quiet": True},
        )
        errors = len(answer.get("Errors", ()))
        return len(keys) - errors, errors
    removed = errors = 0
    for key in keys:
        try:
            store.delete(key)
            removed += 1
        except OSError:
            errors += 1
    return removed, errors

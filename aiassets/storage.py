"""Where files live. Originals and variants each have their own storage alias.

Storages are looked up on every call (never cached at import) so tests and settings changes
take effect. Keys are content-addressed: a key's bytes never change.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from . import formats

IMMUTABLE = "public, max-age=31536000, immutable"


def originals() -> Storage:
    return storages["originals"]


def variants() -> Storage:
    return storages["variants"]


def original_key(asset_id: uuid.UUID, sha256: str, ext: str) -> str:
    return f"originals/{asset_id}/{sha256}.{ext}"


def variant_key(asset_id: uuid.UUID, sha256: str, width: int, fmt: str, recipe: str) -> str:
    ext = formats.OUTPUT[fmt].ext
    return f"variants/{asset_id}/{sha256[:16]}/{width}w-{recipe}.{ext}"


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


def list_files(store: Storage, prefix: str) -> Iterator[tuple[str, datetime]]:
    """Every file under ``prefix`` with its modification time (aware, UTC), streamed.

    S3: ListObjectsV2 pages of 1000 keys. Elsewhere: a walk of the storage's directory."""
    if isinstance(store, S3Storage):
        client = store.connection.meta.client
        base = store.location.strip("/") + "/" if store.location else ""
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=store.bucket_name, Prefix=base + prefix):
            for obj in page.get("Contents", ()):
                yield obj["Key"][len(base) :], obj["LastModified"]
        return
    root = Path(store.location)
    top = root / prefix
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            path = Path(dirpath) / name
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue  # removed while we walked
            key = path.relative_to(root).as_posix()
            yield key, datetime.fromtimestamp(modified, tz=UTC)


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

"""Where files live. Originals and variants each have their own storage alias.

Storages are looked up on every call (never cached at import) so tests and settings changes
take effect. Keys are content-addressed: a key's bytes never change.
"""

from __future__ import annotations

import uuid

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

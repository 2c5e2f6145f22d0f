"""The same store on S3: moto's server over real HTTP with boto3 and django-storages."""

from __future__ import annotations

import io

import pytest
import requests

from aiassets import renditions
from aiassets.ingest import IngestError, ingest
from aiassets.models import Asset
from tests import images
from tests.conftest import provenance

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


def keys(client, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_ingest_and_build_on_s3(s3, ingest_now):
    data = images.jpeg(800, 600)
    asset = ingest_now(data).asset
    assert keys(s3, "test-originals") == [asset.original_key]
    original = s3.get_object(Bucket="test-originals", Key=asset.original_key)
    assert original["Body"].read() == data
    assert original["ContentType"] == "image/jpeg"
    assert "no-store" in original["CacheControl"]

    variant_keys = keys(s3, "test-variants")
    assert variant_keys == sorted(asset.variants.values_list("key", flat=True))
    assert {v.status for v in asset.variants.all()} == {"ready"}
    for v in asset.variants.all():
        head = s3.head_object(Bucket="test-variants", Key=v.key)
        assert head["ContentType"] == v.mime_type
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        assert head["ContentLength"] == v.bytes


def test_originals_are_not_publicly_readable(s3, ingest_now):
    asset = ingest_now(images.png(320, 240)).asset
    url = f"{s3.endpoint}/test-originals/{asset.original_key}"
    assert requests.get(url, timeout=5).status_code == 403
    acl = s3.get_object_acl(Bucket="test-originals", Key=asset.original_key)
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]
    # Control: the same server does serve a public-read object, so the 403 above is real.
    s3.put_object(Bucket="test-originals", Key="control.txt", Body=b"x", ACL="public-read")
    assert requests.get(f"{s3.endpoint}/test-originals/control.txt", timeout=5).status_code == 200


def test_failed_ingest_leaves_nothing_in_the_bucket(s3):
    with pytest.raises(IngestError):
        ingest(images.png()[:500], provenance())
    assert keys(s3, "test-originals") == [] and Asset.objects.count() == 0


def test_reconcile_heals_a_deleted_object_on_s3(s3, ingest_now):
    from django.core.management import call_command

    asset = ingest_now(images.png(640, 480)).asset
    victim = asset.variants.get(width=320, format="webp")
    s3.delete_object(Bucket="test-variants", Key=victim.key)
    call_command("reconcile_variants", "--sync", "--no-progress", stdout=io.StringIO())
    assert victim.key in keys(s3, "test-variants")
    victim.refresh_from_db()
    assert victim.status == "ready"


def test_idempotent_rebuild_on_s3(s3, ingest_now):
    from PIL import Image

    def pixels() -> dict[str, bytes]:
        return {
            k: Image.open(io.BytesIO(s3.get_object(Bucket="test-variants", Key=k)["Body"].read()))
            .convert("RGBA")
            .tobytes()
            for k in keys(s3, "test-variants")
        }

    asset = ingest_now(images.png(640, 480)).asset
    before = pixels()
    renditions.build(asset.id, force=True)
    assert pixels() == before, "same keys, same pixels (C2PA manifests carry a random salt)"

"""The orphan sweep: files no row names, older than the grace period, found by listing
storage (a directory walk locally, ListObjectsV2 on S3) and removed; --dry-run removes none."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from aiassets import orphans
from tests import images
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _orphan_keys() -> tuple[str, str, str]:
    lost = uuid.uuid4()
    return (
        f"originals/{lost}/{'a' * 64}.png",
        f"variants/{lost}/{'b' * 16}/320w-deadbeef.avif",
        "variants/not-a-uuid/junk.bin",
    )


def _write_local(root, key: str, *, age: timedelta) -> None:
    base = root / ("private" if key.startswith("originals/") else "public")
    path = base / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))


def test_local_sweep_removes_old_orphans_only(ingest_now, media_root):
    asset = ingest_now(images.png(400, 300)).asset
    kept = stored_files(media_root)
    old = _orphan_keys()
    for key in old:
        _write_local(media_root, key, age=2 * HOUR)
    fresh = f"originals/{uuid.uuid4()}/{'c' * 64}.png"
    _write_local(media_root, fresh, age=timedelta(0))

    dry = orphans.sweep(dry_run=True)
    assert sorted(dry.orphans) == sorted(old)
    assert dry.removed == 0
    assert dry.scanned == len(kept) + len(old) + 1
    assert len(stored_files(media_root)) == len(kept) + len(old) + 1

    done = orphans.sweep()
    assert done.removed == len(old) and done.errors == 0
    left = stored_files(media_root)
    assert sorted(set(left) - set(kept)) == [f"private/{fresh}"]
    assert f"private/{asset.original_key}" in left
    assert all(f"public/{k}" in left for k in asset.variants.values_list("key", flat=True))


def test_command_dry_run_then_sweep(ingest_now, media_root, settings):
    ingest_now(images.png(300, 300))
    original, variant, _junk = _orphan_keys()
    _write_local(media_root, original, age=timedelta(minutes=10))
    _write_local(media_root, variant, age=timedelta(minutes=10))

    out = StringIO()
    call_command("sweep_orphans", "--dry-run", stdout=out)
    assert "0 orphan(s)" in out.getvalue(), "inside the default grace period: nothing"

    settings.ORPHAN_GRACE_SECONDS = 60
    out = StringIO()
    call_command("sweep_orphans", "--dry-run", "--only", "variants", stdout=out)
    assert f"would remove {variant}" in out.getvalue()
    assert original not in out.getvalue()
    assert (media_root / "public" / variant).exists()

    out = StringIO()
    call_command("sweep_orphans", stdout=out)
    assert f"removed {original}" in out.getvalue() and f"removed {variant}" in out.getvalue()
    assert not (media_root / "private" / original).exists()


@pytest.mark.s3
def test_s3_sweep_lists_buckets_and_deletes_in_bulk(s3, ingest_now):
    asset = ingest_now(images.jpeg(500, 400)).asset
    original, variant, junk = _orphan_keys()
    s3.put_object(Bucket="test-originals", Key=original, Body=b"x")
    s3.put_object(Bucket="test-variants", Key=variant, Body=b"x")
    s3.put_object(Bucket="test-variants", Key=junk, Body=b"x")
    s3.put_object(Bucket="test-originals", Key="previews/kept.jpg", Body=b"x")  # not swept

    assert orphans.sweep(grace=HOUR).orphans == [], "all younger than the grace period"
    time.sleep(1.1)  # S3 LastModified has one-second precision
    report = orphans.sweep(grace=timedelta(0))
    assert sorted(report.orphans) == sorted([original, variant, junk])
    assert report.removed == 3 and report.errors == 0

    def keys(bucket: str) -> set[str]:
        return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}

    assert keys("test-originals") == {asset.original_key, "previews/kept.jpg"}
    assert keys("test-variants") == set(asset.variants.values_list("key", flat=True))

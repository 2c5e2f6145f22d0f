"""reconcile_variants checks files by listing storage in bulk (local walk, S3 ListObjectsV2),
never by asking for one file; --since narrows the check."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.utils import timezone
from storages.backends.s3 import S3Storage

from aiassets import listing
from aiassets.models import Asset, GenerativeModel, Variant
from tests import images

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile_variants", "--no-progress", *args, stdout=out)
    return out.getvalue()


@contextmanager
def no_exists():
    """Any per-file existence check fails the test (the check itself writes nothing)."""

    def refuse(self, name):
        raise AssertionError(f"per-file exists({name!r}) called")

    with (
        patch.object(FileSystemStorage, "exists", refuse),
        patch.object(S3Storage, "exists", refuse),
    ):
        yield


def listed_prefixes(monkeypatch) -> list[str]:
    """The prefixes S3 is listed under from now on (the real listing still runs)."""
    prefixes: list[str] = []
    original = listing._s3_keys

    def spy(store, prefix):
        prefixes.append(prefix)
        return original(store, prefix)

    monkeypatch.setattr(listing, "_s3_keys", spy)
    return prefixes


def test_missing_merges_two_sorted_streams():
    expected = [("a/1", 1), ("a/2", 2), ("b/1", 3), ("c/9", 4)]
    listed = ["a/0", "a/2", "b/1", "b/2", "z"]
    assert list(listing.missing(expected, listed)) == [("a/1", 1), ("c/9", 4)]
    assert list(listing.missing(expected, [])) == expected


def test_sorted_diff_takes_up_where_the_last_batch_stopped():
    diff = listing.SortedDiff(["a/0", "a/2", "b/1", "b/2", "z"])
    assert list(diff.missing([("a/1", 1), ("a/2", 2)])) == [("a/1", 1)]
    assert list(diff.missing([])) == []
    assert list(diff.missing([("b/1", 3), ("c/9", 4)])) == [("c/9", 4)]
    assert list(diff.missing([("zz", 5)])) == [("zz", 5)]


def test_chunks_in_id_order_meet_the_listing_in_its_order(ingest_now, media_root, monkeypatch):
    """Assets are walked in id order, a few per chunk, against one listing pass: every lost
    file is found, whichever chunk its asset falls in, and nothing else is."""
    from aiassets.management.commands import reconcile_variants

    monkeypatch.setattr(reconcile_variants, "CHUNK", 2)
    assets = [ingest_now(images.png(400, 300, seed=20 + i)).asset for i in range(5)]
    lost = []
    for asset in sorted(assets, key=lambda a: a.pk)[::2]:  # first, middle and last by id
        for fmt in ("avif", "jpeg"):
            row = asset.variants.get(width=320, format=fmt)
            (media_root / "public" / row.key).unlink()
            lost.append(row.pk)
    with no_exists():
        assert "6 missing file(s)" in run("--dry-run")
        assert "would rebuild 3 asset(s)" in run("--dry-run")
    assert "rebuilt 3 asset(s)" in run("--sync")
    assert set(Variant.objects.filter(pk__in=lost).values_list("status", flat=True)) == {"ready"}
    assert "0 missing file(s)" in run("--dry-run")


def test_since_finds_a_rebuilt_file_of_an_older_asset(ingest_now, media_root):
    old = ingest_now(images.png(640, 480, seed=7)).asset
    long_ago = timezone.now() - timedelta(days=3)
    Asset.objects.filter(pk=old.pk).update(created_at=long_ago)
    rebuilt = old.variants.get(width=320, format="jpeg")  # built again today
    (media_root / "public" / rebuilt.key).unlink()
    out = run("--since", "1d", "--sync")
    assert "Checked 0 asset(s): 0 missing row(s), 1 missing file(s)" in out
    assert (media_root / "public" / rebuilt.key).is_file()


def test_local_walk_is_in_byte_order(media_root):
    store = FileSystemStorage(location=media_root / "walk")
    for name in ("variants/a-b/x", "variants/a/x", "variants/a/y.z", "variants/ab"):
        store.save(name, io.BytesIO(b"."))
    found = list(listing.keys(store, "variants/"))
    assert found == sorted(found) and len(found) == 4


def test_local_reconcile_lists_instead_of_asking(ingest_now, media_root):
    asset = ingest_now(images.png(640, 480, seed=3)).asset
    lost = asset.variants.get(width=320, format="webp")
    (media_root / "public" / lost.key).unlink()
    with no_exists():
        assert "1 missing file(s)" in run("--dry-run")
    assert "rebuilt 1 asset(s)" in run("--sync")
    lost.refresh_from_db()
    assert lost.status == "ready" and (media_root / "public" / lost.key).is_file()


def test_since_checks_only_recent_work(ingest_now, media_root):
    old = ingest_now(images.png(640, 480, seed=4)).asset
    new = ingest_now(images.png(640, 480, seed=5)).asset
    long_ago = timezone.now() - timedelta(days=3)
    Asset.objects.filter(pk=old.pk).update(created_at=long_ago)
    Variant.objects.filter(asset=old).update(updated_at=long_ago)
    for asset in (old, new):
        (media_root / "public" / asset.variants.get(width=320, format="jpeg").key).unlink()
    assert "Checked 1 asset(s): 0 missing row(s), 1 missing file(s)" in run(
        "--dry-run", "--since", "1d"
    )
    assert "Checked 2 asset(s): 0 missing row(s), 2 missing file(s)" in run("--dry-run")
    assert "2 missing file(s)" in run("--dry-run", "--since", long_ago.date().isoformat())


@pytest.mark.s3
def test_s3_reconcile_pages_through_the_listing(s3, ingest_now, monkeypatch):
    asset = ingest_now(images.png(640, 480, seed=6)).asset
    victim = asset.variants.get(width=320, format="avif")
    s3.delete_object(Bucket="test-variants", Key=victim.key)
    pages = listed_prefixes(monkeypatch)
    with no_exists():
        assert "1 missing file(s)" in run("--dry-run")
    assert pages == ["variants/"]
    assert "1 missing file(s)" in run("--sync")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="test-variants")["Contents"]}
    assert victim.key in keys


@pytest.mark.s3
def test_s3_chunks_in_id_order_meet_the_one_listing(s3, ingest_now, monkeypatch):
    """On S3 the prefix is listed once and merged a chunk at a time: assets go in id order."""
    from aiassets.management.commands import reconcile_variants

    monkeypatch.setattr(reconcile_variants, "CHUNK", 2)
    assets = [ingest_now(images.png(400, 300, seed=40 + i)).asset for i in range(5)]
    victims = []
    for asset in sorted(assets, key=lambda a: a.pk)[1::2]:  # second and fourth by id
        row = asset.variants.get(width=320, format="jpeg")
        s3.delete_object(Bucket="test-variants", Key=row.key)
        victims.append(row.key)
    prefixes = listed_prefixes(monkeypatch)
    with no_exists():
        assert "2 missing file(s)" in run("--dry-run")
    assert prefixes == ["variants/"]
    assert "rebuilt 2 asset(s)" in run("--sync")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="test-variants")["Contents"]}
    assert set(victims) <= keys


def test_bad_since_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        run("--since", "yesterday-ish")


def _reconcile_queries(*args: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run("--dry-run", "--skip-file-check", *args)
    return len(captured.captured_queries)


def test_reconcile_queries_do_not_grow_with_assets(population, settings):
    """Plans are read per chunk of assets (renditions.plan_many): one provenance query and
    one rows query per chunk, never one per asset."""
    settings.JOBS_INLINE = True
    population(120)  # created a minute apart
    assert "Checked 120 asset(s)" in run("--dry-run", "--skip-file-check")
    assert "Checked 29 asset(s)" in run("--dry-run", "--skip-file-check", "--since", "29m")
    assert _reconcile_queries() == _reconcile_queries("--since", "29m")


def test_batched_plan_is_the_plan(population):
    from aiassets import renditions

    assets = population(12)
    GenerativeModel.objects.update(redact_faces=True)
    Asset.objects.filter(pk=assets[0].pk).update(faces=[[0.1, 0.1, 0.3, 0.3]])
    Asset.objects.filter(pk=assets[1].pk).update(focal=[0.5, 0.5, 0.2, 0.2])
    fresh = list(Asset.objects.filter(pk__in=[a.pk for a in assets]))
    batched = renditions.plan_many(fresh)
    for asset in fresh:
        assert batched[asset.pk].specs == renditions.plan(asset).specs


def test_rows_are_read_grouped_per_asset_and_only_planned_trouble_counts(ingest_now):
    """inventory.stock_of folds each asset's rows into one row; a failed row the plan no
    longer wants is not healed (its replacement is a missing row)."""
    from aiassets.renditions import inventory

    asset = ingest_now(images.png(640, 480, seed=11)).asset
    n = asset.variants.count()
    old = asset.variants.get(width=320, format="jpeg")
    Variant.objects.filter(pk=old.pk).update(recipe="0bsolete", status="failed")
    stuck = asset.variants.get(width=320, format="webp")
    Variant.objects.filter(pk=stuck.pk).update(status="deferred")
    stock = inventory.stock_of([asset.pk], timezone.now())[asset.pk]
    assert len(stock.signatures) == n and len(stock.ready_keys) == n - 2
    assert {(t.pk, t.status) for t in stock.trouble} == {(old.pk, "failed"), (stuck.pk, "deferred")}
    assert "320:jpeg:0bsolete" in stock.signatures
    out = run("--dry-run")
    assert "1 missing row(s), 0 missing file(s), 0 failed, 0 stuck pending, 1 deferred" in out

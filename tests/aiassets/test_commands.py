"""Management commands: create_api_token, import_assets, reconcile_variants."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aiassets.models import ApiToken, Asset, Variant
from tests import images
from tests.conftest import provenance

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_create_api_token_prints_a_working_token_on_the_last_line():
    out = run("create_api_token", "comfy-farm")
    raw = out.strip().splitlines()[-1]
    assert raw.startswith("aia_")
    token = ApiToken.objects.authenticate(raw)
    assert token is not None and token.name == "comfy-farm"
    assert raw not in token.token_hash, "only the hash is stored"
    with pytest.raises(CommandError, match="exists"):
        run("create_api_token", "comfy-farm")
    rotated = run("create_api_token", "comfy-farm", "--rotate").strip().splitlines()[-1]
    assert ApiToken.objects.authenticate(raw) is None
    assert ApiToken.objects.authenticate(rotated).name == "comfy-farm"


def _write_batch(tmp_path):
    (tmp_path / "a.png").write_bytes(images.png(300, 200, seed=1))
    (tmp_path / "b.jpg").write_bytes(images.jpeg(300, 200, seed=2))
    (tmp_path / "broken.png").write_bytes(images.png(300, 200, seed=3)[:200])
    (tmp_path / "page.html").write_bytes(b"<html></html>")
    lines = [
        {"file": "a.png", "provenance": provenance(), "title": "A"},
        {"file": "b.jpg", "provenance": provenance(prompt="b")},
        {"file": "broken.png", "provenance": provenance()},
        {"file": "page.html", "provenance": provenance()},
        {"file": "../escape.png", "provenance": provenance()},
        {"file": "a.png"},
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    return manifest


def test_import_reports_each_file_and_fails_when_any_failed(
    tmp_path, django_capture_on_commit_callbacks
):
    manifest = _write_batch(tmp_path)
    report = tmp_path / "report.jsonl"
    out = io.StringIO()
    with pytest.raises(CommandError) as err, django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_assets",
            str(tmp_path),
            manifest=str(manifest),
            report=str(report),
            no_progress=True,
            stdout=out,
            stderr=io.StringIO(),
        )
    assert err.value.returncode == 1 and "5 of 7" in str(err.value)
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    by_file = {}
    for r in rows:
        by_file.setdefault(r["file"], r)
    assert by_file["a.png"]["status"] == "created"
    assert by_file["b.jpg"]["status"] == "created"
    assert by_file["broken.png"]["code"] == "truncated"
    assert by_file["page.html"]["code"] == "unsupported_type"
    assert by_file["../escape.png"]["code"] == "missing_file"
    assert by_file["<manifest line 7>"]["code"] == "invalid_manifest"
    assert [r for r in rows if r["file"] == "a.png"][1]["code"] == "invalid_metadata"
    text = out.getvalue()
    assert "2 created, 0 already present, 5 failed" in text
    assert Asset.objects.count() == 2
    assert Asset.objects.get(pk=by_file["a.png"]["id"]).title == "A"


def test_import_is_resumable(tmp_path):
    tmp_path = tmp_path / "batch"
    tmp_path.mkdir()
    (tmp_path / "one.png").write_bytes(images.png(200, 200, seed=5))
    (tmp_path / "one.json").write_text(json.dumps(provenance()))
    first = run("import_assets", str(tmp_path), no_progress=True)
    second = run("import_assets", str(tmp_path), no_progress=True)
    assert "1 created, 0 already present, 0 failed" in first
    assert "0 created, 1 already present, 0 failed" in second
    assert Asset.objects.count() == 1


def test_import_without_provenance_fails_clearly(tmp_path):
    tmp_path = tmp_path / "batch"
    tmp_path.mkdir()
    (tmp_path / "lonely.png").write_bytes(images.png(100, 100))
    with pytest.raises(CommandError):
        run("import_assets", str(tmp_path), no_progress=True)
    assert Asset.objects.count() == 0


def test_reconcile_heals_a_deleted_file_and_a_stuck_pending_row(ingest_now, media_root):
    a = ingest_now(images.png(640, 480, seed=1)).asset
    b = ingest_now(images.png(640, 480, seed=2)).asset
    lost = a.variants.get(width=320, format="avif")
    (media_root / "public" / lost.key).unlink()
    stuck = b.variants.get(width=640, format="webp")
    (media_root / "public" / stuck.key).unlink()
    Variant.objects.filter(pk=stuck.pk).update(
        status="pending", updated_at=timezone.now() - timedelta(hours=2)
    )
    fresh = b.variants.get(width=320, format="jpeg")
    Variant.objects.filter(pk=fresh.pk).update(status="failed", error="boom", attempts=3)

    dry = run("reconcile_variants", "--dry-run", "--no-progress")
    assert "1 missing file(s), 1 failed, 1 stuck pending, 0 deferred; would rebuild 2" in dry
    assert not (media_root / "public" / lost.key).exists()

    out = run("reconcile_variants", "--sync", "--no-progress")
    assert "rebuilt 2 asset(s)" in out
    for v in (lost, stuck, fresh):
        v.refresh_from_db()
        assert v.status == "ready" and v.error == ""
        assert (media_root / "public" / v.key).is_file()
    assert "rebuilt 0 asset(s)" in run("reconcile_variants", "--sync", "--no-progress")


def test_reconcile_creates_rows_for_new_widths(ingest_now, settings):
    asset = ingest_now(images.png(1000, 500)).asset
    before = asset.variants.count()
    settings.DERIVATIVE_WIDTHS = [320, 480, 640, 1280]
    run("reconcile_variants", "--sync", "--no-progress")
    assert asset.variants.count() == before + 3
    assert not asset.variants.exclude(status="ready").exists()

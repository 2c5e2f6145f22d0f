"""import_assets against hostile manifests and directories: every line and file gets a report
line, the summary is always printed, the exit code says whether any failed."""

from __future__ import annotations

import io
import json
import os

import pytest
from django.core.management import CommandError, call_command

from aiassets import storage
from aiassets.models import Asset
from tests import images
from tests.conftest import provenance

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]


def run_import(directory, manifest=None) -> tuple[int, list[dict], str]:
    report = directory.parent / "report.jsonl"
    out = io.StringIO()
    options = {"manifest": str(manifest)} if manifest else {}
    try:
        call_command(
            "import_assets",
            str(directory),
            report=str(report),
            no_progress=True,
            stdout=out,
            stderr=io.StringIO(),
            **options,
        )
        status = 0
    except CommandError as exc:
        status = exc.returncode
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    return status, rows, out.getvalue()


def test_hostile_manifest_lines_each_get_a_report_line(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.png").write_bytes(images.png(64, 48, seed=1))
    (batch / "also.png").write_bytes(images.png(64, 48, seed=2))
    good = json.dumps({"file": "good.png", "provenance": provenance()}).encode()
    lines = [
        good,
        b'{"file": "also.png", "provenance": {"params": NaN}}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"file": "x.png", "n": ' + b"9" * 5001 + b"}",
        b'{"file": "caf\xe9.png"}',  # not UTF-8
        json.dumps({"file": "a\x00b.png", "provenance": provenance()}).encode(),
        json.dumps({"file": "\ud800.png", "provenance": provenance()}).encode(),
        json.dumps({"file": "also.png", "provenance": "not json"}).encode(),
        json.dumps({"file": "also.png", "provenance": [1]}).encode(),
        json.dumps({"file": "also.png", "provenance": provenance(), "title": {"a": 1}}).encode(),
        json.dumps({"file": 42}).encode(),
        b"\xef\xbb\xbf" + good,  # a BOM
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(b"\n".join(lines) + b"\n")
    status, rows, out = run_import(batch, manifest)
    assert status == 1
    assert len(rows) == len(lines)
    codes = [r["code"] for r in rows]
    assert codes[0] is None and rows[0]["status"] == "created"
    assert codes[1:5] == ["invalid_manifest"] * 4
    assert codes[5:7] == ["missing_file"] * 2
    assert codes[7] == "invalid_json" and codes[8] == "invalid_metadata"
    assert rows[9]["status"] == "created"  # a non-text title is stored as its text
    assert codes[10:] == ["invalid_manifest"] * 2
    assert f"{len(lines)} file(s): 2 created, 0 already present, 10 failed." in out


def test_unencodable_file_names_on_disk_are_imported_and_reported(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    raw = os.fsencode(str(batch)) + b"/caf\xe9-\xff.png"  # not UTF-8: a lone surrogate in str
    with open(raw, "wb") as fh:
        fh.write(images.png(64, 48, seed=3))
    with open(raw[:-4] + b".json", "w") as fh:
        fh.write(json.dumps(provenance()))
    status, rows, out = run_import(batch)
    assert status == 0, out
    assert rows[0]["status"] == "created"
    assert Asset.objects.get().original_filename == "caf\ufffd-\ufffd.png"
    assert "caf\\udce9" in out or "caf\\xe9" in out


def test_an_unexpected_failure_is_one_report_line_and_the_run_goes_on(tmp_path, monkeypatch):
    batch = tmp_path / "batch"
    batch.mkdir()
    for n in range(3):
        (batch / f"{n}.png").write_bytes(images.png(64, 48, seed=10 + n))
        (batch / f"{n}.json").write_text(json.dumps(provenance()))
    real = storage.original_key
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("storage exploded")
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, "original_key", flaky)
    status, rows, out = run_import(batch)
    assert status == 1
    assert [r["status"] for r in rows] == ["created", "failed", "created"]
    assert rows[1]["code"] == "internal_error" and "storage exploded" in rows[1]["message"]
    assert "3 file(s): 2 created, 0 already present, 1 failed." in out

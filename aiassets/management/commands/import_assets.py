"""Bulk import: every image in DIR (or listed in a JSONL manifest) through ingest()."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aiassets import formats
from aiassets.ingest import IngestError, ingest

IMAGE_SUFFIXES = formats.INPUT_SUFFIXES


class Command(BaseCommand):
    help = (
        "Import images with their provenance. Provenance comes from --manifest (JSON lines: "
        '{"file": "a.png", "provenance": {...}, "title": "...", "alt_text": "..."}) or from a '
        "sidecar NAME.json beside each image. Re-running is safe: existing content is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--manifest", type=Path, help="JSON lines file; paths relative to DIR.")
        parser.add_argument("--report", type=Path, help="Write the per-file report as JSON lines.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, directory, manifest, report, **options):
        directory = Path(directory)
        manifest = Path(manifest) if manifest else None
        report = Path(report) if report else None
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        entries = self._entries(directory, manifest)
        results = []
        bar = tqdm(entries, unit="file", disable=options["no_progress"], file=self.stderr._out)
        for entry in bar:
            results.append(self._import_one(directory, entry))
        self._print_report(results)
        if report:
            report.write_text("".join(json.dumps(r) + "\n" for r in results))
        failed = [r for r in results if r["status"] == "failed"]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} file(s) failed.", returncode=1)

    def _entries(self, directory: Path, manifest: Path | None) -> list[dict]:
        if manifest is None:
            files = sorted(p for p in directory.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
            return [{"file": str(p.relative_to(directory)), "line": None} for p in files]
        if not manifest.is_file():
            raise CommandError(f"Manifest {manifest} does not exist.")
        entries = []
        for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("file"), str):
                    raise ValueError('each line must be an object with a "file" string')
            except ValueError as exc:
                entries.append(
                    {"file": f"<manifest line {number}>", "line": number, "error": str(exc)}
                )
                continue
            entries.append({**item, "line": number})
        return entries

    def _import_one(self, directory: Path, entry: dict) -> dict:
        name = entry["file"]
        result = {"file": name, "status": "failed", "id": None, "code": None, "message": ""}
        if "error" in entry:
            return {**result, "code": "invalid_manifest", "message": entry["error"]}
        path = (directory / name).resolve()
        if directory.resolve() not in path.parents or not path.is_file():
            return {
                **result,
                "code": "missing_file",
                "message": "No such file inside the directory.",
            }
        provenance = entry.get("provenance")
        if provenance is None:
            sidecar = path.with_suffix(".json")
            if not sidecar.is_file():
                return {
                    **result,
                    "code": "invalid_metadata",
                    "message": f"No provenance: add a manifest line or {sidecar.name}.",
                }
            provenance = sidecar.read_bytes()
        try:
            with path.open("rb") as fh:
                outcome = ingest(
                    fh,
                    provenance,
                    filename=path.name,
                    title=str(entry.get("title") or ""),
                    alt_text=str(entry.get("alt_text") or ""),
                )
        except IngestError as exc:
            return {**result, "code": exc.code, "message": exc.message}
        status = "created" if outcome.created else "exists"
        return {**result, "status": status, "id": str(outcome.asset.id)}

    def _print_report(self, results: list[dict]) -> None:
        width = max([len(r["file"]) for r in results] + [4])
        for r in results:
            detail = r["id"] if r["status"] != "failed" else f"{r['code']}: {r['message']}"
            self.stdout.write(f"{r['status']:<8} {r['file']:<{width}}  {detail}")
        counts = {
            s: sum(r["status"] == s for r in results) for s in ("created", "exists", "failed")
        }
        self.stdout.write(
            f"{len(results)} file(s): {counts['created']} created, {counts['exists']} already "
            f"present, {counts['failed']} failed."
        )

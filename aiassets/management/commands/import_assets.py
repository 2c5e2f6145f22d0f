"""Bulk import: every image in DIR (or listed in a JSONL manifest) through ingest().

The run never dies on one file or one manifest line: each gets a line in the report, the
summary is always printed, and the exit code is 1 when any failed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aiassets import formats, validation
from aiassets.errors import CodedError
from aiassets.ingest import ingest

IMAGE_SUFFIXES = formats.INPUT_SUFFIXES
logger = logging.getLogger(__name__)


def _printable(text: str) -> str:
    """Names from disk or a manifest may hold lone surrogates or control characters."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Command(BaseCommand):
    help = (
        "Import images with their provenance. Provenance comes from --manifest (JSON lines: "
        '{"file": "a.png", "provenance": {...}, "title": "...", "alt_text": "..."}) or from a '
        "sidecar NAME.json beside each image. A provenance may leave out what the file's own "
        "generator metadata carries (A1111, ComfyUI, InvokeAI, NovelAI, Fooocus), even be {}. "
        "Re-running is safe: existing content is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--manifest", type=Path, help="JSON lines file; paths relative to DIR.")
        parser.add_argument("--report", type=Path, help="Write the per-file report as JSON lines.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, directory, manifest, report, **options):
        directory = Path(directory)
        manifest = Path(manifest) if manifest else None
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        if manifest is not None and not manifest.is_file():
            raise CommandError(f"Manifest {manifest} does not exist.")
        entries = self._entries(directory, manifest)
        results: list[dict] = []
        bar = tqdm(entries, unit="file", disable=options["no_progress"], file=self.stderr._out)
        try:
            for entry in bar:
                results.append(self._import_one(directory, entry))
        finally:  # even on Ctrl-C: what was done is reported
            self._print_report(results)
            if report:
                Path(report).write_text("".join(json.dumps(r) + "\n" for r in results))
        failed = [r for r in results if r["status"] == "failed"]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} file(s) failed.", returncode=1)

    # --- what to import -----------------------------------------------------------------------
    def _entries(self, directory: Path, manifest: Path | None) -> list[dict]:
        if manifest is None:
            files = sorted(p for p in directory.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
            return [{"file": str(p.relative_to(directory)), "line": None} for p in files]
        raw = manifest.read_bytes()
        return [
            self._manifest_entry(number, line)
            for number, line in enumerate(raw.splitlines(), 1)
            if line.strip()
        ]

    def _manifest_entry(self, number: int, line: bytes) -> dict:
        try:
            item = validation.loads(line, f"manifest line {number}")
        except CodedError as exc:
            return {"file": f"<manifest line {number}>", "line": number, "error": exc.message}
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            error = 'each line must be an object with a "file" string'
            return {"file": f"<manifest line {number}>", "line": number, "error": error}
        return {**item, "line": number}

    # --- one file -----------------------------------------------------------------------------
    def _import_one(self, directory: Path, entry: dict) -> dict:
        result = {"file": entry["file"], "status": "failed", "id": None, "code": None}
        result["message"] = ""
        if "error" in entry:
            return {**result, "code": "invalid_manifest", "message": entry["error"]}
        try:
            outcome = self._ingest(directory, entry)
        except CodedError as exc:
            return {**result, "code": exc.code, "message": exc.message}
        except Exception as exc:  # noqa: BLE001 - one file must never end the run
            logger.exception("import of %r failed", entry["file"])
            return {**result, "code": "internal_error", "message": f"{type(exc).__name__}: {exc}"}
        status = "created" if outcome.created else "exists"
        return {**result, "status": status, "id": str(outcome.asset.id)}

    def _ingest(self, directory: Path, entry: dict) -> Any:
        path = self._path(directory, entry["file"])
        provenance = entry.get("provenance")
        if provenance is None:
            provenance = self._sidecar(path)
        with path.open("rb") as fh:
            return ingest(
                fh,
                provenance,
                filename=path.name,
                title=_text(entry.get("title")),
                alt_text=_text(entry.get("alt_text")),
            )

    @staticmethod
    def _path(directory: Path, name: str) -> Path:
        missing = CodedError("missing_file", "No such file inside the directory.")
        try:
            path = (directory / name).resolve()
            inside = directory.resolve() in path.parents and path.is_file()
        except (OSError, ValueError):  # NUL bytes, unencodable names, loops
            raise missing
        if not inside:
            raise missing
        return path

    @staticmethod
    def _sidecar(path: Path) -> bytes:
        sidecar = path.with_suffix(".json")
        try:
            return sidecar.read_bytes()
        except OSError:
            raise CodedError(
                "invalid_metadata", f"No provenance: add a manifest line or {sidecar.name}."
            )

    # --- the report ---------------------------------------------------------------------------
    def _print_report(self, results: list[dict]) -> None:
        names = [_printable(r["file"]) for r in results]
        width = max([len(n) for n in names] + [4])
        for name, r in zip(names, results, strict=True):
            detail = r["id"] if r["status"] != "failed" else f"{r['code']}: {r['message']}"
            self.stdout.write(f"{r['status']:<8} {name:<{width}}  {_printable(detail)}")
        counts = {
            s: sum(r["status"] == s for r in results) for s in ("created", "exists", "failed")
        }
        self.stdout.write(
            f"{len(results)} file(s): {counts['created']} created, {counts['exists']} already "
            f"present, {counts['failed']} failed."
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)

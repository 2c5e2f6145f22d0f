"""Did this image come from us? By its C2PA manifest and by perceptual hash.

Exit codes: 0 ours (intact manifest signed with our key), 1 not recognised, 2 tampered or
invalid manifest, 3 no credentials of ours but perceptually matches one of our assets,
4 unreadable input (not an image, truncated, too large, a decompression bomb…).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aiassets import c2pa


class Command(BaseCommand):
    help = (
        "Tell whether an image came from us: by its C2PA Content Credentials (ours / trusted / "
        "valid / tampered / absent) and by perceptual hash against our assets. Exit code: 0 "
        "ours, 1 not recognised, 2 tampered or invalid, 3 similar to one of ours, 4 bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--max-distance",
            type=int,
            default=None,
            help="Largest pHash distance that counts as a match (default C2PA_MATCH_MAX_DISTANCE).",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, file: Path, max_distance: int | None, **options):
        try:
            size = file.stat().st_size
            if size > settings.INGEST_MAX_BYTES:
                raise c2pa.VerifyError(
                    "too_large",
                    f"The file is {size:,} bytes; the limit is {settings.INGEST_MAX_BYTES:,}.",
                )
            data = file.read_bytes()
            result = c2pa.verify(data, max_distance=max_distance)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}", returncode=4)
        except c2pa.VerifyError as exc:
            raise CommandError(f"{file}: {exc.message} ({exc.code})", returncode=4)
        if options["json"]:
            self.stdout.write(json.dumps({"file": str(file), **result.as_dict()}, indent=2))
        else:
            self._report(file, result)
        if result.exit_code:
            sys.stdout.flush()
            sys.exit(result.exit_code)

    def _report(self, file: Path, result: c2pa.Verification) -> None:
        out = self.stdout.write
        info = result.info
        out(f"File: {file} ({info.format} {info.width}×{info.height})")
        manifest = result.manifest
        line = manifest.describe()
        if result.ours:
            line += " — our signing key"
        out(f"Content Credentials: {line}")
        for failure in manifest.failures:
            out(f"  {failure['code']}: {failure['explanation']}")
        if result.claimed_asset:
            out(f"  names asset {result.claimed_asset}")
        if result.incoming is not None:
            out(f"Incoming chain (stored original): {result.incoming.describe()}")
        self._generator(result.generator)
        out(f"Perceptual hash (match: distance ≤ {result.max_distance}):")
        for m in result.matches:
            flag = "match" if m.within else "no match"
            mirrored = ", mirrored" if m.mirrored else ""
            out(f"  {m.asset_id} distance {m.distance}{mirrored} ({flag}) {m.title}".rstrip())
        if not result.matches:
            out("  no assets to compare with")
        out(f"Verdict: {result.verdict}. {result.summary()}")

    def _generator(self, facts: dict[str, Any]) -> None:
        """The generator facts the file carries (A1111, ComfyUI, XMP…), beside the verdict."""
        if not facts:
            self.stdout.write("Generator metadata: none in the file")
            return
        self.stdout.write("Generator metadata (from the file):")
        for key, value in sorted(facts.items()):
            text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
            self.stdout.write(f"  {key}: {str(text)[:500]}")

"""What reading generator metadata adds to ingest: ``ingest.prepare()`` (validate, decode,
extract, merge; no writes) on the same pixels with and without each generator's metadata.

    .venv/bin/python bench/embedded.py [--size 1024] [--rounds 7]

Files are made the way each tool writes them (tests/generators.py: A1111 PNG and JPEG,
ComfyUI, InvokeAI, NovelAI, Fooocus), plus the hostile cases (a 10 MB text chunk, deeply
nested workflow JSON, truncated JSON). Each is paired with a file of the same pixels and no
metadata; the pair is timed alternately, round by round, and the overhead is the difference of
the medians. A 10 MB chunk also costs reading and hashing 10 MB more, so the extraction alone
(``imaging.extract_embedded`` on the decoded image) is timed too: that is what reading metadata
adds to a file of the same size. Runs on a throwaway SQLite database in a temp dir (prepare()
looks up duplicates by hash). The app's venv is enough. Prints a table; writes
bench/results/embedded.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-embedded.sqlite3"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402
from PIL.PngImagePlugin import PngInfo  # noqa: E402

from aiassets import imaging, synth  # noqa: E402
from aiassets.ingest import IngestError, prepare  # noqa: E402
from tests import generators as g  # noqa: E402

GIVEN = {
    "model": {"name": "Bench Diffusion"},
    "prompt": "given",
    "generated_at": "2026-11-01T00:00:00Z",
}


def with_metadata(pixels: Image.Image, fmt: str, source: bytes) -> bytes:
    """``pixels`` saved carrying the metadata of ``source`` (a tests/generators.py file)."""
    im = Image.open(io.BytesIO(source))
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngInfo()
        for key, value in (getattr(im, "text", None) or {}).items():
            info.add_itxt(key, value) if key.startswith("XML") else info.add_text(key, value)
        pixels.save(out, "PNG", pnginfo=info)
    else:
        kwargs = {"exif": im.info["exif"]} if "exif" in im.info else {}
        if "xmp" in im.info:
            kwargs["xmp"] = im.info["xmp"]
        pixels.save(out, "JPEG", quality=90, **kwargs)
    return out.getvalue()


def cases(size: int) -> dict[str, tuple[str, bytes]]:
    made = {name: make() for name, (make, _) in g.GENERATORS.items()}
    made["hostile_10mb_chunk"] = g.png({"parameters": "a" * 10_000_000})
    made["hostile_deep_json"] = g.png({"prompt": "[" * 100_000 + "]" * 100_000, "workflow": "{}"})
    made["hostile_truncated_json"] = g.png({"invokeai_metadata": '{"positive_prompt": "x", "s'})
    return {k: ("JPEG" if k.endswith("jpeg") else "PNG", v) for k, v in made.items()}


def timed(data: bytes, provenance) -> float:
    started = time.perf_counter()
    try:
        prepare(data, provenance)
    except IngestError as exc:
        raise SystemExit(f"prepare refused a bench file: {exc.code}: {exc.message}")
    return time.perf_counter() - started


def extract_ms(data: bytes, rounds: int) -> float:
    im = Image.open(io.BytesIO(data))
    im.load()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        imaging.extract_embedded(im)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(size: int, rounds: int) -> list[dict]:
    pixels = synth.artwork(size, size, 7, "photo").convert("RGB")
    rows = []
    for name, (fmt, source) in cases(size).items():
        plain = io.BytesIO()
        pixels.save(plain, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        tagged = with_metadata(pixels, fmt, source)
        hostile = name.startswith("hostile")
        given = GIVEN if hostile else None  # the generators' files need no typing
        bare, meta = [], []
        for _ in range(rounds):
            bare.append(timed(plain.getvalue(), GIVEN))
            meta.append(timed(tagged, given))
        rows.append(
            {
                "file": name,
                "bytes": len(tagged),
                "without_ms": statistics.median(bare) * 1000,
                "with_ms": statistics.median(meta) * 1000,
                "extract_ms": extract_ms(tagged, rounds),
            }
        )
        rows[-1]["overhead_ms"] = rows[-1]["with_ms"] - rows[-1]["without_ms"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    prepare(g.a1111_png(), None)  # warm: sd-parsers is imported on first use
    rows = measure(args.size, args.rounds)
    print(f"ingest.prepare() on {args.size}² images, median of {args.rounds} rounds")
    head = f"{'file':<24}{'bytes':>12}{'without ms':>12}{'with ms':>10}{'overhead':>10}"
    print(head + f"{'extract ms':>12}")
    for r in rows:
        print(
            f"{r['file']:<24}{r['bytes']:>12,}{r['without_ms']:>12.1f}{r['with_ms']:>10.1f}"
            f"{r['overhead_ms']:>+9.1f}ms{r['extract_ms']:>12.2f}"
        )
    worst = max(rows, key=lambda r: r["extract_ms"])
    print(f"slowest extraction: {worst['extract_ms']:.2f} ms ({worst['file']}); target ≤ 50 ms")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "embedded.json").write_text(json.dumps({"size": args.size, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()

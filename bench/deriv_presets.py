"""Encoder presets at equal bytes: which AVIF speed and WebP method keep our quality at
django-pictures' bytes, and what each costs. Chooses aiassets/imaging/encode.py's table.

    bench/.venv/bin/python bench/deriv_presets.py [--scale 0.5] [--out deriv_presets.json]

Same five sources as bench/derivatives.py, the (width, format) pairs our build() plans,
django-pictures 1.8.0's processor for the reference bytes (Pillow defaults: AVIF q75 speed 6
on all cores, WebP q80 method 4). For each preset of ours, quality is searched so that our
bytes for the format equal theirs (bench/deriv_match.py), then every rendition is scored with
SSIMULACRA2 against the INTER_AREA reference (bench/deriv_quality.py), and the encode alone
is timed (process CPU, one encoder thread). Their own encodes are scored the same way.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import deriv_prod

VAR = deriv_prod.configure()

import benchlib  # noqa: E402

settings = benchlib.setup_django()

import deriv_match  # noqa: E402
import deriv_peer  # noqa: E402
import deriv_quality  # noqa: E402
import deriv_sources  # noqa: E402

PRESETS = {
    "avif": [{"speed": s, "max_threads": 1} for s in (6, 7, 8, 9, 10)],
    "webp": [{"method": m} for m in (2, 3, 4, 5, 6)],
    "jpeg": [{"progressive": True}, {"progressive": False}],
}


def load(scale: float, root: Path) -> tuple[list[dict], dict]:
    """Sources, their production pairs (from a real build) and the peer's files."""
    deriv_prod.prepare_django(settings)
    peer = deriv_peer.Peer(root)
    items = []
    for name, png in deriv_sources.sources(scale):
        asset = deriv_prod.ingest(name, png)
        pairs = sorted((w, f) for w, f, _, _ in deriv_prod.outputs(asset))
        file_name = peer.upload(name, png)
        pictures = peer.pictures(file_name, pairs)
        peer.process(file_name, pictures)
        items.append({"name": name, "png": png, "pairs": pairs, "peer": peer.outputs(pictures)})
    refs = {it["name"]: deriv_quality.Reference(it["png"]) for it in items}
    return items, refs


def s2_mean(refs: dict, encoded) -> float:
    return statistics.fmean(refs[name].score(data)[0] for name, data in encoded)


def sweep_format(fmt: str, items: list[dict], refs: dict, resized) -> list[dict]:
    peer_files = [(it["name"], d) for it in items for _, f, d in it["peer"] if f == fmt]
    target = sum(len(d) for _, d in peer_files)
    rows = [
        {
            "preset": "django-pictures (Pillow default)",
            "bytes_ratio": 1.0,
            "ssimulacra2": s2_mean(refs, peer_files),
            "encode_cpu_s": None,
        }
    ]
    for preset in PRESETS[fmt]:
        options, ratio = deriv_match.search(resized, fmt, dict(preset), target)
        c0 = time.process_time()
        resized.total(fmt, options)
        cpu = time.process_time() - c0
        s2 = s2_mean(refs, resized.encoded(fmt, options))
        rows.append(
            {"preset": str(options), "bytes_ratio": ratio, "ssimulacra2": s2, "encode_cpu_s": cpu}
        )
        print(f"  {fmt} {options}: bytes {ratio:.3f}  S2 {s2:.2f}  encode {cpu:.2f}s", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="source size factor")
    ap.add_argument("--formats", default="avif,webp,jpeg")
    ap.add_argument("--avif-speeds", default="6,7,8,9,10")
    ap.add_argument("--webp-methods", default="2,3,4,5,6")
    ap.add_argument("--out", default="deriv_presets.json")
    args = ap.parse_args()
    PRESETS["avif"] = [{"speed": int(s), "max_threads": 1} for s in args.avif_speeds.split(",")]
    PRESETS["webp"] = [{"method": int(m)} for m in args.webp_methods.split(",")]
    root = Path(tempfile.mkdtemp(prefix="bench-pictures-"))
    try:
        items, refs = load(args.scale, root)
    finally:  # the peer's files and our VAR_DIR are not needed past this point
        shutil.rmtree(root, ignore_errors=True)
    resized = deriv_match.Resized(
        {it["name"]: it["png"] for it in items}, {it["name"]: it["pairs"] for it in items}
    )
    result = {}
    for fmt in args.formats.split(","):
        result[fmt] = sweep_format(fmt, items, refs, resized)
        print(f"\n{fmt}: {'preset':<44} {'bytes':>6} {'S2':>6} {'encode s':>8}")
        for r in result[fmt]:
            cpu = "-" if r["encode_cpu_s"] is None else f"{r['encode_cpu_s']:8.2f}"
            print(
                f"      {r['preset']:<44} {r['bytes_ratio']:6.3f} {r['ssimulacra2']:6.2f} {cpu:>8}"
            )
    path = benchlib.write_json(
        args.out, {"scale": args.scale, "environment": benchlib.environment(), "formats": result}
    )
    print(f"wrote {path.relative_to(benchlib.ROOT)}")
    shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()

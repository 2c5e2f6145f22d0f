"""What C2PA signing adds to a full derivative set: the same images built with and without it.

    .venv/bin/python bench/c2pa_cost.py [--images N] [--rounds R]

The build is renditions.build's own work without the database and storage: decode once
(imaging.render_set, the production loop), resize in a cascade, encode every width × format
with the IPTC XMP (settings DERIVATIVE_WIDTHS / DERIVATIVE_FORMATS), and, when signing,
c2pa.Marker.apply on each encoded variant (thumbnail off, a fresh development chain in
a temp dir, the signer and context prepared once per build as in renditions.build). The two
modes alternate image by image and round by round, so drift hits both alike. Prints per-image
times, the
overhead ratio of the totals and of the medians against the ≤ 5 % target, the time per
signature and the bytes a manifest adds. Writes bench/results/c2pa_cost.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

import benchlib

settings = benchlib.setup_django()

from aiassets import c2pa, imaging  # noqa: E402
from aiassets.models import Asset, GenerativeModel, Provenance  # noqa: E402

TARGET = 0.05


def fake_asset() -> Asset:
    """An unsaved asset with provenance: all Marker needs (no database)."""
    model = GenerativeModel(name="Bench Diffusion", version="2.1", licence="CC-BY-4.0")
    asset = Asset(id=uuid.uuid4(), width=1, height=1)
    Provenance(
        asset=asset,
        model=model,
        prompt="private",
        generated_at=datetime.now(UTC),
        c2pa_state=c2pa.ABSENT,
    )
    return asset


def build_set(data: bytes, sign: bool) -> tuple[float, int, int, float]:
    """One full set: (seconds, variants, bytes, seconds spent signing)."""
    started = time.perf_counter()
    marker = c2pa.Marker(fake_asset(), data) if sign else None
    count = size = 0
    signing = 0.0
    outputs = settings.DERIVATIVE_FORMATS
    # The production build loop (aiassets.renditions.build.render runs the same).
    for r in imaging.render_set(data, imaging.Limits(), settings.DERIVATIVE_WIDTHS, outputs):
        blob = r.data
        if marker is not None:
            t = time.perf_counter()
            blob, state, _ = marker.apply(blob, r.format, r.width, r.height)
            signing += time.perf_counter() - t
            assert state == c2pa.SIGNED
        count += 1
        size += len(blob)
    return time.perf_counter() - started, count, size, signing


def use_dev_signer() -> None:
    """Sign with a fresh development chain in a temp dir, signing required."""
    workdir = tempfile.mkdtemp(prefix="c2pa-bench-")
    chain = c2pa.make_dev_chain(f"{workdir}/dev")
    settings.C2PA_SIGNING = True
    settings.C2PA_REQUIRED = True
    settings.C2PA_SIGNER_KEY, settings.C2PA_SIGNER_CHAIN = str(chain.key), str(chain.chain)


def measure_image(name: str, data: bytes, rounds: int) -> dict:
    """Build one image plain and signed, alternating the order round by round: its row."""
    plain, signed, signing = [], [], []
    for r in range(rounds):
        order = (False, True) if r % 2 == 0 else (True, False)
        for sign in order:
            seconds, count, size, spent = build_set(data, sign)
            (signed if sign else plain).append((seconds, size))
            if sign:
                signing.append(spent / count)
    row = {
        "image": name,
        "variants": count,
        "plain_s": min(s for s, _ in plain),
        "signed_s": min(s for s, _ in signed),
        "sign_ms_per_variant": 1000 * statistics.median(signing),
        "manifest_bytes_per_variant": (signed[0][1] - plain[0][1]) / count,
    }
    row["overhead"] = row["signed_s"] / row["plain_s"] - 1
    row["signing_share"] = row["sign_ms_per_variant"] * count / 1000 / row["plain_s"]
    return row


def print_row(row: dict) -> None:
    print(
        f"{row['image']:22} {row['variants']:3d} variants  plain {row['plain_s']:6.2f} s  "
        f"signed {row['signed_s']:6.2f} s  overhead {row['overhead']:+6.1%}  "
        f"signing {row['signing_share']:5.1%}  "
        f"{row['sign_ms_per_variant']:.1f} ms/signature  "
        f"+{row['manifest_bytes_per_variant'] / 1024:.1f} kB/variant"
    )


def summarize(rows: list[dict], rounds: int) -> dict:
    plain_total = sum(r["plain_s"] for r in rows)
    signed_total = sum(r["signed_s"] for r in rows)
    # Signing time measured inside the signed builds: the cost itself, free of encoder jitter.
    signing_total = sum(r["sign_ms_per_variant"] * r["variants"] / 1000 for r in rows)
    return {
        "images": len(rows),
        "rounds": rounds,
        "widths": settings.DERIVATIVE_WIDTHS,
        "formats": settings.DERIVATIVE_FORMATS,
        "plain_total_s": plain_total,
        "signed_total_s": signed_total,
        "overhead_total": signed_total / plain_total - 1,
        "overhead_median": statistics.median(r["overhead"] for r in rows),
        "signing_share": signing_total / plain_total,
        "target": TARGET,
    }


def print_summary(summary: dict) -> None:
    print()
    print(
        f"full sets: plain {summary['plain_total_s']:.2f} s, "
        f"signed {summary['signed_total_s']:.2f} s"
    )
    print(
        f"overhead: {summary['overhead_total']:+.1%} of the totals, "
        f"{summary['overhead_median']:+.1%} median per image; "
        f"signing itself {summary['signing_share']:.1%} of the plain build time "
        f"(target ≤ {TARGET:.0%}): "
        + ("PASS" if max(summary["signing_share"], summary["overhead_total"]) <= TARGET else "FAIL")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    use_dev_signer()
    images = benchlib.corpus(args.images)
    build_set(images[0][1], True)  # warm-up: imports, native library, first signer
    rows = []
    for name, data in images:
        rows.append(measure_image(name, data, args.rounds))
        print_row(rows[-1])
    summary = summarize(rows, args.rounds)
    print_summary(summary)
    benchlib.RESULTS_DIR.mkdir(exist_ok=True)
    out = benchlib.RESULTS_DIR / "c2pa_cost.json"
    out.write_text(json.dumps({"summary": summary, "images": rows}, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

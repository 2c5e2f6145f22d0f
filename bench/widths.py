"""Byte waste of the width ladder, measured in Chromium on our own gallery.

    .venv/bin/python bench/widths.py                      # DERIVATIVE_WIDTHS as configured
    .venv/bin/python bench/widths.py --ladder 320,480,640,768,1024,1280,1600,1920,2560
    .venv/bin/python bench/widths.py --compare-old        # also the previous default ladder

For each ladder, on a throwaway SQLite database and media root: four synthetic 2048² sources
(photo and flat) are ingested through ``aiassets.ingest``, built by the production
``renditions.build()`` and made public; ``manage.py runserver`` serves the gallery with its
CSS, and Chromium (Playwright, /usr/bin/chromium) opens it at 390, 768, 1280 and 1920 px
viewports at DPR 1 and 2. Per picture the browser reports the file it chose (``currentSrc``)
and the width it is laid out at; the picture needs ``layout width × DPR`` pixels. Against it,
the same asset's file at exactly that width is built through the on-demand path
(``renditions.build_one``, the same encoder settings and C2PA). Waste is the chosen files'
extra bytes over the exact-size files, summed per viewport and DPR, as a share of the
exact-size bytes. A file narrower than needed (Chromium may pick one at DPR > 1) counts as 0
waste and is reported as "short". Writes bench/results/widths.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VIEWPORTS = (390, 768, 1280, 1920)
DPRS = (1, 2)
SIDE = 2048
OLD_LADDER = "320,480,640,768,1024,1280,1600,1920,2560"  # the default before issue 17
PORT = int(os.environ.get("BENCH_PORT", "18510"))

sys.path.insert(0, str(BENCH))
import build_cost  # noqa: E402 - the same throwaway database and real ingest


def prepare(tmp: Path, ladder: str) -> dict[str, str]:
    """Ingest, build and publish the sources under ``ladder``; the environment of the run."""
    env = build_cost.environment(tmp)
    if ladder:
        env["DERIVATIVE_WIDTHS"] = ladder
    build_cost.setup(env, migrate=True)
    from aiassets import renditions, synth
    from aiassets.models import Asset

    for i in range(4):
        style = ("photo", "flat")[i % 2]
        data = synth.encode(synth.artwork(SIDE, SIDE, 700 + i, style), "PNG")
        renditions.build(build_cost.ingest(data, i))
    # Published as the moderation workflow would leave them (its jobs are held back here).
    Asset.objects.update(moderation_status="approved", published=True)
    return env


def serve(env: dict[str, str]) -> subprocess.Popen:
    """``manage.py runserver`` on PORT, static files included (the gallery's CSS lays it out)."""
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{PORT}"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"the server did not answer on port {PORT}")


PICTURES = """() => [...document.querySelectorAll('.grid picture img')].map(img => ({
    src: img.currentSrc, width: img.getBoundingClientRect().width, done: img.complete}))"""


def observe() -> list[dict]:
    """What Chromium chose for every gallery picture, per viewport and DPR."""
    from playwright.sync_api import sync_playwright

    seen = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        for viewport in VIEWPORTS:
            for dpr in DPRS:
                context = browser.new_context(
                    viewport={"width": viewport, "height": 1000}, device_scale_factor=dpr
                )
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{PORT}/", wait_until="load")
                for picture in page.evaluate(PICTURES):
                    if picture["done"] and picture["src"]:
                        seen.append({**picture, "viewport": viewport, "dpr": dpr})
                context.close()
        browser.close()
    return seen


def score(seen: list[dict]) -> dict:
    """Per viewport and DPR: chosen bytes, exact-size bytes, waste; and per DPR overall."""
    cells: dict[tuple[int, int], dict] = {}
    for picture in seen:
        chosen, exact, need = _pair(picture)
        cell = cells.setdefault(
            (picture["viewport"], picture["dpr"]),
            {"chosen": 0, "exact": 0, "extra": 0, "short": 0, "pictures": 0, "pairs": []},
        )
        cell["chosen"] += chosen.bytes
        cell["exact"] += exact.bytes
        cell["extra"] += max(0, chosen.bytes - exact.bytes)
        cell["short"] += chosen.width < need
        cell["pictures"] += 1
        cell["pairs"].append([need, chosen.width, chosen.format, chosen.bytes, exact.bytes])
    for cell in cells.values():
        cell["waste"] = cell["extra"] / cell["exact"]
    per_dpr = {}
    for dpr in DPRS:
        mine = [c for (_, d), c in cells.items() if d == dpr]
        per_dpr[dpr] = {
            "waste": sum(c["extra"] for c in mine) / sum(c["exact"] for c in mine),
            "mean_of_viewports": sum(c["waste"] for c in mine) / len(mine),
        }
    return {"cells": {f"{v}@{d}x": c for (v, d), c in sorted(cells.items())}, "dpr": per_dpr}


def _pair(picture: dict) -> tuple:
    """The variant Chromium fetched, and the same asset's file at exactly the needed width."""
    from aiassets import renditions
    from aiassets.imaging import crops
    from aiassets.models import Variant

    path = picture["src"].split("?")[0].rstrip("/").split("/")
    asset_id, width, fmt = path[-4], int(path[-1].split("w")[0]), path[-1].rsplit(".", 1)[1]
    recipe = path[-1].split("-", 1)[1].rsplit(".", 1)[0]
    fmt = {"jpg": "jpeg"}.get(fmt, fmt)
    chosen = Variant.objects.select_related("asset").get(
        asset_id=asset_id, width=width, format=fmt, recipe=recipe
    )
    need = min(round(picture["width"] * picture["dpr"]), chosen.asset.width)
    ratio = crops.parse_ratio(chosen.ratio) if chosen.ratio else None
    exact = renditions.build_one(chosen.asset, need, fmt, ratio)
    return chosen, exact, need


def run(ladder: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-widths-") as tmp:
        env = prepare(Path(tmp), ladder)
        server = serve(env)
        try:
            seen = observe()
        finally:
            server.terminate()
            server.wait(timeout=30)
        from django.conf import settings

        return {"ladder": list(settings.DERIVATIVE_WIDTHS), **score(seen)}


def report(name: str, result: dict) -> None:
    print(f"\n{name}: {result['ladder']}")
    print(f"{'viewport':>9} {'DPR':>4} {'pics':>5} {'needed px -> chosen':<34} {'waste':>7}")
    for key, cell in result["cells"].items():
        viewport, dpr = key.split("@")
        pairs = sorted({(n, w) for n, w, *_ in cell["pairs"]})
        text = ", ".join(f"{n}->{w}" for n, w in pairs)
        short = f" ({cell['short']} short)" if cell["short"] else ""
        waste = f"{cell['waste']:7.1%}{short}"
        print(f"{viewport:>9} {dpr:>4} {cell['pictures']:5d} {text:<34} {waste}")
    for dpr, totals in result["dpr"].items():
        print(
            f"  DPR {dpr}: {totals['waste']:.1%} of the exact-size bytes wasted "
            f"(mean over the four viewports {totals['mean_of_viewports']:.1%})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ladder", default="", help="DERIVATIVE_WIDTHS to measure (default: config)")
    ap.add_argument("--compare-old", action="store_true", help=f"also measure {OLD_LADDER}")
    args = ap.parse_args()
    if args.compare_old:  # one process per ladder: Django is set up once per process
        subprocess.run([sys.executable, __file__, "--ladder", OLD_LADDER], check=True)
    result = run(args.ladder)
    report("ladder" if not args.ladder else "ladder (--ladder)", result)
    path = BENCH / "results" / ("widths.json" if not args.ladder else "widths_ladder.json")
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Machine description, summary, printed tables and JSON payload for bench/derivatives.py."""

from __future__ import annotations

import os
import statistics
import subprocess

import benchlib

SIDES = ("ours", "peer")


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def lscpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def threads(settings, peer) -> dict:
    ours_avif = settings.DERIVATIVE_FORMATS.get("avif", {}).get("max_threads")
    if ours_avif is None:
        from aiassets.imaging.encode import _ENCODER_DEFAULTS

        ours_avif = _ENCODER_DEFAULTS["avif"]["max_threads"]
    return {
        "libavif ours (max_threads)": ours_avif,
        "libavif django-pictures (Pillow default max_threads)": peer.avif_threads(),
        "libwebp (Pillow sets no thread_level)": 1,
        "libjpeg-turbo": 1,
        "Pillow resize": 1,
        "onnxruntime (NudeNet, moderation only)": "its default (intra-op = physical cores)",
    }


def machine(settings, peer) -> dict:
    env = benchlib.environment()
    env.update(
        cpu_model=lscpu_model(),
        cores_usable=len(os.sched_getaffinity(0)),
        load_before=loadavg(),
        django_pictures=peer.VERSION,
        threads=threads(settings, peer),
        widths=list(settings.DERIVATIVE_WIDTHS),
        formats_shipped={f: dict(o) for f, o in settings.DERIVATIVE_FORMATS.items()},
        database=settings.DATABASES["default"]["ENGINE"],
    )
    return env


def print_machine(m: dict) -> None:
    print(f"machine: {m['cpu_model']}, {m['cores_usable']} usable cores, load {m['load_before']}")
    print(
        f"python {m['python']}  django {m.get('django')}  pillow {m['pillow']}  "
        f"libavif {m.get('libavif')}  libwebp {m.get('libwebp')}  libjpeg {m.get('libjpeg')}  "
        f"django-pictures {m['django_pictures']}  db {m['database']}"
    )
    print("threads: " + "; ".join(f"{k} = {v}" for k, v in m["threads"].items()))
    print(f"widths {m['widths']}  ours as shipped {m['formats_shipped']}", flush=True)


def brief(res: dict) -> str:
    return "  ".join(f"{k} cpu {v['cpu_s']:.2f}s wall {v['wall_s']:.2f}s" for k, v in res.items())


def _bytes(side: dict, fmt: str | None = None) -> int:
    return sum(len(d) for _, f, d in side["files"] if fmt is None or f == fmt)


def _phase(items: list[dict], phase: str) -> dict:
    out = {}
    for side in SIDES:
        rows = [it[phase][side] for it in items]
        entry = {
            "cpu_s": sum(r["cpu_s"] for r in rows),
            "wall_s": sum(r["wall_s"] for r in rows),
            "bytes": sum(_bytes(r) for r in rows),
            "bytes_per_format": {
                f: sum(_bytes(r, f) for r in rows) for f in ("avif", "webp", "jpeg")
            },
        }
        rend = [x for r in rows for x in r.get("renditions", [])]
        if rend:
            entry["ssimulacra2"] = statistics.fmean(x["ssimulacra2"] for x in rend)
            entry["ssimulacra2_per_format"] = {
                f: statistics.fmean(x["ssimulacra2"] for x in rend if x["format"] == f)
                for f in sorted({x["format"] for x in rend})
            }
        out[side] = entry
    o, p = out["ours"], out["peer"]
    out["ratios"] = {
        "cpu": o["cpu_s"] / p["cpu_s"],
        "wall": o["wall_s"] / p["wall_s"],
        "bytes_files": o["bytes"] / p["bytes"],
    }
    if "ssimulacra2" in o and "ssimulacra2" in p:
        out["ratios"]["ssimulacra2_diff"] = o["ssimulacra2"] - p["ssimulacra2"]
    return out


def summarize(items: list[dict], matched: dict, ratios: dict, targets: dict) -> dict:
    build = sum(it["shipped"]["ours"]["cpu_s"] for it in items)
    floor = sum(it["shipped"]["floor"]["cpu_s"] for it in items)
    large = next(it for it in items if it["name"].startswith("large"))
    worker = large["shipped"]["moderation"]["cpu_s"] + large["shipped"]["ours"]["cpu_s"]
    worker_wall = large["shipped"]["moderation"]["wall_s"] + large["shipped"]["ours"]["wall_s"]
    return {
        "shipped": _phase(items, "shipped"),
        "equal": _phase(items, "equal"),
        "matched_formats": matched,
        "matched_payload_ratio": ratios,
        "build_vs_floor_cpu": build / floor,
        "floor_cpu_s": floor,
        "build_cpu_s": build,
        "large": {
            "moderation_cpu_s": large["shipped"]["moderation"]["cpu_s"],
            "build_cpu_s": large["shipped"]["ours"]["cpu_s"],
            "images_per_hour_cpu": 3600 / worker,
            "images_per_hour_wall": 3600 / worker_wall,
        },
        "resize_only_ssimulacra2": {
            side: statistics.fmean(it["resize_only"][side] for it in items) for side in SIDES
        },
        "targets": targets,
    }


def print_sources(items: list[dict]) -> None:
    print("\nequal bytes, per source (ours = build() with C2PA, storage, DB; theirs = processor)")
    print(f"{'source':<18} {'side':<5} {'cpu s':>6} {'wall s':>6} {'KB':>7} {'S2':>6} {'n':>3}")
    for it in items:
        for side in SIDES:
            r = it["equal"][side]
            print(
                f"{it['name']:<18} {side:<5} {r['cpu_s']:6.2f} {r['wall_s']:6.2f} "
                f"{benchlib.kb(_bytes(r)):>7} {r.get('ssimulacra2', float('nan')):6.2f} "
                f"{len(r['files']):3d}"
            )


def _verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "met" if ok else "NOT met"


def print_all(items: list[dict], s: dict, targets: dict) -> None:
    print_sources(items)
    eq, sh = s["equal"], s["shipped"]
    print("\nSIDE BY SIDE (one run)")
    print(f"{'figure':<58} {'measured':>10} {'target':>8}")
    rows = [
        ("CPU vs django-pictures, equal bytes", eq["ratios"]["cpu"], targets["cpu_vs_peer"]),
        ("wall vs django-pictures, equal bytes", eq["ratios"]["wall"], None),
        ("file bytes vs django-pictures (ours incl. C2PA)", eq["ratios"]["bytes_files"], None),
        ("SSIMULACRA2 ours - theirs, equal bytes", eq["ratios"].get("ssimulacra2_diff"), None),
        ("CPU vs django-pictures, both as shipped", sh["ratios"]["cpu"], None),
        ("file bytes vs django-pictures, both as shipped", sh["ratios"]["bytes_files"], None),
        (
            "production build vs cheapest encoders (CPU)",
            s["build_vs_floor_cpu"],
            targets["build_vs_floor"],
        ),
    ]
    for label, value, target in rows:
        verdict = "" if target is None else f"{target:>8.2f} {_verdict(value, target)}"
        shown = "n/a" if value is None else f"{value:10.3f}"
        print(f"{label:<58} {shown:>10} {verdict}")
    lg = s["large"]
    print(
        f"{'2048² images/hour/worker (moderation + build + C2PA, CPU)':<58} "
        f"{lg['images_per_hour_cpu']:10,.0f} {targets['images_per_hour']:>8,} "
        f"{_verdict(lg['images_per_hour_cpu'], targets['images_per_hour'], False)}"
    )
    print(
        f"  (moderation {lg['moderation_cpu_s']:.2f} s + build {lg['build_cpu_s']:.2f} s CPU; "
        f"by wall on this loaded machine {lg['images_per_hour_wall']:,.0f}/h)"
    )
    ro = s["resize_only_ssimulacra2"]
    print(
        f"resizes alone, before encoding: SSIMULACRA2 ours {ro['ours']:.2f}, "
        f"theirs {ro['peer']:.2f}"
    )
    print(f"matched ours {s['matched_formats']}  payload ratio {s['matched_payload_ratio']}")
    for side in SIDES:
        pf = eq[side].get("ssimulacra2_per_format", {})
        kb = {f: benchlib.kb(b) for f, b in eq[side]["bytes_per_format"].items()}
        print(
            f"  {side}: KB per format {kb}  S2 per format "
            + ", ".join(f"{f} {v:.2f}" for f, v in pf.items())
        )


def payload(machine: dict, items: list[dict], summary: dict) -> dict:
    def strip(res: dict) -> dict:
        return {k: v for k, v in res.items() if k != "files"} | {
            "outputs": [(w, f, len(d)) for w, f, d in res.get("files", [])]
        }

    per_source = [
        {
            "name": it["name"],
            "pairs": it["pairs"],
            "resize_only_ssimulacra2": it.get("resize_only"),
            **{ph: {k: strip(v) for k, v in it[ph].items()} for ph in ("shipped", "equal")},
        }
        for it in items
    ]
    return {"machine": machine, "summary": summary, "sources": per_source}

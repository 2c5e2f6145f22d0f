"""Derivative pipeline benchmark: ours (aiassets.imaging.render_set) vs django-pictures vs
django-imagekit, on the same synthetic PNG corpus, the same widths and the same formats.

    bench/.venv/bin/python bench/derivatives.py [--quick] [--images N] [--profile]

Per image and pipeline: wall time (perf_counter) and CPU time (process_time) of producing
every rendition, total bytes, and SSIM (luma, gaussian 11/1.5) of each rendition against a
plain Pillow LANCZOS resize of the source to the same size. Writes bench/results/derivatives.json.

How each library is driven (its own code path, not a reimplementation):
- ours:      aiassets.imaging.render_set(png, Limits(), DERIVATIVE_WIDTHS, DERIVATIVE_FORMATS),
             the build loop production runs (aiassets.renditions.build.render adds C2PA signing,
             which bench/c2pa_cost.py measures, and storage)
- pictures:  pictures.tasks._process_picture(...) - what every PICTURES["PROCESSOR"] runs - with
             PillowPicture renditions for the same widths x AVIF/WEBP/JPEG, on a
             FileSystemStorage in /dev/shm (it reads the source from and writes to a storage).
             It has no per-format encoder options: Pillow's defaults apply (AVIF q75 speed 6
             on all cores, WebP q80 m4, JPEG q75 baseline).
- imagekit:  ImageSpec(processors=[ResizeToFit(w, upscale=False)], format, options).generate()
             per rendition, with our encoder options, so it differs from ours only in the
             pipeline (a decode and a full-size LANCZOS resize per rendition).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import benchlib

settings = benchlib.setup_django()
# pictures.tasks registers its task wrappers at import: a django-rq job (needs an RQ queue of
# that name) and a django.tasks task (needs the queue in TASKS). Point both at "default",
# which exists in both, so the import works with the project's settings unchanged on disk.
settings.PICTURES = {"QUEUE_NAME": "default", "USE_PLACEHOLDERS": False}

from django.core.files.base import ContentFile, File  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from imagekit import ImageSpec  # noqa: E402
from imagekit.processors import ResizeToFit  # noqa: E402
from pictures.models import PillowPicture  # noqa: E402

# Every PICTURES["PROCESSOR"] (django.tasks, rq, celery, dramatiq) runs this function in the
# worker; calling it directly times the rendition work without a queue.
from pictures.tasks import _process_picture as process_picture  # noqa: E402

from aiassets import imaging  # noqa: E402

PIPELINES = ("ours", "pictures", "imagekit")
FORMATS = ("avif", "webp", "jpeg")
PIL_NAME = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}
FROM_PIL = {v: k for k, v in PIL_NAME.items()}
TARGETS = {"time_ratio_max": 0.5, "bytes_ratio_max": 1.0, "ssim_drop_max": 0.005}


# --------------------------------------------------------------------------------------------
# The three pipelines. Each returns [(width, height, fmt, data)].
# --------------------------------------------------------------------------------------------


def run_ours(name, png, widths, formats):
    return [
        (r.width, r.height, r.format, r.data)
        for r in imaging.render_set(png, imaging.Limits(), widths, formats)
    ]


class Pictures:
    """django-pictures' processor on a real FileSystemStorage (tmpfs), as a model save does."""

    def __init__(self, root: Path):
        self.storage = FileSystemStorage(location=str(root))
        self.file_types: list[str] = []

    def upload(self, name, png):
        """What the model's ImageField save does before processing: not timed."""
        file_name = f"src/{name}.png"
        self.storage.delete(file_name)
        return self.storage.save(file_name, ContentFile(png))

    def pictures(self, file_name, widths, file_types):
        return [
            PillowPicture(file_name, ft, None, self.storage, w) for w in widths for ft in file_types
        ]

    def process(self, file_name, pictures):
        process_picture(
            storage=self.storage.deconstruct(),
            file_name=file_name,
            sender=None,
            new=[p.deconstruct() for p in pictures],
            old=[],
        )

    def collect(self, pictures):
        out = []
        for p in pictures:
            with self.storage.open(p.name, "rb") as fh:
                data = fh.read()
            out.append((p.width, None, FROM_PIL[p.file_type], data))
        return out


def imagekit_options(fmt, opts):
    """Our encoder options (see imaging.encode) as Pillow save() kwargs, minus XMP."""
    if fmt == "jpeg":
        return {
            "quality": opts.get("quality", 82),
            "optimize": True,
            "progressive": opts.get("progressive", True),
            "subsampling": opts.get("subsampling", 2),
        }
    if fmt == "webp":
        return {"quality": opts.get("quality", 88), "method": opts.get("method", 4)}
    return {
        "quality": opts.get("quality", 70),
        "speed": opts.get("speed", 8),
        "max_threads": opts.get("max_threads", 1),
    }


def run_imagekit(name, png, widths, formats):
    source = File(io.BytesIO(png), name=f"{name}.png")
    out = []
    for w in sorted(widths, reverse=True):
        for fmt, opts in formats.items():
            spec_cls = type(
                "BenchSpec",
                (ImageSpec,),
                {
                    "processors": [ResizeToFit(w, None, upscale=False)],
                    "format": PIL_NAME[fmt],
                    "options": imagekit_options(fmt, opts),
                },
            )
            result = spec_cls(source=source).generate()
            result.seek(0)
            out.append((w, None, fmt, result.read()))
    return out


# --------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------


def timed(fn, *args):
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0, time.process_time() - c0


def probe_pictures(pics: Pictures) -> dict[str, str]:
    """Which formats django-pictures can write here: {file_type: error} for the failures."""
    from aiassets import synth

    png = synth.encode(synth.artwork(64, 64, 1, "flat"), "PNG")
    file_name = pics.upload("probe", png)
    failures = {}
    for ft in ("AVIF", "WEBP", "JPEG"):
        try:
            p = pics.pictures(file_name, [32], [ft])
            pics.process(file_name, p)
            pics.collect(p)
        except Exception as exc:  # noqa: BLE001
            failures[ft] = f"{type(exc).__name__}: {exc}"
    return failures


def probe_imagekit(formats) -> dict[str, str]:
    from aiassets import synth

    png = synth.encode(synth.artwork(64, 64, 1, "flat"), "PNG")
    failures = {}
    for fmt, opts in formats.items():
        try:
            run_imagekit("probe", png, [32], {fmt: opts})
        except Exception as exc:  # noqa: BLE001
            failures[PIL_NAME[fmt]] = f"{type(exc).__name__}: {exc}"
    return failures


def score(refs: benchlib.References, outputs):
    rows = []
    for width, _h, fmt, data in outputs:
        s, size = refs.score(data)
        rows.append(
            {"width": width, "height": size[1], "format": fmt, "bytes": len(data), "ssim": s}
        )
    return rows


def bench_image(i, name, png, widths, formats, pics: Pictures, pic_types, kit_formats):
    w0 = imaging.open_image(png, imaging.Limits())[1].width
    planned = imaging.plan_widths(w0, widths)
    refs = benchlib.References(png)
    order = PIPELINES[i % 3 :] + PIPELINES[: i % 3]  # rotate who goes first
    results = {}
    for pipe in order:
        if pipe == "ours":
            outputs, wall, cpu = timed(run_ours, name, png, widths, formats)
        elif pipe == "imagekit":
            outputs, wall, cpu = timed(run_imagekit, name, png, planned, kit_formats)
        else:
            file_name = pics.upload(name, png)
            plist = pics.pictures(file_name, planned, pic_types)
            _, wall, cpu = timed(pics.process, file_name, plist)
            outputs = pics.collect(plist)
        rows = score(refs, outputs)
        results[pipe] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "bytes": sum(r["bytes"] for r in rows),
            "ssim_mean": statistics.fmean(r["ssim"] for r in rows),
            "ssim_min": min(r["ssim"] for r in rows),
            "outputs": len(rows),
            "renditions": rows,
        }
    return {"image": name, "size": w0, "widths": planned, "order": list(order), "results": results}


def summarize(images, pipes):
    summary = {}
    for pipe in pipes:
        res = [im["results"][pipe] for im in images]
        rend = [r for x in res for r in x["renditions"]]
        per_fmt = {}
        for fmt in FORMATS:
            fr = [r for r in rend if r["format"] == fmt]
            if fr:
                per_fmt[fmt] = {
                    "bytes": sum(r["bytes"] for r in fr),
                    "ssim_mean": statistics.fmean(r["ssim"] for r in fr),
                }
        summary[pipe] = {
            "wall_s_mean": statistics.fmean(x["wall_s"] for x in res),
            "cpu_s_mean": statistics.fmean(x["cpu_s"] for x in res),
            "bytes_total": sum(x["bytes"] for x in res),
            "ssim_mean": statistics.fmean(r["ssim"] for r in rend),
            "ssim_min": min(r["ssim"] for r in rend),
            "outputs": len(rend),
            "per_format": per_fmt,
        }
    ours = summary["ours"]
    for pipe in pipes:
        if pipe == "ours":
            continue
        t = summary[pipe]
        summary[f"ours/{pipe}"] = {
            "time_ratio": ours["wall_s_mean"] / t["wall_s_mean"],
            "cpu_ratio": ours["cpu_s_mean"] / t["cpu_s_mean"],
            "bytes_ratio": ours["bytes_total"] / t["bytes_total"],
            "ssim_diff": ours["ssim_mean"] - t["ssim_mean"],
        }
    return summary


def print_tables(images, summary, pipes):
    print()
    print(
        f"{'image':<22} {'pipeline':<9} {'wall s':>7} {'cpu s':>7} {'KB':>8} "
        f"{'SSIM mean':>9} {'SSIM min':>9} {'files':>5}"
    )
    for im in images:
        for pipe in pipes:
            r = im["results"][pipe]
            print(
                f"{im['image']:<22} {pipe:<9} {r['wall_s']:7.2f} {r['cpu_s']:7.2f} "
                f"{benchlib.kb(r['bytes']):>8} {r['ssim_mean']:9.4f} {r['ssim_min']:9.4f} "
                f"{r['outputs']:5d}"
            )
    print()
    print("SUMMARY (all images)")
    print(
        f"{'pipeline':<9} {'s/image':>8} {'cpu s/img':>9} {'total KB':>9} {'SSIM mean':>9} "
        f"{'SSIM min':>8} | {'AVIF KB':>8} {'WebP KB':>8} {'JPEG KB':>8} | "
        f"{'AVIF ssim':>9} {'WebP ssim':>9} {'JPEG ssim':>9}"
    )
    for pipe in pipes:
        s = summary[pipe]
        pf = s["per_format"]
        kbs = [benchlib.kb(pf[f]["bytes"]) if f in pf else "-" for f in FORMATS]
        ss = [f"{pf[f]['ssim_mean']:.4f}" if f in pf else "-" for f in FORMATS]
        print(
            f"{pipe:<9} {s['wall_s_mean']:8.2f} {s['cpu_s_mean']:9.2f} "
            f"{benchlib.kb(s['bytes_total']):>9} {s['ssim_mean']:9.4f} {s['ssim_min']:8.4f} | "
            f"{kbs[0]:>8} {kbs[1]:>8} {kbs[2]:>8} | {ss[0]:>9} {ss[1]:>9} {ss[2]:>9}"
        )
    print()
    for pipe in pipes:
        if pipe == "ours":
            continue
        r = summary[f"ours/{pipe}"]
        line = (
            f"ours/{pipe:<9} time {r['time_ratio']:.2f}  cpu {r['cpu_ratio']:.2f}  "
            f"bytes {r['bytes_ratio']:.2f}  SSIM diff {r['ssim_diff']:+.4f}"
        )
        if pipe == "pictures":
            ok_t = r["time_ratio"] <= TARGETS["time_ratio_max"]
            ok_b = r["bytes_ratio"] <= TARGETS["bytes_ratio_max"]
            ok_s = r["ssim_diff"] >= -TARGETS["ssim_drop_max"]
            line += (
                f"   targets: time<=0.50 {'PASS' if ok_t else 'MISS'}, "
                f"bytes<=1.00 {'PASS' if ok_b else 'MISS'}, "
                f"SSIM within 0.005 {'PASS' if ok_s else 'MISS'}"
            )
        print(line)


def profile(png, widths, formats, pics, pic_types):
    """cProfile one image through ours and through django-pictures; print the top functions."""
    w0 = imaging.open_image(png, imaging.Limits())[1].width
    planned = imaging.plan_widths(w0, widths)
    for label, fn in (
        ("ours", lambda: run_ours("p", png, widths, formats)),
        (
            "pictures",
            lambda: pics.process(
                pics.upload("prof", png), pics.pictures("src/prof.png", planned, pic_types)
            ),
        ),
    ):
        prof = cProfile.Profile()
        prof.enable()
        fn()
        prof.disable()
        print(f"\n--- cProfile: {label} (top 12 by tottime) ---")
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4 images instead of 12")
    ap.add_argument("--images", type=int, help="number of images (default 12, quick 4)")
    ap.add_argument("--profile", action="store_true", help="also cProfile one 2048 image")
    ap.add_argument("--out", default="derivatives.json", help="file name under bench/results/")
    args = ap.parse_args()
    n = args.images or (4 if args.quick else 12)

    widths = list(settings.DERIVATIVE_WIDTHS)
    formats = dict(settings.DERIVATIVE_FORMATS)
    env = benchlib.environment()
    print(f"env: {env}")
    print(f"widths {widths}  formats {formats}")

    tmp = Path(
        tempfile.mkdtemp(
            prefix="bench-pictures-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
        )
    )
    try:
        pics = Pictures(tmp)
        pic_fail = probe_pictures(pics)
        kit_fail = probe_imagekit(formats)
        pic_types = [PIL_NAME[f] for f in formats if PIL_NAME[f] not in pic_fail]
        kit_formats = {f: o for f, o in formats.items() if PIL_NAME[f] not in kit_fail}
        for lib, fails in (("django-pictures", pic_fail), ("django-imagekit", kit_fail)):
            for ft, err in fails.items():
                print(f"NOTE: {lib} cannot produce {ft} here: {err}")
        if not pic_fail and not kit_fail:
            print("django-pictures and django-imagekit both produce AVIF, WebP and JPEG here.")

        images = benchlib.corpus(n)
        # Warm-up (imports, codec initialisation), not recorded.
        warm = benchlib.corpus(1, sizes=(512,))[0]
        bench_image(0, "warmup", warm[1], widths, formats, pics, pic_types, kit_formats)

        results = []
        t_all = time.perf_counter()
        for i, (name, png) in enumerate(images):
            r = bench_image(i, name, png, widths, formats, pics, pic_types, kit_formats)
            results.append(r)
            brief = "  ".join(f"{p} {r['results'][p]['wall_s']:.2f}s" for p in PIPELINES)
            print(f"[{i + 1}/{n}] {name}: {brief}", flush=True)
        summary = summarize(results, PIPELINES)
        print_tables(results, summary, PIPELINES)
        print(f"\n(benchmark wall time {time.perf_counter() - t_all:.0f} s)")

        if args.profile:
            big = next(png for name, png in images if "2048" in name)
            profile(big, widths, formats, pics, pic_types)

        path = benchlib.write_json(
            args.out,
            {
                "environment": env,
                "widths": widths,
                "formats": formats,
                "targets": TARGETS,
                "unsupported": {"django-pictures": pic_fail, "django-imagekit": kit_fail},
                "summary": summary,
                "images": results,
            },
        )
        print(f"wrote {path.relative_to(benchlib.ROOT)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

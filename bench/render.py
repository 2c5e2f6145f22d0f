"""Page render benchmark: our {% picture %} vs Wagtail's {% picture %} vs django-pictures'
{% picture %}, a page of 100 images each, in one process, interleaved.

    bench/.venv/bin/python bench/render.py [--n 20] [--warmup 3] [--profile] [--out NAME.json]

Settings: bench/render_settings.py (the project's settings plus Wagtail 8.0.1 and
django-pictures 1.8.0, a temp SQLite file and media root, every storage a counting
FileSystemStorage). Setup, not timed: migrations; ours as rows only (100 public assets, each
with the ready Variant rows aiassets.renditions.plan() wants); for the peers, one 2560x1440
synthetic image through their own pipelines (Wagtail's get_renditions, django-pictures'
processor), then 99 copies as rows. No file is read while rendering: the storage counter
shows whether anything tries.

- ours:     Asset.objects.public().with_variants()[:100], {% picture a sizes="25vw" %};
            9 widths x AVIF/WebP/JPEG (DERIVATIVE_WIDTHS/FORMATS) = 27 ready Variant rows each.
- wagtail:  Image.objects.prefetch_renditions(*specs)[:100], {% picture img
            format-{avif,webp,jpeg} width-{<the same 9 widths>} sizes="25vw" … %};
            27 pre-generated Rendition rows each.
- pictures: Photo.objects.all()[:100] (PictureField, render_app/models.py),
            {% picture p.picture img_alt=… xs=3 … %}; its ladder cannot be set width by width:
            container 1600 px, 5 columns, densities 1/1.5/2 give 10 widths, 7 of them ours.

Per page: wall time of fetching the rows (queries, prefetch) plus rendering the template
(perf_counter; median and p95 of N interleaved runs after a warm-up), the split between the
two, queries (CaptureQueriesContext, in a separate instrumented run), storage calls (every
run), URLs and bytes of markup. Writes bench/results/render.json.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
TMP = Path(
    tempfile.mkdtemp(prefix="bench-render-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
)
os.environ["RENDER_BENCH_TMP"] = str(TMP)
os.environ["DJANGO_SETTINGS_MODULE"] = "render_settings"

import benchlib  # noqa: E402

settings = benchlib.setup_django()

from django.core.files.images import ImageFile  # noqa: E402
from django.core.files.storage import FileSystemStorage, storages  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from render_app import storage as counting  # noqa: E402
from render_app.models import CONTAINER_WIDTH, GRID_COLUMNS, Photo  # noqa: E402

N_ASSETS = 100
SOURCE = (2560, 1440)
SIZES = "25vw"
LIBS = ("ours", "wagtail", "pictures")
TARGETS = {"time_ratio_vs_wagtail_max": 1 / 3, "queries_max": 3, "storage_calls_max": 0}


def log(msg: str) -> None:
    print(msg, flush=True)


def timed_setup(label: str, fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    log(f"  {label}: {time.perf_counter() - t0:.1f} s")
    return out


# --------------------------------------------------------------------------------------------
# Setup: one image through each library's pipeline, then 99 copies as rows.
# --------------------------------------------------------------------------------------------


def bench_asset(i: int, im, png: bytes, looks: tuple, now):
    """The i-th asset row as ingest would describe this image (placeholder, phash)."""
    from aiassets import storage
    from aiassets.models import Asset

    lqip, colour, phash = looks
    sha = uuid.uuid4().hex + uuid.uuid4().hex
    a = Asset(
        id=uuid.uuid4(),
        sha256=sha,
        format="PNG",
        mime_type="image/png",
        width=im.width,
        height=im.height,
        bytes=len(png),
        phash=phash,
        placeholder=lqip,
        dominant_color=colour,
        title=f"Bench {i:03d}",
        alt_text="A fox",
        moderation_status="approved",
        published=True,
        created_at=now + timedelta(seconds=i),
    )
    a.original_key = storage.original_key(a.id, sha, "png")
    return a


def ready_variants(a, specs: list[tuple]) -> list:
    from aiassets import storage
    from aiassets.models import Variant

    return [
        Variant(
            asset=a,
            width=w,
            height=h,
            format=fmt,
            recipe=rec,
            key=storage.variant_key(a.id, a.sha256, w, fmt, rec),
            bytes=50_000,
            status=Variant.Status.READY,
        )
        for w, h, fmt, rec in specs
    ]


def setup_ours(im, png: bytes) -> None:
    from django.utils import timezone

    from aiassets import imaging
    from aiassets.models import Asset, GenerativeModel, Provenance, Variant

    # Rows only (rendering never reads a file): the asset row as ingest would describe this
    # image (placeholder, phash) and, per asset, one ready Variant per width that
    # imaging.variant_sizes() plans under DERIVATIVE_WIDTHS, times DERIVATIVE_FORMATS.
    small = imaging.normalize(im, imaging.thumbnail_size(im.width, im.height, 256))
    lqip, colour = imaging.placeholder(small)
    looks = (lqip, colour, imaging.perceptual_hash(small))
    model = GenerativeModel.objects.create(name="Lumen", version="3")
    now = timezone.now()
    sizes = imaging.variant_sizes(im.width, im.height, list(settings.DERIVATIVE_WIDTHS))
    specs = [(w, h, fmt, recipe(fmt, opts)) for w, h in sizes for fmt, opts in FORMATS.items()]
    assets, provs, variants = [], [], []
    for i in range(N_ASSETS):
        a = bench_asset(i, im, png, looks, now)
        assets.append(a)
        provs.append(Provenance(asset=a, model=model, prompt="a fox", generated_at=now))
        variants += ready_variants(a, specs)
    assert len(variants) == N_ASSETS * 27, "expected 9 widths x 3 formats per asset"
    Asset.objects.bulk_create(assets)
    Provenance.objects.bulk_create(provs)
    Variant.objects.bulk_create(variants)


FORMATS = settings.DERIVATIVE_FORMATS


def recipe(fmt: str, options: dict) -> str:
    """An 8-hex-digit recipe like aiassets.renditions.recipe() makes (only its text matters
    here: it is part of every URL). Computed locally so the benchmark does not depend on
    what renditions.recipe() needs (signing credentials, in newer trees)."""
    blob = json.dumps({"v": "1", "f": fmt, "o": options}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


def wagtail_specs() -> list[str]:
    from wagtail.images.models import Filter

    return Filter.expand_spec(["format-{avif,webp,jpeg}", wagtail_width_spec()])


def wagtail_width_spec() -> str:
    return "width-{" + ",".join(str(w) for w in settings.DERIVATIVE_WIDTHS) + "}"


def setup_wagtail(png: bytes) -> None:
    from wagtail.images.models import Image, Rendition

    first = Image(title="Bench 000", file=ImageFile(io.BytesIO(png), name="bench.png"))
    first.save()
    made = first.get_renditions(*wagtail_specs())  # real resizes and encodes, Willow defaults
    assert len(made) == 27
    images = Image.objects.bulk_create(
        Image(
            title=f"Bench {i:03d}",
            file=first.file.name,
            width=first.width,
            height=first.height,
            collection_id=first.collection_id,
            file_size=first.file_size,
            file_hash=first.file_hash,
        )
        for i in range(1, N_ASSETS)
    )
    stem = Path(first.file.name).stem  # rendition files are images/<stem>.<hash>.<spec>.<ext>
    copies = [
        Rendition(
            image=img,
            filter_spec=r.filter_spec,
            focal_point_key=r.focal_point_key,
            file=r.file.name.replace(f"images/{stem}.", f"images/{stem}-{i:03d}.", 1),
            width=r.width,
            height=r.height,
        )
        for i, img in enumerate(images, start=1)
        for r in made.values()
    ]
    names = [c.file.name for c in copies] + [r.file.name for r in made.values()]
    assert len(set(names)) == len(names), "every rendition needs its own file name (URL)"
    Rendition.objects.bulk_create(copies)


def pictures_ladder() -> list[int]:
    from pictures import utils

    return sorted(
        utils.source_set(SOURCE, ratio=None, max_width=CONTAINER_WIDTH, cols=GRID_COLUMNS)
    )


def setup_pictures(png: bytes) -> None:
    # Saving runs django-pictures' default processor (a django.tasks task on the immediate
    # backend): every rendition is resized and written now, so the first row is "processed".
    first = Photo(title="Bench 000", alt="A fox")
    first.picture.save("bench.png", ImageFile(io.BytesIO(png), name="bench.png"))
    missing = [p.name for p in first.picture.get_picture_files_list() if not p.path.exists()]
    assert not missing, f"django-pictures did not write {missing[:3]}"
    name = first.picture.name
    Photo.objects.bulk_create(
        Photo(
            title=f"Bench {i:03d}",
            alt="A fox",
            picture=name.replace(".png", f"-{i:03d}.png"),
            picture_width=first.picture_width,
            picture_height=first.picture_height,
        )
        for i in range(1, N_ASSETS)
    )


# --------------------------------------------------------------------------------------------
# The three pages
# --------------------------------------------------------------------------------------------


def pages() -> dict:
    from wagtail.images.models import Image

    from aiassets.models import Asset

    specs = wagtail_specs()
    return {
        "ours": (
            lambda: Asset.objects.public().with_variants().order_by("created_at")[:N_ASSETS],
            Template(
                "{% load pictures %}{% for a in items %}"
                f'{{% picture a sizes="{SIZES}" %}}'
                "{% endfor %}"
            ),
        ),
        "wagtail": (
            lambda: Image.objects.prefetch_renditions(*specs).order_by("id")[:N_ASSETS],
            Template(
                "{% load wagtailimages_tags %}{% for img in items %}"
                "{% picture img format-{avif,webp,jpeg} "
                + wagtail_width_spec()
                + f' sizes="{SIZES}" loading="lazy" decoding="async" %}}'
                "{% endfor %}"
            ),
        ),
        "pictures": (
            lambda: Photo.objects.order_by("id")[:N_ASSETS],
            # xs=3 (of 12 columns) at every breakpoint is its way of saying "a quarter wide".
            Template(
                "{% load dj_pictures %}{% for p in items %}"
                '{% picture p.picture img_alt=p.alt xs=3 img_loading="lazy" '
                'img_decoding="async" %}'
                "{% endfor %}"
            ),
        ),
    }


def render_page(page) -> tuple[str, float, float]:
    """(html, seconds fetching rows, seconds rendering)."""
    qs, tpl = page
    t0 = time.perf_counter()
    items = list(qs())
    t1 = time.perf_counter()
    html = tpl.render(Context({"items": items}))
    return html, t1 - t0, time.perf_counter() - t1


CANDIDATE = re.compile(r" \d+w(?=[,\"])")


def describe(html: str) -> dict:
    return {
        "pictures": html.count("<picture"),
        "avif_sources": html.count('type="image/avif"'),
        "urls": len(CANDIDATE.findall(html)),
        "bytes": len(html.encode()),
    }


def instrumented(page) -> dict:
    counting.reset()
    with CaptureQueriesContext(connection) as ctx:
        html, _, _ = render_page(page)
    return {
        "queries": len(ctx),
        "sql": [q["sql"][:160] for q in ctx.captured_queries],
        "storage": counting.snapshot(),
        "markup": describe(html),
        "sample": html[: html.index("</picture>") + 10] if "</picture>" in html else html[:2000],
    }


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[18]


def measure(all_pages: dict, n: int, warmup: int) -> dict:
    for _ in range(warmup):
        for lib in LIBS:
            render_page(all_pages[lib])
    runs = {lib: {"total": [], "fetch": [], "render": [], "storage_calls": []} for lib in LIBS}
    for i in range(n):
        order = LIBS[i % 3 :] + LIBS[: i % 3]  # rotate who goes first
        for lib in order:
            gc.collect()
            counting.reset()
            _, fetch, rend = render_page(all_pages[lib])
            r = runs[lib]
            r["total"].append(fetch + rend)
            r["fetch"].append(fetch)
            r["render"].append(rend)
            r["storage_calls"].append(sum(counting.CALLS.values()))
    return runs


def counting_overhead() -> float:
    """Seconds the counting wrapper adds to one storage call: st.url(name) against the same
    FileSystemStorage.url(st, name) without the wrapper (best of 7 interleaved loops)."""
    st = storages["default"]
    name = "images/bench-001.format-avif.width-320.avif"
    k = 50_000
    best = {"direct": float("inf"), "counted": float("inf")}
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(k):
            FileSystemStorage.url(st, name)
        t1 = time.perf_counter()
        for _ in range(k):
            st.url(name)
        t2 = time.perf_counter()
        best["direct"] = min(best["direct"], t1 - t0)
        best["counted"] = min(best["counted"], t2 - t1)
    counting.reset()
    return max(0.0, (best["counted"] - best["direct"]) / k)


# --------------------------------------------------------------------------------------------
# Where our time goes, and what-ifs (sketches patched in memory, never in the files)
# --------------------------------------------------------------------------------------------

# Every Asset field {% picture %} reads (is_public, default_alt, signing.variant_path).
TAG_ASSET_FIELDS = (
    "sha256",
    "width",
    "height",
    "placeholder",
    "title",
    "alt_text",
    "moderation_status",
    "published",
    "delivery_version",
)
TAG_VARIANT_FIELDS = ("asset_id", "width", "height", "format", "recipe")


def median_seconds(fn, n: int) -> float:
    """Median wall time of ``fn()`` over n calls, after one untimed call."""
    fn()
    xs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t0)
    return statistics.median(xs)


def tag_pieces(assets: list, datas: dict) -> dict:
    """{label: fn}: each piece of {% picture %} over the page (datas: picture_data per pk)."""
    from django.template.loader import get_template

    from delivery import pictures as dp
    from delivery import signing
    from delivery.templatetags.pictures import picture

    tpl = get_template("delivery/picture.html")

    def str_ids():
        for a in assets:
            for _v in a.ready_variants:
                str(a.id)

    def paths():
        for a in assets:
            for v in a.ready_variants:
                signing.variant_path(a, v)

    def urls():
        for a in assets:
            for v in a.ready_variants:
                signing.variant_url(a, v)

    def data():
        for a in assets:
            dp.picture_data(a)

    def lookups():
        for _a in assets:
            get_template("delivery/picture.html")

    def template_only():
        for a in assets:
            tpl.render({"p": datas[a.pk], "asset": a, "sizes": SIZES, "alt": a.default_alt()})

    def tag():
        for a in assets:
            picture(a, sizes=SIZES)

    return {
        "str(asset.id), 27 per asset": str_ids,
        "signing.variant_path, 2700": paths,
        "signing.variant_url, 2700": urls,
        "picture_data (urls + srcsets), 100": data,
        "get_template lookup, 100": lookups,
        "picture.html render, 100": template_only,
        "whole tag, 100": tag,
    }


def breakdown_ours(n: int = 10) -> dict:
    """Median seconds per page of the pieces of {% picture %}, on already-fetched rows."""
    from aiassets.models import Asset
    from delivery import pictures as dp

    assets = list(Asset.objects.public().with_variants().order_by("created_at")[:N_ASSETS])
    datas = {a.pk: dp.picture_data(a) for a in assets}
    pieces = tag_pieces(assets, datas)
    return {label: median_seconds(fn, n) for label, fn in pieces.items()}


def lean_queryset():
    """What the tag reads and nothing more: no provenance join, no unused columns."""
    from django.db.models import Prefetch

    from aiassets.models import Asset, Variant

    variants = (
        Variant.objects.filter(status=Variant.Status.READY, on_demand=False)
        .only(*TAG_VARIANT_FIELDS)
        .order_by("width")
    )
    return (
        Asset.objects.public()
        .only(*TAG_ASSET_FIELDS)
        .prefetch_related(Prefetch("variants", queryset=variants, to_attr="ready_variants"))
        .order_by("created_at")[:N_ASSETS]
    )


def prefix_candidates():
    """delivery.pictures.candidates, building a public asset's URL prefix once, not 27 times."""
    from aiassets import formats
    from delivery import pictures as dp
    from delivery import signing

    original = dp.candidates

    def candidates(asset):
        if not asset.is_public:
            return original(asset)
        prefix = (
            f"{signing.public_base()}{signing.URL_PREFIX}/{asset.id}/{asset.sha256[:16]}/"
            f"{asset.delivery_version}/"
        )
        by_format: dict = {}
        for v in dp.ready_variants(asset):
            url = f"{prefix}{v.width}w-{v.recipe}.{formats.OUTPUT[v.format].ext}"
            by_format.setdefault(v.format, {})[v.width] = dp.Candidate(url, v.width, v.height)
        return {fmt: [c[w] for w in sorted(c)] for fmt, c in by_format.items()}

    return candidates


def tuple_rows():
    """The page's rows with each asset's ready variants as plain tuples from one values_list()
    query, instead of 2,700 Variant model instances (2 queries, as with_variants())."""
    from aiassets.models import Asset, Variant

    assets = list(Asset.objects.public().only(*TAG_ASSET_FIELDS).order_by("created_at")[:N_ASSETS])
    by_id = {a.pk: a for a in assets}
    for a in assets:
        a.ready_variants = []
    rows = (
        Variant.objects.filter(asset_id__in=by_id, status=Variant.Status.READY, on_demand=False)
        .order_by("width")
        .values_list("asset_id", *TAG_VARIANT_FIELDS[1:])
    )
    for asset_id, *fields in rows:
        by_id[asset_id].ready_variants.append(VariantRow(*fields))
    return assets


VariantRow = collections.namedtuple("VariantRow", TAG_VARIANT_FIELDS[1:])


@contextlib.contextmanager
def without_imagekit_post_init():
    """imagekit connects a post_init receiver for every model (no sender), which each of the
    page's 2,800 model instances calls; the project has no ImageSpecField for it to serve."""
    from django.db.models.signals import post_init
    from imagekit.specs.sourcegroups import signal_router

    uid = "ik_spec_field_receivers"
    post_init.disconnect(dispatch_uid=uid)
    try:
        yield
    finally:
        post_init.connect(signal_router.post_init_receiver, dispatch_uid=uid)


def whatif_variants(qs_ours) -> dict:
    """{label: (queryset function, patches)}: our page as is and with each sketch."""
    from unittest import mock

    from delivery import pictures as dp

    b = [lambda: mock.patch.object(dp, "candidates", prefix_candidates())]
    e = [without_imagekit_post_init]
    return {
        "ours as is": (qs_ours, []),
        "A lean rows: only(), no provenance join": (lean_queryset, []),
        "B URL prefix once per asset": (qs_ours, b),
        "D variants as values_list() tuples": (tuple_rows, []),
        "E no imagekit post_init receiver": (qs_ours, e),
        "A+B": (lean_queryset, b),
        "B+D": (tuple_rows, b),
        "B+D+E": (tuple_rows, b + e),
    }


def whatif_timings(times: dict, checks: dict) -> dict:
    """Median total, fetch and render ms per variant, and its ratio to Wagtail's page."""
    wag = statistics.median(t[0] for t in times["wagtail"])
    out = {}
    for label, ts in times.items():
        med = statistics.median(t[0] for t in ts)
        out[label] = {
            "median_ms": med * 1e3,
            "fetch_ms": statistics.median(t[1] for t in ts) * 1e3,
            "render_ms": statistics.median(t[2] for t in ts) * 1e3,
            "vs_wagtail": med / wag,
            **checks.get(label, {}),
        }
    return out


def whatifs(all_pages: dict, n: int) -> dict:
    """Our page with each sketch (and the useful ones together), interleaved with Wagtail's.

    Each variant must render byte-identical HTML to ours, in no more queries."""
    qs_ours, tpl_ours = all_pages["ours"]
    variants = whatif_variants(qs_ours)

    def run(qs, patches):
        with contextlib.ExitStack() as stack:
            for patch in patches:
                stack.enter_context(patch())
            return render_page((qs, tpl_ours))

    reference, _, _ = render_page(all_pages["ours"])
    checks = {}
    for label, (qs, patches) in variants.items():
        with CaptureQueriesContext(connection) as ctx:
            html, _, _ = run(qs, patches)
        checks[label] = {"identical_html": html == reference, "queries": len(ctx)}
        assert html == reference, f"what-if {label!r} changed the markup"
    times: dict = {label: [] for label in [*variants, "wagtail"]}
    for i in range(n):
        order = list(times)
        order = order[i % len(order) :] + order[: i % len(order)]
        for label in order:
            gc.collect()
            if label == "wagtail":
                _, f, r = render_page(all_pages["wagtail"])
            else:
                _, f, r = run(*variants[label])
            times[label].append((f + r, f, r))
    return whatif_timings(times, checks)


def profile(all_pages: dict, libs=("ours", "wagtail")) -> dict[str, str]:
    texts = {}
    for lib in libs:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            render_page(all_pages[lib])
        prof.disable()
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats("tottime").print_stats(18)
        if lib == "ours":
            buf.write("\n--- cProfile: ours, project code by cumulative time ---\n")
            st.sort_stats("cumulative").print_stats(
                r"/(delivery|aiassets)/|query\.py.*prefetch", 12
            )
        texts[lib] = buf.getvalue()
    return texts


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def summarize(runs: dict, inst: dict) -> dict:
    s = {}
    for lib in LIBS:
        r = runs[lib]
        s[lib] = {
            "median_ms": statistics.median(r["total"]) * 1e3,
            "p95_ms": p95(r["total"]) * 1e3,
            "min_ms": min(r["total"]) * 1e3,
            "fetch_median_ms": statistics.median(r["fetch"]) * 1e3,
            "render_median_ms": statistics.median(r["render"]) * 1e3,
            "queries": inst[lib]["queries"],
            "storage_calls": max(r["storage_calls"]),
            "storage_calls_by_method": inst[lib]["storage"],
            **{f"markup_{k}": v for k, v in inst[lib]["markup"].items()},
        }
        s[lib]["us_per_url"] = s[lib]["median_ms"] * 1e3 / max(1, s[lib]["markup_urls"])
    ours = s["ours"]
    for peer in ("wagtail", "pictures"):
        s[f"ours/{peer}"] = {
            "time_ratio": ours["median_ms"] / s[peer]["median_ms"],
            "p95_ratio": ours["p95_ms"] / s[peer]["p95_ms"],
            "min_ratio": ours["min_ms"] / s[peer]["min_ms"],
            "render_ratio": ours["render_median_ms"] / s[peer]["render_median_ms"],
            "per_url_ratio": ours["us_per_url"] / s[peer]["us_per_url"],
        }
    s["targets_met"] = {
        "time<=1/3 wagtail": s["ours/wagtail"]["time_ratio"]
        <= TARGETS["time_ratio_vs_wagtail_max"],
        "queries<=3": ours["queries"] <= TARGETS["queries_max"],
        "storage calls == 0": ours["storage_calls"] <= TARGETS["storage_calls_max"],
    }
    return s


def print_report(s: dict, n: int, overhead: float) -> None:
    log("")
    log(f"PAGE OF {N_ASSETS} IMAGES, {n} interleaved runs each (ms per page)")
    log(
        f"{'library':<9} {'median':>7} {'p95':>7} {'min':>6} {'fetch':>6} {'render':>7} "
        f"{'queries':>7} {'storage':>7} {'URLs':>5} {'us/URL':>6} {'KB html':>7}"
    )
    for lib in LIBS:
        r = s[lib]
        log(
            f"{lib:<9} {r['median_ms']:7.1f} {r['p95_ms']:7.1f} {r['min_ms']:6.1f} "
            f"{r['fetch_median_ms']:6.1f} "
            f"{r['render_median_ms']:7.1f} {r['queries']:7d} {r['storage_calls']:7d} "
            f"{r['markup_urls']:5d} {r['us_per_url']:6.2f} {r['markup_bytes'] / 1024:7.0f}"
        )
    log("")
    for lib in LIBS:
        calls = s[lib]["storage_calls_by_method"] or "none"
        log(f"storage calls per page, {lib}: {calls}")
    log(
        f"(the counting wrapper adds {overhead * 1e9:.0f} ns per storage call: "
        + ", ".join(
            f"{lib} {s[lib]['storage_calls'] * overhead * 1e3:.2f} ms/page"
            for lib in LIBS
            if s[lib]["storage_calls"]
        )
        + " of the times above)"
    )
    log("")
    for peer in ("wagtail", "pictures"):
        r = s[f"ours/{peer}"]
        log(
            f"ours/{peer:<9} time {r['time_ratio']:.2f}  p95 {r['p95_ratio']:.2f}  "
            f"min {r['min_ratio']:.2f}  "
            f"render only {r['render_ratio']:.2f}  per URL {r['per_url_ratio']:.2f}"
        )
    t = s["targets_met"]
    log(
        "targets (ours): "
        + ", ".join(f"{k} {'PASS' if ok else 'MISS'}" for k, ok in t.items())
        + f"  [time ratio {s['ours/wagtail']['time_ratio']:.2f}, queries {s['ours']['queries']},"
        f" storage calls {s['ours']['storage_calls']}]"
    )


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="timed renders per library (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed renders per library first")
    ap.add_argument("--profile", action="store_true", help="cProfile even if the target is met")
    ap.add_argument("--out", default="render.json", help="file name under bench/results/")
    return ap.parse_args()


def versions() -> dict:
    import pictures
    import wagtail

    return {
        **benchlib.environment(),
        "wagtail": wagtail.__version__,
        "django-pictures": getattr(pictures, "__version__", "1.8.0"),
    }


def setup_all() -> list[int]:
    """Migrate and make each library's page of rows (not timed); django-pictures' widths."""
    log("setup (not timed):")
    timed_setup("migrate", call_command, "migrate", "--run-syncdb", "--verbosity", "0")
    from aiassets import synth

    im = synth.artwork(*SOURCE, 7, "photo")
    png = synth.encode(im, "PNG")
    timed_setup("ours: 100 assets, 27 ready Variant rows each (rows only)", setup_ours, im, png)
    timed_setup("wagtail: 27 renditions of 1 image, 99 copies", setup_wagtail, png)
    timed_setup("django-pictures: processor on 1 image, 99 copies", setup_pictures, png)
    ladder = pictures_ladder()
    log(f"widths: ours/wagtail {list(settings.DERIVATIVE_WIDTHS)}; django-pictures {ladder}")
    counting.reset()
    return ladder


def instrument_all(all_pages: dict) -> dict:
    inst = {lib: instrumented(all_pages[lib]) for lib in LIBS}
    for lib in LIBS:
        m = inst[lib]["markup"]
        assert m["pictures"] == N_ASSETS and m["avif_sources"] == N_ASSETS, (lib, m)
    return inst


def print_breakdown(breakdown: dict) -> None:
    log("")
    log("where our time goes (median ms per page of 100, rows already fetched):")
    for label, sec in breakdown.items():
        log(f"  {label:<40} {sec * 1e3:7.2f}")


def print_whatifs(what: dict) -> None:
    log("")
    log("what-ifs for our page (sketches patched in memory; same HTML, interleaved):")
    log(f"  {'variant':<42} {'median':>7} {'fetch':>6} {'render':>7} {'/wagtail':>8} {'q':>2}")
    for label, r in what.items():
        log(
            f"  {label:<42} {r['median_ms']:7.1f} {r['fetch_ms']:6.1f} "
            f"{r['render_ms']:7.1f} {r['vs_wagtail']:8.2f} {r.get('queries', ''):>2}"
        )


def print_profiles(profiles: dict) -> None:
    for lib, text in profiles.items():
        log(f"\n--- cProfile: {lib}, 5 pages (top 18 by tottime) ---")
        log(text.strip())


def results(args: argparse.Namespace, env: dict, ladder: list[int], found: dict) -> dict:
    """The JSON written to bench/results/: ``found`` holds what the run measured."""
    return {
        "environment": env,
        "n": args.n,
        "warmup": args.warmup,
        "assets_per_page": N_ASSETS,
        "source": SOURCE,
        "sizes": SIZES,
        "widths": {"ours": list(settings.DERIVATIVE_WIDTHS), "pictures": ladder},
        "targets": TARGETS,
        "summary": found["summary"],
        "counting_overhead_ns_per_call": found["overhead"] * 1e9,
        "breakdown_ours_ms": {k: v * 1e3 for k, v in found["breakdown"].items()},
        "whatifs": found["what"],
        "instrumented": found["inst"],
        "runs_ms": {
            lib: {k: [x * 1e3 if k != "storage_calls" else x for x in v] for k, v in r.items()}
            for lib, r in found["runs"].items()
        },
        "profiles": found["profiles"],
    }


def run_bench(args: argparse.Namespace) -> tuple[list[int], dict]:
    """Set up, measure and print; (django-pictures' widths, what was measured)."""
    ladder = setup_all()
    all_pages = pages()
    found = {"inst": instrument_all(all_pages)}
    found["runs"] = measure(all_pages, args.n, args.warmup)
    found["overhead"] = counting_overhead()
    found["summary"] = summarize(found["runs"], found["inst"])
    print_report(found["summary"], args.n, found["overhead"])
    found["breakdown"] = breakdown_ours()
    print_breakdown(found["breakdown"])
    deeper = args.profile or not found["summary"]["targets_met"]["time<=1/3 wagtail"]
    found["what"] = whatifs(all_pages, args.n) if deeper else {}
    if deeper:
        print_whatifs(found["what"])
    found["profiles"] = profile(all_pages) if deeper else {}
    print_profiles(found["profiles"])
    return ladder, found


def main():
    args = parse_args()
    env = versions()
    log(f"env: {env}")
    log(f"temp dir {TMP} (SQLite file and media)")
    try:
        ladder, found = run_bench(args)
        path = benchlib.write_json(args.out, results(args, env, ladder, found))
        log(f"\nwrote {path.relative_to(benchlib.ROOT)}")
    finally:
        connection.close()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

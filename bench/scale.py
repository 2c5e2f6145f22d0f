"""Every page at scale: bulk-load N assets into PostgreSQL, then time each page server-side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aiassets_scale \\
        .venv/bin/python bench/scale.py                  # 1,000,000 assets (the default)
    ... bench/scale.py --n 20000 --repeat 3              # a quick run (3 rounds)
    ... bench/scale.py --skip-load                       # re-time what is loaded

Loads with INSERT … SELECT generate_series (bench/scale_load.py): 80 % public assets, the
rest over the moderation states, one decision per decided asset, a variant for every planned
width × format (``--variant-fraction`` of the assets, 1.0 by default), then ANALYZE and one
rollup refresh (the healing job's work, timed apart). Each page goes through the Django test
client (middleware, views, templates: server time without a network, no query logging),
warm-up, then ``--repeat`` rounds over every page (7 by default), so that a slow spell of a
shared machine touches every page alike; the median, the query count and the slowest query
are printed, with each round's time for a fixed Python loop (how fast the machine ran) and
EXPLAIN (ANALYZE, BUFFERS) of the slowest queries at the end. Storage per asset comes from
pg_total_relation_size. The database named in DATABASE_URL is emptied first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 50


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("METRICS_TOKEN", "bench-scale-token")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/scale.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def pages(client) -> list[tuple[str, str, dict]]:
    """(label, url, headers) of every page the issue's table lists, plus the API GET."""
    from aiassets.models import Asset, GenerativeModel
    from public import paging

    public = Asset.objects.public().order_by(*paging.NEWEST)
    deep = public.values("created_at", "id")[5000 * 24 - 1 : 5000 * 24].first()
    cursor = paging.cursor(Asset(created_at=deep["created_at"], id=deep["id"])) if deep else ""
    model = GenerativeModel.objects.order_by("pk").first()
    first = client.get(f"/?q=lighthouse&model={model.pk}").context["page"]
    asset = public.first()
    queued = Asset.objects.filter(moderation_status="in_review").order_by("queued_at").first()
    token = {"HTTP_AUTHORIZATION": f"Bearer {os.environ['METRICS_TOKEN']}"}
    api = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}"}
    return [
        ("public gallery, page 1", "/", {}),
        ("gallery, page 5000 (keyset)", f"/?page=5000&after={cursor}", {}),
        ("gallery, page 41 (offset, the deepest)", "/?page=41", {}),
        ("gallery, prompt search (common word)", "/?q=lighthouse", {}),
        ("gallery, prompt search (rare word)", "/?q=velvet", {}),
        ("gallery, search + model + page 2", f"/?{first.next_query}", {}),
        ("asset page", f"/images/{asset.pk}/", {}),
        ("admin asset list", "/admin/aiassets/asset/", {}),
        ("admin asset list, searched", "/admin/aiassets/asset/?q=lighthouse", {}),
        (
            "admin asset list, model-filtered",
            f"/admin/aiassets/asset/?model={model.pk}",
            {},
        ),
        ("review queue: needs review", "/admin/moderation/needsreview/", {}),
        ("review queue: auto-rejected", "/admin/moderation/autorejected/", {}),
        ("review page", f"/admin/moderation/needsreview/{queued.pk}/change/", {}),
        ("ops dashboard", "/admin/ops/dashboard/", {}),
        ("/metrics scrape", "/metrics", token),
        ("API GET /assets/{id}", f"/api/v1/assets/{asset.pk}", api),
    ]


def api_token() -> str:
    from aiassets.models import ApiToken

    ApiToken.objects.filter(name="bench-scale").delete()
    return ApiToken.issue("bench-scale")[1]


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python loop: how fast this (shared) machine runs now."""
    started, total = time.perf_counter(), 0
    for i in range(1_000_000):
        total += i
    return (time.perf_counter() - started) * 1000


def time_pages(client, pages: list[tuple[str, str, dict]], rounds: int) -> tuple[list, list]:
    """Every page warmed up, then timed in ``rounds`` rounds over the whole list, as
    production serves it (no query logging): a slow spell of a shared machine then touches
    every page alike instead of a few. The median per page, then one more run of each with
    its queries captured (count, slowest). Returns (results, calibrations per round)."""
    for _label, url, headers in pages:
        client.get(url, **headers)  # warm-up
    runs: dict[str, list[float]] = {label: [] for label, _url, _headers in pages}
    calibrations = []
    for _ in range(rounds):
        calibrations.append(calibrate())
        for label, url, headers in pages:
            started = time.perf_counter()
            client.get(url, **headers)
            runs[label].append((time.perf_counter() - started) * 1000)
    results = []
    for label, url, headers in pages:
        found = captured(client, url, headers)
        results.append((label, {**found, "ms": statistics.median(runs[label])}))
    return results, calibrations


def captured(client, url: str, headers: dict) -> dict:
    """One run with its queries captured: the status, the query count and the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as found:
        response = client.get(url, **headers)
    queries = found.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
    return {
        "queries": len(queries),
        "status": response.status_code,
        "slowest_ms": float(slowest["time"]) * 1000,
        "slowest_sql": slowest["sql"],
    }


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def storage_per_asset(n: int) -> dict[str, float]:
    from django.db import connection

    tables = ["aiassets_asset", "aiassets_provenance", "aiassets_variant", "moderation_decision"]
    sizes = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT pg_total_relation_size(%s), pg_indexes_size(%s)", [table, table])
            total, indexes = cursor.fetchone()
            sizes[table] = (total / n, indexes / n)
    return sizes


def page_list(client) -> list[tuple[str, str, dict]]:
    """pages(), read with the test environment on (it needs a response's context), which is
    then turned off again: its instrumented template rendering is not what production runs."""
    from django.conf import settings
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    found = pages(client)
    teardown_test_environment()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the client's host
    return found


def client_for_pages():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def timed_reconcile() -> str:
    """reconcile_variants --dry-run over every asset with local (empty) storage: wall time,
    this process's CPU time and the load average around it (the machine may be shared)."""
    import tempfile

    from django.core.management import call_command
    from django.test import override_settings

    variants = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with tempfile.TemporaryDirectory() as root:
        storages = {"variants": {**variants, "OPTIONS": {"location": root}}, "staticfiles": static}
        with override_settings(STORAGES=storages), open(os.devnull, "w") as sink:
            load = os.getloadavg()[0]
            started, cpu = time.perf_counter(), time.process_time()
            call_command("reconcile_variants", "--dry-run", "--no-progress", stdout=sink)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return f"{wall:.1f} s wall, {cpu:.1f} s CPU in this process (load average {load:.1f})"


def timed_rollups() -> dict[str, str]:
    """The healing job's rollup refresh as loaded (folding the load's deltas), once more with
    nothing new, and a full recount (first run or --full) for comparison."""
    from ops import rollups

    timings = {}
    for label, full in (("after the load", False), ("nothing new", False), ("full", True)):
        started = time.perf_counter()
        rollups.refresh(full=full)
        timings[f"rollup refresh ({label})"] = f"{time.perf_counter() - started:.3f} s"
    return timings


def report(n: int, results: list[tuple[str, dict]], sizes, extra: dict) -> str:
    import platform

    lines = [
        f"### N = {n:,} assets ({platform.node()}: {os.cpu_count()} cores, "
        f"{platform.python_version()}, PostgreSQL)",
        "",
        "| page | median ms | queries | slowest query ms | ≤ 50 ms |",
        "|---|---:|---:|---:|---|",
    ]
    for label, r in results:
        ok = "yes" if r["ms"] <= BUDGET_MS and r["status"] == 200 else f"**no** ({r['status']})"
        lines.append(f"| {label} | {r['ms']:.1f} | {r['queries']} | {r['slowest_ms']:.1f} | {ok} |")
    lines += ["", "| table | bytes per asset (all) | of which indexes |", "|---|---:|---:|"]
    for table, (total, indexes) in sizes.items():
        lines.append(f"| {table} | {total:,.0f} | {indexes:,.0f} |")
    lines += ["", *(f"- {k}: {v}" for k, v in extra.items())]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="assets to load")
    parser.add_argument("--variant-fraction", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=7, help="rounds over every page")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--explain", type=int, default=3, help="EXPLAIN the N slowest pages")
    parser.add_argument("--no-reconcile", action="store_true")
    args = parser.parse_args()
    setup()
    import scale_load
    from django.core.management import call_command

    from aiassets.models import Asset

    call_command("migrate", verbosity=0)
    if not args.skip_load:
        scale_load.load(args.n, args.variant_fraction, log=lambda m: print(m, flush=True))
    n = Asset.objects.count()
    extra = timed_rollups()
    extra["load average before the pages"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    client = client_for_pages()
    results, calibrations = time_pages(client, page_list(client), args.repeat)
    for label, r in results:
        print(f"{r['ms']:8.1f} ms {r['queries']:3d} q  {label}", flush=True)
    extra["1M-addition loop per round, ms (machine speed)"] = " ".join(
        f"{ms:.0f}" for ms in calibrations
    )
    if not args.no_reconcile:
        extra["reconcile_variants --dry-run (local, empty storage)"] = timed_reconcile()
    print()
    print(report(n, results, storage_per_asset(n), extra))
    for label, r in sorted(results, key=lambda x: -x[1]["ms"])[: args.explain]:
        print(f"\n--- {label}: slowest query ({r['slowest_ms']:.1f} ms)\n{r['slowest_sql']}\n")
        print(explain(r["slowest_sql"]))


if __name__ == "__main__":
    main()

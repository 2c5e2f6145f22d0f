"""Prometheus metrics that aiassets records as events happen.

In a multi-process deployment (gunicorn workers, RQ work horses) set PROMETHEUS_MULTIPROC_DIR
for every process; the /metrics endpoint then aggregates them (see ops/metrics.py).
"""

from prometheus_client import Counter, Histogram

INGESTS = Counter(
    "aiassets_ingests_total",
    "Ingest attempts by outcome (created, duplicate, or error code).",
    ["outcome"],
)
BUILD_SECONDS = Histogram(
    "aiassets_variant_build_seconds",
    "Time to build one asset's pending variants (decode, resize, encode, store).",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60),
)
LIMIT_HITS = Counter(
    "aiassets_limit_hits_total",
    "Requests or jobs held back by a limit (api_requests, api_bytes, derivatives_deferred, "
    "on_demand_budget, on_demand_concurrency).",
    ["limit"],
)
LIMITER_UNAVAILABLE = Counter(
    "aiassets_limiter_unavailable_total",
    "Rate-limit checks let through because the counter store (the cache: Redis) failed.",
    ["limit"],
)
BUILD_FAILURES = Counter(
    "aiassets_variant_build_failures_total", "Variant builds that failed, by format.", ["format"]
)

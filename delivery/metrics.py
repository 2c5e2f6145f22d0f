"""Prometheus metrics recorded by the delivery edge."""

from prometheus_client import Counter

ORIGIN_RESPONSES = Counter(
    "aiassets_origin_responses_total",
    "Origin responses by status and kind (variant, transform). 304s are cache hits "
    "the origin can see; CDN hits never reach it.",
    ["status", "kind"],
)
PURGE_ATTEMPTS = Counter(
    "aiassets_purge_attempts_total",
    "CDN purge attempts by backend and outcome.",
    ["backend", "outcome"],
)
ON_DEMAND_BUILDS = Counter(
    "aiassets_on_demand_builds_total", "On-demand transform requests by outcome.", ["outcome"]
)

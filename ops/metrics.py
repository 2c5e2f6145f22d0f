"""What /metrics serves: the process metrics recorded as events happen (aiassets/metrics.py,
delivery/metrics.py) plus the values ops/collectors.py reads at scrape time.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers, RQ work horses; it must be set for every
process, and emptied when they all restart), the recorded metrics are aggregated from that
directory with prometheus_client's MultiProcessCollector; otherwise the default registry of
this process is served.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

SCRAPE_ERRORS = Counter(
    "ops_scrape_errors_total",
    "Parts of a /metrics scrape left out because reading them failed (Redis down, database).",
    ["collector"],
)


def recorded_metrics() -> Collector:
    """The metrics recorded as events happen, across processes when multiprocess is on."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return REGISTRY
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=path)
    return registry


class _Scrape:
    """One scrape: the scrape-time collector first, so errors it counts show at once."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(accept: str = "") -> tuple[bytes, str]:
    """(body, content type) for a scrape; OpenMetrics when the scraper asks for it."""
    from .collectors import OpsCollector

    encoder, content_type = choose_encoder(accept)
    return encoder(_Scrape(OpsCollector(), recorded_metrics())), content_type

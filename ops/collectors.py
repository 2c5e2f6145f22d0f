"""Values read at scrape time from the database and Redis (a Prometheus custom collector).

A scrape costs at most six database queries (five once ops.rollups has been refreshed) and
one Redis pipeline per RQ queue, whatever the data: whole-table counts come from the rollup
snapshot (ops/rollups.py), the review queue from an index.
A part that fails (Redis down, a database error) is left out of that scrape and counted in
``ops_scrape_errors_total{collector=...}``; the rest is still served.

The origin cache-hit proxy needs no collector: ``aiassets_origin_responses_total`` is a
counter, so use PromQL, e.g.
``sum(rate(aiassets_origin_responses_total{status="304"}[5m]))
/ sum(rate(aiassets_origin_responses_total{status=~"200|304"}[5m]))``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from aiassets.models import Variant
from delivery.models import PurgeRequest
from moderation.models import Decision

from . import queries, rollups
from .metrics import SCRAPE_ERRORS
from .stats import quantiles

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
MAX_WINDOW_ROWS = 100_000  # quantile samples per scrape at most (the newest)
RQ_STATES = ("queued", "started", "scheduled", "deferred", "failed")


def _quantile_families(name: str, doc: str, values: list[float]) -> list[Metric]:
    family = GaugeMetricFamily(name, doc, labels=["quantile"])
    for q, value in quantiles(values).items():
        family.add_metric([str(q)], value)
    samples = GaugeMetricFamily(
        name.removesuffix("_seconds") + "_samples",
        f"How many values are behind {name} (the last 24 hours).",
        value=len(values),
    )
    return [family, samples]


def decisions(snap: rollups.Snapshot) -> list[Metric]:
    counts = queries.decision_counts(snap)
    family = CounterMetricFamily(
        "aiassets_moderation_decisions",
        "Moderation decisions by verdict and actor kind (user, classifier, system).",
        labels=["verdict", "actor_kind"],
    )
    for verdict in Decision.Verdict.values:
        for kind in Decision.ActorKind.values:
            counts.setdefault((verdict, kind), 0)
    for (verdict, kind), n in sorted(counts.items()):
        family.add_metric([verdict, kind], n)
    return [family]


def review(snap: rollups.Snapshot) -> list[Metric]:
    now = timezone.now()
    length, oldest = queries.review_queue(snap)
    exits = queries.review_exits(now - WINDOW, MAX_WINDOW_ROWS)
    return [
        GaugeMetricFamily(
            "aiassets_review_queue_length", "Assets in human review (escalated ones too).", length
        ),
        GaugeMetricFamily(
            "aiassets_review_queue_oldest_age_seconds",
            "How long the longest-waiting asset in review has waited (0 when none waits).",
            (now - oldest).total_seconds() if oldest else 0.0,
        ),
        *_quantile_families(
            "aiassets_time_in_review_seconds",
            "Time from entering review to a decision, for items decided in the last 24 hours "
            "(quantiles over that window).",
            [(left - entered).total_seconds() for entered, left in exits],
        ),
    ]


def purges(snap: rollups.Snapshot) -> list[Metric]:
    counts = queries.purge_status_counts()
    family = GaugeMetricFamily(
        "aiassets_purge_requests",
        "CDN purge requests by status; failed ones ran out of attempts.",
        labels=["status"],
    )
    for status in PurgeRequest.Status.values:
        family.add_metric([status], counts.get(status, 0))
    latencies = queries.purge_latencies(timezone.now() - WINDOW, MAX_WINDOW_ROWS)
    return [
        family,
        *_quantile_families(
            "aiassets_purge_latency_seconds",
            "Time from purge request to CDN confirmation, for purges done in the last 24 hours "
            "(quantiles over that window).",
            latencies,
        ),
    ]


def variants(snap: rollups.Snapshot) -> list[Metric]:
    counts = queries.variant_status_counts(snap)
    family = GaugeMetricFamily(
        "aiassets_variants",
        "Variant rows by status (from the rollup, as of ops_rollup_age_seconds ago).",
        labels=["status"],
    )
    for status in Variant.Status.values:
        family.add_metric([status], counts.get(status, 0))
    age = GaugeMetricFamily(
        "ops_rollup_age_seconds",
        "Seconds since ops.rollups.refresh() last ran (-1: never; counts are then live).",
        snap.age_seconds if snap.age_seconds is not None else -1.0,
    )
    return [family, age]


def queues(snap: rollups.Snapshot) -> list[Metric]:
    """Jobs per RQ queue and state (queued is the depth). Nothing when jobs run in-process."""
    if settings.JOBS_INLINE:
        return []
    import django_rq
    from rq.registry import (
        DeferredJobRegistry,
        FailedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    family = GaugeMetricFamily(
        "aiassets_queue_jobs",
        'RQ jobs per queue and state; state="queued" is the queue depth.',
        labels=["queue", "state"],
    )
    registries = (StartedJobRegistry, ScheduledJobRegistry, DeferredJobRegistry, FailedJobRegistry)
    for name in settings.JOB_QUEUES:
        queue = django_rq.get_queue(name)
        pipe = queue.connection.pipeline(transaction=False)
        pipe.llen(queue.key)
        for registry in registries:
            pipe.zcard(registry(queue=queue).key)
        for state, n in zip(RQ_STATES, pipe.execute(), strict=True):
            family.add_metric([name, state], n)
    return [family]


COLLECTORS: dict[str, Callable[[rollups.Snapshot], list[Metric]]] = {
    "decisions": decisions,
    "review": review,
    "purges": purges,
    "variants": variants,
    "queues": queues,
}


NEEDS_SNAPSHOT = ("decisions", "variants")


class OpsCollector:
    """Collects every part above; a failing part is skipped and counted."""

    @staticmethod
    def _snapshot() -> rollups.Snapshot | None:
        try:
            return rollups.snapshot()
        except Exception:
            SCRAPE_ERRORS.labels("rollups").inc()
            logger.warning("metrics: rollups failed", exc_info=True, extra={"collector": "rollups"})
            return None

    def collect(self) -> Iterator[Metric]:
        from redis.exceptions import RedisError

        started = time.perf_counter()
        snap = self._snapshot()
        for name, part in COLLECTORS.items():
            if snap is None and name in NEEDS_SNAPSHOT:
                continue
            try:
                families = part(snap)
            except RedisError as exc:
                SCRAPE_ERRORS.labels(name).inc()
                logger.info("metrics: %s skipped, Redis: %s", name, exc, extra={"collector": name})
                continue
            except Exception:
                SCRAPE_ERRORS.labels(name).inc()
                logger.warning("metrics: %s failed", name, exc_info=True, extra={"collector": name})
                continue
            yield from families
        yield GaugeMetricFamily(
            "ops_scrape_duration_seconds",
            "Time the last scrape spent reading the database and Redis.",
            time.perf_counter() - started,
        )

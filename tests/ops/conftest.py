"""Fixtures for ops: a configured /metrics endpoint, a scraper that parses what it serves,
and assets made straight in the database (no image work) for seeding."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from aiassets.models import Asset

TOKEN = "test-metrics-token-" + "x" * 24
_numbers = itertools.count(1)


class Snapshot:
    """One scrape, parsed by prometheus_client's text parser."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self.types: dict[str, str] = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def get(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series is absent (not yet incremented)."""
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, tuple(sorted(labels.items()))) in self.samples

    def names(self) -> set[str]:
        return {name for name, _ in self.samples}


@pytest.fixture
def metrics_token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return TOKEN


@pytest.fixture
def scrape(client, metrics_token) -> Callable[[], Snapshot]:
    def run() -> Snapshot:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
        assert response.status_code == 200, response.content
        return Snapshot(response.content.decode())

    return run


def make_asset(created_at: datetime | None = None, **fields) -> Asset:
    """An asset row without an image behind it: enough for moderation and dashboard counts."""
    sha = hashlib.sha256(f"ops-{next(_numbers)}-{uuid.uuid4()}".encode()).hexdigest()
    return Asset.objects.create(
        sha256=sha,
        original_key=f"originals/test/{sha}.png",
        format="png",
        mime_type="image/png",
        width=64,
        height=48,
        bytes=1000,
        phash="0" * 16,
        created_at=created_at or timezone.now(),
        **fields,
    )


@pytest.fixture(autouse=True)
def fresh_hour_counts():
    """The dashboard caches completed hours' counts (ops.queries._past_and_current); every
    test here seeds its own past, so each starts without another test's counts."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

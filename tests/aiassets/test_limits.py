"""Per-token ingest limits: 429 with Retry-After past them, and recovery after the window."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from prometheus_client import REGISTRY

from aiassets import ratelimit
from aiassets.models import ApiToken, Asset
from tests import images
from tests.conftest import provenance

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    state = {"t": 1_900_000_020.0}
    monkeypatch.setattr(ratelimit, "now", lambda: state["t"])
    return state


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def post(client, token: str, seed: int):
    data = images.png(64, 64, seed=seed)
    return client.post(
        "/api/v1/assets",
        {
            "file": SimpleUploadedFile("a.png", data, content_type="image/png"),
            "provenance": json.dumps(provenance()),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def hits(limit: str) -> float:
    return REGISTRY.get_sample_value("aiassets_limit_hits_total", {"limit": limit}) or 0.0


def test_requests_per_minute_then_recovery(client, settings, clock):
    settings.API_RATE_REQUESTS_PER_MINUTE = 3
    token, raw = ApiToken.issue("burst")
    before = hits("api_requests")
    assert [post(client, raw, i).status_code for i in range(3)] == [201, 201, 201]
    refused = post(client, raw, 3)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Asset.objects.count() == 3, "a refused request stores nothing"
    assert hits("api_requests") == before + 1
    clock["t"] += 60
    assert post(client, raw, 4).status_code == 201


def test_per_token_override_and_other_tokens_unaffected(client, settings, clock):
    settings.API_RATE_REQUESTS_PER_MINUTE = 100
    strict, strict_raw = ApiToken.issue("strict")
    strict.requests_per_minute = 1
    strict.save()
    _, other_raw = ApiToken.issue("other")
    assert post(client, strict_raw, 1).status_code == 201
    assert post(client, strict_raw, 2).status_code == 429
    assert post(client, other_raw, 3).status_code == 201


def test_bytes_per_day_then_recovery_next_day(client, settings, clock):
    token, raw = ApiToken.issue("bulk")
    token.bytes_per_day = 40_000
    token.save()
    codes = [post(client, raw, i).status_code for i in range(6)]
    assert 201 in codes and codes[-1] == 429
    refused = post(client, raw, 10)
    assert refused.json()["error"]["code"] == "quota_exceeded"
    assert int(refused["Retry-After"]) <= 86400
    clock["t"] += 86400
    assert post(client, raw, 11).status_code == 201


def test_zero_means_unlimited(client, settings, clock):
    settings.API_RATE_REQUESTS_PER_MINUTE = 0
    _, raw = ApiToken.issue("free")
    assert all(post(client, raw, i).status_code == 201 for i in range(5))


def test_unauthenticated_requests_are_401_not_counted(client, settings, clock):
    settings.API_RATE_REQUESTS_PER_MINUTE = 1
    assert post(client, "aia_nope", 1).status_code == 401
    assert post(client, "aia_nope", 2).status_code == 401

"""Helpers for the HTTP API tests: tokens with scopes, uploads, and the error-body check."""

from __future__ import annotations

import contextlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiassets.models import ApiToken
from tests import images
from tests.conftest import provenance


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Rate-limit counters live in the (process-wide) cache: start every test at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    with contextlib.suppress(Exception):  # a fault test may have stopped the cache's server
        cache.clear()


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def error_of(response) -> tuple[int, str]:
    """(status, code) of a documented error body; fails on anything else (HTML above all)."""
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    assert body["error"]["code"] and body["error"]["message"]
    return response.status_code, body["error"]["code"]


@pytest.fixture
def token(db):
    """token("name", scopes=[...]) → the raw bearer token."""

    def make(name: str, scopes: list[str] | None = None) -> str:
        return ApiToken.issue(name, scopes=scopes)[1]

    return make


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """upload(raw_token, data=None, **provenance overrides) → the response."""

    def send(raw: str, data: bytes | None = None, **prov):
        body = {
            "file": SimpleUploadedFile("a.png", data or images.png(480, 320), "image/png"),
            "provenance": json.dumps(provenance(**prov)),
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/assets", body, **bearer(raw))

    return send

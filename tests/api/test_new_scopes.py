"""Every endpoint of the headless API names its scope: a token without it gets 403
``insufficient_scope``; without a token, 401."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import bearer, error_of

pytestmark = pytest.mark.django_db

SOME_ID = uuid.uuid4()
ENDPOINTS = [
    ("get", "/api/v1/assets", "read"),
    ("post", "/api/v1/assets/status", "read"),
    ("get", f"/api/v1/assets/{SOME_ID}/picture", "read"),
    ("patch", f"/api/v1/assets/{SOME_ID}", "ingest"),
    ("delete", f"/api/v1/assets/{SOME_ID}", "ingest"),
    ("post", "/api/v1/webhooks", "ingest"),
    ("get", "/api/v1/webhooks", "read"),
    ("delete", "/api/v1/webhooks/1", "ingest"),
]


@pytest.mark.parametrize("method,path,scope", ENDPOINTS)
def test_each_endpoint_needs_its_scope(client, token, method, path, scope):
    lacking = token("lacking", scopes=["read" if scope == "ingest" else "ingest"])

    def send(**headers):
        if method == "get":
            return client.get(path, **headers)
        return client.generic(method.upper(), path, "{}", "application/json", **headers)

    assert error_of(send(**bearer(lacking))) == (403, "insufficient_scope")
    assert error_of(send()) == (401, "unauthorized")

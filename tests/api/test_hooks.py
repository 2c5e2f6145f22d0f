"""/api/v1/webhooks: per-token endpoints; the secret shown once; other tokens get 404."""

from __future__ import annotations

import json

import pytest

from tests import images
from tests.api.conftest import bearer, error_of
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def create(client, raw, body):
    return client.post(
        "/api/v1/webhooks", json.dumps(body), content_type="application/json", **bearer(raw)
    )


def test_register_list_delete(client, token):
    owner, other = token("owner"), token("other")
    response = create(client, owner, {"url": "http://127.0.0.1:9/hook", "events": ["asset.erased"]})
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["secret"].startswith("whsec_")
    assert Endpoint.objects.get(pk=made["id"]).token.name == "owner"
    listed = client.get("/api/v1/webhooks", **bearer(owner)).json()["items"]
    assert [e["id"] for e in listed] == [made["id"]] and "secret" not in listed[0]
    assert client.get("/api/v1/webhooks", **bearer(other)).json()["items"] == []
    gone = client.delete(f"/api/v1/webhooks/{made['id']}", **bearer(other))
    assert error_of(gone) == (404, "not_found")
    assert client.delete(f"/api/v1/webhooks/{made['id']}", **bearer(owner)).status_code == 204
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/x"},
        {"url": "not a url"},
        {"url": "http://127.0.0.1/x", "events": ["nope"]},
        {"url": "http://127.0.0.1/\u0000"},
        {"events": []},
    ],
)
def test_refused_registrations_store_nothing(client, token, body):
    status, _ = error_of(create(client, token("owner"), body))
    assert status in (400, 422)
    assert not Endpoint.objects.exists()


def test_private_hosts_refused_in_production(client, token, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    response = create(client, token("owner"), {"url": "http://127.0.0.1:9/hook"})
    assert error_of(response) == (422, "invalid_metadata")


def test_registering_needs_the_ingest_scope(client, token):
    reader = token("reader", scopes=["read"])
    response = create(client, reader, {"url": "http://127.0.0.1:9/hook"})
    assert error_of(response) == (403, "insufficient_scope")


def test_an_endpoint_registered_here_hears_only_of_its_tokens_uploads(client, token, upload):
    owner, other = token("owner"), token("other")
    made = create(client, owner, {"url": "http://127.0.0.1:10299/hook"}).json()
    mine = upload(owner, images.png(200, 100, seed=1)).json()["id"]
    upload(other, images.png(200, 100, seed=2))
    heard = set(Delivery.objects.filter(endpoint_id=made["id"]).values_list("asset_id", flat=True))
    assert {str(a) for a in heard} == {mine}

"""The takedown endpoint on the one NinjaAPI: in the OpenAPI schema, JSON errors, and no
existence oracle for unpublished ids."""

from __future__ import annotations

import uuid

import pytest

from aiassets.models import Asset
from moderation import workflow
from moderation.models import TakedownRequest
from tests import images
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    return {
        "requester_name": "Ada Artist",
        "requester_email": "ada@example.org",
        "reason": "copyright",
        "details": "This copies my painting.",
        **overrides,
    }


def file_json(client, asset_id) -> object:
    url = f"https://img.example.com/media/v/{asset_id}/abcdef0123456789/1/320w-x.jpg"
    return client.post("/api/v1/takedowns", form(evidence_url=url), content_type="application/json")


@pytest.fixture
def assets(token, upload, django_capture_on_commit_callbacks) -> dict[str, Asset]:
    """A pending, a rejected and a public asset."""
    raw = token("gen")
    made = {}
    for seed, state in enumerate(("pending", "rejected", "public")):
        created = upload(raw, images.png(320, 240, seed=30 + seed)).json()
        made[state] = Asset.objects.get(pk=created["id"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(made["rejected"])
        workflow.approve(made["public"])
    return made


def test_unknown_and_unpublished_ids_answer_identically(client, assets, settings):
    settings.MODERATION_TAKEDOWN_RATE = "100/m"
    answers = [file_json(client, uuid.uuid4())]
    answers += [file_json(client, assets[state].pk) for state in ("pending", "rejected")]
    assert {error_of(a) for a in answers} == {(422, "unknown_asset")}
    assert len({a.content for a in answers}) == 1, "byte-for-byte the same answer"
    assert not TakedownRequest.objects.exists()
    public = file_json(client, assets["public"].pk)
    assert public.status_code == 201 and set(public.json()) == {"id", "status"}
    assert str(assets["public"].pk) not in public.content.decode()


def test_takedowns_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/takedowns"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(post["requestBody"]["content"])
    assert {"201", "413", "415", "422", "429"} <= set(post["responses"])
    assert not post.get("security"), "no token needed"
    assert {"/api/v1/assets", "/api/v1/assets/{asset_id}"} <= set(schema["paths"])


def test_docs_page_still_renders(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and b"openapi.json" in response.content


@pytest.mark.parametrize("body", ["[1, 2]", "{nope", "[" * 100_000 + "]" * 100_000])
def test_bad_json_is_a_json_400(client, body):
    response = client.post("/api/v1/takedowns", body, content_type="application/json")
    assert error_of(response) == (400, "invalid_json")


def test_no_csrf_token_is_needed():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/api/v1/takedowns", form(), content_type="application/json")
    assert error_of(response) == (422, "invalid"), "validated, not refused as CSRF"

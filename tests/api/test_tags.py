"""Tags and collections through the API: PATCH replaces tags (checked), the list filters by
tag and collection within the token's scope, and the output shows both."""

from __future__ import annotations

import json

import pytest
from taggit.models import Tag

from aiassets.models import Asset, Collection
from moderation import workflow
from tests import images
from tests.api.conftest import bearer, error_of

pytestmark = pytest.mark.django_db


def patch(client, raw: str, asset_id: str, body: dict):
    return client.patch(
        f"/api/v1/assets/{asset_id}",
        json.dumps(body),
        content_type="application/json",
        **bearer(raw),
    )


def listing(client, raw: str, **params) -> list[str]:
    response = client.get("/api/v1/assets", params, **bearer(raw))
    assert response.status_code == 200, response.content[:300]
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def owned(token, upload):
    """(owner token, other token, three of the owner's asset ids)."""
    owner, other = token("owner"), token("other")
    made = [upload(owner, images.png(200, 100, seed=s)).json()["id"] for s in (1, 2, 3)]
    return owner, other, made


def test_patch_replaces_the_tags_and_the_output_shows_them(client, owned):
    owner, _, made = owned
    response = patch(client, owner, made[0], {"tags": ["Sea", "kite", "  boat "]})
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["boat", "kite", "Sea"]
    again = patch(client, owner, made[0], {"tags": ["sea", "SKY"]}).json()
    assert again["tags"] == ["Sea", "SKY"], "case-insensitive: the existing tag Sea is reused"
    assert Tag.objects.filter(name__iexact="sea").count() == 1
    assert patch(client, owner, made[0], {"title": "x"}).json()["tags"] == ["Sea", "SKY"]
    assert patch(client, owner, made[0], {"tags": []}).json()["tags"] == []


@pytest.mark.parametrize(
    "tags, status",
    [
        (["ok", "x" * 101], 422),
        (["bad\u0000nul"], 422),
        (["lone \ud800 surrogate"], 422),
        ([""], 422),
        (["   "], 422),
        (["a,b"], 422),
        ([f"t{i}" for i in range(51)], 400),
        ([1, 2], 400),
        (None, 422),
        ("a string", 400),
    ],
)
def test_bad_tags_are_a_json_4xx_and_change_nothing(client, owned, tags, status):
    owner, _, made = owned
    assert patch(client, owner, made[0], {"tags": ["keep"]}).status_code == 200
    got = error_of(patch(client, owner, made[0], {"tags": tags}))
    assert got[0] == status, got
    assert list(Asset.objects.get(pk=made[0]).tags.names()) == ["keep"]


def test_fifty_tags_and_a_hundred_characters_are_accepted(client, owned):
    owner, _, made = owned
    names = [f"tag {i} " + "x" * 90 for i in range(50)]
    response = patch(client, owner, made[0], {"tags": names})
    assert response.status_code == 200, response.content
    assert len(response.json()["tags"]) == 50


def test_only_the_owner_patches_tags(client, owned):
    owner, other, made = owned
    assert error_of(patch(client, other, made[0], {"tags": ["mine"]}))[0] == 404
    assert not Asset.objects.get(pk=made[0]).tags.exists()


def test_list_by_tag_and_collection_within_the_scope(
    client, owned, upload, django_capture_on_commit_callbacks
):
    owner, other, made = owned
    patch(client, owner, made[0], {"tags": ["sea"]})
    patch(client, owner, made[2], {"tags": ["Sea", "sky"]})
    assert listing(client, owner, tag="SEA") == [made[2], made[0]]
    assert listing(client, owner, tag="sky") == [made[2]]
    assert listing(client, owner, tag="nothing") == []
    assert listing(client, other, tag="sea") == [], "another token: private assets stay out"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(Asset.objects.get(pk=made[0]))
    assert listing(client, other, tag="sea") == [made[0]], "control: public ones are found"
    shelf = Collection.objects.create(name="Shelf", slug="shelf")
    shelf.assets.add(made[1], made[0])
    assert listing(client, owner, collection="shelf") == [made[1], made[0]]
    assert listing(client, owner, collection="shelf", tag="sea") == [made[0]]
    assert listing(client, other, collection="shelf") == [made[0]]
    body = client.get(f"/api/v1/assets/{made[0]}", **bearer(other)).json()
    assert body["view"] == "public" and body["tags"] == ["sea"]
    assert body["collections"] == [{"slug": "shelf", "name": "Shelf"}]


def test_list_by_tag_pages_with_the_cursor(client, owned):
    owner, _, made = owned
    for pk in made:
        patch(client, owner, pk, {"tags": ["all"]})
    first = client.get("/api/v1/assets", {"tag": "all", "limit": 2}, **bearer(owner)).json()
    assert [i["id"] for i in first["items"]] == made[::-1][:2]
    rest = client.get(
        "/api/v1/assets",
        {"tag": "all", "limit": 2, "cursor": first["next_cursor"]},
        **bearer(owner),
    ).json()
    assert [i["id"] for i in rest["items"]] == made[:1] and rest["next_cursor"] is None


@pytest.mark.parametrize("param", ["tag", "collection", "model"])
def test_a_nul_in_a_filter_is_a_json_400(client, owned, param):
    owner, _, _ = owned
    response = client.get(f"/api/v1/assets?{param}=a%00b", **bearer(owner))
    assert error_of(response)[0] == 400


def test_openapi_shows_tags_and_collections(client):
    schema = client.get("/api/v1/openapi.json").json()
    parts = schema["components"]["schemas"]
    assert "tags" in parts["AssetOut"]["properties"]
    assert "collections" in parts["AssetOut"]["properties"]
    assert parts["AssetPatch"]["properties"]["tags"]
    params = {p["name"] for p in schema["paths"]["/api/v1/assets"]["get"]["parameters"]}
    assert {"tag", "collection"} <= params

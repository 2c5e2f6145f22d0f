"""PATCH, DELETE, batch status and picture data: owner only where it writes, and another
token always gets the unknown-id answer."""

from __future__ import annotations

import json
import uuid

import pytest

from aiassets.models import Asset, Provenance
from moderation import workflow
from moderation.models import Decision
from tests import images
from tests.api.conftest import bearer, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(token, upload):
    """(owner, other, the owner's pending asset id)."""
    owner, other = token("owner"), token("other")
    response = upload(owner, images.png(480, 320, seed=3), prompt_visibility="private")
    assert response.status_code == 201
    return owner, other, response.json()["id"]


def patch(client, raw, asset_id, body):
    return client.patch(
        f"/api/v1/assets/{asset_id}",
        json.dumps(body),
        content_type="application/json",
        **bearer(raw),
    )


def test_patch_sets_title_and_alt_text(client, pair):
    owner, _, asset_id = pair
    response = patch(client, owner, asset_id, {"title": "Kite", "alt_text": "A red kite"})
    assert response.status_code == 200, response.content
    asset = Asset.objects.get(pk=asset_id)
    assert (asset.title, asset.alt_text) == ("Kite", "A red kite")


def test_patch_prompt_visibility_republishes(client, pair, django_capture_on_commit_callbacks):
    owner, _, asset_id = pair
    before = set(Asset.objects.get(pk=asset_id).variants.values_list("key", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(client, owner, asset_id, {"prompt_visibility": "public"})
    assert response.status_code == 200, response.content
    assert Provenance.objects.get(asset_id=asset_id).prompt_visibility == "public"
    after = set(Asset.objects.get(pk=asset_id).variants.values_list("key", flat=True))
    assert before and after and before != after, "renditions rebuilt under new keys"


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x" * 201},
        {"alt_text": "nul\u0000"},
        {"title": None},
        {"prompt_visibility": "shouting"},
        {"prompt_visibility": None},
    ],
)
def test_patch_refuses_bad_values_and_writes_nothing(client, pair, body):
    owner, _, asset_id = pair
    status, _ = error_of(patch(client, owner, asset_id, body))
    assert status in (400, 422)
    asset = Asset.objects.get(pk=asset_id)
    assert asset.title == "" and asset.alt_text == ""


def test_delete_erases_through_moderation_then_410(
    client, pair, django_capture_on_commit_callbacks
):
    owner, _, asset_id = pair
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/assets/{asset_id}", **bearer(owner))
    assert response.status_code == 202, response.content
    assert response.json()["status_url"].endswith(f"/api/v1/assets/{asset_id}")
    asset = Asset.objects.get(pk=asset_id)
    assert asset.erased_at is not None and "owner" in asset.erasure_reason
    assert Decision.objects.filter(asset_id=asset_id, to_status="taken_down").exists()
    assert error_of(client.get(f"/api/v1/assets/{asset_id}", **bearer(owner)))[0] == 410
    assert error_of(client.delete(f"/api/v1/assets/{asset_id}", **bearer(owner)))[0] == 410


@pytest.mark.parametrize(
    "method,suffix",
    [("patch", ""), ("delete", ""), ("get", "/picture")],
)
def test_another_token_gets_404_like_an_unknown_id(client, pair, method, suffix):
    owner, other, asset_id = pair
    for target in (asset_id, str(uuid.uuid4())):
        url = f"/api/v1/assets/{target}{suffix}"
        if method == "patch":
            response = patch(client, other, target, {"title": "mine now"})
        else:
            response = getattr(client, method)(url, **bearer(other))
        assert error_of(response) == (404, "not_found")
    assert Asset.objects.get(pk=asset_id).erased_at is None
    assert Asset.objects.get(pk=asset_id).title == ""


def test_public_asset_is_still_not_others_to_edit(client, pair, django_capture_on_commit_callbacks):
    owner, other, asset_id = pair
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(Asset.objects.get(pk=asset_id))
    assert error_of(patch(client, other, asset_id, {"title": "x"})) == (404, "not_found")
    response = client.delete(f"/api/v1/assets/{asset_id}", **bearer(other))
    assert error_of(response) == (404, "not_found")


def status_of(client, raw, ids):
    response = client.post(
        "/api/v1/assets/status",
        json.dumps({"ids": ids}),
        content_type="application/json",
        **bearer(raw),
    )
    return response


def test_batch_status_reports_foreign_ids_like_unknown_ones(client, pair):
    owner, other, asset_id = pair
    unknown = str(uuid.uuid4())
    mine = status_of(client, owner, [asset_id, unknown]).json()["items"]
    assert mine[0]["status"] == Asset.objects.get(pk=asset_id).moderation_status
    assert mine[1]["status"] == "not_found"
    theirs = status_of(client, other, [asset_id, unknown]).json()["items"]
    assert {k: v for k, v in theirs[0].items() if k != "id"} == {
        k: v for k, v in theirs[1].items() if k != "id"
    }


@pytest.mark.parametrize("ids", [[], [str(uuid.uuid4()) for _ in range(101)], ["nope"]])
def test_batch_status_refuses_bad_lists(client, pair, ids):
    owner, _, _ = pair
    assert error_of(status_of(client, owner, ids)) == (400, "bad_request")


def test_picture_data_owner_signed_public_for_others(
    client, pair, django_capture_on_commit_callbacks
):
    owner, other, asset_id = pair
    mine = client.get(f"/api/v1/assets/{asset_id}/picture", **bearer(owner)).json()
    assert mine["ready"] and mine["sources"] and mine["width"] and mine["placeholder"]
    assert "sig=" in mine["img"]["src"] and mine["sources"][0]["type"].startswith("image/")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(Asset.objects.get(pk=asset_id))
    public = client.get(f"/api/v1/assets/{asset_id}/picture", **bearer(other)).json()
    assert public["view"] == "public" and "sig=" not in json.dumps(public)
    assert public["img"]["srcset"] and public["alt"]


def test_picture_ratio_gives_the_crop(client, pair):
    owner, other, asset_id = pair
    response = client.get(f"/api/v1/assets/{asset_id}/picture?ratio=16/9", **bearer(owner))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ratio"] == "16/9" and data["width"] * 9 == data["height"] * 16
    assert data["img"]["src"] and "16x9" in data["img"]["src"]
    assert error_of(
        client.get(f"/api/v1/assets/{asset_id}/picture?ratio=16/9", **bearer(other))
    ) == (404, "not_found"), "another token still learns nothing of a private asset"


@pytest.mark.parametrize("ratio", ["16", "0/9", "²/1", "99/1"])
def test_picture_bad_ratio_is_a_400(client, pair, ratio):
    owner, _, asset_id = pair
    response = client.get(f"/api/v1/assets/{asset_id}/picture", {"ratio": ratio}, **bearer(owner))
    assert error_of(response) == (400, "invalid_ratio")

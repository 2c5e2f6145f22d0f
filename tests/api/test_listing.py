"""GET /api/v1/assets: scoped like GET one, filtered, and paged by a signed keyset cursor."""

from __future__ import annotations

import pytest

from aiassets.models import Asset
from moderation import workflow
from tests import images
from tests.api.conftest import bearer, error_of

pytestmark = pytest.mark.django_db


def listing(client, raw: str, **params) -> dict:
    response = client.get("/api/v1/assets", params, **bearer(raw))
    assert response.status_code == 200, response.content[:300]
    return response.json()


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


@pytest.fixture
def three(token, upload):
    """``owner`` uploads three assets; ``other`` one. Returns (owner, other, owner's ids)."""
    owner, other = token("owner"), token("other")
    made = []
    for seed, prompt in enumerate(["red lighthouse", "blue harbour", "green lighthouse"]):
        r = upload(
            owner, images.png(200, 100, seed=seed + 1), prompt=prompt, prompt_visibility="private"
        )
        assert r.status_code == 201
        made.append(r.json()["id"])
    assert upload(other, images.png(200, 100, seed=9)).status_code == 201
    return owner, other, made


def test_own_uploads_newest_first_and_paged(client, three):
    owner, _, made = three
    first = listing(client, owner, limit=2)
    assert ids(first) == made[::-1][:2]
    assert all(item["view"] == "owner" for item in first["items"])
    second = listing(client, owner, limit=2, cursor=first["next_cursor"])
    assert ids(second) == made[:1]
    assert second["next_cursor"] is None


def test_other_tokens_see_only_public_assets_through_public_fields(
    client, three, django_capture_on_commit_callbacks
):
    owner, other, made = three
    assert listing(client, other)["items"][0]["id"] not in made
    assert set(ids(listing(client, other))).isdisjoint(made)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(Asset.objects.get(pk=made[0]))
    page = listing(client, other)
    public = [i for i in page["items"] if i["id"] == made[0]]
    assert public and public[0]["view"] == "public"
    assert public[0]["provenance"]["prompt"] is None  # private prompt stays private
    # and q never matches a prompt the caller may not read
    assert ids(listing(client, other, q="red")) == []
    assert ids(listing(client, owner, q="red")) == [made[0]]


def test_filters(client, three):
    owner, _, made = three
    assert set(ids(listing(client, owner, q="lighthouse"))) == {made[0], made[2]}
    assert ids(listing(client, owner, model="No Such Model")) == []
    assert set(ids(listing(client, owner, model="Test Diffusion"))) == set(made)
    status = Asset.objects.get(pk=made[0]).moderation_status
    assert made[0] in ids(listing(client, owner, status=status))
    newest = Asset.objects.get(pk=made[2]).created_at
    assert ids(listing(client, owner, created_after=newest.isoformat())) == [made[2]]
    assert made[2] not in ids(listing(client, owner, created_before=newest.isoformat()))


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "forged_cursor"},
        {"limit": "0"},
        {"limit": "101"},
        {"status": "nope"},
        {"created_after": "yesterday"},
        {"q": "x" * 500},
    ],
)
def test_hostile_parameters_are_coded_400s(client, three, params):
    owner, _, _ = three
    response = client.get("/api/v1/assets", params, **bearer(owner))
    assert error_of(response) == (400, "bad_request")


def test_no_read_scope_is_403(client, token):
    raw = token("ingest-only", scopes=["ingest"])
    assert error_of(client.get("/api/v1/assets", **bearer(raw))) == (403, "insufficient_scope")


def test_pages_interleave_own_and_public_rows_without_gaps_or_repeats(
    client, three, upload, django_capture_on_commit_callbacks
):
    owner, other, made = three
    theirs = [upload(other, images.png(200, 100, seed=20 + i)).json()["id"] for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        for asset_id in theirs + made[:1]:  # one of the owner's is public too: listed once
            workflow.approve(Asset.objects.get(pk=asset_id))
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = listing(client, owner, **params)
        seen += ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = Asset.objects.filter(pk__in=made + theirs).order_by("-created_at", "-id")
    assert seen == [str(a.pk) for a in expected]

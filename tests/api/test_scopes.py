"""Token scopes: a token reads its own uploads in full, public assets through their public
fields only, and nothing else (404, the same answer as an unknown id)."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command

from aiassets.models import ApiToken, Asset, GenerativeModel
from moderation import workflow
from tests import images
from tests.api.conftest import bearer, error_of
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db

SECRET = "SECRETPROMPT a portrait of Jane Q Public"
SECRET_NEGATIVE = "SECRETNEGATIVE blurry"


@pytest.fixture
def owner(token):
    return token("owner-generator")


@pytest.fixture
def other(token):
    return token("other-generator")


@pytest.fixture
def private_asset(owner, upload):
    """Uploaded by ``owner``, prompt private, still pending (unpublished)."""
    response = upload(
        owner,
        images.png(480, 320, seed=5),
        prompt=SECRET,
        negative_prompt=SECRET_NEGATIVE,
        prompt_visibility="private",
    )
    assert response.status_code == 201
    return Asset.objects.get(pk=response.json()["id"])


def publish(asset: Asset, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    asset.refresh_from_db()
    assert asset.is_public


def read(client, raw: str, asset_id) -> object:
    return client.get(f"/api/v1/assets/{asset_id}", **bearer(raw))


def missing_body(client, raw: str, asset_id) -> dict:
    """What an unknown id answers, with the id put back: the body others must get."""
    unknown = uuid.uuid4()
    body = read(client, raw, unknown).json()
    body["error"]["message"] = body["error"]["message"].replace(str(unknown), str(asset_id))
    return body


def test_owner_reads_everything_with_signed_urls(client, owner, private_asset):
    body = read(client, owner, private_asset.pk).json()
    assert body["view"] == "owner"
    prov = body["provenance"]
    assert prov["prompt"] == SECRET and prov["negative_prompt"] == SECRET_NEGATIVE
    assert prov["seed"] == "42" and prov["params"] and prov["source"]["job_id"] == "job-1"
    urls = [v["url"] for v in body["variants"]]
    assert urls and all("sig=" in u and "exp=" in u for u in urls)


@pytest.mark.parametrize("state", ["pending", "rejected", "taken_down", "unpublished"])
def test_another_token_gets_the_unknown_id_answer(
    client, other, private_asset, state, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if state == "rejected":
            workflow.reject(private_asset)
        elif state == "taken_down":
            workflow.approve(private_asset)
            workflow.take_down(private_asset)
        elif state == "unpublished":
            workflow.approve(private_asset)
            Asset.objects.filter(pk=private_asset.pk).update(published=False)
    response = read(client, other, private_asset.pk)
    assert error_of(response) == (404, "not_found")
    assert response.json() == missing_body(client, other, private_asset.pk)
    text = response.content.decode()
    assert "SECRET" not in text and "sig=" not in text


def test_a_public_asset_shows_public_fields_only_to_others(
    client, owner, other, private_asset, django_capture_on_commit_callbacks
):
    GenerativeModel.objects.update(prompts_public_by_default=True)  # the asset says private
    publish(private_asset, django_capture_on_commit_callbacks)
    response = read(client, other, private_asset.pk)
    assert response.status_code == 200
    assert "SECRET" not in response.content.decode(), "neither prompt nor negative prompt"
    body = response.json()
    assert body["view"] == "public"
    prov = body["provenance"]
    assert prov["model"]["name"] == "Test Diffusion"
    assert prov["prompt"] is None and prov["negative_prompt"] is None
    assert (prov["seed"], prov["params"], prov["source"]) == (None, None, None)
    urls = [v["url"] for v in body["variants"]]
    assert urls and all(u and "sig=" not in u and "exp=" not in u for u in urls)
    assert client.get(urls[0]).status_code == 200, "the public URL works"
    mine = read(client, owner, private_asset.pk).json()
    assert mine["view"] == "owner" and mine["provenance"]["prompt"] == SECRET


def test_a_public_prompt_is_shown_to_others(
    client, other, upload, owner, django_capture_on_commit_callbacks
):
    """The control for the test above: the same check does see a public prompt."""
    created = upload(owner, images.png(480, 320, seed=6), prompt="a red kite", seed=9).json()
    asset = Asset.objects.get(pk=created["id"])
    GenerativeModel.objects.update(prompts_public_by_default=True)
    publish(asset, django_capture_on_commit_callbacks)
    prov = read(client, other, asset.pk).json()["provenance"]
    assert prov["prompt"] == "a red kite" and prov["seed"] is None


def test_ingest_needs_the_ingest_scope(client, token, upload, media_root):
    reader = token("reader", scopes=["read"])
    response = upload(reader)
    assert error_of(response) == (403, "insufficient_scope")
    assert "insufficient_scope" in response["WWW-Authenticate"]
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_a_token_without_ingest_scope_spends_no_budget(client, token, upload, settings):
    settings.API_RATE_REQUESTS_PER_MINUTE = 1
    reader = token("reader", scopes=["read"])
    assert [upload(reader).status_code for _ in range(3)] == [403, 403, 403], "never 429"


def test_read_needs_the_read_scope(client, token, upload):
    writer = token("writer", scopes=["ingest"])
    created = upload(writer)
    assert created.status_code == 201
    assert error_of(read(client, writer, created.json()["id"])) == (403, "insufficient_scope")
    assert error_of(read(client, writer, uuid.uuid4())) == (403, "insufficient_scope")


def test_no_token_is_401_before_any_lookup(client, private_asset):
    for asset_id in (private_asset.pk, uuid.uuid4()):
        response = client.get(f"/api/v1/assets/{asset_id}")
        assert error_of(response) == (401, "unauthorized")


def test_new_tokens_have_both_scopes_and_the_admin_edits_them(client, django_user_model):
    token, raw = ApiToken.issue("gen")
    assert token.scopes == ["ingest", "read"]
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    page = client.get(f"/admin/aiassets/apitoken/{token.pk}/change/").content.decode()
    assert 'name="scope_ingest"' in page and 'name="scope_read"' in page
    response = client.post(
        f"/admin/aiassets/apitoken/{token.pk}/change/",
        {"name": "gen", "is_active": "on", "scope_ingest": "on"},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.scopes == ["ingest"]
    client.logout()
    assert error_of(read(client, raw, uuid.uuid4())) == (403, "insufficient_scope")


def test_create_api_token_takes_scopes():
    out = io.StringIO()
    call_command("create_api_token", "reader", "--scopes", "read", stdout=out, stderr=io.StringIO())
    token = ApiToken.objects.authenticate(out.getvalue().strip().splitlines()[-1])
    assert token.scopes == ["read"]

"""The privacy matrix: each private fact, tried through every way out.

Facts: a private prompt (the asset's own rule, and the model's), a private negative prompt, a
face that was redacted, a rejected image, a taken-down image, and a tag only non-public
assets carry. Ways out: every variant
(planned and on-demand, every format: its bytes hold the XMP and the C2PA manifest), the
manifest read back, the API for the owner and for another token, the asset page, the
gallery, search, the public provenance record, the sitemap, and the purge that follows a
takedown. Each check has a control, so it can fail.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from aiassets import c2pa, renditions, tags
from aiassets.models import ApiToken, Asset, GenerativeModel
from delivery import signing
from delivery.models import PurgeRequest
from moderation import workflow
from tests import images
from tests.conftest import provenance

pytestmark = pytest.mark.django_db

PROMPT = "MATRIXPROMPT lighthouse keeper"
NEGATIVE = "MATRIXNEGATIVE blurry"
FORMATS = ("avif", "webp", "jpeg")
ON_DEMAND_WIDTH = 200  # not a planned width (tests plan 320, 640, 1280)


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def tokens(db) -> dict[str, tuple[ApiToken, str]]:
    return {name: ApiToken.issue(name) for name in ("owner", "other")}


@pytest.fixture
def make(ingest_now, tokens, django_capture_on_commit_callbacks):
    """Ingest through the owner's token, then run moderation transitions (on commit)."""

    def run(seed: int, *steps: str, data: bytes | None = None, **prov) -> Asset:
        base = provenance(prompt=PROMPT, negative_prompt=NEGATIVE, **prov)
        asset = ingest_now(data or images.png(480, 320, seed=seed), base, token=tokens["owner"][0])
        asset = asset.asset
        with django_capture_on_commit_callbacks(execute=True):
            for step in steps:
                getattr(workflow, step)(asset, reason_code="quality")
        asset.refresh_from_db()
        return asset

    return run


def every_variant(asset: Asset, media_root) -> dict[str, bytes]:
    """Planned renditions plus one on-demand width in every format, as stored."""
    for fmt in FORMATS:
        renditions.build_one(asset, ON_DEMAND_WIDTH, fmt)
    rows = asset.variants.filter(status="ready")
    found = {f"{v.width}w.{v.format}": (media_root / "public" / v.key).read_bytes() for v in rows}
    assert {k.split(".")[1] for k in found} == set(FORMATS)
    assert any(k.startswith(f"{ON_DEMAND_WIDTH}w") for k in found)
    return found


def ways_out(client, asset: Asset, other: str) -> dict[str, str]:
    """Every public answer about ``asset``: what anyone, or another token, can read."""
    word = PROMPT.split()[0]
    answers = {
        "page": client.get(f"/images/{asset.pk}/"),
        "gallery": client.get("/"),
        "search": client.get(f"/?q={word}"),
        "record": client.get(f"/provenance/{asset.pk}.json"),
        "sitemap": client.get("/sitemap.xml"),
        "api-other": client.get(f"/api/v1/assets/{asset.pk}", **bearer(other)),
        "api-list-other": client.get("/api/v1/assets", **bearer(other)),
    }
    return {name: r.content.decode(errors="replace") for name, r in answers.items()}


# --- private prompt and negative prompt -------------------------------------------------------


@pytest.mark.parametrize("rule", ["asset", "model"])
def test_private_prompts_reach_no_public_output(rule, make, client, tokens, media_root):
    if rule == "asset":
        GenerativeModel.objects.update(prompts_public_by_default=True)  # the asset overrides
        asset = make(1, "approve", prompt_visibility="private")
    else:
        GenerativeModel.objects.update(prompts_public_by_default=False)
        asset = make(2, "approve")
    assert asset.is_public
    for name, blob in every_variant(asset, media_root).items():
        for secret in (PROMPT, NEGATIVE):
            word = secret.split()[0].encode()
            assert word not in blob, f"{secret} in {name} (XMP or C2PA)"
        manifest = json.dumps(c2pa.read(blob).__dict__, default=str)
        assert "MATRIX" not in manifest, name
    for name, text in ways_out(client, asset, tokens["other"][1]).items():
        if name == "search":  # the page repeats the query; it must not find the asset
            assert str(asset.pk) not in text, name
        else:
            assert "MATRIX" not in text, name
    owner = client.get(f"/api/v1/assets/{asset.pk}", **bearer(tokens["owner"][1]))
    assert PROMPT in owner.content.decode() and NEGATIVE in owner.content.decode(), "control"


def test_control_a_public_prompt_is_seen(make, client, tokens, media_root):
    asset = make(3, "approve", prompt_visibility="public")
    answers = ways_out(client, asset, tokens["other"][1])
    assert PROMPT in answers["page"] and PROMPT in answers["record"]
    assert str(asset.pk) in answers["search"]
    assert PROMPT in answers["api-other"]
    assert NEGATIVE not in answers["api-other"], "a negative prompt is never public"
    blobs = every_variant(asset, media_root)
    assert any(PROMPT.split()[0].encode() in b for b in blobs.values()), "in the manifest"


# --- a redacted face ---------------------------------------------------------------------------


def test_a_redacted_face_leaves_no_unredacted_copy(make, media_root):
    asset = make(4, "approve", prompt_visibility="public")
    Asset.objects.filter(pk=asset.pk).update(faces=[[0.3, 0.3, 0.2, 0.2]], face_redaction="redact")
    workflow.republish(asset.pk, reason="test: faces")
    asset.refresh_from_db()
    renditions.build(asset.pk)
    assert asset.redaction_boxes(), "redaction is in force"
    for name, blob in every_variant(asset, media_root).items():
        report = c2pa.read(blob)
        text = json.dumps(report.__dict__, default=str)
        assert "thumbnail" not in text.lower(), f"{name}: a thumbnail would undo the redaction"
        assert b"c2pa.thumbnail" not in blob, name


# --- rejected and taken-down images ----------------------------------------------------------


def public_paths(asset: Asset) -> list[str]:
    """The paths the asset's ready renditions would have as public URLs right now."""
    return [urlsplit(u).path for u in signing.public_urls(asset, asset.variants.all())]


def assert_hidden(client, asset: Asset, other: str, served: list[str]) -> None:
    answers = ways_out(client, asset, other)
    for name in ("page", "record", "api-other"):
        assert str(asset.pk) not in answers[name] or "not_found" in answers[name], name
    for name in ("gallery", "search", "api-list-other"):
        assert str(asset.pk) not in answers[name], name
    for path in served:
        assert client.get(path).status_code in (403, 404), path


def test_a_rejected_image_is_never_served(make, client, tokens):
    asset = make(5, "send_to_review", "reject")
    paths = public_paths(asset)
    assert paths
    assert_hidden(client, asset, tokens["other"][1], paths)
    owner = client.get(f"/api/v1/assets/{asset.pk}", **bearer(tokens["owner"][1]))
    assert owner.status_code == 200, "control: the owner still sees its upload"


def test_a_taken_down_image_dies_everywhere_and_is_purged(
    make, client, tokens, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_PUBLIC_BASE_URL = "https://img.example.test"
    settings.CDN_BACKENDS = {
        "edge": {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": ["http://127.0.0.1:9"]},  # down: the URLs are still kept
        }
    }
    settings.CDN_PURGE_RETRY_INTERVALS = []
    asset = make(6, "approve")
    served = public_paths(asset)
    for path in served:
        assert client.get(path).status_code == 200, "control: served while public"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take_down(asset, reason_code="copyright")
    asset.refresh_from_db()
    assert_hidden(client, asset, tokens["other"][1], served)
    recorded = {
        urlsplit(u).path for r in PurgeRequest.objects.filter(asset_id=asset.pk) for u in r.urls
    }
    assert set(served) <= recorded, "every URL that was served is in the purge"


# --- a tag only non-public assets carry ------------------------------------------------------

SECRET_TAG = "MATRIXTAG embargoed launch"


def tag_ways_out(client, asset: Asset, other: str) -> dict[str, str]:
    """ways_out, plus the answers to a search for the tag itself."""
    answers = ways_out(client, asset, other)
    searched = {
        "gallery-by-tag": client.get("/", {"tag": SECRET_TAG.lower()}),
        "api-list-by-tag-other": client.get("/api/v1/assets", {"tag": SECRET_TAG}, **bearer(other)),
    }
    answers.update({k: r.content.decode(errors="replace") for k, r in searched.items()})
    return answers


@pytest.mark.parametrize("steps", [(), ("send_to_review", "reject"), ("approve", "take_down")])
def test_a_tag_of_non_public_assets_reaches_no_public_output(steps, make, client, tokens):
    shown = make(7, "approve")  # a public asset with a tag of its own: the pages are not empty
    tags.set_tags(shown, ["harbour"])
    asset = make(8, *steps)
    tags.set_tags(asset, [SECRET_TAG, "harbour"])
    assert not asset.is_public
    answers = tag_ways_out(client, asset, tokens["other"][1])
    answers["public-page"] = client.get(f"/images/{shown.pk}/").content.decode()
    for name, text in answers.items():
        if name == "gallery-by-tag":  # the form repeats the query; it must find nothing
            assert str(asset.pk) not in text and "No images match" in text, name
        else:
            assert "MATRIXTAG" not in text, name
    assert json.loads(answers["api-list-by-tag-other"])["items"] == []
    assert "harbour" in answers["public-page"], "control: a public asset's tag is shown"
    owner = client.get(f"/api/v1/assets/{asset.pk}", **bearer(tokens["owner"][1]))
    assert SECRET_TAG in owner.json()["tags"], "control: the owner sees its own tags"


def test_control_the_tag_is_public_once_its_asset_is(make, client, tokens):
    asset = make(9, "approve")
    tags.set_tags(asset, [SECRET_TAG])
    answers = tag_ways_out(client, asset, tokens["other"][1])
    for name in ("page", "api-other", "api-list-other", "api-list-by-tag-other"):
        assert SECRET_TAG in answers[name], name
    assert str(asset.pk) in answers["gallery-by-tag"]

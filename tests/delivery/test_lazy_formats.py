"""Lazy formats (DERIVATIVE_PRECOMPUTE): the renditions it leaves out are planned rows that the
origin builds on their first request, through the on-demand path, under their planned URL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from aiassets import renditions
from delivery import pictures, purges, signing
from tests import images
from tests.delivery.helpers import make_public

pytestmark = pytest.mark.django_db


@pytest.fixture
def lazy_webp(settings):
    settings.DERIVATIVE_PRECOMPUTE = ["avif", "jpeg"]


@pytest.fixture
def asset(lazy_webp, ingest_now):
    return make_public(ingest_now(images.png(700, 400)).asset)


def test_a_build_makes_only_the_precomputed_formats(asset, media_root):
    rows = list(asset.variants.all())
    assert {v.status for v in rows if v.format == "webp"} == {"lazy"}
    assert {v.status for v in rows if v.format != "webp"} == {"ready"}
    assert not [p for p in (media_root / "public").rglob("*.webp")], "no WebP file yet"
    assert renditions.build(asset.pk).built == [], "a rebuild leaves lazy rows alone"
    renditions.build(asset.pk, force=True)
    assert set(asset.variants.filter(format="webp").values_list("status", flat=True)) == {"lazy"}


def test_the_picture_lists_lazy_urls_and_the_first_request_builds_them(client, asset, media_root):
    lazy = asset.variants.get(format="webp", width=320)
    url = signing.variant_url(asset, lazy)
    webp = dict(pictures.picture_data(asset).sources)["image/webp"]
    assert url in webp, "the srcset names the lazy rendition under its planned URL"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    lazy.refresh_from_db()
    assert lazy.status == "ready" and not lazy.on_demand
    assert signing.variant_url(asset, lazy) == url, "the URL did not change when it was built"
    assert (media_root / "public" / lazy.key).read_bytes() == response.content
    assert client.get(url).content == response.content, "then served from storage"


def test_the_url_is_the_one_a_precomputed_build_gives(settings, asset, ingest_now):
    lazy = {(v.width, v.format): signing.variant_url(asset, v) for v in asset.variants.all()}
    settings.DERIVATIVE_PRECOMPUTE = ["*"]
    rows = renditions.ensure_rows(asset)
    assert {v.status for v in rows if v.format == "webp"} == {"pending"}, "now built at once"
    renditions.build(asset.pk)
    eager = {(v.width, v.format): signing.variant_url(asset, v) for v in asset.variants.all()}
    assert eager == lazy
    assert set(asset.variants.values_list("status", flat=True)) == {"ready"}


def test_lazy_urls_are_in_the_purge_list(asset):
    lazy = asset.variants.get(format="webp", width=700)
    urls = purges.urls_for(asset.pk, asset.delivery_version, ready_only=True)
    assert signing.public_base() + signing.variant_path(asset, lazy) in urls


def test_busy_redirects_to_a_ready_width_without_caching(client, settings, asset):
    settings.ON_DEMAND_MAX_CONCURRENT = 0
    lazy = asset.variants.get(format="webp", width=320)
    response = client.get(signing.variant_url(asset, lazy))
    assert response.status_code == 307 and response["Cache-Control"] == "no-store"
    assert response["Location"].endswith(".jpg"), "no WebP is ready: the JPEG fallback"
    lazy.refresh_from_db()
    assert lazy.status == "lazy"


def test_a_stale_recipe_is_not_rebuilt_under_its_old_url(client, settings, asset):
    lazy = asset.variants.get(format="webp", width=320)
    url = signing.variant_url(asset, lazy)
    settings.DERIVATIVE_FORMATS = {**settings.DERIVATIVE_FORMATS, "webp": {"quality": 50}}
    assert client.get(url).status_code == 404
    lazy.refresh_from_db()
    assert lazy.status == "lazy"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (["avif", "jpeg"], ({"avif": None, "jpeg": None}, {})),
        (["avif", "webp:640", "jpeg"], ({"avif": None, "webp": 640, "jpeg": None}, {})),
        (["webp:320", "webp:640"], ({"webp": 640}, {})),
        (["*"], ({"avif": None, "webp": None, "jpeg": None},) * 2),
        (["avif:1600", "crops:jpeg:640", "crops:jpeg"], ({"avif": 1600}, {"jpeg": None})),
        (["jpeg", "crops:*"], ({"jpeg": None}, {"avif": None, "webp": None, "jpeg": None})),
        ([], ({}, {})),
    ],
)
def test_precompute_rules(settings, setting, expected):
    settings.DERIVATIVE_PRECOMPUTE = setting
    rules = renditions.precompute_rules()
    assert (rules.frame, rules.crops) == expected


def test_widths_up_to_a_limit_are_built_at_once(settings, ingest_now):
    settings.DERIVATIVE_PRECOMPUTE = ["avif", "jpeg", "webp:320"]
    asset = ingest_now(images.png(700, 400)).asset
    webp = dict(asset.variants.filter(format="webp").values_list("width", "status"))
    assert webp == {320: "ready", 700: "lazy"}


def test_crops_follow_their_own_entries_and_the_share_card_is_built(settings, ingest_now):
    settings.DERIVATIVE_RATIOS = ["16/9"]
    settings.SOCIAL_CARD_WIDTH = 600
    settings.DERIVATIVE_PRECOMPUTE = ["avif", "jpeg", "crops:jpeg:320"]
    asset = ingest_now(images.png(700, 400)).asset
    rows = set(asset.variants.filter(ratio="16x9").values_list("format", "width", "status"))
    assert ("jpeg", 320, "ready") in rows and ("avif", 320, "lazy") in rows
    assert {s for f, w, s in rows if w > 320} == {"lazy"}
    assert asset.variants.get(ratio="40x21").status == "ready", "the share card"
    full = set(asset.variants.filter(ratio="").values_list("format", "status"))
    assert full == {("avif", "ready"), ("jpeg", "ready"), ("webp", "lazy")}


@pytest.mark.parametrize("bad", [["gif"], ["webp:big"], ["crops:"], ["crops:gif"]])
def test_a_bad_setting_is_a_check_error(settings, bad):
    settings.DERIVATIVE_PRECOMPUTE = bad
    with pytest.raises(SystemCheckError, match="DERIVATIVE_PRECOMPUTE"):
        call_command("check")

"""Art direction through delivery: crops purged when the focal rectangle moves, ratios on
demand under the same limits, the {% picture %} ratio/art API and the share card."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.template import Context, Template
from PIL import Image

from aiassets import focal
from aiassets.models import Asset, FocalSource
from delivery import pictures, signing
from tests import images
from tests.delivery.helpers import make_public
from tests.delivery.test_purge_served_urls import BASE, assert_all_purged, cdn  # noqa: F401

pytestmark = pytest.mark.django_db
RIGHT = (0.80, 0.40, 0.95, 0.60)
LEFT = (0.05, 0.40, 0.20, 0.60)


@pytest.fixture
def art(settings):
    settings.DERIVATIVE_RATIOS = ["16/9", "1/1"]
    settings.SOCIAL_CARD_WIDTH = 1200
    settings.DERIVATIVE_FORMATS = {"jpeg": {"quality": 82}, "webp": {"quality": 80, "method": 0}}
    return settings


@pytest.fixture
def asset(art, ingest_now) -> Asset:
    return ingest_now(images.subject_png(800, 400, RIGHT)).asset


def paths(asset: Asset, ratio: str) -> set[str]:
    asset.refresh_from_db()
    rows = asset.variants.filter(status="ready", ratio=ratio)
    return {urlsplit(signing.variant_url(asset, v)).path for v in rows}


@pytest.mark.s3
def test_moving_the_focal_rect_purges_the_old_public_crops_only(
    cdn,  # noqa: F811
    asset,
    client,
    django_capture_on_commit_callbacks,
):
    make_public(asset)
    on_demand = client.get(signing.transform_url(asset, 300, "jpeg", ratio="4x5"))
    assert on_demand.status_code == 200
    cropped = paths(asset, "16x9") | paths(asset, "1x1") | paths(asset, "40x21")
    cropped |= paths(asset, "4x5")
    full = paths(asset, "")
    assert len(cropped) == 2 * 5 + 1 + 1 and full
    with django_capture_on_commit_callbacks(execute=True):
        assert focal.set_focal(asset, LEFT, FocalSource.EDITOR)
    now = paths(asset, "16x9") | paths(asset, "1x1") | paths(asset, "40x21")
    assert now and not now & cropped, "every crop has a new URL"
    assert paths(asset, "") == full, "full frames keep theirs"
    assert_all_purged(cropped, asset, cdn)


def test_a_ratio_on_demand_is_cropped_and_limited(asset, client):
    response = client.get(signing.transform_url(asset, 300, "jpeg", ratio="4/5"))
    assert response.status_code == 200
    im = Image.open(io.BytesIO(response.content))
    assert im.size == (300, 375)
    assert images.subject_share(response.content) > 0.01  # the subject is kept
    row = asset.variants.get(ratio="4x5")
    assert row.on_demand and row.width == 300
    again = client.get(signing.transform_url(asset, 300, "jpeg", ratio="4x5"))
    assert again.status_code == 200 and again.content == response.content


@pytest.mark.parametrize(
    ("ratio", "width", "reason"),
    [
        ("abc", 300, "A ratio looks like"),
        ("0x5", 300, "positive"),
        ("1x20", 30, "1/10 to 10/1"),
        ("16x9", 801, "no upscaling"),  # wider than the original
        ("1x1", 500, "crop's 400"),  # wider than the square crop
        ("16x9", 8, "at least"),
    ],
)
def test_bad_ratios_and_widths_are_plain_400s(asset, client, ratio, width, reason):
    path = f"/media/t/{asset.id}/{asset.sha256[:16]}/{asset.delivery_version}/{width}w-{ratio}.jpg"
    response = client.get(signing.sign_path(path))
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("text/plain")
    assert reason in response.content.decode()


def test_a_format_that_is_not_served_is_a_400_not_a_500(asset, client):
    response = client.get(signing.transform_url(asset, 300, "avif", ratio="4x5"))
    assert response.status_code == 400 and "not among the formats" in response.content.decode()


def test_an_unsigned_crop_is_403(asset, client):
    url = signing.transform_url(asset, 300, "jpeg", ratio="4x5")
    assert client.get(url.split("?")[0]).status_code == 403
    assert client.get(url.replace("4x5", "5x4")).status_code == 403


def render(asset: Asset, args: str) -> str:
    template = Template("{% load pictures %}{% picture asset " + args + " %}")
    return template.render(Context({"asset": asset}))


def test_picture_with_a_ratio_gives_every_source_the_crop_size(asset):
    asset = Asset.objects.with_variants().get(pk=asset.pk)
    html = render(asset, 'ratio="16/9" sizes="100vw"')
    assert 'data-ratio="16x9"' in html
    sizes = set(re.findall(r'width="(\d+)" height="(\d+)"', html))
    assert sizes == {("704", "396")}, "the largest 16:9 crop, 44 × (16, 9)"
    crop_recipes = {v.recipe for v in asset.variants.filter(ratio="16x9")}
    used = set(re.findall(r"\d+w-([0-9a-f]{8})\.", html))
    assert used and used <= crop_recipes


def test_art_direction_adds_sources_per_breakpoint(asset):
    asset = Asset.objects.with_variants().get(pk=asset.pk)
    html = render(asset, 'ratio="1/1" art="(min-width: 800px)=16/9" sizes="100vw"')
    first = html.index('media="(min-width: 800px)"')
    assert first < html.index("<source type=")  # art sources first: the first match wins
    assert re.search(
        r'media="\(min-width: 800px\)" type="image/webp" srcset="[^"]+" '
        r'sizes="100vw" width="704" height="396"',
        html,
    )
    assert '<img src="' in html and 'width="400" height="400"' in html


def test_an_unplanned_ratio_uses_signed_transform_urls(asset):
    asset = Asset.objects.with_variants().get(pk=asset.pk)
    html = render(asset, 'ratio="4/5"')
    assert "/media/t/" in html and "w-4x5.jpg?exp=" in html
    assert 'width="320" height="400"' in html


def test_the_placeholder_matches_the_crop(asset):
    square = pictures.cropped_placeholder(
        asset.placeholder, pictures.crops.parse_ratio("1/1"), None
    )
    im = Image.open(io.BytesIO(__import__("base64").b64decode(square.split(",", 1)[1])))
    assert im.width == im.height


def test_the_public_page_has_a_1200x630_share_card(art, ingest_now, client):
    big = make_public(ingest_now(images.subject_png(1600, 1000, RIGHT)).asset)
    html = client.get(f"/images/{big.pk}/").content.decode()
    card = big.variants.get(ratio="40x21")
    assert (card.width, card.height) == (1200, 630)
    url = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert url.startswith("http") and url.endswith(signing.variant_file(card))
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:height" content="630">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta name="twitter:image" content="{url}">' in html
    assert images.subject_share(client.get(urlsplit(url).path).content) > 0.005


def test_no_share_card_for_assets_that_are_not_public(asset):
    assert pictures.social_card(asset) is None
    assert pictures.social_card(make_public(asset)) is not None


def test_a_crop_that_is_the_whole_frame_shares_the_full_frames_renditions(art, ingest_now, client):
    """A 1:1 crop of a square source (and a 16:9 crop of a 16:9 one) is the same pixels as the
    full frame: it is not planned, encoded or stored again, and every way to ask for it (the
    picture tag, art direction, a signed transform URL) gets the full frame's renditions."""
    square = ingest_now(images.subject_png(640, 640, RIGHT)).asset
    assert not square.variants.filter(ratio="1x1").exists()
    assert square.variants.filter(ratio="16x9").exists(), "a real crop is still planned"
    full = {v.recipe for v in square.variants.filter(ratio="")}
    square = Asset.objects.with_variants().get(pk=square.pk)
    html = render(square, 'ratio="1/1" art="(min-width: 800px)=1/1" sizes="100vw"')
    used = set(re.findall(r"\d+w-([0-9a-f]{8})\.", html))
    assert used and used <= full
    assert set(re.findall(r'width="(\d+)" height="(\d+)"', html)) == {("640", "640")}
    response = client.get(signing.transform_url(square, 320, "jpeg", ratio="1x1"))
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (320, 320)
    assert not square.variants.filter(ratio="1x1").exists(), "served as the full frame"
    wide = ingest_now(images.subject_png(640, 360, RIGHT)).asset
    assert not wide.variants.filter(ratio="16x9").exists()
    assert wide.variants.filter(ratio="1x1").exists()

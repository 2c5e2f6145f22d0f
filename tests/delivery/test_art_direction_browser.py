"""Art direction in headless Chromium: the right crop per breakpoint, the box has the ratio
asked for, nothing shifts and the focal subject is in view; and an editor steering the crops
in the admin sees the new ones once they are built."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from aiassets.models import Asset, FocalSource
from tests import images
from tests.delivery.helpers import make_public
from tests.delivery.test_browser import SHIFT_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SUBJECT = (0.80, 0.35, 0.95, 0.60)  # far right: a centred square crop would cut it off
EXPECTED = {390: (1, 1), 768: (4, 3), 1280: (16, 9)}  # ratio="1/1" art="…4/3, …16/9"


@pytest.fixture
def crops_on(settings):
    settings.DERIVATIVE_WIDTHS = [320, 480, 640, 960, 1280]
    settings.DERIVATIVE_RATIOS = ["16/9", "1/1", "4/3"]
    settings.DERIVATIVE_FORMATS = {
        "webp": {"quality": 80, "method": 0},
        "jpeg": {"quality": 82},
    }
    return settings


def test_art_direction_in_chromium(browser, live_server, crops_on, ingest_now):
    crops_on.ROOT_URLCONF = "tests.delivery.artpage.urls"
    asset = make_public(ingest_now(images.subject_png(1600, 1000, SUBJECT)).asset)
    ratio_of = {v.recipe: v.ratio for v in asset.variants.all()}
    for width, (p, q) in EXPECTED.items():
        page = browser.new_page(viewport={"width": width, "height": 1000})
        where = f"viewport {width}"
        try:
            page.goto(f"{live_server.url}/art/{asset.pk}/")
            img = page.locator("picture img")
            page.wait_for_function(
                "(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle()
            )
            src = img.evaluate("(el) => el.currentSrc")
            recipe = re.search(r"/\d+w-([0-9a-f]{8})\.", src).group(1)
            assert ratio_of[recipe] == f"{p}x{q}", (where, src)
            box = img.evaluate("(el) => el.getBoundingClientRect().toJSON()")
            assert abs(box["height"] - box["width"] * q / p) <= 1.0, (where, box)
            assert page.evaluate(SHIFT_JS) < 0.001, where
            shot = img.screenshot()
            assert images.subject_share(shot) > 0.01, f"{where}: the subject is out of view"
        finally:
            page.close()


def test_an_editor_steers_the_crops_in_the_admin(browser, live_server, crops_on, ingest_now):
    crops_on.DERIVATIVE_RATIOS = ["1/1"]
    asset = ingest_now(images.subject_png(1600, 1000, SUBJECT)).asset
    User.objects.create_superuser("edith", "edith@example.test", "pw-edith")
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, base_url=live_server.url)
    try:
        page.goto(f"/admin/login/?next=/admin/aiassets/asset/{asset.pk}/change/")
        page.get_by_label("Username").fill("edith")
        page.get_by_label("Password").fill("pw-edith")
        page.get_by_role("button", name="Log in").click()
        crop = page.locator('.aia-crop[data-ratio="1x1"] img')
        assert subject_in(page, crop), "the automatic focal rect keeps the subject"
        stage = page.locator(".aia-focal-stage img")
        size = stage.bounding_box()
        stage.click(position={"x": size["width"] * 0.05, "y": size["height"] * 0.5})
        value = page.locator(".aia-focal-input").input_value()
        assert (
            value.startswith("0.0")
            and page.locator(".aia-focal-stage .aia-focal-rect").is_visible()
        )
        page.get_by_role("button", name="Save and continue editing").click()
        page.wait_for_selector(".messagelist")
        assert "Focal rectangle saved" in page.locator(".messagelist").inner_text()
        caption = page.locator('.aia-crop[data-ratio="1x1"] figcaption').inner_text()
        assert re.search(r"(\d+) of \1 built", caption), caption
        assert page.locator(".aia-crop .aia-focal-rect").is_visible()
        assert not subject_in(page, crop), "the new square crop follows the editor's point"
    finally:
        page.close()
    asset.refresh_from_db()
    assert asset.focal_source == FocalSource.EDITOR
    assert Asset.objects.get(pk=asset.pk).variants.filter(ratio="1x1", status="ready").exists()


def subject_in(page, crop) -> bool:
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=crop.element_handle())
    return images.subject_share(crop.screenshot()) > 0.01

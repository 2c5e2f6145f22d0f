"""{% picture %} in headless Chromium: AVIF chosen, the right width, nothing broken, no shift.

The slot is what `sizes` gives (measured in the browser) and must match the real layout; the
chosen candidate must be the smallest whose width covers slot × device pixel ratio.
"""

from __future__ import annotations

import re

import pytest

from tests import images
from tests.delivery.helpers import make_public

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [375, 768, 1440]
DPRS = [1, 2]

# A 1x1 WebP with a "1w" descriptor: its naturalWidth is the slot `sizes` gives, in CSS px.
PROBE_JS = """
(sizes) => new Promise((resolve) => {
  const probe = new Image();
  probe.sizes = sizes;
  probe.srcset = "data:image/webp;base64,UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA== 1w";
  probe.onload = () => resolve(probe.naturalWidth);
  probe.onerror = () => resolve(-1);
})
"""

SHIFT_JS = """
() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { if (!entry.hadRecentInput) total += entry.value; }
  }).observe({type: "layout-shift", buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
})
"""


@pytest.fixture
def public_site(ingest_now, settings):
    settings.DERIVATIVE_WIDTHS = [320, 480, 640, 960, 1280]
    shapes = [(1600, 1000), (1000, 1600), (1200, 1200), (1600, 900), (900, 1350)]
    return [
        make_public(ingest_now(images.jpeg(w, h, seed=i)).asset) for i, (w, h) in enumerate(shapes)
    ]


def check_gallery(browser, url: str, count: int, width: int, dpr: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=dpr)
    page = context.new_page()
    where = f"viewport {width} DPR {dpr}"
    try:
        page.goto(url)
        pictures = page.locator("li.card picture img")
        assert pictures.count() == count, where
        for i in range(count):
            img = pictures.nth(i)
            img.scroll_into_view_if_needed()
            page.wait_for_function("(el) => el.complete && el.currentSrc", arg=img.element_handle())
            info = img.evaluate(
                """(el) => ({src: el.currentSrc, natural: el.naturalWidth, sizes: el.sizes,
                    layout: el.getBoundingClientRect().width,
                    avif: el.parentElement.querySelector('source[type="image/avif"]').srcset})"""
            )
            assert info["natural"] > 0, f"{where}: broken image {info['src']}"
            assert info["src"].endswith(".avif"), (where, info["src"])
            slot = page.evaluate(PROBE_JS, info["sizes"])
            assert abs(slot - info["layout"]) <= 1.5, (
                where,
                slot,
                info["layout"],
                "sizes != layout",
            )
            widths = sorted(int(w) for w in re.findall(r" (\d+)w", info["avif"]))
            chosen = int(re.search(r"/(\d+)w-", info["src"]).group(1))
            covering = [w for w in widths if w >= slot * dpr]
            expected = covering[0] if covering else widths[-1]
            assert chosen == expected, (where, widths, slot, chosen)
        broken = page.evaluate(
            "() => Array.from(document.images)"
            ".filter(i => i.complete && i.naturalWidth === 0).length"
        )
        assert broken == 0, where
        assert page.evaluate(SHIFT_JS) < 0.001, where
    finally:
        context.close()


def test_gallery_pictures_in_chromium(browser, live_server, public_site):
    """At widths 375, 768 and 1440 and DPR 1 and 2 (one data set, six browser contexts)."""
    for width in VIEWPORTS:
        for dpr in DPRS:
            check_gallery(browser, live_server.url + "/", len(public_site), width, dpr)


def test_asset_page_screenshot_and_no_shift(browser, live_server, public_site, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{live_server.url}/images/{public_site[0].pk}/")
        img = page.locator(".detail-image picture img")
        page.wait_for_function(
            "(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle()
        )
        assert img.evaluate("(el) => el.currentSrc").endswith(".avif")
        assert page.evaluate(SHIFT_JS) < 0.001
        page.screenshot(path=str(tmp_path / "asset.png"))
        assert (tmp_path / "asset.png").stat().st_size > 10_000
    finally:
        page.close()

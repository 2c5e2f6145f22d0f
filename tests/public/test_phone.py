"""Public pages on a phone (390×844 in Chromium): nothing scrolls sideways, even with long
unbroken titles and prompts, and only the image on screen is fetched eagerly at high priority."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from aiassets.models import GenerativeModel
from moderation.models import TakedownRequest
from tests import images
from tests.conftest import provenance
from tests.delivery.helpers import make_public

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG = "Unbroken" + "x" * 300  # no break opportunity at all

WIDTHS = "() => [document.scrollingElement.scrollWidth, innerWidth]"
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
  .slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def assert_no_sideways_scroll(page, where: str) -> None:
    scroll_width, inner_width = page.evaluate(WIDTHS)
    assert scroll_width <= inner_width, f"{where} scrolls sideways: {page.evaluate(WIDE)}"


@pytest.fixture
def phone(browser):
    page = browser.new_page(viewport=PHONE)
    yield page
    page.close()


@pytest.fixture
def long_asset(ingest_now):
    """A public asset whose title, prompt and model name have no break opportunity."""
    result = ingest_now(
        images.png(900, 500, seed=40),
        provenance(prompt=LONG * 2, model={"name": LONG[:200], "version": LONG[:100]}),
        title=LONG,
    )
    GenerativeModel.objects.update(
        prompts_public_by_default=True, licence=LONG[:200]
    )  # the column holds 200
    return make_public(result.asset)


def test_public_pages_fit_a_phone(phone, live_server, long_asset):
    cache.clear()  # takedown rate-limit counters left by earlier runs
    url = live_server.url
    for path in [
        "/",
        f"/?q={LONG}&date_after=2026-01-01&date_before=2026-12-31",
        f"/images/{long_asset.pk}/",
        f"/takedown/?asset={long_asset.pk}",
        "/takedown/status/not-a-token/",
    ]:
        phone.goto(url + path)
        assert_no_sideways_scroll(phone, path)
    assert LONG in phone.goto(f"{url}/images/{long_asset.pk}/").text()

    # The takedown form with every field filled (and too long), then the received and status pages.
    phone.goto(f"{url}/takedown/?asset={long_asset.pk}")
    phone.fill("#id_requester_name", LONG)
    phone.fill("#id_requester_email", "not-an-address-" + "y" * 80)
    phone.fill("#id_details", LONG)
    phone.click("button[type=submit]")
    assert_no_sideways_scroll(phone, "takedown form with errors")
    phone.fill("#id_requester_email", "someone@example.com")
    phone.click("button[type=submit]")
    assert phone.locator("[role=status]").count(), phone.content()[:2000]
    assert_no_sideways_scroll(phone, "takedown received")
    TakedownRequest.objects.update(resolution_note=LONG)
    phone.click("text=this request's status page")
    assert LONG in phone.content()
    assert_no_sideways_scroll(phone, "takedown status")


IMAGES = """() => [...document.querySelectorAll('main picture img')].map(img => {
  const r = img.getBoundingClientRect();
  return {src: img.currentSrc, loading: img.loading, priority: img.fetchPriority,
          loaded: img.complete && img.naturalWidth > 0,
          onScreen: r.bottom > 0 && r.top < innerHeight && r.width > 0};
})"""


def test_phone_gallery_fetches_only_what_is_on_screen_eagerly(phone, live_server, ingest_now):
    for i in range(10):
        make_public(ingest_now(images.png(640, 400, seed=i)).asset)
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Network.enable")
    requests: list[dict] = []
    cdp.on("Network.requestWillBeSent", lambda event: requests.append(event))
    phone.goto(live_server.url + "/", wait_until="networkidle")
    shown = phone.evaluate(IMAGES)
    on_screen = [img for img in shown if img["onScreen"]]
    eager = [img for img in shown if img["loading"] == "eager"]
    loaded = [img for img in shown if img["loaded"]]
    high = [
        r["request"]["url"]
        for r in requests
        if r.get("type") == "Image" and r["request"].get("initialPriority") in ("High", "VeryHigh")
    ]
    print(
        f"390x844: {len(shown)} images, {len(on_screen)} on screen, {len(eager)} eager, "
        f"{len(high)} requested at high priority, {len(loaded)} loaded "
        "(lazy images within Chromium's lazy-load margin below the fold load too)"
    )
    assert len(eager) == 1 and eager[0]["onScreen"] and eager[0]["priority"] == "high"
    assert 1 <= len(on_screen) <= 2
    assert len(high) == 1, high
    assert all(img["loaded"] for img in on_screen), "what is on screen has loaded"
    assert len(loaded) < len(shown), "images far below the fold wait until scrolled to"

"""Visual regression: full-page Chromium screenshots compared with committed baselines.

The gallery, an asset page, the takedown form, the "Needs review" queue with its review page
and grid, and the editor's asset page and upload, each at three device sizes, on the
fixed demo data of conftest.py. A screenshot passes when at most MAX_CHANGED_SHARE of its
pixels differ from the baseline by more than TOLERANCE in any channel; a size change fails.
On failure, actual.png, expected.png and diff.png go to test-output/visual/<name>/.

``UPDATE_SCREENSHOTS=1`` (``make update-screenshots``) writes the baselines instead.
"""

from __future__ import annotations

import io
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
BASELINES = Path(__file__).resolve().parent / "baselines"
OUTPUT = ROOT / "test-output" / "visual"
UPDATE = os.environ.get("UPDATE_SCREENSHOTS", "").lower() in ("1", "true", "yes")

TOLERANCE = 16  # a pixel counts as changed when a channel moves by more than this (0-255)
MAX_CHANGED_SHARE = 0.005  # and the screenshot fails past 0.5 % changed pixels

DEVICES = [(360, 780, 3), (768, 1024, 2), (1440, 900, 1)]
PAGES = ["gallery", "asset", "queue", "review", "grid", "editor", "upload", "takedown"]
# Pages seen through the admin, and who looks at them.
ADMIN_PAGES = {"queue": "moderator", "review": "moderator", "grid": "moderator",
               "editor": "editor", "upload": "editor"}  # fmt: skip
QUEUE_URL = "/admin/moderation/needsreview/"
# What the JS clock in the page reads (the pages use none today; this keeps it that way).
PAGE_CLOCK = datetime(2025, 3, 16, 12, 0, tzinfo=UTC)

# Text that depends on the server's clock (or a random id): replaced by a fixed string (so
# layout does not move with it) and masked. Everything else on these pages comes from the
# fixed demo data.
VOLATILE = {
    "gallery": [],
    "asset": [],
    "queue": ["td.field-waiting", '[data-stat="oldest"]'],
    "review": [".claim-note"],
    "grid": [],
    "editor": [],
    "upload": [],
    # The form is filled with the reported image's address, whose id is random per run.
    "takedown": ["#id_evidence_url"],
}

# The admin keeps two preferences in localStorage: a light theme (what color_scheme="light"
# gives anyway), and the app sidebar collapsed with its own toggle, so the queue's screenshots
# do not change whenever some app registers another admin page.
ADMIN_PREFERENCES_JS = """
localStorage.setItem("theme", "light");
localStorage.setItem("django.admin.navSidebarIsOpen", "false");
"""

# Images stay hidden until all of them are loaded and decoded, then are painted once. Otherwise
# an image in the first viewport can be rasterised before img.decode() has finished, and a
# JPEG drawn at under half its size is then resampled either from a scaled decode or from
# the full one (a few pixel values apart) depending on which came first.
HIDE_IMAGES_JS = """
(() => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync("img { visibility: hidden !important; }");
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  window.__visualHiddenImages = sheet;
})();
"""

STABILISE_JS = """
(volatile) => {
  for (const selector of volatile) {
    for (const el of document.querySelectorAll(selector)) el.textContent = "(masked)";
  }
  // Lazy images below the fold would never load for a full-page capture.
  for (const img of document.images) if (img.loading === "lazy") img.loading = "eager";
}
"""

SETTLE_JS = """
async () => {
  await document.fonts.ready;
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done, {once: true});
    img.addEventListener("error", done, {once: true});
  })));
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  const sheet = window.__visualHiddenImages;
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return images.filter((img) => !img.naturalWidth).map((img) => img.currentSrc || img.src);
}
"""

# Belt and braces next to animations="disabled": no transitions, no smooth scrolling.
STILL_CSS = """
*, *::before, *::after { transition: none !important; animation: none !important;
  scroll-behavior: auto !important; caret-color: transparent !important; }
"""


def shot_name(page: str, device: tuple[int, int, int]) -> str:
    width, height, dpr = device
    return f"{page}-{width}x{height}@{dpr}"


def page_path(name: str, demo_site) -> str:
    return {
        "gallery": "/",
        "asset": f"/images/{demo_site.published[0].pk}/",
        "queue": QUEUE_URL,
        "review": f"{QUEUE_URL}{demo_site.in_review[0].pk}/change/",
        "grid": f"{QUEUE_URL}grid/",
        "editor": f"/admin/aiassets/asset/{demo_site.published[0].pk}/change/",
        "upload": "/admin/aiassets/asset/add/",
        "takedown": f"/takedown/?asset={demo_site.published[0].pk}",
    }[name]


def session_cookie(user, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": base_url}


def capture(browser, base_url: str, path: str, device, volatile, cookies=(), admin=False) -> bytes:
    width, height, dpr = device
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=dpr,
        is_mobile=False,
        has_touch=False,
        locale="en-US",
        timezone_id="UTC",
        color_scheme="light",
        reduced_motion="reduce",
        base_url=base_url,
        bypass_csp=True,  # STILL_CSS is injected inline, which the site's CSP refuses
    )
    try:
        if cookies:
            context.add_cookies(list(cookies))
        context.add_init_script(HIDE_IMAGES_JS)
        if admin:
            context.add_init_script(ADMIN_PREFERENCES_JS)
        context.clock.set_fixed_time(PAGE_CLOCK)
        page = context.new_page()
        response = page.goto(path, wait_until="load")
        assert response is not None and response.status == 200, (path, response)
        page.add_style_tag(content=STILL_CSS)
        page.evaluate(STABILISE_JS, volatile)
        broken = page.evaluate(SETTLE_JS)
        assert broken == [], f"images that did not load on {path}: {broken}"
        return page.screenshot(
            full_page=True,
            animations="disabled",
            caret="hide",
            scale="device",
            mask=[page.locator(selector) for selector in volatile],
            mask_color="#FF00FF",
        )
    finally:
        context.close()


def save_png(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", optimize=True)


def diff_image(expected: np.ndarray, actual: np.ndarray, changed: np.ndarray) -> Image.Image:
    """The actual screenshot, faded to grey, with changed pixels in solid red."""
    grey = actual.mean(axis=2, keepdims=True).repeat(3, axis=2) * 0.35 + 160
    out = grey.astype(np.uint8)
    out[changed] = (255, 0, 0)
    return Image.fromarray(out, "RGB")


def compare(name: str, png: bytes) -> None:
    actual_image = Image.open(io.BytesIO(png)).convert("RGB")
    baseline = BASELINES / f"{name}.png"
    out_dir = OUTPUT / name
    shutil.rmtree(out_dir, ignore_errors=True)  # nothing stale from an earlier failure
    if UPDATE:
        save_png(actual_image, baseline)
        return
    if not baseline.exists():
        save_png(actual_image, out_dir / "actual.png")
        pytest.fail(
            f"{name}: no baseline {baseline.relative_to(ROOT)}; run `make update-screenshots`"
            f" (this run's screenshot: {out_dir / 'actual.png'})",
            pytrace=False,
        )
    expected_image = Image.open(baseline).convert("RGB")
    if expected_image.size != actual_image.size:
        save_png(actual_image, out_dir / "actual.png")
        save_png(expected_image, out_dir / "expected.png")
        pytest.fail(
            f"{name}: size changed from {expected_image.size} to {actual_image.size}"
            f" (actual: {out_dir / 'actual.png'}, expected: {out_dir / 'expected.png'})",
            pytrace=False,
        )
    expected = np.asarray(expected_image, dtype=np.int16)
    actual = np.asarray(actual_image, dtype=np.int16)
    changed = np.abs(expected - actual).max(axis=2) > TOLERANCE
    share = float(changed.mean())
    if share > MAX_CHANGED_SHARE:
        save_png(actual_image, out_dir / "actual.png")
        save_png(expected_image, out_dir / "expected.png")
        save_png(diff_image(expected, actual, changed), out_dir / "diff.png")
        pytest.fail(
            f"{name}: {share:.3%} of pixels changed by more than {TOLERANCE}"
            f" (limit {MAX_CHANGED_SHARE:.1%}); actual: {out_dir / 'actual.png'},"
            f" diff: {out_dir / 'diff.png'}, expected: {out_dir / 'expected.png'}",
            pytrace=False,
        )


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: f"{d[0]}x{d[1]}@{d[2]}")
@pytest.mark.parametrize("page_name", PAGES)
def test_screen_matches_baseline(visual_browser, live_server, demo_site, page_name, device):
    role = ADMIN_PAGES.get(page_name)
    admin = role is not None
    png = capture(
        visual_browser,
        live_server.url,
        page_path(page_name, demo_site),
        device,
        VOLATILE[page_name],
        cookies=[session_cookie(getattr(demo_site, role), live_server.url)] if admin else [],
        admin=admin,
    )
    compare(shot_name(page_name, device), png)

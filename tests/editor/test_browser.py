"""The editor's side in a real browser (headless Debian Chromium through Playwright, against
pytest-django's live server): drag-and-drop upload of several files, a rejection reason on
the asset page at phone width, and the page updating itself while a worker builds."""

from __future__ import annotations

import base64
import re

import pytest

from aiassets.models import Asset
from moderation import workflow
from tests import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DROP_JS = """(files) => {
  const dt = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], f.name, { type: f.type }));
  }
  return dt;
}"""

# Elements whose right edge passes the viewport, unless a scrolling box (a wide table's
# wrapper) holds them. The admin's .form-row clips with overflow:hidden, so the page itself
# never scrolls sideways: content cut off there is what a phone user would lose.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll") return true;
    }
    return false;
  };
  return Array.from(document.querySelectorAll("#content *"))
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .map((el) => el.tagName + "." + el.className);
}"""


def log_in(browser, live_server, user: str, path: str, width: int = 1280):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.goto(f"/admin/login/?next={path}")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(f"pw-{user}")
    page.get_by_role("button", name="Log in").click()
    return context, page


def as_file(name: str, data: bytes, mime: str = "image/png") -> dict:
    return {"name": name, "type": mime, "b64": base64.b64encode(data).decode()}


def test_drag_and_drop_uploads_each_file_with_its_own_result(browser, live_server, editor):
    from playwright.sync_api import expect

    context, page = log_in(browser, live_server, "ed", "/admin/aiassets/asset/add/")
    try:
        zone = page.locator(".aia-drop-zone")
        expect(zone).to_be_visible()  # shown by the script (hidden without JavaScript)
        page.fill("#id_new_model_name", "Drop Diffusion")
        page.fill("#id_prompt", "kites over a green hill")
        page.fill("#id_generated_at_0", "2026-11-01")
        page.fill("#id_generated_at_1", "10:00:00")
        files = [
            as_file("one.png", images.png(320, 240, seed=31)),
            as_file("broken.png", images.png(320, 240, seed=32)[:300]),
            as_file("three.jpg", images.jpeg(320, 240, seed=33), "image/jpeg"),
        ]
        transfer = page.evaluate_handle(DROP_JS, files)
        zone.dispatch_event("drop", {"dataTransfer": transfer})
        rows = page.locator(".aia-drop-list li")
        expect(rows).to_have_count(3)
        expect(page.locator(".aia-drop-list li.aia-done")).to_have_count(2, timeout=30000)
        expect(page.locator(".aia-drop-list li.aia-failed")).to_have_count(1)
        expect(rows.nth(1)).to_contain_text("broken.png")
        expect(rows.nth(1)).to_contain_text("(truncated)")
        for n in (0, 2):
            link = rows.nth(n).get_by_role("link")
            change = re.compile(r"^/admin/aiassets/asset/.+/change/$")
            expect(link).to_have_attribute("href", change)
        assert rows.nth(0).locator("progress").evaluate("p => p.value") == 100
        rows.nth(2).get_by_role("link").click()
        expect(page.locator(".aia-state-moderation")).to_contain_text("Waiting for the automatic")
    finally:
        context.close()
    assert Asset.objects.count() == 2
    assert set(Asset.objects.values_list("uploaded_by__username", flat=True)) == {"ed"}
    assert set(Asset.objects.values_list("provenance__prompt", flat=True)) == {
        "kites over a green hill"
    }


def test_an_editor_reads_the_rejection_reason_at_phone_width(
    browser, live_server, editor, make_user, ingest_now, settings
):
    from playwright.sync_api import expect

    settings.DERIVATIVE_RATIOS = ["16/9"]  # crop previews too
    alice = make_user("alice", "moderators")
    asset = ingest_now(images.png(640, 480, seed=41)).asset
    workflow.transition("send_to_review", asset)
    note = "looks like a news anchor, see https://news.example/" + "anchor-lookalike-" * 8
    workflow.transition("reject", asset, by=alice, reason_code="real_person", note=note)
    path = f"/admin/aiassets/asset/{asset.pk}/change/"
    context, page = log_in(browser, live_server, "ed", path, width=390)
    try:
        state = page.locator(".aia-state-moderation")
        expect(state).to_contain_text("Rejected by alice on")
        expect(state).to_contain_text("Likeness of a real person — “looks like a news anchor")
        expect(page.locator(".aia-public-link")).to_have_count(0)
        first = page.locator("tr.aia-decision").first
        expect(first).to_contain_text("In review → Rejected")
        expect(page.locator("tr.aia-rendition")).to_have_count(asset.variants.count())
        page.locator(".field-renditions").scroll_into_view_if_needed()
        thumb = page.locator("tr.aia-rendition img").first
        expect(thumb).to_have_js_property("complete", True)
        assert thumb.evaluate("img => img.naturalWidth") > 0, "the signed thumbnail loaded"
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow} px wider than the 390 px screen"
        assert page.evaluate(STICKING_OUT) == [], "nothing sticks out past the screen's edge"
    finally:
        context.close()


def test_the_page_updates_itself_while_a_worker_builds(
    browser, live_server, editor, rq, django_capture_on_commit_callbacks
):
    from playwright.sync_api import expect

    from aiassets.ingest import ingest
    from tests.conftest import provenance

    with django_capture_on_commit_callbacks(execute=True):
        asset = ingest(images.png(640, 480, seed=51), provenance()).asset
    context, page = log_in(browser, live_server, "ed", f"/admin/aiassets/asset/{asset.pk}/change/")
    try:
        renditions = page.locator(".aia-state-renditions")
        expect(renditions).to_contain_text("Building renditions: 0 of 6 ready. Queued")
        page.fill("#id_title", "typed while it builds")
        rq.work("derivatives")
        expect(renditions).to_have_text("All 6 renditions ready.", timeout=20000)
        expect(page.locator("tr.aia-rendition[data-status=ready]")).to_have_count(6)
        assert page.input_value("#id_title") == "typed while it builds", "no reload: typing kept"
    finally:
        context.close()

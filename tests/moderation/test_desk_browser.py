"""The review desk in headless Chromium (issue 21): keyboard shortcuts and approve-and-next,
grid bulk decisions with claims, and layouts that neither clip nor scroll sideways.

Real Chromium through Playwright (the ``browser`` fixture in tests/conftest.py) against
pytest-django's live server, under the site's Content-Security-Policy made stricter still (no
style attributes either, as in tests/test_csp.py): any violation fails the test. No sleeps:
Playwright's expect() waits.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from aiassets.models import Asset
from moderation.models import Decision, ReviewClaim
from tests import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
"""


def review_url(asset: Asset) -> str:
    return f"/admin/moderation/needsreview/{asset.pk}/change/"


def aged(asset: Asset, minutes: int) -> Asset:
    then = timezone.now() - timedelta(minutes=minutes)
    Asset.objects.filter(pk=asset.pk).update(created_at=then, queued_at=then)
    return asset


@pytest.fixture
def open_as(browser, live_server, settings):
    """A logged-in page for ``name`` (password pw-<name>, see make_user), sized as asked."""
    settings.SECURE_CSP = {k: v for k, v in settings.SECURE_CSP.items() if k != "style-src-attr"}
    contexts = []

    def open_page(name: str, width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.add_init_script(COLLECT_CSP)
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill("pw-" + name)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        return page

    yield open_page
    for context in contexts:
        context.close()


def no_csp_violations(page) -> None:
    assert page.evaluate("window.__csp") == [], page.url


def reject_with_r_never_without_a_reason(page, item, next_item, messages) -> None:
    """r focuses the reason; it never rejects without one (Enter, nor the button)."""
    from playwright.sync_api import expect

    page.keyboard.press("r")
    reason = page.get_by_label("Reason")
    expect(reason).to_be_focused()
    expect(page.locator(".reason-prompt")).to_be_visible()
    reason.press("Enter")
    expect(page.locator(".reason-missing")).to_be_visible()
    page.get_by_role("button", name="Reject").click()
    expect(reason).to_be_focused()
    assert page.url.endswith(review_url(item)) and not Decision.objects.filter(asset=item).exists()
    reason.select_option("violence")
    reason.press("Enter")
    page.wait_for_url(re.compile(re.escape(review_url(next_item)) + "$"))
    expect(messages).to_contain_text("Rejected “Item 1” (violence).")


def test_keyboard_shortcuts_decide_and_move_to_the_next_item(open_as, make_user, make_asset):
    from playwright.sync_api import expect

    make_user("alice", "moderators")
    items = [aged(make_asset("in_review", title=f"Item {n}"), 60 - n) for n in range(4)]
    page = open_as("alice")
    page.goto(review_url(items[0]))
    expect(page.locator(".shortcut-legend")).to_contain_text("Approve")
    expect(page.locator(".shortcut-legend kbd")).to_have_text(["a", "r", "e", "s"])
    expect(page.locator(".reason-missing")).to_be_hidden()
    expect(page.locator(".reason-prompt")).to_be_hidden()
    messages = page.locator("ul.messagelist")

    # Typing in the note never fires a shortcut.
    page.get_by_label("Note").fill("")
    page.get_by_label("Note").press_sequentially("a reason sketch")
    expect(page.get_by_label("Note")).to_have_value("a reason sketch")
    assert page.url.endswith(review_url(items[0]))
    page.get_by_label("Note").fill("")
    page.locator("h2", has_text="Provenance").click()  # focus leaves the field
    # a: approve, and the next item opens.
    page.keyboard.press("a")
    page.wait_for_url(re.compile(re.escape(review_url(items[1])) + "$"))
    expect(messages).to_contain_text("Approved “Item 0”.")

    reject_with_r_never_without_a_reason(page, items[1], items[2], messages)

    # s: skip without deciding.
    page.keyboard.press("s")
    page.wait_for_url(re.compile(re.escape(review_url(items[3])) + "$"))
    expect(messages).to_contain_text("Skipped “Item 2”")

    # e: escalate; nothing left but what was skipped: back on the queue.
    page.keyboard.press("e")
    page.wait_for_url(re.compile(r"/admin/moderation/needsreview/$"))
    expect(messages).to_contain_text("Escalated “Item 3”.")
    expect(messages).to_contain_text("Queue empty.")
    no_csp_violations(page)

    verdicts = {
        a.pk: list(Decision.objects.filter(asset=a).values_list("verdict", "reason_code"))
        for a in items
    }
    assert verdicts == {
        items[0].pk: [("approve", "")],
        items[1].pk: [("reject", "violence")],
        items[2].pk: [],
        items[3].pk: [("escalate", "")],
    }
    assert not ReviewClaim.objects.exists(), "decided items leave, the skipped one is released"


def test_approve_and_next_respects_another_moderators_claim(open_as, make_user, make_asset):
    from playwright.sync_api import expect

    make_user("alice", "moderators")
    bob = make_user("bob", "moderators")
    first, held, third = (aged(make_asset("in_review", title=f"N{n}"), 60 - n) for n in range(3))
    ReviewClaim.objects.create(
        asset=held, user=bob, expires_at=timezone.now() + timedelta(minutes=10)
    )
    page = open_as("alice")
    page.goto(review_url(first))
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(re.escape(review_url(third)) + "$"))
    expect(page.get_by_text("You hold this item")).to_be_visible()
    assert ReviewClaim.objects.get(asset=held).user == bob


def test_grid_bulk_decisions_with_claims_and_the_reason_rule(open_as, make_user, ingest_for_review):
    from playwright.sync_api import expect

    make_user("alice", "moderators")
    bob = make_user("bob", "moderators")
    items = [
        ingest_for_review(images.png(320, 240, seed=40 + n), title=f"Tile {n}") for n in range(4)
    ]
    page = open_as("alice")
    page.goto("/admin/moderation/needsreview/grid/")
    tiles = page.locator(".review-tiles .tile")
    expect(tiles).to_have_count(4)
    for img in page.locator("img.tile-image").all():
        expect(img).to_have_attribute("src", re.compile(r"^/moderation/preview/"))
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") > 0, "the staff preview served the thumbnail"

    # Bob opens one item after Alice loaded the grid.
    ReviewClaim.objects.create(
        asset=items[1], user=bob, expires_at=timezone.now() + timedelta(minutes=10)
    )
    page.get_by_label("Select all").check()
    expect(page.locator(".selected-count")).to_have_text("4 selected")
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator(".errornote")).to_contain_text("Choose a reason to reject.")
    expect(page.locator("input[name='selected']:checked")).to_have_count(4)
    assert not Decision.objects.filter(actor__isnull=False).exists()

    page.get_by_label("Reason").select_option("quality")
    page.get_by_label("Note").fill("batch of test tiles")
    page.get_by_role("button", name="Reject selected").click()
    messages = page.locator("ul.messagelist")
    expect(messages).to_contain_text("Rejected 3 items (reason: quality).")
    expect(messages).to_contain_text(
        "Skipped 1 item(s) another moderator is reviewing: Tile 1 (bob)"
    )
    expect(tiles).to_have_count(1)
    expect(tiles.first).to_contain_text("bob is reviewing it")
    no_csp_violations(page)

    for n, asset in enumerate(items):
        rows = list(Decision.objects.filter(asset=asset, actor__isnull=False))
        if n == 1:
            assert rows == [] and Asset.objects.get(pk=asset.pk).moderation_status == "in_review"
            continue
        assert [(d.verdict, d.reason_code, d.note, d.actor.username) for d in rows] == [
            ("reject", "quality", "batch of test tiles", "alice")
        ], "one audit row per asset"
        assert Asset.objects.get(pk=asset.pk).moderation_status == "rejected"


OVERFLOW_JS = """
() => {
  const doc = document.documentElement;
  const clipped = [];
  for (const cell of document.querySelectorAll('#result_list th, #result_list td')) {
    if (cell.scrollWidth > cell.clientWidth + 1) {
      clipped.push(cell.className + ': ' + cell.textContent.trim().slice(0, 30));
    }
  }
  const table = document.querySelector('#result_list');
  const box = table && table.closest('.results').getBoundingClientRect();
  const tbox = table && table.getBoundingClientRect();
  return {
    page: doc.scrollWidth - doc.clientWidth,
    clipped,
    tableOverhang: table ? Math.max(0, Math.round(tbox.right - box.right)) : 0,
  };
}
"""


# Anything in the page that scrolls sideways by itself, or sticks out past the viewport.
SIDEWAYS_JS = """
() => [...document.querySelectorAll('#container *')].filter((el) => {
  const style = getComputedStyle(el);
  if (style.position === 'absolute' || style.display === 'none') return false;
  const scrolls = ['auto', 'scroll'].includes(style.overflowX)
    && el.scrollWidth > el.clientWidth + 1;
  return scrolls || el.getBoundingClientRect().right > window.innerWidth + 1;
}).map((el) => el.tagName + '.' + el.className).slice(0, 10)
"""


@pytest.fixture
def wordy_queue(make_user, ingest_for_review, make_asset):
    make_user("alice", "moderators")
    bob = make_user("bob-the-long-named-moderator", "moderators")
    long_title = "A very long title for an image of a lighthouse at dusk in watercolour " * 2
    first = ingest_for_review(
        images.png(640, 480, seed=51),
        title=long_title[:200],
        prov={"prompt": "lighthouse " * 300, "negative_prompt": "x" * 400},
    )
    held = make_asset("in_review", title="Held" * 40)
    ReviewClaim.objects.create(
        asset=held, user=bob, expires_at=timezone.now() + timedelta(minutes=10)
    )
    return first


def test_no_clipped_columns_at_1280_and_no_sideways_scroll_at_390(open_as, wordy_queue):
    page = open_as("alice", 1280, 900)
    page.goto("/admin/moderation/needsreview/")
    result = page.evaluate(OVERFLOW_JS)
    assert result == {"page": 0, "clipped": [], "tableOverhang": 0}, result
    no_csp_violations(page)
    for url in ("/admin/moderation/needsreview/", review_url(wordy_queue), "/admin/"):
        page.goto(url)
        assert page.evaluate(SIDEWAYS_JS) == [], url

    narrow = open_as("alice", 390, 844)
    for url in (
        "/admin/moderation/needsreview/",
        review_url(wordy_queue),
        "/admin/moderation/needsreview/grid/",
        "/admin/",
    ):
        narrow.goto(url)
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide at 390"
        assert narrow.evaluate(SIDEWAYS_JS) == [], url
        no_csp_violations(narrow)

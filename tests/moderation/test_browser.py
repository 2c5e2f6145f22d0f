"""One real browser run through the review queue: open it, approve one item (the next opens by
itself), reject it, and land on the empty queue.

Headless Debian Chromium through Playwright (the ``browser`` fixture in tests/conftest.py),
against pytest-django's live server. No sleeps: Playwright's expect() waits.
"""

from __future__ import annotations

import re

import pytest

from moderation.models import Decision
from tests import images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Log in").click()


def approve_with_preview(page, expect, link) -> None:
    """Open the item behind ``link``, check its preview image loaded, approve it."""
    link.click()
    image = page.locator("img.review-image")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("src", re.compile(r"^/moderation/preview/"))
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, "the preview view served the image"
    expect(page.get_by_text("You hold this item")).to_be_visible()
    page.get_by_role("button", name="Approve").click()


def test_moderator_approves_one_and_rejects_one(browser, live_server, ingest_for_review, make_user):
    from playwright.sync_api import expect

    make_user("alice", "moderators")
    older = ingest_for_review(images.png(640, 480, seed=21), title="Fox at dawn")
    newer = ingest_for_review(images.png(640, 480, seed=22), title="Heron <b>at</b> dusk")

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, "alice", "/admin/moderation/needsreview/")

        expect(
            page.get_by_role("heading", name="Select item needing review to change")
        ).to_be_visible()
        expect(page.locator('[data-stat="length"]')).to_have_text("2")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Fox at dawn")  # oldest first
        expect(rows.nth(1)).to_contain_text("Heron <b>at</b> dusk")  # escaped, shown as text

        # Approve the oldest item.
        approve_with_preview(page, expect, rows.first.get_by_role("link", name="Fox at dawn"))
        expect(page.locator("ul.messagelist")).to_contain_text("Approved “Fox at dawn”")

        # Approve-and-next: the other item opens, claimed; reject it with a reason code.
        expect(page.get_by_role("heading", name="Review: Heron <b>at</b> dusk")).to_be_visible()
        expect(page.get_by_text("You hold this item")).to_be_visible()
        page.get_by_label("Reason").select_option("sexual_content")
        page.get_by_label("Note").fill("checked at full size")
        page.get_by_role("button", name="Reject").click()
        expect(page.locator("ul.messagelist")).to_contain_text(
            "Rejected “Heron <b>at</b> dusk” (sexual_content)"
        )
        expect(page.locator("ul.messagelist")).to_contain_text("Queue empty.")
        expect(page.locator('[data-stat="length"]')).to_have_text("0")
    finally:
        context.close()

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.moderation_status, older.published) == ("approved", True)
    assert newer.moderation_status == "rejected"
    decision = Decision.objects.filter(asset=newer).first()
    assert (decision.actor.username, decision.reason_code, decision.note) == (
        "alice",
        "sexual_content",
        "checked at full size",
    )

"""The editor's asset page: where the asset stands in one sentence, the moderation timeline,
each rendition once with a link, the status JSON it polls, and the history page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aiassets.models import Asset, Variant
from moderation import workflow
from moderation.models import Escalation
from tests import images
from tests.editor.conftest import change_url

pytestmark = pytest.mark.django_db


def page_of(client, asset: Asset) -> str:
    response = client.get(change_url(asset))
    assert response.status_code == 200
    return response.content.decode()


def state_of(html: str) -> str:
    found = re.search(r'<p class="aia-state-moderation"><strong>(.*?)</strong>', html, re.S)
    assert found, "the page states where the asset stands"
    return found.group(1)


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def built(ingest_now) -> Asset:
    """A real asset with its renditions (3 widths × 3 formats) built."""
    return ingest_now(images.png(800, 600)).asset


def test_timeline_lists_every_decision_newest_first(as_editor, built, make_user):
    alice = make_user("alice", "moderators")
    workflow.transition("send_to_review", built, reasons=["licence_restricted"])
    workflow.transition(
        "reject", built, by=alice, reason_code="copyright", note="a <b>logo</b> in the corner"
    )
    html = page_of(as_editor, built)
    rows = re.findall(r'<tr class="aia-decision" data-verdict="(\w+)">(.*?)</tr>', html, re.S)
    assert [verdict for verdict, _ in rows] == ["reject", "review"], "newest first"
    reject = rows[0][1]
    assert "In review → Rejected" in reject and "alice" in reject
    assert "Copyrighted character, logo or artwork" in reject
    assert "a &lt;b&gt;logo&lt;/b&gt; in the corner" in reject, "notes are escaped"
    assert "Pending → In review" in rows[1][1] and "licence_restricted" in rows[1][1]
    day = timezone.localtime().strftime("%-d %b %Y")
    assert state_of(html) == (
        f"Rejected by alice on {day}: Copyrighted character, logo or artwork — "
        "“a &lt;b&gt;logo&lt;/b&gt; in the corner”."
    )


def test_state_while_waiting_for_review_counts_the_items_ahead(as_editor, make_asset):
    now = timezone.now()
    for minutes in (30, 20):  # two queued before it
        make_asset(status="in_review", queued_at=now - timedelta(minutes=minutes))
    escalated = make_asset(status="in_review", queued_at=now - timedelta(minutes=25))
    Escalation.objects.create(asset=escalated)  # another queue: not ahead of it
    mine = make_asset(status="in_review", queued_at=now - timedelta(minutes=10))
    make_asset(status="in_review", queued_at=now)  # behind it
    assert state_of(page_of(as_editor, mine)) == ("Waiting for review: 2 items ahead in the queue.")
    assert state_of(page_of(as_editor, escalated)) == (
        "Waiting for a second opinion (escalated): next in the queue."
    )


@pytest.mark.parametrize(
    "steps,expected",
    [
        ([], r"Waiting for the automatic check: the moderation worker classifies it next\."),
        (["approve"], r"Public since \d+ \w+ \d{4}, \d\d:\d\d \(approved by mod\)\."),
        (["approve", "take_down"], r"Taken down by mod on \d+ \w+ \d{4}: legal\."),
        (["withdraw"], r"Erasure requested by mod on \d+ \w+ \d{4}: its files are being deleted\."),
    ],
)
def test_state_sentence_per_state(as_editor, make_asset, moderator, steps, expected):
    asset = make_asset(status="pending")
    for step in steps:
        if step == "withdraw":
            workflow.withdraw(asset, by=moderator, note="asked by the uploader")
            continue
        reason = "legal" if step == "take_down" else ""
        workflow.transition(step, asset, by=moderator, reason_code=reason)
    assert re.fullmatch(expected, state_of(page_of(as_editor, asset)))


def test_approved_but_unpublished_and_erased_assets(as_editor, make_asset, moderator, settings):
    settings.MODERATION_PUBLISH_ON_APPROVE = False
    asset = make_asset(status="pending")
    workflow.transition("approve", asset, by=moderator)
    assert re.fullmatch(
        r"Approved by mod on \d+ \w+ \d{4}, not published\.", state_of(page_of(as_editor, asset))
    )
    gone = make_asset(status="taken_down", erased_at=timezone.now(), erasure_reason="GDPR request")
    html = page_of(as_editor, gone)
    assert re.fullmatch(r"Erased on \d+ \w+ \d{4}: GDPR request\.", state_of(html))
    assert '<p class="aia-erasure">' in html
    assert "No renditions: the asset was erased." in html


def test_each_rendition_once_with_a_signed_link_and_no_public_link(as_editor, built):
    html = page_of(as_editor, built)
    variants = list(built.variants.all())
    assert len(variants) == 9
    assert html.count('<tr class="aia-rendition"') == len(variants)
    assert 'class="original"' not in html, "no inline rows (each variant was printed twice)"
    links = re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener">open</a>', html)
    assert len(links) == len(set(links)) == len(variants)
    assert all("sig=" in link for link in links), "not public: signed, expiring links"
    assert "aia-public-link" not in html and "/images/" not in html
    thumbs = re.findall(r'<img src="([^"]+)" alt="" width="48" height="\d+" loading="lazy"', html)
    assert len(thumbs) == 3, "one lazy thumbnail per format (the smallest rendition)"
    assert all("320w-" in t for t in thumbs)
    served = as_editor.get(links[0].replace("&amp;", "&"))
    assert served.status_code == 200 and served["Content-Type"].startswith("image/")


def test_public_asset_links_its_public_page_and_immutable_urls(as_editor, built, moderator):
    workflow.transition("approve", built, by=moderator)
    html = page_of(as_editor, built)
    assert f'href="/images/{built.pk}/" class="aia-public-link"' in html
    links = re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener">open</a>', html)
    assert links and not any("sig=" in link for link in links)


def test_a_long_healthy_list_starts_folded(as_editor, ingest_now, settings):
    settings.DERIVATIVE_RATIOS = ["16/9", "1/1"]
    asset = ingest_now(images.png(900, 600, seed=5)).asset
    html = page_of(as_editor, asset)
    assert '<details class="aia-renditions"><summary>24 renditions: 24 ready</summary>' in html
    assert html.count('<tr class="aia-rendition"') == 24
    settings.DERIVATIVE_RATIOS = []
    small = page_of(as_editor, ingest_now(images.png(400, 300, seed=6)).asset)
    assert '<details class="aia-renditions" open><summary>6 renditions: 6 ready' in small


def test_failed_rendition_shows_its_error(as_editor, built):
    Variant.objects.filter(pk=built.variants.first().pk).update(
        status="failed", error="encoder <exploded>"
    )
    html = page_of(as_editor, built)
    assert "1 of 9 renditions failed" in html
    assert '<details class="aia-renditions" open><summary>9 renditions: 8 ready, 1 failed' in html
    assert '<span class="aia-error">encoder &lt;exploded&gt;</span>' in html


def test_prompt_needs_the_view_provenance_permission(client, built, editor):
    client.force_login(editor)
    assert "a lighthouse at dusk" in page_of(client, built), "editors see prompts"
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_asset"))
    client.force_login(viewer)
    html = page_of(client, built)
    assert "a lighthouse at dusk" not in html and "provenance" not in html.lower().split(
        "</header>", 1
    )[-1].replace("view_provenance", "")


def test_history_shows_the_decisions(as_editor, make_asset, moderator):
    asset = make_asset(status="in_review")
    workflow.transition("reject", asset, by=moderator, reason_code="quality", note="blurry")
    html = as_editor.get(f"/admin/aiassets/asset/{asset.pk}/history/").content.decode()
    assert "Moderation decisions" in html and "Broken, spam or low quality" in html
    assert "blurry" in html
    assert "doesn’t have a change history" not in html
    assert as_editor.get("/admin/aiassets/asset/not-a-uuid/history/").status_code in (302, 404)


def test_change_page_query_budget_does_not_grow_with_renditions_or_decisions(
    client, superuser, ingest_now, settings, moderator
):
    client.force_login(superuser)
    small = ingest_now(images.png(400, 300, seed=1)).asset
    settings.DERIVATIVE_RATIOS = ["16/9", "1/1"]
    big = ingest_now(images.png(900, 600, seed=2)).asset
    for asset, rounds in ((small, 1), (big, 3)):
        for _ in range(rounds):
            workflow.transition("send_to_review", asset, by=moderator)
            workflow.transition("reject", asset, by=moderator, reason_code="other")
    page_of(client, small)  # warm the per-process caches (content types, permissions)
    counts = []
    for asset in (small, big):
        with CaptureQueriesContext(connection) as queries:
            page_of(client, asset)
        counts.append(len(queries))
    assert big.variants.count() > 3 * small.variants.count()
    assert counts[0] == counts[1], counts
    assert counts[1] <= 25, [q["sql"][:120] for q in queries.captured_queries]


def test_status_json_while_a_worker_builds(as_editor, rq, django_capture_on_commit_callbacks):
    from aiassets.ingest import ingest
    from tests.conftest import provenance

    with django_capture_on_commit_callbacks(execute=True):
        asset = ingest(images.png(640, 480), provenance()).asset  # 2 widths × 3 formats
    html = page_of(as_editor, asset)
    assert 'data-pending="1"' in html and "aiassets/asset_page.js" in html
    status = as_editor.get(f"/admin/aiassets/asset/{asset.pk}/status.json")
    assert "no-store" in status["Cache-Control"]
    body = status.json()
    assert body["building"] and body["renditions"]["ready"] == 0
    assert (
        "Building renditions: 0 of 6 ready. Queued: the next free derivatives worker"
        in (body["state_html"])
    )
    rq.work("derivatives")
    body = as_editor.get(f"/admin/aiassets/asset/{asset.pk}/status.json").json()
    assert not body["building"] and body["renditions"] == {
        "ready": 6,
        "pending": 0,
        "deferred": 0,
        "failed": 0,
        "total": 6,
    }
    assert "All 6 renditions ready." in body["state_html"]
    assert body["renditions_html"].count('<tr class="aia-rendition"') == 6


def test_status_json_needs_view_permission(client, built):
    plain = User.objects.create_user("plain", password="x", is_staff=True)
    client.force_login(plain)
    response = client.get(f"/admin/aiassets/asset/{built.pk}/status.json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"

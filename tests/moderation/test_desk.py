"""The review desk (issue 21): approve-and-next, skip, grid mode and the queue counts on the
admin index, through the admin views as each kind of user sees them."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aiassets.models import Asset
from moderation import workflow
from moderation.admin import counts
from moderation.models import Decision, ReviewClaim

pytestmark = pytest.mark.django_db

GRID = "/admin/moderation/needsreview/grid/"


def review_url(asset: Asset, queue: str = "needsreview") -> str:
    return f"/admin/moderation/{queue}/{asset.pk}/change/"


def queue_url(queue: str = "needsreview") -> str:
    return f"/admin/moderation/{queue}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def aged(asset: Asset, minutes: int) -> Asset:
    then = timezone.now() - timedelta(minutes=minutes)
    Asset.objects.filter(pk=asset.pk).update(created_at=then, queued_at=then)
    return asset


@pytest.fixture
def line(make_asset):
    """Three in-review items, oldest first: first, second, third."""
    return [aged(make_asset("in_review", title=f"item {n}"), 60 - n) for n in range(3)]


def hold(asset: Asset, user) -> None:
    ReviewClaim.objects.create(
        asset=asset, user=user, expires_at=timezone.now() + timedelta(minutes=5)
    )


# --- approve-and-next ------------------------------------------------------------------------


def test_a_decision_opens_the_next_item_and_names_what_was_decided(client, moderator, line):
    client.force_login(moderator)
    client.get(review_url(line[0]))
    response = client.post(review_url(line[0]), {"action": "approve"})
    assert response["Location"] == review_url(line[1])
    assert ReviewClaim.objects.get(asset=line[1]).user == moderator, "the next one is claimed"
    page = client.get(response["Location"])
    assert "Approved “item 0”." in messages_of(page)
    response = client.post(
        review_url(line[1]), {"action": "reject", "reason_code": "violence"}, follow=True
    )
    assert response.redirect_chain[-1][0] == review_url(line[2])
    assert "Rejected “item 1” (violence)." in messages_of(response)


def test_next_skips_items_another_moderator_holds(client, moderator, moderator2, line):
    hold(line[1], moderator2)
    client.force_login(moderator)
    response = client.post(review_url(line[0]), {"action": "escalate"})
    assert response["Location"] == review_url(line[2])
    assert ReviewClaim.objects.get(asset=line[1]).user == moderator2, "their claim stands"


def test_an_empty_queue_lands_on_the_queue_with_queue_empty(client, moderator, make_asset):
    only = make_asset("in_review", title="last one")
    client.force_login(moderator)
    response = client.post(review_url(only), {"action": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == queue_url()
    assert messages_of(response)[:2] == ["Approved “last one”.", "Queue empty."]


def test_skip_leaves_the_item_undecided_for_others_and_moves_on(client, moderator, line):
    client.force_login(moderator)
    client.get(review_url(line[0]))
    response = client.post(review_url(line[0]), {"action": "skip"}, follow=True)
    assert response.redirect_chain[-1][0] == review_url(line[1])
    assert "Skipped “item 0”: left for others, not decided." in messages_of(response)
    assert not Decision.objects.filter(asset=line[0]).exists()
    assert not ReviewClaim.objects.filter(asset=line[0]).exists(), "released for others"
    client.post(review_url(line[1]), {"action": "approve"})
    response = client.post(review_url(line[2]), {"action": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == queue_url(), "the skipped item is not offered again"
    assert "Queue empty. You skipped 1 item; they are back in line." in messages_of(response)
    response = client.get(queue_url() + "next/")
    assert response["Location"] == review_url(line[0]), "…until the queue was seen through"


def test_the_review_page_shows_the_shortcut_legend_and_loads_its_script(client, moderator, line):
    client.force_login(moderator)
    html = client.get(review_url(line[0])).content.decode()
    assert re.search(r'<script src="[^"]*/moderation/review\.js" defer></script>', html)
    assert "<script>" not in html, "no inline script (CSP)"
    legend = html.split('class="shortcut-legend"')[1].split("</section>")[0]
    for key, what in (("a", "Approve"), ("r", "Reject"), ("e", "Escalate"), ("s", "Skip")):
        assert f"<kbd>{key}</kbd></dt><dd>{what}" in legend
    assert 'aria-keyshortcuts="a"' in html and 'value="skip"' in html


def test_read_only_review_pages_have_no_shortcuts(client, moderator, moderator2, line):
    hold(line[0], moderator2)
    client.force_login(moderator)
    html = client.get(review_url(line[0])).content.decode()
    assert "review.js" not in html and "shortcut-legend" not in html


# --- grid mode: permissions ------------------------------------------------------------------


@pytest.mark.parametrize("queue", ["needsreview", "escalated", "autorejected"])
def test_grid_is_for_moderators_and_superusers_only(
    client, editor, moderator, superuser, make_user, queue
):
    url = f"/admin/moderation/{queue}/grid/"
    assert "/admin/login/" in client.get(url)["Location"]
    for user, status in ((editor, 403), (make_user("visitor"), 403)):
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, {"decision": "approve"}).status_code == status
    for user in (moderator, superuser):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_taken_down_has_no_grid(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/moderation/takendown/grid/").status_code == 404


def test_editors_cannot_decide_through_the_grid(client, editor, line):
    client.force_login(editor)
    response = client.post(GRID, {"decision": "approve", "selected": [line[0].pk]})
    assert response.status_code == 403
    assert not Decision.objects.exists()


# --- grid mode: what it shows and decides ----------------------------------------------------


def test_grid_shows_the_queue_through_staff_previews_only(client, moderator, ingest_for_review):
    from tests import images

    asset = ingest_for_review(images.png(640, 480, seed=31), title="Grid fox")
    client.force_login(moderator)
    html = client.get(GRID).content.decode()
    sources = re.findall(r'<img src="([^"]+)"[^>]*class="tile-image"', html)
    assert sources == [f"/moderation/preview/{asset.pk}/" + sources[0].split(f"{asset.pk}/")[1]]
    assert all(s.startswith("/moderation/preview/") for s in sources), "never a public URL"
    assert "Grid fox" in html and re.search(r'<script src="[^"]*/moderation/grid\.js"', html)


def test_grid_approves_many_with_one_audit_row_each(client, moderator, moderator2, line):
    hold(line[1], moderator2)
    client.force_login(moderator)
    response = client.post(
        GRID, {"decision": "approve", "selected": [a.pk for a in line]}, follow=True
    )
    assert response.redirect_chain[-1][0] == GRID
    msgs = messages_of(response)
    assert "Approved 2 items." in msgs
    assert "Skipped 1 item(s) another moderator is reviewing: item 1 (mod2)" in msgs
    statuses = dict(Asset.objects.values_list("pk", "moderation_status"))
    assert [statuses[a.pk] for a in line] == ["approved", "in_review", "approved"]
    for asset in (line[0], line[2]):
        rows = list(Decision.objects.filter(asset=asset))
        assert [(d.verdict, d.actor, d.from_status) for d in rows] == [
            ("approve", moderator, "in_review")
        ]
    assert not Decision.objects.filter(asset=line[1]).exists()
    assert ReviewClaim.objects.get(asset=line[1]).user == moderator2


def test_grid_reject_demands_a_reason(client, moderator, line):
    client.force_login(moderator)
    response = client.post(GRID, {"decision": "reject", "selected": [line[0].pk, line[2].pk]})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason_code": ["Choose a reason to reject."]}
    html = response.content.decode()
    assert "Choose a reason to reject." in html
    assert html.count(" checked>") == 2, "the selection survives the error"
    assert not Decision.objects.exists()
    response = client.post(
        GRID,
        {
            "decision": "reject",
            "selected": [line[0].pk, line[2].pk],
            "reason_code": "copyright",
            "note": "same logo",
        },
        follow=True,
    )
    assert "Rejected 2 items (reason: copyright)." in messages_of(response)
    rows = Decision.objects.filter(verdict="reject").order_by("asset_id")
    assert sorted(d.asset_id for d in rows) == sorted([line[0].pk, line[2].pk])
    assert {(d.reason_code, d.note, d.actor_id) for d in rows} == {
        ("copyright", "same logo", moderator.pk)
    }


@pytest.mark.parametrize(
    "data, error",
    [
        ({"decision": "approve"}, "Select at least one item."),
        ({"decision": "approve", "selected": ["not-a-uuid"]}, "That is not an item"),
        (
            {"decision": "approve", "selected": [str(uuid.uuid4()) for _ in range(501)]},
            "Select at most 500 items at once.",
        ),
        ({"decision": "take_down", "selected": ["00000000-0000-0000-0000-000000000000"]}, "valid"),
    ],
)
def test_grid_refuses_bad_input_with_a_form_error(client, moderator, line, data, error):
    client.force_login(moderator)
    response = client.post(GRID, data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Decision.objects.exists()


def test_grid_reports_items_that_already_left_the_queue(client, moderator, moderator2, line):
    workflow.approve(line[0], by=moderator2)
    client.force_login(moderator)
    response = client.post(
        GRID, {"decision": "approve", "selected": [line[0].pk, line[1].pk]}, follow=True
    )
    msgs = messages_of(response)
    assert "Approved 1 item." in msgs
    assert any(m.startswith("1 selected item had already left this queue") for m in msgs)
    assert Decision.objects.filter(asset=line[0]).count() == 1


def test_auto_rejected_grid_offers_approve_only(client, moderator, make_asset):
    asset = make_asset("pending")
    workflow.reject(asset, kind="classifier", classifier="nudenet", reason_code="x")
    client.force_login(moderator)
    html = client.get("/admin/moderation/autorejected/grid/").content.decode()
    assert 'value="approve"' in html and 'value="reject"' not in html
    response = client.post(
        "/admin/moderation/autorejected/grid/",
        {"decision": "reject", "selected": [asset.pk], "reason_code": "other"},
    )
    assert (
        response.status_code == 200
        and not Decision.objects.filter(verdict="reject", actor=moderator).exists()
    )


# --- query budgets ---------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_grid_costs_the_same_number_of_queries_for_3_or_30_items(client, moderator, make_asset):
    client.force_login(moderator)
    for _ in range(3):
        make_asset("in_review")
    few = queries(client, GRID)
    for _ in range(27):
        make_asset("in_review")
    assert queries(client, GRID) == few
    assert few <= 12, f"grid page: {few} queries"


def test_grid_decision_costs_a_fixed_number_of_queries_per_item(client, moderator, make_asset):
    client.force_login(moderator)

    def cost(n: int) -> int:
        pks = [make_asset("in_review").pk for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            client.post(GRID, {"decision": "approve", "selected": pks})
        return len(ctx.captured_queries)

    one, five = cost(1), cost(5)
    per_item = (five - one) / 4
    assert per_item == int(per_item) and per_item <= 16, (one, five)


def test_index_counts_cost_a_fixed_number_of_queries(client, moderator, superuser, make_asset):
    client.force_login(moderator)
    make_asset("in_review")
    base = queries(client, "/admin/")
    for status in ("in_review", "in_review", "rejected", "taken_down"):
        for _ in range(5):
            make_asset(status)
    assert queries(client, "/admin/") == base
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as ctx:
        counts.queue_counts(type("R", (), {"user": superuser})())
    assert len(ctx.captured_queries) <= 5, [q["sql"][:80] for q in ctx.captured_queries]


# --- the admin index -------------------------------------------------------------------------


def desk(html: str) -> list[tuple[str, str]]:
    block = html.split('class="module review-desk"')[1].split("</section>")[0]
    return re.findall(
        r'<a href="[^"]+">([^<]+)</a></th>\s*<td class="desk-count" data-count="([^"]+)"', block
    )


def test_index_shows_queue_counts_in_workflow_order(client, moderator, make_asset):
    for _ in range(3):
        make_asset("in_review")
    workflow.escalate(make_asset("in_review"), by=moderator)
    by_model = make_asset("pending")
    workflow.reject(by_model, kind="classifier", classifier="nudenet", reason_code="x")
    workflow.reject(make_asset("in_review"), by=moderator, reason_code="other")
    make_asset("taken_down")
    make_asset("approved")
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()
    assert 'href="/admin/moderation/needsreview/next/">Review next</a>' in html
    assert 'href="/admin/moderation/needsreview/grid/">Grid</a>' in html
    assert desk(html) == [
        ("Needs review", "3"),
        ("Escalated", "1"),
        ("Auto-rejected", "1"),
        ("Taken down", "1"),
    ]


def test_index_counts_are_capped(client, moderator, make_asset, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 2)
    for _ in range(3):
        make_asset("in_review")
    for _ in range(4):
        asset = make_asset("pending")
        workflow.reject(asset, kind="classifier", classifier="nudenet", reason_code="x")
    human = aged(make_asset("rejected"), 600)  # the oldest rejected row, not the classifier's
    assert human
    client.force_login(moderator)
    rows = dict(desk(client.get("/admin/").content.decode()))
    assert rows["Needs review"] == "2+"
    assert rows["Auto-rejected"] == "2+"
    monkeypatch.setattr(counts, "CAP", 10)
    rows = dict(desk(client.get("/admin/").content.decode()))
    assert rows["Auto-rejected"] == "4", "the classifier's four, not the human's rejection"
    assert rows["Needs review"] == "3"


def test_index_counts_for_users_outside_moderation(client, editor, make_user, make_asset):
    from django.contrib.auth.models import Permission

    make_asset("in_review")
    client.force_login(editor)
    assert "review-desk" not in client.get("/admin/").content.decode()
    takedowns = make_user("legal")
    takedowns.user_permissions.add(Permission.objects.get(codename="take_down"))
    client.force_login(takedowns)
    assert desk(client.get("/admin/").content.decode()) == [("Taken down", "0")]

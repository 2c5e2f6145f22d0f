"""The review queues and the review page through the admin, as each group sees them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aiassets.models import Asset
from moderation import workflow
from moderation.models import Classification, Decision, Escalation, ReviewClaim
from tests import images

pytestmark = pytest.mark.django_db

QUEUES = ["needsreview", "autorejected", "escalated", "takendown"]


def queue_url(name: str = "needsreview") -> str:
    return f"/admin/moderation/{name}/"


def review_url(asset: Asset, queue: str = "needsreview") -> str:
    return f"/admin/moderation/{queue}/{asset.pk}/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- permissions, group by group ---------------------------------------------------------


def test_groups_get_the_right_permissions(groups):
    mods = {p.codename for p in groups["moderators"].permissions.all()}
    eds = {p.codename for p in groups["editors"].permissions.all()}
    assert {"decide", "take_down", "view_decision"} <= mods
    assert not eds & {"decide", "take_down"}


@pytest.mark.parametrize("queue", QUEUES)
def test_anonymous_users_are_sent_to_log_in(client, queue, make_asset):
    asset = make_asset("in_review")
    for url in (queue_url(queue), review_url(asset, queue)):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("queue", QUEUES)
def test_editors_cannot_see_queues_or_decide(as_user, editor, make_asset, queue):
    client = as_user(editor)
    asset = make_asset("in_review")
    assert client.get(queue_url(queue)).status_code == 403
    assert client.get(review_url(asset, queue)).status_code == 403
    response = client.post(review_url(asset, queue), {"action": "approve"})
    assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review" and not Decision.objects.exists()
    assert client.get("/admin/moderation/decision/").status_code == 403
    assert "moderation" not in client.get("/admin/").content.decode().lower().split("<main")[-1]


@pytest.mark.parametrize("who", ["moderator", "superuser"])
@pytest.mark.parametrize("queue", QUEUES)
def test_moderators_and_superusers_see_every_queue(as_user, request, who, queue, make_asset):
    client = as_user(request.getfixturevalue(who))
    make_asset("in_review")
    assert client.get(queue_url(queue)).status_code == 200
    assert client.get("/admin/moderation/takedownrequest/").status_code == 200
    assert client.get("/admin/moderation/decision/").status_code == 200


def test_staff_outside_both_groups_get_nothing(as_user, make_user, make_asset):
    client = as_user(make_user("visitor"))
    asset = make_asset("in_review")
    assert client.get(queue_url()).status_code == 403
    assert client.post(review_url(asset), {"action": "approve"}).status_code == 403


# --- the review page ---------------------------------------------------------------------


@pytest.fixture
def reviewed(ingest_for_review):
    """An in-review asset with real variants, an XSS-ish prompt and a classification with boxes."""
    asset = ingest_for_review(
        images.png(640, 480, seed=4), prov={"prompt": "<script>alert('x')</script> a fox"}
    )
    Classification.objects.create(
        asset=asset,
        classifier="nudenet",
        classifier_version="3.4.2",
        labels=["FEMALE_BREAST_EXPOSED"],
        scores={"FEMALE_BREAST_EXPOSED": 0.42},
        boxes=[{"label": "FEMALE_BREAST_EXPOSED", "score": 0.42, "box": [64, 48, 128, 96]}],
        image_width=640,
        image_height=480,
        top_label="FEMALE_BREAST_EXPOSED",
        top_score=0.42,
    )
    return asset


def test_review_page_shows_private_image_boxes_provenance_and_history(as_user, moderator, reviewed):
    response = as_user(moderator).get(review_url(reviewed))
    assert response.status_code == 200
    html = response.content.decode()
    src = re.search(r'<img src="([^"]+)"[^>]*class="review-image"', html).group(1)
    assert src.startswith(f"/moderation/preview/{reviewed.pk}/")
    assert 'viewBox="0 0 640 480"' in html
    assert '<rect x="64.0" y="48.0" width="128.0" height="96.0"' in html
    assert "box-review" in html  # 0.42 is in the review band
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; a fox" in html
    assert "<script>alert(" not in html
    assert "licence_restricted" in html and "Editorial only" in html
    for action in ("approve", "reject", "escalate", "take_down"):
        assert f'value="{action}"' in html
    assert ReviewClaim.objects.get(asset=reviewed).user == moderator
    assert "style=" not in html.split('id="content-main"')[1], "no inline styles (CSP)"


def test_approve_from_the_review_page(as_user, moderator, reviewed):
    client = as_user(moderator)
    client.get(review_url(reviewed))
    response = client.post(review_url(reviewed), {"action": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == queue_url()
    assert any(m.startswith("Approved") for m in messages_of(response))
    reviewed.refresh_from_db()
    assert reviewed.moderation_status == "approved" and reviewed.published
    assert not ReviewClaim.objects.exists()


def test_reject_needs_a_reason_code(as_user, moderator, reviewed):
    client = as_user(moderator)
    response = client.post(review_url(reviewed), {"action": "reject"}, follow=True)
    assert "Choose a reason to reject." in messages_of(response)
    reviewed.refresh_from_db()
    assert reviewed.moderation_status == "in_review"
    response = client.post(
        review_url(reviewed),
        {"action": "reject", "reason_code": "sexual_content", "note": "clear case"},
        follow=True,
    )
    assert any("Rejected" in m and "sexual_content" in m for m in messages_of(response))
    decision = Decision.objects.filter(asset=reviewed).first()
    assert (decision.verdict, decision.reason_code, decision.note, decision.actor) == (
        "reject",
        "sexual_content",
        "clear case",
        moderator,
    )


def test_escalate_moves_the_item_to_the_escalated_queue(as_user, moderator, reviewed):
    client = as_user(moderator)
    client.post(review_url(reviewed), {"action": "escalate", "note": "not sure"})
    assert Escalation.objects.get(asset=reviewed).note == "not sure"
    assert str(reviewed.pk) not in client.get(queue_url()).content.decode()
    escalated = client.get(queue_url("escalated")).content.decode()
    assert str(reviewed.pk) in escalated
    page = client.get(review_url(reviewed, "escalated")).content.decode()
    assert 'value="escalate"' not in page and 'value="approve"' in page


def test_a_claimed_item_is_read_only_for_another_moderator(
    as_user, client, moderator, moderator2, reviewed
):
    as_user(moderator).get(review_url(reviewed))
    client.logout()
    other = as_user(moderator2)
    page = other.get(review_url(reviewed)).content.decode()
    assert "mod is reviewing this item" in page and 'value="approve"' not in page
    response = other.post(review_url(reviewed), {"action": "approve"}, follow=True)
    assert any("mod is reviewing" in m for m in messages_of(response))
    reviewed.refresh_from_db()
    assert reviewed.moderation_status == "in_review"
    ReviewClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    other.post(review_url(reviewed), {"action": "approve"})
    reviewed.refresh_from_db()
    assert reviewed.moderation_status == "approved", "an expired claim no longer blocks"


def test_moderators_cannot_approve_their_own_upload(as_user, moderator, make_asset, settings):
    asset = make_asset("in_review", uploaded_by=moderator)
    client = as_user(moderator)
    page = client.get(review_url(asset)).content.decode()
    assert 'value="approve"' not in page and "another moderator must approve" in page
    response = client.post(review_url(asset), {"action": "approve"}, follow=True)
    assert any("another moderator must approve" in m for m in messages_of(response))
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"
    settings.MODERATION_FORBID_SELF_APPROVAL = False
    client.post(review_url(asset), {"action": "approve"})
    asset.refresh_from_db()
    assert asset.moderation_status == "approved"


def test_release_hands_the_item_back(as_user, moderator, make_asset):
    asset = make_asset("in_review")
    client = as_user(moderator)
    client.get(review_url(asset))
    response = client.post(review_url(asset), {"action": "release"}, follow=True)
    assert not ReviewClaim.objects.exists()
    assert any("Released" in m for m in messages_of(response))


def test_taken_down_items_can_be_restored(as_user, moderator, make_asset):
    asset = make_asset("taken_down")
    client = as_user(moderator)
    page = client.get(review_url(asset, "takendown")).content.decode()
    assert 'value="restore"' in page and 'value="approve"' not in page
    client.post(review_url(asset, "takendown"), {"action": "restore"})
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"


def test_a_moderator_without_take_down_permission_gets_no_take_down(as_user, make_user, make_asset):
    from django.contrib.auth.models import Permission

    user = make_user("junior")
    user.user_permissions.add(Permission.objects.get(codename="decide"))
    asset = make_asset("in_review")
    page = as_user(user).get(review_url(asset)).content.decode()
    assert 'value="approve"' in page and 'value="take_down"' not in page


# --- the queue pages ---------------------------------------------------------------------


def _age(asset: Asset, minutes: int) -> None:
    """Made, and queued (the stored queued_at orders the queues), ``minutes`` ago."""
    then = timezone.now() - timedelta(minutes=minutes)
    Asset.objects.filter(pk=asset.pk).update(created_at=then, queued_at=then)


def test_needs_review_lists_oldest_first_with_top_score_and_stats(as_user, moderator, make_asset):
    new, old = make_asset("in_review"), make_asset("in_review")
    _age(new, 5)
    _age(old, 120)
    Classification.objects.create(
        asset=new,
        classifier="nudenet",
        scores={"FEMALE_BREAST_EXPOSED": 0.31, "FACE_FEMALE": 0.9},
        top_score=0.9,
    )
    make_asset("approved")
    d1, d2 = make_asset("in_review"), make_asset("in_review")
    workflow.approve(d1, by=moderator)
    workflow.reject(d2, by=moderator, reason_code="other")
    html = as_user(moderator).get(queue_url()).content.decode()
    assert html.index(str(old.pk)) < html.index(str(new.pk)), "oldest first"
    assert "0.31 <small>FEMALE_BREAST_EXPOSED</small>" in html, "the watched label, not the face"
    stat = dict(re.findall(r'data-stat="([\w-]+)">([^<]*)<', html))
    assert stat["length"] == "2"
    assert stat["oldest"].startswith("2\xa0hours")
    assert stat["last-hour"] == "2" and stat["per-hour"] == "0.1"
    assert stat["rejection-rate"] == "50%" and stat["human"] == "2"


@pytest.mark.parametrize(
    "query", ["", "?o=-2", "?p=2", "?q=Asset"], ids=["list", "sorted", "page2", "searched"]
)
def test_the_header_shows_the_queues_oldest_item_whatever_the_list_shows(
    as_user, moderator, make_asset, settings, query
):
    """The header reads the oldest item off the list's first row only when that row is it
    (whole queue, first page, oldest first); sorted, paged or searched, it asks."""
    settings.MODERATION_QUEUE_PER_PAGE = 2
    for minutes in (5, 300, 60):
        _age(make_asset("in_review"), minutes)
    html = as_user(moderator).get(queue_url() + query).content.decode()
    stat = dict(re.findall(r'data-stat="([\w-]+)">([^<]*)<', html))
    assert stat["oldest"].startswith("5\xa0hours"), (query, stat["oldest"])


def test_auto_rejected_holds_only_classifier_rejections(as_user, moderator, make_asset):
    by_model, by_human = make_asset("pending"), make_asset("in_review")
    workflow.reject(by_model, kind="classifier", classifier="nudenet 3.4.2", reason_code="x")
    workflow.reject(by_human, by=moderator, reason_code="other")
    html = as_user(moderator).get(queue_url("autorejected")).content.decode()
    assert str(by_model.pk) in html and str(by_human.pk) not in html


def test_bulk_approve_and_reject_with_a_reason(as_user, moderator, moderator2, make_asset):
    a, b, c, busy = (make_asset("in_review") for _ in range(4))
    ReviewClaim.objects.create(
        asset=busy, user=moderator2, expires_at=timezone.now() + timedelta(minutes=5)
    )
    client = as_user(moderator)
    response = client.post(
        queue_url(),
        {"action": "approve_selected", "_selected_action": [a.pk, b.pk, busy.pk]},
        follow=True,
    )
    msgs = messages_of(response)
    assert "Approved 2 items." in msgs
    assert any(m.startswith("Skipped 1 item(s) another moderator is reviewing") for m in msgs)
    response = client.post(
        queue_url(), {"action": "reject_selected", "_selected_action": [c.pk]}, follow=True
    )
    assert "Choose a reason to reject." in messages_of(response)
    response = client.post(
        queue_url(),
        {
            "action": "reject_selected",
            "_selected_action": [c.pk],
            "reason_code": "violence",
            "note": "batch",
        },
        follow=True,
    )
    assert "Rejected 1 item (reason: violence)." in messages_of(response)
    statuses = dict(Asset.objects.values_list("pk", "moderation_status"))
    assert [statuses[x.pk] for x in (a, b, c, busy)] == [
        "approved",
        "approved",
        "rejected",
        "in_review",
    ]
    assert Decision.objects.get(asset=c).note == "batch"


def test_bulk_reports_refusals(as_user, moderator, make_asset):
    own = make_asset("in_review", uploaded_by=moderator)
    response = as_user(moderator).post(
        queue_url(), {"action": "approve_selected", "_selected_action": [own.pk]}, follow=True
    )
    assert any("1 item(s) not changed" in m for m in messages_of(response))
    assert not ReviewClaim.objects.exists(), "a refused item is released again"


def test_editors_cannot_run_bulk_actions(as_user, editor, make_asset):
    asset = make_asset("in_review")
    response = as_user(editor).post(
        queue_url(), {"action": "approve_selected", "_selected_action": [asset.pk]}
    )
    assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"


def test_review_next_claims_the_oldest_unclaimed_item(as_user, moderator, moderator2, make_asset):
    first, second = make_asset("in_review"), make_asset("in_review")
    _age(first, 60)
    _age(second, 30)
    ReviewClaim.objects.create(
        asset=first, user=moderator2, expires_at=timezone.now() + timedelta(minutes=5)
    )
    response = as_user(moderator).get(queue_url() + "next/")
    assert response["Location"] == review_url(second)
    assert ReviewClaim.objects.get(asset=second).user == moderator


def test_moderator_group_is_recreated_with_permissions_after_migrate(db):
    from django.core.management import call_command

    Group.objects.filter(name="moderators").delete()
    call_command("migrate", verbosity=0)
    perms = set(Group.objects.get(name="moderators").permissions.values_list("codename", flat=True))
    assert {"decide", "take_down"} <= perms


def test_auto_rejected_is_who_rejected_it_not_who_acted_last(as_user, moderator, make_asset):
    """The queue reads the stored ``queued_by`` (the actor of the status change): a later
    decision that changes no status (a face-redaction change) leaves the item where it is,
    and a human's rejection takes it out."""
    asset = make_asset("pending")
    workflow.reject(asset, kind="classifier", classifier="nudenet 3.4.2", reason_code="x")
    asset.refresh_from_db()
    assert (asset.moderation_status, asset.queued_by) == ("rejected", "classifier")
    Decision.objects.create(
        asset=asset,
        actor=moderator,
        actor_kind=Decision.ActorKind.USER,
        verdict=Decision.Verdict.FACE_REDACTION,
        from_status="rejected",
        to_status="rejected",
    )
    assert str(asset.pk) in as_user(moderator).get(queue_url("autorejected")).content.decode()
    workflow.send_to_review(asset, by=moderator)
    workflow.reject(asset, by=moderator, reason_code="other")
    asset.refresh_from_db()
    assert (asset.moderation_status, asset.queued_by) == ("rejected", "user")
    assert str(asset.pk) not in as_user(moderator).get(queue_url("autorejected")).content.decode()


def test_queued_by_backfill_reads_the_latest_status_change(moderator, make_asset):
    """Migration moderation.0004 stamps rows queued before the column existed."""
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("moderation.migrations.0004_backfill_queued_by").backfill
    by_model, by_human, untouched = (make_asset("pending") for _ in range(3))
    workflow.reject(by_model, kind="classifier", classifier="nudenet", reason_code="x")
    workflow.reject(by_human, by=moderator, reason_code="other")
    Asset.objects.update(queued_by="")  # as before the column
    backfill(apps, None)
    got = dict(Asset.objects.values_list("pk", "queued_by"))
    assert got[by_model.pk] == "classifier" and got[by_human.pk] == "user"
    assert got[untouched.pk] == ""


def test_the_header_counts_the_whole_queue_once_even_when_the_list_is_searched(
    as_user, moderator, make_asset
):
    """Unfiltered, the list's bounded count is the header's length (no second count); a
    search narrows the list, never the header."""
    for _ in range(3):
        make_asset("in_review")
    client = as_user(moderator)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(queue_url()).content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*) FROM (" in q["sql"]]
    assert len(counts) == 1, counts
    assert dict(re.findall(r'data-stat="([\w-]+)">([^<]*)<', html))["length"] == "3"
    searched = client.get(queue_url() + "?q=nothing-matches-this").content.decode()
    assert dict(re.findall(r'data-stat="([\w-]+)">([^<]*)<', searched))["length"] == "3"

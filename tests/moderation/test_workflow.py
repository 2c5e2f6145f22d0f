"""The state machine: every allowed and forbidden move, the audit row in the same transaction,
publication and delivery versions, the signal contract, permissions."""

from __future__ import annotations

import pytest
from django.db import transaction

from aiassets.models import Asset, ModerationStatus
from aiassets.signals import asset_visibility_changed
from moderation import workflow
from moderation.models import AuditLogError, Decision, Escalation, ReviewClaim

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in ModerationStatus]
ALLOWED = {
    "approve": {"pending", "in_review", "rejected"},
    "reject": {"pending", "in_review", "approved"},
    "send_to_review": {"pending", "approved", "rejected"},
    "escalate": {"in_review"},
    "take_down": {"pending", "in_review", "approved", "rejected"},
    "restore": {"taken_down"},
}
TARGET = {
    "approve": "approved",
    "reject": "rejected",
    "send_to_review": "in_review",
    "escalate": "in_review",
    "take_down": "taken_down",
    "restore": "in_review",
}
PAIRS = [(name, status) for name in ALLOWED for status in STATUSES]


@pytest.fixture
def signals():
    received: list[dict] = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal")
        received.append(kwargs)

    asset_visibility_changed.connect(receiver, dispatch_uid="test-workflow")
    yield received
    asset_visibility_changed.disconnect(dispatch_uid="test-workflow")


def test_the_rules_are_the_documented_table():
    assert {name: set(rule.allowed_from) for name, rule in workflow.RULES.items()} == ALLOWED


@pytest.mark.parametrize(("name", "status"), [p for p in PAIRS if p[1] in ALLOWED[p[0]]])
def test_allowed_transition(
    name, status, make_asset, moderator, signals, django_capture_on_commit_callbacks
):
    asset = make_asset(status)
    with django_capture_on_commit_callbacks(execute=True):
        decision = workflow.transition(name, asset, by=moderator, reason_code="other", note="n")
    asset.refresh_from_db()
    assert asset.moderation_status == TARGET[name]
    assert decision.from_status == status and decision.to_status == TARGET[name]
    assert decision.actor == moderator and decision.actor_kind == "user"
    assert decision.actor_name == "mod" and decision.reason_code == "other"
    assert list(asset.decisions.all()) == [decision]
    assert len(signals) == 1 and signals[0]["asset_id"] == asset.pk
    assert Escalation.objects.filter(asset=asset).exists() == (name == "escalate")


@pytest.mark.parametrize(("name", "status"), [p for p in PAIRS if p[1] not in ALLOWED[p[0]]])
def test_forbidden_transition(
    name, status, make_asset, moderator, signals, django_capture_on_commit_callbacks
):
    asset = make_asset(status)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.TransitionNotAllowed, match="Cannot"),
    ):
        workflow.transition(name, asset, by=moderator)
    asset.refresh_from_db()
    assert asset.moderation_status == status
    assert not Decision.objects.exists() and signals == []


def test_escalating_twice_is_refused(make_asset, moderator):
    asset = make_asset("in_review")
    workflow.escalate(asset, by=moderator)
    with pytest.raises(workflow.TransitionNotAllowed, match="already escalated"):
        workflow.escalate(asset, by=moderator)
    workflow.reject(asset, by=moderator, reason_code="violence")
    assert not Escalation.objects.filter(asset=asset).exists(), "leaving review clears it"


def test_signal_carries_exactly_the_documented_kwargs(
    make_asset, moderator, signals, django_capture_on_commit_callbacks
):
    asset = make_asset("in_review")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset, by=moderator)
        workflow.take_down(asset, by=moderator, reason_code="copyright")
    assert signals == [
        {
            "asset_id": asset.pk,
            "old_status": "in_review",
            "new_status": "approved",
            "was_public": False,
            "is_public": True,
            "old_delivery_version": 1,
            "delivery_version": 1,
        },
        {
            "asset_id": asset.pk,
            "old_status": "approved",
            "new_status": "taken_down",
            "was_public": True,
            "is_public": False,
            "old_delivery_version": 1,
            "delivery_version": 2,
        },
    ]


def test_signal_is_sent_only_on_commit(make_asset, moderator, signals):
    asset = make_asset("pending")
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.approve(asset, by=moderator)
        raise RuntimeError("the caller's transaction fails")
    assert signals == []
    asset.refresh_from_db()
    assert asset.moderation_status == "pending" and not Decision.objects.exists()


@pytest.mark.parametrize("name", ["reject", "take_down", "send_to_review"])
def test_leaving_public_view_unpublishes_and_bumps_the_delivery_version(
    name, make_asset, moderator
):
    asset = make_asset("approved", published=True)
    workflow.transition(name, asset, by=moderator, reason_code="other")
    asset.refresh_from_db()
    assert not asset.published and asset.delivery_version == 2
    assert asset.is_public is False


def test_unpublished_assets_keep_their_version(make_asset, moderator):
    asset = make_asset("in_review")
    workflow.reject(asset, by=moderator, reason_code="other")
    asset.refresh_from_db()
    assert asset.delivery_version == 1


def test_approve_publishes_unless_configured_not_to(make_asset, moderator, settings):
    first = make_asset("in_review")
    workflow.approve(first, by=moderator)
    first.refresh_from_db()
    assert first.published and first.is_public
    settings.MODERATION_PUBLISH_ON_APPROVE = False
    second = make_asset("in_review")
    workflow.approve(second, by=moderator)
    second.refresh_from_db()
    assert second.moderation_status == "approved" and not second.published


def test_only_moderation_fields_change(make_asset, moderator):
    asset = make_asset("in_review", title="Before")
    Asset.objects.filter(pk=asset.pk).update(title="Edited meanwhile")
    workflow.approve(asset, by=moderator)  # the in-memory title is stale
    asset.refresh_from_db()
    assert asset.title == "Edited meanwhile"


def test_a_failure_after_the_decision_rolls_back_both(make_asset, moderator, monkeypatch, signals):
    asset = make_asset("approved", published=True)

    def explode(asset_id, **fields):
        assert Decision.objects.filter(asset_id=asset_id).count() == 1  # already written
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow, "_write_asset", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        workflow.take_down(asset, by=moderator, reason_code="copyright")
    asset.refresh_from_db()
    assert not Decision.objects.exists()
    assert (asset.moderation_status, asset.published, asset.delivery_version) == (
        "approved",
        True,
        1,
    )
    assert signals == []


def test_a_failure_writing_the_decision_leaves_the_asset_alone(make_asset, moderator, monkeypatch):
    asset = make_asset("in_review")
    ReviewClaim.objects.create(asset=asset, user=moderator, expires_at="2099-01-01T00:00:00Z")

    def refuse(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(Decision.objects, "create", refuse)
    with pytest.raises(RuntimeError):
        workflow.approve(asset, by=moderator)
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review" and not asset.published
    assert ReviewClaim.objects.filter(asset=asset).exists()


def test_decisions_are_append_only(make_asset, moderator):
    asset = make_asset("in_review")
    decision = workflow.approve(asset, by=moderator)
    decision.note = "rewritten"
    with pytest.raises(AuditLogError):
        decision.save()
    with pytest.raises(AuditLogError):
        decision.delete()
    with pytest.raises(AuditLogError):
        Decision.objects.filter(pk=decision.pk).update(note="x")
    with pytest.raises(AuditLogError):
        Decision.objects.all().delete()
    assert Decision.objects.get().note == ""


def test_classifier_and_system_actors(make_asset):
    asset = make_asset("pending")
    d = workflow.send_to_review(
        asset, kind="classifier", classifier="nudenet 3.4.2", reasons=["licence_restricted"]
    )
    assert (d.actor, d.actor_kind, d.actor_name) == (None, "classifier", "nudenet 3.4.2")
    assert d.reasons == ["licence_restricted"]
    d = workflow.reject(asset, reason_code="quality")
    assert (d.actor_kind, d.actor_name, d.reasons) == ("system", "system", ["quality"])


def test_decisions_leave_the_review_claim(make_asset, moderator):
    asset = make_asset("in_review")
    ReviewClaim.objects.create(asset=asset, user=moderator, expires_at="2099-01-01T00:00:00Z")
    workflow.approve(asset, by=moderator)
    assert not ReviewClaim.objects.exists()


def test_editors_cannot_decide(make_asset, editor):
    asset = make_asset("in_review")
    for name in ("approve", "reject", "escalate", "take_down"):
        with pytest.raises(workflow.NotPermitted):
            workflow.transition(name, asset, by=editor)
    assert not Decision.objects.exists()


def test_anonymous_users_cannot_decide(make_asset):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(workflow.NotPermitted):
        workflow.approve(make_asset("in_review"), by=AnonymousUser())


def test_self_approval_is_forbidden_by_default(make_asset, moderator, moderator2, settings):
    asset = make_asset("in_review", uploaded_by=moderator)
    with pytest.raises(workflow.SelfApprovalForbidden):
        workflow.approve(asset, by=moderator)
    workflow.reject(asset, by=moderator, reason_code="other")  # rejecting your own is fine
    workflow.approve(asset, by=moderator2)
    settings.MODERATION_FORBID_SELF_APPROVAL = False
    own = make_asset("in_review", uploaded_by=moderator)
    workflow.approve(own, by=moderator)


def test_superusers_may_do_everything(make_asset, superuser):
    asset = make_asset("in_review", uploaded_by=superuser)
    workflow.approve(asset, by=superuser)
    workflow.take_down(asset, by=superuser)
    workflow.restore(asset, by=superuser)
    assert [d.verdict for d in asset.decisions.order_by("created_at", "id")] == [
        "approve",
        "take_down",
        "restore",
    ]

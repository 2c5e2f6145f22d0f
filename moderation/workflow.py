"""The moderation state machine: the ONLY code that changes Asset.moderation_status,
Asset.published and Asset.delivery_version.

Every transition locks the asset row (select_for_update), checks that the move is allowed from
the current status and that the actor may make it, appends a Decision, updates the asset, all
in one transaction, and on commit sends ``aiassets.signals.asset_visibility_changed``.

    transition       allowed from                              to
    approve          pending, in_review, rejected               approved (published if
                                                                MODERATION_PUBLISH_ON_APPROVE)
    reject           pending, in_review, approved               rejected
    send_to_review   pending, approved, rejected                in_review
    escalate         in_review (not yet escalated)              in_review + Escalation
    take_down        pending, in_review, approved, rejected     taken_down
    restore          taken_down                                 in_review (a human re-approves)

An asset that was published and lands anywhere but approved is unpublished and its
delivery_version is bumped, so every URL under the old version dies.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction

from aiassets.models import Asset, FaceRedaction, ModerationStatus
from aiassets.signals import asset_visibility_changed

from . import conf
from .models import Decision, Escalation, ReviewClaim, TakedownRequest

logger = logging.getLogger(__name__)

S = ModerationStatus
Verdict = Decision.Verdict
ActorKind = Decision.ActorKind


class WorkflowError(Exception):
    """A refused transition. The message is for people."""


class TransitionNotAllowed(WorkflowError):
    pass


class NotPermitted(WorkflowError):
    pass


class SelfApprovalForbidden(NotPermitted):
    pass


@dataclass(frozen=True)
class Rule:
    verdict: str
    allowed_from: frozenset[str]
    to_status: str | None  # None: the status stays (escalate)
    permission: str


RULES: dict[str, Rule] = {
    "approve": Rule(
        Verdict.APPROVE, frozenset({S.PENDING, S.IN_REVIEW, S.REJECTED}), S.APPROVED, "decide"
    ),
    "reject": Rule(
        Verdict.REJECT, frozenset({S.PENDING, S.IN_REVIEW, S.APPROVED}), S.REJECTED, "decide"
    ),
    "send_to_review": Rule(
        Verdict.REVIEW, frozenset({S.PENDING, S.APPROVED, S.REJECTED}), S.IN_REVIEW, "decide"
    ),
    "escalate": Rule(Verdict.ESCALATE, frozenset({S.IN_REVIEW}), None, "decide"),
    "take_down": Rule(
        Verdict.TAKE_DOWN,
        frozenset({S.PENDING, S.IN_REVIEW, S.APPROVED, S.REJECTED}),
        S.TAKEN_DOWN,
        "take_down",
    ),
    "restore": Rule(Verdict.RESTORE, frozenset({S.TAKEN_DOWN}), S.IN_REVIEW, "take_down"),
}

_LOCKED_FIELDS = ("id", "moderation_status", "published", "delivery_version", "uploaded_by")


def allowed(name: str, status: str, *, escalated: bool = False) -> bool:
    """Whether ``name`` may run from ``status`` (for showing only the buttons that work)."""
    rule = RULES[name]
    if status not in rule.allowed_from:
        return False
    return not (name == "escalate" and escalated)


def approve(asset: Asset | uuid.UUID | str, **kwargs: Any) -> Decision:
    return transition("approve", asset, **kwargs)


def reject(asset: Asset | uuid.UUID | str, **kwargs: Any) -> Decision:
    return transition("reject", asset, **kwargs)


def send_to_review(asset: Asset | uuid.UUID | str, **kwargs: Any) -> Decision:
    return transition("send_to_review", asset, **kwargs)


def escalate(asset: Asset | uuid.UUID | str, **kwargs: Any) -> Decision:
    return transition("escalate", asset, **kwargs)


def take_down(asset: Asset | uuid.UUID | str, **kwargs: Any) -> Decision:
    return transition("take_down", asset, **kwargs)


def restore(asset: Asset | uuid.UUID | str, **kwargs: Any) -> Decision:
    return transition("restore", asset, **kwargs)


def set_face_redaction(
    asset: Asset | uuid.UUID | str, choice: str, *, by: Any = None, note: str = ""
) -> Decision | None:
    """Override face redaction for one asset (a moderator's call on the review page).

    When that changes what public variants show, they are rebuilt under new keys, the old ones
    are deleted, and a public asset gets a new delivery_version so the CDN purges the old
    URLs. Audited as a Decision. Returns None when nothing changed."""
    if choice not in FaceRedaction.values:
        raise WorkflowError(f"Face redaction must be one of {', '.join(FaceRedaction.values)}.")
    if by is not None:
        _check_permission(RULES["approve"], by)
    asset_id = asset.pk if isinstance(asset, Asset) else asset
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset_id)
        if locked.face_redaction == choice:
            return None
        before = locked.redaction_boxes()
        locked.face_redaction = choice
        changed = before != locked.redaction_boxes()
        decision = Decision.objects.create(
            asset_id=locked.pk,
            actor=by,
            actor_name=_actor_name(by, ActorKind.USER if by else ActorKind.SYSTEM, ""),
            actor_kind=ActorKind.USER if by else ActorKind.SYSTEM,
            verdict=Verdict.FACE_REDACTION,
            from_status=locked.moderation_status,
            to_status=locked.moderation_status,
            reason_code=choice,
            reasons=[choice],
            note=note,
        )
        _write_asset(locked.pk, face_redaction=choice)
    if changed:
        republish(locked.pk, reason=f"face redaction: {choice}")
    logger.info(
        "face redaction of %s set to %s (variants %s)",
        asset_id,
        choice,
        "rebuilt" if changed else "unchanged",
        extra={"event": "moderation.face_redaction", "asset_id": str(asset_id), "choice": choice},
    )
    return decision


def republish(asset: Asset | uuid.UUID | str, *, by: Any = None, reason: str = "") -> bool:
    """Make the variants match what the asset may now show (faces, prompt visibility).

    Renditions whose recipe changed (planned and on-demand) are retired, which hands their
    served URLs to delivery for the purge, and rebuilt under new keys. A public asset then gets
    a new delivery_version, so its old URLs die at the origin and the CDN purges them.
    Returns True when anything changed."""
    from aiassets import renditions

    asset_id = asset.pk if isinstance(asset, Asset) else asset
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset_id)
        retired = renditions.retire_obsolete(locked)
        renditions.ensure_rows(locked)
        if retired and locked.is_public:
            _bump_public_version(locked)
        renditions.schedule(locked.pk)
    if not retired:
        return False
    logger.info(
        "republished %s (%s): %d rendition(s) retired",
        asset_id,
        reason or "-",
        retired,
        extra={"event": "moderation.republish", "asset_id": str(asset_id), "retired": retired},
    )
    return True


def _announce(
    asset_id: Any, statuses: tuple[str, str], public: tuple[bool, bool], versions: tuple[int, int]
) -> None:
    """Send asset_visibility_changed once the transaction commits (old → new of each)."""
    transaction.on_commit(
        partial(
            asset_visibility_changed.send,
            sender=Asset,
            asset_id=asset_id,
            old_status=statuses[0],
            new_status=statuses[1],
            was_public=public[0],
            is_public=public[1],
            old_delivery_version=versions[0],
            delivery_version=versions[1],
        ),
        robust=True,
    )


def _bump_public_version(locked: Asset) -> None:
    """A public asset's renditions changed: serve it under a new delivery_version."""
    version = locked.delivery_version
    _write_asset(locked.pk, delivery_version=version + 1)
    status = locked.moderation_status
    _announce(locked.pk, (status, status), (True, True), (version, version + 1))


def erase(asset: Asset, *, by: Any = None, note: str = "") -> int:
    """Erasure's visibility change: take the asset down (audited) unless it already is, then
    unpublish it and bump its delivery_version once more, so every URL (signed ones too) dies.
    Call inside the erasure's transaction. Returns the new delivery_version."""
    withdraw(asset, by=by, note=note)
    locked = Asset.objects.select_for_update().only(*_LOCKED_FIELDS).get(pk=asset.pk)
    version = locked.delivery_version + 1
    _write_asset(locked.pk, published=False, delivery_version=version)
    status = locked.moderation_status
    _announce(locked.pk, (status, status), (False, False), (locked.delivery_version, version))
    return version


def withdraw(asset: Asset, *, by: Any = None, note: str = "") -> Decision | None:
    """Take an asset down ahead of its erasure (see erase()). No-op when it is already taken
    down."""
    asset.refresh_from_db(fields=["moderation_status"])
    if asset.moderation_status == S.TAKEN_DOWN:
        return None
    return transition("take_down", asset, by=by, reason_code="erasure", note=note)


def transition(
    name: str,
    asset: Asset | uuid.UUID | str,
    *,
    by: Any = None,
    kind: str | None = None,
    classifier: str = "",
    reason_code: str = "",
    reasons: Iterable[str] = (),
    note: str = "",
    takedown: TakedownRequest | None = None,
) -> Decision:
    """Run one transition. ``by`` is the deciding user (kind "user"); without one the actor is
    the system, or a classifier when ``kind="classifier"``. Raises WorkflowError subclasses."""
    rule = RULES[name]
    kind = kind or (ActorKind.USER if by is not None else ActorKind.SYSTEM)
    if kind == ActorKind.USER:
        _check_permission(rule, by)
    asset_id = asset.pk if isinstance(asset, Asset) else asset

    with transaction.atomic():
        locked = _lock_allowed(name, asset_id, kind, by)
        old_status = locked.moderation_status
        new_status, published, version = _outcome(rule, locked)
        decision = Decision.objects.create(
            asset_id=locked.pk,
            actor=by if kind == ActorKind.USER else None,
            actor_name=_actor_name(by, kind, classifier),
            actor_kind=kind,
            classifier=classifier,
            verdict=rule.verdict,
            from_status=old_status,
            to_status=new_status,
            reason_code=reason_code,
            reasons=list(reasons) or ([reason_code] if reason_code else []),
            note=note,
            takedown=takedown,
        )
        _write_asset(
            locked.pk, moderation_status=new_status, published=published, delivery_version=version
        )
        _update_side_tables(name, locked.pk, by, note, new_status)
        public = (locked.is_public, new_status == S.APPROVED and published)
        _announce(locked.pk, (old_status, new_status), public, (locked.delivery_version, version))

    if isinstance(asset, Asset):
        asset.moderation_status, asset.published = new_status, published
        asset.delivery_version = version
    _log_decision(name, decision, old_status, new_status)
    return decision


def _lock_allowed(name: str, asset_id: Any, kind: str, by: Any) -> Asset:
    """Lock the asset's row and check that ``name`` may run from its status, by ``by``."""
    locked = Asset.objects.select_for_update().only(*_LOCKED_FIELDS).get(pk=asset_id)
    escalated = Escalation.objects.filter(asset_id=locked.pk).exists()
    if not allowed(name, locked.moderation_status, escalated=escalated):
        raise TransitionNotAllowed(_refusal(name, locked.moderation_status, escalated))
    if name == "approve" and kind == ActorKind.USER:
        _check_self_approval(locked, by)
    return locked


def _outcome(rule: Rule, locked: Asset) -> tuple[str, bool, int]:
    """(status, published, delivery_version) after ``rule``: leaving public view bumps the
    version, so every URL of the old one dies."""
    new_status = rule.to_status or locked.moderation_status
    published, version = locked.published, locked.delivery_version
    if new_status == S.APPROVED:
        published = published or conf.get("MODERATION_PUBLISH_ON_APPROVE")
    elif published:
        published, version = False, version + 1
    return new_status, published, version


def _log_decision(name: str, decision: Decision, old_status: str, new_status: str) -> None:
    logger.info(
        "moderation %s: asset %s %s → %s by %s (%s)",
        name,
        decision.asset_id,
        old_status,
        new_status,
        decision.actor_name,
        decision.reason_code or "-",
        extra={
            "event": "moderation.decision",
            "decision_id": decision.pk,
            "asset_id": str(decision.asset_id),
            "verdict": decision.verdict,
            "actor_kind": decision.actor_kind,
            "actor": decision.actor_name,
            "from_status": old_status,
            "to_status": new_status,
            "reason_code": decision.reason_code,
        },
    )


def _write_asset(asset_id: uuid.UUID, **fields: Any) -> None:
    """Write only the moderation fields: nothing else on the row changes."""
    Asset.objects.filter(pk=asset_id).update(**fields)


def _update_side_tables(name: str, asset_id: uuid.UUID, by: Any, note: str, status: str) -> None:
    ReviewClaim.objects.filter(asset_id=asset_id).delete()  # a decided item leaves its reviewer
    if name == "escalate":
        Escalation.objects.create(asset_id=asset_id, escalated_by=by, note=note)
    elif status != S.IN_REVIEW:
        Escalation.objects.filter(asset_id=asset_id).delete()


def _check_permission(rule: Rule, user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotPermitted("Only signed-in moderators can decide.")
    if not user.has_perm(f"moderation.{rule.permission}"):
        raise NotPermitted(f"{user} may not {rule.verdict.replace('_', ' ')} assets.")


def _check_self_approval(asset: Asset, user: Any) -> None:
    if (
        conf.get("MODERATION_FORBID_SELF_APPROVAL")
        and not user.is_superuser
        and asset.uploaded_by_id is not None
        and asset.uploaded_by_id == user.pk
    ):
        raise SelfApprovalForbidden("You uploaded this asset; another moderator must approve it.")


def _refusal(name: str, status: str, escalated: bool) -> str:
    label = ModerationStatus(status).label.lower()
    if name == "escalate" and escalated:
        return "This asset is already escalated."
    return f"Cannot {name.replace('_', ' ')} an asset that is {label}."


def _actor_name(by: Any, kind: str, classifier: str) -> str:
    if kind == ActorKind.USER and by is not None:
        return by.get_username()
    if kind == ActorKind.CLASSIFIER:
        return classifier or "classifier"
    return "system"

"""Moderation's part of the editor's asset page (aiassets' admin), provided through
``aiassets.pagehooks`` from ModerationConfig.ready(): aiassets may not import moderation.

* :func:`state_sentence`: where the asset stands, in one sentence ("Waiting for review: 3
  items ahead in the queue", "Rejected by alice on 12 Nov 2026: …", "Public since …").
* :func:`timeline`: every Decision, newest first (state change, reasons, note, who, when),
  then the takedown requests that matched the asset (without the requester's personal
  data) and its erasure, if any.

Editors see the reasons and notes moderators wrote: they are the people who must fix or
replace the image. Values are untrusted text: everything goes through format_html.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from aiassets.models import Asset, ModerationStatus

from . import queues
from .models import Decision, Escalation, TakedownMatch
from .reasons import REJECT_REASONS, TAKEDOWN_REASONS

QUEUE_COUNT_LIMIT = 1000  # "more than 1,000 items ahead": a bounded count at any scale
REASON_LABELS = dict(REJECT_REASONS) | {"erasure": "Erasure"}
TAKEDOWN_LABELS = dict(TAKEDOWN_REASONS)


def _day(when) -> str:
    return date_format(timezone.localtime(when), "j M Y")


def _when(when) -> str:
    return date_format(timezone.localtime(when), "j M Y, H:i")


def who(decision: Decision | None) -> str:
    if decision is None:
        return "someone"
    if decision.actor_kind == Decision.ActorKind.CLASSIFIER:
        return "the automatic check" + (f" ({decision.classifier})" if decision.classifier else "")
    if decision.actor_kind == Decision.ActorKind.SYSTEM:
        return decision.actor_name or "the system"
    return decision.actor_name or "a moderator"


def reason_text(decision: Decision) -> str:
    """The reason as people read it: the label of a known code, the note after it."""
    codes = decision.reasons or ([decision.reason_code] if decision.reason_code else [])
    text = ", ".join(REASON_LABELS.get(c, c) for c in codes) or "no reason given"
    return text + (f" — “{decision.note}”" if decision.note else "")


def latest_change(asset: Asset) -> Decision | None:
    """The decision that put the asset in its current state."""
    return (
        Decision.objects.filter(asset=asset, to_status=asset.moderation_status)
        .order_by("-created_at", "-id")
        .first()
    )


def queue_position(asset: Asset, escalated: bool) -> str:
    """How many items wait ahead of this one in its review queue (bounded)."""
    earlier = Asset.objects.filter(queued_at__lt=asset.queued_at or asset.created_at)
    queue = (queues.escalated if escalated else queues.needs_review)(earlier)  # one definition
    ahead, more = queues.bounded_count(queue, QUEUE_COUNT_LIMIT)
    if more:
        return f"more than {QUEUE_COUNT_LIMIT:,} items ahead in the queue"
    if ahead == 0:
        return "next in the queue"
    return f"{ahead} item{'s' if ahead != 1 else ''} ahead in the queue"


def state_sentence(asset: Asset) -> str:
    status = asset.moderation_status
    if asset.erased_at:
        return f"Erased on {_day(asset.erased_at)}: {asset.erasure_reason or 'no reason kept'}."
    if status == ModerationStatus.PENDING:
        return "Waiting for the automatic check: the moderation worker classifies it next."
    if status == ModerationStatus.IN_REVIEW:
        escalated = Escalation.objects.filter(asset=asset).exists()
        kind = "a second opinion (escalated)" if escalated else "review"
        return f"Waiting for {kind}: {queue_position(asset, escalated)}."
    decision = latest_change(asset)
    on = f" on {_day(decision.created_at)}" if decision else ""
    if status == ModerationStatus.REJECTED:
        reason = reason_text(decision) if decision else "no decision recorded"
        return f"Rejected by {who(decision)}{on}: {reason}."
    if status == ModerationStatus.TAKEN_DOWN:
        if decision and decision.reason_code == "erasure":  # withdraw() ahead of erase()
            return f"Erasure requested by {who(decision)}{on}: its files are being deleted."
        reason = reason_text(decision) if decision else "no decision recorded"
        return f"Taken down by {who(decision)}{on}: {reason}."
    if asset.published:
        since = f" since {_when(decision.created_at)}" if decision else ""
        return f"Public{since} (approved by {who(decision)})."
    return f"Approved by {who(decision)}{on}, not published."


def timeline(asset: Asset) -> SafeString:
    decisions = list(Decision.objects.filter(asset=asset).order_by("-created_at", "-id"))
    matches = list(TakedownMatch.objects.filter(asset=asset).select_related("request"))
    rows = format_html_join("", "{}", ((_decision_row(d),) for d in decisions))
    return format_html(
        '<div class="aia-table-wrap"><table class="aia-timeline"><thead><tr>'
        '<th scope="col">When</th><th scope="col">What</th><th scope="col">State</th>'
        '<th scope="col">Who</th><th scope="col">Reasons and note</th></tr></thead>'
        "<tbody>{}</tbody></table></div>{}{}",
        rows or format_html('<tr><td colspan="5">{}</td></tr>', "No decisions yet."),
        _takedowns(matches),
        _erasure(asset),
    )


def _decision_row(d: Decision) -> SafeString:
    return format_html(
        '<tr class="aia-decision" data-verdict="{}"><td>{}</td><td>{}</td><td>{} → {}</td>'
        '<td>{}</td><td class="aia-pre">{}</td></tr>',
        d.verdict,
        _when(d.created_at),
        d.get_verdict_display(),
        d.get_from_status_display(),
        d.get_to_status_display(),
        who(d),
        reason_text(d),
    )


def _takedowns(matches: list[TakedownMatch]) -> SafeString:
    if not matches:
        return mark_safe("")  # noqa: S308 - a constant
    items = format_html_join(
        "",
        "<li>{}: {}; {}; distance {}</li>",
        (
            (
                _day(m.request.created_at),
                TAKEDOWN_LABELS.get(m.request.reason, m.request.reason),
                m.request.get_status_display(),
                m.distance,
            )
            for m in matches
        ),
    )
    return format_html('<h3>Takedown requests</h3><ul class="aia-takedowns">{}</ul>', items)


def _erasure(asset: Asset) -> SafeString:
    if not asset.erased_at:
        return mark_safe("")  # noqa: S308 - a constant
    return format_html(
        '<h3>Erasure</h3><p class="aia-erasure">Erased on {}: {}</p>',
        _when(asset.erased_at),
        asset.erasure_reason or "no reason kept",
    )

"""The review page: the image (signed URL) with detector boxes, provenance, history, actions.

Opening the page claims the item; actions re-claim it atomically before deciding, so a
moderator whose claim lapsed to someone else cannot decide it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from aiassets.models import Asset, FaceRedaction, ModerationStatus, Provenance
from aiassets.urlcache import reverse_ids

from .. import claims, conf, policy, previews, workflow
from ..forms import ReasonFields
from ..models import Classification, Decision, Escalation, TakedownMatch
from ..permissions import can_decide, can_take_down
from ..reasons import REJECT_REASON_CODES
from . import nextitem

ACTIONS = [
    ("approve", "Approve"),
    ("reject", "Reject"),
    ("escalate", "Escalate"),
    ("send_to_review", "Send to review"),
    ("take_down", "Take down"),
    ("restore", "Restore to review"),
]
DONE = {
    "approve": "Approved",
    "reject": "Rejected",
    "escalate": "Escalated",
    "send_to_review": "Sent to review:",
    "take_down": "Took down",
    "restore": "Restored to review:",
}


def changelist_url(model_admin: admin.ModelAdmin) -> str:
    opts = model_admin.opts
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def change_url(model_admin: admin.ModelAdmin, pk: Any) -> str:
    opts = model_admin.opts
    return reverse_ids(f"admin:{opts.app_label}_{opts.model_name}_change", pk)


def forbidden() -> HttpResponse:
    raise PermissionDenied


def go_next(
    model_admin: admin.ModelAdmin, request: HttpRequest, exclude: list[Any]
) -> HttpResponseRedirect:
    """Open the next item of the same queue (claimed for this user), or the queue itself with
    "Queue empty" when nothing is left that nobody else holds."""
    pk = nextitem.claim_next(model_admin, request, exclude=exclude)
    if pk is not None:
        return HttpResponseRedirect(change_url(model_admin, pk))
    left = len(nextitem.skipped(request, model_admin))
    nextitem.forget_skips(request, model_admin)  # "Review next" offers them again
    messages.info(
        request,
        "Queue empty."
        + (
            f" You skipped {left} item{'s' if left != 1 else ''}; they are back in line."
            if left
            else ""
        ),
    )
    return HttpResponseRedirect(changelist_url(model_admin))


def _asset(object_id: str) -> Asset:
    try:
        pk = uuid.UUID(str(object_id))
    except ValueError:
        raise Http404("No such asset.")
    return get_object_or_404(
        Asset.objects.select_related("provenance__model", "uploaded_by"), pk=pk
    )


def review_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str):
    user = request.user
    if not (can_decide(user) or can_take_down(user)):
        raise PermissionDenied
    asset = _asset(object_id)
    if request.method == "POST":
        return _act(model_admin, request, asset)
    escalated = Escalation.objects.filter(asset=asset).select_related("escalated_by").first()
    actions, self_upload = available_actions(asset, user, escalated is not None)
    claim = claims.claim(asset.pk, user) if actions else None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Review: {asset}",
        "asset": asset,
        "status_label": ModerationStatus(asset.moderation_status).label,
        "image_url": previews.image_url(asset, 1280),
        "overlay": overlay(list(asset.classifications.order_by("-created_at"))),
        "classifications": asset.classifications.order_by("-created_at")[:10],
        "provenance": provenance_rows(asset),
        "decisions": asset.decisions.select_related("actor", "takedown").order_by(
            "-created_at", "-id"
        ),
        "escalation": escalated,
        "claim": claim,
        "actions": with_keys(actions) if claim is None or claim.won else [],
        "self_upload": self_upload,
        "reason_form": ReasonFields(),
        "queue_url": changelist_url(model_admin),
        "takedowns": TakedownMatch.objects.filter(asset=asset).select_related("request"),
        "can_decide": can_decide(user),
        "face_choices": FaceRedaction.choices,
        "face_boxes_redacted": bool(asset.redaction_boxes()),
    }
    return TemplateResponse(request, "admin/moderation/review.html", context)


SHORTCUTS = {"approve": "a", "reject": "r", "escalate": "e"}


def with_keys(actions: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(name, label, keyboard shortcut or "") for the review page's buttons and legend."""
    return [(name, label, SHORTCUTS.get(name, "")) for name, label in actions]


def available_actions(asset: Asset, user: Any, escalated: bool) -> tuple[list[tuple], bool]:
    """The transitions this user may run on this asset now; and whether approve was withheld
    because the user uploaded it."""
    out, self_upload = [], False
    for name, label in ACTIONS:
        rule = workflow.RULES[name]
        if not workflow.allowed(name, asset.moderation_status, escalated=escalated):
            continue
        if not user.has_perm(f"moderation.{rule.permission}"):
            continue
        if (
            name == "approve"
            and conf.get("MODERATION_FORBID_SELF_APPROVAL")
            and not user.is_superuser
            and asset.uploaded_by_id == user.pk
        ):
            self_upload = True
            continue
        out.append((name, label))
    return out, self_upload


def _act(model_admin: admin.ModelAdmin, request: HttpRequest, asset: Asset) -> HttpResponse:
    action = request.POST.get("action", "")
    if action == "face_redaction":
        return _face_redaction(model_admin, request, asset)
    if action == "release":
        claims.release(asset.pk, request.user)
        messages.info(request, f"Released “{asset}” for others to review.")
        return HttpResponseRedirect(changelist_url(model_admin))
    if action == "skip":
        claims.release(asset.pk, request.user)
        nextitem.remember_skip(request, model_admin, asset.pk)
        messages.info(request, f"Skipped “{asset}”: left for others, not decided.")
        return go_next(model_admin, request, exclude=[asset.pk])
    if action not in workflow.RULES:
        messages.error(request, "Unknown action.")
        return HttpResponseRedirect(change_url(model_admin, asset.pk))
    return _decide(model_admin, request, asset, action)


def _face_redaction(
    model_admin: admin.ModelAdmin, request: HttpRequest, asset: Asset
) -> HttpResponse:
    try:
        changed = workflow.set_face_redaction(
            asset, request.POST.get("face_redaction", ""), by=request.user
        )
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "Face redaction saved; the variants are being rebuilt."
            if changed
            else "Face redaction unchanged.",
        )
    return HttpResponseRedirect(change_url(model_admin, asset.pk))


def _decide(
    model_admin: admin.ModelAdmin, request: HttpRequest, asset: Asset, action: str
) -> HttpResponse:
    """Run one workflow transition for this moderator, then open the queue's next item."""
    here = change_url(model_admin, asset.pk)
    form = ReasonFields(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason_code", "")
    note = form.cleaned_data.get("note", "")
    if action == "reject" and reason not in REJECT_REASON_CODES:
        messages.error(request, "Choose a reason to reject.")
        return HttpResponseRedirect(here)
    won = claims.claim(asset.pk, request.user)
    if not won.won:
        holder = won.holder.get_username() if won.holder else "another moderator"
        messages.error(request, f"{holder} is reviewing “{asset}”; it was not changed.")
        return HttpResponseRedirect(changelist_url(model_admin))
    try:
        workflow.transition(action, asset, by=request.user, reason_code=reason, note=note)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(here)
    messages.success(request, f"{DONE[action]} “{asset}”" + (f" ({reason})." if reason else "."))
    return go_next(model_admin, request, exclude=[asset.pk])


def overlay(classifications: list[Classification]) -> dict[str, Any] | None:
    """Boxes from the latest classification of each classifier, in one coordinate frame."""
    latest: dict[str, Classification] = {}
    for row in classifications:
        latest.setdefault(row.classifier, row)
    frame = next((r for r in latest.values() if r.image_width and r.image_height), None)
    if frame is None:
        return None
    limits = {
        label: policy.Threshold.parse(value)
        for label, value in (conf.get("MODERATION_THRESHOLDS") or {}).items()
    }
    boxes = []
    for row in latest.values():
        if not (row.image_width and row.image_height):
            continue
        sx, sy = frame.image_width / row.image_width, frame.image_height / row.image_height
        for item in row.boxes or []:
            box = item.get("box")
            if not box or len(box) != 4:
                continue
            score = float(item.get("score", 0))
            limit = limits.get(item.get("label", ""))
            level = "info"
            if limit and limit.reject is not None and score >= limit.reject:
                level = "reject"
            elif limit and limit.review is not None and score >= limit.review:
                level = "review"
            x, y, w, h = (float(v) for v in box)
            boxes.append(
                {
                    "n": len(boxes) + 1,
                    "label": str(item.get("label", "")),
                    "score": f"{score:.2f}",
                    "level": level,
                    "x": round(x * sx, 1),
                    "y": round(y * sy, 1),
                    "w": round(w * sx, 1),
                    "h": round(h * sy, 1),
                    "classifier": row.classifier,
                }
            )
    size = max(frame.image_width, frame.image_height)
    return {
        "width": frame.image_width,
        "height": frame.image_height,
        "font": round(size / 28, 1),
        "boxes": boxes,
    }


def provenance_rows(asset: Asset) -> list[tuple[str, str]]:
    """Label/value pairs. Values are untrusted text: the template escapes them."""
    try:
        prov = asset.provenance
    except Provenance.DoesNotExist:
        return []
    model = prov.model
    return [
        ("Model", str(model)),
        ("Licence", model.licence or "—"),
        ("Restricts public use", "yes" if model.restricts_public_use else "no"),
        ("Usage restrictions", model.usage_restrictions or "—"),
        ("Prompt", prov.prompt),
        ("Negative prompt", prov.negative_prompt or "—"),
        ("Seed", prov.seed or "—"),
        ("Parameters", json.dumps(prov.params, indent=2, sort_keys=True) if prov.params else "—"),
        ("Generated at", prov.generated_at.isoformat()),
        ("Source", " / ".join(x for x in (prov.source_platform, prov.source_job_id) if x) or "—"),
        ("Uploaded by", asset.uploaded_by.get_username() if asset.uploaded_by else "—"),
    ]


__all__ = ["Decision", "review_view"]

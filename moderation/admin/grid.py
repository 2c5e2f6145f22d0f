"""Grid mode: a queue's oldest items as thumbnails, many selected at once, one decision.

Thumbnails come from the staff-only preview view (``previews.image_url``), never a public URL.
Deciding goes through the queue's bulk path (``QueueAdmin.run_bulk``): each item is claimed
first (items another moderator holds are skipped and named), then decided by the workflow,
which writes one Decision per asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from aiassets.models import Asset

from .. import previews
from ..forms import GridDecisionForm
from . import review

GRID_SIZE = 60  # tiles per page: the oldest of the queue (decide them and the next come up)
THUMB_WIDTH = previews.THUMB_WIDTH


@dataclass(frozen=True)
class Tile:
    asset: Asset
    image_url: str
    width: int
    height: int
    held_by: str  # another moderator holding a live claim on it, or ""
    checked: bool


def grid_url(model_admin: admin.ModelAdmin) -> str:
    opts = model_admin.opts
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_grid")


def grid_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_decide_permission(request):
        raise PermissionDenied
    decisions = tuple(model_admin.grid_decisions)
    if not decisions:
        raise Http404("This queue has no grid.")
    form = GridDecisionForm(request.POST or None, decisions=decisions)
    if request.method == "POST" and form.is_valid():
        decide(model_admin, request, form.cleaned_data)
        return HttpResponseRedirect(grid_url(model_admin))
    checked = {str(x) for x in request.POST.getlist("selected")}
    tiles = _tiles(model_admin, request, checked)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{model_admin.opts.verbose_name_plural}: grid",
        "form": form,
        "tiles": tiles,
        "grid_size": GRID_SIZE,
        "decisions": decisions,
        "queue_url": review.changelist_url(model_admin),
    }
    return TemplateResponse(request, "admin/moderation/grid.html", context)


def _tiles(model_admin: admin.ModelAdmin, request: HttpRequest, checked: set[str]) -> list[Tile]:
    """The oldest GRID_SIZE items, with their preview and who else holds them (fixed queries:
    the queue with each preview's pk, its classifications, claims joined in)."""
    tiles = []
    for asset in model_admin.get_queryset(request)[:GRID_SIZE]:
        claim = getattr(asset, "review_claim", None)
        other = claim is not None and claim.is_live and claim.user_id != request.user.pk
        tiles.append(
            Tile(
                asset=asset,
                image_url=previews.image_url(asset, THUMB_WIDTH),
                width=THUMB_WIDTH,
                height=max(1, round(THUMB_WIDTH * asset.height / max(1, asset.width))),
                held_by=claim.user.get_username() if other else "",
                checked=str(asset.pk) in checked,
            )
        )
    return tiles


def decide(model_admin: Any, request: HttpRequest, data: dict[str, Any]) -> None:
    """Run the decision over the selected items still in this queue; say what happened to
    each group (decided, held by someone else, refused, already gone)."""
    selected = data["selected"]
    queryset = model_admin.queue(Asset.objects.all()).filter(pk__in=selected)
    present = set(queryset.values_list("pk", flat=True))
    gone = len(set(selected) - present)
    name = data["decision"]
    reason = data.get("reason_code", "") if name == "reject" else ""
    model_admin.run_bulk(
        request, queryset.order_by("queued_at", "pk"), name, reason, data.get("note", "")
    )
    if gone:
        messages.warning(
            request,
            f"{gone} selected item{'s' if gone != 1 else ''} had already left this queue "
            "(decided elsewhere); not changed.",
        )

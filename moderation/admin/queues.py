"""Review queues as admin changelists: Needs review, Auto-rejected, Escalated, Taken down.

Each queue is a proxy of Asset with its own changelist (oldest first, queue stats on top, bulk
actions) whose change page is the review page (see review.py). Only users with
``moderation.decide`` (the moderators group, superusers) see them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from aiassets.admin.grouping import ModelFilter
from aiassets.admin.rowcheckbox import PlainCheckboxMixin
from aiassets.models import LIST_DEFERRED, Asset
from aiassets.paging import BoundedListMixin

from .. import claims, conf, previews, queues, stats, workflow
from ..forms import QueueActionForm
from ..models import (
    AutoRejected,
    Classification,
    Escalated,
    NeedsReview,
    ReviewClaim,
    TakenDown,
)
from ..permissions import can_decide, can_take_down
from ..reasons import REJECT_REASON_CODES
from . import grid, review

VERBS = {
    "approve": "Approved",
    "reject": "Rejected",
    "send_to_review": "Sent to review",
    "take_down": "Took down",
    "restore": "Restored to review",
}


def relevant_top_score(classifications: Iterable[Classification]) -> tuple[str, float] | None:
    """The highest score among labels the policy cares about (all labels if none are set)."""
    watched = set(conf.get("MODERATION_THRESHOLDS") or {})
    best: tuple[str, float] | None = None
    for row in classifications:
        for label, score in (row.scores or {}).items():
            if watched and label not in watched:
                continue
            if best is None or score > best[1]:
                best = (label, float(score))
    return best


# The scores the "Why" column reads, as a plain list per asset (``to_attr``): a Prefetch into
# the related manager would build a queryset for every row of the page.
LISTED_CLASSIFICATIONS = Prefetch(
    "classifications",
    queryset=Classification.objects.only("asset_id", "scores").order_by("-created_at"),
    to_attr="listed_classifications",
)

CLAIMS = Prefetch("review_claim", queryset=ReviewClaim.objects.select_related("user"))


class QueueAdmin(BoundedListMixin, PlainCheckboxMixin, admin.ModelAdmin):  # scale: issue 16
    queue: Callable[[QuerySet], QuerySet] = staticmethod(queues.needs_review)
    offers_next = True
    grid_decisions: tuple[str, ...] = ("approve", "reject")  # what grid mode offers

    # Five columns fit beside the admin's sidebars at 1280 px: the model and the uploader ride
    # under the title, the top score under the reason.
    list_display = ["thumbnail", "item", "waiting", "why", "claimed_by"]
    list_display_links = ["thumbnail"]
    list_filter = [ModelFilter]
    search_fields = ["=id", "title", "provenance__prompt", "provenance__model__name"]
    list_deferred = LIST_DEFERRED
    action_form = QueueActionForm
    actions = ["approve_selected", "reject_selected"]
    change_list_template = "admin/moderation/queue_change_list.html"

    class Media:
        css = {"all": ["moderation/moderation.css"]}

    @property
    def list_per_page(self) -> int:  # ModelAdmin's attribute, from MODERATION_QUEUE_PER_PAGE
        return conf.get("MODERATION_QUEUE_PER_PAGE")

    # --- queryset -------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queue = self.queue(self.model._default_manager.get_queryset())
        return (
            previews.with_preview(queue, previews.THUMB_WIDTH)
            .select_related("provenance__model")
            # Fetched apart, not joined: each joined relation cost PostgreSQL about 1 ms of
            # planning on this query (seven subqueries). The two small queries cost about as
            # much on the client, so this moves work off the shared database.
            .prefetch_related("uploaded_by", CLAIMS, LISTED_CLASSIFICATIONS)
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["queued_at", "pk"]  # oldest first

    # --- permissions: only moderators decide ----------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_decide(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_decide(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_decide(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return can_decide(request.user)

    def has_take_down_permission(self, request: HttpRequest) -> bool:
        return can_take_down(request.user)

    # --- columns --------------------------------------------------------------------------
    @admin.display(description="")
    def thumbnail(self, obj: Asset) -> str:
        width = 96
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" loading="lazy" class="queue-thumb">',
            previews.image_url(obj, previews.THUMB_WIDTH),
            width,
            max(1, round(width * obj.height / obj.width)),
        )

    @admin.display(description="Item", ordering="title")
    def item(self, obj: Asset) -> str:
        prov = getattr(obj, "provenance", None)
        return format_html(
            '<a href="{}" class="queue-title">{}</a><small class="queue-sub">{} · by {}</small>',
            review.change_url(self, obj.pk),
            str(obj),
            str(prov.model) if prov else "no provenance",
            obj.uploaded_by.get_username() if obj.uploaded_by else "—",
        )

    @admin.display(description="Waiting", ordering="queued_at")
    def waiting(self, obj: Asset) -> str:
        return timesince(obj.queued_at, timezone.now(), depth=1) if obj.queued_at else "—"

    @admin.display(description="Top score")
    def top_score(self, obj: Asset) -> str:
        listed = getattr(obj, "listed_classifications", None)
        best = relevant_top_score(obj.classifications.all() if listed is None else listed)
        if best is None:
            return ""
        return format_html("{} <small>{}</small>", f"{best[1]:.2f}", best[0])

    @admin.display(description="Why", ordering="last_reason")
    def why(self, obj: Asset) -> str:
        score = self.top_score(obj)
        return format_html(
            "{}{}",
            obj.last_reason or "—",
            format_html('<span class="queue-score">{}</span>', score) if score else "",
        )

    @admin.display(description="Claimed by")
    def claimed_by(self, obj: Asset) -> str:
        claim = getattr(obj, "review_claim", None)
        if claim is None or not claim.is_live:
            return "—"
        return format_html(
            "{} <small>until {}</small>",
            claim.user.get_username(),
            timezone.localtime(claim.expires_at).strftime("%H:%M"),
        )

    # --- changelist with stats, and "review next" -----------------------------------------
    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        extra = {
            "next_url": (
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_next")
                if self.offers_next
                else None
            ),
            "grid_url": grid.grid_url(self) if self.grid_decisions else None,
        }
        response = super().changelist_view(request, {**(extra_context or {}), **extra})
        context = getattr(response, "context_data", None)
        if context is not None and "cl" in context:  # not a redirect or an action's reply
            queue, cl = self.queue(Asset.objects.all()), context["cl"]
            context["queue_stats"] = stats.queue_stats(
                queue, self.whole_queue_count(cl), self.listed_oldest(cl)
            )
        return response

    @staticmethod
    def whole_queue_count(cl: ChangeList) -> tuple[int, bool] | None:
        """The list's bounded count, when the list is the whole queue (no filter, no search):
        the header then needs no count of its own."""
        if cl.has_active_filters or cl.query:
            return None
        return cl.paginator.count, cl.paginator.capped

    @classmethod
    def listed_oldest(cls, cl: ChangeList) -> datetime | None:
        """When the queue's oldest item entered it, read off the list's first row when the
        list shows the whole queue's first page in its own order (oldest first); None when
        the list cannot tell (the header then asks the database)."""
        if cls.whole_queue_count(cl) is None or cl.page_num != 1 or ORDER_VAR in cl.params:
            return None
        rows = cl.result_list  # evaluated here, once: the rows template reuses them
        return rows[0].queued_at if rows else None

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "next/",
                self.admin_site.admin_view(self.next_view),
                name="{}_{}_next".format(*info),
            ),
            path(
                "grid/",
                self.admin_site.admin_view(partial(grid.grid_view, self)),
                name="{}_{}_grid".format(*info),
            ),
        ] + super().get_urls()

    def next_view(self, request: HttpRequest) -> HttpResponse:
        """Claim the oldest item nobody else holds and open it ("Queue empty" when none)."""
        if not can_decide(request.user):
            return review.forbidden()
        return review.go_next(self, request, exclude=[])

    # --- the review page is the change page -----------------------------------------------
    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        return review.review_view(self, request, object_id)

    # --- bulk actions ---------------------------------------------------------------------
    @admin.action(description="Approve selected items", permissions=["decide"])
    def approve_selected(self, request, queryset):
        self.run_bulk(request, queryset, "approve")

    @admin.action(description="Reject selected items (choose a reason)", permissions=["decide"])
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason_code", "")
        if reason not in REJECT_REASON_CODES:
            self.message_user(request, "Choose a reason to reject.", messages.ERROR)
            return
        self.run_bulk(request, queryset, "reject", reason, request.POST.get("note", ""))

    @admin.action(description="Send selected items to review", permissions=["decide"])
    def send_to_review_selected(self, request, queryset):
        self.run_bulk(request, queryset, "send_to_review", "spot_check")

    @admin.action(description="Restore selected items to review", permissions=["take_down"])
    def restore_selected(self, request, queryset):
        self.run_bulk(request, queryset, "restore", "restored")

    def run_bulk(
        self, request: HttpRequest, queryset: QuerySet, name: str, reason: str = "", note: str = ""
    ) -> None:
        done: list[Asset] = []
        busy: list[str] = []
        refused: Counter[str] = Counter()
        for asset in queryset:
            won = claims.claim(asset.pk, request.user)
            if not won.won:
                busy.append(f"{asset} ({won.holder.get_username() if won.holder else '?'})")
                continue
            try:
                workflow.transition(
                    name, asset, by=request.user, reason_code=reason, note=note[:2000]
                )
            except workflow.WorkflowError as exc:
                claims.release(asset.pk, request.user)
                refused[str(exc)] += 1
                continue
            done.append(asset)
        if done:
            self.message_user(
                request,
                f"{VERBS[name]} {len(done)} item{'s' if len(done) != 1 else ''}"
                + (f" (reason: {reason})." if reason and name == "reject" else "."),
                messages.SUCCESS,
            )
        if busy:
            self.message_user(
                request,
                f"Skipped {len(busy)} item(s) another moderator is reviewing: " + ", ".join(busy),
                messages.WARNING,
            )
        for message, count in refused.items():
            self.message_user(request, f"{count} item(s) not changed: {message}", messages.ERROR)


@admin.register(NeedsReview)
class NeedsReviewAdmin(QueueAdmin):
    queue = staticmethod(queues.needs_review)


@admin.register(Escalated)
class EscalatedAdmin(QueueAdmin):
    queue = staticmethod(queues.escalated)


@admin.register(AutoRejected)
class AutoRejectedAdmin(QueueAdmin):
    queue = staticmethod(queues.auto_rejected)
    actions = ["approve_selected", "send_to_review_selected"]
    offers_next = False
    grid_decisions = ("approve",)


@admin.register(TakenDown)
class TakenDownAdmin(QueueAdmin):
    queue = staticmethod(queues.taken_down)
    actions = ["restore_selected"]
    offers_next = False
    grid_decisions = ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_decide(request.user) or can_take_down(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_decide(request.user) or can_take_down(request.user)

"""Admin: purge requests, read-only, with an action to retry failed ones."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import purges
from .models import PurgeRequest


@admin.register(PurgeRequest)
class PurgeRequestAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "asset_id",
        "delivery_version",
        "backend_label",
        "reason",
        "status",
        "attempts",
        "short_error",
        "finished_at",
    )
    list_filter = ("status", "backend")
    search_fields = ("asset_id",)
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    readonly_fields = [f.name for f in PurgeRequest._meta.fields]

    @admin.display(description="backend", ordering="backend")
    def backend_label(self, obj: PurgeRequest) -> str:
        return obj.backend or "(no CDN)"

    @admin.display(description="last error")
    def short_error(self, obj: PurgeRequest) -> str:
        return obj.last_error[:120] + ("…" if len(obj.last_error) > 120 else "")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PurgeRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PurgeRequest | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("delivery.change_purgerequest")

    @admin.action(description="Retry the selected failed purges", permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[PurgeRequest]) -> None:
        failed = queryset.filter(status=PurgeRequest.Status.FAILED)
        rounds = set(failed.values_list("asset_id", "delivery_version"))
        count = failed.update(status=PurgeRequest.Status.PENDING, attempts=0, finished_at=None)
        for asset_id, version in sorted(rounds, key=str):
            purges.schedule(asset_id, version)
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"{count} purge(s) queued again"
            + (f"; {skipped} not failed, left alone." if skipped else "."),
            messages.SUCCESS if count else messages.WARNING,
        )

"""Read-only views of the audit log and the stored classifications."""

from __future__ import annotations

from django.contrib import admin

from ..models import Classification, Decision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "asset",
        "verdict",
        "from_status",
        "to_status",
        "actor_name",
        "actor_kind",
        "reason_code",
    ]
    list_filter = ["verdict", "actor_kind", "created_at"]
    search_fields = ["=asset__id", "actor_name", "reason_code", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["asset"]


@admin.register(Classification)
class ClassificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "asset",
        "classifier",
        "classifier_version",
        "top_label",
        "top_score",
    ]
    list_filter = ["classifier", "top_label"]
    search_fields = ["=asset__id"]
    list_select_related = ["asset"]

"""Webhook endpoints and the delivery log, for superusers (an operations tool)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from . import delivery, urls_guard
from .models import Delivery, Endpoint


class SuperuserOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)


class EndpointForm(forms.ModelForm):
    class Meta:
        model = Endpoint
        fields = ["name", "url", "token", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            urls_guard.check(url)
        except urls_guard.UnsafeUrl as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(Endpoint)
class EndpointAdmin(SuperuserOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "token", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret", "created_at"]
    search_fields = ["name", "url"]


@admin.register(Delivery)
class DeliveryAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["=event_id", "=asset_id"]
    show_full_result_count = False
    actions = ["redeliver"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the log is read-only; "redeliver" is an action

    @admin.action(description="Redeliver the selected events")
    def redeliver(self, request: HttpRequest, queryset) -> None:
        count = delivery.redeliver(queryset)
        self.message_user(request, f"{count} delivery(ies) queued again.", messages.SUCCESS)

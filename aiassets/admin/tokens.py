"""API tokens in the admin: scopes, limits, and the raw token shown once."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from ..models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = [
            "name",
            "is_active",
            "scope_ingest",
            "scope_read",
            "requests_per_minute",
            "bytes_per_day",
        ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "hint",
        "is_active",
        "scope_ingest",
        "scope_read",
        "requests_per_minute",
        "bytes_per_day",
        "created_by",
        "last_used_at",
    ]
    list_filter = ["is_active", "scope_ingest", "scope_read"]
    search_fields = ["name"]
    form = ApiTokenForm
    readonly_fields = ["hint", "created_by", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        raw = obj.set_new_token()
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            format_html("Copy this token now; it is not shown again: <code>{}</code>", raw),
        )

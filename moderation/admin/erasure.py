"""The asset admin, extended with moderation's erase action (superusers only).

aiassets registers its AssetAdmin; moderation, which owns erasure, registers this subclass in
its place, so the bottom layer never imports moderation.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from aiassets.admin import AssetAdmin
from aiassets.models import Asset

from .. import erasure


class ErasableAssetAdmin(AssetAdmin):
    actions = [*AssetAdmin.actions, "erase_assets"]

    @admin.action(description="Erase (delete every file, keep a tombstone)", permissions=["erase"])
    def erase_assets(self, request, queryset):
        """Superusers only, after a confirmation page that asks for the reason."""
        reason = request.POST.get("erasure_reason", "").strip()
        if "confirm" not in request.POST or not reason:
            return TemplateResponse(
                request,
                "admin/aiassets/asset/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase assets",
                    "assets": queryset,
                    "missing_reason": "confirm" in request.POST,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        for asset in queryset:
            self._erase_one(request, asset, reason)
        return None

    def _erase_one(self, request, asset: Asset, reason: str) -> None:
        try:
            report = erasure.erase(asset.pk, reason, by=request.user)
        except erasure.ErasureError as exc:
            self.message_user(request, f"{asset}: {exc}", messages.ERROR)
            return
        if report.ok:
            self.message_user(
                request,
                f"Erased {asset.pk}: {len(report.deleted)} file(s) deleted.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                f"Erased {asset.pk}, but {len(report.errors)} file(s) are left: run the "
                "action again.",
                messages.WARNING,
            )

    def has_erase_permission(self, request) -> bool:
        return request.user.is_superuser


if admin.site.is_registered(Asset):
    admin.site.unregister(Asset)
admin.site.register(Asset, ErasableAssetAdmin)

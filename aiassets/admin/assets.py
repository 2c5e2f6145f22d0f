"""The asset list and page for editors: bounded lists, upload, art direction, rebuilds."""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.db import connection
from django.http import HttpResponseRedirect

from .. import formats, pagehooks, renditions, search
from ..conf import app_settings
from ..errors import CodedError
from ..ingest import commit
from ..models import LIST_DEFERRED, Asset, Provenance, Variant
from ..paging import BoundedListMixin
from . import focal as focal_admin
from . import page
from .columns import AssetColumns, with_health_counts
from .grouping import (
    AssetChangeForm,
    CollectionFilter,
    GroupingColumns,
    ModelFilter,
    TagFilter,
    add_tags,
    add_to_collection,
)
from .rowcheckbox import PlainCheckboxMixin
from .upload import AssetUploadForm
from .views import AssetViews


class VariantInline(admin.TabularInline):
    """Kept for importers; the asset page no longer uses it (it printed each rendition twice,
    its name above its row): page.renditions_table() lists each one once."""

    model = Variant
    extra = 0
    can_delete = False
    fields = ["format", "width", "height", "bytes", "status", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FormatFilter(admin.SimpleListFilter):
    """The original's format, from the format table (never a SELECT DISTINCT over assets)."""

    title = "format"
    parameter_name = "format"

    def lookups(self, request, model_admin):
        return [(f.pillow, f.pillow) for f in formats.INPUT.values()]

    def queryset(self, request, queryset):
        return queryset.filter(format=self.value()) if self.value() else queryset


@admin.register(Asset)
class AssetAdmin(  # bounded counts and plain row checkboxes (issue 16)
    AssetColumns,
    GroupingColumns,
    AssetViews,
    BoundedListMixin,
    PlainCheckboxMixin,
    admin.ModelAdmin,
):
    list_display = [
        "thumbnail",
        "__str__",
        "model_name",
        "moderation_status",
        "published",
        "dimensions",
        "variant_health",
        "created_at",
    ]
    list_display_links = ["thumbnail", "__str__"]
    # Scale (issue 16): filters from known choices, the created_at filter's fixed ranges (no
    # date_hierarchy: it reads every distinct date), bounded counts, indexed search.
    list_filter = [
        "moderation_status",
        "published",
        ModelFilter,
        FormatFilter,
        TagFilter,
        CollectionFilter,
        "created_at",
    ]
    search_fields = ["=id", "=sha256", "provenance__prompt"]
    list_deferred = LIST_DEFERRED
    actions = ["rebuild_variants", add_tags, add_to_collection]
    form = AssetChangeForm  # the change form; uploads use AssetUploadForm (get_form)
    readonly_fields = [
        "preview",
        "id",
        "sha256",
        "format",
        "dimensions",
        "bytes",
        "phash",
        "moderation_status",
        "published",
        "delivery_version",
        "uploaded_by",
        "uploaded_via",
        "created_at",
        "provenance_panel",
        "renditions_left_out",
        "art_direction",
        "current_state",
        "moderation_timeline",
        "renditions",
    ]
    fieldsets = [
        (None, {"fields": ["current_state", "preview", "title", "alt_text"]}),
        ("Tags and collections", {"fields": ["tags", "in_collections"]}),
        ("Moderation", {"fields": ["moderation_timeline"]}),
        ("Art direction", {"fields": ["art_direction"]}),
        ("Provenance", {"fields": ["provenance_panel"]}),
        (
            "Original",
            {
                "classes": ["collapse"],
                "fields": ["id", "sha256", "format", "dimensions", "bytes", "phash", "created_at"],
            },
        ),
        (
            "Status",
            {
                "classes": ["collapse"],
                "fields": [
                    "moderation_status",
                    "published",
                    "delivery_version",
                    "uploaded_by",
                    "uploaded_via",
                ],
            },
        ),
        ("Renditions", {"fields": ["renditions", "renditions_left_out"]}),
    ]

    @property
    def list_per_page(self) -> int:  # ModelAdmin's attribute, from ADMIN_ASSETS_PER_PAGE
        return app_settings.ADMIN_ASSETS_PER_PAGE

    def get_queryset(self, request):
        return with_health_counts(super().get_queryset(request).select_related("provenance__model"))

    def get_search_results(self, request, queryset, search_term):
        """An id or sha256 finds that asset; anything else searches prompts through the
        full-text index: every prompt for those who may view provenance, otherwise only
        prompts a rule makes public (a search must not reveal what the page hides)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=uuid.UUID(term)), False
        except ValueError:
            pass
        if len(term) == 64 and all(c in "0123456789abcdef" for c in term.lower()):
            return queryset.filter(sha256=term.lower()), False
        match = search.prompt_q("provenance__prompt", term, connection.vendor)
        if not request.user.has_perm("aiassets.view_provenance"):
            public = Provenance.objects.prompt_public().values("asset_id")
            return queryset.filter(match, pk__in=public), False
        return queryset.filter(match), False

    # --- upload ---------------------------------------------------------------------------
    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = AssetUploadForm

            class BoundUploadForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return BoundUploadForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["file", "title", "alt_text"]}),
                (
                    "Provenance",
                    {
                        "fields": [
                            "model",
                            ("new_model_name", "new_model_version"),
                            "prompt",
                            "negative_prompt",
                            "seed",
                            "params",
                            "generated_at",
                            ("source_platform", "source_job_id"),
                        ]
                    },
                ),
            ]
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm("aiassets.view_provenance"):
            return fieldsets
        # Prompts stay with those who may view provenance (editors and moderators may).
        hidden = "provenance_panel"
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != hidden]})
            for name, opts in fieldsets
            if list(opts["fields"]) != [hidden]
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def add_view(self, request, form_url="", extra_context=None):
        # Committing can still be refused (erased meanwhile, storage down): the admin's
        # transaction is rolled back, commit() removed its file, and the editor is told.
        try:
            return super().add_view(request, form_url, extra_context)
        except CodedError as exc:
            self.message_user(request, f"{exc.message} ({exc.code})", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        result = commit(form.prepared, actor=request.user)
        if not result.created:
            messages.info(
                request, "This image was already in the store; showing the existing asset."
            )
        return result.asset

    class Media:
        css = {"all": ["aiassets/focal.css", "aiassets/asset_page.css"]}
        js = ["aiassets/focal.js", "aiassets/asset_page.js", "aiassets/dropupload.js"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            focal_admin.save_from_request(self, request, obj)

    @admin.display(description="Now")
    def current_state(self, obj: Asset) -> str:
        return page.state_panel(obj)

    @admin.display(description="Decisions, newest first")
    def moderation_timeline(self, obj: Asset) -> str:
        return pagehooks.call(pagehooks.MODERATION_TIMELINE, obj, default="—")

    @admin.display(description="Each rendition")
    def renditions(self, obj: Asset) -> str:
        return page.renditions_table(obj)

    @admin.display(description="Focal point and crops")
    def art_direction(self, obj: Asset) -> str:
        return focal_admin.panel(obj)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    # --- actions ---------------------------------------------------------------------------
    @admin.action(description="Rebuild variants", permissions=["rebuild"])
    def rebuild_variants(self, request, queryset):
        count = 0
        for asset in queryset:
            renditions.reset_for_rebuild(asset, only_unhealthy=False)
            renditions.schedule(asset.id)
            count += 1
        self.message_user(request, f"Rebuild requested for {count} asset(s).", messages.SUCCESS)

    def has_rebuild_permission(self, request) -> bool:
        return request.user.has_perm("aiassets.rebuild_variants")

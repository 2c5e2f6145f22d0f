"""The asset admin's extra pages: the staff-only preview, the verify page, the status JSON the
asset page polls, the one-file JSON upload behind drag and drop, and the history page."""

from __future__ import annotations

import uuid
from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from imagekit.cachefiles import ImageCacheFile

from .. import c2pa, formats, pagehooks, storage
from ..errors import json_error
from ..ingest import IngestError, read_upload
from ..models import Asset
from ..renditions.previews import AdminThumbnail
from . import dropupload, page
from . import focal as focal_admin
from .verify import VerifyForm
from .verify import verify_template as _verify_template


class AssetViews:
    """Extra URLs of AssetAdmin."""

    # --- staff-only preview ---------------------------------------------------------------
    def get_urls(self):
        urls = super().get_urls()
        extra = [
            path(
                "<uuid:asset_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="aiassets_asset_preview",
            ),
            path(
                "<uuid:asset_id>/crop/<str:slug>/",
                self.admin_site.admin_view(partial(focal_admin.crop_view, self)),
                name="aiassets_asset_crop",
            ),
            path(
                "<uuid:asset_id>/status.json",
                self.admin_site.admin_view(self.status_view),
                name="aiassets_asset_status",
            ),
            path(
                "upload.json",
                self.admin_site.admin_view(partial(dropupload.upload_view, self)),
                name="aiassets_asset_upload",
            ),
            path(
                "verify/",
                self.admin_site.admin_view(self.verify_view),
                name="aiassets_asset_verify",
            ),
        ]
        return extra + urls

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        """Staff: upload a file and learn whether it came from us (C2PA manifest + pHash)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = VerifyForm(request.POST or None, request.FILES or None)
        result, error = None, ""
        if request.method == "POST" and form.is_valid():
            try:
                result = c2pa.verify(read_upload(form.cleaned_data["file"]))
            except IngestError as exc:  # empty or over the byte limit
                error = f"{exc.message} ({exc.code})"
            except c2pa.VerifyError as exc:  # not an image, truncated, a bomb…
                error = f"{exc.message} ({exc.code})"
        context = {
            **self.admin_site.each_context(request),
            "title": "Verify an image",
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "error": error,
        }
        return TemplateResponse(request, _verify_template(), context)

    def status_view(self, request: HttpRequest, asset_id) -> JsonResponse:
        """What the asset page polls while renditions are built (never cached)."""
        if not self.has_view_permission(request):
            return json_error(403, "forbidden", "You may not view assets.")
        asset = self.get_queryset(request).filter(pk=asset_id).first()
        if asset is None:
            return json_error(404, "not_found", "No such asset.")
        response = JsonResponse(page.status(asset))
        response["Cache-Control"] = "no-store"
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """The admin's edit log, with the moderation decisions above it."""
        try:
            asset = Asset.objects.filter(pk=uuid.UUID(str(object_id))).first()
        except ValueError:
            asset = None
        timeline = pagehooks.call(pagehooks.MODERATION_TIMELINE, asset) if asset else None
        context = {**(extra_context or {}), "moderation_timeline": timeline}
        return super().history_view(request, object_id, context)

    def preview_view(self, request: HttpRequest, asset_id) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        asset = get_object_or_404(Asset, pk=asset_id)
        try:
            source = storage.originals().open(asset.original_key, "rb")
            cached = ImageCacheFile(AdminThumbnail(source=source))
            cached.generate()
            with cached.storage.open(cached.name, "rb") as fh:
                body = fh.read()
        except (FileNotFoundError, OSError):
            raise Http404("The original is missing from storage.")
        response = HttpResponse(body, content_type=formats.WEBP.mime)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response

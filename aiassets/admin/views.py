"""The asset admin's extra pages: the staff-only preview and the verify page."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from imagekit.cachefiles import ImageCacheFile

from .. import c2pa, formats, storage
from ..ingest import IngestError, read_upload
from ..models import Asset
from ..renditions.previews import AdminThumbnail
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

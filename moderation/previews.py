"""Images for moderators: a staff-only view that streams a variant's (or the original's) bytes
from aiassets storage, never cached (``Cache-Control: private, no-store``).

Moderators see rejected, pending and taken-down images, so these bytes never get a public or
shareable URL: the view checks the same permission as the review desk on every request.
Moderation never imports delivery: it reads the stored files itself.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from aiassets import formats, storage
from aiassets.models import Asset, Variant

from .permissions import can_decide, can_take_down

PREFERRED_FORMATS = ("jpeg", "webp", "avif")
NO_STORE = "private, no-store"


def pick_variant(variants: list[Variant], width: int) -> Variant | None:
    """The full-frame ready variant closest to ``width`` (not smaller when possible), JPEG
    first (moderators see the whole image, never a crop)."""
    ready = [v for v in variants if v.status == Variant.Status.READY and not v.ratio]
    for fmt in PREFERRED_FORMATS:
        same = sorted((v for v in ready if v.format == fmt), key=lambda v: v.width)
        if same:
            return next((v for v in same if v.width >= width), same[-1])
    return None


def image_url(asset: Asset, width: int = 960, variants: list[Variant] | None = None) -> str:
    """A URL moderators can load: this app's preview of the closest variant, or the original."""
    variant = pick_variant(list(asset.variants.all()) if variants is None else variants, width)
    if variant is None:
        return reverse("moderation:preview_original", args=[asset.pk])
    return reverse("moderation:preview_variant", args=[asset.pk, variant.pk])


def may_preview(user) -> bool:
    """Who may see unpublished images: the review desk's users (moderators, superusers)."""
    return bool(user.is_active and user.is_staff and (can_decide(user) or can_take_down(user)))


def _stream(store, key: str, content_type: str) -> HttpResponse:
    try:
        handle = store.open(key, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The file is missing from storage.")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def preview_variant(request: HttpRequest, asset_id, variant_id: int) -> HttpResponse:
    if not may_preview(request.user):
        raise PermissionDenied
    variant = get_object_or_404(
        Variant, pk=variant_id, asset_id=asset_id, status=Variant.Status.READY
    )
    return _stream(storage.variants(), variant.key, formats.OUTPUT[variant.format].mime)


@require_safe
def preview_original(request: HttpRequest, asset_id) -> HttpResponse:
    if not may_preview(request.user):
        raise PermissionDenied
    asset = get_object_or_404(Asset, pk=asset_id)
    return _stream(storage.originals(), asset.original_key, asset.mime_type)

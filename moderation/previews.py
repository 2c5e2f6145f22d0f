"""Images for moderators: a staff-only view that streams a variant's (or the original's) bytes
from aiassets storage, never cached (``Cache-Control: private, no-store``).

Moderators see rejected, pending and taken-down images, so these bytes never get a public or
shareable URL: the view checks the same permission as the review desk on every request.
Moderation never imports delivery: it reads the stored files itself.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BigAutoField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from aiassets import formats, storage
from aiassets.models import Asset, Variant
from aiassets.precompiled import frozen
from aiassets.urlcache import reverse_ids

from .permissions import can_decide, can_take_down

PREFERRED_FORMATS = ("jpeg", "webp", "avif")
THUMB_WIDTH = 320  # what the queue lists and the grid ask for (with_preview in get_queryset)
NO_STORE = "private, no-store"


def preview_pk(asset: Any, width: int) -> Coalesce:
    """The pk of the asset's preview variant: full frame and ready (moderators see the whole
    image, never a crop), JPEG first, then WebP, then AVIF; within a format the narrowest at
    least ``width`` wide, else the widest. ``asset`` is an OuterRef or a pk.

    One small subquery per (format, side) in that order, each an index walk of the asset's
    rows by width (variant_spec_unique), no sort; COALESCE stops at the first that finds one.
    """
    picks = []
    for fmt in PREFERRED_FORMATS:
        rows = Variant.objects.filter(
            asset=asset, status=Variant.Status.READY, ratio="", format=fmt
        ).values("pk")
        picks.append(Subquery(rows.filter(width__gte=width).order_by("width")[:1]))
        picks.append(Subquery(rows.filter(width__lt=width).order_by("-width")[:1]))
    return Coalesce(*picks)


def _outer_preview_pk(width: int) -> Coalesce:
    return preview_pk(OuterRef("pk"), width)


def with_preview(qs: QuerySet, width: int) -> QuerySet:
    """Each asset's preview variant at ``width`` as ``preview_pk``: subqueries the database runs
    for the listed rows only, instead of loading their variant rows. Compiled once per process
    (aiassets.precompiled: building and compiling the six cost about 2 ms a page)."""
    expression = frozen(Asset, _outer_preview_pk, width, output_field=BigAutoField())
    return qs.annotate(preview_pk=expression)


def image_url(asset: Asset, width: int = 960) -> str:
    """A URL moderators can load: this app's preview of the closest variant, or the original.
    Reads ``preview_pk`` when the asset came through with_preview(), else asks (one query)."""
    if hasattr(asset, "preview_pk"):
        pk = asset.preview_pk
    else:
        found = Asset.objects.filter(pk=asset.pk).annotate(p=preview_pk(OuterRef("pk"), width))
        pk = found.values_list("p", flat=True).first()
    if pk is None:
        return reverse_ids("moderation:preview_original", asset.pk)
    return reverse_ids("moderation:preview_variant", asset.pk, pk)


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

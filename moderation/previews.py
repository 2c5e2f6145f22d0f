"""Images for moderators: a staff-only view that streams a variant's (or the original's) bytes
from aiassets storage, never cached (``Cache-Control: private, no-store``).

Moderators see rejected, pending and taken-down images, so these bytes never get a public or
shareable URL: the view checks the same permission as the review desk on every request.
Moderation never imports delivery: it reads the stored files itself.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from aiassets import formats, storage
from aiassets.models import Asset, Variant

from .permissions import can_decide, can_take_down

PREFERRED_FORMATS = ("jpeg", "webp", "avif")
THUMB_WIDTH = 320  # what the queue lists and the grid ask for (with_preview in get_queryset)
NO_STORE = "private, no-store"


def candidates(asset: Any, width: int) -> QuerySet[Variant]:
    """The asset's full-frame ready variants, best first: JPEG, then WebP, then AVIF
    (moderators see the whole image, never a crop); within a format the narrowest at least
    ``width`` wide, else the widest. ``asset`` is a pk or an OuterRef."""
    wide = Q(width__gte=width)
    order = [When(format=fmt, then=Value(i)) for i, fmt in enumerate(PREFERRED_FORMATS)]
    return (
        Variant.objects.filter(
            asset=asset, status=Variant.Status.READY, ratio="", format__in=PREFERRED_FORMATS
        )
        .annotate(
            pref=Case(*order),
            short=Case(When(wide, then=Value(0)), default=Value(1)),
            rank=Case(When(wide, then=F("width")), default=-F("width")),
        )
        .order_by("pref", "short", "rank")
    )


def with_preview(qs: QuerySet, width: int) -> QuerySet:
    """Each asset's preview variant at ``width`` as ``preview_pk``: a subquery the database runs
    for the listed rows only, instead of loading their variant rows."""
    return qs.annotate(preview_pk=Subquery(candidates(OuterRef("pk"), width).values("pk")[:1]))


def image_url(asset: Asset, width: int = 960) -> str:
    """A URL moderators can load: this app's preview of the closest variant, or the original.
    Reads ``preview_pk`` when the asset came through with_preview(), else asks (one query)."""
    if hasattr(asset, "preview_pk"):
        pk = asset.preview_pk
    else:
        pk = candidates(asset.pk, width).values_list("pk", flat=True).first()
    if pk is None:
        return reverse("moderation:preview_original", args=[asset.pk])
    return reverse("moderation:preview_variant", args=[asset.pk, pk])


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

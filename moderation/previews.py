"""Images for moderators: signed, expiring variant URLs through the AIASSETS_VARIANT_URL hook
(moderation never imports delivery), falling back to the staff-only admin preview."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from aiassets.models import Asset, Variant

PREFERRED_FORMATS = ("jpeg", "webp", "avif")


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
    """A URL moderators can load: a signed variant URL, or the admin's private preview."""
    variant = pick_variant(list(asset.variants.all()) if variants is None else variants, width)
    if variant is None:
        return reverse("admin:aiassets_asset_preview", args=[asset.pk])
    return import_string(settings.AIASSETS_VARIANT_URL)(asset, variant)

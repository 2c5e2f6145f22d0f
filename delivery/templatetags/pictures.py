"""{% load pictures %} {% picture asset sizes="…" %} and {% picture_url asset width=… %}.

Art direction: ``{% picture asset ratio="1/1" art="(min-width: 800px)=16/9" sizes="…" %}``
crops every source to 1/1 around the focal rectangle and, from 800 px up, serves 16/9 crops
through ``<source media>``; entries are separated by ``;`` and the first match wins."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from aiassets.models import Asset

from ..pictures import picture_data, url_for

register = template.Library()

LOADING = {"lazy", "eager"}
PRIORITY = {"high", "low", "auto"}


@register.simple_tag
def picture(
    asset: Asset,
    sizes: str = "100vw",
    alt: str | None = None,
    loading: str = "lazy",
    fetchpriority: str = "",
    template_name: str = "delivery/picture.html",
    ratio: str = "",
    art: str = "",
    **attrs: str,
) -> SafeString:
    """A responsive <picture>: AVIF and WebP sources, a JPEG <img> fallback, and a placeholder.

    ``ratio`` ("16/9") crops every source and sizes the box to the crop; ``art`` adds
    ``<source media>`` sets with other ratios per breakpoint. Extra keyword arguments become
    attributes of the <img> (``class`` included). Everything is escaped by the template;
    override ``delivery/picture.html`` to change the markup.
    """
    if asset is None:
        return SafeString("")
    data = picture_data(asset, ratio=ratio, art=art)
    context = {
        "p": data,
        "asset": asset,
        "sizes": sizes,
        "alt": asset.default_alt() if alt is None else alt,
        "loading": loading if loading in LOADING else "lazy",
        "fetchpriority": fetchpriority if fetchpriority in PRIORITY else "",
        "css_class": attrs.pop("class", ""),
        "attrs": sorted((k.replace("_", "-"), v) for k, v in attrs.items()),
    }
    return SafeString(render_to_string(template_name, context).strip())


@register.simple_tag
def picture_url(asset: Asset, width: int = 1280, format: str = "jpeg") -> str:  # noqa: A002
    """One URL: the smallest ready rendition of ``format`` at least ``width`` wide."""
    return url_for(asset, int(width), format) if asset is not None else ""

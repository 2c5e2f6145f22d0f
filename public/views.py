"""Public pages: only approved, published assets, ever."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from aiassets import tags
from aiassets.models import Asset, Collection
from delivery.pictures import social_card

from . import paging
from .filters import AssetFilter

PAGE_SIZE = 24
# Only the first image loads eagerly, with high priority: on a phone (one column, ~1.5 images
# on screen) a whole first row of four would spend the first bytes on images below the fold.
# On wide screens the rest of the first row is lazy but in the viewport, so Chromium fetches
# it as soon as layout places it; its blurred placeholder (inline) shows until then.
EAGER = 1
GRID_SIZES = (
    "(min-width: 1400px) 330px, "
    "(min-width: 1200px) calc((100vw - 80px) / 4), "
    "(min-width: 900px) calc((100vw - 64px) / 3), "
    "(min-width: 600px) calc((100vw - 48px) / 2), "
    "calc(100vw - 32px)"
)
DETAIL_SIZES = "(min-width: 1232px) 1200px, calc(100vw - 32px)"


def public_assets():
    return Asset.objects.public().with_variants()


@require_safe
def gallery(request: HttpRequest) -> HttpResponse:
    filterset = AssetFilter(request.GET, queryset=public_assets())
    queryset = filterset.qs if filterset.is_valid() else public_assets().none()
    page = paging.paginate(queryset, request.GET, PAGE_SIZE)
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(
        request,
        "public/gallery.html",
        {
            "filter": filterset,
            "page": page,
            "sizes": GRID_SIZES,
            "eager": EAGER,  # every page opens at its top, page 2 as much as page 1
            "query": query.urlencode(),
            "collection": shown_collection(filterset, page),
        },
    )


def shown_collection(filterset: AssetFilter, page: paging.Page) -> Collection | None:
    """The filtered collection, named only when this page shows some of its (public) assets:
    a collection of private assets stays unnamed, like one that does not exist."""
    return filterset.chosen_collection if page.object_list else None


@require_safe
def asset_detail(request: HttpRequest, asset_id) -> HttpResponse:
    asset = public_assets().prefetch_related(tags.prefetch()).filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such image.")
    prov = getattr(asset, "provenance", None)
    card = social_card(asset)  # og:image / twitter:image, the focal crop at 1200×630
    if card is not None:
        card.url = request.build_absolute_uri(card.url)
    return render(
        request,
        "public/asset_detail.html",
        {
            "asset": asset,
            "prov": prov,
            "show_prompt": bool(prov and prov.prompt_is_public),
            "tags": tags.names(asset),
            "sizes": DETAIL_SIZES,
            "card": card,
        },
    )

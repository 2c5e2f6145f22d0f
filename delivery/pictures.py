"""What a <picture> needs, computed from prefetched rows only: no queries, no storage calls.

Art direction: a ``ratio`` picks the asset's crops of that ratio (planned ones from the
prefetched rows; any other valid ratio as signed on-demand transform URLs), and ``art``
adds ``<source media>`` per breakpoint with other ratios. Sizes and placeholders follow the
crop.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from PIL import Image

from aiassets import formats
from aiassets.imaging import crops
from aiassets.models import SERVABLE, Asset, Variant
from aiassets.renditions import planned_ratios

from . import signing

SOURCE_FORMATS = formats.SOURCE_FORMATS  # in preference order; jpeg is the <img> fallback
FALLBACK_FORMAT = formats.FALLBACK_FORMAT


@dataclass
class Candidate:
    url: str
    width: int
    height: int


@dataclass
class ArtSource:
    """One ``<source media>`` of an art-directed picture."""

    media: str
    mime: str
    srcset: str
    width: int
    height: int


@dataclass
class PictureData:
    asset: Asset
    sources: list[tuple[str, str]] = field(default_factory=list)  # (mime, srcset)
    img_src: str = ""
    img_srcset: str = ""
    width: int = 0
    height: int = 0
    ratio: str = ""  # the default crop's slug ("16x9"), "" for the full frame
    art: list[ArtSource] = field(default_factory=list)  # before ``sources``, first match wins
    placeholder: str = ""  # the asset's placeholder, cropped like the image

    @property
    def ready(self) -> bool:
        return bool(self.img_src or self.sources)


def ready_variants(asset: Asset) -> Iterable[Variant]:
    """Servable, planned variants (ready, or lazy: the origin builds those on their first
    request, under the same URL): prefetched by Asset.objects.with_variants() when available."""
    prefetched = getattr(asset, "ready_variants", None)
    if prefetched is not None:
        return prefetched
    return asset.variants.filter(status__in=SERVABLE, on_demand=False).order_by("width")


def candidates(asset: Asset, ratio: str = "") -> dict[str, list[Candidate]]:
    """Per format, one candidate per width (ascending), each with its URL: the full frame, or
    the crops of ``ratio`` (a slug, "16x9")."""
    by_format: dict[str, dict[int, Candidate]] = {}
    # Public URLs share one prefix: build it once per asset, not once per variant.
    prefix = signing.public_base() + signing.variant_dir(asset) if asset.is_public else None
    for v in ready_variants(asset):
        if getattr(v, "ratio", "") != ratio:
            continue
        url = prefix + signing.variant_file(v) if prefix else signing.variant_url(asset, v)
        by_format.setdefault(v.format, {})[v.width] = Candidate(url, v.width, v.height)
    return {fmt: [c[w] for w in sorted(c)] for fmt, c in by_format.items()}


def srcset(items: list[Candidate]) -> str:
    return ", ".join(f"{c.url} {c.width}w" for c in items)


def on_demand_candidates(asset: Asset, ratio: crops.Ratio) -> dict[str, list[Candidate]]:
    """A ratio nobody planned: signed transform URLs at the planned widths of its crop."""
    sizes = crops.crop_sizes(
        asset.width, asset.height, ratio, asset.focal_rect(), list(settings.DERIVATIVE_WIDTHS)
    )[1]
    return {
        fmt: [
            Candidate(signing.transform_url(asset, w, fmt, ratio=ratio.slug), w, h)
            for w, h in sizes
        ]
        for fmt in dict.fromkeys([*SOURCE_FORMATS, FALLBACK_FORMAT])
        if fmt in settings.DERIVATIVE_FORMATS  # the formats the origin makes
    }


def crop_candidates(asset: Asset, ratio: crops.Ratio | None) -> dict[str, list[Candidate]]:
    if ratio is None or crops.is_whole_frame(asset.width, asset.height, ratio):
        return candidates(asset)
    if ratio in planned_ratios() or str(ratio) == _card_ratio():
        return candidates(asset, ratio.slug)
    return on_demand_candidates(asset, ratio)


def picture_data(
    asset: Asset, fallback_width: int = 1280, ratio: str = "", art: str = ""
) -> PictureData:
    """Everything ``{% picture %}`` renders. ``ratio`` ("16/9") crops every source; ``art``
    (``"(min-width: 800px)=16/9; …"``) adds one ``<source media>`` set per entry."""
    wanted = crops.parse_ratio(ratio) if ratio else None
    data = _frame(asset, crop_candidates(asset, wanted), fallback_width)
    if wanted is not None:
        data.ratio = wanted.slug
        if not data.ready:
            data.width, data.height = _crop_size(asset, wanted)
    data.placeholder = cropped_placeholder(asset.placeholder, wanted, asset.focal_rect())
    for media, art_ratio in parse_art(art):
        cands = crop_candidates(asset, art_ratio)
        for fmt in SOURCE_FORMATS:
            if cands.get(fmt):
                largest = cands[fmt][-1]
                srcset_ = srcset(cands[fmt])
                mime = formats.OUTPUT[fmt].mime
                data.art.append(ArtSource(media, mime, srcset_, largest.width, largest.height))
    return data


def parse_art(art: str) -> list[tuple[str, crops.Ratio]]:
    """``"(min-width: 800px)=16/9; (min-width: 1400px)=21/9"`` → [(media, Ratio), …]."""
    entries = []
    for part in (art or "").split(";"):
        if not part.strip():
            continue
        media, sep, text = part.rpartition("=")
        if not sep or not media.strip():
            raise ValueError(f"art entries look like '(min-width: 800px)=16/9', not {part!r}")
        entries.append((media.strip(), crops.parse_ratio(text)))
    return entries


def _crop_size(asset: Asset, ratio: crops.Ratio) -> tuple[int, int]:
    box = crops.crop_box(asset.width, asset.height, ratio, asset.focal_rect())
    return box[2] - box[0], box[3] - box[1]


def _card_ratio() -> str:
    text = settings.SOCIAL_CARD_RATIO
    return str(crops.parse_ratio(text)) if text and settings.SOCIAL_CARD_WIDTH else ""


@lru_cache(maxsize=4096)
def cropped_placeholder(uri: str, ratio: crops.Ratio | None, focal: tuple | None) -> str:
    """The asset's tiny placeholder cut to ``ratio`` around ``focal`` (a data URI)."""
    if not uri or ratio is None or not uri.startswith("data:image/webp;base64,"):
        return uri
    try:
        im = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), formats=["WEBP"])
        im = im.convert("RGB").crop(crops.crop_box(im.width, im.height, ratio, focal))
        buf = io.BytesIO()
        im.save(buf, "WEBP", quality=40, method=4)
    except Exception:  # a placeholder is decoration: never break a page for it
        return uri
    return "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _frame(asset: Asset, cands: dict[str, list[Candidate]], fallback_width: int) -> PictureData:
    data = PictureData(asset)
    for fmt in SOURCE_FORMATS:
        if cands.get(fmt):
            data.sources.append((formats.OUTPUT[fmt].mime, srcset(cands[fmt])))
    fallback = cands.get(FALLBACK_FORMAT) or next(
        (cands[f] for f in SOURCE_FORMATS if cands.get(f)), []
    )
    if fallback:
        src = next((c for c in fallback if c.width >= fallback_width), fallback[-1])
        data.img_src = src.url
        data.img_srcset = srcset(fallback)
        largest = fallback[-1]
        data.width, data.height = largest.width, largest.height
    else:
        data.width, data.height = asset.width, asset.height
    return data


def social_card(asset: Asset) -> Candidate | None:
    """The share card (og:image): the largest ready SOCIAL_CARD_RATIO crop in the fallback
    format, for public assets only (its URL is the immutable public one)."""
    card = _card_ratio()
    if not card or not asset.is_public:
        return None
    items = candidates(asset, crops.parse_ratio(card).slug).get(FALLBACK_FORMAT, [])
    wanted = [c for c in items if c.width <= settings.SOCIAL_CARD_WIDTH]
    return (wanted or items or [None])[-1]


def url_for(asset: Asset, width: int, fmt: str = FALLBACK_FORMAT) -> str:
    """The smallest ready variant of ``fmt`` at least ``width`` wide (else the largest)."""
    items = candidates(asset).get(fmt, [])
    if not items:
        return ""
    return next((c for c in items if c.width >= width), items[-1]).url

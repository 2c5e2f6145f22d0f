"""What a <picture> needs, computed from prefetched rows only: no queries, no storage calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aiassets import formats
from aiassets.models import Asset, Variant

from . import signing

SOURCE_FORMATS = formats.SOURCE_FORMATS  # in preference order; jpeg is the <img> fallback
FALLBACK_FORMAT = formats.FALLBACK_FORMAT


@dataclass
class Candidate:
    url: str
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

    @property
    def ready(self) -> bool:
        return bool(self.img_src or self.sources)


def ready_variants(asset: Asset) -> Iterable[Variant]:
    """Ready, planned variants: prefetched by Asset.objects.with_variants() when available."""
    prefetched = getattr(asset, "ready_variants", None)
    if prefetched is not None:
        return prefetched
    return asset.variants.filter(status=Variant.Status.READY, on_demand=False).order_by("width")


def candidates(asset: Asset) -> dict[str, list[Candidate]]:
    """Per format, one candidate per width (ascending), each with its URL."""
    by_format: dict[str, dict[int, Candidate]] = {}
    # Public URLs share one prefix: build it once per asset, not once per variant.
    prefix = signing.public_base() + signing.variant_dir(asset) if asset.is_public else None
    for v in ready_variants(asset):
        url = prefix + signing.variant_file(v) if prefix else signing.variant_url(asset, v)
        by_format.setdefault(v.format, {})[v.width] = Candidate(url, v.width, v.height)
    return {fmt: [c[w] for w in sorted(c)] for fmt, c in by_format.items()}


def srcset(items: list[Candidate]) -> str:
    return ", ".join(f"{c.url} {c.width}w" for c in items)


def picture_data(asset: Asset, fallback_width: int = 1280) -> PictureData:
    data = PictureData(asset)
    cands = candidates(asset)
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


def url_for(asset: Asset, width: int, fmt: str = FALLBACK_FORMAT) -> str:
    """The smallest ready variant of ``fmt`` at least ``width`` wide (else the largest)."""
    items = candidates(asset).get(fmt, [])
    if not items:
        return ""
    return next((c for c in items if c.width >= width), items[-1]).url

"""A population of bare rows (no image files) for the scale tests: public and queued assets
with provenance, decisions and ready variants, bulk-created like a real catalogue."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from aiassets.models import Asset, Collection, GenerativeModel, Provenance, TaggedAsset, Variant
from moderation.models import Decision

COMMON, RARE = "lighthouse", "zeppelin"
TAG_COMMON, TAG_RARE, SHELF = "sea", "zeppelins", "shelf"  # on 3/4, 1/97 and 4/5 of assets
SHELF_RARE = "rare-shelf"  # 1/97 of assets
STATUSES = ["approved"] * 16 + ["in_review", "in_review", "rejected", "pending"]


def _prompt(i: int) -> str:
    words = [COMMON if i % 3 == 0 else "harbour", "at dusk", "watercolour"]
    if i % 97 == 0:
        words.append(RARE)
    return " ".join(words)


def _assets(n: int) -> list[Asset]:
    now = timezone.now()
    assets = []
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        sha = hashlib.sha256(f"scale-{i}".encode()).hexdigest()
        moment = now - timedelta(minutes=i)
        assets.append(
            Asset(
                sha256=sha,
                original_key=f"originals/x/{sha}.png",
                format="PNG",
                mime_type="image/png",
                width=1024,
                height=768 if i % 2 else 1024,
                bytes=1000,
                phash=sha[:16],
                title=f"Scale {i}",
                moderation_status=status,
                published=status == "approved",
                created_at=moment,
                queued_at=moment,
            )
        )
    return Asset.objects.bulk_create(assets, batch_size=1000)


def _decision(asset: Asset) -> Decision:
    status = asset.moderation_status
    return Decision(
        asset=asset,
        actor_kind="classifier",
        actor_name="classifier",
        verdict={"approved": "approve", "in_review": "review"}.get(status, "reject"),
        from_status="pending",
        to_status=status,
        created_at=asset.queued_at,
    )


def _variants(asset: Asset) -> list[Variant]:
    return [
        Variant(
            asset=asset,
            width=w,
            height=w * asset.height // asset.width,
            format=f,
            recipe="r1",
            key=f"variants/{asset.pk}/{asset.sha256[:16]}/{w}w-r1.{f}",
            bytes=w * 40,
            status="ready",
            c2pa="signed",
        )
        for w in (320, 640, 1024)
        for f in ("avif", "webp", "jpeg")
    ]


def _tags_and_collection(assets: list[Asset]) -> None:
    common, rare = (Tag.objects.get_or_create(name=n)[0] for n in (TAG_COMMON, TAG_RARE))
    links = [TaggedAsset(tag=common, content_object=a) for i, a in enumerate(assets) if i % 4 != 3]
    links += [TaggedAsset(tag=rare, content_object=a) for a in assets[::97]]
    TaggedAsset.objects.bulk_create(links, batch_size=2000)
    shelf, _ = Collection.objects.get_or_create(slug=SHELF, defaults={"name": "Shelf"})
    shelf.assets.add(*(a for i, a in enumerate(assets) if i % 5 != 4))
    rare_shelf, _ = Collection.objects.get_or_create(slug=SHELF_RARE, defaults={"name": "Rare"})
    rare_shelf.assets.add(*assets[::97])


@pytest.fixture
def population(db) -> Callable[[int], list[Asset]]:
    """``populate(n)``: n assets (80 % public), each with provenance, its decision when it left
    pending, and nine ready variants; tags and a collection on some (_tags_and_collection)."""

    def populate(n: int) -> list[Asset]:
        models = [
            GenerativeModel.objects.create(name=f"Scale {i}", prompts_public_by_default=i != 2)
            for i in range(4)
        ]
        assets = _assets(n)
        Provenance.objects.bulk_create(
            Provenance(asset=a, model=models[i % 4], prompt=_prompt(i), generated_at=a.created_at)
            for i, a in enumerate(assets)
        )
        Decision.objects.bulk_create(
            _decision(a) for a in assets if a.moderation_status != "pending"
        )
        Variant.objects.bulk_create((v for a in assets for v in _variants(a)), batch_size=2000)
        _tags_and_collection(assets)
        return assets

    return populate

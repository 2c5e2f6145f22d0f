"""Tags and collections: the one home of their rules (limits, lookups, filters, bulk adds).

Tags are django-taggit ``Tag`` rows linked through ``TaggedAsset`` (a real foreign key, so a
filter is an indexed join). Names are case-insensitive ("Cat" is "cat"): django-taggit
dedupes that way when it writes (``TAGGIT_CASE_INSENSITIVE``) and :func:`tag_pk` looks names
up that way. Every channel (API, admin form, bulk action) checks names with :func:`clean`.

A filter by a tag or collection yields at most one row per asset (one tag, one collection:
unique links), so no DISTINCT is ever needed, and a name nobody uses filters to nothing, the
same as a name only private assets use.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from taggit.models import Tag

from . import validation
from .models import Asset, Collection, TaggedAsset

MAX_TAGS = 50  # per asset
MAX_TAG_LENGTH = Tag._meta.get_field("name").max_length  # 100
BATCH = 1000


def clean(names: Iterable[str], field: str = "tags") -> list[str]:
    """The names stripped, checked and deduplicated (case-insensitively, first spelling
    kept); a coded 422 ``invalid_metadata`` naming ``field`` for anything unstorable."""
    kept: dict[str, str] = {}
    for raw in names:
        if not isinstance(raw, str):
            raise validation.refuse(field, "Each tag must be a string.")
        name = raw.strip()
        validation.check_text(name, field)
        if not name:
            raise validation.refuse(field, "A tag cannot be empty.")
        if len(name) > MAX_TAG_LENGTH:
            raise validation.refuse(field, f"A tag is longer than {MAX_TAG_LENGTH} characters.")
        if "," in name:
            raise validation.refuse(field, "A tag cannot contain a comma.")
        kept.setdefault(name.casefold(), name)
    if len(kept) > MAX_TAGS:
        raise validation.refuse(field, f"{len(kept)} tags; an asset has at most {MAX_TAGS}.")
    return list(kept.values())


def resolve(names: Iterable[str]) -> list[Tag]:
    """The Tag rows for ``names`` (already :func:`clean`), created where missing."""
    found = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).order_by("pk").first()
        if tag is None:
            tag, _ = Tag.objects.get_or_create(name=name)
        found.append(tag)
    return found


def prefetch() -> Prefetch:
    """For ``prefetch_related``: each asset's tag links with their tags, in one query for a
    whole page; read them with :func:`names`. (django-taggit's own ``prefetch_related("tags")``
    matches rows by a raw column value, which misses UUID keys on SQLite.)"""
    return Prefetch("tagged_items", queryset=TaggedAsset.objects.select_related("tag"))


def names(asset: Asset) -> list[str]:
    """The asset's tag names, sorted case-insensitively (prefetched by :func:`prefetch`)."""
    return sorted((link.tag.name for link in asset.tagged_items.all()), key=str.casefold)


def set_tags(asset: Asset, names: Iterable[str]) -> None:
    """Replace the asset's tags with ``names`` (already :func:`clean`)."""
    with transaction.atomic():
        asset.tags.set(resolve(names))


def tag_pk(name: str) -> int:
    """The id of the tag called ``name`` (any case); 0, which no row has, when none is."""
    found = Tag.objects.filter(name__iexact=name).order_by("pk").values_list("pk", flat=True)
    return found.first() or 0


def with_tag(qs: QuerySet[Asset], name: str) -> QuerySet[Asset]:
    """Assets of ``qs`` tagged ``name``: one join on (tag, asset), no DISTINCT. The tag's id
    is looked up first (one indexed query), so the planner sees a constant and knows from its
    statistics whether the tag is rare (read the tag's links) or common (walk the assets'
    index). A name the database cannot hold (NUL) is a coded 400, never a database error."""
    validation.check_query(name, "tag")
    return qs.filter(tagged_items__tag_id=tag_pk(name.strip()))


def collection_named(slug: str) -> Collection | None:
    """The collection with this slug, or None (a NUL in it is a coded 400)."""
    validation.check_query(slug, "collection")
    return Collection.objects.filter(slug=slug.strip()).first()


def in_collection(qs: QuerySet[Asset], collection: Collection | None) -> QuerySet[Asset]:
    """Assets of ``qs`` in ``collection`` (None: no asset): one join, no DISTINCT."""
    return qs.filter(collections__id=collection.pk if collection else 0)


def add_tags(assets: QuerySet[Asset], names: Iterable[str]) -> int:
    """Add ``names`` (already :func:`clean`) to every asset of ``assets``; links that exist
    are left alone. Returns the number of assets. Batched, for a select-all over many rows.

    Bulk adds do not check the per-asset limit (``MAX_TAGS`` holds for edits)."""
    tags = resolve(names)
    count = 0
    for ids in _batches(assets):
        links = [TaggedAsset(tag=t, content_object_id=pk) for pk in ids for t in tags]
        TaggedAsset.objects.bulk_create(links, ignore_conflicts=True, batch_size=BATCH)
        count += len(ids)
    return count


def add_to_collection(assets: QuerySet[Asset], collection: Collection) -> int:
    """Put every asset of ``assets`` in ``collection`` (those already in it stay); batched."""
    through = Collection.assets.through
    count = 0
    for ids in _batches(assets):
        links = [through(collection_id=collection.pk, asset_id=pk) for pk in ids]
        through.objects.bulk_create(links, ignore_conflicts=True, batch_size=BATCH)
        count += len(ids)
    return count


def _batches(assets: QuerySet[Asset]) -> Iterable[list]:
    batch: list = []
    for pk in assets.order_by().values_list("pk", flat=True).iterator(chunk_size=BATCH):
        batch.append(pk)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def collection_counts(collection_ids: Iterable[int]) -> dict[int, int]:
    """Assets in each collection: one GROUP BY over the links of these collections only."""
    rows = (
        Collection.assets.through.objects.filter(collection_id__in=list(collection_ids))
        .values("collection_id")
        .annotate(n=Count("asset_id"))
        .values_list("collection_id", "n")
    )
    return dict(rows)


__all__ = [
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "add_tags",
    "add_to_collection",
    "clean",
    "collection_counts",
    "collection_named",
    "in_collection",
    "names",
    "prefetch",
    "resolve",
    "set_tags",
    "tag_pk",
    "with_tag",
]

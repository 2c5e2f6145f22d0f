"""The orphan sweep: files in storage that no row names, older than a grace period, removed.

Orphans come from processes killed between writing a file and committing its row (an upload
cut short, a worker killed mid-build) or from a delete that failed. The sweep lists storage
(S3 ListObjectsV2 pages, or a directory walk), never asks storage about one file at a time,
and checks each page of keys against the rows in one indexed query per page: the asset id is
part of every key (``originals/<uuid>/…``, ``variants/<uuid>/…``).

The grace period covers the window in which a file exists before its row commits: an ingest
writes the original first, a build writes the file before it marks the row ready.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.utils import timezone

from . import listing, storage
from .conf import app_settings
from .models import Asset, Variant

logger = logging.getLogger(__name__)

PAGE = 1000  # keys per row lookup and per bulk delete (S3 DeleteObjects takes up to 1000)


@dataclass
class SweepReport:
    dry_run: bool
    scanned: int = 0
    orphans: list[str] = field(default_factory=list)
    removed: int = 0
    errors: int = 0

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        count = len(self.orphans) if self.dry_run else self.removed
        return (
            f"scanned {self.scanned} file(s); {len(self.orphans)} orphan(s); {verb} {count}; "
            f"{self.errors} error(s)"
        )


def _asset_id(key: str) -> uuid.UUID | None:
    parts = key.split("/")
    try:
        return uuid.UUID(parts[1]) if len(parts) > 2 else None
    except ValueError:
        return None


def known_original_keys(keys: list[str]) -> set[str]:
    ids = {i for i in map(_asset_id, keys) if i is not None}
    return set(Asset.objects.filter(pk__in=ids).values_list("original_key", flat=True))


def known_variant_keys(keys: list[str]) -> set[str]:
    ids = {i for i in map(_asset_id, keys) if i is not None}
    return set(Variant.objects.filter(asset_id__in=ids).values_list("key", flat=True))


KINDS = {
    "originals": (storage.originals, "originals/", known_original_keys),
    "variants": (storage.variants, "variants/", known_variant_keys),
}


def _pages(items: Iterable[tuple[str, datetime]]) -> Iterator[list[tuple[str, datetime]]]:
    it = iter(items)
    while page := list(islice(it, PAGE)):
        yield page


def sweep(
    *, grace: timedelta | None = None, dry_run: bool = False, kinds: Iterable[str] = KINDS
) -> SweepReport:
    """Find (and unless ``dry_run``, delete) files older than ``grace`` that no row names.

    ``grace`` defaults to ORPHAN_GRACE_SECONDS. Safe to run on several hosts at once."""
    grace = timedelta(seconds=app_settings.ORPHAN_GRACE_SECONDS) if grace is None else grace
    cutoff = timezone.now() - grace
    report = SweepReport(dry_run=dry_run)
    for kind in kinds:
        get_store, prefix, known = KINDS[kind]
        store = get_store()
        for page in _pages(listing.entries(store, prefix)):
            report.scanned += len(page)
            old = [key for key, modified in page if modified < cutoff]
            named = known(old) if old else set()
            orphans = [key for key in old if key not in named]
            report.orphans.extend(orphans)
            if orphans and not dry_run:
                removed, errors = storage.delete_many(store, orphans)
                report.removed += removed
                report.errors += errors
    if report.orphans:
        logger.warning(
            "orphan sweep: %s",
            report.summary(),
            extra={"event": "orphans.swept", "removed": report.removed, "dry_run": dry_run},
        )
    return report

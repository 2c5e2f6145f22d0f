"""Erasure: delete an asset's original and every variant, leaving a tombstone.

The tombstone keeps the id, the content and perceptual hashes, the decision trail and the
reason: the same bytes are then refused at ingest, and the takedown matcher still recognises
re-uploads. Personal data that provenance may hold (prompts, parameters, job ids) is blanked,
and so are the editors' words on it (title, alt text, tags, collection memberships).
In one transaction: the renditions are retired (delivery records the URLs they were served
under for the CDN purge, before the rows go), the workflow takes the asset down (audited; it
alone writes ``published`` and ``delivery_version``), and the rows are blanked. After commit
``asset_erased`` is sent and the files are deleted.

Safe to run again: a second run deletes whatever files a failed first run left behind.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aiassets import renditions, storage
from aiassets.models import Asset, Collection, Provenance, TaggedAsset, Variant
from aiassets.signals import asset_erased

from . import workflow

logger = logging.getLogger(__name__)
ERASED_TEXT = "[erased]"


class ErasureError(Exception):
    pass


@dataclass
class ErasureReport:
    asset_id: str
    deleted: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def erase(asset_id: uuid.UUID | str, reason: str, by: Any = None) -> ErasureReport:
    reason = (reason or "").strip()
    if not reason:
        raise ErasureError("Erasure needs a reason (it is kept in the tombstone).")
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        raise ErasureError(f"No asset {asset_id}.")
    originals = [asset.original_key] if asset.original_key else []
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        variants = list(Variant.objects.filter(asset=locked))
        variant_keys = [v.key for v in variants]
        if locked.erased_at is None:
            _erase_rows(locked, variants, reason, by)
    report = ErasureReport(str(asset.pk))
    _delete(storage.originals(), originals, report)
    _delete(storage.originals(), _previews(asset), report)
    _delete(storage.variants(), variant_keys, report)
    logger.info(
        "erased asset %s: %d file(s) deleted, %d error(s)",
        asset.pk,
        len(report.deleted),
        len(report.errors),
        extra={"event": "asset.erased", "asset_id": str(asset.pk)},
    )
    return report


def _erase_rows(locked: Asset, variants: list[Variant], reason: str, by: Any) -> None:
    """Retire the renditions as served, take the asset down, blank the tombstone's data."""
    renditions.drop_variants(locked, variants, delete_files=False)  # files: after commit
    version = workflow.erase(locked, by=by, note=f"Erasure: {reason}")
    Provenance.objects.filter(asset=locked).update(
        prompt=ERASED_TEXT, negative_prompt="", seed="", params={}, source_job_id=""
    )
    Asset.objects.filter(pk=locked.pk).update(
        erased_at=timezone.now(),
        erasure_reason=reason,
        original_key="",
        original_filename="",
        title="",
        alt_text="",
        placeholder="",
        dominant_color="",
    )
    TaggedAsset.objects.filter(content_object=locked).delete()  # the tags themselves stay
    Collection.assets.through.objects.filter(asset=locked).delete()
    transaction.on_commit(
        lambda: asset_erased.send(sender=Asset, asset_id=locked.pk, delivery_version=version)
    )


def _previews(asset: Asset) -> list[str]:
    """Admin preview cache files (imagekit) made from the original."""
    folder = f"{settings.IMAGEKIT_CACHEFILE_DIR}/originals/{asset.pk}"
    try:
        _, files = storage.originals().listdir(folder)
    except (FileNotFoundError, OSError):
        return []
    return [f"{folder}/{name}" for name in files]


def _delete(store, keys: list[str], report: ErasureReport) -> None:
    for key in keys:
        try:
            store.delete(key)
            report.deleted.append(key)
        except Exception as exc:  # keep going; the report says what is left
            report.errors[key] = f"{type(exc).__name__}: {exc}"

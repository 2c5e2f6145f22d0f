"""Signal receivers: renditions retire, moderation changes visibility, delivery purges the CDN.

* ``renditions_retiring`` (sent synchronously, before rows are deleted): the public URLs the
  renditions were served under are computed right then and recorded, with the surrogate key,
  as a PurgeRequest once the transaction commits; the purge job sends exactly those.
* ``asset_visibility_changed`` (sent on commit by moderation.workflow). Leaving public view
  (was_public and not is_public), or a new delivery_version while public: every public URL
  under old_delivery_version is dead at the origin (404), but the CDN may hold copies for a
  year (immutable), so the ready rows' URLs under that version are recorded and a purge job on
  the "purge" queue drops them and the asset's surrogate key. The job id is deterministic per
  (asset, old version), so a repeated signal collapses into one job.
  Re-entering public view needs nothing: new URLs, and the old ones stay dead.
* ``asset_erased``: the surrogate key is purged once more (a key-aware CDN drops whatever it
  still holds of the asset, in any version).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from . import purges, signing


def record_retiring(
    sender: Any, asset: Any, variants: list, was_public: bool, **kwargs: Any
) -> None:
    """Renditions are about to be deleted: record the URLs they were served under, now."""
    if not was_public or not variants:
        return  # signed URLs are private: no shared cache holds them
    urls = signing.public_urls(asset, variants)
    transaction.on_commit(
        partial(
            purges.record_and_schedule,
            asset.pk,
            asset.delivery_version,
            urls,
            reason="renditions retired",
        ),
        robust=True,
    )


def purge_on_leaving_public_view(
    sender: Any,
    asset_id: Any,
    was_public: bool,
    is_public: bool,
    old_delivery_version: int,
    delivery_version: int,
    **kwargs: Any,
) -> None:
    version_changed = int(old_delivery_version) != int(delivery_version)
    if was_public and (not is_public or version_changed):
        purges.record_left_public_view(asset_id, int(old_delivery_version))


def purge_erased(sender: Any, asset_id: Any, delivery_version: int, **kwargs: Any) -> None:
    """An erased asset: drop whatever the CDN still holds of it (its surrogate key covers every
    version; its served URLs were recorded when its renditions were retired)."""
    purges.record_and_schedule(asset_id, int(delivery_version), [], reason="erased")

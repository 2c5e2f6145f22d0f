"""Signal receivers: moderation changes visibility, delivery purges the CDN.

asset_visibility_changed is sent on commit by moderation.workflow after every transition.

* Leaving public view (was_public and not is_public): delivery_version has been bumped, so
  every public URL under old_delivery_version is dead at the origin (404). The CDN may still
  hold copies for a year (immutable), so a purge job on the "purge" queue drops those URLs
  and the asset's surrogate key. The job id is deterministic per (asset, old version), so a
  repeated signal collapses into one job.
* Re-entering public view needs nothing: the asset is served under its new delivery_version,
  URLs the CDN has never seen, and the old ones stay dead.
* Other transitions (pending -> in_review, rejected -> taken_down...) never touched the CDN.
"""

from __future__ import annotations

from typing import Any

from . import purges


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
        purges.schedule(asset_id, old_delivery_version)


def purge_erased(sender: Any, asset_id: Any, delivery_version: int, **kwargs: Any) -> None:
    """An erased asset: drop whatever the CDN still holds of it (its surrogate key covers every
    version)."""
    purges.schedule(asset_id, int(delivery_version))

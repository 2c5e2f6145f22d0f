"""RQ job functions for delivery. Thin: ids in, the purge service, the outcome out."""

from __future__ import annotations

from typing import Any

from . import purges


class PurgeFailed(Exception):
    """A CDN purge failed. RQ retries the job (CDN_PURGE_RETRY_INTERVALS) while attempts remain;
    the PurgeRequest rows keep attempts, status and the last error."""


def purge_asset(asset_id: str, delivery_version: int) -> dict[str, Any]:
    """Purge the asset's URLs under ``delivery_version`` (the one that just died) and its key."""
    report = purges.purge(asset_id, delivery_version)
    if not report.ok:
        problems = {**report.pending, **report.failed}
        state = "will retry" if report.pending else "no attempts left"
        raise PurgeFailed(f"purge of {asset_id} v{delivery_version} failed ({state}): {problems}")
    return {"asset_id": asset_id, "delivery_version": int(delivery_version), "done": report.done}


def resume_purge(asset_id: str, delivery_version: int) -> dict[str, Any]:
    """Healing's retry of an unfinished round: one more try of each row (no RQ retries: the
    next one is healing's again, after purges.retry_delay())."""
    report = purges.resume(asset_id, delivery_version)
    return {
        "asset_id": asset_id,
        "delivery_version": int(delivery_version),
        "done": report.done,
        "pending": report.pending,
        "failed": report.failed,
    }

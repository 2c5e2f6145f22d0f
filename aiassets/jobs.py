"""Deprecated: kept for one release so RQ jobs stored under ``aiassets.jobs.build_variants``
still run. New jobs are enqueued as ``aiassets.renditions.jobs.build_variants``.
Remove after the release that follows the move to aiassets/renditions/."""

from .renditions.jobs import BuildFailed, build_variants

__all__ = ["BuildFailed", "build_variants"]

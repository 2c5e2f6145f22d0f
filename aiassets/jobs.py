"""RQ job functions. Thin: they take ids, call a service and report the outcome."""

from __future__ import annotations

from typing import Any

from . import derivatives


class BuildIncomplete(Exception):
    """Some variants failed but have attempts left: RQ retries the job."""


def build_variants(asset_id: str) -> dict[str, Any]:
    report = derivatives.build(asset_id)
    if report.retryable:
        raise BuildIncomplete(f"{len(report.failed)} variant(s) failed: {report.failed}")
    return report.as_dict()

"""RQ job functions. Thin: they take ids, call a service and report the outcome."""

from __future__ import annotations

from typing import Any

from . import derivatives


class BuildFailed(Exception):
    """Some variants failed. RQ retries the job while attempts remain; after the last one the
    job lands in the failed registry, and each Variant row keeps its error."""


def build_variants(asset_id: str) -> dict[str, Any]:
    report = derivatives.build(asset_id)
    derivatives.release_deferred()  # the queue just got shorter: let deferred builds in
    if report.failed:
        state = "will retry" if report.retryable else "no attempts left"
        raise BuildFailed(f"{len(report.failed)} variant(s) failed ({state}): {report.failed}")
    return report.as_dict()

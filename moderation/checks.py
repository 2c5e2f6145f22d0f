"""System checks for moderation settings. A missing safety setting fails closed, and says so."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from . import conf, policy


def _threshold_errors(thresholds: Any) -> list[CheckMessage]:
    if not isinstance(thresholds, dict):
        return [
            Error(
                "MODERATION_THRESHOLDS must be a dict of label -> {'review': x, 'reject': y}.",
                id="moderation.E001",
            )
        ]
    errors: list[CheckMessage] = []
    for label, value in thresholds.items():
        try:
            limit = policy.Threshold.parse(value)
            scores = [s for s in (limit.review, limit.reject) if s is not None]
            bad = any(not 0 <= float(s) <= 1 for s in scores)
        except (TypeError, ValueError):
            bad = True
        if bad:
            errors.append(
                Error(
                    f"MODERATION_THRESHOLDS[{label!r}] must hold scores from 0 to 1 (or None).",
                    id="moderation.E002",
                )
            )
    return errors


@register()
def moderation_thresholds(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    thresholds = conf.get("MODERATION_THRESHOLDS")
    thresholds = {} if thresholds is None else thresholds
    errors = _threshold_errors(thresholds)
    if not errors and not policy.parse_thresholds(thresholds):
        errors.append(
            Warning(
                "MODERATION_THRESHOLDS is empty: nothing can be approved automatically, every "
                "image goes to human review.",
                hint="Unset it to use the defaults in moderation/conf.py, or list the labels "
                "your classifiers score with review and reject thresholds.",
                id="moderation.W001",
            )
        )
    return errors

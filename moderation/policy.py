"""The moderation policy: a pure function of classifier scores and provenance facts.

No database, no Django models: callers pass plain values. Per-label thresholds (from
MODERATION_THRESHOLDS) put each score in one of three bands:

    score < review            → no concern
    review ≤ score < reject   → human review (NudeNet scores crude skin-toned shapes ~0.3)
    score ≥ reject            → auto-reject

Beyond scores, an asset goes to review when its model's licence restricts public use, when
its provenance is missing or malformed, or when no classifier looked at it. With no usable
threshold at all (an empty or missing MODERATION_THRESHOLDS) nothing can be judged safe:
every asset goes to review (fail closed). Reject wins over review; review wins over approve.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class Outcome(enum.StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    REJECT = "reject"


@dataclass(frozen=True)
class Threshold:
    review: float | None = None
    reject: float | None = None

    @classmethod
    def parse(cls, value: Any) -> Threshold:
        if isinstance(value, Threshold):
            return value
        if isinstance(value, Mapping):
            return cls(review=value.get("review"), reject=value.get("reject"))
        review, reject = value  # a (review, reject) pair
        return cls(review=review, reject=reject)


@dataclass(frozen=True)
class ProvenanceFacts:
    """What the policy needs to know about an asset's provenance. ``None`` means missing."""

    model_name: str = ""
    prompt: str = ""
    generated_at: datetime | None = None
    params: Any = None
    restricts_public_use: bool = False


@dataclass(frozen=True)
class PolicyResult:
    outcome: Outcome
    reasons: tuple[str, ...]

    @property
    def reason_code(self) -> str:
        """The leading reason (the first one that produced the outcome)."""
        return self.reasons[0] if self.reasons else ""


# Reason codes (stable: stored in Decision.reasons and shown to moderators).
LICENCE_RESTRICTED = "licence_restricted"
PROVENANCE_MISSING = "provenance_missing"
PROVENANCE_MALFORMED = "provenance_malformed"
NOT_CLASSIFIED = "not_classified"
NO_CONCERNS = "no_concerns"
NO_THRESHOLDS = "no_thresholds"


def score_reason(band: str, label: str) -> str:
    return f"{band}:{label}"


def provenance_problems(
    facts: ProvenanceFacts | None, now: datetime | None = None
) -> tuple[str, ...]:
    if facts is None:
        return (PROVENANCE_MISSING,)
    malformed = (
        not (facts.model_name or "").strip()
        or not (facts.prompt or "").strip()
        or facts.generated_at is None
        or not isinstance(facts.params, dict)
        or (now is not None and facts.generated_at > now + timedelta(days=1))
    )
    return (PROVENANCE_MALFORMED,) if malformed else ()


def parse_thresholds(thresholds: Mapping[str, Any] | None) -> dict[str, Threshold]:
    """The usable thresholds: labels with a review or reject score (others are ignored)."""
    limits = {label: Threshold.parse(value) for label, value in (thresholds or {}).items()}
    return {k: v for k, v in limits.items() if v.review is not None or v.reject is not None}


def decide(
    scores: Mapping[str, float] | None,
    provenance: ProvenanceFacts | None,
    thresholds: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
) -> PolicyResult:
    """approve / review / reject with reason codes. ``scores`` is None if nothing classified."""
    limits = parse_thresholds(thresholds)
    rejects: list[str] = []
    reviews: list[str] = []
    for label, score in sorted((scores or {}).items(), key=lambda kv: (-kv[1], kv[0])):
        limit = limits.get(label)
        if limit is None:
            continue
        if limit.reject is not None and score >= limit.reject:
            rejects.append(score_reason("reject", label))
        elif limit.review is not None and score >= limit.review:
            reviews.append(score_reason("review", label))
    if scores is None:
        reviews.append(NOT_CLASSIFIED)
    if not limits:
        reviews.append(NO_THRESHOLDS)
    if provenance is not None and provenance.restricts_public_use:
        reviews.append(LICENCE_RESTRICTED)
    reviews.extend(provenance_problems(provenance, now))

    if rejects:
        return PolicyResult(Outcome.REJECT, tuple(rejects + reviews))
    if reviews:
        return PolicyResult(Outcome.REVIEW, tuple(reviews))
    return PolicyResult(Outcome.APPROVE, (NO_CONCERNS,))

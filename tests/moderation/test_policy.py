"""The policy as a table: scores and provenance facts in, outcome and reasons out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from moderation.policy import Outcome, ProvenanceFacts, Threshold, decide, provenance_problems

T = {
    "FEMALE_GENITALIA_EXPOSED": {"review": 0.25, "reject": 0.7},
    "FEMALE_BREAST_EXPOSED": {"review": 0.25, "reject": 0.8},
    "BUTTOCKS_EXPOSED": (0.3, 0.9),
    "ONLY_REVIEW": {"review": 0.5},
    "ONLY_REJECT": {"reject": 0.5},
}
NOW = datetime(2026, 11, 20, tzinfo=UTC)
OK = ProvenanceFacts(
    model_name="Lumen", prompt="a fox", generated_at=datetime(2026, 11, 1, tzinfo=UTC), params={}
)
RESTRICTED = ProvenanceFacts(
    model_name="Lumen",
    prompt="a fox",
    generated_at=datetime(2026, 11, 1, tzinfo=UTC),
    params={},
    restricts_public_use=True,
)


def facts(**changes) -> ProvenanceFacts:
    return ProvenanceFacts(**{**OK.__dict__, **changes})


CASES = [
    # id, scores, provenance, outcome, reasons
    ("nothing found", {}, OK, Outcome.APPROVE, ("no_concerns",)),
    (
        "ignored labels",
        {"FACE_FEMALE": 0.99, "FEET_EXPOSED": 0.9},
        OK,
        Outcome.APPROVE,
        ("no_concerns",),
    ),
    ("below review", {"FEMALE_BREAST_EXPOSED": 0.2}, OK, Outcome.APPROVE, ("no_concerns",)),
    (
        "crude shape ~0.3 → review band",
        {"FEMALE_BREAST_EXPOSED": 0.3},
        OK,
        Outcome.REVIEW,
        ("review:FEMALE_BREAST_EXPOSED",),
    ),
    (
        "review boundary is inclusive",
        {"FEMALE_BREAST_EXPOSED": 0.25},
        OK,
        Outcome.REVIEW,
        ("review:FEMALE_BREAST_EXPOSED",),
    ),
    (
        "just under reject",
        {"FEMALE_BREAST_EXPOSED": 0.7999},
        OK,
        Outcome.REVIEW,
        ("review:FEMALE_BREAST_EXPOSED",),
    ),
    (
        "reject boundary is inclusive",
        {"FEMALE_BREAST_EXPOSED": 0.8},
        OK,
        Outcome.REJECT,
        ("reject:FEMALE_BREAST_EXPOSED",),
    ),
    (
        "per-label thresholds differ",
        {"FEMALE_GENITALIA_EXPOSED": 0.75},
        OK,
        Outcome.REJECT,
        ("reject:FEMALE_GENITALIA_EXPOSED",),
    ),
    (
        "pair thresholds",
        {"BUTTOCKS_EXPOSED": 0.35},
        OK,
        Outcome.REVIEW,
        ("review:BUTTOCKS_EXPOSED",),
    ),
    (
        "review only label never rejects",
        {"ONLY_REVIEW": 1.0},
        OK,
        Outcome.REVIEW,
        ("review:ONLY_REVIEW",),
    ),
    ("reject only label has no band", {"ONLY_REJECT": 0.49}, OK, Outcome.APPROVE, ("no_concerns",)),
    ("reject only label", {"ONLY_REJECT": 0.5}, OK, Outcome.REJECT, ("reject:ONLY_REJECT",)),
    (
        "reject beats review, highest first",
        {"FEMALE_BREAST_EXPOSED": 0.4, "FEMALE_GENITALIA_EXPOSED": 0.9},
        OK,
        Outcome.REJECT,
        ("reject:FEMALE_GENITALIA_EXPOSED", "review:FEMALE_BREAST_EXPOSED"),
    ),
    ("licence restricts public use", {}, RESTRICTED, Outcome.REVIEW, ("licence_restricted",)),
    (
        "licence plus score",
        {"FEMALE_BREAST_EXPOSED": 0.3},
        RESTRICTED,
        Outcome.REVIEW,
        ("review:FEMALE_BREAST_EXPOSED", "licence_restricted"),
    ),
    (
        "reject still wins over licence",
        {"FEMALE_BREAST_EXPOSED": 0.95},
        RESTRICTED,
        Outcome.REJECT,
        ("reject:FEMALE_BREAST_EXPOSED", "licence_restricted"),
    ),
    ("provenance missing", {}, None, Outcome.REVIEW, ("provenance_missing",)),
    ("empty prompt", {}, facts(prompt="  "), Outcome.REVIEW, ("provenance_malformed",)),
    ("empty model name", {}, facts(model_name=""), Outcome.REVIEW, ("provenance_malformed",)),
    ("no generation time", {}, facts(generated_at=None), Outcome.REVIEW, ("provenance_malformed",)),
    ("params not an object", {}, facts(params=[1, 2]), Outcome.REVIEW, ("provenance_malformed",)),
    (
        "generated in the future",
        {},
        facts(generated_at=datetime(2027, 1, 1, tzinfo=UTC)),
        Outcome.REVIEW,
        ("provenance_malformed",),
    ),
    ("not classified at all", None, OK, Outcome.REVIEW, ("not_classified",)),
]


@pytest.mark.parametrize(
    ("scores", "prov", "outcome", "reasons"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_policy_table(scores, prov, outcome, reasons):
    result = decide(scores, prov, T, now=NOW)
    assert result.outcome == outcome
    assert result.reasons == reasons
    assert result.reason_code == reasons[0]


def test_policy_is_pure_and_needs_no_database():
    # Same input, same output; no Django models involved (this test has no db fixture).
    assert decide({"FEMALE_BREAST_EXPOSED": 0.5}, OK, T) == decide(
        {"FEMALE_BREAST_EXPOSED": 0.5}, OK, T
    )


def test_future_check_only_with_a_clock():
    assert provenance_problems(facts(generated_at=datetime(2099, 1, 1, tzinfo=UTC))) == ()


def test_threshold_forms():
    assert Threshold.parse((0.1, 0.2)) == Threshold(0.1, 0.2)
    assert Threshold.parse({"review": 0.1}) == Threshold(0.1, None)


def test_default_settings_put_crude_shapes_in_review_not_reject():
    from moderation import conf

    thresholds = conf.get("MODERATION_THRESHOLDS")
    result = decide({"FEMALE_BREAST_EXPOSED": 0.3}, OK, thresholds)
    assert result.outcome == Outcome.REVIEW
    assert decide({"FEMALE_BREAST_COVERED": 0.36}, OK, thresholds).outcome == (Outcome.APPROVE)

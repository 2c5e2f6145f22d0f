"""Fail closed: with no usable MODERATION_THRESHOLDS nothing is approved automatically, and
`manage.py check` warns. The defaults have one home (moderation/conf.py)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from moderation import conf
from moderation.policy import NO_THRESHOLDS, Outcome, ProvenanceFacts, decide
from tests import images

pytestmark = pytest.mark.django_db  # some system checks read the database

OK = ProvenanceFacts(
    model_name="m", prompt="p", generated_at=__import__("datetime").datetime(2026, 1, 1), params={}
)


@pytest.mark.parametrize("thresholds", [{}, None, {"X": {"review": None, "reject": None}}])
def test_no_usable_threshold_sends_clean_scores_to_review(thresholds):
    result = decide({"FEMALE_BREAST_EXPOSED": 0.01}, OK, thresholds)
    assert result.outcome == Outcome.REVIEW
    assert NO_THRESHOLDS in result.reasons


def test_a_reject_still_wins_with_other_labels_set():
    result = decide({"X": 0.99}, OK, {"X": {"reject": 0.9}})
    assert result.outcome == Outcome.REJECT and NO_THRESHOLDS not in result.reasons


@pytest.mark.parametrize("value", [{}, None])
def test_an_empty_setting_sends_ingested_images_to_review(ingest_now, settings, value):
    settings.MODERATION_THRESHOLDS = value
    asset = ingest_now(images.png(320, 240, seed=41)).asset
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"
    assert asset.decisions.first().reason_code == NO_THRESHOLDS


def test_a_missing_setting_uses_the_defaults(settings):
    del settings.MODERATION_THRESHOLDS
    assert conf.get("MODERATION_THRESHOLDS") == conf.DEFAULTS["MODERATION_THRESHOLDS"]
    assert conf.DEFAULTS["MODERATION_THRESHOLDS"], "the defaults must not be empty"


def test_conf_follows_setting_changes(settings):
    settings.MODERATION_CLAIM_SECONDS = 5
    assert conf.settings.MODERATION_CLAIM_SECONDS == 5
    settings.MODERATION_CLAIM_SECONDS = 7
    assert conf.get("MODERATION_CLAIM_SECONDS") == 7


def _ids(**kwargs) -> set[str]:
    return {m.id for m in run_checks(**kwargs)}


@pytest.mark.parametrize("value", [{}, None, {"X": (None, None)}])
def test_check_warns_when_thresholds_are_empty(settings, value):
    settings.MODERATION_THRESHOLDS = value
    assert "moderation.W001" in _ids()


def test_check_refuses_malformed_thresholds(settings):
    settings.MODERATION_THRESHOLDS = {"X": {"review": 3}}
    assert "moderation.E002" in _ids()
    settings.MODERATION_THRESHOLDS = ["X"]
    assert "moderation.E001" in _ids()


def test_the_defaults_pass_the_check():
    assert not {i for i in _ids() if i.startswith("moderation.")}

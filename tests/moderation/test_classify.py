"""The real NudeNet model on generated images; the job stores its classification and moves
the asset through the workflow, inline and through a real RQ worker."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from aiassets import synth
from aiassets.models import Asset
from aiassets.queueing import enqueue
from moderation import classifiers, jobs, policy
from moderation.models import Classification, Decision
from tests import images
from tests.moderation.shapes import torso

pytestmark = pytest.mark.django_db


def test_nudenet_follows_the_protocol_and_scores_shapes():
    nn = classifiers.NudeNetClassifier()
    assert isinstance(nn, classifiers.Classifier)
    art = nn.classify(synth.artwork(800, 600, seed=3))
    assert (art.width, art.height) == (800, 600)
    assert "FEMALE_BREAST_EXPOSED" not in art.scores
    shape = nn.classify(Image.open(io.BytesIO(torso(mild=True))))
    assert 0.25 <= shape.scores["FEMALE_BREAST_EXPOSED"] < 0.8
    assert all(len(b["box"]) == 4 for b in shape.boxes)
    assert classifiers.NudeNetClassifier.detector() is classifiers.NudeNetClassifier.detector()


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        pytest.param(lambda: images.png(640, 480, seed=3), "approved", "no_concerns", id="art"),
        pytest.param(
            lambda: torso(mild=True), "in_review", "review:FEMALE_BREAST_EXPOSED", id="mild-shape"
        ),
        pytest.param(
            lambda: torso(mild=False), "rejected", "reject:FEMALE_BREAST_EXPOSED", id="strong-shape"
        ),
    ],
)
def test_ingest_classifies_and_decides(data, status, reason, ingest_now):
    asset = ingest_now(data()).asset  # on commit: asset_ingested → moderation job (inline)
    asset.refresh_from_db()
    assert asset.moderation_status == status
    row = Classification.objects.get(asset=asset)
    assert (row.classifier, row.classifier_version) == ("nudenet", "3.4.2")
    assert row.labels == sorted(row.scores)
    assert {b["label"] for b in row.boxes} == set(row.labels)
    assert row.image_width == asset.width and row.image_height == asset.height
    if row.scores:
        assert row.top_score == max(row.scores.values())
    decision = Decision.objects.get(asset=asset)
    assert decision.actor_kind == "classifier" and decision.classifier == "nudenet 3.4.2"
    assert decision.reason_code == reason
    assert asset.published == (status == "approved")


def test_a_restricted_licence_goes_to_review(ingest_for_review):
    asset = ingest_for_review(images.png(320, 240, seed=3))
    assert Decision.objects.get(asset=asset).reasons == ["licence_restricted"]


def test_large_images_are_shrunk_before_classifying(ingest_now):
    asset = ingest_now(images.png(1400, 700, seed=5)).asset
    row = Classification.objects.get(asset=asset)
    assert (row.image_width, row.image_height) == (1024, 512)


def test_the_job_is_idempotent_once_the_asset_left_pending(ingest_now):
    asset = ingest_now(images.png(320, 240, seed=3)).asset
    summary = jobs.classify_asset(str(asset.pk))  # a duplicate run
    assert summary["outcome"] == "approve" and summary["transitioned"] is False
    assert Classification.objects.filter(asset=asset).count() == 2
    assert Decision.objects.filter(asset=asset).count() == 1


def test_a_vanished_asset_is_not_an_error():
    assert jobs.classify_asset("00000000-0000-0000-0000-000000000000")["outcome"] is None


def test_no_classifier_means_human_review(ingest_now, settings):
    settings.MODERATION_CLASSIFIERS = []
    asset = ingest_now(images.png(320, 240, seed=3)).asset
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"
    assert Decision.objects.get(asset=asset).reason_code == policy.NOT_CLASSIFIED


class Broken:
    name, version = "broken", "0"

    def classify(self, image):
        raise RuntimeError("model file corrupt")


def test_a_failing_classifier_sends_the_asset_to_review(ingest_now, settings):
    settings.MODERATION_CLASSIFIERS = ["tests.moderation.test_classify.Broken"]
    asset = ingest_now(images.png(320, 240, seed=3)).asset
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"
    decision = Decision.objects.get(asset=asset)
    assert decision.reason_code == jobs.CLASSIFIER_ERROR and "model file corrupt" in decision.note


class Custom:
    name, version = "custom", "1"

    def classify(self, image):
        return classifiers.Result(
            extra_scores={"nsfw": 0.97}, width=image.width, height=image.height
        )


def test_classifiers_are_pluggable(ingest_now, settings):
    settings.MODERATION_CLASSIFIERS = [
        "moderation.classifiers.NudeNetClassifier",
        "tests.moderation.test_classify.Custom",
    ]
    settings.MODERATION_THRESHOLDS = {"nsfw": {"review": 0.5, "reject": 0.9}}
    asset = ingest_now(images.png(320, 240, seed=3)).asset
    asset.refresh_from_db()
    assert asset.moderation_status == "rejected"
    assert set(Classification.objects.filter(asset=asset).values_list("classifier", flat=True)) == {
        "nudenet",
        "custom",
    }
    assert Decision.objects.get(asset=asset).classifier == "nudenet 3.4.2, custom 1"


def test_the_job_runs_on_a_real_rq_worker(rq, ingest_now):
    asset = ingest_now(torso(mild=True)).asset  # jobs are queued in Redis, not run
    assert not Classification.objects.filter(asset=asset).exists()
    queued = rq.queue("moderation").job_ids
    assert queued == [jobs.job_id(asset.pk)] == [f"moderation-{asset.pk}"]
    rq.work("moderation")
    asset.refresh_from_db()
    assert asset.moderation_status == "in_review"
    assert Classification.objects.get(asset=asset).scores["FEMALE_BREAST_EXPOSED"] >= 0.25
    # A duplicate request for the same asset collapses to one job id, and a re-run is a no-op.
    enqueue(
        "moderation", "moderation.jobs.classify_asset", str(asset.pk), job_id=jobs.job_id(asset.pk)
    )
    rq.work("moderation")
    assert Decision.objects.filter(asset=asset).count() == 1


def test_classify_pending_command_picks_up_stuck_assets(
    make_asset, settings, django_capture_on_commit_callbacks
):
    settings.MODERATION_CLASSIFIERS = []  # bare rows have no file; the policy still decides
    stuck = make_asset("pending")
    fresh = make_asset("pending")
    Asset.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=1))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("classify_pending", "--minutes=10", stdout=out)
    assert "Queued 1 pending asset(s)." in out.getvalue()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.moderation_status, fresh.moderation_status) == ("in_review", "pending")

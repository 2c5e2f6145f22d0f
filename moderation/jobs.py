"""The classification job (RQ queue "moderation"), enqueued on commit when an asset is ingested.

``classify_asset`` runs every configured classifier, stores one Classification per classifier,
asks the policy, and moves a *pending* asset through the workflow as the classifier. It is
idempotent: an asset that is no longer pending (a moderator was faster, or a retry) gets its
classification recorded and nothing else. When classifying fails for good the asset goes to
human review, so nothing waits for ever.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from typing import Any

from django.utils import timezone

from aiassets.models import Asset, ModerationStatus, Provenance
from aiassets.queueing import enqueue, enqueue_on_commit

from . import classifiers, conf, faces, policy, workflow
from .models import Classification, Decision

logger = logging.getLogger(__name__)

CLASSIFIER_ERROR = "classifier_error"


def job_id(asset_id: uuid.UUID | str) -> str:
    return f"moderation-{asset_id}"


def schedule(asset_id: uuid.UUID | str) -> None:
    """Enqueue classification of the asset once the current transaction commits."""
    enqueue_on_commit(
        "moderation",
        "moderation.jobs.classify_asset",
        str(asset_id),
        job_id=job_id(asset_id),
        retries=conf.get("MODERATION_JOB_RETRIES"),
        retry_intervals=list(conf.get("MODERATION_RETRY_INTERVALS")),
        timeout=conf.get("MODERATION_JOB_TIMEOUT"),
    )


def provenance_facts(asset: Asset) -> policy.ProvenanceFacts | None:
    try:
        prov = Provenance.objects.select_related("model").get(asset=asset)
    except Provenance.DoesNotExist:
        return None
    return policy.ProvenanceFacts(
        model_name=prov.model.name,
        prompt=prov.prompt,
        generated_at=prov.generated_at,
        params=prov.params,
        restricts_public_use=prov.model.restricts_public_use,
    )


def classify(asset: Asset) -> list[Classification]:
    """Run every configured classifier on the asset and store what each said."""
    found = classifiers.configured()
    if not found:
        return []
    image = classifiers.load_image(asset)
    rows = []
    for classifier in found:
        started = time.perf_counter()
        result = classifier.classify(image)
        scores = result.scores
        top = max(scores.items(), key=lambda kv: kv[1], default=("", 0.0))
        rows.append(
            Classification.objects.create(
                asset=asset,
                classifier=classifier.name,
                classifier_version=classifier.version,
                labels=result.labels,
                scores=scores,
                boxes=result.boxes,
                image_width=result.width or image.width,
                image_height=result.height or image.height,
                top_label=top[0],
                top_score=top[1],
                seconds=round(time.perf_counter() - started, 4),
            )
        )
    return rows


def merged_scores(rows: list[Classification]) -> dict[str, float] | None:
    if not rows:
        return None
    out: dict[str, float] = {}
    for row in rows:
        for label, score in row.scores.items():
            out[label] = max(out.get(label, 0.0), float(score))
    return out


def classify_asset(asset_id: str) -> dict[str, Any]:
    """The RQ job: classify, decide, and (if still pending) transition. Returns a summary."""
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        logger.info("asset %s is gone; nothing to classify", asset_id)
        return {"asset_id": asset_id, "outcome": None}
    try:
        rows = classify(asset)
    except Exception as exc:
        if _last_attempt():
            _send_to_review_after_failure(asset, exc)
        raise
    faces.record_faces(asset.pk, face_boxes(rows))
    result = policy.decide(
        merged_scores(rows),
        provenance_facts(asset),
        conf.get("MODERATION_THRESHOLDS"),
        now=timezone.now(),
    )
    summary = {
        "asset_id": str(asset.pk),
        "outcome": str(result.outcome),
        "reasons": list(result.reasons),
        "classifications": [r.pk for r in rows],
        "transitioned": False,
    }
    asset.refresh_from_db(fields=["moderation_status"])
    if asset.moderation_status != ModerationStatus.PENDING:
        logger.info("asset %s is %s: classification recorded, no transition", asset.pk, summary)
        return summary
    name = {"approve": "approve", "review": "send_to_review", "reject": "reject"}
    try:
        workflow.transition(
            name[result.outcome],
            asset,
            kind=Decision.ActorKind.CLASSIFIER,
            classifier=", ".join(f"{r.classifier} {r.classifier_version}" for r in rows)
            or "policy",
            reason_code=result.reason_code,
            reasons=result.reasons,
        )
        summary["transitioned"] = True
    except workflow.TransitionNotAllowed:
        logger.info("asset %s changed status meanwhile; no transition", asset.pk)
    return summary


FACE_LABELS = {"FACE_FEMALE", "FACE_MALE"}


def face_boxes(rows: list[Classification]) -> list[tuple[float, float, float, float]]:
    """Face boxes above MODERATION_FACE_MIN_SCORE, as fractions of the analysed image."""
    out = []
    for row in rows:
        if not (row.image_width and row.image_height):
            continue
        for det in row.boxes:
            if (
                det.get("label") in FACE_LABELS
                and det.get("box")
                and (det.get("score", 0) >= conf.get("MODERATION_FACE_MIN_SCORE"))
            ):
                x, y, w, h = det["box"]
                iw, ih = row.image_width, row.image_height
                out.append((x / iw, y / ih, w / iw, h / ih))
    return out


def _last_attempt() -> bool:
    """True in-process (no RQ job) and on RQ's final try."""
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # no RQ context
        job = None
    return job is None or not job.retries_left


def _send_to_review_after_failure(asset: Asset, exc: Exception) -> None:
    with contextlib.suppress(workflow.TransitionNotAllowed):  # already out of pending
        workflow.send_to_review(
            asset,
            kind=Decision.ActorKind.SYSTEM,
            reason_code=CLASSIFIER_ERROR,
            note=f"Classification failed: {type(exc).__name__}: {exc}"[:2000],
        )


# --- republishing when a generative model's rules change -------------------------------------


def schedule_model_republish(model_id: int) -> None:
    """Republish every asset of a generative model in the background, once this commits."""
    enqueue_on_commit(
        "moderation",
        "moderation.jobs.republish_model",
        int(model_id),
        job_id=f"republish-model-{int(model_id)}",
        retries=conf.get("MODERATION_JOB_RETRIES"),
        retry_intervals=list(conf.get("MODERATION_RETRY_INTERVALS")),
    )


def republish_model(model_id: int) -> dict[str, Any]:
    """The RQ job: one republish job per (non-erased) asset of the model."""
    ids = Asset.objects.filter(provenance__model_id=model_id, erased_at__isnull=True)
    count = 0
    for asset_id in ids.values_list("pk", flat=True).iterator(chunk_size=500):
        enqueue(
            "moderation",
            "moderation.jobs.republish_asset",
            str(asset_id),
            job_id=f"republish-{asset_id}",
            retries=conf.get("MODERATION_JOB_RETRIES"),
            retry_intervals=list(conf.get("MODERATION_RETRY_INTERVALS")),
        )
        count += 1
    return {"model_id": model_id, "assets": count}


def republish_asset(asset_id: str) -> dict[str, Any]:
    """The RQ job: make one asset's variants match its model's current rules."""
    if not Asset.objects.filter(pk=asset_id, erased_at__isnull=True).exists():
        return {"asset_id": asset_id, "changed": False}
    changed = workflow.republish(asset_id, reason="generative model rules changed")
    return {"asset_id": asset_id, "changed": changed}

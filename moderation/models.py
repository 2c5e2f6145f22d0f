"""Moderation records: classifications, the append-only decision log, review claims,
escalations, takedown requests, and proxy models that give each admin queue its changelist.

Asset.moderation_status, published and delivery_version are changed only by
``moderation.workflow``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from aiassets.models import Asset, ModerationStatus

from .reasons import REJECT_REASONS, TAKEDOWN_REASONS


class Classification(models.Model):
    """What one classifier said about one asset. Boxes are in the analysed image's pixels."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="classifications")
    classifier = models.CharField(max_length=100)
    classifier_version = models.CharField(max_length=50, blank=True, default="")
    labels = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True, help_text="label → highest score")
    boxes = models.JSONField(
        default=list, blank=True, help_text='[{"label", "score", "box": [x, y, w, h]}]'
    )
    image_width = models.PositiveIntegerField(default=0)
    image_height = models.PositiveIntegerField(default=0)
    top_label = models.CharField(max_length=100, blank=True, default="")
    top_score = models.FloatField(default=0.0)
    seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.classifier} {self.classifier_version} on {self.asset_id}"


class AuditLogError(Exception):
    """Decisions are append-only: they are never changed or deleted."""


class DecisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogError("Decisions are append-only; they cannot be updated.")

    def delete(self):
        raise AuditLogError("Decisions are append-only; they cannot be deleted.")


class Decision(models.Model):
    """One moderation event, written in the same transaction as the change it records."""

    class ActorKind(models.TextChoices):
        USER = "user", "User"
        CLASSIFIER = "classifier", "Classifier"
        SYSTEM = "system", "System"

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REVIEW = "review", "Sent to review"
        ESCALATE = "escalate", "Escalated"
        TAKE_DOWN = "take_down", "Taken down"
        RESTORE = "restore", "Restored"
        FACE_REDACTION = "face_redaction", "Face redaction changed"

    # No index of its own: the (asset, -created_at) index in Meta starts with it.
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="decisions", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
    )
    actor_name = models.CharField(
        max_length=150, blank=True, default="", help_text="The actor as named at the time."
    )
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    classifier = models.CharField(max_length=200, blank=True, default="")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    from_status = models.CharField(max_length=20, choices=ModerationStatus.choices)
    to_status = models.CharField(max_length=20, choices=ModerationStatus.choices)
    reason_code = models.CharField(max_length=100, blank=True, default="")
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, default="")
    takedown = models.ForeignKey(
        "TakedownRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("decide", "Can approve, reject and escalate assets"),
            ("take_down", "Can take down and restore assets"),
        ]
        indexes = [
            models.Index(fields=["asset", "-created_at"]),
            # Items that left review, newest first (the ops dashboard's time in review): a
            # range of this small index, not every decision of the week (17,000 at 1M, 4 ms).
            models.Index(
                fields=["-created_at", "-id"],
                name="decision_review_exit_idx",
                condition=models.Q(from_status=ModerationStatus.IN_REVIEW)
                & ~models.Q(to_status=ModerationStatus.IN_REVIEW),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_verdict_display()} {self.asset_id} by {self.actor_name or self.actor_kind}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditLogError("Decisions are append-only; they cannot be updated.")
        super().save(*args, **kwargs)
        if self.to_status != self.from_status:  # the asset enters a queue: stamp it
            Asset.objects.filter(pk=self.asset_id).update(
                queued_at=self.created_at, queued_by=self.actor_kind
            )

    def delete(self, *args, **kwargs):
        raise AuditLogError("Decisions are append-only; they cannot be deleted.")


class ReviewClaim(models.Model):
    """A moderator's lock on one asset. One row per asset (the unique key settles races)."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="review_claim")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_claims"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.asset_id} claimed by {self.user_id} until {self.expires_at:%H:%M}"

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()


class Escalation(models.Model):
    """An in-review asset handed up for a second opinion. Removed when it leaves review."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="escalation")
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Escalation of {self.asset_id}"


class TakedownRequest(models.Model):
    """A request to remove images, filed publicly (form or API) or by staff in the admin."""

    class Status(models.TextChoices):
        OPEN = "open", "Open: matches to check"
        NO_MATCH = "no_match", "No match found"
        ACTIONED = "actioned", "Matches taken down"
        DISMISSED = "dismissed", "Dismissed"

    class Source(models.TextChoices):
        FORM = "form", "Public form"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester_name = models.CharField(max_length=200)
    requester_email = models.EmailField()
    reason = models.CharField(max_length=30, choices=TAKEDOWN_REASONS)
    details = models.TextField(blank=True, default="")
    evidence_url = models.CharField(max_length=2000, blank=True, default="")
    evidence_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_key = models.CharField(
        max_length=255, blank=True, default="", help_text="The uploaded image, in private storage."
    )
    evidence_sha256 = models.CharField(max_length=64, blank=True, default="")
    evidence_phash = models.CharField(max_length=16, blank=True, default="")
    evidence_mirrored_phash = models.CharField(max_length=16, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    matches = models.ManyToManyField(
        Asset, through="TakedownMatch", related_name="takedown_requests", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Takedown {str(self.id)[:8]} from {self.requester_name}"


class TakedownMatch(models.Model):
    """An asset whose perceptual hash is within the threshold of the evidence."""

    request = models.ForeignKey(
        TakedownRequest, on_delete=models.CASCADE, related_name="match_rows"
    )
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField()
    mirrored = models.BooleanField(default=False, help_text="Matched the flipped evidence.")

    class Meta:
        ordering = ["distance"]
        constraints = [
            models.UniqueConstraint(fields=["request", "asset"], name="takedown_match_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} at distance {self.distance}"


# --- Queues: proxies of Asset so each queue has its own admin changelist -------------------


class NeedsReview(Asset):
    class Meta:
        proxy = True
        verbose_name = "item needing review"
        verbose_name_plural = "Needs review"


class AutoRejected(Asset):
    class Meta:
        proxy = True
        verbose_name = "auto-rejected item"
        verbose_name_plural = "Auto-rejected"


class Escalated(Asset):
    class Meta:
        proxy = True
        verbose_name = "escalated item"
        verbose_name_plural = "Escalated"


class TakenDown(Asset):
    class Meta:
        proxy = True
        verbose_name = "taken-down item"
        verbose_name_plural = "Taken down"


__all__ = [
    "REJECT_REASONS",
    "AuditLogError",
    "AutoRejected",
    "Classification",
    "Decision",
    "Escalated",
    "Escalation",
    "NeedsReview",
    "ReviewClaim",
    "TakedownMatch",
    "TakedownRequest",
    "TakenDown",
]

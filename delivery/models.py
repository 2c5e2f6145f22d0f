"""Delivery records: one PurgeRequest per (asset version, CDN backend) purge round."""

from __future__ import annotations

from django.db import models


class PurgeRequest(models.Model):
    """Asks one CDN backend to drop an asset's URLs under one delivery version and its keys.

    The URLs are the ones that were served, collected when they died (see delivery.purges).

    Rows are the audit trail of purges: the job updates attempts, status and last_error on each
    try. ``backend`` is the CDN_BACKENDS alias, or empty when no CDN is configured (recorded,
    nothing sent). ``asset_id`` is not a foreign key so the record outlives a deleted asset.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    backend = models.CharField(max_length=100, blank=True, default="", db_index=True)
    asset_id = models.UUIDField(db_index=True)
    delivery_version = models.PositiveIntegerField(
        help_text="The delivery version whose URLs are purged."
    )
    # Exactly what is sent: collected when the URLs died, never re-derived.
    urls = models.JSONField(default=list, blank=True)
    surrogate_keys = models.JSONField(default=list, blank=True)
    reason = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="Why these URLs died: renditions retired, left public view, erased, by hand.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    last_error = models.TextField(blank=True, default="")
    result = models.TextField(blank=True, default="", help_text="What the CDN answered.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["asset_id", "delivery_version", "status"])]

    def __str__(self) -> str:
        return f"purge {self.asset_id} v{self.delivery_version} via {self.backend or 'no CDN'}"

"""What the API itself keeps: the answers to POSTs sent with an Idempotency-Key."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from aiassets.models import ApiToken


class IdempotentAnswer(models.Model):
    """The answer a token's POST got under one Idempotency-Key, kept for 24 hours: the same
    key with the same body answers it again; with another body, 409 ``idempotency_conflict``."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request's content.")
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.token_id})"

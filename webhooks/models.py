"""Webhook endpoints and the log of every delivery to them."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone

from aiassets.models import ApiToken

from .events import EVENT_TYPES


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    """A URL told of events. With a token, only events of that token's own uploads; without
    one (registered in the admin), events of every asset. Payloads never carry private facts."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    token = models.ForeignKey(
        ApiToken,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text="Empty: every asset's events. Set: only the assets this token uploaded.",
    )
    events = models.JSONField(
        default=list, blank=True, help_text=f"Empty: every event. Known: {', '.join(EVENT_TYPES)}."
    )
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url[:60]})"

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class Delivery(models.Model):
    """One event sent to one endpoint: at least once, retried with backoff until delivered or
    out of attempts. ``event_id`` is the same for every endpoint and every retry, so receivers
    deduplicate on it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (out of attempts)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_id = models.UUIDField(db_index=True, editable=False)
    event_type = models.CharField(max_length=40, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    asset_id = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    payload = models.JSONField(editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event_id", "endpoint"], name="one_delivery_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"

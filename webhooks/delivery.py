"""Sending deliveries: one attempt per job run, recorded in the log; retried with backoff by
RQ, and by :func:`retry_due` (the healing job) for anything that fell through."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from aiassets import queueing

from . import signing, urls_guard
from .conf import app_settings
from .models import Delivery

logger = logging.getLogger(__name__)
USER_AGENT = "aiassets-webhooks/1"


class DeliveryFailed(Exception):
    """Raised by the job so that RQ retries it after the next interval."""


@dataclass
class Attempt:
    ok: bool
    status_code: int | None = None
    response: str = ""
    error: str = ""


def intervals() -> list[int]:
    return list(app_settings.WEBHOOKS_RETRY_INTERVALS)


def max_attempts() -> int:
    return len(intervals()) + 1


def schedule(delivery_id: uuid.UUID | str) -> None:
    """Queue one attempt (on commit). In-process jobs get no immediate retries: a receiver that
    is down would be hammered; retry_due() picks them up instead."""
    queueing.enqueue_on_commit(
        "default",
        "webhooks.jobs.deliver",
        str(delivery_id),
        job_id=f"webhook-{delivery_id}",
        retries=0 if settings.JOBS_INLINE else max_attempts() - 1,
        retry_intervals=intervals(),
        timeout=60,
    )


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def send(delivery: Delivery) -> Attempt:
    """One signed POST. Any 2xx is delivered; redirects are not followed."""
    endpoint = delivery.endpoint
    try:
        urls_guard.check(endpoint.url)
    except urls_guard.UnsafeUrl as exc:
        return Attempt(False, error=str(exc))
    body, stamp = body_of(delivery), int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": str(delivery.event_id),
        "Webhook-Event": delivery.event_type,
        "Webhook-Timestamp": str(stamp),
        "Webhook-Signature": signing.header(endpoint.secret, stamp, body),
    }
    timeout = app_settings.WEBHOOKS_TIMEOUT
    try:
        answer = requests.post(
            endpoint.url, data=body, headers=headers, timeout=(3, timeout), allow_redirects=False
        )
    except requests.RequestException as exc:
        return Attempt(False, error=f"{type(exc).__name__}: {exc}"[:2000])
    return Attempt(200 <= answer.status_code < 300, answer.status_code, answer.text[:2000])


def record(delivery: Delivery, attempt: Attempt) -> str:
    """Write the attempt to the log; returns the delivery's new status."""
    attempts = delivery.attempts + 1
    if attempt.ok:
        status = Delivery.Status.DELIVERED
    elif attempts >= max_attempts():
        status = Delivery.Status.FAILED
    else:
        status = Delivery.Status.PENDING
    wait = intervals()[min(attempts, len(intervals())) - 1] if intervals() else 0
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=F("attempts") + 1,
        last_status_code=attempt.status_code,
        last_response=attempt.response,
        last_error=attempt.error,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        delivered_at=timezone.now() if attempt.ok else None,
    )
    return status


def deliver(delivery_id: uuid.UUID | str) -> str:
    """The job: one attempt unless already delivered or given up. Raises to be retried."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "skipped"
    attempt = send(delivery)
    status = record(delivery, attempt)
    _log(delivery, attempt, status)
    if status == Delivery.Status.PENDING and not settings.JOBS_INLINE:  # RQ retries it
        raise DeliveryFailed(attempt.error or f"HTTP {attempt.status_code}")
    return status


def retry_due(limit: int = 500) -> int:
    """Queue pending deliveries whose next attempt is due (the healing job calls this)."""
    due = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    ids = list(due)
    for pk in ids:
        schedule(pk)
    return len(ids)


def redeliver(deliveries: Any) -> int:
    """Send these again (the admin action): back to pending, due now."""
    ids = list(deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), delivered_at=None
    )
    for pk in ids:
        schedule(pk)
    return len(ids)


def _log(delivery: Delivery, attempt: Attempt, status: str) -> None:
    logger.info(
        "webhook %s to endpoint %s: %s",
        delivery.event_type,
        delivery.endpoint_id,
        status,
        extra={
            "event": "webhook.attempt",
            "webhook_event_id": str(delivery.event_id),
            "status_code": attempt.status_code,
            "outcome": status,
        },
    )

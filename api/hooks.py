"""/api/v1/webhooks: a token registers, lists and removes its own webhook endpoints.

An endpoint registered here hears only of the token's own uploads (``webhooks`` decides what
a payload may say). Its signing secret is answered once, at creation; the admin shows it to
staff. Another token's endpoint answers exactly as an unknown id does (404).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from ninja import Router, Status

from aiassets.errors import CodedError
from aiassets.validation import check_text
from webhooks import urls_guard
from webhooks.models import Endpoint

from .assets import ERRORS
from .auth import ingest_scope, read_scope
from .schemas import WebhookCreated, WebhookIn, WebhookList

router = Router(tags=["webhooks"])
MAX_PER_TOKEN = 10  # through the API; the admin may add more
LIST_LIMIT = 100


def endpoint_body(endpoint: Endpoint) -> dict:
    return {
        "id": endpoint.pk,
        "name": endpoint.name,
        "url": endpoint.url,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
        "created_at": endpoint.created_at,
    }


@router.post("/webhooks", response={201: WebhookCreated, **ERRORS}, auth=ingest_scope)
def create_webhook(request: HttpRequest, body: WebhookIn):
    """Register a URL for events of your uploads (all events unless `events` names some).

    The answer carries the signing `secret`, shown this once: keep it to verify the
    `Webhook-Signature` header of every delivery."""
    token = request.auth
    check_text(body.url, "url")
    try:
        urls_guard.check(body.url)
    except urls_guard.UnsafeUrl as exc:
        raise CodedError("invalid_metadata", str(exc), field="url") from exc
    if Endpoint.objects.filter(token=token).count() >= MAX_PER_TOKEN:
        raise CodedError("conflict", f"A token may register at most {MAX_PER_TOKEN} webhooks.")
    name = check_text(body.name or urlsplit(body.url).hostname or "webhook", "name")[:100]
    endpoint = Endpoint.objects.create(
        name=name, url=body.url, token=token, events=sorted(set(body.events))
    )
    return Status(201, {**endpoint_body(endpoint), "secret": endpoint.secret})


@router.get("/webhooks", response={200: WebhookList, **ERRORS}, auth=read_scope)
def list_webhooks(request: HttpRequest):
    """Your endpoints (never their secrets)."""
    rows = Endpoint.objects.filter(token=request.auth).order_by("created_at", "pk")
    return Status(200, {"items": [endpoint_body(e) for e in rows[:LIST_LIMIT]]})


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS}, auth=ingest_scope)
def delete_webhook(request: HttpRequest, webhook_id: int):
    """Remove one of your endpoints (pending deliveries to it are dropped)."""
    deleted, _ = Endpoint.objects.filter(pk=webhook_id, token=request.auth).delete()
    if not deleted:
        raise CodedError("not_found", f"No webhook {webhook_id}.")
    return Status(204, None)

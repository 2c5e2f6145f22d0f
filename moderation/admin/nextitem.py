"""Approve-and-next: which item of a queue a moderator gets next, and what they skipped.

The next item is the one the moderator already holds, else the oldest item nobody else holds
(claimed through ``claims.claim``, so two moderators never get the same one). Items the
moderator skipped (the review page's "Skip") are remembered in the session, per queue, and
left for others until the moderator has seen the rest of the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from aiassets.models import Asset

from .. import claims

CANDIDATES = 25  # unclaimed items tried per call (each try is one conditional write)
SKIP_MEMORY = 200  # skipped ids remembered per queue (a moderator's session, not forever)
SESSION_KEY = "moderation_skipped"


def _queue_key(model_admin: admin.ModelAdmin) -> str:
    return model_admin.opts.model_name


def skipped(request: HttpRequest, model_admin: admin.ModelAdmin) -> list[str]:
    """Ids this moderator skipped in this queue (newest last)."""
    return list(request.session.get(SESSION_KEY, {}).get(_queue_key(model_admin), []))


def remember_skip(request: HttpRequest, model_admin: admin.ModelAdmin, pk: Any) -> None:
    memory = dict(request.session.get(SESSION_KEY, {}))
    ids = [x for x in memory.get(_queue_key(model_admin), []) if x != str(pk)]
    memory[_queue_key(model_admin)] = [*ids, str(pk)][-SKIP_MEMORY:]
    request.session[SESSION_KEY] = memory


def forget_skips(request: HttpRequest, model_admin: admin.ModelAdmin) -> None:
    memory = dict(request.session.get(SESSION_KEY, {}))
    if memory.pop(_queue_key(model_admin), None) is not None:
        request.session[SESSION_KEY] = memory


def claim_next(
    model_admin: admin.ModelAdmin, request: HttpRequest, exclude: Iterable[Any] = ()
) -> Any | None:
    """Claim the next item of ``model_admin``'s queue for this user; its pk, or None when
    nothing is left that nobody else holds (and that the user did not skip or exclude)."""
    user = request.user
    now = timezone.now()
    queue = model_admin.queue(Asset.objects.all())
    leave_out = {str(x) for x in exclude} | set(skipped(request, model_admin))
    mine = queue.filter(review_claim__user=user, review_claim__expires_at__gt=now)
    free = queue.exclude(review_claim__expires_at__gt=now)
    if leave_out:
        mine, free = mine.exclude(pk__in=leave_out), free.exclude(pk__in=leave_out)
    held = list(mine.order_by("queued_at", "pk").values_list("pk", flat=True)[:1])
    candidates = free.order_by("queued_at", "pk").values_list("pk", flat=True)[:CANDIDATES]
    for pk in [*held, *candidates]:
        if claims.claim(pk, user).won:
            return pk
    return None

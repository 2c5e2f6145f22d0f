"""Review claims: a moderator locks an item while looking at it, so no two review the same one.

A claim lives for MODERATION_CLAIM_SECONDS and is refreshed while its holder works. The
one-row-per-asset unique key decides races: when two moderators claim at once exactly one
insert (or one conditional update) succeeds.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from . import conf
from .models import ReviewClaim

LOCK_RETRIES = 20


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    claim: ReviewClaim | None  # the live claim (ours, or the holder's when we lost)

    @property
    def holder(self) -> Any:
        return self.claim.user if self.claim else None


def ttl() -> timedelta:
    return timedelta(seconds=conf.get("MODERATION_CLAIM_SECONDS"))


def claim(asset_id: uuid.UUID | str, user: Any) -> ClaimResult:
    """Claim (or refresh our claim on) an asset. Wins unless someone else holds a live claim."""
    for attempt in range(LOCK_RETRIES):
        try:
            won = _try_claim(asset_id, user)
            return ClaimResult(won, current(asset_id))
        except OperationalError as exc:
            # SQLite reports a concurrent writer as "locked" instead of waiting (its shared-cache
            # in-memory databases never wait); the lock lasts one short transaction.
            if "locked" not in str(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")


def _try_claim(asset_id: uuid.UUID | str, user: Any) -> bool:
    now = timezone.now()
    expires = now + ttl()
    try:
        with transaction.atomic():
            # Take over our own claim or an expired one; the WHERE clause is re-checked under
            # the row lock, so of two concurrent takeovers only one updates a row.
            taken = (
                ReviewClaim.objects.filter(asset_id=asset_id)
                .filter(Q(user=user) | Q(expires_at__lte=now))
                .update(user=user, claimed_at=now, expires_at=expires)
            )
            if not taken:
                ReviewClaim.objects.create(
                    asset_id=asset_id, user=user, claimed_at=now, expires_at=expires
                )
    except IntegrityError:  # someone else's claim row exists: they won
        return False
    return True


def current(asset_id: uuid.UUID | str) -> ReviewClaim | None:
    """The live claim on the asset, if any."""
    return (
        ReviewClaim.objects.select_related("user")
        .filter(asset_id=asset_id, expires_at__gt=timezone.now())
        .first()
    )


def release(asset_id: uuid.UUID | str, user: Any) -> bool:
    return ReviewClaim.objects.filter(asset_id=asset_id, user=user).delete()[0] > 0


def held_by_other(asset_id: uuid.UUID | str, user: Any) -> ReviewClaim | None:
    live = current(asset_id)
    return live if live is not None and live.user_id != user.pk else None

"""Claims: two moderators racing for one item, exactly one wins; claims expire."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from moderation import claims
from moderation.models import ReviewClaim

pytestmark = pytest.mark.django_db


def test_second_moderator_loses_while_the_claim_lives(make_asset, moderator, moderator2):
    asset = make_asset("in_review")
    first = claims.claim(asset.pk, moderator)
    assert first.won and first.holder == moderator
    second = claims.claim(asset.pk, moderator2)
    assert not second.won and second.holder == moderator
    assert claims.claim(asset.pk, moderator).won, "the holder refreshes their own claim"
    assert ReviewClaim.objects.get(asset=asset).user == moderator


def test_an_expired_claim_can_be_taken_over(make_asset, moderator, moderator2):
    asset = make_asset("in_review")
    ReviewClaim.objects.create(
        asset=asset, user=moderator, expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert claims.current(asset.pk) is None
    assert claims.claim(asset.pk, moderator2).won
    assert not claims.claim(asset.pk, moderator).won


def test_release(make_asset, moderator, moderator2):
    asset = make_asset("in_review")
    claims.claim(asset.pk, moderator)
    assert not claims.release(asset.pk, moderator2), "only the holder releases"
    assert claims.release(asset.pk, moderator)
    assert claims.claim(asset.pk, moderator2).won


def test_the_unique_key_settles_a_race_the_reads_missed(make_asset, moderator, moderator2):
    """Both moderators saw no claim; both insert; the database lets exactly one in."""
    asset = make_asset("in_review")
    expires = timezone.now() + timedelta(minutes=5)
    ReviewClaim.objects.create(asset=asset, user=moderator, expires_at=expires)
    result = claims.claim(asset.pk, moderator2)  # its update matches nothing, its insert fails
    assert not result.won and result.holder == moderator


def race(asset_id, users) -> dict[str, bool]:
    """Both users claim at the same instant, each on its own thread and connection."""
    barrier = threading.Barrier(len(users))
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            results[user.username] = claims.claim(asset_id, user).won
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("expired_claim", [False, True], ids=["fresh", "takeover"])
def test_two_moderators_in_two_threads_one_winner(expired_claim, make_asset, make_user):
    asset = make_asset("in_review")
    users = [make_user("alice", "moderators"), make_user("bob", "moderators")]
    carol = make_user("carol", "moderators")
    for _ in range(5):  # repeat to give the race a chance to interleave differently
        ReviewClaim.objects.filter(asset=asset).delete()
        if expired_claim:
            ReviewClaim.objects.create(
                asset=asset, user=carol, expires_at=timezone.now() - timedelta(minutes=1)
            )
        results = race(asset.pk, users)
        assert sorted(results.values()) == [False, True], results
        winner = next(name for name, won in results.items() if won)
        assert ReviewClaim.objects.get(asset=asset).user.username == winner

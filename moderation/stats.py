"""The numbers a moderation lead needs: queue length, oldest item age, throughput, rejections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Decision

DECISION_VERDICTS = (Decision.Verdict.APPROVE, Decision.Verdict.REJECT)


@dataclass(frozen=True)
class QueueStats:
    length: int
    oldest_since: datetime | None
    decisions_last_hour: int
    decisions_per_hour_24h: float
    rejection_rate_24h: float | None  # rejects / (approvals + rejects), any actor
    human_decisions_24h: int
    length_capped: bool = False  # the queue holds more than ``length`` (QUEUE_COUNT_CAP)

    @property
    def oldest_age(self) -> timedelta | None:
        return timezone.now() - self.oldest_since if self.oldest_since else None


QUEUE_COUNT_CAP = 10_000  # a queue's length is counted up to here, then shown as "10000+"


def _head(queue: QuerySet, since_field: str) -> tuple[int, datetime | None]:
    """(bounded length, oldest ``since_field``): two index walks, never a whole-table count."""
    length = queue.order_by().values("pk")[: QUEUE_COUNT_CAP + 1].count()
    oldest = (
        queue.filter(**{f"{since_field}__isnull": False})
        .order_by(since_field)
        .values_list(since_field, flat=True)
        .first()
    )
    return length, oldest


def queue_stats(queue: QuerySet, since_field: str = "queued_at") -> QueueStats:
    now = timezone.now()
    length, oldest = _head(queue, since_field)
    day = Decision.objects.filter(created_at__gte=now - timedelta(hours=24))
    counts = day.aggregate(
        decided=Count("pk", filter=Q(verdict__in=DECISION_VERDICTS)),
        rejected=Count("pk", filter=Q(verdict=Decision.Verdict.REJECT)),
        human=Count(
            "pk",
            filter=Q(verdict__in=DECISION_VERDICTS, actor_kind=Decision.ActorKind.USER),
        ),
        last_hour=Count(
            "pk",
            filter=Q(verdict__in=DECISION_VERDICTS, created_at__gte=now - timedelta(hours=1)),
        ),
    )
    decided = counts["decided"]
    return QueueStats(
        length=min(length, QUEUE_COUNT_CAP),
        oldest_since=oldest,
        decisions_last_hour=counts["last_hour"],
        decisions_per_hour_24h=round(decided / 24, 1),
        rejection_rate_24h=(counts["rejected"] / decided) if decided else None,
        human_decisions_24h=counts["human"],
        length_capped=length > QUEUE_COUNT_CAP,
    )

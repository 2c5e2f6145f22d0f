"""The numbers a moderation lead needs: queue length, oldest item age, throughput, rejections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
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

    @property
    def oldest_age(self) -> timedelta | None:
        return timezone.now() - self.oldest_since if self.oldest_since else None


def queue_stats(queue: QuerySet, since_field: str = "queued_at") -> QueueStats:
    now = timezone.now()
    head = queue.aggregate(length=Count("pk"), oldest=Min(since_field))
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
        length=head["length"],
        oldest_since=head["oldest"],
        decisions_last_hour=counts["last_hour"],
        decisions_per_hour_24h=round(decided / 24, 1),
        rejection_rate_24h=(counts["rejected"] / decided) if decided else None,
        human_decisions_24h=counts["human"],
    )

"""The numbers a moderation lead needs: queue length, oldest item age, throughput, rejections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from aiassets import paging

from . import queues
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


# A queue's length is counted up to here, then shown as "1000+": the change list's own cap,
# so the list's count serves as the header's (the ops dashboard has the exact total).
QUEUE_COUNT_CAP = paging.DEFAULT_CAP


def queue_stats(
    queue: QuerySet, length: tuple[int, bool] | None = None, oldest: datetime | None = None
) -> QueueStats:
    """The numbers of one review queue (a moderation.queues queryset): its length counted up
    to QUEUE_COUNT_CAP (queues.bounded_count: one walk of the queue's index), its oldest item,
    and the last day's decisions. ``length``: (count, capped) when the caller has counted the
    queue already (the change list's paginator, showing the whole queue); ``oldest``: when
    its oldest item was queued, when the caller has read it (the list's first row)."""
    now = timezone.now()
    length, capped = length or queues.bounded_count(queue, QUEUE_COUNT_CAP)
    if oldest is None:
        oldest = (
            queue.filter(queued_at__isnull=False)
            .order_by("queued_at")
            .values_list("queued_at", flat=True)
            .first()
        )
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
        length=length,
        oldest_since=oldest,
        decisions_last_hour=counts["last_hour"],
        decisions_per_hour_24h=round(decided / 24, 1),
        rejection_rate_24h=(counts["rejected"] / decided) if decided else None,
        human_decisions_24h=counts["human"],
        length_capped=capped,
    )

"""The review queues as querysets, each annotated with when the item entered its state."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from aiassets.models import Asset, ModerationStatus

from .models import Decision


def annotate(qs: QuerySet) -> QuerySet:
    """Add ``queued_at`` (time of the latest decision, else creation), and the latest
    decision's actor kind and reason code."""
    latest = Decision.objects.filter(asset=OuterRef("pk")).order_by("-created_at", "-id")
    return qs.annotate(
        queued_at=Coalesce(Subquery(latest.values("created_at")[:1]), F("created_at")),
        last_actor_kind=Subquery(latest.values("actor_kind")[:1]),
        last_reason=Subquery(latest.values("reason_code")[:1]),
    )


def needs_review(qs: QuerySet | None = None) -> QuerySet:
    qs = Asset.objects.all() if qs is None else qs
    return annotate(
        qs.filter(moderation_status=ModerationStatus.IN_REVIEW, escalation__isnull=True)
    )


def escalated(qs: QuerySet | None = None) -> QuerySet:
    qs = Asset.objects.all() if qs is None else qs
    return annotate(
        qs.filter(moderation_status=ModerationStatus.IN_REVIEW, escalation__isnull=False)
    )


def auto_rejected(qs: QuerySet | None = None) -> QuerySet:
    qs = Asset.objects.all() if qs is None else qs
    return annotate(qs.filter(moderation_status=ModerationStatus.REJECTED)).filter(
        last_actor_kind=Decision.ActorKind.CLASSIFIER
    )


def taken_down(qs: QuerySet | None = None) -> QuerySet:
    qs = Asset.objects.all() if qs is None else qs
    return annotate(qs.filter(moderation_status=ModerationStatus.TAKEN_DOWN))
